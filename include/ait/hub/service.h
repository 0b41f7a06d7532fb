#pragma once
// The contract between the central hub and every service it owns.

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "ait/core/error.h"

namespace ait::hub {

/// Ordered from best to worst, so that the worse of two statuses is the greater one.
enum class HealthStatus { Healthy, Degraded, Down };

std::string_view toString(HealthStatus status) noexcept;

/// Returns the worse of two statuses.
inline HealthStatus worse(HealthStatus a, HealthStatus b) noexcept { return a < b ? b : a; }

/// The health of one thing a service relies on (another service, a database, a feed).
struct DependencyHealth {
  std::string name;
  HealthStatus status = HealthStatus::Healthy;
  std::string reason;  // empty when healthy
  /// Facts about the dependency (a database's latency, pool, replication lag) as a JSON object;
  /// left out of /health while null or empty.
  nlohmann::json details{};
};

struct Health {
  HealthStatus status = HealthStatus::Healthy;
  std::string reason;  // empty when healthy
  std::vector<DependencyHealth> dependencies;
};

/// Lets a service tell the hub, from any thread, that it has failed at run time and wants a
/// restart. The hub hands one to each service through its resolver; tests build one on a lambda.
class FailureReporter {
 public:
  FailureReporter() = default;
  explicit FailureReporter(std::function<void(Error)> sink) : sink_(std::move(sink)) {}

  /// Reports the failure; does nothing when the reporter is not connected to anything. Never
  /// blocks on the failed service: the hub stops and restarts it from its supervisor thread.
  void report(Error error) const {
    if (sink_) sink_(std::move(error));
  }
  explicit operator bool() const noexcept { return static_cast<bool>(sink_); }

 private:
  std::function<void(Error)> sink_;
};

/// A long-running part of the platform (data-bridge, trading-engine, ...). The hub starts services
/// in dependency order and stops them in reverse; a service gets what it needs through its
/// constructor, never by looking it up.
///
/// A restart is stop() then start() on the same object: dependants hold references to it, so the
/// hub never rebuilds a service while they live. Calls into a stopped service must therefore be
/// safe (they may fail, they must not crash).
class Service {
 public:
  virtual ~Service() = default;

  /// Returns the service's stable name, e.g. "trading-engine".
  virtual std::string_view name() const noexcept = 0;
  /// Starts the service; returns an error if it cannot run. Called once per start or restart,
  /// each time after a stop() when it is a restart.
  virtual Expected<void> start() = 0;
  /// Stops the service and releases what start() acquired; must be safe after a failed start and
  /// when called twice.
  virtual void stop() noexcept = 0;
  /// Returns the service's own view of its health (its own dependencies included). May be called
  /// from any thread at any time between construction and destruction, also while start() or
  /// stop() runs. Down means the service cannot work and a restart may help: the hub restarts it.
  /// A service whose database or feed is down reports Degraded, since a restart would not help.
  virtual Health health() const = 0;
};

}  // namespace ait::hub
