#include "ait/ai/model_breaker.h"

#include <algorithm>
#include <limits>

namespace ait::ai {

namespace {

using resilience::CircuitState;

resilience::CircuitBreakerConfig clamped(resilience::CircuitBreakerConfig c) {
  c.failure_rate_threshold_pct = std::clamp(c.failure_rate_threshold_pct, 1, 100);
  c.slow_call_rate_threshold_pct = std::clamp(c.slow_call_rate_threshold_pct, 1, 100);
  c.slow_call_duration_ms = std::max<std::int64_t>(c.slow_call_duration_ms, 0);
  c.window_size = std::max(c.window_size, 1);
  c.minimum_calls = std::clamp(c.minimum_calls, 1, c.window_size);
  c.open_duration_ms = std::max<std::int64_t>(c.open_duration_ms, 0);
  c.half_open_calls = std::max(c.half_open_calls, 1);
  return c;
}

std::int64_t msToNs(std::int64_t ms) {
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max() / 1'000'000;
  return std::clamp<std::int64_t>(ms, 0, kMax) * 1'000'000;
}

}  // namespace

ModelBreaker::ModelBreaker(std::string name, resilience::CircuitBreakerConfig config,
                           const Clock& clock, metrics::Registry& metrics)
    : name_(std::move(name)),
      config_(clamped(config)),
      clock_(clock),
      slowCallNs_(msToNs(config_.slow_call_duration_ms)),
      openDurationNs_(msToNs(config_.open_duration_ms)),
      window_(static_cast<std::size_t>(config_.window_size)),
      stateGauge_(metrics.gauge("ait_circuit_breaker_state",
                                "Circuit breaker state per dependency: 0 closed, 1 open, "
                                "2 half-open.",
                                {{"name", name_}})),
      successCalls_(metrics.counter("ait_circuit_breaker_calls_total", "",
                                    {{"name", name_}, {"result", "success"}})),
      failureCalls_(metrics.counter("ait_circuit_breaker_calls_total", "",
                                    {{"name", name_}, {"result", "failure"}})),
      slowCalls_(metrics.counter("ait_circuit_breaker_calls_total", "",
                                 {{"name", name_}, {"result", "slow"}})),
      rejectedCalls_(metrics.counter("ait_circuit_breaker_calls_total", "",
                                     {{"name", name_}, {"result", "rejected"}})),
      toClosed_(metrics.counter("ait_circuit_breaker_transitions_total", "",
                                {{"name", name_}, {"to", "closed"}})),
      toOpen_(metrics.counter("ait_circuit_breaker_transitions_total", "",
                              {{"name", name_}, {"to", "open"}})),
      toHalfOpen_(metrics.counter("ait_circuit_breaker_transitions_total", "",
                                  {{"name", name_}, {"to", "half_open"}})) {
  stateGauge_.set(0.0);
}

void ModelBreaker::clearWindow() noexcept {
  std::fill(window_.begin(), window_.end(), std::uint8_t{0});
  windowNext_ = 0;
  windowCalls_ = windowFailures_ = windowSlow_ = 0;
  trialIssued_ = trialDone_ = trialFailures_ = trialSlow_ = 0;
}

void ModelBreaker::moveTo(CircuitState to) noexcept {
  if (to == owned_) return;
  owned_ = to;
  clearWindow();
  if (to == CircuitState::Open) openedAtNs_ = clock_.monotonicNs();
  state_.store(static_cast<std::uint8_t>(to), std::memory_order_relaxed);
  stateGauge_.set(static_cast<double>(static_cast<std::uint8_t>(to)));
  (to == CircuitState::Open ? toOpen_ : to == CircuitState::HalfOpen ? toHalfOpen_ : toClosed_)
      .inc();
}

bool ModelBreaker::tripped(int calls, int failures, int slow) const noexcept {
  if (calls <= 0) return false;
  // Integer percentages: failures * 100 >= threshold * calls.
  return failures * 100 >= config_.failure_rate_threshold_pct * calls ||
         slow * 100 >= config_.slow_call_rate_threshold_pct * calls;
}

bool ModelBreaker::tryAcquire() noexcept {
  if (resetRequested_.exchange(false, std::memory_order_acq_rel)) {
    moveTo(CircuitState::Closed);
    clearWindow();
  }
  switch (owned_) {
    case CircuitState::Closed: return true;
    case CircuitState::Open:
      if (clock_.monotonicNs() - openedAtNs_ < openDurationNs_) {
        rejectedCalls_.inc();
        return false;
      }
      moveTo(CircuitState::HalfOpen);
      [[fallthrough]];
    case CircuitState::HalfOpen:
      if (trialIssued_ >= config_.half_open_calls) {
        rejectedCalls_.inc();
        return false;
      }
      ++trialIssued_;
      return true;
  }
  return true;
}

void ModelBreaker::onSuccess(std::chrono::nanoseconds duration) noexcept {
  settle(false, duration);
}

void ModelBreaker::onFailure(std::chrono::nanoseconds duration) noexcept {
  settle(true, duration);
}

void ModelBreaker::settle(bool failure, std::chrono::nanoseconds duration) noexcept {
  const bool slow = duration.count() > slowCallNs_;
  (failure ? failureCalls_ : slow ? slowCalls_ : successCalls_).inc();
  if (owned_ == CircuitState::HalfOpen) {
    ++trialDone_;
    trialFailures_ += failure;
    trialSlow_ += slow;
    if (trialDone_ >= config_.half_open_calls) {
      moveTo(tripped(trialDone_, trialFailures_, trialSlow_) ? CircuitState::Open
                                                              : CircuitState::Closed);
    }
    return;
  }
  if (owned_ != CircuitState::Closed) return;  // a call granted before the breaker opened
  std::uint8_t& entry = window_[windowNext_];
  if (windowCalls_ == static_cast<int>(window_.size())) {
    windowFailures_ -= entry & 1U;
    windowSlow_ -= (entry >> 1) & 1U;
  } else {
    ++windowCalls_;
  }
  entry = static_cast<std::uint8_t>((failure ? 1U : 0U) | (slow ? 2U : 0U));
  windowFailures_ += failure;
  windowSlow_ += slow;
  windowNext_ = (windowNext_ + 1) % window_.size();
  if (windowCalls_ >= config_.minimum_calls && tripped(windowCalls_, windowFailures_, windowSlow_)) {
    moveTo(CircuitState::Open);
  }
}

}  // namespace ait::ai
