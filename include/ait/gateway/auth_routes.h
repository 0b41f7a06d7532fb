#pragma once
// The gateway's identity endpoints and the check every protected route runs first.
//
//   POST /api/v1/auth/login     {"username","password","totp"?} -> access + refresh token
//   POST /api/v1/auth/refresh   {"refresh_token"}               -> a new pair (rotation)
//   POST /api/v1/auth/logout    {"refresh_token"}               -> 204, the family is revoked
//   GET  /api/v1/auth/me                                        -> who the caller is
//   POST /api/v1/auth/ws-token                                  -> a 30 s single-use ws token
//
// Callers authenticate with `Authorization: Bearer <access token>` or `X-API-Key: <key>`.

#include <functional>

#include "ait/auth/authenticator.h"
#include "ait/core/clock.h"
#include "ait/gateway/rate_limiter.h"
#include "ait/http/message.h"
#include "ait/http/router.h"

namespace ait::gateway {

/// Returns the caller of a request, or the error that refuses it.
Expected<auth::Principal> authenticate(const http::Request& request, auth::Authenticator& auth,
                                       std::int64_t unixNow);

struct RateLimitSettings {
  BucketLimits tenant{100, 200};      // every authenticated request, per tenant (tokens)
  BucketLimits apiKey{20, 40};        // every request made with an API key, per key
  BucketLimits loginPerIp{0.1, 5};    // login, refresh, MFA: per client IP
  BucketLimits orders{50, 100};       // order submission, modification, cancel: per tenant
};

/// What a request costs against the rate limits, besides the caller's own bucket.
enum class Traffic : std::uint8_t { Normal, Orders };

using AuthedHandler = std::function<http::Response(const http::Request&, const auth::Principal&)>;

/// Authentication and rate limits in front of every gateway route. Every answer carries
/// RateLimit-Limit/Remaining/Reset; a refusal is 401 (with WWW-Authenticate) or 429 (with
/// Retry-After).
class Gatekeeper {
 public:
  Gatekeeper(auth::Authenticator& auth, const Clock& clock, const RateLimitSettings& limits);

  /// Runs handler for an authenticated caller within its tenant's (or API key's) bucket.
  http::Handler protect(AuthedHandler handler, Traffic traffic = Traffic::Normal);
  /// Runs handler within the client IP's bucket of credential attempts (login, refresh).
  http::Handler limitByIp(http::Handler handler);
  /// Applies reloaded limits.
  void setLimits(const RateLimitSettings& limits);

  auth::Authenticator& authenticator() noexcept { return auth_; }
  std::int64_t unixNow() const noexcept { return clock_.now() / 1'000'000'000; }
  const Clock& clock() const noexcept { return clock_; }

 private:
  auth::Authenticator& auth_;
  const Clock& clock_;
  RateLimiter tenant_;
  RateLimiter apiKey_;
  RateLimiter loginPerIp_;
  RateLimiter orders_;
};

/// Adds /api/v1/auth/{login,refresh,logout,me,ws-token}.
void addAuthRoutes(http::Router& router, Gatekeeper& gate);

}  // namespace ait::gateway
