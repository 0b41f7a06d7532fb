#include "ait/gateway/auth_routes.h"

#include <nlohmann/json.hpp>

#include "ait/auth/errors.h"
#include "ait/core/error_registry.h"
#include "ait/metrics/metrics.h"

namespace ait::gateway {

namespace {

using Json = nlohmann::json;

metrics::Counter& authFailures(std::string_view code) {
  return metrics::Registry::global().counter("ait_gateway_auth_failures_total",
                                             "Refused authentications by ErrorDNA code",
                                             {{"code", std::string(code)}});
}

// Clients learn that they are not authenticated and the code; the exact reason (which claim,
// which key) goes to the error registry and logs only.
http::Response unauthorized(const Error& error) {
  authFailures(error.code().code).inc();
  ErrorRegistry::global().record(error);
  const bool mfa = error.code().code == auth::errors::kMfaRequired.code;
  const bool expired = error.code().code == auth::errors::kExpired.code;
  auto response = http::problem(401, error.code(),
                                mfa       ? error.message()
                                : expired ? "the token has expired"
                                          : "authentication failed");
  response.setHeader("WWW-Authenticate", expired ? R"(Bearer error="invalid_token", error_description="expired")"
                                                 : R"(Bearer realm="aitrading")");
  return response;
}

// Parses a JSON object body; nullopt (with the response set) when it is not one.
std::optional<Json> objectBody(const http::Request& request, http::Response& error) {
  Json body = Json::parse(request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    error = http::problem(400, auth::errors::kInvalidInput, "the body must be a JSON object");
    return std::nullopt;
  }
  return body;
}

std::string stringField(const Json& body, const char* name) {
  auto it = body.find(name);
  return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
}

http::Response tokens(const auth::TokenPair& pair, std::int64_t now) {
  return http::Response::json(200, {{"access_token", pair.accessToken},
                                    {"refresh_token", pair.refreshToken},
                                    {"token_type", "Bearer"},
                                    {"expires_in", pair.accessExpiresAt - now},
                                    {"refresh_expires_in", pair.refreshExpiresAt - now}})
      .setHeader("Cache-Control", "no-store");
}

}  // namespace

Expected<auth::Principal> authenticate(const http::Request& request, auth::Authenticator& auth,
                                       std::int64_t unixNow) {
  if (auto key = request.header("X-API-Key")) return auth.authenticateApiKey(*key);
  auto header = request.header("Authorization");
  if (!header) return fail(auth::errors::kBadCredentials, "no Authorization or X-API-Key header");
  constexpr std::string_view kBearer = "Bearer ";
  if (header->size() <= kBearer.size() || !header->starts_with(kBearer)) {
    return fail(auth::errors::kTokenMalformed, "the Authorization header is not 'Bearer <token>'");
  }
  return auth.authenticateAccessToken(header->substr(kBearer.size()), unixNow);
}

Gatekeeper::Gatekeeper(auth::Authenticator& auth, const Clock& clock, const RateLimitSettings& limits)
    : auth_(auth),
      clock_(clock),
      tenant_("tenant", limits.tenant, clock),
      apiKey_("api_key", limits.apiKey, clock),
      loginPerIp_("login_per_ip", limits.loginPerIp, clock),
      orders_("orders", limits.orders, clock) {}

void Gatekeeper::setLimits(const RateLimitSettings& limits) {
  tenant_.setLimits(limits.tenant);
  apiKey_.setLimits(limits.apiKey);
  loginPerIp_.setLimits(limits.loginPerIp);
  orders_.setLimits(limits.orders);
}

http::Handler Gatekeeper::protect(AuthedHandler handler, Traffic traffic) {
  return [this, handler = std::move(handler), traffic](const http::Request& request) {
    auto principal = authenticate(request, auth_, unixNow());
    if (!principal) {
      // Failed credentials count against the client IP, so guessing keys or tokens is slow.
      auto decision = loginPerIp_.take(request.remoteAddress);
      if (!decision.allowed) return tooManyRequests(decision, "authentication attempts");
      auto response = unauthorized(principal.error());
      decision.annotate(response);
      return response;
    }
    auto decision = principal->apiKey
                        ? apiKey_.take(*request.header("X-API-Key"))
                        : tenant_.take(std::to_string(principal->tenant));
    if (!decision.allowed) return tooManyRequests(decision, principal->apiKey ? "API key" : "tenant");
    if (traffic == Traffic::Orders) {
      auto orders = orders_.take(std::to_string(principal->tenant));
      if (!orders.allowed) return tooManyRequests(orders, "order");
    }
    auto response = handler(request, *principal);
    decision.annotate(response);
    return response;
  };
}

http::Handler Gatekeeper::limitByIp(http::Handler handler) {
  return [this, handler = std::move(handler)](const http::Request& request) {
    auto decision = loginPerIp_.take(request.remoteAddress);
    if (!decision.allowed) return tooManyRequests(decision, "login");
    auto response = handler(request);
    decision.annotate(response);
    return response;
  };
}

void addAuthRoutes(http::Router& router, Gatekeeper& gate) {
  auth::Authenticator& auth = gate.authenticator();
  router.post("/api/v1/auth/login", gate.limitByIp([&auth, &gate](const http::Request& request) {
    http::Response error;
    auto body = objectBody(request, error);
    if (!body) return error;
    const auto now = gate.unixNow();
    auto pair = auth.login(stringField(*body, "username"), stringField(*body, "password"),
                           stringField(*body, "totp"), now);
    if (!pair) {
      if (pair.error().code().category == Category::Auth) return unauthorized(pair.error());
      return http::problem(pair.error());
    }
    return tokens(*pair, now);
  }));

  router.post("/api/v1/auth/refresh", gate.limitByIp([&auth, &gate](const http::Request& request) {
    http::Response error;
    auto body = objectBody(request, error);
    if (!body) return error;
    const auto now = gate.unixNow();
    auto pair = auth.refresh(stringField(*body, "refresh_token"), now);
    if (!pair) {
      if (pair.error().code().category == Category::Auth) return unauthorized(pair.error());
      return http::problem(pair.error());
    }
    return tokens(*pair, now);
  }));

  router.post("/api/v1/auth/logout", gate.limitByIp([&auth, &gate](const http::Request& request) {
    http::Response error;
    auto body = objectBody(request, error);
    if (!body) return error;
    auto done = auth.logout(stringField(*body, "refresh_token"), gate.unixNow());
    if (!done) {
      if (done.error().code().category == Category::Auth) return unauthorized(done.error());
      return http::problem(done.error());
    }
    return http::Response::text(204, "");
  }));

  router.get("/api/v1/auth/me",
             gate.protect([](const http::Request&, const auth::Principal& p) {
               return http::Response::json(200, {{"user_id", p.userId},
                                                 {"tenant_id", p.tenant},
                                                 {"role", auth::toString(p.role)},
                                                 {"mfa", p.mfa},
                                                 {"api_key", p.apiKey},
                                                 {"scopes", p.scopes},
                                                 {"can_trade", p.canTrade()}});
             }));

  router.post("/api/v1/auth/ws-token",
              gate.protect([&auth, &gate](const http::Request&, const auth::Principal& p) {
                auto token = auth.issueWsToken(p, gate.unixNow());
                if (!token) return http::problem(token.error());
                return http::Response::json(200, {{"token", *token},
                                                  {"expires_in", auth.settings().wsTtlSeconds}})
                    .setHeader("Cache-Control", "no-store");
              }));
}

}  // namespace ait::gateway
