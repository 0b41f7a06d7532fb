#include "ait/services/port_service.h"

namespace ait::services {

Expected<void> PortService::start() {
  running_.store(true);
  return {};
}

void PortService::stop() noexcept { running_.store(false); }

hub::Health PortService::health() const {
  if (running_.load()) return {};
  return {hub::HealthStatus::Down, "stopped", {}};
}

}  // namespace ait::services
