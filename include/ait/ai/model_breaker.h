#pragma once
// A circuit breaker for the decision path: the same states and settings as
// resilience::CircuitBreaker ([resilience.circuit_breaker]: closed -> open on a failure or
// slow-call rate over a count-based window, open -> half-open after open_duration_ms, half-open
// -> closed or open after half_open_calls trials), but without a lock: one thread (the engine
// thread running decide()) owns the window and makes every transition; other threads only read
// the state and counters (atomics) or ask for a reset, which the owner applies on its next call.
// Transitions are counted in the ait_circuit_breaker_* metrics under the breaker's name, not
// logged from the decision path.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "ait/core/clock.h"
#include "ait/metrics/metrics.h"
#include "ait/resilience/circuit_breaker.h"

namespace ait::ai {

class ModelBreaker {
 public:
  ModelBreaker(std::string name, resilience::CircuitBreakerConfig config, const Clock& clock,
               metrics::Registry& metrics = metrics::Registry::global());
  ModelBreaker(const ModelBreaker&) = delete;
  ModelBreaker& operator=(const ModelBreaker&) = delete;

  // Owner thread only.
  /// Returns whether the call may go ahead (an open breaker past its open duration moves to
  /// half-open and lets up to half_open_calls trials through).
  bool tryAcquire() noexcept;
  void onSuccess(std::chrono::nanoseconds duration) noexcept;
  void onFailure(std::chrono::nanoseconds duration) noexcept;

  // Any thread.
  /// The state as last set by the owner.
  resilience::CircuitState state() const noexcept {
    return static_cast<resilience::CircuitState>(state_.load(std::memory_order_relaxed));
  }
  /// Asks for a closed breaker with an empty window (a new model version); applied by the
  /// owner on its next tryAcquire().
  void requestReset() noexcept { resetRequested_.store(true, std::memory_order_release); }
  const std::string& name() const noexcept { return name_; }

 private:
  void settle(bool failure, std::chrono::nanoseconds duration) noexcept;
  void moveTo(resilience::CircuitState to) noexcept;
  void clearWindow() noexcept;
  bool tripped(int calls, int failures, int slow) const noexcept;

  std::string name_;
  resilience::CircuitBreakerConfig config_;
  const Clock& clock_;
  std::int64_t slowCallNs_;
  std::int64_t openDurationNs_;

  // Owner-only state.
  resilience::CircuitState owned_ = resilience::CircuitState::Closed;
  std::int64_t openedAtNs_ = 0;
  std::vector<std::uint8_t> window_;  // bit 0 failure, bit 1 slow; sized once
  std::size_t windowNext_ = 0;
  int windowCalls_ = 0, windowFailures_ = 0, windowSlow_ = 0;
  int trialIssued_ = 0, trialDone_ = 0, trialFailures_ = 0, trialSlow_ = 0;

  std::atomic<std::uint8_t> state_{0};
  std::atomic<bool> resetRequested_{false};

  metrics::Gauge& stateGauge_;
  metrics::Counter& successCalls_;
  metrics::Counter& failureCalls_;
  metrics::Counter& slowCalls_;
  metrics::Counter& rejectedCalls_;
  metrics::Counter& toClosed_;
  metrics::Counter& toOpen_;
  metrics::Counter& toHalfOpen_;
};

}  // namespace ait::ai
