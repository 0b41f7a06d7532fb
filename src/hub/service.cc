#include "ait/hub/service.h"

namespace ait::hub {

std::string_view toString(HealthStatus status) noexcept {
  switch (status) {
    case HealthStatus::Healthy: return "healthy";
    case HealthStatus::Degraded: return "degraded";
    case HealthStatus::Down: return "down";
  }
  return "down";
}

}  // namespace ait::hub
