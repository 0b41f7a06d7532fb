#pragma once
// The identity a service route acts for. Service ports never trust a tenant named by the client:
// a route asks callerOf(request), which answers the Caller the gateway set in process, or the one
// carried by an internally signed identity token (header X-Ait-Identity, `typ=svc`, signed with
// the platform key, seconds to live) that the installed verifier accepts. Anything else, a bare
// X-Tenant-Id included, is refused.

#include <functional>
#include <string_view>

#include "ait/core/error.h"
#include "ait/http/errors.h"
#include "ait/http/message.h"
#include "ait/model/ids.h"

namespace ait::http {

inline constexpr std::string_view kIdentityHeader = "X-Ait-Identity";

/// Verifies an identity token; returns the caller it names or why it is refused.
using CallerVerifier = std::function<Expected<Caller>(std::string_view token)>;

/// Installs the process's verifier (wiring, before the server starts). Without one, only
/// in-process callers are accepted.
void installCallerVerifier(CallerVerifier verifier);

/// Returns the verified caller of a service request, or kNoCaller saying why not.
Expected<Caller> callerOf(const Request& request);

/// Returns the verified caller's tenant (callerOf's tenant), or kNoCaller saying why not. A
/// tenant named by the client is never an answer.
Expected<model::TenantId> callerTenant(const Request& request);

/// Returns a 401 problem response for a refused caller.
Response callerRefused(const Error& error);

}  // namespace ait::http
