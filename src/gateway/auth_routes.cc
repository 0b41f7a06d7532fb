#include "ait/gateway/auth_routes.h"

#include <nlohmann/json.hpp>

#include "ait/auth/errors.h"
#include "ait/core/error_registry.h"
#include "ait/metrics/metrics.h"

namespace ait::gateway {

namespace {

using Json = nlohmann::json;

std::int64_t unixSeconds(const Clock& clock) { return clock.now() / 1'000'000'000; }

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

http::Handler requireAuth(auth::Authenticator& auth, const Clock& clock, AuthedHandler handler) {
  return [&auth, &clock, handler = std::move(handler)](const http::Request& request) {
    auto principal = authenticate(request, auth, unixSeconds(clock));
    if (!principal) return unauthorized(principal.error());
    return handler(request, *principal);
  };
}

void addAuthRoutes(http::Router& router, auth::Authenticator& auth, const Clock& clock) {
  router.post("/api/v1/auth/login", [&auth, &clock](const http::Request& request) {
    http::Response error;
    auto body = objectBody(request, error);
    if (!body) return error;
    const auto now = unixSeconds(clock);
    auto pair = auth.login(stringField(*body, "username"), stringField(*body, "password"),
                           stringField(*body, "totp"), now);
    if (!pair) {
      if (pair.error().code().category == Category::Auth) return unauthorized(pair.error());
      return http::problem(pair.error());
    }
    return tokens(*pair, now);
  });

  router.post("/api/v1/auth/refresh", [&auth, &clock](const http::Request& request) {
    http::Response error;
    auto body = objectBody(request, error);
    if (!body) return error;
    const auto now = unixSeconds(clock);
    auto pair = auth.refresh(stringField(*body, "refresh_token"), now);
    if (!pair) {
      if (pair.error().code().category == Category::Auth) return unauthorized(pair.error());
      return http::problem(pair.error());
    }
    return tokens(*pair, now);
  });

  router.post("/api/v1/auth/logout", [&auth, &clock](const http::Request& request) {
    http::Response error;
    auto body = objectBody(request, error);
    if (!body) return error;
    auto done = auth.logout(stringField(*body, "refresh_token"), unixSeconds(clock));
    if (!done) {
      if (done.error().code().category == Category::Auth) return unauthorized(done.error());
      return http::problem(done.error());
    }
    return http::Response::text(204, "");
  });

  router.get("/api/v1/auth/me",
             requireAuth(auth, clock, [](const http::Request&, const auth::Principal& p) {
               return http::Response::json(200, {{"user_id", p.userId},
                                                 {"tenant_id", p.tenant},
                                                 {"role", auth::toString(p.role)},
                                                 {"mfa", p.mfa},
                                                 {"api_key", p.apiKey},
                                                 {"scopes", p.scopes},
                                                 {"can_trade", p.canTrade()}});
             }));

  router.post("/api/v1/auth/ws-token",
              requireAuth(auth, clock, [&auth, &clock](const http::Request&, const auth::Principal& p) {
                auto token = auth.issueWsToken(p, unixSeconds(clock));
                if (!token) return http::problem(token.error());
                return http::Response::json(200, {{"token", *token},
                                                  {"expires_in", auth.settings().wsTtlSeconds}})
                    .setHeader("Cache-Control", "no-store");
              }));
}

}  // namespace ait::gateway
