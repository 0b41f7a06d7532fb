#include "ait/bench/harness.h"

#include <algorithm>
#include <chrono>
#include <numeric>

#include <fmt/format.h>

namespace ait::bench {

namespace {
std::map<std::string, Benchmark>& registry() {
  static std::map<std::string, Benchmark> benchmarks;
  return benchmarks;
}

std::int64_t percentile(const std::vector<std::int64_t>& sorted, double q) {
  if (sorted.empty()) return 0;
  auto index = static_cast<std::size_t>(q * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(index, sorted.size() - 1)];
}

void flatten(const std::string& prefix, const nlohmann::json& value,
             std::vector<std::pair<std::string, std::string>>& rows) {
  if (value.is_object()) {
    for (const auto& [key, child] : value.items()) {
      flatten(prefix.empty() ? key : prefix + "." + key, child, rows);
    }
    return;
  }
  if (value.is_number_float()) {
    rows.emplace_back(prefix, fmt::format("{:.6g}", value.get<double>()));
  } else if (value.is_string()) {
    rows.emplace_back(prefix, value.get<std::string>());
  } else {
    rows.emplace_back(prefix, value.dump());
  }
}
}  // namespace

nlohmann::json LatencyRecorder::summary() {
  std::sort(samples_.begin(), samples_.end());
  double mean = samples_.empty() ? 0.0
                                 : static_cast<double>(std::accumulate(
                                       samples_.begin(), samples_.end(), std::int64_t{0})) /
                                       static_cast<double>(samples_.size());
  return {{"samples", samples_.size()},
          {"p50_ns", percentile(samples_, 0.50)},
          {"p99_ns", percentile(samples_, 0.99)},
          {"p999_ns", percentile(samples_, 0.999)},
          {"max_ns", samples_.empty() ? 0 : samples_.back()},
          {"mean_ns", mean}};
}

bool registerBenchmark(std::string name, std::string description, BenchFn run) {
  auto key = name;
  registry().emplace(std::move(key),
                     Benchmark{std::move(name), std::move(description), std::move(run)});
  return true;
}

const std::map<std::string, Benchmark>& benchmarks() { return registry(); }

std::string renderTable(const std::string& name, const nlohmann::json& figures) {
  std::vector<std::pair<std::string, std::string>> rows;
  flatten("", figures, rows);
  std::size_t width = 6;
  for (const auto& row : rows) width = std::max(width, row.first.size());
  std::string out = fmt::format("benchmark: {}\n", name);
  out += fmt::format("{:<{}}  {}\n", "figure", width, "value");
  out += fmt::format("{:-<{}}  {:-<12}\n", "", width, "");
  for (const auto& [key, value] : rows) out += fmt::format("{:<{}}  {}\n", key, width, value);
  return out;
}

std::int64_t nowNs() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace ait::bench
