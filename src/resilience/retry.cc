#include "ait/resilience/retry.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <thread>

#include <fmt/format.h>

#include "ait/resilience/errors.h"
#include "logging.h"

namespace ait::resilience {

namespace {

constexpr double kNsPerMs = 1e6;

RetryConfig clamped(RetryConfig c) {
  c.max_attempts = std::max(c.max_attempts, 1);
  c.initial_backoff_ms = std::max<std::int64_t>(c.initial_backoff_ms, 0);
  c.max_backoff_ms = std::max<std::int64_t>(c.max_backoff_ms, 0);
  c.multiplier = std::isfinite(c.multiplier) ? std::max(c.multiplier, 1.0) : 1.0;
  c.budget_ratio = std::isfinite(c.budget_ratio) ? std::max(c.budget_ratio, 0.0) : 0.0;
  c.budget_min_per_s = std::isfinite(c.budget_min_per_s) ? std::max(c.budget_min_per_s, 0.0) : 0.0;
  c.budget_window_ms = std::max<std::int64_t>(c.budget_window_ms, 1);
  return c;
}

std::uint64_t seedFrom(std::uint64_t seed) {
  if (seed != 0) return seed;
  std::random_device device;
  return (static_cast<std::uint64_t>(device()) << 32) ^ device();
}

}  // namespace

std::vector<std::string> RetryConfig::validate() const {
  std::vector<std::string> problems;
  const std::string_view section = "resilience.retry";
  if (max_attempts < 1) {
    problems.push_back(
        fmt::format("{}.max_attempts must be at least 1 (got {})", section, max_attempts));
  }
  if (initial_backoff_ms < 0) {
    problems.push_back(fmt::format("{}.initial_backoff_ms must not be negative (got {})", section,
                                   initial_backoff_ms));
  }
  if (max_backoff_ms < initial_backoff_ms) {
    problems.push_back(fmt::format("{}.max_backoff_ms ({}) must be at least initial_backoff_ms ({})",
                                   section, max_backoff_ms, initial_backoff_ms));
  }
  if (!std::isfinite(multiplier) || multiplier < 1.0) {
    problems.push_back(
        fmt::format("{}.multiplier must be at least 1.0 (got {})", section, multiplier));
  }
  if (!std::isfinite(budget_ratio) || budget_ratio < 0.0 || budget_ratio > 1.0) {
    problems.push_back(
        fmt::format("{}.budget_ratio must be in 0..1 (got {})", section, budget_ratio));
  }
  if (!std::isfinite(budget_min_per_s) || budget_min_per_s < 0.0) {
    problems.push_back(fmt::format("{}.budget_min_per_s must not be negative (got {})", section,
                                   budget_min_per_s));
  }
  if (budget_window_ms < 1) {
    problems.push_back(fmt::format("{}.budget_window_ms must be at least 1 (got {})", section,
                                   budget_window_ms));
  }
  return problems;
}

bool isRetryableByDefault(const Error& error) {
  if (error.codeString() == kCircuitOpen.code) return false;
  switch (error.category()) {
    case Category::Network:
    case Category::Database:
    case Category::Resource: return true;
    default: return false;
  }
}

RetryBudget::RetryBudget(double ratio, double minPerSecond, std::chrono::milliseconds window,
                         const Clock& clock)
    : ratio_(ratio),
      reserve_(minPerSecond * static_cast<double>(window.count()) / 1000.0),
      bucketNs_(std::max<std::int64_t>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(window).count() /
              static_cast<std::int64_t>(kBuckets),
          1)),
      clock_(clock) {}

RetryBudget::Bucket& RetryBudget::currentLocked(std::int64_t nowNs) {
  const std::int64_t index = nowNs / bucketNs_;
  auto& bucket = buckets_[static_cast<std::size_t>(index) % kBuckets];
  if (bucket.index != index) bucket = Bucket{index, 0, 0};
  return bucket;
}

double RetryBudget::availableLocked(std::int64_t nowNs) const {
  const std::int64_t index = nowNs / bucketNs_;
  std::uint64_t requests = 0;
  std::uint64_t retries = 0;
  for (const auto& bucket : buckets_) {
    if (bucket.index > index - static_cast<std::int64_t>(kBuckets) && bucket.index <= index) {
      requests += bucket.requests;
      retries += bucket.retries;
    }
  }
  return ratio_ * static_cast<double>(requests) + reserve_ - static_cast<double>(retries);
}

void RetryBudget::recordRequest() {
  std::lock_guard lock(mutex_);
  ++currentLocked(clock_.monotonicNs()).requests;
}

bool RetryBudget::tryWithdraw() {
  std::lock_guard lock(mutex_);
  const auto now = clock_.monotonicNs();
  if (availableLocked(now) < 1.0) return false;
  ++currentLocked(now).retries;
  return true;
}

double RetryBudget::available() const {
  std::lock_guard lock(mutex_);
  return availableLocked(clock_.monotonicNs());
}

Retry::Retry(std::string name, RetryConfig config, const Clock& clock, RetryHooks hooks,
             metrics::Registry& metrics, ErrorRegistry& errors)
    : name_(std::move(name)),
      config_(clamped(config)),
      clock_(clock),
      sleeper_(hooks.sleeper ? std::move(hooks.sleeper)
                             : Sleeper([](std::chrono::nanoseconds d) {
                                 std::this_thread::sleep_for(d);
                               })),
      retryable_(hooks.retryable ? std::move(hooks.retryable)
                                 : RetryPredicate(isRetryableByDefault)),
      errors_(errors),
      budget_(config_.budget_ratio, config_.budget_min_per_s,
              std::chrono::milliseconds(config_.budget_window_ms), clock),
      rng_(seedFrom(hooks.seed)),
      attempts_(metrics.counter("ait_retry_attempts_total",
                                "Retries made (attempts after the first), per dependency.",
                                {{"name", name_}})),
      budgetExhaustedTotal_(metrics.counter(
          "ait_retry_budget_exhausted_total",
          "Retries refused because the retry budget was spent; the error was returned at once.",
          {{"name", name_}})),
      giveups_(metrics.counter("ait_retry_giveups_total",
                               "Calls that still failed with a retryable error after max_attempts "
                               "attempts, or whose next backoff would pass their deadline.",
                               {{"name", name_}})) {}

std::chrono::nanoseconds Retry::backoffCap(int retry) const noexcept {
  const double maxNs = static_cast<double>(config_.max_backoff_ms) * kNsPerMs;
  const double capNs = static_cast<double>(config_.initial_backoff_ms) * kNsPerMs *
                       std::pow(config_.multiplier, std::max(retry, 0));
  if (!std::isfinite(capNs) || capNs >= maxNs) {
    return std::chrono::nanoseconds(static_cast<std::int64_t>(maxNs));
  }
  return std::chrono::nanoseconds(static_cast<std::int64_t>(capNs));
}

std::chrono::nanoseconds Retry::nextBackoff(int retry) {
  const auto cap = backoffCap(retry);
  std::uint64_t bits = 0;
  {
    std::lock_guard lock(rngMutex_);
    bits = rng_();
  }
  // 53 random bits make a double in [0, 1) the same on every standard library, unlike
  // std::uniform_real_distribution, so a seed gives the same sleeps everywhere.
  const double unit = static_cast<double>(bits >> 11) * 0x1.0p-53;
  return std::chrono::nanoseconds(
      static_cast<std::int64_t>(unit * static_cast<double>(cap.count())));
}

bool Retry::shouldRetry(const Error& error, RunState& state, const Deadline* deadline) {
  if (!retryable_(error)) {
    noteGaveUp(state);
    return false;
  }
  if (state.attempts >= config_.max_attempts) {
    giveups_.inc();
    detail::logger()->debug("retry {}: giving up after {} attempts: {}", name_, state.attempts,
                            error.describe());
    noteGaveUp(state);
    return false;
  }
  const auto backoff = nextBackoff(state.attempts - 1);
  if (deadline != nullptr && backoff >= deadline->remaining()) {
    giveups_.inc();
    detail::logger()->debug("retry {}: giving up after {} attempts, deadline too close: {}", name_,
                            state.attempts, error.describe());
    noteGaveUp(state);
    return false;
  }
  if (!budget_.tryWithdraw()) {
    budgetExhaustedTotal_.inc();
    if (!budgetExhausted_.exchange(true)) {
      detail::logger()->warn("retry {}: retry budget exhausted, failing without retries: {}",
                             name_, error.describe());
    }
    noteGaveUp(state);
    return false;
  }
  if (budgetExhausted_.exchange(false)) {
    detail::logger()->info("retry {}: retry budget available again", name_);
  }
  if (!state.first) state.first = error;
  attempts_.inc();
  sleeper_(backoff);
  return true;
}

void Retry::noteRecovered(const RunState& state) {
  detail::logger()->debug("retry {}: succeeded after {} attempts", name_, state.attempts);
  errors_.record(*state.first, Recovery::Retry, true);
}

void Retry::noteGaveUp(const RunState& state) {
  if (state.first) errors_.record(*state.first, Recovery::Retry, false);
}

}  // namespace ait::resilience
