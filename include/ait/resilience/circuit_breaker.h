#pragma once
// A circuit breaker per dependency (closed, open, half-open) over a count-based sliding window
// of the latest calls, opening on a failure rate or a slow-call rate.
//
// Transitions: closed -> open when, with at least minimum_calls in the window, the failure rate
// or the slow-call rate reaches its threshold; open -> half-open once open_duration_ms has passed
// (checked when a call asks for a permit); half-open lets exactly half_open_calls trial calls
// through and closes if their rates stay under the thresholds, else opens again.
//
// A mutex guards the state: breakers wrap network and storage calls that take micro- to
// milliseconds, never the tick path, so the lock costs nothing that matters.

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "ait/core/clock.h"
#include "ait/core/error.h"
#include "ait/core/error_registry.h"
#include "ait/metrics/metrics.h"
#include "ait/resilience/expected_traits.h"

namespace ait::resilience {

/// The values are those of the ait_circuit_breaker_state gauge.
enum class CircuitState : std::uint8_t { Closed = 0, Open = 1, HalfOpen = 2 };

/// Returns "closed", "open" or "half_open".
std::string_view toString(CircuitState state) noexcept;

/// The [resilience.circuit_breaker] settings.
struct CircuitBreakerConfig {
  int failure_rate_threshold_pct = 50;      // open when this % of windowed calls failed
  int slow_call_rate_threshold_pct = 100;   // open when this % of windowed calls were slow
  std::int64_t slow_call_duration_ms = 5000;  // a call taking longer than this is slow
  int window_size = 20;                     // calls in the sliding window
  int minimum_calls = 10;                   // calls needed before the rates are judged
  std::int64_t open_duration_ms = 30000;    // time open before trial calls are let through
  int half_open_calls = 3;                  // trial calls in half-open

  /// Returns every problem with the settings (empty when valid), each naming its key.
  std::vector<std::string> validate() const;
};

/// Decides whether an error counts against the dependency. Errors for which it returns false are
/// ignored (neither success nor failure).
using FailurePredicate = std::function<bool(const Error&)>;

/// The default FailurePredicate: every error counts except those that say the caller was wrong
/// (validation, auth, risk) and a full bulkhead (local saturation, not the dependency's fault).
bool countsAsDependencyFailure(const Error& error);

struct CircuitBreakerSnapshot {
  CircuitState state = CircuitState::Closed;
  int windowCalls = 0;  // in half-open: the completed trial calls
  int windowFailures = 0;
  int windowSlowCalls = 0;
  double failureRatePct = 0.0;
  double slowCallRatePct = 0.0;
};

class CircuitBreaker {
 public:
  /// A permission to make one call, to be settled with onSuccess, onFailure or release. One that
  /// is destroyed unsettled is released. Move-only; the breaker must outlive it.
  class Permit {
   public:
    Permit() = default;
    Permit(Permit&& other) noexcept { *this = std::move(other); }
    Permit& operator=(Permit&& other) noexcept;
    Permit(const Permit&) = delete;
    Permit& operator=(const Permit&) = delete;
    ~Permit() { release(); }

    /// Returns true when the call may go ahead and the permit is not yet settled.
    explicit operator bool() const noexcept { return breaker_ != nullptr; }
    /// Records a success that took `duration`.
    void onSuccess(std::chrono::nanoseconds duration);
    /// Records a success timed from when the permit was granted.
    void onSuccess();
    /// Records a failure that took `duration`.
    void onFailure(std::chrono::nanoseconds duration);
    /// Records a failure timed from when the permit was granted.
    void onFailure();
    /// Gives the permit back without a result (the call was not made or is not judged).
    void release() noexcept;
    /// Returns the monotonic ns at which the permit was granted.
    std::int64_t grantedAtNs() const noexcept { return grantedAtNs_; }

   private:
    friend class CircuitBreaker;
    Permit(CircuitBreaker* breaker, std::uint64_t epoch, std::int64_t grantedAtNs) noexcept
        : breaker_(breaker), epoch_(epoch), grantedAtNs_(grantedAtNs) {}

    CircuitBreaker* breaker_ = nullptr;
    std::uint64_t epoch_ = 0;
    std::int64_t grantedAtNs_ = 0;
  };

  /// `name` is the guarded dependency ("postgres", "llm-openai"), used as the metric label and in
  /// messages. Out-of-range settings are clamped (validate() reports them); never crashes.
  CircuitBreaker(std::string name, CircuitBreakerConfig config, const Clock& clock,
                 metrics::Registry& metrics = metrics::Registry::global(),
                 ErrorRegistry& errors = ErrorRegistry::global());
  CircuitBreaker(const CircuitBreaker&) = delete;
  CircuitBreaker& operator=(const CircuitBreaker&) = delete;

  /// Returns true if a call may go ahead now (counting a rejection otherwise); the caller then
  /// reports onSuccess/onFailure/onIgnored on the breaker.
  bool tryAcquire();
  /// Returns a Permit; an empty one (false) when the call is rejected.
  Permit acquire();
  /// Records a successful call made after tryAcquire().
  void onSuccess(std::chrono::nanoseconds duration);
  /// Records a failed call made after tryAcquire().
  void onFailure(std::chrono::nanoseconds duration);
  /// Gives back a tryAcquire() permission without a result.
  void onIgnored();

  /// Settles a permit from a call's result: success, failure (per the failure predicate) or
  /// ignored.
  template <class T>
  void record(Permit& permit, const Expected<T>& result, std::chrono::nanoseconds duration) {
    if (result.has_value()) {
      permit.onSuccess(duration);
    } else if (failurePredicate_(result.error())) {
      permit.onFailure(duration);
    } else {
      permit.release();
    }
  }

  /// Runs op (returning ait::Expected<T>) if the breaker lets it, records its result and duration,
  /// and returns it; returns kCircuitOpen ("circuit open for <name>") when rejected.
  template <class F>
  auto call(F&& op) -> std::invoke_result_t<F&> {
    using R = std::invoke_result_t<F&>;
    static_assert(kIsExpected<R>, "CircuitBreaker::call wraps operations returning Expected<T>");
    Permit permit = acquire();
    if (!permit) return R(Unexpected(rejection()));
    R result = std::invoke(op);
    record(permit, result, std::chrono::nanoseconds(clock_.monotonicNs() - permit.grantedAtNs()));
    return result;
  }

  /// Returns the error a rejected call gets.
  Error rejection() const;

  /// Returns the state, first moving open -> half-open if open_duration has passed.
  CircuitState state();
  /// Returns the state and the rates over the current window.
  CircuitBreakerSnapshot snapshot();

  /// Opens the circuit now, e.g. by an operator; it half-opens after open_duration as usual.
  void forceOpen();
  /// Closes the circuit and clears the window.
  void reset();

  /// Replaces the failure predicate; call before the breaker is shared between threads.
  void setFailurePredicate(FailurePredicate predicate) { failurePredicate_ = std::move(predicate); }

  const std::string& name() const noexcept { return name_; }
  const CircuitBreakerConfig& config() const noexcept { return config_; }

 private:
  struct Outcome {
    bool failure;
    bool slow;
  };
  // A transition decided under the lock, logged and reported after it is released.
  struct Transition {
    CircuitState from = CircuitState::Closed;
    CircuitState to = CircuitState::Closed;
    std::string reason;
    bool happened = false;
    bool forced = false;  // by forceOpen/reset: logged, not reported as a fault or a recovery
  };

  bool acquireLocked(std::uint64_t& epoch, Transition& transition);
  void settle(std::uint64_t epoch, bool failure, std::chrono::nanoseconds duration);
  void releaseSlot(std::uint64_t epoch) noexcept;
  void maybeHalfOpenLocked(Transition& transition);
  void transitionLocked(CircuitState to, std::string reason, Transition& transition);
  void clearWindowLocked();
  bool thresholdsReached(int calls, int failures, int slow) const noexcept;
  std::string ratesText(int calls, int failures, int slow) const;
  void announce(const Transition& transition);

  std::string name_;
  CircuitBreakerConfig config_;
  const Clock& clock_;
  ErrorRegistry& errors_;
  FailurePredicate failurePredicate_ = countsAsDependencyFailure;
  std::int64_t slowCallNs_;
  std::int64_t openDurationNs_;

  mutable std::mutex mutex_;
  CircuitState state_ = CircuitState::Closed;
  std::uint64_t epoch_ = 0;  // bumped on every transition; stale permits do not count
  std::int64_t openedAtNs_ = 0;
  std::vector<Outcome> window_;  // ring buffer of the latest calls while closed
  std::size_t windowNext_ = 0;
  int windowCalls_ = 0;
  int windowFailures_ = 0;
  int windowSlow_ = 0;
  int trialIssued_ = 0;  // half-open permits handed out and not given back
  int trialDone_ = 0;
  int trialFailures_ = 0;
  int trialSlow_ = 0;

  std::mutex reportMutex_;
  std::string openFingerprint_;  // ErrorDNA fingerprint of the latest opening

  metrics::Gauge& stateGauge_;
  metrics::Counter& successCalls_;
  metrics::Counter& failureCalls_;
  metrics::Counter& slowCalls_;
  metrics::Counter& rejectedCalls_;
  metrics::Counter& toClosed_;
  metrics::Counter& toOpen_;
  metrics::Counter& toHalfOpen_;
};

}  // namespace ait::resilience
