#pragma once
// JSON for /health, /ready and the service registry, in one shape on every port.

#include <vector>

#include <nlohmann/json.hpp>

#include "ait/hub/hub.h"
#include "ait/hub/service.h"

namespace ait::hub {

/// Returns {"status", "reason", "dependencies": [{"name", "status", "reason"}]}; "reason" is
/// left out when empty.
nlohmann::json toJson(const Health& health);

/// Returns {"status", "reason", "services": [{"name", "location", "state", "critical", "status",
/// "reason", "dependencies"}]}.
nlohmann::json toJson(const HubHealth& health);

/// Returns [{"name", "depends_on", "critical", "location", "state", "restarts", "attempts",
/// "gave_up", "last_error"}] for the service registry endpoint.
nlohmann::json toJson(const std::vector<ServiceInfo>& services);

/// Returns the HTTP status /health answers with: 200 for healthy and degraded, 503 for down.
int httpStatusFor(HealthStatus status) noexcept;

}  // namespace ait::hub
