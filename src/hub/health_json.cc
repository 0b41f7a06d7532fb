#include "ait/hub/health_json.h"

namespace ait::hub {

nlohmann::json toJson(const Health& health) {
  nlohmann::json out = {{"status", toString(health.status)}};
  if (!health.reason.empty()) out["reason"] = health.reason;
  auto dependencies = nlohmann::json::array();
  for (const auto& dependency : health.dependencies) {
    nlohmann::json entry = {{"name", dependency.name}, {"status", toString(dependency.status)}};
    if (!dependency.reason.empty()) entry["reason"] = dependency.reason;
    if (dependency.details.is_object() && !dependency.details.empty()) entry["details"] = dependency.details;
    dependencies.push_back(std::move(entry));
  }
  out["dependencies"] = std::move(dependencies);
  return out;
}

nlohmann::json toJson(const HubHealth& health) {
  nlohmann::json out = {{"status", toString(health.status)}};
  if (!health.reason.empty()) out["reason"] = health.reason;
  auto services = nlohmann::json::array();
  for (const auto& service : health.services) {
    auto entry = toJson(service.health);
    entry["name"] = service.name;
    entry["location"] = service.location.toString();
    entry["state"] = toString(service.state);
    entry["critical"] = service.critical;
    services.push_back(std::move(entry));
  }
  out["services"] = std::move(services);
  return out;
}

nlohmann::json toJson(const std::vector<ServiceInfo>& services) {
  auto out = nlohmann::json::array();
  for (const auto& service : services) {
    out.push_back({{"name", service.name},
                   {"depends_on", service.dependsOn},
                   {"critical", service.critical},
                   {"location", service.location ? nlohmann::json(service.location->toString())
                                                 : nlohmann::json(nullptr)},
                   {"state", toString(service.state)},
                   {"restarts", service.restarts},
                   {"attempts", service.attempts},
                   {"gave_up", service.gaveUp},
                   {"last_error", service.lastError ? nlohmann::json(*service.lastError)
                                                    : nlohmann::json(nullptr)}});
  }
  return out;
}

int httpStatusFor(HealthStatus status) noexcept {
  return status == HealthStatus::Down ? 503 : 200;
}

}  // namespace ait::hub
