#pragma once
// Retry with exponential backoff, full jitter and a retry budget.
//
// Backoff before retry n (n = 0 for the first retry) is uniform(0, cap(n)) with
// cap(n) = min(max_backoff_ms, initial_backoff_ms * multiplier^n) ("full jitter": spreads the
// retries of many clients so they do not hammer a recovering dependency in step).
//
// The budget (as in Finagle and Envoy) bounds retries to budget_ratio of the requests seen over
// budget_window_ms plus budget_min_per_s per second of that window, so that when a dependency is
// down retries cannot multiply the load on it: once spent, the last error is returned at once.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "ait/core/clock.h"
#include "ait/core/error.h"
#include "ait/core/error_registry.h"
#include "ait/metrics/metrics.h"
#include "ait/resilience/expected_traits.h"
#include "ait/resilience/timeout.h"

namespace ait::resilience {

/// The [resilience.retry] settings.
struct RetryConfig {
  int max_attempts = 3;                   // attempts in all, the first one included
  std::int64_t initial_backoff_ms = 100;  // cap of the first backoff
  std::int64_t max_backoff_ms = 10000;    // cap of any backoff
  double multiplier = 2.0;                // growth of the cap from one retry to the next
  double budget_ratio = 0.2;              // retries allowed per request seen in the window
  double budget_min_per_s = 10.0;         // retries per second allowed whatever the ratio
  std::int64_t budget_window_ms = 10000;  // how far back requests and retries are counted

  /// Returns every problem with the settings (empty when valid), each naming its key.
  std::vector<std::string> validate() const;
};

/// Waits between attempts. Tests inject one that advances a FakeClock instead of sleeping.
using Sleeper = std::function<void(std::chrono::nanoseconds)>;
/// Decides whether a failed attempt may be retried.
using RetryPredicate = std::function<bool(const Error&)>;

/// The default RetryPredicate: network, database and resource errors (timeouts among them) are
/// retried; every other category is not, nor is an open circuit (retrying within backoff range
/// of an open_duration would only spend the budget).
bool isRetryableByDefault(const Error& error);

/// What a Retry uses besides its config; every member has a production default.
struct RetryHooks {
  Sleeper sleeper;           // empty: std::this_thread::sleep_for
  std::uint64_t seed = 0;    // seed of the jitter generator; 0: from std::random_device
  RetryPredicate retryable;  // empty: isRetryableByDefault
};

/// Counts requests and retries over a sliding window (ten buckets) and says whether one more
/// retry fits. Thread-safe.
class RetryBudget {
 public:
  RetryBudget(double ratio, double minPerSecond, std::chrono::milliseconds window,
              const Clock& clock);

  /// Counts one original request (not a retry).
  void recordRequest();
  /// Returns true and counts a retry if the budget allows one more, else false.
  bool tryWithdraw();
  /// Returns how many retries the budget allows right now (may be fractional).
  double available() const;

 private:
  static constexpr std::size_t kBuckets = 10;
  struct Bucket {
    std::int64_t index = -1;
    std::uint64_t requests = 0;
    std::uint64_t retries = 0;
  };
  Bucket& currentLocked(std::int64_t nowNs);
  double availableLocked(std::int64_t nowNs) const;

  double ratio_;
  double reserve_;  // retries allowed per window whatever the ratio
  std::int64_t bucketNs_;
  const Clock& clock_;
  mutable std::mutex mutex_;
  std::array<Bucket, kBuckets> buckets_{};
};

class Retry {
 public:
  /// `name` is the guarded dependency, used as the metric label and in messages. Out-of-range
  /// settings are clamped (validate() reports them).
  Retry(std::string name, RetryConfig config, const Clock& clock, RetryHooks hooks = {},
        metrics::Registry& metrics = metrics::Registry::global(),
        ErrorRegistry& errors = ErrorRegistry::global());
  Retry(const Retry&) = delete;
  Retry& operator=(const Retry&) = delete;

  /// Runs op (returning ait::Expected<T>) until it succeeds, fails with an error that is not
  /// retryable, has made max_attempts attempts or the budget is spent; returns the last result.
  template <class F>
  auto run(F&& op) -> std::invoke_result_t<F&> {
    return runImpl(op, nullptr);
  }

  /// As run(op), and gives up (returning the last error) rather than back off past the deadline.
  template <class F>
  auto run(F&& op, const Deadline& deadline) -> std::invoke_result_t<F&> {
    return runImpl(op, &deadline);
  }

  /// Returns the cap of the backoff before retry n (n = 0 for the first retry).
  std::chrono::nanoseconds backoffCap(int retry) const noexcept;
  /// Returns a backoff drawn uniformly from [0, backoffCap(retry)].
  std::chrono::nanoseconds nextBackoff(int retry);

  RetryBudget& budget() noexcept { return budget_; }
  const std::string& name() const noexcept { return name_; }
  const RetryConfig& config() const noexcept { return config_; }

 private:
  struct RunState {
    int attempts = 0;
    std::optional<Error> first;  // the error that led to the first retry
  };

  template <class F>
  auto runImpl(F& op, const Deadline* deadline) -> std::invoke_result_t<F&> {
    using R = std::invoke_result_t<F&>;
    static_assert(kIsExpected<R>, "Retry::run wraps operations returning Expected<T>");
    budget_.recordRequest();
    RunState state;
    for (;;) {
      R result = std::invoke(op);
      ++state.attempts;
      if (result.has_value()) {
        if (state.first) noteRecovered(state);
        return result;
      }
      if (!shouldRetry(result.error(), state, deadline)) return result;
    }
  }

  // Decides on a retry after a failed attempt and, if there is one, sleeps its backoff.
  bool shouldRetry(const Error& error, RunState& state, const Deadline* deadline);
  void noteRecovered(const RunState& state);
  void noteGaveUp(const RunState& state);

  std::string name_;
  RetryConfig config_;
  const Clock& clock_;
  Sleeper sleeper_;
  RetryPredicate retryable_;
  ErrorRegistry& errors_;
  RetryBudget budget_;
  std::mutex rngMutex_;
  std::mt19937_64 rng_;
  std::atomic<bool> budgetExhausted_{false};

  metrics::Counter& attempts_;
  metrics::Counter& budgetExhaustedTotal_;
  metrics::Counter& giveups_;
};

}  // namespace ait::resilience
