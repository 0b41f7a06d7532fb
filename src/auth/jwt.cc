#include "ait/auth/jwt.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include <array>
#include <cstdio>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ait/auth/errors.h"
#include "ait/auth/secrets.h"

namespace ait::auth {

namespace {

using Json = nlohmann::json;

constexpr std::array<std::string_view, 6> kPlaceholderSecrets{
    "secret", "changeme", "change-me", "your-256-bit-secret", "default", "aitrading"};

struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const noexcept { EVP_PKEY_free(key); }
};

bool isPlaceholder(std::string_view secret) {
  for (auto p : kPlaceholderSecrets) {
    if (secret.find(p) != std::string_view::npos && secret.size() < p.size() + 32) return true;
  }
  // One character repeated, or a secret made of a short repeated pattern, is not random.
  for (std::size_t period = 1; period <= 4; ++period) {
    bool repeats = true;
    for (std::size_t i = period; i < secret.size() && repeats; ++i) repeats = secret[i] == secret[i - period];
    if (repeats) return true;
  }
  return false;
}

}  // namespace

struct KeyTable::Key {
  Algorithm alg = Algorithm::HS256;
  std::string secret;                               // HS256
  std::unique_ptr<EVP_PKEY, PkeyDeleter> pkey;      // EdDSA
  bool canSign = true;
};

std::string_view toString(TokenKind kind) noexcept {
  switch (kind) {
    case TokenKind::Access: return "access";
    case TokenKind::Refresh: return "refresh";
    case TokenKind::Ws: return "ws";
    case TokenKind::Svc: return "svc";
  }
  return "?";
}

std::string_view toString(Role role) noexcept {
  switch (role) {
    case Role::Viewer: return "viewer";
    case Role::Trader: return "trader";
    case Role::Admin: return "admin";
  }
  return "?";
}

Expected<Role> parseRole(std::string_view text) {
  for (Role role : {Role::Viewer, Role::Trader, Role::Admin}) {
    if (text == toString(role)) return role;
  }
  return fail(errors::kInvalidInput,
              fmt::format("unknown role '{}' (viewer, trader or admin)", text));
}

std::string_view toString(Algorithm alg) noexcept {
  return alg == Algorithm::HS256 ? "HS256" : "EdDSA";
}

KeyTable::KeyTable() = default;
KeyTable::~KeyTable() = default;
KeyTable::KeyTable(KeyTable&&) noexcept = default;
KeyTable& KeyTable::operator=(KeyTable&&) noexcept = default;

Expected<void> KeyTable::addHmac(std::string kid, std::string_view secret) {
  if (secret.size() < 32) {
    return fail(errors::kWeakSecret,
                fmt::format("HS256 key '{}' has {} bytes; at least 32 (256 bits) are required", kid,
                            secret.size()));
  }
  if (isPlaceholder(secret)) {
    return fail(errors::kWeakSecret,
                fmt::format("HS256 key '{}' looks like a placeholder, not a random secret", kid));
  }
  auto key = std::make_unique<Key>();
  key->alg = Algorithm::HS256;
  key->secret = std::string(secret);
  if (signingKid_.empty()) signingKid_ = kid;
  keys_[std::move(kid)] = std::move(key);
  return {};
}

Expected<void> KeyTable::addEd25519(std::string kid, const std::filesystem::path& pem) {
  std::FILE* file = std::fopen(pem.c_str(), "r");
  if (file == nullptr) {
    return fail(errors::kWeakSecret, fmt::format("EdDSA key '{}': cannot open {}", kid, pem.string()));
  }
  EVP_PKEY* raw = PEM_read_PrivateKey(file, nullptr, nullptr, nullptr);
  bool canSign = raw != nullptr;
  if (raw == nullptr) {
    std::rewind(file);
    raw = PEM_read_PUBKEY(file, nullptr, nullptr, nullptr);
  }
  std::fclose(file);
  std::unique_ptr<EVP_PKEY, PkeyDeleter> pkey(raw);
  if (pkey == nullptr || EVP_PKEY_id(pkey.get()) != EVP_PKEY_ED25519) {
    return fail(errors::kWeakSecret,
                fmt::format("EdDSA key '{}': {} holds no Ed25519 key in PEM", kid, pem.string()));
  }
  auto key = std::make_unique<Key>();
  key->alg = Algorithm::EdDSA;
  key->pkey = std::move(pkey);
  key->canSign = canSign;
  if (signingKid_.empty() && canSign) signingKid_ = kid;
  keys_[std::move(kid)] = std::move(key);
  return {};
}

Expected<void> KeyTable::setSigningKey(std::string_view kid) {
  const Key* key = find(kid);
  if (key == nullptr || !key->canSign) {
    return fail(errors::kUnknownKey, fmt::format("no signing key '{}'", kid));
  }
  signingKid_ = std::string(kid);
  return {};
}

const KeyTable::Key* KeyTable::find(std::string_view kid) const noexcept {
  auto it = keys_.find(kid);
  return it == keys_.end() ? nullptr : it->second.get();
}

const KeyTable::Key* KeyTable::signingKey() const noexcept { return find(signingKid_); }

namespace {

Expected<std::string> signingInput(const KeyTable::Key& key, std::string_view input) {
  if (key.alg == Algorithm::HS256) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
    unsigned int len = 0;
    if (HMAC(EVP_sha256(), key.secret.data(), static_cast<int>(key.secret.size()),
             reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac.data(),
             &len) == nullptr) {
      return fail(errors::kCrypto, "HMAC-SHA256 failed");
    }
    return std::string(reinterpret_cast<const char*>(mac.data()), len);
  }
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  std::array<unsigned char, 64> sig{};
  std::size_t len = sig.size();
  if (ctx == nullptr ||
      EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.pkey.get()) != 1 ||
      EVP_DigestSign(ctx.get(), sig.data(), &len, reinterpret_cast<const unsigned char*>(input.data()),
                     input.size()) != 1) {
    return fail(errors::kCrypto, "Ed25519 signing failed");
  }
  return std::string(reinterpret_cast<const char*>(sig.data()), len);
}

bool verifySignature(const KeyTable::Key& key, std::string_view input, std::string_view signature) {
  if (key.alg == Algorithm::HS256) {
    auto expected = signingInput(key, input);
    return expected && constantTimeEquals(*expected, signature);
  }
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  return ctx != nullptr &&
         EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.pkey.get()) == 1 &&
         EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(), reinterpret_cast<const unsigned char*>(input.data()),
                          input.size()) == 1;
}

Expected<Json> decodePart(std::string_view part, std::string_view what) {
  auto bytes = base64UrlDecode(part);
  if (!bytes) return fail(errors::kTokenMalformed, fmt::format("the {} is not base64url", what));
  Json json = Json::parse(*bytes, nullptr, false);
  if (json.is_discarded() || !json.is_object()) {
    return fail(errors::kTokenMalformed, fmt::format("the {} is not a JSON object", what));
  }
  return json;
}

template <class T>
Expected<T> claim(const Json& payload, const char* name) {
  auto it = payload.find(name);
  if (it == payload.end()) return fail(errors::kClaimRefused, fmt::format("claim '{}' is missing", name));
  if constexpr (std::is_same_v<T, std::string>) {
    if (!it->is_string()) return fail(errors::kClaimRefused, fmt::format("claim '{}' is not a string", name));
    return it->template get<std::string>();
  } else {
    if (!it->is_number_integer()) {
      return fail(errors::kClaimRefused, fmt::format("claim '{}' is not an integer", name));
    }
    return it->template get<T>();
  }
}

}  // namespace

Expected<std::string> TokenCodec::sign(const Claims& claims) const {
  const KeyTable::Key* key = keys_.signingKey();
  if (key == nullptr || !key->canSign) return fail(errors::kUnknownKey, "no signing key is configured");
  Json header{{"alg", toString(key->alg)}, {"typ", "JWT"}, {"kid", keys_.signingKid()}};
  Json payload{{"iss", issuer_},
               {"aud", audience_},
               {"sub", claims.subject},
               {"tid", claims.tenant},
               {"role", toString(claims.role)},
               {"typ", toString(claims.kind)},
               {"iat", claims.issuedAt},
               {"exp", claims.expiresAt},
               {"jti", claims.id}};
  if (!claims.family.empty()) payload["fam"] = claims.family;
  if (claims.mfa) payload["amr"] = Json::array({"pwd", "otp"});
  const std::string input = base64UrlEncode(header.dump()) + "." + base64UrlEncode(payload.dump());
  auto signature = signingInput(*key, input);
  if (!signature) return Unexpected(signature.error());
  return input + "." + base64UrlEncode(*signature);
}

Expected<Claims> TokenCodec::verify(std::string_view token, TokenKind expected,
                                    std::int64_t unixNow) const {
  if (token.size() > 8192) return fail(errors::kTokenMalformed, "the token is longer than 8 KiB");
  const auto dot1 = token.find('.');
  const auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return fail(errors::kTokenMalformed, "a JWT has exactly three dot-separated parts");
  }
  auto header = decodePart(token.substr(0, dot1), "header");
  if (!header) return Unexpected(header.error());
  auto alg = header->find("alg");
  if (alg == header->end() || !alg->is_string()) {
    return fail(errors::kAlgorithmRefused, "the header has no alg");
  }
  const std::string algName = alg->get<std::string>();
  std::string kid = keys_.signingKid();
  if (auto k = header->find("kid"); k != header->end()) {
    if (!k->is_string()) return fail(errors::kUnknownKey, "kid is not a string");
    kid = k->get<std::string>();
  }
  const KeyTable::Key* key = keys_.find(kid);
  if (key == nullptr) return fail(errors::kUnknownKey, fmt::format("no key '{}' in the key table", kid));
  // The key decides the algorithm; the token can only agree with it ("none" never does).
  if (algName != toString(key->alg)) {
    return fail(errors::kAlgorithmRefused,
                fmt::format("alg '{}' refused: key '{}' allows only {}", algName, kid, toString(key->alg)));
  }
  auto signature = base64UrlDecode(token.substr(dot2 + 1));
  if (!signature) return fail(errors::kBadSignature, "the signature is not base64url");
  if (!verifySignature(*key, token.substr(0, dot2), *signature)) {
    return fail(errors::kBadSignature, "the signature does not verify");
  }
  auto payload = decodePart(token.substr(dot1 + 1, dot2 - dot1 - 1), "payload");
  if (!payload) return Unexpected(payload.error());

  auto iss = claim<std::string>(*payload, "iss");
  if (!iss) return Unexpected(iss.error());
  if (*iss != issuer_) return fail(errors::kClaimRefused, fmt::format("issuer '{}' is not ours", *iss));
  auto aud = payload->find("aud");
  bool audienceOk = false;
  if (aud != payload->end() && aud->is_string()) audienceOk = aud->get<std::string>() == audience_;
  if (aud != payload->end() && aud->is_array()) {
    for (const auto& a : *aud) audienceOk = audienceOk || (a.is_string() && a.get<std::string>() == audience_);
  }
  if (!audienceOk) return fail(errors::kClaimRefused, "the audience is missing or not ours");
  auto typ = claim<std::string>(*payload, "typ");
  if (!typ) return Unexpected(typ.error());
  if (*typ != toString(expected)) {
    return fail(errors::kWrongTokenKind,
                fmt::format("a {} token was presented where {} is required", *typ, toString(expected)));
  }
  Claims claims;
  claims.kind = expected;
  auto sub = claim<std::string>(*payload, "sub");
  auto iat = claim<std::int64_t>(*payload, "iat");
  auto exp = claim<std::int64_t>(*payload, "exp");
  auto tid = claim<std::int64_t>(*payload, "tid");
  auto role = claim<std::string>(*payload, "role");
  auto jti = claim<std::string>(*payload, "jti");
  for (const Error* e : {sub ? nullptr : &sub.error(), iat ? nullptr : &iat.error(),
                         exp ? nullptr : &exp.error(), tid ? nullptr : &tid.error(),
                         role ? nullptr : &role.error(), jti ? nullptr : &jti.error()}) {
    if (e != nullptr) return Unexpected(*e);
  }
  if (sub->empty()) return fail(errors::kClaimRefused, "sub is empty");
  if (*exp + leeway_ <= unixNow) {
    return fail(errors::kExpired, fmt::format("expired {} s ago", unixNow - *exp));
  }
  if (*iat > unixNow + leeway_) return fail(errors::kClaimRefused, "iat is in the future");
  if (*tid < 0 || *tid > 0xffffffffLL) return fail(errors::kClaimRefused, "tid is out of range");
  auto parsedRole = parseRole(*role);
  if (!parsedRole) return fail(errors::kClaimRefused, parsedRole.error().message());
  claims.subject = *sub;
  claims.issuedAt = *iat;
  claims.expiresAt = *exp;
  claims.tenant = static_cast<std::uint32_t>(*tid);
  claims.role = *parsedRole;
  claims.id = *jti;
  if (auto fam = payload->find("fam"); fam != payload->end() && fam->is_string()) {
    claims.family = fam->get<std::string>();
  }
  if (auto amr = payload->find("amr"); amr != payload->end() && amr->is_array()) {
    for (const auto& m : *amr) claims.mfa = claims.mfa || (m.is_string() && m.get<std::string>() == "otp");
  }
  return claims;
}

}  // namespace ait::auth
