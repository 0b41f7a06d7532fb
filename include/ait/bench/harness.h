#pragma once
// The benchmarks' one home: each benchmark registers itself by name and `aitrading bench NAME`
// runs it, printing a readable table, or with --json one JSON object whose rates end in `_per_s`
// and whose latency percentiles are `p50_ns`, `p99_ns`, `p999_ns`.

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ait::bench {

/// Collects latency samples (preallocated) and summarises them as percentiles.
class LatencyRecorder {
 public:
  explicit LatencyRecorder(std::size_t capacity) { samples_.reserve(capacity); }
  void record(std::int64_t ns) {
    if (samples_.size() < samples_.capacity()) samples_.push_back(ns);
  }
  std::size_t size() const noexcept { return samples_.size(); }
  /// Returns {"p50_ns", "p99_ns", "p999_ns", "max_ns", "mean_ns", "samples"}; sorts the samples.
  nlohmann::json summary();

 private:
  std::vector<std::int64_t> samples_;
};

struct Options {
  bool json = false;
  bool quick = false;  // a shorter run, for smoke tests
  std::map<std::string, std::string> params;  // --param key=value
};

/// A benchmark returns one JSON object of figures; the harness prints it as JSON or a table.
using BenchFn = std::function<nlohmann::json(const Options&)>;

struct Benchmark {
  std::string name;
  std::string description;
  BenchFn run;
};

/// Registers a benchmark; used through AIT_BENCHMARK at namespace scope.
bool registerBenchmark(std::string name, std::string description, BenchFn run);
const std::map<std::string, Benchmark>& benchmarks();

/// Prints the figures as an aligned two-column table (nested objects flattened with dots).
std::string renderTable(const std::string& name, const nlohmann::json& figures);

/// Returns ns on a monotonic clock, for timing inside benchmarks.
std::int64_t nowNs() noexcept;

}  // namespace ait::bench

#define AIT_BENCH_CONCAT2(a, b) a##b
#define AIT_BENCH_CONCAT(a, b) AIT_BENCH_CONCAT2(a, b)
#define AIT_BENCHMARK(name, description, fn)                                              \
  static const bool AIT_BENCH_CONCAT(aitBenchRegistered_, __LINE__) =                     \
      ::ait::bench::registerBenchmark(name, description, fn)
