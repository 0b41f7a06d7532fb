#pragma once
// The contract between the central hub and every service it owns.

#include <string>
#include <string_view>
#include <vector>

#include "ait/core/error.h"

namespace ait::hub {

enum class HealthStatus { Healthy, Degraded, Down };

std::string_view toString(HealthStatus status) noexcept;

/// The health of one thing a service relies on (another service, a database, a feed).
struct DependencyHealth {
  std::string name;
  HealthStatus status = HealthStatus::Healthy;
  std::string reason;  // empty when healthy
};

struct Health {
  HealthStatus status = HealthStatus::Healthy;
  std::string reason;  // empty when healthy
  std::vector<DependencyHealth> dependencies;
};

/// A long-running part of the platform (data-bridge, trading-engine, ...). The hub starts services
/// in dependency order and stops them in reverse; a service gets what it needs through its
/// constructor, never by looking it up.
class Service {
 public:
  virtual ~Service() = default;

  /// Returns the service's stable name, e.g. "trading-engine".
  virtual std::string_view name() const noexcept = 0;
  /// Starts the service; returns an error if it cannot run. Called once per start or restart.
  virtual Expected<void> start() = 0;
  /// Stops the service and releases what start() acquired; must be safe after a failed start.
  virtual void stop() noexcept = 0;
  /// Returns the service's own view of its health (its own dependencies included).
  virtual Health health() const = 0;
};

}  // namespace ait::hub
