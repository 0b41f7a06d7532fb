#pragma once
// Tenant administration on port 8000, for admins and always within the admin's own tenant:
//
//   GET  /api/v1/tenants                      the caller's tenant (other tenants stay invisible)
//   GET  /api/v1/users                        users of the caller's tenant
//   POST /api/v1/users                        {"username","password","role"} -> 201
//   POST /api/v1/users/{username}/disable     204; enable; reset-mfa likewise
//
// A user of another tenant answers 404, exactly as one that does not exist. Tenants themselves
// are created by the platform's operator with `aitrading tenant add`: no tenant's admin may see
// or create another tenant. The handlers are registered by addApiRoutes with their role check.

#include "ait/auth/authenticator.h"
#include "ait/gateway/auth_routes.h"

namespace ait::gateway {

struct AdminHandlers {
  AuthedHandler tenants;
  AuthedHandler users;
  AuthedHandler addUser;
  AuthedHandler disable;
  AuthedHandler enable;
  AuthedHandler resetMfa;
};

/// The handlers, acting on auth's identity store; auth must outlive them.
AdminHandlers adminHandlers(auth::Authenticator& auth, const Clock& clock);

}  // namespace ait::gateway
