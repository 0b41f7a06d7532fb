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
#include "ait/http/message.h"
#include "ait/http/router.h"

namespace ait::gateway {

/// Returns the caller of a request, or the problem response to send (401).
Expected<auth::Principal> authenticate(const http::Request& request, auth::Authenticator& auth,
                                       std::int64_t unixNow);

/// A handler that runs only for an authenticated caller; others get 401 with WWW-Authenticate.
using AuthedHandler = std::function<http::Response(const http::Request&, const auth::Principal&)>;
http::Handler requireAuth(auth::Authenticator& auth, const Clock& clock, AuthedHandler handler);

void addAuthRoutes(http::Router& router, auth::Authenticator& auth, const Clock& clock);

}  // namespace ait::gateway
