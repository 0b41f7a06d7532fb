// Each refusal the gateway's security rests on: alg none, alg switched, key confusion, tampered
// signature or payload, expired, wrong issuer or audience, wrong token kind, unknown kid,
// missing claims, weak secrets.

#include "ait/auth/jwt.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ait/auth/errors.h"
#include "ait/auth/secrets.h"

namespace ait::auth {
namespace {

using Json = nlohmann::json;
constexpr std::int64_t kNow = 1'800'000'000;
const std::string kSecret = "q8Vw3LrT0xYz9KpN2mB7cD4fG6hJ1sA5eR0tU3iO8pW";

Claims claims(TokenKind kind = TokenKind::Access) {
  Claims c;
  c.subject = "42";
  c.tenant = 7;
  c.role = Role::Trader;
  c.kind = kind;
  c.issuedAt = kNow;
  c.expiresAt = kNow + 900;
  c.id = "jti-1";
  return c;
}

std::string forge(const Json& header, const Json& payload, std::string_view signature) {
  return base64UrlEncode(header.dump()) + "." + base64UrlEncode(payload.dump()) + "." +
         base64UrlEncode(signature);
}

Json payloadOf(const std::string& token) {
  const auto a = token.find('.');
  const auto b = token.find('.', a + 1);
  return Json::parse(base64UrlDecode(token.substr(a + 1, b - a - 1)).value());
}

class JwtTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(keys_.addHmac("hs1", kSecret).has_value()); }

  const ErrorCode* refusal(const std::string& token, TokenKind kind = TokenKind::Access,
                           std::int64_t now = kNow) {
    auto verified = codec_.verify(token, kind, now);
    if (verified) return nullptr;
    for (const ErrorCode* code : {&errors::kTokenMalformed, &errors::kAlgorithmRefused,
                                  &errors::kUnknownKey, &errors::kBadSignature, &errors::kExpired,
                                  &errors::kClaimRefused, &errors::kWrongTokenKind}) {
      if (verified.error().code().code == code->code) return code;
    }
    ADD_FAILURE() << "unexpected error " << verified.error().describe();
    return nullptr;
  }

  KeyTable keys_;
  TokenCodec codec_{keys_, "aitrading", "aitrading-api"};
};

TEST_F(JwtTest, SignedTokensVerifyWithEveryClaim) {
  auto token = codec_.sign(claims());
  ASSERT_TRUE(token.has_value());
  auto verified = codec_.verify(*token, TokenKind::Access, kNow + 10);
  ASSERT_TRUE(verified.has_value()) << verified.error().describe();
  EXPECT_EQ(verified->subject, "42");
  EXPECT_EQ(verified->tenant, 7u);
  EXPECT_EQ(verified->role, Role::Trader);
  EXPECT_EQ(verified->expiresAt, kNow + 900);
  EXPECT_EQ(verified->id, "jti-1");
}

TEST_F(JwtTest, AlgNoneIsRefused) {
  auto token = codec_.sign(claims()).value();
  const auto payload = payloadOf(token);
  EXPECT_EQ(refusal(forge({{"alg", "none"}, {"typ", "JWT"}}, payload, "")), &errors::kAlgorithmRefused);
  EXPECT_EQ(refusal(forge({{"alg", "none"}, {"kid", "hs1"}}, payload, "")), &errors::kAlgorithmRefused);
  EXPECT_EQ(refusal(forge({{"alg", "NONE"}, {"kid", "hs1"}}, payload, "x")), &errors::kAlgorithmRefused);
  EXPECT_EQ(refusal(forge({{"typ", "JWT"}}, payload, "x")), &errors::kAlgorithmRefused);
}

TEST_F(JwtTest, AnAlgorithmOtherThanTheKeysIsRefused) {
  const auto payload = payloadOf(codec_.sign(claims()).value());
  for (const char* alg : {"HS384", "HS512", "RS256", "EdDSA", "ES256"}) {
    EXPECT_EQ(refusal(forge({{"alg", alg}, {"kid", "hs1"}}, payload, "sig")), &errors::kAlgorithmRefused)
        << alg;
  }
}

TEST_F(JwtTest, TamperedSignatureOrPayloadIsRefused) {
  auto token = codec_.sign(claims()).value();
  std::string flipped = token;
  flipped.back() = flipped.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(refusal(flipped), &errors::kBadSignature);

  // Same header and signature, payload raised to admin of another tenant.
  auto payload = payloadOf(token);
  payload["role"] = "admin";
  payload["tid"] = 8;
  const auto a = token.find('.');
  const auto b = token.find('.', a + 1);
  const std::string forged = token.substr(0, a) + "." + base64UrlEncode(payload.dump()) + token.substr(b);
  EXPECT_EQ(refusal(forged), &errors::kBadSignature);

  // Signed with a different secret.
  KeyTable other;
  ASSERT_TRUE(other.addHmac("hs1", "Zx8Vw3LrT0xYz9KpN2mB7cD4fG6hJ1sA5eR0tU3iO8p").has_value());
  TokenCodec otherCodec(other, "aitrading", "aitrading-api");
  EXPECT_EQ(refusal(otherCodec.sign(claims()).value()), &errors::kBadSignature);
}

TEST_F(JwtTest, ExpiredTokensAreRefusedAfterTheLeeway) {
  auto token = codec_.sign(claims()).value();
  EXPECT_EQ(refusal(token, TokenKind::Access, kNow + 900 + 29), nullptr);
  EXPECT_EQ(refusal(token, TokenKind::Access, kNow + 900 + 31), &errors::kExpired);
}

TEST_F(JwtTest, WrongIssuerOrAudienceIsRefused) {
  TokenCodec otherAudience(keys_, "aitrading", "another-api");
  EXPECT_EQ(refusal(otherAudience.sign(claims()).value()), &errors::kClaimRefused);
  TokenCodec otherIssuer(keys_, "someone-else", "aitrading-api");
  EXPECT_EQ(refusal(otherIssuer.sign(claims()).value()), &errors::kClaimRefused);
}

TEST_F(JwtTest, ATokenOfOneKindIsNeverAcceptedAsAnother) {
  auto refresh = codec_.sign(claims(TokenKind::Refresh)).value();
  auto ws = codec_.sign(claims(TokenKind::Ws)).value();
  auto access = codec_.sign(claims(TokenKind::Access)).value();
  EXPECT_EQ(refusal(refresh, TokenKind::Access), &errors::kWrongTokenKind);
  EXPECT_EQ(refusal(ws, TokenKind::Access), &errors::kWrongTokenKind);
  EXPECT_EQ(refusal(access, TokenKind::Refresh), &errors::kWrongTokenKind);
  EXPECT_EQ(refusal(access, TokenKind::Ws), &errors::kWrongTokenKind);
  EXPECT_EQ(refusal(refresh, TokenKind::Refresh), nullptr);
}

TEST_F(JwtTest, UnknownKidAndMalformedTokensAreRefused) {
  const auto payload = payloadOf(codec_.sign(claims()).value());
  EXPECT_EQ(refusal(forge({{"alg", "HS256"}, {"kid", "../../etc/passwd"}}, payload, "x")),
            &errors::kUnknownKey);
  EXPECT_EQ(refusal(forge({{"alg", "HS256"}, {"kid", 5}}, payload, "x")), &errors::kUnknownKey);
  for (const char* bad : {"", "abc", "a.b", "a.b.c.d", "!!.??.**", "e30.e30.", "bnVsbA.e30.x"}) {
    const auto* code = refusal(bad);
    EXPECT_TRUE(code == &errors::kTokenMalformed || code == &errors::kAlgorithmRefused) << bad;
  }
  EXPECT_EQ(refusal(std::string(9000, 'a')), &errors::kTokenMalformed);
}

TEST_F(JwtTest, EveryRequiredClaimMustBePresent) {
  const auto token = codec_.sign(claims()).value();
  const auto full = payloadOf(token);
  for (const char* name : {"iss", "aud", "sub", "exp", "iat", "typ", "tid", "role", "jti"}) {
    auto payload = full;
    payload.erase(name);
    const std::string header = R"({"alg":"HS256","typ":"JWT","kid":"hs1"})";
    const std::string input = base64UrlEncode(header) + "." + base64UrlEncode(payload.dump());
    // Sign the stripped payload properly, so only the missing claim can be the reason.
    unsigned char mac[32];
    unsigned int len = 0;
    HMAC(EVP_sha256(), kSecret.data(), static_cast<int>(kSecret.size()),
         reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &len);
    const std::string stripped =
        input + "." + base64UrlEncode(std::string_view(reinterpret_cast<const char*>(mac), len));
    const auto* code = refusal(stripped);
    EXPECT_TRUE(code == &errors::kClaimRefused || code == &errors::kWrongTokenKind) << name;
  }
}

TEST(KeyTable, RefusesWeakSecrets) {
  KeyTable keys;
  EXPECT_EQ(keys.addHmac("k", "too-short").error().code().code, errors::kWeakSecret.code);
  EXPECT_EQ(keys.addHmac("k", std::string(64, 'a')).error().code().code, errors::kWeakSecret.code);
  EXPECT_EQ(keys.addHmac("k", "abababababababababababababababababab").error().code().code,
            errors::kWeakSecret.code);
  EXPECT_EQ(keys.addHmac("k", "your-256-bit-secret-your-256-bit-sec").error().code().code,
            errors::kWeakSecret.code);
  EXPECT_TRUE(keys.addHmac("k", kSecret).has_value());
}

class Ed25519Test : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("ait-jwt-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
    ASSERT_NE(key, nullptr);
    std::FILE* priv = std::fopen((dir_ / "priv.pem").c_str(), "w");
    PEM_write_PrivateKey(priv, key, nullptr, nullptr, 0, nullptr, nullptr);
    std::fclose(priv);
    std::FILE* pub = std::fopen((dir_ / "pub.pem").c_str(), "w");
    PEM_write_PUBKEY(pub, key);
    std::fclose(pub);
    EVP_PKEY_free(key);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(Ed25519Test, SignsWithThePrivateKeyAndVerifiesWithThePublicOne) {
  KeyTable signing;
  ASSERT_TRUE(signing.addEd25519("ed1", dir_ / "priv.pem").has_value());
  KeyTable verifying;
  ASSERT_TRUE(verifying.addEd25519("ed1", dir_ / "pub.pem").has_value());
  auto token = TokenCodec(signing, "aitrading", "aitrading-api").sign(claims()).value();
  TokenCodec verifier(verifying, "aitrading", "aitrading-api");
  EXPECT_TRUE(verifier.verify(token, TokenKind::Access, kNow).has_value());
  EXPECT_FALSE(verifier.sign(claims()).has_value()) << "a public key cannot sign";

  // Key confusion: an HS256 token whose HMAC key is the public key's PEM text.
  std::ifstream in(dir_ / "pub.pem");
  std::string pem((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  KeyTable confused;
  ASSERT_TRUE(confused.addHmac("ed1", pem).has_value());
  auto forged = TokenCodec(confused, "aitrading", "aitrading-api").sign(claims()).value();
  auto refused = verifier.verify(forged, TokenKind::Access, kNow);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code().code, errors::kAlgorithmRefused.code);
}

TEST_F(Ed25519Test, ANonEd25519FileIsRefused) {
  std::ofstream(dir_ / "junk.pem") << "not a key";
  KeyTable keys;
  EXPECT_EQ(keys.addEd25519("x", dir_ / "junk.pem").error().code().code, errors::kWeakSecret.code);
  EXPECT_FALSE(keys.addEd25519("x", dir_ / "missing.pem").has_value());
}

}  // namespace
}  // namespace ait::auth
