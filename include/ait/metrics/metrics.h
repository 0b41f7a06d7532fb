#pragma once
// Prometheus metrics: counters, gauges and histograms, labelled, updated lock-free, rendered in the
// text exposition format 0.0.4 with HELP and TYPE for every family.
//
// Registration (looking a series up by name and labels) takes a lock and may allocate: do it once
// at construction and keep the returned reference. Updating a series never locks or allocates.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ait::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void inc(std::uint64_t by = 1) noexcept { value_.fetch_add(by, std::memory_order_relaxed); }
  std::uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

class Gauge {
 public:
  void set(double value) noexcept;
  void add(double delta) noexcept;
  double value() const noexcept;

 private:
  std::atomic<double> value_{0.0};
};

/// A histogram with fixed upper bounds (in the unit its name says, seconds by convention).
class Histogram {
 public:
  explicit Histogram(std::vector<double> upperBounds);
  void observe(double value) noexcept;
  /// Convenience for latencies measured in nanoseconds into a histogram in seconds.
  void observeNs(std::int64_t ns) noexcept { observe(static_cast<double>(ns) * 1e-9); }

  std::span<const double> upperBounds() const noexcept { return bounds_; }
  /// Returns the non-cumulative count of bucket i (i == upperBounds().size() is +Inf).
  std::uint64_t bucketCount(std::size_t i) const noexcept;
  std::uint64_t count() const noexcept;
  double sum() const noexcept;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;
  std::atomic<double> sum_{0.0};
};

/// Log-linear bounds fit for microseconds to seconds: 1, 2, 5 x 10^k seconds from 1 us to 10 s.
std::vector<double> latencyBuckets();

class Registry {
 public:
  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  /// Returns the series for name + labels, creating family and series on first use. The reference
  /// stays valid for the registry's lifetime. A name used before with another type is a bug.
  Counter& counter(std::string_view name, std::string_view help, const Labels& labels = {});
  Gauge& gauge(std::string_view name, std::string_view help, const Labels& labels = {});
  Histogram& histogram(std::string_view name, std::string_view help, const Labels& labels = {},
                       std::vector<double> upperBounds = latencyBuckets());

  /// Renders every family in the Prometheus text format 0.0.4.
  std::string render() const;

  /// The process-wide registry that /metrics on every port renders.
  static Registry& global();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ait::metrics
