#pragma once
// JSON Web Tokens, strict: every key allows exactly one algorithm (HS256 or EdDSA), a token's
// `alg` must equal its key's, `none` is never a key's algorithm, `kid` is looked up only in the
// local table, and iss, aud, sub, exp, iat and typ are required. A token of one kind (access,
// refresh, ws) is never accepted as another.

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "ait/core/error.h"

namespace ait::auth {

// Svc: the gateway's short-lived identity for one call to a service in another process.
enum class TokenKind : std::uint8_t { Access, Refresh, Ws, Svc };
std::string_view toString(TokenKind kind) noexcept;

enum class Role : std::uint8_t { Viewer, Trader, Admin };
std::string_view toString(Role role) noexcept;
Expected<Role> parseRole(std::string_view text);

struct Claims {
  std::string subject;        // sub: the user id
  std::uint32_t tenant = 0;   // tid
  Role role = Role::Viewer;   // role
  TokenKind kind = TokenKind::Access;  // typ
  std::int64_t issuedAt = 0;  // iat, unix seconds
  std::int64_t expiresAt = 0; // exp, unix seconds
  std::string id;             // jti
  std::string family;         // fam: refresh tokens of one login share it
  bool mfa = false;           // amr includes otp
};

enum class Algorithm : std::uint8_t { HS256, EdDSA };
std::string_view toString(Algorithm alg) noexcept;

class KeyTable {
 public:
  KeyTable();
  ~KeyTable();
  KeyTable(KeyTable&&) noexcept;
  KeyTable& operator=(KeyTable&&) noexcept;

  /// Adds an HS256 key; refuses secrets under 32 bytes and well-known placeholder values.
  Expected<void> addHmac(std::string kid, std::string_view secret);
  /// Adds an EdDSA (Ed25519) key from a PEM file holding a private key (signs and verifies)
  /// or a public key (verifies only).
  Expected<void> addEd25519(std::string kid, const std::filesystem::path& pem);
  /// The key new tokens are signed with (the first added, unless set).
  Expected<void> setSigningKey(std::string_view kid);

  struct Key;
  const Key* find(std::string_view kid) const noexcept;
  const Key* signingKey() const noexcept;
  const std::string& signingKid() const noexcept { return signingKid_; }

 private:
  std::map<std::string, std::unique_ptr<Key>, std::less<>> keys_;
  std::string signingKid_;
};

class TokenCodec {
 public:
  TokenCodec(const KeyTable& keys, std::string issuer, std::string audience,
             std::int64_t leewaySeconds = 30)
      : keys_(keys), issuer_(std::move(issuer)), audience_(std::move(audience)),
        leeway_(leewaySeconds) {}

  /// Returns the signed compact JWT for claims.
  Expected<std::string> sign(const Claims& claims) const;
  /// Returns the claims of a token that is valid at unixNow and of the expected kind; the error
  /// says exactly why not (for logs; clients only learn "unauthorized").
  Expected<Claims> verify(std::string_view token, TokenKind expected, std::int64_t unixNow) const;

 private:
  const KeyTable& keys_;
  std::string issuer_;
  std::string audience_;
  std::int64_t leeway_;
};

}  // namespace ait::auth
