#include "ait/auth/authenticator.h"

#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <mutex>
#include <set>

#include <fmt/format.h>

#include "ait/auth/errors.h"

namespace ait::auth {

namespace {

// A random id for jti and refresh families: 128 bits, base64url.
Expected<std::string> newId() {
  auto bytes = randomBytes(16);
  if (!bytes) return Unexpected(bytes.error());
  return base64UrlEncode(std::string_view(reinterpret_cast<const char*>(bytes->data()), bytes->size()));
}

// Same answer for an unknown user, a wrong password and a disabled account, so a caller cannot
// tell which usernames exist. A dummy verification keeps the timing alike.
Unexpected badCredentials() { return fail(errors::kBadCredentials, "invalid username or password"); }

const std::set<std::string, std::less<>> kScopes{"read", "trade"};

// The user id a verified token names in its subject.
Expected<std::int64_t> userIdOf(const Claims& claims) {
  try {
    return std::stoll(claims.subject);
  } catch (...) {
    return fail(errors::kClaimRefused, "sub is not a user id");
  }
}

// The caller a verified access or WebSocket token stands for.
Expected<Principal> principalOf(const Claims& claims) {
  auto userId = userIdOf(claims);
  if (!userId) return Unexpected(userId.error());
  Principal p;
  p.userId = *userId;
  p.tenant = claims.tenant;
  p.role = claims.role;
  p.mfa = claims.mfa;
  return p;
}

// Single-use WebSocket tokens already consumed, until they expire (a small in-memory set: they
// live 30 s).
struct UsedWsTokens {
  std::mutex mutex;
  std::map<std::string, std::int64_t, std::less<>> used;  // jti -> expiry
  bool consume(const std::string& jti, std::int64_t expiresAt, std::int64_t now) {
    std::lock_guard lock(mutex);
    std::erase_if(used, [now](const auto& entry) { return entry.second + 60 < now; });
    return used.emplace(jti, expiresAt).second;
  }
};
UsedWsTokens& usedWsTokens() {
  static UsedWsTokens tokens;
  return tokens;
}

}  // namespace

bool Principal::canTrade() const noexcept {
  if (role == Role::Viewer) return false;
  if (!apiKey) return true;
  return std::ranges::find(scopes, "trade") != scopes.end();
}

Authenticator::Authenticator(AuthStore& store, const KeyTable& keys, AuthSettings settings)
    : store_(store), codec_(keys, settings.issuer, settings.audience), settings_(std::move(settings)) {}

Expected<TokenPair> Authenticator::login(std::string_view username, std::string_view password,
                                         std::string_view totp, std::int64_t now) {
  if (username.empty() || username.size() > 64 || password.size() > 1024) return badCredentials();
  auto user = store_.findUser(username);
  if (!user) return Unexpected(user.error());
  if (!user->has_value()) {
    (void)verifyPassword("$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$"
                         "qfMhcmnoEnTIpbzCPBUb5nDWG8qX9qjMeSmFx2o9x6I", password);
    return badCredentials();
  }
  const UserRecord& u = **user;
  if (!verifyPassword(u.passwordHash, password) || u.disabled) return badCredentials();
  bool mfa = false;
  if (u.role == Role::Admin || !u.mfaSecret.empty()) {
    if (u.mfaSecret.empty()) {
      return fail(errors::kMfaRequired,
                  "admins must enroll a TOTP authenticator first (aitrading user enroll-mfa)");
    }
    if (totp.empty()) return fail(errors::kMfaRequired, "this account needs a TOTP code");
    auto step = verifyTotp(u.mfaSecret, totp, now);
    if (!step) return fail(errors::kMfaRequired, "the TOTP code is not valid");
    auto fresh = store_.acceptTotpStep(u.id, *step);
    if (!fresh) return Unexpected(fresh.error());
    if (!*fresh) return fail(errors::kMfaRequired, "this TOTP code was already used");
    mfa = true;
  }
  auto family = newId();
  if (!family) return Unexpected(family.error());
  return issuePair(u, mfa, std::move(*family), now);
}

Expected<TokenPair> Authenticator::issuePair(const UserRecord& user, bool mfa, std::string family,
                                             std::int64_t now) {
  auto accessId = newId();
  auto refreshId = newId();
  if (!accessId || !refreshId) return Unexpected(accessId ? refreshId.error() : accessId.error());
  Claims claims;
  claims.subject = std::to_string(user.id);
  claims.tenant = user.tenant;
  claims.role = user.role;
  claims.mfa = mfa;
  claims.issuedAt = now;
  claims.kind = TokenKind::Access;
  claims.expiresAt = now + settings_.accessTtlSeconds;
  claims.id = *accessId;
  TokenPair pair;
  auto access = codec_.sign(claims);
  if (!access) return Unexpected(access.error());
  claims.kind = TokenKind::Refresh;
  claims.expiresAt = now + settings_.refreshTtlSeconds;
  claims.id = *refreshId;
  claims.family = family;
  auto refresh = codec_.sign(claims);
  if (!refresh) return Unexpected(refresh.error());
  if (auto ok = store_.addRefreshToken(*refreshId, family, user.id, claims.expiresAt); !ok) {
    return Unexpected(ok.error());
  }
  pair.accessToken = std::move(*access);
  pair.refreshToken = std::move(*refresh);
  pair.accessExpiresAt = now + settings_.accessTtlSeconds;
  pair.refreshExpiresAt = claims.expiresAt;
  return pair;
}

Expected<TokenPair> Authenticator::refresh(std::string_view refreshToken, std::int64_t now) {
  auto claims = codec_.verify(refreshToken, TokenKind::Refresh, now);
  if (!claims) return Unexpected(claims.error());
  auto state = store_.consumeRefreshToken(claims->id);
  if (!state) return Unexpected(state.error());
  switch (*state) {
    case RefreshState::Fresh:
      break;
    case RefreshState::Used:
      if (auto ok = store_.revokeFamily(claims->family); !ok) return Unexpected(ok.error());
      return fail(errors::kRefreshReused,
                  fmt::format("refresh token of user {} reused; family revoked", claims->subject));
    case RefreshState::Revoked:
      return fail(errors::kRevoked, "the refresh token was revoked");
    case RefreshState::Unknown:
      return fail(errors::kRevoked, "the refresh token is not known");
  }
  auto userId = userIdOf(*claims);
  if (!userId) return Unexpected(userId.error());
  auto user = store_.findUserById(*userId);
  if (!user) return Unexpected(user.error());
  if (!user->has_value() || (*user)->disabled) return badCredentials();
  return issuePair(**user, claims->mfa, claims->family, now);
}

Expected<void> Authenticator::logout(std::string_view refreshToken, std::int64_t now) {
  auto claims = codec_.verify(refreshToken, TokenKind::Refresh, now);
  if (!claims) return Unexpected(claims.error());
  return store_.revokeFamily(claims->family);
}

Expected<Principal> Authenticator::authenticateAccessToken(std::string_view token,
                                                           std::int64_t now) const {
  auto claims = codec_.verify(token, TokenKind::Access, now);
  if (!claims) return Unexpected(claims.error());
  auto p = principalOf(*claims);
  if (p && p->role == Role::Admin && !p->mfa) {
    return fail(errors::kMfaRequired, "an admin token without MFA is refused");
  }
  return p;
}

Expected<Principal> Authenticator::authenticateApiKey(std::string_view key) {
  auto id = apiKeyId(key);
  if (!id) return Unexpected(id.error());
  auto record = store_.findApiKey(*id);
  if (!record) return Unexpected(record.error());
  if (!record->has_value() || !constantTimeEquals((*record)->hash, sha256Hex(key))) {
    return fail(errors::kBadCredentials, "unknown API key");
  }
  if ((*record)->revoked) return fail(errors::kRevoked, "the API key was revoked");
  auto user = store_.findUserById((*record)->userId);
  if (!user) return Unexpected(user.error());
  if (!user->has_value() || (*user)->disabled) return fail(errors::kBadCredentials, "the key's user is disabled");
  Principal p;
  p.userId = (*user)->id;
  p.username = (*user)->username;
  p.tenant = (*user)->tenant;
  // A key never carries admin rights: administration needs a person with MFA.
  p.role = (*user)->role == Role::Admin ? Role::Trader : (*user)->role;
  p.apiKey = true;
  p.scopes = (*record)->scopes;
  return p;
}

Expected<std::string> Authenticator::issueWsToken(const Principal& principal, std::int64_t now) {
  auto id = newId();
  if (!id) return Unexpected(id.error());
  Claims claims;
  claims.subject = std::to_string(principal.userId);
  claims.tenant = principal.tenant;
  claims.role = principal.role;
  claims.mfa = principal.mfa;
  claims.kind = TokenKind::Ws;
  claims.issuedAt = now;
  claims.expiresAt = now + settings_.wsTtlSeconds;
  claims.id = *id;
  return codec_.sign(claims);
}

Expected<Principal> Authenticator::consumeWsToken(std::string_view token, std::int64_t now) {
  auto claims = codec_.verify(token, TokenKind::Ws, now);
  if (!claims) return Unexpected(claims.error());
  if (!usedWsTokens().consume(claims->id, claims->expiresAt, now)) {
    return fail(errors::kRevoked, "the WebSocket token was already used");
  }
  return principalOf(*claims);
}

Expected<NewApiKey> Authenticator::createApiKey(std::string_view username,
                                                std::vector<std::string> scopes, std::int64_t now) {
  if (scopes.empty()) return fail(errors::kInvalidInput, "an API key needs at least one scope (read, trade)");
  for (const auto& s : scopes) {
    if (!kScopes.contains(s)) return fail(errors::kInvalidInput, fmt::format("unknown scope '{}' (read, trade)", s));
  }
  auto user = store_.findUser(username);
  if (!user) return Unexpected(user.error());
  if (!user->has_value()) return fail(errors::kNotFound, fmt::format("no user '{}'", username));
  auto key = newApiKey();
  if (!key) return Unexpected(key.error());
  ApiKeyRecord record{key->id, (*user)->id, key->hash, std::move(scopes), false, now};
  if (auto ok = store_.addApiKey(record); !ok) return Unexpected(ok.error());
  return key;
}

Expected<KeyTable> keyTableFromSecret(std::string_view secret) {
  KeyTable keys;
  if (secret.empty()) return fail(errors::kWeakSecret, "auth.jwt_secret is not set");
  if (auto ok = keys.addHmac("hs1", secret); !ok) return Unexpected(ok.error());
  return keys;
}

Expected<std::string> loadOrCreateSecret(std::string_view configured, const std::filesystem::path& file) {
  if (!configured.empty()) return std::string(configured);
  std::error_code ec;
  if (std::filesystem::exists(file, ec)) {
    std::ifstream in(file);
    std::string secret((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
    return secret;
  }
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), ec);
  auto bytes = randomBytes(32);
  if (!bytes) return Unexpected(bytes.error());
  const std::string secret =
      base64UrlEncode(std::string_view(reinterpret_cast<const char*>(bytes->data()), bytes->size()));
  const mode_t old = ::umask(077);
  std::ofstream out(file, std::ios::trunc);
  out << secret << '\n';
  out.close();
  ::umask(old);
  if (!out) return fail(errors::kWeakSecret, fmt::format("cannot write {}", file.string()));
  return secret;
}

}  // namespace ait::auth
