#include "ait/services/common_routes.h"

#include <nlohmann/json.hpp>

#include "ait/hub/health_json.h"

namespace ait::services {

void addCommonRoutes(http::Router& router, const hub::Hub& hub, std::string serviceName,
                     metrics::Registry& metrics, ErrorRegistry& errors) {
  addProbeRoutes(router, hub, std::move(serviceName), metrics);

  router.get("/api/v1/errors", [&errors](const http::Request&) {
    return http::Response::json(200, errors.toJson());
  });

  router.get("/api/v1/services", [&hub](const http::Request&) {
    return http::Response::json(200, {{"services", hub::toJson(hub.services())},
                                      {"health", hub::toJson(hub.health())}});
  });
}

void addProbeRoutes(http::Router& router, const hub::Hub& hub, std::string serviceName,
                    metrics::Registry& metrics) {
  router.get("/health", [&hub, serviceName](const http::Request&) {
    auto health = hub.serviceHealth(serviceName);
    if (!health) {
      return http::Response::json(503, {{"status", "down"},
                                        {"service", serviceName},
                                        {"reason", health.error().message()}});
    }
    auto body = hub::toJson(*health);
    body["service"] = serviceName;
    return http::Response::json(hub::httpStatusFor(health->status), body);
  });

  router.get("/ready", [&hub, serviceName](const http::Request&) {
    auto health = hub.serviceHealth(serviceName);
    bool ready = hub.ready() && health && health->status != hub::HealthStatus::Down;
    nlohmann::json body{{"ready", ready}, {"service", serviceName}};
    if (!ready) {
      body["reason"] = !hub.ready() ? "the hub has not started every service yet"
                       : !health    ? health.error().message()
                                    : health->reason;
    }
    return http::Response::json(ready ? 200 : 503, body);
  });

  router.get("/metrics", [&metrics](const http::Request&) {
    return http::Response::text(200, metrics.render(), "text/plain; version=0.0.4; charset=utf-8");
  });
}

}  // namespace ait::services
