#pragma once
// The stop flag and interruptible sleep shared by the publisher and consumer threads.

#include <chrono>
#include <condition_variable>
#include <atomic>
#include <cstdint>
#include <mutex>

#include "ait/metrics/metrics.h"

namespace ait::nats::detail {

class StopSignal {
 public:
  /// Sleeps for d unless stop() is called first; returns false when stopping.
  bool sleepFor(std::chrono::nanoseconds d) {
    std::unique_lock lock(mutex_);
    return !cv_.wait_for(lock, d, [this] { return stopping_; });
  }
  void stop() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    cv_.notify_all();
  }
  bool stopping() const {
    std::lock_guard lock(mutex_);
    return stopping_;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
};

}  // namespace ait::nats::detail

namespace ait::nats::detail {

/// A registry counter (shared by every instance with the same labels) plus this instance's own
/// count, so that stats() describe one publisher or consumer.
class CountedMetric {
 public:
  explicit CountedMetric(metrics::Counter& counter) : counter_(counter) {}
  void inc() noexcept {
    counter_.inc();
    local_.fetch_add(1, std::memory_order_relaxed);
  }
  std::uint64_t value() const noexcept { return local_.load(std::memory_order_relaxed); }

 private:
  metrics::Counter& counter_;
  std::atomic<std::uint64_t> local_{0};
};

}  // namespace ait::nats::detail
