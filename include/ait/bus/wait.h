#pragma once
// Low-level waiting for the bus: a CPU pause for spin loops and futex sleep/wake on a 32-bit word,
// so that an idle engine or a blocked producer costs no CPU and wakes without a lock.

#include <atomic>
#include <chrono>
#include <cstdint>

namespace ait::bus {

/// Hints the CPU that the caller is spinning (x86 pause); a no-op elsewhere.
inline void cpuRelax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

/// Sleeps while word == expected, for at most timeout; returns early on a wake or a signal.
void futexWait(const std::atomic<std::uint32_t>& word, std::uint32_t expected,
               std::chrono::nanoseconds timeout) noexcept;

/// Wakes every thread sleeping in futexWait on word.
void futexWakeAll(const std::atomic<std::uint32_t>& word) noexcept;

/// A sleep/wake point for any number of sleepers (publishers blocked on a full queue): sleepers
/// announce themselves so that the waking side pays for a system call only when somebody sleeps.
/// notify() fences first, so a wake-up is never lost.
struct WakeWord {
  std::atomic<std::uint32_t> epoch{0};
  std::atomic<std::uint32_t> sleepers{0};

  /// Returns the epoch to pass to sleep(); call before re-checking the awaited condition.
  std::uint32_t prepare() noexcept {
    auto seen = epoch.load(std::memory_order_acquire);
    sleepers.fetch_add(1, std::memory_order_seq_cst);
    return seen;
  }
  /// Sleeps until notified after prepare() or the timeout; then leaves the sleepers.
  void sleep(std::uint32_t seen, std::chrono::nanoseconds timeout) noexcept {
    futexWait(epoch, seen, timeout);
    sleepers.fetch_sub(1, std::memory_order_relaxed);
  }
  /// Leaves the sleepers without sleeping (the condition turned true after prepare()).
  void cancel() noexcept { sleepers.fetch_sub(1, std::memory_order_relaxed); }
  /// Wakes the sleepers if there are any; a fence and a load when there are none.
  void notify() noexcept {
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (sleepers.load(std::memory_order_relaxed) != 0) {
      epoch.fetch_add(1, std::memory_order_release);
      futexWakeAll(epoch);
    }
  }
};

/// The engine's sleep/wake point, built so that ringing costs a publisher one plain load when the
/// engine is awake: no fence, no locked instruction. Without a fence a ring can race with
/// announce() (the publisher's store still in its store buffer while it reads "awake"); the
/// sleeper then finds the event when its first, short sleep times out, so the sleeper must start
/// with a short timeout (the bus uses kFirstParkStep) and only then back off.
class Doorbell {
 public:
  /// Sleeper: announces that it is about to sleep and returns the epoch to sleep on; the caller
  /// re-checks for work afterwards and retracts if there is some.
  std::uint32_t announce() noexcept {
    const auto seen = epoch_.load(std::memory_order_acquire);
    asleep_.store(1, std::memory_order_seq_cst);
    std::atomic_thread_fence(std::memory_order_seq_cst);
    return seen;
  }
  /// Sleeper: true while announced and not rung since.
  bool announced() const noexcept { return asleep_.load(std::memory_order_acquire) != 0; }
  /// Sleeper: leaves the announced state.
  void retract() noexcept { asleep_.store(0, std::memory_order_relaxed); }
  /// Sleeper: the epoch to sleep on when staying announced across several sleeps.
  std::uint32_t epoch() const noexcept { return epoch_.load(std::memory_order_acquire); }
  /// Sleeper: sleeps until rung or timeout.
  void sleep(std::uint32_t seen, std::chrono::nanoseconds timeout) noexcept {
    futexWait(epoch_, seen, timeout);
  }
  /// Waker: wakes the sleeper if it announced; only the first of several wakers pays the system
  /// call.
  void ring() noexcept {
    if (asleep_.load(std::memory_order_relaxed) != 0 &&
        asleep_.exchange(0, std::memory_order_acq_rel) != 0) {
      epoch_.fetch_add(1, std::memory_order_release);
      futexWakeAll(epoch_);
    }
  }
  /// Waker: ring() after a full fence, for rare events that must not wait for a timeout (stop).
  void ringStrict() noexcept {
    std::atomic_thread_fence(std::memory_order_seq_cst);
    ring();
  }

 private:
  std::atomic<std::uint32_t> asleep_{0};
  std::atomic<std::uint32_t> epoch_{0};
};

}  // namespace ait::bus
