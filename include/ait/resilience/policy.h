#pragma once
// The resilience settings as one [resilience] section, and Policy: the patterns composed in the
// usual order for one dependency.
//
//   retry( deadline check -> circuit breaker -> bulkhead -> op(deadline) )
//
// One deadline of the policy's timeout class spans every attempt; retry does not back off past
// it, and the operation receives it to pass on to its driver (cooperative timeout). An operation
// that cannot honour a deadline can wrap its blocking part in runWithDeadline(). The breaker
// judges the operation alone: waiting in the bulkhead queue is not counted as slowness, and a
// full bulkhead is not a dependency failure.

#include <chrono>
#include <functional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "ait/core/clock.h"
#include "ait/core/error.h"
#include "ait/core/error_registry.h"
#include "ait/metrics/metrics.h"
#include "ait/resilience/bulkhead.h"
#include "ait/resilience/circuit_breaker.h"
#include "ait/resilience/expected_traits.h"
#include "ait/resilience/retry.h"
#include "ait/resilience/timeout.h"

namespace ait::resilience {

/// The whole [resilience] section: timeouts at its top level, then its three subsections.
struct ResilienceConfig {
  TimeoutsConfig timeouts;                // [resilience] fast_ms, normal_ms, heavy_ms
  CircuitBreakerConfig circuit_breaker;   // [resilience.circuit_breaker]
  RetryConfig retry;                      // [resilience.retry]
  BulkheadConfig bulkhead;                // [resilience.bulkhead]

  /// Returns every problem in every subsection (empty when valid), each naming its key.
  std::vector<std::string> validate() const;
  /// Returns kInvalidConfig listing every problem, or success.
  Expected<void> check() const;
};

class Policy {
 public:
  /// `name` is the guarded dependency ("postgres"), the label of every metric the parts export.
  Policy(std::string name, const ResilienceConfig& config, TimeoutClass timeoutClass,
         const Clock& clock, RetryHooks hooks = {},
         metrics::Registry& metrics = metrics::Registry::global(),
         ErrorRegistry& errors = ErrorRegistry::global());
  Policy(const Policy&) = delete;
  Policy& operator=(const Policy&) = delete;

  /// Runs op (op(const Deadline&) or op(), returning ait::Expected<T>) under the policy; returns
  /// its result, or kTimeout, kCircuitOpen or kBulkheadFull when the policy refused the call.
  template <class F>
  auto run(F&& op) {
    using R = typename Invoke<F>::type;
    static_assert(kIsExpected<R>, "Policy::run wraps operations returning Expected<T>");
    const auto deadline = Deadline::after(clock_, timeout_);
    return retry_.run([&]() -> R { return attempt<R>(op, deadline); }, deadline);
  }

  CircuitBreaker& breaker() noexcept { return breaker_; }
  Retry& retry() noexcept { return retry_; }
  Bulkhead& bulkhead() noexcept { return bulkhead_; }
  TimeoutClass timeoutClass() const noexcept { return timeoutClass_; }
  std::chrono::milliseconds timeout() const noexcept { return timeout_; }
  const std::string& name() const noexcept { return name_; }

 private:
  template <class F, bool kTakesDeadline = std::is_invocable_v<F&, const Deadline&>>
  struct Invoke {
    using type = std::invoke_result_t<F&, const Deadline&>;
  };
  template <class F>
  struct Invoke<F, false> {
    using type = std::invoke_result_t<F&>;
  };

  template <class R, class F>
  R attempt(F& op, const Deadline& deadline) {
    if (deadline.expired()) return R(Unexpected(expired(deadline)));
    auto permit = breaker_.acquire();
    if (!permit) return R(Unexpected(breaker_.rejection()));
    auto slot = bulkhead_.acquire(deadline);
    if (!slot.has_value()) return R(Unexpected(std::move(slot).error()));
    const auto start = clock_.monotonicNs();
    R result = [&]() -> R {
      if constexpr (std::is_invocable_v<F&, const Deadline&>) {
        return std::invoke(op, deadline);
      } else {
        return std::invoke(op);
      }
    }();
    breaker_.record(permit, result, std::chrono::nanoseconds(clock_.monotonicNs() - start));
    if (!result.has_value()) noteFailure(result.error());
    return result;
  }

  Error expired(const Deadline& deadline);
  void noteFailure(const Error& error);

  std::string name_;
  const Clock& clock_;
  TimeoutClass timeoutClass_;
  std::chrono::milliseconds timeout_;
  CircuitBreaker breaker_;
  Bulkhead bulkhead_;
  Retry retry_;
  metrics::Counter& timeouts_;
};

}  // namespace ait::resilience
