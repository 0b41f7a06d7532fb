#pragma once
// Time sources. Components take a Clock& so that tests drive time with FakeClock and backtests
// with a replay clock, while live code uses SystemClock.

#include <atomic>
#include <chrono>
#include <cstdint>

namespace ait {

/// Nanoseconds since the Unix epoch, UTC.
using TimestampNs = std::int64_t;

class Clock {
 public:
  virtual ~Clock() = default;
  /// Returns wall-clock time in ns since the Unix epoch (UTC).
  virtual TimestampNs now() const noexcept = 0;
  /// Returns a monotonic time in ns, for durations and timeouts.
  virtual std::int64_t monotonicNs() const noexcept = 0;
};

class SystemClock final : public Clock {
 public:
  TimestampNs now() const noexcept override {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  std::int64_t monotonicNs() const noexcept override {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  /// Returns the process-wide system clock.
  static SystemClock& instance() noexcept {
    static SystemClock clock;
    return clock;
  }
};

/// A clock that moves only when told to; both readings advance together.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(TimestampNs start = 1'700'000'000'000'000'000) : now_(start) {}
  TimestampNs now() const noexcept override { return now_.load(std::memory_order_relaxed); }
  std::int64_t monotonicNs() const noexcept override { return now(); }
  void advance(std::chrono::nanoseconds by) noexcept {
    now_.fetch_add(by.count(), std::memory_order_relaxed);
  }
  void set(TimestampNs at) noexcept { now_.store(at, std::memory_order_relaxed); }

 private:
  std::atomic<TimestampNs> now_;
};

}  // namespace ait
