#include "ait/http/caller.h"

#include <memory>
#include <mutex>

#include "ait/core/error_registry.h"

namespace ait::http {

namespace {

// Installed once while wiring and read by every request afterwards; the shared_ptr copy keeps
// a verifier alive while a request uses it even if a test installs another.
std::mutex verifierMutex;
std::shared_ptr<const CallerVerifier> verifierSlot;

std::shared_ptr<const CallerVerifier> currentVerifier() {
  std::lock_guard lock(verifierMutex);
  return verifierSlot;
}

}  // namespace

void installCallerVerifier(CallerVerifier verifier) {
  auto next = verifier ? std::make_shared<const CallerVerifier>(std::move(verifier)) : nullptr;
  std::lock_guard lock(verifierMutex);
  verifierSlot = std::move(next);
}

Expected<Caller> callerOf(const Request& request) {
  if (request.caller) return *request.caller;
  auto token = request.header(kIdentityHeader);
  if (!token) {
    return fail(kNoCaller, request.header("X-Tenant-Id")
                               ? "X-Tenant-Id is not accepted: call through the api-gateway"
                               : "no identity: call through the api-gateway");
  }
  auto verifier = currentVerifier();
  if (!verifier) return fail(kNoCaller, "this process verifies no identity tokens");
  auto caller = (*verifier)(*token);
  if (!caller) return fail(kNoCaller, caller.error().message());
  return caller;
}

Expected<model::TenantId> callerTenant(const Request& request) {
  auto caller = callerOf(request);
  if (!caller) return std::unexpected(caller.error());
  return model::TenantId{caller->tenant};
}

Response callerRefused(const Error& error) {
  ErrorRegistry::global().record(error);
  auto response = problem(401, error.code(), "call this service through the api-gateway");
  response.setHeader("WWW-Authenticate", R"(Bearer realm="aitrading-services")");
  return response;
}

}  // namespace ait::http
