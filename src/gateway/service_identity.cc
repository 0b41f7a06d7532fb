#include "ait/gateway/service_identity.h"

#include <atomic>
#include <charconv>

#include <fmt/format.h>

#include "ait/gateway/errors.h"

namespace ait::gateway {

namespace {
// Service tokens are verified against their own audience, so none is ever taken for a client's
// token even if its kind were ignored somewhere.
std::string servicesAudience(std::string_view audience) { return fmt::format("{}#services", audience); }
}  // namespace

ServiceIdentity::ServiceIdentity(auth::KeyTable keys, std::string issuer, std::string audience,
                                 std::int64_t ttl)
    : keys_(std::move(keys)),
      codec_(keys_, std::move(issuer), servicesAudience(audience), /*leewaySeconds=*/5),
      ttl_(ttl) {}

Expected<std::unique_ptr<ServiceIdentity>> ServiceIdentity::fromSecret(std::string_view secret,
                                                                       std::string issuer,
                                                                       std::string audience,
                                                                       std::int64_t ttlSeconds) {
  auto keys = auth::keyTableFromSecret(secret);
  if (!keys) return Unexpected(keys.error());
  return std::unique_ptr<ServiceIdentity>(
      new ServiceIdentity(std::move(*keys), std::move(issuer), std::move(audience), ttlSeconds));
}

Expected<std::string> ServiceIdentity::sign(const http::Caller& caller, std::int64_t unixNow) const {
  static std::atomic<std::uint64_t> counter{0};
  auth::Claims claims;
  claims.subject = std::to_string(caller.userId);
  claims.tenant = caller.tenant;
  auto role = auth::parseRole(caller.role);
  if (!role) return fail(errors::kIdentity, fmt::format("role '{}'", caller.role));
  claims.role = *role;
  claims.kind = auth::TokenKind::Svc;
  claims.issuedAt = unixNow;
  claims.expiresAt = unixNow + ttl_;
  claims.id = fmt::format("svc-{}-{}", unixNow, counter.fetch_add(1, std::memory_order_relaxed));
  return codec_.sign(claims);
}

Expected<http::Caller> ServiceIdentity::verify(std::string_view token, std::int64_t unixNow) const {
  auto claims = codec_.verify(token, auth::TokenKind::Svc, unixNow);
  if (!claims) return Unexpected(claims.error());
  std::int64_t user = 0;
  const auto& sub = claims->subject;
  auto [end, ec] = std::from_chars(sub.data(), sub.data() + sub.size(), user);
  if (ec != std::errc{} || end != sub.data() + sub.size()) {
    return fail(errors::kIdentity, fmt::format("sub '{}' is not a user id", sub));
  }
  if (claims->tenant == 0) return fail(errors::kIdentity, "a service identity never names tenant 0");
  return http::Caller{claims->tenant, user, std::string(auth::toString(claims->role))};
}

http::CallerVerifier ServiceIdentity::verifier(const Clock& clock) const {
  return [this, &clock](std::string_view token) {
    return verify(token, clock.now() / 1'000'000'000);
  };
}

http::Caller callerFor(const auth::Principal& principal) {
  // An API key acts with the scopes it was given: one without `trade` is a viewer.
  auth::Role role = principal.role;
  if (principal.apiKey) role = principal.canTrade() ? auth::Role::Trader : auth::Role::Viewer;
  return http::Caller{principal.tenant, principal.userId, std::string(auth::toString(role))};
}

}  // namespace ait::gateway
