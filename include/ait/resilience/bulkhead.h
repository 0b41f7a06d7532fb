#pragma once
// A bulkhead per dependency: at most max_concurrent calls in flight, at most max_queue callers
// waiting (first come, first served) for at most queue_timeout_ms; beyond that a call fails at
// once with kBulkheadFull, so a slow dependency cannot take every thread of the process with it.
//
// A mutex guards the counts: bulkheads wrap network and storage calls, not the tick path.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "ait/core/clock.h"
#include "ait/core/error.h"
#include "ait/metrics/metrics.h"
#include "ait/resilience/expected_traits.h"
#include "ait/resilience/timeout.h"

namespace ait::resilience {

/// The [resilience.bulkhead] settings.
struct BulkheadConfig {
  int max_concurrent = 16;              // calls in flight at once
  int max_queue = 64;                   // callers waiting for a slot; 0: no waiting
  std::int64_t queue_timeout_ms = 1000;  // longest wait for a slot; 0: no waiting

  /// Returns every problem with the settings (empty when valid), each naming its key.
  std::vector<std::string> validate() const;
};

class Bulkhead {
 public:
  /// One slot of the bulkhead, given back when released or destroyed. Move-only; the bulkhead
  /// must outlive it.
  class Permit {
   public:
    Permit() = default;
    Permit(Permit&& other) noexcept : bulkhead_(std::exchange(other.bulkhead_, nullptr)) {}
    Permit& operator=(Permit&& other) noexcept {
      if (this != &other) {
        release();
        bulkhead_ = std::exchange(other.bulkhead_, nullptr);
      }
      return *this;
    }
    Permit(const Permit&) = delete;
    Permit& operator=(const Permit&) = delete;
    ~Permit() { release(); }

    /// Returns true while the permit holds a slot.
    explicit operator bool() const noexcept { return bulkhead_ != nullptr; }
    /// Gives the slot back now (to the first waiter, if any).
    void release() noexcept {
      if (auto* bulkhead = std::exchange(bulkhead_, nullptr)) bulkhead->releaseSlot();
    }

   private:
    friend class Bulkhead;
    explicit Permit(Bulkhead* bulkhead) noexcept : bulkhead_(bulkhead) {}
    Bulkhead* bulkhead_ = nullptr;
  };

  /// `name` is the guarded dependency, used as the metric label and in messages. Out-of-range
  /// settings are clamped (validate() reports them).
  Bulkhead(std::string name, BulkheadConfig config, const Clock& clock,
           metrics::Registry& metrics = metrics::Registry::global());
  Bulkhead(const Bulkhead&) = delete;
  Bulkhead& operator=(const Bulkhead&) = delete;

  /// Returns a slot, waiting in the queue up to queue_timeout_ms (measured on the clock); fails
  /// with kBulkheadFull ("bulkhead full for <name>") when the queue is full or the wait times out.
  Expected<Permit> acquire();
  /// As acquire(), and waits no later than the deadline either.
  Expected<Permit> acquire(const Deadline& deadline);
  /// Returns a slot only if one is free now and nobody is waiting for it.
  Expected<Permit> tryAcquire();

  /// Runs op (returning ait::Expected<T>) in a slot; returns kBulkheadFull if none came.
  template <class F>
  auto call(F&& op) -> std::invoke_result_t<F&> {
    using R = std::invoke_result_t<F&>;
    static_assert(kIsExpected<R>, "Bulkhead::call wraps operations returning Expected<T>");
    auto permit = acquire();
    if (!permit.has_value()) return R(Unexpected(std::move(permit).error()));
    return std::invoke(op);
  }

  /// Returns the calls in flight.
  int inUse() const;
  /// Returns the callers waiting for a slot.
  int queued() const;

  const std::string& name() const noexcept { return name_; }
  const BulkheadConfig& config() const noexcept { return config_; }

 private:
  // A caller waiting for a slot; lives on that caller's stack, linked into the queue.
  struct Waiter {
    std::condition_variable wake;
    bool granted = false;
    Waiter* prev = nullptr;
    Waiter* next = nullptr;
  };

  Expected<Permit> acquireUntil(std::int64_t waitUntilNs);
  void releaseSlot() noexcept;
  void unlinkLocked(Waiter& waiter) noexcept;
  void publishLocked() noexcept;
  Expected<Permit> reject(std::unique_lock<std::mutex>& lock, metrics::Counter& counter,
                          std::string reason);

  std::string name_;
  BulkheadConfig config_;
  const Clock& clock_;
  std::int64_t queueTimeoutNs_;

  mutable std::mutex mutex_;
  int inUse_ = 0;
  int queued_ = 0;
  Waiter* head_ = nullptr;
  Waiter* tail_ = nullptr;
  bool saturated_ = false;  // rejecting since the queue last drained; for transition logs

  metrics::Gauge& inUseGauge_;
  metrics::Gauge& queuedGauge_;
  metrics::Gauge& capacityGauge_;
  metrics::Counter& rejectedFull_;
  metrics::Counter& rejectedTimeout_;
};

}  // namespace ait::resilience
