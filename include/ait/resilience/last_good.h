#pragma once
// Graceful degradation: LastGood<T> remembers the latest good value of a call (a prediction, a
// quote, a settings read) and serves it, marked degraded and with its age, when the call fails
// or its circuit is open, as long as it is younger than max_age; older than that, the call's
// error is returned, because a stale answer would then be worse than none.
//
// A mutex guards the value: LastGood wraps calls to dependencies, not the tick path.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "ait/core/clock.h"
#include "ait/core/error.h"
#include "ait/core/error_registry.h"
#include "ait/metrics/metrics.h"
#include "ait/resilience/expected_traits.h"

namespace ait::resilience {

/// A value as served by LastGood.
template <class T>
struct Degradable {
  T value;
  bool degraded = false;             // true: the call failed and this is the last good value
  std::chrono::nanoseconds age{0};   // how long ago the value was good (zero when fresh)
};

namespace detail {

// The parts of LastGood that do not depend on T: metrics, transition logs, ErrorDNA reports.
class LastGoodBase {
 public:
  const std::string& name() const noexcept { return name_; }
  std::chrono::nanoseconds maxAge() const noexcept { return maxAge_; }

 protected:
  LastGoodBase(std::string name, std::chrono::nanoseconds maxAge, const Clock& clock,
               metrics::Registry& metrics, ErrorRegistry& errors);

  void noteFresh();
  void noteDegraded(const Error& error, std::chrono::nanoseconds age);
  void noteUnavailable(const Error& error, std::optional<std::chrono::nanoseconds> staleAge);

  std::string name_;
  std::chrono::nanoseconds maxAge_;
  const Clock& clock_;

 private:
  enum class Mode : std::uint8_t { Fresh, Degraded, Unavailable };
  void enter(Mode mode, const Error* error, std::optional<std::chrono::nanoseconds> age);

  ErrorRegistry& errors_;
  std::atomic<Mode> mode_{Mode::Fresh};
  metrics::Counter& degradedResponses_;
  metrics::Counter& unavailable_;
  metrics::Gauge& degradedActive_;
};

}  // namespace detail

template <class T>
class LastGood : public detail::LastGoodBase {
  static_assert(std::is_copy_constructible_v<T>,
                "LastGood<T> hands out copies; use a shared_ptr<const T> for large values");

 public:
  /// `name` is the guarded call ("llm-openai", "model-xgb"), the metric label; values older than
  /// maxAge are never served.
  LastGood(std::string name, std::chrono::nanoseconds maxAge, const Clock& clock,
           metrics::Registry& metrics = metrics::Registry::global(),
           ErrorRegistry& errors = ErrorRegistry::global())
      : LastGoodBase(std::move(name), maxAge, clock, metrics, errors) {}

  /// Runs primary (returning Expected<T>); returns its value fresh and remembers it, or on
  /// failure the last good value (degraded, with its age) if younger than max_age, else the error.
  template <class F>
  Expected<Degradable<T>> get(F&& primary) {
    using R = std::invoke_result_t<F&>;
    static_assert(std::is_same_v<std::remove_cvref_t<R>, Expected<T>>,
                  "LastGood<T>::get wraps operations returning Expected<T>");
    R result = std::invoke(primary);
    if (!result.has_value()) return fallback(std::move(result).error());
    put(*result);
    noteFresh();
    return Degradable<T>{std::move(*result), false, std::chrono::nanoseconds::zero()};
  }

  /// Returns the last good value (degraded, with its age) if younger than max_age, else `error`;
  /// for callers that learnt of the failure themselves (e.g. a latency budget ran out).
  Expected<Degradable<T>> fallback(Error error) {
    std::optional<Degradable<T>> stale;
    std::optional<std::chrono::nanoseconds> tooOld;
    {
      std::lock_guard lock(mutex_);
      if (value_) {
        const auto age = std::chrono::nanoseconds(clock_.monotonicNs() - storedAtNs_);
        if (age < maxAge_) stale.emplace(Degradable<T>{*value_, true, age});
        else tooOld = age;
      }
    }
    if (stale) {
      noteDegraded(error, stale->age);
      return std::move(*stale);
    }
    noteUnavailable(error, tooOld);
    return Unexpected(std::move(error));
  }

  /// Remembers a good value obtained elsewhere, as of now.
  void put(T value) {
    std::lock_guard lock(mutex_);
    value_ = std::move(value);
    storedAtNs_ = clock_.monotonicNs();
  }

  /// Returns the remembered value with its age whatever the age, or nothing; does not count.
  std::optional<Degradable<T>> peek() const {
    std::lock_guard lock(mutex_);
    if (!value_) return std::nullopt;
    return Degradable<T>{*value_, true,
                         std::chrono::nanoseconds(clock_.monotonicNs() - storedAtNs_)};
  }

 private:
  mutable std::mutex mutex_;
  std::optional<T> value_;
  std::int64_t storedAtNs_ = 0;
};

}  // namespace ait::resilience
