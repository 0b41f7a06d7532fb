#include "ait/hub/hub.h"

#include <algorithm>
#include <exception>
#include <functional>
#include <unordered_map>
#include <utility>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "ait/hub/errors.h"
#include "ait/log/log.h"
#include "hub/hub_impl.h"

namespace ait::hub {

namespace {

constexpr std::int64_t kNsPerMs = 1'000'000;

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += separator;
    out += parts[i];
  }
  return out;
}

Health makeHealth(HealthStatus status, std::string reason) {
  Health health;
  health.status = status;
  health.reason = std::move(reason);
  return health;
}

void appendReason(std::string& reason, std::string_view more) {
  if (!reason.empty()) reason += "; ";
  reason += more;
}

std::string msText(std::int64_t ns) { return fmt::format("{:.3f}", static_cast<double>(ns) / 1e6); }

Health callHealth(const Service& service) {
  try {
    return service.health();
  } catch (const std::exception& e) {
    return makeHealth(HealthStatus::Down, fmt::format("health() threw: {}", e.what()));
  } catch (...) {
    return makeHealth(HealthStatus::Down, "health() threw an unknown exception");
  }
}

}  // namespace

std::string_view toString(ServiceState state) noexcept {
  switch (state) {
    case ServiceState::Registered: return "registered";
    case ServiceState::Starting: return "starting";
    case ServiceState::Running: return "running";
    case ServiceState::Stopping: return "stopping";
    case ServiceState::Stopped: return "stopped";
    case ServiceState::Failed: return "failed";
    case ServiceState::Restarting: return "restarting";
    case ServiceState::Remote: return "remote";
  }
  return "registered";
}

Hub::Impl::Impl(Hub& owner, HubConfig hubConfig, const Clock& hubClock, HubOptions options)
    : hub(owner),
      config(std::move(hubConfig)),
      clock(hubClock),
      probe(options.probe ? std::move(options.probe)
                          : httpHealthProbe(std::chrono::milliseconds(
                                std::max<std::int64_t>(config.remote_probe_timeout_ms, 1)))),
      metrics(options.metrics != nullptr ? *options.metrics : metrics::Registry::global()),
      errors(options.errors != nullptr ? *options.errors : ErrorRegistry::global()),
      log(options.logger ? std::move(options.logger) : ait::log::logger("hub")),
      supervisorThread(options.supervisorThread) {}

Hub::Impl::~Impl() {
  // Components registered later may use earlier ones (a journal writing through the bus).
  while (!components.empty()) components.pop_back();
}

std::int64_t Hub::Impl::backoffNs(std::uint32_t attempt) const {
  return restartBackoff(config, attempt).count() * kNsPerMs;
}

std::optional<std::size_t> Hub::Impl::findEntry(std::string_view name) const {
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (entries[i]->spec.name == name) return i;
  }
  return std::nullopt;
}

const Hub::Impl::Component* Hub::Impl::findComponent(std::string_view name) const {
  for (const auto& component : components) {
    if (component.name == name) return &component;
  }
  return nullptr;
}

std::optional<ServiceLocation> Hub::Impl::configuredRemote(std::string_view name) const {
  auto it = config.remote.find(std::string(name));
  if (it == config.remote.end()) return std::nullopt;
  auto parsed = ServiceLocation::parse(it->second);
  if (!parsed) return std::nullopt;
  return *parsed;
}

Expected<Hub::Impl::Plan> Hub::Impl::makePlan(const std::vector<std::string>& only) const {
  if (auto valid = validate(config); !valid) return Unexpected(valid.error());
  std::vector<std::string> problems;
  for (const auto& [name, address] : config.remote) {
    if (!findEntry(name)) {
      problems.push_back(fmt::format("remote.{} = \"{}\" names no registered service", name,
                                     address));
    }
  }
  if (!problems.empty()) return fail(kInvalidConfig, "[hub] " + join(problems, "; "));

  // Depth-first over every registered service, so a wiring error shows up whatever --only says;
  // the path walked so far names the chain that leads to a missing dependency or a cycle.
  enum class Mark { New, InProgress, Done };
  std::vector<Mark> marks(entries.size(), Mark::New);
  std::vector<std::size_t> topological;
  std::vector<std::string> path;
  std::vector<std::string> missing;
  std::optional<std::string> cycle;
  std::function<void(std::size_t)> visit = [&](std::size_t i) {
    marks[i] = Mark::InProgress;
    path.push_back(entries[i]->spec.name);
    for (const auto& dependency : entries[i]->spec.dependsOn) {
      if (findComponent(dependency) != nullptr) continue;
      auto j = findEntry(dependency);
      if (!j) {
        missing.push_back(fmt::format("{} -> {} ('{}' is neither a registered service nor a "
                                      "component)",
                                      join(path, " -> "), dependency, dependency));
        continue;
      }
      if (marks[*j] == Mark::InProgress) {
        if (!cycle) {
          auto from = std::find(path.begin(), path.end(), dependency);
          std::vector<std::string> chain(from, path.end());
          chain.push_back(dependency);
          cycle = join(chain, " -> ");
        }
        continue;
      }
      if (marks[*j] == Mark::New) visit(*j);
    }
    path.pop_back();
    marks[i] = Mark::Done;
    topological.push_back(i);
  };
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (marks[i] == Mark::New) visit(i);
  }
  if (!missing.empty()) {
    return fail(kMissingDependency, fmt::format("missing dependency: {}", join(missing, "; ")));
  }
  if (cycle) return fail(kDependencyCycle, fmt::format("dependency cycle: {}", *cycle));

  std::vector<bool> selected(entries.size(), only.empty());
  std::vector<std::string> unknown;
  for (const auto& name : only) {
    if (auto i = findEntry(name)) {
      selected[*i] = true;
    } else {
      unknown.push_back(fmt::format("'{}'", name));
    }
  }
  if (!unknown.empty()) {
    std::vector<std::string> known;
    for (const auto& entry : entries) known.push_back(entry->spec.name);
    return fail(kUnknownService,
                fmt::format("--only names {} which {} not registered (known services: {})",
                            join(unknown, ", "), unknown.size() == 1 ? "is" : "are",
                            join(known, ", ")));
  }

  Plan plan;
  std::vector<bool> isRemote(entries.size(), false);
  for (auto i : topological) {
    if (!selected[i]) continue;
    plan.order.push_back(i);
    for (const auto& dependency : entries[i]->spec.dependsOn) {
      auto j = findEntry(dependency);
      if (!j || selected[*j] || isRemote[*j]) continue;
      if (auto where = configuredRemote(dependency)) {
        isRemote[*j] = true;
        plan.remotes.emplace_back(*j, *where);
        continue;
      }
      problems.push_back(fmt::format(
          "{} depends on {}, which is not in --only and has no remote location; add it to "
          "--only or set [hub.remote] {} = \"host:port\"",
          entries[i]->spec.name, dependency, dependency));
    }
  }
  if (!problems.empty()) return fail(kNotDeployed, join(problems, "; "));
  return plan;
}

void Hub::Impl::activate(const Plan& plan) {
  std::lock_guard lock(mutex);
  for (auto& entry : entries) {
    entry->active = false;
    entry->remote = false;
    entry->location = ServiceLocation::local();
    entry->state = ServiceState::Registered;
    entry->restarts = 0;
    entry->attempts = 0;
    entry->gaveUp = false;
    entry->needsStop = false;
    entry->pendingFailure = false;
    entry->pendingError.reset();
    entry->lastError.reset();
    entry->lastFingerprint.clear();
    entry->remoteHealth = makeHealth(HealthStatus::Down, "not checked yet");
    entry->remoteChecked = false;
  }
  auto registerMetrics = [&](Entry& entry) {
    if (entry.up != nullptr) return;
    metrics::Labels labels{{"service", entry.spec.name}};
    entry.up = &metrics.gauge("ait_hub_service_up",
                              "1 when the service runs (or, when remote, answers /health) and is "
                              "not down, else 0.",
                              labels);
    entry.restartsTotal = &metrics.counter(
        "ait_hub_service_restarts_total", "Restart attempts the hub made, per service.", labels);
    entry.startSeconds = &metrics.histogram(
        "ait_hub_service_start_duration_seconds",
        "Time a service's start() took, first starts and restarts alike.", labels);
  };
  order = plan.order;
  remotes.clear();
  for (auto i : order) {
    entries[i]->active = true;
    registerMetrics(*entries[i]);
    entries[i]->up->set(0);
  }
  for (const auto& [i, where] : plan.remotes) {
    auto& entry = *entries[i];
    entry.active = true;
    entry.remote = true;
    entry.location = where;
    entry.state = ServiceState::Remote;
    registerMetrics(entry);
    entry.up->set(0);
    remotes.push_back(i);
  }
  started = true;
}

void Hub::Impl::deactivate() {
  std::lock_guard lock(mutex);
  for (auto& entry : entries) {
    if (entry->active && entry->up != nullptr) entry->up->set(0);
    entry->active = false;
    entry->remote = false;
    if (entry->state == ServiceState::Remote) entry->state = ServiceState::Registered;
  }
  order.clear();
  remotes.clear();
  started = false;
  registrationClosed = false;
}

Expected<void> Hub::Impl::construct(std::size_t index) {
  auto& entry = *entries[index];
  const auto& name = entry.spec.name;
  Resolver resolver(hub, index);
  auto built = [&]() -> Expected<std::unique_ptr<Service>> {
    try {
      return entry.spec.factory(resolver);
    } catch (const ResolveError& e) {
      return Unexpected(e.error());
    } catch (const std::exception& e) {
      return fail(kConstructFailed, fmt::format("the factory threw: {}", e.what()));
    } catch (...) {
      return fail(kConstructFailed, "the factory threw an unknown exception");
    }
  }();
  if (!built) {
    return Unexpected(Error(built.error().code(), fmt::format("cannot construct service '{}': {}",
                                                              name, built.error().message())));
  }
  if (*built == nullptr) {
    return fail(kConstructFailed,
                fmt::format("cannot construct service '{}': its factory returned no service", name));
  }
  if ((*built)->name() != name) {
    return fail(kConstructFailed,
                fmt::format("cannot construct service '{}': its factory built a service named '{}'",
                            name, (*built)->name()));
  }
  std::unique_lock instances(instancesMutex);
  entry.instance = std::move(*built);
  return {};
}

void Hub::Impl::destroyInstances() {
  std::vector<std::unique_ptr<Service>> doomed;
  {
    // Taking the lock exclusively waits for health() readers; none can find them afterwards.
    std::unique_lock instances(instancesMutex);
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
      if (entries[*it]->instance) doomed.push_back(std::move(entries[*it]->instance));
    }
  }
  for (auto& service : doomed) service.reset();
}

Expected<void> Hub::Impl::startEntry(Entry& entry, bool restart) {
  {
    std::lock_guard lock(mutex);
    entry.state = restart ? ServiceState::Restarting : ServiceState::Starting;
    entry.pendingFailure = false;
    entry.pendingError.reset();
  }
  auto begin = clock.monotonicNs();
  auto result = [&]() -> Expected<void> {
    try {
      return entry.instance->start();
    } catch (const std::exception& e) {
      return fail(kStartFailed, fmt::format("start() threw: {}", e.what()));
    } catch (...) {
      return fail(kStartFailed, "start() threw an unknown exception");
    }
  }();
  auto end = clock.monotonicNs();
  entry.startSeconds->observeNs(end - begin);
  std::lock_guard lock(mutex);
  if (!result) {
    entry.state = ServiceState::Failed;
    entry.lastError = result.error();
    entry.up->set(0);
    // A failed restart is logged when it is rescheduled (markFailedLocked).
    if (!restart) {
      log::error(*log, "service failed to start",
                 {{"service", entry.spec.name},
                  {"error", result.error().describe()},
                  {"duration_ms", msText(end - begin)}});
    }
    return result;
  }
  if (entry.pendingFailure) {
    auto cause = std::move(*entry.pendingError);
    entry.pendingFailure = false;
    entry.pendingError.reset();
    markFailedLocked(entry, std::move(cause), end);
    return {};
  }
  entry.state = ServiceState::Running;
  entry.runningSinceNs = end;
  entry.nextHealthNs = end + config.health_interval_ms * kNsPerMs;
  entry.up->set(1);
  log::info(*log, restart ? "service restarted" : "service started",
            {{"service", entry.spec.name}, {"duration_ms", msText(end - begin)}});
  return {};
}

void Hub::Impl::stopEntry(Entry& entry) {
  bool callStop = true;
  {
    std::lock_guard lock(mutex);
    if (entry.state == ServiceState::Registered || entry.state == ServiceState::Stopped ||
        entry.state == ServiceState::Remote || !entry.instance) {
      return;
    }
    callStop = entry.state != ServiceState::Failed || entry.needsStop;
    entry.state = ServiceState::Stopping;
    entry.up->set(0);
  }
  auto begin = clock.monotonicNs();
  if (callStop) entry.instance->stop();
  auto end = clock.monotonicNs();
  std::lock_guard lock(mutex);
  entry.state = ServiceState::Stopped;
  entry.needsStop = false;
  log::info(*log, "service stopped",
            {{"service", entry.spec.name}, {"duration_ms", msText(end - begin)}});
}

void Hub::Impl::markFailedLocked(Entry& entry, Error cause, std::int64_t nowNs) {
  entry.state = ServiceState::Failed;
  entry.needsStop = true;
  entry.up->set(0);
  entry.lastFingerprint = errors.record(cause);
  log::logError(*log, cause, {{"service", entry.spec.name}});
  entry.lastError = std::move(cause);
  auto limit = config.restart_max_attempts;
  if (limit > 0 && entry.attempts >= limit) {
    entry.gaveUp = true;
    Error exhausted(kRestartsExhausted,
                    fmt::format("service '{}' failed after {} restart attempts in a row and stays "
                                "down; last error: {}",
                                entry.spec.name, entry.attempts, entry.lastError->describe()));
    errors.record(exhausted, Recovery::Fail, false);
    log::logError(*log, exhausted, {{"service", entry.spec.name}});
    return;
  }
  auto delay = backoffNs(entry.attempts + 1);
  entry.nextAttemptNs = nowNs + delay;
  log::warn(*log, "service failed; restart scheduled",
            {{"service", entry.spec.name},
             {"attempt", std::to_string(entry.attempts + 1)},
             {"backoff_ms", std::to_string(delay / kNsPerMs)}});
}

void Hub::Impl::reportFailure(std::string_view name, Error error) {
  bool wake = false;
  {
    std::lock_guard lock(mutex);
    auto index = findEntry(name);
    if (!index || !entries[*index]->active || entries[*index]->remote) {
      log::warn(*log, "failure reported for a service that does not run here",
                {{"service", name}, {"error", error.describe()}});
      return;
    }
    auto& entry = *entries[*index];
    switch (entry.state) {
      case ServiceState::Running:
        markFailedLocked(entry, std::move(error), clock.monotonicNs());
        wake = true;
        break;
      case ServiceState::Starting:
      case ServiceState::Restarting:
        if (!entry.pendingFailure) {
          entry.pendingFailure = true;
          entry.pendingError = std::move(error);
        }
        break;
      default:
        log::debug(*log, "failure report ignored: the service is not running",
                   {{"service", name},
                    {"state", toString(entry.state)},
                    {"error", error.describe()}});
        break;
    }
  }
  if (wake) wakeSupervisor();
}

void Hub::Impl::probeRemotes(std::int64_t nowNs, bool force) {
  for (auto index : remotes) {
    auto& entry = *entries[index];
    ServiceLocation where;
    {
      std::lock_guard lock(mutex);
      if (!force && nowNs < entry.nextHealthNs) continue;
      entry.nextHealthNs = nowNs + config.health_interval_ms * kNsPerMs;
      where = entry.location;
    }
    Health health;
    try {
      health = probe(where);
    } catch (const std::exception& e) {
      health = makeHealth(HealthStatus::Down, fmt::format("the health probe threw: {}", e.what()));
    }
    std::lock_guard lock(mutex);
    auto before = entry.remoteChecked ? std::optional(entry.remoteHealth.status) : std::nullopt;
    entry.remoteHealth = std::move(health);
    entry.remoteChecked = true;
    entry.up->set(entry.remoteHealth.status == HealthStatus::Down ? 0 : 1);
    if (before == entry.remoteHealth.status) continue;
    if (entry.remoteHealth.status == HealthStatus::Down) {
      Error down(kRemoteDown, fmt::format("remote service '{}' at {} is down: {}", entry.spec.name,
                                          where.toString(), entry.remoteHealth.reason));
      errors.record(down);
      log::logError(*log, down, {{"service", entry.spec.name}});
    } else {
      log::info(*log, "remote service health changed",
                {{"service", entry.spec.name},
                 {"location", where.toString()},
                 {"status", toString(entry.remoteHealth.status)}});
    }
  }
}

void Hub::Impl::superviseOnce() {
  std::lock_guard lifecycle(lifecycleMutex);
  {
    std::lock_guard lock(mutex);
    if (!started) return;
  }
  auto now = clock.monotonicNs();
  const auto interval = config.health_interval_ms * kNsPerMs;

  for (auto index : order) {
    auto& entry = *entries[index];
    {
      std::lock_guard lock(mutex);
      if (entry.state != ServiceState::Running || now < entry.nextHealthNs) continue;
      entry.nextHealthNs = now + interval;
    }
    auto health = callHealth(*entry.instance);
    if (health.status != HealthStatus::Down) continue;
    std::lock_guard lock(mutex);
    if (entry.state != ServiceState::Running) continue;
    markFailedLocked(entry,
                     Error(kServiceDown, fmt::format("service '{}' reports itself down: {}",
                                                     entry.spec.name, health.reason)),
                     now);
  }

  probeRemotes(now, false);

  // Stop failed services promptly (dependants go on talking to a stopped service, which is
  // safe), in reverse order as on shutdown.
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    auto& entry = *entries[*it];
    {
      std::lock_guard lock(mutex);
      if (entry.state != ServiceState::Failed || !entry.needsStop) continue;
    }
    entry.instance->stop();
    std::lock_guard lock(mutex);
    entry.needsStop = false;
  }

  for (auto index : order) {
    auto& entry = *entries[index];
    std::uint32_t attempt = 0;
    {
      std::lock_guard lock(mutex);
      if (entry.state != ServiceState::Failed || entry.gaveUp || now < entry.nextAttemptNs) {
        continue;
      }
      attempt = ++entry.attempts;
      ++entry.restarts;
      entry.restartsTotal->inc();
    }
    log::info(*log, "restarting service",
              {{"service", entry.spec.name},
               {"attempt", std::to_string(attempt)},
               {"max_attempts", config.restart_max_attempts == 0
                                    ? std::string("unlimited")
                                    : std::to_string(config.restart_max_attempts)}});
    auto result = startEntry(entry, true);
    if (!result) entry.instance->stop();  // releases what the failed start acquired
    std::lock_guard lock(mutex);
    errors.recordRecovery(entry.lastFingerprint, Recovery::Retry, result.has_value());
    if (!result) {
      markFailedLocked(entry, std::move(result.error()), clock.monotonicNs());
      entry.needsStop = false;
    }
  }

  const auto reset = config.restart_healthy_reset_ms * kNsPerMs;
  auto later = clock.monotonicNs();
  std::lock_guard lock(mutex);
  for (auto index : order) {
    auto& entry = *entries[index];
    if (entry.state == ServiceState::Running && entry.attempts > 0 &&
        later - entry.runningSinceNs >= reset) {
      log::info(*log, "service stable again; restart backoff reset",
                {{"service", entry.spec.name}, {"attempts", std::to_string(entry.attempts)}});
      entry.attempts = 0;
    }
  }
}

Expected<void> Hub::Impl::restart(std::string_view name) {
  std::lock_guard lifecycle(lifecycleMutex);
  Entry* entry = nullptr;
  bool callStop = false;
  {
    std::lock_guard lock(mutex);
    auto index = findEntry(name);
    if (!index) return fail(kUnknownService, fmt::format("no service is named '{}'", name));
    entry = entries[*index].get();
    if (!started || !entry->active || entry->remote || !entry->instance) {
      return fail(kLifecycle, fmt::format("service '{}' does not run in this process", name));
    }
    callStop = entry->state == ServiceState::Running || entry->needsStop;
    entry->state = ServiceState::Stopping;
    entry->up->set(0);
    entry->attempts = 0;
    entry->gaveUp = false;
    ++entry->restarts;
    entry->restartsTotal->inc();
  }
  log::info(*log, "restarting service on request", {{"service", name}});
  if (callStop) entry->instance->stop();
  auto result = startEntry(*entry, true);
  if (result) return {};
  entry->instance->stop();
  std::lock_guard lock(mutex);
  auto error = result.error();
  markFailedLocked(*entry, std::move(result.error()), clock.monotonicNs());
  entry->needsStop = false;
  return Unexpected(std::move(error));
}

Health Hub::Impl::ownHealthLocked(const Entry& entry, std::int64_t nowNs) const {
  auto lastError = entry.lastError ? entry.lastError->describe() : std::string("unknown error");
  auto limit = config.restart_max_attempts == 0 ? std::string("unlimited")
                                                : std::to_string(config.restart_max_attempts);
  switch (entry.state) {
    case ServiceState::Registered: return makeHealth(HealthStatus::Down, "not started");
    case ServiceState::Starting: return makeHealth(HealthStatus::Degraded, "starting");
    case ServiceState::Running: return {};
    case ServiceState::Stopping: return makeHealth(HealthStatus::Down, "stopping");
    case ServiceState::Stopped: return makeHealth(HealthStatus::Down, "stopped");
    case ServiceState::Restarting:
      return makeHealth(HealthStatus::Down,
                        fmt::format("restarting (attempt {} of {}) after: {}", entry.attempts,
                                    limit, lastError));
    case ServiceState::Failed:
      if (entry.gaveUp) {
        return makeHealth(HealthStatus::Down,
                          fmt::format("gave up after {} restart attempts; last error: {}",
                                      entry.attempts, lastError));
      }
      return makeHealth(HealthStatus::Down,
                        fmt::format("failed: {}; restart attempt {} of {} in {} ms", lastError,
                                    entry.attempts + 1, limit,
                                    std::max<std::int64_t>(entry.nextAttemptNs - nowNs, 0) /
                                        kNsPerMs));
    case ServiceState::Remote: {
      auto health = entry.remoteHealth;
      auto address = entry.location.toString();
      // Say where the remote service is, unless the probe already did ("cannot reach host:port").
      if (health.status != HealthStatus::Healthy &&
          health.reason.find(address) == std::string::npos) {
        health.reason = fmt::format("at {}: {}", address, health.reason);
      }
      return health;
    }
  }
  return makeHealth(HealthStatus::Down, "unknown state");
}

Hub::Impl::HealthView Hub::Impl::healthView() const {
  HealthView view;
  std::shared_lock instances(instancesMutex);
  {
    std::lock_guard lock(mutex);
    view.started = started;
    if (!started) return view;
    auto now = clock.monotonicNs();
    auto add = [&](std::size_t index) {
      const auto& entry = *entries[index];
      Snapshot snapshot;
      snapshot.name = entry.spec.name;
      snapshot.dependsOn = entry.spec.dependsOn;
      snapshot.critical = entry.spec.critical;
      snapshot.remote = entry.remote;
      snapshot.location = entry.location;
      snapshot.state = entry.state;
      snapshot.own = ownHealthLocked(entry, now);
      if (entry.state == ServiceState::Running) snapshot.live = entry.instance.get();
      view.services.push_back(std::move(snapshot));
    };
    for (auto index : remotes) add(index);
    for (auto index : order) add(index);
  }
  for (auto& snapshot : view.services) {
    if (snapshot.live != nullptr) snapshot.own = callHealth(*snapshot.live);
  }
  // Dependencies come before their dependants in this list, so their effective health is known.
  std::unordered_map<std::string_view, std::size_t> byName;
  for (std::size_t i = 0; i < view.services.size(); ++i) byName[view.services[i].name] = i;
  for (auto& snapshot : view.services) {
    auto effective = snapshot.own;
    if (!snapshot.remote) {
      for (const auto& dependency : snapshot.dependsOn) {
        auto it = byName.find(dependency);
        if (it == byName.end()) continue;  // a component
        const auto& other = view.services[it->second].effective;
        if (other.status == HealthStatus::Down && effective.status != HealthStatus::Down) {
          effective.status = HealthStatus::Degraded;
          appendReason(effective.reason, fmt::format("dependency {} is down", dependency));
        }
        auto listed = std::find_if(effective.dependencies.begin(), effective.dependencies.end(),
                                   [&](const auto& d) { return d.name == dependency; });
        if (listed == effective.dependencies.end()) {
          effective.dependencies.push_back({dependency, other.status, other.reason});
        } else if (other.status > listed->status) {
          listed->status = other.status;
          listed->reason = other.reason;
        }
      }
    }
    snapshot.effective = std::move(effective);
  }
  return view;
}

std::chrono::nanoseconds Hub::Impl::untilNextDue() const {
  std::lock_guard lock(mutex);
  const auto now = clock.monotonicNs();
  const auto interval = config.health_interval_ms * kNsPerMs;
  auto next = now + interval;
  for (auto index : order) {
    const auto& entry = *entries[index];
    if (entry.state == ServiceState::Running) {
      next = std::min(next, entry.nextHealthNs);
      if (entry.attempts > 0) {
        next = std::min(next, entry.runningSinceNs + config.restart_healthy_reset_ms * kNsPerMs);
      }
    } else if (entry.state == ServiceState::Failed && entry.needsStop) {
      next = now;
    } else if (entry.state == ServiceState::Failed && !entry.gaveUp) {
      next = std::min(next, entry.nextAttemptNs);
    }
  }
  for (auto index : remotes) next = std::min(next, entries[index]->nextHealthNs);
  return std::chrono::nanoseconds(std::clamp<std::int64_t>(next - now, kNsPerMs, interval));
}

void Hub::Impl::launchSupervisor() {
  std::lock_guard thread(threadMutex);
  {
    std::lock_guard lock(supervisorMutex);
    supervisorStop = false;
    supervisorWake = false;
  }
  supervisor = std::thread([this] {
    while (true) {
      {
        std::lock_guard lock(supervisorMutex);
        if (supervisorStop) return;
      }
      superviseOnce();
      auto wait = untilNextDue();
      std::unique_lock lock(supervisorMutex);
      supervisorCv.wait_for(lock, wait, [this] { return supervisorStop || supervisorWake; });
      supervisorWake = false;
    }
  });
}

void Hub::Impl::haltSupervisor() {
  std::lock_guard thread(threadMutex);
  {
    std::lock_guard lock(supervisorMutex);
    supervisorStop = true;
  }
  supervisorCv.notify_all();
  if (supervisor.joinable()) supervisor.join();
}

void Hub::Impl::wakeSupervisor() {
  {
    std::lock_guard lock(supervisorMutex);
    supervisorWake = true;
  }
  supervisorCv.notify_all();
}

Hub::Hub(HubConfig config, const Clock& clock, HubOptions options)
    : impl_(std::make_unique<Impl>(*this, std::move(config), clock, std::move(options))) {}

Hub::~Hub() { stop(); }

Expected<void> Hub::addService(ServiceSpec spec) {
  auto& s = *impl_;
  std::lock_guard lock(s.mutex);
  if (s.registrationClosed) {
    return fail(kLifecycle, fmt::format("cannot add service '{}' after start()", spec.name));
  }
  if (spec.name.empty()) return fail(errors::kInvalidArgument, "a service needs a name");
  if (!spec.factory) {
    return fail(errors::kInvalidArgument, fmt::format("service '{}' has no factory", spec.name));
  }
  if (s.findEntry(spec.name)) {
    return fail(kDuplicateName, fmt::format("a service named '{}' is already registered",
                                            spec.name));
  }
  if (s.findComponent(spec.name) != nullptr) {
    return fail(kDuplicateName, fmt::format("'{}' is already registered as a component",
                                            spec.name));
  }
  auto entry = std::make_unique<Impl::Entry>();
  entry->spec = std::move(spec);
  s.entries.push_back(std::move(entry));
  return {};
}

Expected<void> Hub::addComponentErased(std::string name, const std::type_info& type, void* object,
                                       bool readOnly, std::shared_ptr<const void> owner) {
  auto& s = *impl_;
  std::lock_guard lock(s.mutex);
  if (s.registrationClosed) {
    return fail(kLifecycle, fmt::format("cannot add component '{}' after start()", name));
  }
  if (name.empty()) return fail(errors::kInvalidArgument, "a component needs a name");
  if (object == nullptr) {
    return fail(errors::kInvalidArgument, fmt::format("component '{}' is null", name));
  }
  if (s.findComponent(name) != nullptr) {
    return fail(kDuplicateName, fmt::format("a component named '{}' is already registered", name));
  }
  if (s.findEntry(name)) {
    return fail(kDuplicateName, fmt::format("'{}' is already registered as a service", name));
  }
  s.components.push_back({std::move(name), &type, object, readOnly, std::move(owner)});
  return {};
}

Expected<std::vector<std::string>> Hub::startOrder(const std::vector<std::string>& only) const {
  auto& s = *impl_;
  std::lock_guard lock(s.mutex);
  auto plan = s.makePlan(only);
  if (!plan) return Unexpected(std::move(plan.error()));
  std::vector<std::string> names;
  for (auto index : plan->order) names.push_back(s.entries[index]->spec.name);
  return names;
}

Expected<void> Hub::start(const std::vector<std::string>& only) {
  auto& s = *impl_;
  std::lock_guard lifecycle(s.lifecycleMutex);
  {
    std::lock_guard lock(s.mutex);
    if (s.started) {
      return fail(kLifecycle, "the hub is already started; stop() it before starting again");
    }
    // From here on the registry is fixed, so the lifecycle code reads it without the lock.
    s.registrationClosed = true;
  }
  auto plan = s.makePlan(only);
  if (!plan) {
    log::logError(*s.log, plan.error());
    s.deactivate();
    return Unexpected(std::move(plan.error()));
  }
  auto begin = s.clock.monotonicNs();
  s.activate(*plan);
  s.probeRemotes(begin, true);

  for (auto index : s.order) {
    auto built = s.construct(index);
    if (!built) {
      log::logError(*s.log, built.error());
      s.destroyInstances();
      s.deactivate();
      return Unexpected(std::move(built.error()));
    }
  }

  for (std::size_t k = 0; k < s.order.size(); ++k) {
    auto& entry = *s.entries[s.order[k]];
    auto result = s.startEntry(entry, false);
    if (result) continue;
    entry.instance->stop();  // releases what the failed start acquired
    std::vector<std::string> rolledBack;
    for (auto j = k; j-- > 0;) {
      auto& earlier = *s.entries[s.order[j]];
      s.stopEntry(earlier);
      rolledBack.push_back(earlier.spec.name);
    }
    s.destroyInstances();
    s.deactivate();
    auto message = fmt::format("service '{}' failed to start: {}", entry.spec.name,
                               result.error().message());
    if (!rolledBack.empty()) {
      message += fmt::format(" (stopped again: {})", join(rolledBack, ", "));
    }
    Error error(result.error().code(), std::move(message));
    s.errors.record(error, Recovery::Fail, false);
    log::logError(*s.log, error);
    return Unexpected(std::move(error));
  }

  std::vector<std::string> names;
  for (auto index : s.order) names.push_back(s.entries[index]->spec.name);
  log::info(*s.log, "hub started",
            {{"services", join(names, ", ")},
             {"remote", std::to_string(s.remotes.size())},
             {"duration_ms", msText(s.clock.monotonicNs() - begin)}});
  if (s.supervisorThread) s.launchSupervisor();
  return {};
}

void Hub::stop() noexcept {
  auto& s = *impl_;
  s.haltSupervisor();
  std::lock_guard lifecycle(s.lifecycleMutex);
  {
    std::lock_guard lock(s.mutex);
    if (!s.started) return;
  }
  auto begin = s.clock.monotonicNs();
  for (auto it = s.order.rbegin(); it != s.order.rend(); ++it) s.stopEntry(*s.entries[*it]);
  s.destroyInstances();
  s.deactivate();
  log::info(*s.log, "hub stopped", {{"duration_ms", msText(s.clock.monotonicNs() - begin)}});
}

Expected<void> Hub::restart(std::string_view name) { return impl_->restart(name); }

void Hub::reportFailure(std::string_view name, Error error) {
  impl_->reportFailure(name, std::move(error));
}

FailureReporter Hub::failureReporter(std::string_view name) {
  return FailureReporter([impl = impl_.get(), service = std::string(name)](Error error) {
    impl->reportFailure(service, std::move(error));
  });
}

void Hub::superviseOnce() { impl_->superviseOnce(); }

HubHealth Hub::health() const {
  auto view = impl_->healthView();
  HubHealth out;
  if (!view.started) {
    out.status = HealthStatus::Down;
    out.reason = "the hub is not started";
    return out;
  }
  out.status = HealthStatus::Healthy;
  std::vector<std::string> problems;
  std::vector<ServiceHealth> remote;
  for (auto& snapshot : view.services) {
    ServiceHealth service{snapshot.name, snapshot.location, snapshot.state, snapshot.critical,
                          snapshot.effective};
    if (snapshot.remote) {
      remote.push_back(std::move(service));
      continue;
    }
    // Remote services count through their local dependants, which they degrade.
    const auto& health = snapshot.effective;
    if (health.status == HealthStatus::Down) {
      out.status = worse(out.status,
                         snapshot.critical ? HealthStatus::Down : HealthStatus::Degraded);
      problems.push_back(fmt::format("{}{} is down: {}", snapshot.name,
                                     snapshot.critical ? "" : " (non-critical)", health.reason));
    } else if (health.status == HealthStatus::Degraded) {
      out.status = worse(out.status, HealthStatus::Degraded);
      problems.push_back(fmt::format("{} is degraded: {}", snapshot.name, health.reason));
    }
    out.services.push_back(std::move(service));
  }
  for (auto& service : remote) out.services.push_back(std::move(service));
  out.reason = join(problems, "; ");
  return out;
}

Expected<Health> Hub::serviceHealth(std::string_view name) const {
  auto view = impl_->healthView();
  for (auto& snapshot : view.services) {
    if (snapshot.name == name) return std::move(snapshot.effective);
  }
  std::lock_guard lock(impl_->mutex);
  if (!impl_->findEntry(name)) {
    return fail(kUnknownService, fmt::format("no service is named '{}'", name));
  }
  return fail(kNotDeployed, fmt::format("service '{}' does not run in this process", name));
}

bool Hub::ready() const {
  auto view = impl_->healthView();
  if (!view.started) return false;
  return std::all_of(view.services.begin(), view.services.end(), [](const auto& snapshot) {
    return snapshot.remote || (snapshot.state == ServiceState::Running &&
                               snapshot.effective.status != HealthStatus::Down);
  });
}

Expected<ServiceLocation> Hub::locate(std::string_view name) const {
  auto& s = *impl_;
  std::lock_guard lock(s.mutex);
  auto index = s.findEntry(name);
  if (!index) {
    if (s.findComponent(name) != nullptr) {
      return fail(kUnknownService,
                  fmt::format("'{}' is a component of this process, not a service", name));
    }
    return fail(kUnknownService, fmt::format("no service is named '{}'", name));
  }
  const auto& entry = *s.entries[*index];
  if (entry.active) return entry.location;
  if (auto where = s.configuredRemote(name)) return *where;
  return fail(kNotDeployed,
              fmt::format("service '{}' does not run in this process and [hub.remote] has no "
                          "address for it",
                          name));
}

std::vector<ServiceInfo> Hub::services() const {
  auto& s = *impl_;
  std::lock_guard lock(s.mutex);
  std::vector<ServiceInfo> out;
  out.reserve(s.entries.size());
  for (const auto& entry : s.entries) {
    ServiceInfo info;
    info.name = entry->spec.name;
    info.dependsOn = entry->spec.dependsOn;
    info.critical = entry->spec.critical;
    if (entry->active) {
      info.location = entry->location;
    } else {
      info.location = s.configuredRemote(entry->spec.name);
    }
    info.state = entry->state;
    info.restarts = entry->restarts;
    info.attempts = entry->attempts;
    info.gaveUp = entry->gaveUp;
    if (entry->lastError) info.lastError = entry->lastError->describe();
    out.push_back(std::move(info));
  }
  return out;
}

const HubConfig& Hub::config() const noexcept { return impl_->config; }

}  // namespace ait::hub
