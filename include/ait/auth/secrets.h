#pragma once
// Password hashing (argon2id), random secrets, API keys and TOTP codes: the primitives of
// identity. Each wraps a real library (libargon2, OpenSSL, liboath).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ait/core/error.h"

namespace ait::auth {

/// argon2id cost; the defaults follow OWASP's minimum (19 MiB, 2 passes, 1 lane).
struct PasswordCost {
  std::uint32_t memory_kib = 19456;
  std::uint32_t iterations = 2;
  std::uint32_t parallelism = 1;
};

inline constexpr std::size_t kMinPasswordLength = 12;

/// Returns the PHC string ("$argon2id$v=19$m=...") of password with a fresh random salt, or
/// AIT-AUTH-0014 when the password is shorter than kMinPasswordLength.
Expected<std::string> hashPassword(std::string_view password, const PasswordCost& cost = {});
/// Returns whether password matches the PHC string; false for a malformed string.
bool verifyPassword(std::string_view encoded, std::string_view password) noexcept;

/// Returns n bytes from OpenSSL's CSPRNG.
Expected<std::vector<std::uint8_t>> randomBytes(std::size_t n);
/// Base64url without padding (RFC 4648 section 5), as JWTs use.
std::string base64UrlEncode(std::string_view bytes);
/// Decodes base64url without padding; fails on any other character or a bad length.
Expected<std::string> base64UrlDecode(std::string_view text);
/// Lowercase hex of SHA-256(bytes).
std::string sha256Hex(std::string_view bytes);
/// Compares in time independent of where the inputs differ.
bool constantTimeEquals(std::string_view a, std::string_view b) noexcept;

/// A bot's API key: shown once as "ait_<id>_<secret>", stored as id + SHA-256 of the whole key
/// (the secret has 256 bits of entropy, so a fast hash is enough; a slow one would make every
/// API call pay argon2).
struct NewApiKey {
  std::string id;      // 12 base64url characters, the lookup key
  std::string key;     // the full key, shown to the user once
  std::string hash;    // what is stored
};
Expected<NewApiKey> newApiKey();
/// Splits "ait_<id>_<secret>" and returns the id, or an error for anything else.
Expected<std::string> apiKeyId(std::string_view key);

/// TOTP (RFC 6238, SHA-1, 6 digits, 30 s), as authenticator apps implement it.
/// Returns a new secret as base32 (160 bits).
Expected<std::string> newTotpSecret();
/// Returns the otpauth:// URI an authenticator app scans.
std::string otpauthUri(std::string_view issuer, std::string_view account, std::string_view secret);
/// Returns the code for time unixSeconds (for tests and tools).
Expected<std::string> totpCode(std::string_view secretBase32, std::int64_t unixSeconds);
/// Returns the time step that code matches within +-window steps of unixSeconds, or an error.
/// Callers refuse a step they have already accepted, so a code cannot be replayed.
Expected<std::int64_t> verifyTotp(std::string_view secretBase32, std::string_view code,
                                  std::int64_t unixSeconds, int window = 1);

}  // namespace ait::auth
