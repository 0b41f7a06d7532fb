#pragma once
// Timeouts in three classes (fast, normal, heavy), a Deadline measured on an injected Clock, and
// helpers that wait for an operation on a future until its deadline.
//
// A deadline is cooperative first: an operation that can pass deadline.remaining() to its socket
// or database driver should do so. runWithDeadline() is for operations that cannot: it runs them
// on their own thread and stops waiting when the deadline passes.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <future>
#include <limits>
#include <stop_token>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "ait/core/clock.h"
#include "ait/core/error.h"
#include "ait/resilience/expected_traits.h"

namespace ait::resilience {

enum class TimeoutClass : std::uint8_t { Fast, Normal, Heavy };

/// Returns "fast", "normal" or "heavy".
std::string_view toString(TimeoutClass timeoutClass) noexcept;

/// The [resilience] timeouts, one per class.
struct TimeoutsConfig {
  std::int64_t fast_ms = 5000;     // cache, health checks, single-row reads
  std::int64_t normal_ms = 30000;  // ordinary database queries and HTTP calls
  std::int64_t heavy_ms = 60000;   // reports, migrations, LLM completions

  /// Returns the timeout of a class.
  std::chrono::milliseconds timeoutFor(TimeoutClass timeoutClass) const noexcept;
  /// Returns every problem with the settings (empty when valid), each naming its key.
  std::vector<std::string> validate() const;
};

/// A point in monotonic time (of a given Clock) by which an operation must finish. Copyable;
/// the clock must outlive it.
class Deadline {
 public:
  /// Returns the deadline `timeout` from now; negative timeouts count as zero.
  static Deadline after(const Clock& clock, std::chrono::nanoseconds timeout) noexcept;
  /// Returns the deadline of a timeout class from now.
  static Deadline forClass(const Clock& clock, const TimeoutsConfig& timeouts,
                           TimeoutClass timeoutClass) noexcept;

  /// Returns the time left, never negative.
  std::chrono::nanoseconds remaining() const noexcept;
  /// Returns true once the clock has reached the deadline.
  bool expired() const noexcept { return remaining().count() == 0; }
  /// Returns the timeout the deadline was created with, for messages.
  std::chrono::nanoseconds budget() const noexcept { return budget_; }
  /// Returns the deadline on the clock's monotonic scale, in ns.
  std::int64_t expiresAtNs() const noexcept { return expiresAtNs_; }
  const Clock& clock() const noexcept { return *clock_; }
  /// Returns whichever of the two deadlines comes first (both must use the same clock).
  Deadline earliest(const Deadline& other) const noexcept {
    return other.expiresAtNs_ < expiresAtNs_ ? other : *this;
  }

 private:
  Deadline(const Clock* clock, std::int64_t expiresAtNs, std::chrono::nanoseconds budget) noexcept
      : clock_(clock), expiresAtNs_(expiresAtNs), budget_(budget) {}

  const Clock* clock_;
  std::int64_t expiresAtNs_;
  std::chrono::nanoseconds budget_;
};

namespace detail {

// The deadline follows the injected clock, which may run faster or slower than real time (a
// FakeClock in tests, a replay clock in backtests), so waits re-read it at least this often.
inline constexpr std::chrono::milliseconds kDeadlinePollSlice{20};

template <class R>
struct DeadlineResultOf {
  using type = Expected<R>;
};
template <class T>
struct DeadlineResultOf<std::expected<T, Error>> {
  using type = Expected<T>;
};

Error timeoutError(std::string_view what, const Deadline& deadline);
Error threwError(std::string_view what, std::exception_ptr exception);
Error taskStartError(std::string_view what, std::string_view reason);
Error noFutureError(std::string_view what);

}  // namespace detail

/// What waiting on a future of R yields: Expected<T> stays as it is, T becomes Expected<T>.
template <class R>
using DeadlineResult = typename detail::DeadlineResultOf<R>::type;

/// Waits for the future until the deadline; returns its result, or kTimeout (AIT-CORE-0004)
/// naming `what` if the deadline passes first. An exception stored in the future comes back as
/// an AIT-CORE-0001 error, never as a throw.
template <class R>
DeadlineResult<R> awaitUntil(std::future<R>& future, const Deadline& deadline,
                             std::string_view what) {
  using Result = DeadlineResult<R>;
  if (!future.valid()) return Result(Unexpected(detail::noFutureError(what)));
  for (;;) {
    auto wait = std::min<std::chrono::nanoseconds>(deadline.remaining(),
                                                   detail::kDeadlinePollSlice);
    if (future.wait_for(wait) == std::future_status::ready) break;
    if (deadline.expired()) return Result(Unexpected(detail::timeoutError(what, deadline)));
  }
  try {
    if constexpr (std::is_void_v<R>) {
      future.get();
      return Result();
    } else {
      return Result(future.get());
    }
  } catch (...) {
    return Result(Unexpected(detail::threwError(what, std::current_exception())));
  }
}

/// Runs op on a thread of its own and waits for it until the deadline; returns its result, or
/// kTimeout naming `what`. After a timeout the operation keeps running in the background (a
/// thread cannot be killed), so it must own what it touches (capture by value); an op taking a
/// std::stop_token is asked to stop when the deadline passes.
template <class F>
auto runWithDeadline(F&& op, const Deadline& deadline, std::string_view what) {
  using Fn = std::decay_t<F>;
  constexpr bool kTakesToken = std::is_invocable_v<Fn&, std::stop_token>;
  using R = std::conditional_t<kTakesToken, std::invoke_result<Fn&, std::stop_token>,
                               std::invoke_result<Fn&>>::type;
  using Result = DeadlineResult<R>;

  std::stop_source stop;
  std::packaged_task<R()> task(
      [fn = Fn(std::forward<F>(op)), token = stop.get_token()]() mutable -> R {
        if constexpr (kTakesToken) {
          return std::invoke(fn, token);
        } else {
          return std::invoke(fn);
        }
      });
  auto future = task.get_future();
  try {
    std::thread(std::move(task)).detach();
  } catch (const std::system_error& e) {
    return Result(Unexpected(detail::taskStartError(what, e.what())));
  }
  Result result = awaitUntil(future, deadline, what);
  if (!result.has_value() && result.error().codeString() == errors::kTimeout.code) {
    stop.request_stop();
  }
  return result;
}

}  // namespace ait::resilience
