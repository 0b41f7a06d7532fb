#pragma once
// What a running journal shares with its live readers and waiters: the durable sequence and a
// way to sleep until it moves. Held by shared_ptr so that readers may outlive the Journal.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "ait/core/error.h"

namespace ait::journal::detail {

struct LiveState {
  std::atomic<std::uint64_t> durable{0};
  std::atomic<bool> closed{false};
  std::atomic<bool> failed{false};
  std::atomic<std::uint32_t> waiters{0};
  std::mutex mutex;
  std::condition_variable cv;
  std::string failure;  // guarded by mutex

  /// Publishes a new durable sequence and wakes waiters, if any (a system call only then).
  void publish(std::uint64_t seq) noexcept {
    durable.store(seq, std::memory_order_seq_cst);
    if (waiters.load(std::memory_order_seq_cst) > 0) {
      { std::lock_guard lock(mutex); }
      cv.notify_all();
    }
  }

  void markFailed(std::string message) {
    {
      std::lock_guard lock(mutex);
      failure = std::move(message);
      failed.store(true, std::memory_order_seq_cst);
    }
    cv.notify_all();
  }

  void markClosed() {
    {
      std::lock_guard lock(mutex);
      closed.store(true, std::memory_order_seq_cst);
    }
    cv.notify_all();
  }

  /// Waits until durable >= seq, or the deadline, closing or failure; returns true if durable.
  bool waitFor(std::uint64_t seq, std::chrono::nanoseconds timeout) {
    if (durable.load(std::memory_order_acquire) >= seq) return true;
    waiters.fetch_add(1, std::memory_order_seq_cst);
    std::unique_lock lock(mutex);
    bool ok = cv.wait_for(lock, timeout, [&] {
      return durable.load(std::memory_order_seq_cst) >= seq ||
             closed.load(std::memory_order_relaxed) || failed.load(std::memory_order_relaxed);
    });
    waiters.fetch_sub(1, std::memory_order_seq_cst);
    return ok && durable.load(std::memory_order_acquire) >= seq;
  }

  std::string failureMessage() {
    std::lock_guard lock(mutex);
    return failure;
  }
};

}  // namespace ait::journal::detail
