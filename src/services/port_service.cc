#include "ait/services/port_service.h"

namespace ait::services {

Expected<void> PortService::start() {
  running_.store(true);
  return {};
}

void PortService::stop() noexcept { running_.store(false); }

hub::Health PortService::health() const {
  if (!running_.load()) return {hub::HealthStatus::Down, "stopped", {}};
  return runtimeHealth_ ? runtimeHealth_() : hub::Health{};
}

}  // namespace ait::services
