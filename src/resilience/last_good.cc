#include "ait/resilience/last_good.h"

#include <fmt/format.h>

#include "logging.h"

namespace ait::resilience::detail {

namespace {

std::int64_t toMs(std::chrono::nanoseconds ns) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(ns).count();
}

}  // namespace

LastGoodBase::LastGoodBase(std::string name, std::chrono::nanoseconds maxAge, const Clock& clock,
                           metrics::Registry& metrics, ErrorRegistry& errors)
    : name_(std::move(name)),
      maxAge_(maxAge),
      clock_(clock),
      errors_(errors),
      degradedResponses_(metrics.counter(
          "ait_degraded_responses_total",
          "Responses served from the last good value because the call failed.",
          {{"name", name_}})),
      unavailable_(metrics.counter("ait_degraded_unavailable_total",
                                   "Failed calls with no last good value young enough to serve.",
                                   {{"name", name_}})),
      degradedActive_(metrics.gauge("ait_degraded_active",
                                    "1 while the latest response was served degraded, else 0.",
                                    {{"name", name_}})) {}

void LastGoodBase::noteFresh() { enter(Mode::Fresh, nullptr, std::nullopt); }

void LastGoodBase::noteDegraded(const Error& error, std::chrono::nanoseconds age) {
  degradedResponses_.inc();
  errors_.record(error, Recovery::Degrade, true);
  enter(Mode::Degraded, &error, age);
}

void LastGoodBase::noteUnavailable(const Error& error,
                                   std::optional<std::chrono::nanoseconds> staleAge) {
  unavailable_.inc();
  errors_.record(error, Recovery::Degrade, false);
  enter(Mode::Unavailable, &error, staleAge);
}

void LastGoodBase::enter(Mode mode, const Error* error,
                         std::optional<std::chrono::nanoseconds> age) {
  degradedActive_.set(mode == Mode::Degraded ? 1.0 : 0.0);
  const Mode before = mode_.exchange(mode);
  if (before == mode) return;
  auto log = logger();
  switch (mode) {
    case Mode::Fresh: log->info("last-good {}: serving fresh values again", name_); break;
    case Mode::Degraded:
      log->warn("last-good {}: degraded, serving the last good value ({} ms old, max {} ms): {}",
                name_, toMs(age.value_or(std::chrono::nanoseconds::zero())), toMs(maxAge_),
                error->describe());
      break;
    case Mode::Unavailable:
      if (age) {
        log->warn("last-good {}: last good value too old to serve ({} ms, max {} ms): {}", name_,
                  toMs(*age), toMs(maxAge_), error->describe());
      } else {
        log->warn("last-good {}: failing with no good value to fall back on: {}", name_,
                  error->describe());
      }
      break;
  }
}

}  // namespace ait::resilience::detail
