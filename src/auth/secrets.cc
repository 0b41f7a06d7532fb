#include "ait/auth/secrets.h"

#include <argon2.h>
#include <liboath/oath.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <array>
#include <mutex>

#include <fmt/format.h>

#include "ait/auth/errors.h"

namespace ait::auth {

namespace {

constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kHashBytes = 32;
constexpr std::int64_t kTotpStep = 30;
constexpr unsigned kTotpDigits = 6;

// liboath wants oath_init() once per process before use.
void initOath() {
  static std::once_flag once;
  std::call_once(once, [] { oath_init(); });
}

}  // namespace

Expected<std::string> hashPassword(std::string_view password, const PasswordCost& cost) {
  if (password.size() < kMinPasswordLength) {
    return fail(errors::kInvalidInput,
                fmt::format("a password needs at least {} characters", kMinPasswordLength));
  }
  auto salt = randomBytes(kSaltBytes);
  if (!salt) return Unexpected(salt.error());
  const std::size_t encodedLength = argon2_encodedlen(cost.iterations, cost.memory_kib,
                                                      cost.parallelism, kSaltBytes, kHashBytes,
                                                      Argon2_id);
  std::string encoded(encodedLength, '\0');
  const int rc = argon2id_hash_encoded(cost.iterations, cost.memory_kib, cost.parallelism,
                                       password.data(), password.size(), salt->data(),
                                       salt->size(), kHashBytes, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) {
    return fail(errors::kCrypto, fmt::format("argon2id: {}", argon2_error_message(rc)));
  }
  encoded.resize(std::char_traits<char>::length(encoded.c_str()));
  return encoded;
}

bool verifyPassword(std::string_view encoded, std::string_view password) noexcept {
  if (!encoded.starts_with("$argon2id$")) return false;
  const std::string phc(encoded);
  return argon2id_verify(phc.c_str(), password.data(), password.size()) == ARGON2_OK;
}

Expected<std::vector<std::uint8_t>> randomBytes(std::size_t n) {
  std::vector<std::uint8_t> out(n);
  if (RAND_bytes(out.data(), static_cast<int>(n)) != 1) {
    return fail(errors::kCrypto, "RAND_bytes failed: the system has no entropy source");
  }
  return out;
}

std::string base64UrlEncode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return out;
}

Expected<std::string> base64UrlDecode(std::string_view text) {
  if (text.size() % 4 == 1) return fail(errors::kTokenMalformed, "base64url text has a bad length");
  std::string standard;
  standard.reserve(text.size() + 3);
  for (char c : text) {
    const bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (plain) {
      standard.push_back(c);
    } else if (c == '-') {
      standard.push_back('+');
    } else if (c == '_') {
      standard.push_back('/');
    } else {
      return fail(errors::kTokenMalformed, "base64url text has a character outside its alphabet");
    }
  }
  const std::size_t padding = (4 - standard.size() % 4) % 4;
  standard.append(padding, '=');
  std::string out(standard.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(standard.data()),
                                static_cast<int>(standard.size()));
  if (n < 0) return fail(errors::kTokenMalformed, "base64url text does not decode");
  out.resize(static_cast<std::size_t>(n) - padding);
  return out;
}

std::string sha256Hex(std::string_view bytes) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest.data());
  std::string hex;
  hex.reserve(digest.size() * 2);
  for (unsigned char b : digest) hex += fmt::format("{:02x}", b);
  return hex;
}

bool constantTimeEquals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

Expected<NewApiKey> newApiKey() {
  auto idBytes = randomBytes(9);
  auto secretBytes = randomBytes(32);
  if (!idBytes) return Unexpected(idBytes.error());
  if (!secretBytes) return Unexpected(secretBytes.error());
  NewApiKey key;
  key.id = base64UrlEncode(std::string_view(reinterpret_cast<const char*>(idBytes->data()), idBytes->size()));
  // '_' separates the parts, so the id must not contain one; '-' is fine.
  for (char& c : key.id) {
    if (c == '_') c = 'Z';
  }
  key.key = fmt::format("ait_{}_{}", key.id,
                        base64UrlEncode(std::string_view(
                            reinterpret_cast<const char*>(secretBytes->data()), secretBytes->size())));
  key.hash = sha256Hex(key.key);
  return key;
}

Expected<std::string> apiKeyId(std::string_view key) {
  if (!key.starts_with("ait_") || key.size() < 4 + 12 + 1 + 43 || key.size() > 128) {
    return fail(errors::kBadCredentials, "not an aitrading API key");
  }
  const auto id = key.substr(4, 12);
  if (key[16] != '_') return fail(errors::kBadCredentials, "not an aitrading API key");
  return std::string(id);
}

Expected<std::string> newTotpSecret() {
  initOath();
  auto bytes = randomBytes(20);
  if (!bytes) return Unexpected(bytes.error());
  char* out = nullptr;
  size_t len = 0;
  if (oath_base32_encode(reinterpret_cast<const char*>(bytes->data()), bytes->size(), &out, &len) !=
      OATH_OK) {
    return fail(errors::kCrypto, "base32 encoding of the TOTP secret failed");
  }
  std::string secret(out, len);
  std::free(out);
  while (!secret.empty() && secret.back() == '=') secret.pop_back();
  return secret;
}

std::string otpauthUri(std::string_view issuer, std::string_view account, std::string_view secret) {
  auto escape = [](std::string_view text) {
    std::string out;
    for (unsigned char c : text) {
      if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
        out.push_back(static_cast<char>(c));
      } else {
        out += fmt::format("%{:02X}", c);
      }
    }
    return out;
  };
  return fmt::format("otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits=6&period=30",
                     escape(issuer), escape(account), secret, escape(issuer));
}

namespace {
Expected<std::string> decodeSecret(std::string_view secretBase32) {
  initOath();
  char* out = nullptr;
  size_t len = 0;
  const std::string text(secretBase32);
  if (oath_base32_decode(text.c_str(), text.size(), &out, &len) != OATH_OK) {
    return fail(errors::kInvalidInput, "the TOTP secret is not valid base32");
  }
  std::string secret(out, len);
  std::free(out);
  return secret;
}
}  // namespace

Expected<std::string> totpCode(std::string_view secretBase32, std::int64_t unixSeconds) {
  auto secret = decodeSecret(secretBase32);
  if (!secret) return Unexpected(secret.error());
  char code[kTotpDigits + 1] = {};
  if (oath_totp_generate(secret->data(), secret->size(), static_cast<time_t>(unixSeconds),
                         kTotpStep, 0, kTotpDigits, code) != OATH_OK) {
    return fail(errors::kCrypto, "TOTP generation failed");
  }
  return std::string(code, kTotpDigits);
}

Expected<std::int64_t> verifyTotp(std::string_view secretBase32, std::string_view code,
                                  std::int64_t unixSeconds, int window) {
  if (code.size() != kTotpDigits ||
      code.find_first_not_of("0123456789") != std::string_view::npos) {
    return fail(errors::kMfaRequired, "a TOTP code is 6 digits");
  }
  auto secret = decodeSecret(secretBase32);
  if (!secret) return Unexpected(secret.error());
  const std::string otp(code);
  int offset = 0;
  const int rc = oath_totp_validate2(secret->data(), secret->size(), static_cast<time_t>(unixSeconds),
                                     kTotpStep, 0, static_cast<size_t>(window), &offset, otp.c_str());
  if (rc < 0) return fail(errors::kMfaRequired, "the TOTP code does not match");
  return unixSeconds / kTotpStep + offset;
}

}  // namespace ait::auth
