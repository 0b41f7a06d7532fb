#pragma once
// The identity the gateway hands a service in another process: a JWT of kind `svc` signed with
// the platform key, naming tenant, user and role, living seconds. Services verify it with the
// same key (installed as the http::CallerVerifier while wiring) and refuse everything else, so a
// service port cannot be used to act as another tenant.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "ait/auth/authenticator.h"
#include "ait/auth/jwt.h"
#include "ait/core/clock.h"
#include "ait/http/caller.h"

namespace ait::gateway {

class ServiceIdentity {
 public:
  /// Builds the key table from the platform secret (refuses short or placeholder secrets).
  static Expected<std::unique_ptr<ServiceIdentity>> fromSecret(std::string_view secret,
                                                               std::string issuer,
                                                               std::string audience,
                                                               std::int64_t ttlSeconds = 30);

  /// Returns a token for one call made on behalf of caller.
  Expected<std::string> sign(const http::Caller& caller, std::int64_t unixNow) const;
  /// Returns the caller a token names, or why it is refused (kind, signature, expiry...).
  Expected<http::Caller> verify(std::string_view token, std::int64_t unixNow) const;
  /// The verifier to install with http::installCallerVerifier; this object must outlive it.
  http::CallerVerifier verifier(const Clock& clock) const;

 private:
  ServiceIdentity(auth::KeyTable keys, std::string issuer, std::string audience, std::int64_t ttl);
  auth::KeyTable keys_;
  auth::TokenCodec codec_;
  std::int64_t ttl_;
};

/// The caller a service sees for an authenticated principal.
http::Caller callerFor(const auth::Principal& principal);

}  // namespace ait::gateway
