#pragma once
// The routes every service port answers, whatever the service: health, readiness, metrics,
// the ErrorDNA registry and the service registry.

#include <string>

#include "ait/core/error_registry.h"
#include "ait/http/router.h"
#include "ait/hub/hub.h"
#include "ait/metrics/metrics.h"

namespace ait::services {

/// Adds GET /health (200 healthy or degraded, 503 down; the service's effective health with a
/// reason per dependency), GET /ready (200 when the hub has started every local service and
/// this one is not down), GET /metrics (Prometheus text 0.0.4), GET /api/v1/errors (ErrorDNA
/// registry) and GET /api/v1/services (which service runs where, with state and restarts).
void addCommonRoutes(http::Router& router, const hub::Hub& hub, std::string serviceName,
                     metrics::Registry& metrics = metrics::Registry::global(),
                     ErrorRegistry& errors = ErrorRegistry::global());

/// Adds only /health, /ready and /metrics: for a public port (the api-gateway), which serves
/// the error and service registries to administrators through its own authenticated routes.
void addProbeRoutes(http::Router& router, const hub::Hub& hub, std::string serviceName,
                    metrics::Registry& metrics = metrics::Registry::global());

}  // namespace ait::services
