#include "ait/resilience/timeout.h"

#include <limits>

#include <fmt/format.h>

#include "ait/resilience/errors.h"

namespace ait::resilience {

namespace {

std::int64_t saturatingAdd(std::int64_t a, std::int64_t b) noexcept {
  std::int64_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum)) {
    return b > 0 ? std::numeric_limits<std::int64_t>::max()
                 : std::numeric_limits<std::int64_t>::min();
  }
  return sum;
}

}  // namespace

std::string_view toString(TimeoutClass timeoutClass) noexcept {
  switch (timeoutClass) {
    case TimeoutClass::Fast: return "fast";
    case TimeoutClass::Normal: return "normal";
    case TimeoutClass::Heavy: return "heavy";
  }
  return "normal";
}

std::chrono::milliseconds TimeoutsConfig::timeoutFor(TimeoutClass timeoutClass) const noexcept {
  switch (timeoutClass) {
    case TimeoutClass::Fast: return std::chrono::milliseconds(fast_ms);
    case TimeoutClass::Normal: return std::chrono::milliseconds(normal_ms);
    case TimeoutClass::Heavy: return std::chrono::milliseconds(heavy_ms);
  }
  return std::chrono::milliseconds(normal_ms);
}

std::vector<std::string> TimeoutsConfig::validate() const {
  std::vector<std::string> problems;
  for (auto [key, value] : {std::pair{"fast_ms", fast_ms}, std::pair{"normal_ms", normal_ms},
                            std::pair{"heavy_ms", heavy_ms}}) {
    if (value < 1) {
      problems.push_back(fmt::format("resilience.{} must be at least 1 (got {})", key, value));
    }
  }
  if (fast_ms > normal_ms) {
    problems.push_back(fmt::format("resilience.fast_ms ({}) must not exceed normal_ms ({})",
                                   fast_ms, normal_ms));
  }
  if (normal_ms > heavy_ms) {
    problems.push_back(fmt::format("resilience.normal_ms ({}) must not exceed heavy_ms ({})",
                                   normal_ms, heavy_ms));
  }
  return problems;
}

Deadline Deadline::after(const Clock& clock, std::chrono::nanoseconds timeout) noexcept {
  const auto budget = std::max(timeout, std::chrono::nanoseconds::zero());
  return Deadline(&clock, saturatingAdd(clock.monotonicNs(), budget.count()), budget);
}

Deadline Deadline::forClass(const Clock& clock, const TimeoutsConfig& timeouts,
                            TimeoutClass timeoutClass) noexcept {
  const auto ms = timeouts.timeoutFor(timeoutClass).count();
  constexpr auto kMaxMs = std::numeric_limits<std::int64_t>::max() / 1'000'000;
  return after(clock, std::chrono::milliseconds(std::min<std::int64_t>(ms, kMaxMs)));
}

std::chrono::nanoseconds Deadline::remaining() const noexcept {
  const auto now = clock_->monotonicNs();
  if (now >= expiresAtNs_) return std::chrono::nanoseconds::zero();
  return std::chrono::nanoseconds(expiresAtNs_ - now);
}

namespace detail {

Error timeoutError(std::string_view what, const Deadline& deadline) {
  return Error(errors::kTimeout,
               fmt::format("{} timed out after {} ms", what,
                           std::chrono::duration_cast<std::chrono::milliseconds>(deadline.budget())
                               .count()));
}

Error threwError(std::string_view what, std::exception_ptr exception) {
  try {
    std::rethrow_exception(exception);
  } catch (const std::exception& e) {
    return Error(errors::kInternal, fmt::format("{} threw an exception ({})", what, e.what()));
  } catch (...) {
    return Error(errors::kInternal, fmt::format("{} threw a non-standard exception", what));
  }
}

Error taskStartError(std::string_view what, std::string_view reason) {
  return Error(kTaskStartFailed, fmt::format("could not start a thread for {} ({})", what, reason));
}

Error noFutureError(std::string_view what) {
  return Error(errors::kInvalidArgument,
               fmt::format("the future of {} has no shared state to wait for", what));
}

}  // namespace detail

}  // namespace ait::resilience
