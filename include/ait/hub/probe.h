#pragma once
// Health checks of services that run in another process: GET http://host:port/health.

#include <chrono>
#include <functional>
#include <string_view>

#include "ait/hub/location.h"
#include "ait/hub/service.h"

namespace ait::hub {

/// Returns the health of a remote service; must not throw and should return within its timeout.
/// Injectable so that tests need no network.
using HealthProbe = std::function<Health(const ServiceLocation& where)>;

/// Returns a probe that reads GET http://host:port/health over plain HTTP/1.1, giving up (Down)
/// after `timeout` for connect and answer together. Name resolution is the system's and blocks.
HealthProbe httpHealthProbe(std::chrono::milliseconds timeout);

/// Returns the health a /health response describes: the JSON body's "status" and "reason" when
/// present, else the HTTP status alone (2xx healthy, anything else down). A 5xx status is down
/// whatever the body says.
Health healthFromHttpResponse(int httpStatus, std::string_view body);

}  // namespace ait::hub
