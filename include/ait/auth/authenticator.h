#pragma once
// Logins, token rotation and request authentication on top of the identity store.
//
// - login: password (argon2id) and, for admins or anyone enrolled, a TOTP code that was not
//   used before; returns a 15-minute access token and a refresh token.
// - refresh: each refresh token works once and returns a new pair in the same family; a
//   refresh token presented twice revokes its whole family (it was stolen, or the client is
//   broken: either way every session of that login ends).
// - authenticate: an access token (Bearer) or an API key; the result names tenant, user and role,
//   which no request body can override.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ait/auth/jwt.h"
#include "ait/auth/secrets.h"
#include "ait/auth/store.h"
#include "ait/core/error.h"

namespace ait::auth {

struct AuthSettings {
  std::string issuer = "aitrading";
  std::string audience = "aitrading-api";
  std::int64_t accessTtlSeconds = 900;
  std::int64_t refreshTtlSeconds = 604800;
  std::int64_t wsTtlSeconds = 30;
  PasswordCost passwordCost{};
};

struct TokenPair {
  std::string accessToken;
  std::string refreshToken;
  std::int64_t accessExpiresAt = 0;
  std::int64_t refreshExpiresAt = 0;
};

/// Who is calling: from a verified token or API key, never from the request.
struct Principal {
  std::int64_t userId = 0;
  std::string username;
  std::uint32_t tenant = 0;
  Role role = Role::Viewer;
  bool mfa = false;
  bool apiKey = false;
  std::vector<std::string> scopes;  // API keys only; tokens carry their role

  /// Whether the principal may place, cancel or modify orders.
  bool canTrade() const noexcept;
};

class Authenticator {
 public:
  Authenticator(AuthStore& store, const KeyTable& keys, AuthSettings settings);

  Expected<TokenPair> login(std::string_view username, std::string_view password,
                            std::string_view totp, std::int64_t now);
  Expected<TokenPair> refresh(std::string_view refreshToken, std::int64_t now);
  Expected<void> logout(std::string_view refreshToken, std::int64_t now);

  Expected<Principal> authenticateAccessToken(std::string_view token, std::int64_t now) const;
  Expected<Principal> authenticateApiKey(std::string_view key);

  /// A short-lived token that opens one WebSocket; single use (consumeWsToken).
  Expected<std::string> issueWsToken(const Principal& principal, std::int64_t now);
  Expected<Principal> consumeWsToken(std::string_view token, std::int64_t now);

  /// Creates an API key for a user; the returned key is shown once.
  Expected<NewApiKey> createApiKey(std::string_view username, std::vector<std::string> scopes,
                                   std::int64_t now);

  const AuthSettings& settings() const noexcept { return settings_; }
  /// The identity store behind it (tenant administration over REST uses it).
  AuthStore& store() noexcept { return store_; }

 private:
  Expected<TokenPair> issuePair(const UserRecord& user, bool mfa, std::string family, std::int64_t now);

  AuthStore& store_;
  TokenCodec codec_;
  AuthSettings settings_;
};

/// Builds the key table from the configured secret; refuses a missing, short or placeholder
/// secret (the gateway does not start without a real one).
Expected<KeyTable> keyTableFromSecret(std::string_view secret);

/// Returns the secret to sign tokens with: `configured` when set, else the content of `file`,
/// which is created with a new random 256-bit secret (mode 0600) when it does not exist.
Expected<std::string> loadOrCreateSecret(std::string_view configured, const std::filesystem::path& file);

}  // namespace ait::auth
