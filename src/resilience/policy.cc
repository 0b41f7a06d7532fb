#include "ait/resilience/policy.h"

#include <algorithm>
#include <iterator>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "ait/resilience/errors.h"

namespace ait::resilience {

std::vector<std::string> ResilienceConfig::validate() const {
  std::vector<std::string> problems = timeouts.validate();
  auto append = [&problems](std::vector<std::string> more) {
    problems.insert(problems.end(), std::make_move_iterator(more.begin()),
                    std::make_move_iterator(more.end()));
  };
  append(circuit_breaker.validate());
  append(retry.validate());
  append(bulkhead.validate());
  return problems;
}

Expected<void> ResilienceConfig::check() const {
  auto problems = validate();
  if (problems.empty()) return {};
  return fail(kInvalidConfig, fmt::format("{} problem(s) in [resilience] ({})", problems.size(),
                                          fmt::join(problems, "; ")));
}

Policy::Policy(std::string name, const ResilienceConfig& config, TimeoutClass timeoutClass,
               const Clock& clock, RetryHooks hooks, metrics::Registry& metrics,
               ErrorRegistry& errors)
    : name_(std::move(name)),
      clock_(clock),
      timeoutClass_(timeoutClass),
      timeout_(std::max(config.timeouts.timeoutFor(timeoutClass), std::chrono::milliseconds(0))),
      breaker_(name_, config.circuit_breaker, clock, metrics, errors),
      bulkhead_(name_, config.bulkhead, clock, metrics),
      retry_(name_, config.retry, clock, std::move(hooks), metrics, errors),
      timeouts_(metrics.counter("ait_resilience_timeouts_total",
                                "Calls through a resilience policy that ran out of time, by "
                                "dependency and timeout class.",
                                {{"name", name_}, {"class", std::string(toString(timeoutClass))}})) {}

Error Policy::expired(const Deadline& deadline) {
  timeouts_.inc();
  return Error(errors::kTimeout,
               fmt::format("the {} deadline of {} ms for {} passed before the call could start",
                           toString(timeoutClass_),
                           std::chrono::duration_cast<std::chrono::milliseconds>(deadline.budget())
                               .count(),
                           name_));
}

void Policy::noteFailure(const Error& error) {
  if (error.codeString() == errors::kTimeout.code) timeouts_.inc();
}

}  // namespace ait::resilience
