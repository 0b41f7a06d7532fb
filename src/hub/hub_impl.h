#pragma once
// The hub's internals, shared by hub.cc and resolver.cc.
//
// Locking: lifecycleMutex serialises start, stop, restart and supervision (the only code that
// calls start() or stop() on services or changes the plan). instancesMutex keeps service objects
// alive: readers calling health() hold it shared, destruction takes it exclusively. mutex guards
// every entry's state fields; it is never held while calling into a service, so a service may
// report a failure from inside start(), stop() or health(). Order: lifecycle, instances, mutex.

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <thread>
#include <typeinfo>
#include <vector>

#include "ait/core/error_registry.h"
#include "ait/hub/hub.h"
#include "ait/metrics/metrics.h"

namespace ait::hub {

struct Hub::Impl {
  struct Component {
    std::string name;
    const std::type_info* type = nullptr;
    void* object = nullptr;
    bool readOnly = false;
    std::shared_ptr<const void> owner;  // null when the caller owns the component
  };

  struct Entry {
    ServiceSpec spec;

    // The plan of the current run, set by start() (under mutex).
    bool active = false;  // part of this run: built here, or a remote dependency
    bool remote = false;
    ServiceLocation location;

    // Written only by the lifecycle owner, under an exclusive instancesMutex.
    std::unique_ptr<Service> instance;

    // Guarded by mutex.
    ServiceState state = ServiceState::Registered;
    std::uint64_t restarts = 0;
    std::uint32_t attempts = 0;
    bool gaveUp = false;
    bool needsStop = false;       // failed while running; stop() not called yet
    bool pendingFailure = false;  // reported while starting; applied once start() returns
    std::optional<Error> pendingError;
    std::optional<Error> lastError;
    std::string lastFingerprint;
    std::int64_t nextAttemptNs = 0;
    std::int64_t runningSinceNs = 0;
    std::int64_t nextHealthNs = 0;
    Health remoteHealth;
    bool remoteChecked = false;

    metrics::Gauge* up = nullptr;
    metrics::Counter* restartsTotal = nullptr;
    metrics::Histogram* startSeconds = nullptr;
  };

  struct Plan {
    std::vector<std::size_t> order;  // local services, dependencies first
    std::vector<std::pair<std::size_t, ServiceLocation>> remotes;
  };

  // One service as health() sees it at one moment.
  struct Snapshot {
    std::string name;
    std::vector<std::string> dependsOn;
    bool critical = true;
    bool remote = false;
    ServiceLocation location;
    ServiceState state = ServiceState::Registered;
    Health own;
    Health effective;
    Service* live = nullptr;  // asked for its health when running
  };

  struct HealthView {
    bool started = false;
    std::vector<Snapshot> services;  // remote ones first, then local ones in start order
  };

  Impl(Hub& hub, HubConfig hubConfig, const Clock& hubClock, HubOptions options);
  ~Impl();
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  // Registration and planning.
  std::optional<std::size_t> findEntry(std::string_view name) const;
  const Component* findComponent(std::string_view name) const;
  Expected<Plan> makePlan(const std::vector<std::string>& only) const;
  std::optional<ServiceLocation> configuredRemote(std::string_view name) const;

  // Lifecycle; the caller holds lifecycleMutex.
  void activate(const Plan& plan);
  void deactivate();
  Expected<void> construct(std::size_t index);
  void destroyInstances();
  Expected<void> startEntry(Entry& entry, bool restart);
  void stopEntry(Entry& entry);
  void probeRemotes(std::int64_t nowNs, bool force);
  void superviseOnce();
  Expected<void> restart(std::string_view name);

  // Callable from any thread.
  void reportFailure(std::string_view name, Error error);
  HealthView healthView() const;
  std::chrono::nanoseconds untilNextDue() const;

  // The caller holds mutex.
  void markFailedLocked(Entry& entry, Error cause, std::int64_t nowNs);
  Health ownHealthLocked(const Entry& entry, std::int64_t nowNs) const;

  void launchSupervisor();
  void haltSupervisor();
  void wakeSupervisor();

  std::int64_t backoffNs(std::uint32_t attempt) const;

  Hub& hub;
  HubConfig config;
  const Clock& clock;
  HealthProbe probe;
  metrics::Registry& metrics;
  ErrorRegistry& errors;
  std::shared_ptr<spdlog::logger> log;
  bool supervisorThread;

  mutable std::mutex lifecycleMutex;
  mutable std::shared_mutex instancesMutex;
  mutable std::mutex mutex;
  std::vector<std::unique_ptr<Entry>> entries;
  std::vector<Component> components;
  std::vector<std::size_t> order;    // local services of the current run, start order
  std::vector<std::size_t> remotes;  // remote dependencies of the current run
  bool registrationClosed = false;   // from start() until stop(): no more services or components
  bool started = false;

  std::mutex threadMutex;  // serialises launching and joining the supervisor thread
  std::thread supervisor;
  std::mutex supervisorMutex;
  std::condition_variable supervisorCv;
  bool supervisorStop = false;
  bool supervisorWake = false;
};

}  // namespace ait::hub
