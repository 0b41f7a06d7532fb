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

/// A sleep/wake point: waiters announce themselves so that the waking side pays for a system call
/// only when somebody sleeps. The waking side must order its state change before notify() with a
/// seq_cst fence (notify() does it).
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

}  // namespace ait::bus
