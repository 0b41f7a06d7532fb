#pragma once
// The platform API on port 8000 (docs/api.md): every route authenticates the caller, checks its
// role, and answers from the gateway or from the service behind it (Backend), acting for the
// caller's tenant only. The route table below is also the source of the OpenAPI document, and a
// test checks that the document and the router hold exactly the same routes.

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "ait/gateway/auth_routes.h"
#include "ait/gateway/backend.h"
#include "ait/gateway/streams.h"
#include "ait/http/router.h"
#include "ait/hub/hub.h"

namespace ait::gateway {

enum class Access : std::uint8_t { Public, Viewer, Trader, Admin, WsToken };
std::string_view toString(Access access) noexcept;

/// One documented route of port 8000.
struct RouteDoc {
  http::Method method;
  std::string_view path;
  Access access;
  Priority priority;
  std::string_view backend;  // the service that answers, or "gateway"
  std::string_view summary;
  std::string_view query;    // comma-separated query parameters
};

/// Every route the gateway port serves, the identity and probe routes included.
const std::vector<RouteDoc>& routeDocs();

/// The OpenAPI 3.0 document for the routes of router that routeDocs() describes.
nlohmann::json openApiDocument(const http::Router& router, std::string_view version);

struct ApiContext {
  Gatekeeper* gate = nullptr;
  Backend* trading = nullptr;
  Backend* data = nullptr;
  Backend* ai = nullptr;
  Backend* analytics = nullptr;
  Backend* database = nullptr;
  const hub::Hub* hub = nullptr;
  StreamHub* streams = nullptr;
  nlohmann::json instruments = nlohmann::json::array();
  std::string version;
};

/// Adds every /api/v1 route of the gateway (identity, REST, streams, OpenAPI) to router.
/// A backend left null answers 503 on its routes. ctx must outlive the router.
void addApiRoutes(http::Router& router, ApiContext& ctx);

}  // namespace ait::gateway
