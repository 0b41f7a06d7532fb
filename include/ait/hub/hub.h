#pragma once
// The central hub: a registry of services and shared components, wired by dependency injection,
// started in dependency order, stopped in reverse, supervised (restart with exponential backoff)
// and aggregated into one health picture; it also knows which service runs where.
//
//   Hub hub(config.hub);
//   hub.addComponent<bus::Bus>("bus", bus);
//   hub.addService({"trading-engine", {"bus", "ai-orchestration"}, [](Resolver& r) {
//     return std::make_unique<TradingEngine>(r.get<bus::Bus>("bus"),
//                                            r.get<AiOrchestration>("ai-orchestration"),
//                                            r.failureReporter());
//   }});
//   if (auto started = hub.start(only); !started) { /* print started.error().describe() */ }

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeinfo>
#include <vector>

#include "ait/core/clock.h"
#include "ait/core/error.h"
#include "ait/hub/config.h"
#include "ait/hub/location.h"
#include "ait/hub/probe.h"
#include "ait/hub/resolver.h"
#include "ait/hub/service.h"

namespace spdlog {
class logger;
}

namespace ait {
class ErrorRegistry;
namespace metrics {
class Registry;
}
}  // namespace ait

namespace ait::hub {

/// Builds a service from its dependencies. May return an error, or throw at start-up (the hub
/// turns both into an error naming the service); a factory returning a std::unique_ptr<Derived>
/// converts implicitly.
using ServiceFactory = std::function<Expected<std::unique_ptr<Service>>(Resolver& resolver)>;

struct ServiceSpec {
  std::string name;
  // Services and components this one needs, by name; the only ones its resolver hands out.
  std::vector<std::string> dependsOn;
  ServiceFactory factory;
  // A critical service that is down makes the hub down; a non-critical one only degraded.
  bool critical = true;
};

enum class ServiceState {
  Registered,  // known, not (yet) part of this process
  Starting,
  Running,
  Stopping,
  Stopped,
  Failed,      // failed at start-up or at run time; see restart attempts and lastError
  Restarting,
  Remote,      // runs in another process; a dependency whose health is probed over HTTP
};

std::string_view toString(ServiceState state) noexcept;

/// One service as the registry sees it: for discovery and the admin listing.
struct ServiceInfo {
  std::string name;
  std::vector<std::string> dependsOn;
  bool critical = true;
  std::optional<ServiceLocation> location;  // empty: neither in this process nor configured remote
  ServiceState state = ServiceState::Registered;
  std::uint64_t restarts = 0;  // restart attempts since the hub started, successful or not
  std::uint32_t attempts = 0;  // consecutive restart attempts since the service last ran stably
  bool gaveUp = false;         // restart attempts exhausted: the service stays down
  std::optional<std::string> lastError;  // "AIT-XXX-0000: message" of the latest failure
};

/// The effective health of one service: its own, degraded by any dependency that is down.
struct ServiceHealth {
  std::string name;
  ServiceLocation location;
  ServiceState state = ServiceState::Registered;
  bool critical = true;
  Health health;
};

struct HubHealth {
  HealthStatus status = HealthStatus::Down;
  std::string reason;  // the services that are not healthy and why; empty when healthy
  std::vector<ServiceHealth> services;  // local services in start order, then remote ones
};

struct HubOptions {
  HealthProbe probe;                          // empty: httpHealthProbe(remote_probe_timeout_ms)
  metrics::Registry* metrics = nullptr;       // null: metrics::Registry::global()
  ErrorRegistry* errors = nullptr;            // null: ErrorRegistry::global()
  std::shared_ptr<spdlog::logger> logger;     // null: ait::log::logger("hub")
  // Runs superviseOnce() on a thread of the hub's own between start() and stop(). Tests turn
  // it off and call superviseOnce() themselves, with a FakeClock.
  bool supervisorThread = true;
};

class Hub {
 public:
  explicit Hub(HubConfig config = {}, const Clock& clock = SystemClock::instance(),
               HubOptions options = {});
  /// Stops everything that still runs.
  ~Hub();
  Hub(const Hub&) = delete;
  Hub& operator=(const Hub&) = delete;

  /// Registers a service; returns an error for an empty or taken name, a missing factory, or a
  /// call after start().
  Expected<void> addService(ServiceSpec spec);

  /// Registers a shared component (the bus, the journal, the config) that the hub co-owns and the
  /// resolver hands out as a T& (or const T& when T is const) to services that declare it.
  template <class T>
  Expected<void> addComponent(std::string name, std::shared_ptr<T> component) {
    void* object = const_cast<std::remove_cv_t<T>*>(component.get());
    return addComponentErased(std::move(name), typeid(T), object, std::is_const_v<T>,
                              std::shared_ptr<const void>(std::move(component)));
  }

  /// Registers a component the caller keeps alive for as long as the hub lives.
  template <class T>
  Expected<void> addComponentRef(std::string name, T& component) {
    void* object = const_cast<std::remove_cv_t<T>*>(&component);
    return addComponentErased(std::move(name), typeid(T), object, std::is_const_v<T>, nullptr);
  }

  /// Returns the order in which start(only) would start the services of this process, or the
  /// start-up error it would return (missing dependency, cycle, unknown name, bad config).
  Expected<std::vector<std::string>> startOrder(const std::vector<std::string>& only = {}) const;

  /// Builds and starts the services in `only` (all when empty) in dependency order. A dependency
  /// outside `only` must have a remote location in config.remote; it is then health-checked over
  /// HTTP and never built here. On any failure, stops what it started (reverse order), destroys
  /// what it built, and returns an error naming the service and the cause.
  Expected<void> start(const std::vector<std::string>& only = {});

  /// Stops the supervisor, then every service in reverse start order, then destroys them in
  /// reverse order. Does nothing when not started.
  void stop() noexcept;

  /// Stops and starts one local service now, clearing a give-up; returns the start error if any
  /// (the supervisor then keeps retrying with backoff).
  Expected<void> restart(std::string_view name);

  /// Marks a running service failed: the supervisor stops it and restarts it with backoff. Safe
  /// from any thread, the service's own threads included.
  void reportFailure(std::string_view name, Error error);

  /// Returns a reporter bound to `name` (what Resolver::failureReporter() hands out).
  FailureReporter failureReporter(std::string_view name);

  /// One supervision step: polls health that is due, stops failed services, restarts those whose
  /// backoff has elapsed, resets backoff of services that stayed up. The supervisor thread calls
  /// it periodically; tests call it directly after moving a FakeClock.
  void superviseOnce();

  /// Returns the overall status (down if a critical service is down; degraded if any service is
  /// degraded or a non-critical one down; else healthy) and each service's effective health.
  HubHealth health() const;

  /// Returns the effective health of one service of this process (or the last probe of a remote
  /// one), for that service's own /health.
  Expected<Health> serviceHealth(std::string_view name) const;

  /// Returns true when the hub is started and every local service is running and not down.
  bool ready() const;

  /// Returns where `name` runs: here, or the host:port configured for it.
  Expected<ServiceLocation> locate(std::string_view name) const;

  /// Returns every registered service in registration order with its state and restart history.
  std::vector<ServiceInfo> services() const;

  const HubConfig& config() const noexcept;

 private:
  friend class Resolver;
  struct Impl;

  Expected<void> addComponentErased(std::string name, const std::type_info& type, void* object,
                                    bool readOnly, std::shared_ptr<const void> owner);

  std::unique_ptr<Impl> impl_;
};

}  // namespace ait::hub
