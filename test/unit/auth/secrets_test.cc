#include "ait/auth/secrets.h"

#include <gtest/gtest.h>

#include "ait/auth/errors.h"

namespace ait::auth {
namespace {

constexpr PasswordCost kCheap{1024, 1, 1};  // tests only: the defaults cost ~20 MiB each

TEST(Password, HashesWithArgon2idAndVerifies) {
  auto hash = hashPassword("correct horse battery", kCheap);
  ASSERT_TRUE(hash.has_value()) << hash.error().describe();
  EXPECT_TRUE(hash->starts_with("$argon2id$v=19$m=1024,t=1,p=1$"));
  EXPECT_TRUE(verifyPassword(*hash, "correct horse battery"));
  EXPECT_FALSE(verifyPassword(*hash, "correct horse batterY"));
  EXPECT_FALSE(verifyPassword(*hash, ""));
  auto again = hashPassword("correct horse battery", kCheap);
  ASSERT_TRUE(again.has_value());
  EXPECT_NE(*hash, *again) << "each hash has its own salt";
}

TEST(Password, RefusesShortPasswordsAndMalformedHashes) {
  auto hash = hashPassword("short", kCheap);
  ASSERT_FALSE(hash.has_value());
  EXPECT_EQ(hash.error().code().code, errors::kInvalidInput.code);
  EXPECT_FALSE(verifyPassword("plaintext", "plaintext"));
  EXPECT_FALSE(verifyPassword("$argon2i$v=19$m=1024,t=1,p=1$xx$yy", "whatever"));
  EXPECT_FALSE(verifyPassword("$argon2id$garbage", "whatever"));
}

TEST(Base64Url, RoundTripsEveryByteAndRefusesOtherAlphabets) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  for (std::size_t n = 0; n < 10; ++n) {
    const auto part = bytes.substr(n * 7, n);
    const auto encoded = base64UrlEncode(part);
    EXPECT_EQ(encoded.find_first_of("+/="), std::string::npos);
    auto decoded = base64UrlDecode(encoded);
    ASSERT_TRUE(decoded.has_value()) << encoded;
    EXPECT_EQ(*decoded, part);
  }
  EXPECT_EQ(base64UrlEncode("\xfb\xff"), "-_8");
  EXPECT_FALSE(base64UrlDecode("ab+c").has_value());
  EXPECT_FALSE(base64UrlDecode("ab/c").has_value());
  EXPECT_FALSE(base64UrlDecode("abc=").has_value());
  EXPECT_FALSE(base64UrlDecode("a").has_value());
}

// RFC 6238 appendix B, SHA-1 secret "12345678901234567890"; the last 6 of its 8 digits.
TEST(Totp, MatchesTheRfc6238Vectors) {
  const std::string secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
  EXPECT_EQ(totpCode(secret, 59).value(), "287082");
  EXPECT_EQ(totpCode(secret, 1111111109).value(), "081804");
  EXPECT_EQ(totpCode(secret, 1234567890).value(), "005924");
  EXPECT_EQ(totpCode(secret, 2000000000).value(), "279037");
}

TEST(Totp, AcceptsOneStepOfDriftAndRefusesTheRest) {
  auto secret = newTotpSecret();
  ASSERT_TRUE(secret.has_value());
  EXPECT_EQ(secret->size(), 32u);
  const std::int64_t now = 1'800'000'000;
  auto step = verifyTotp(*secret, totpCode(*secret, now).value(), now);
  ASSERT_TRUE(step.has_value());
  EXPECT_EQ(*step, now / 30);
  EXPECT_EQ(verifyTotp(*secret, totpCode(*secret, now - 30).value(), now).value(), now / 30 - 1);
  EXPECT_FALSE(verifyTotp(*secret, totpCode(*secret, now - 90).value(), now).has_value());
  EXPECT_FALSE(verifyTotp(*secret, "12345", now).has_value());
  EXPECT_FALSE(verifyTotp(*secret, "12345a", now).has_value());
  EXPECT_FALSE(verifyTotp("not base32!", "123456", now).has_value());
}

TEST(Totp, OtpauthUriEscapesItsParts) {
  EXPECT_EQ(otpauthUri("aitrading", "ann@desk 1", "ABC"),
            "otpauth://totp/aitrading:ann%40desk%201?secret=ABC&issuer=aitrading&algorithm=SHA1"
            "&digits=6&period=30");
}

TEST(ApiKey, HasAnIdAndAHashOfTheWholeKey) {
  auto key = newApiKey();
  ASSERT_TRUE(key.has_value());
  EXPECT_TRUE(key->key.starts_with("ait_" + key->id + "_"));
  EXPECT_EQ(key->id.size(), 12u);
  EXPECT_EQ(key->hash, sha256Hex(key->key));
  EXPECT_EQ(apiKeyId(key->key).value(), key->id);
  EXPECT_FALSE(apiKeyId("Bearer something").has_value());
  EXPECT_FALSE(apiKeyId("ait_short").has_value());
  auto other = newApiKey();
  ASSERT_TRUE(other.has_value());
  EXPECT_NE(key->key, other->key);
}

TEST(ConstantTimeEquals, ComparesContentAndLength) {
  EXPECT_TRUE(constantTimeEquals("abc", "abc"));
  EXPECT_FALSE(constantTimeEquals("abc", "abd"));
  EXPECT_FALSE(constantTimeEquals("abc", "abcd"));
}

}  // namespace
}  // namespace ait::auth
