#include "ait/auth/authenticator.h"

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "ait/auth/errors.h"

namespace ait::auth {
namespace {

constexpr std::int64_t kNow = 1'800'000'000;
const std::string kSecret = "q8Vw3LrT0xYz9KpN2mB7cD4fG6hJ1sA5eR0tU3iO8pW";

class AuthenticatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    dir_ = std::filesystem::temp_directory_path() /
           ("ait-auth-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(dir_);
    auto store = AuthStore::open(dir_ / "auth.db");
    ASSERT_TRUE(store.has_value()) << store.error().describe();
    store_ = std::move(*store);
    auto keys = keyTableFromSecret(kSecret);
    ASSERT_TRUE(keys.has_value());
    keys_ = std::move(*keys);
    AuthSettings settings;
    settings.passwordCost = {1024, 1, 1};
    auth_ = std::make_unique<Authenticator>(*store_, keys_, settings);
    ASSERT_TRUE(store_->addTenant("alpha", kNow).has_value());
    ASSERT_TRUE(store_->addTenant("beta", kNow).has_value());
    addUser("alpha", "ann", Role::Trader);
    addUser("beta", "bob", Role::Viewer);
    addUser("alpha", "root", Role::Admin);
  }
  void TearDown() override {
    auth_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  void addUser(const std::string& tenant, const std::string& name, Role role) {
    auto hash = hashPassword(name + "-password-123", {1024, 1, 1});
    ASSERT_TRUE(hash.has_value());
    ASSERT_TRUE(store_->addUser(tenant, name, *hash, role, kNow).has_value());
  }

  std::filesystem::path dir_;
  std::unique_ptr<AuthStore> store_;
  KeyTable keys_;
  std::unique_ptr<Authenticator> auth_;
};

TEST_F(AuthenticatorTest, LoginGivesTokensScopedToTheUsersTenant) {
  auto pair = auth_->login("ann", "ann-password-123", "", kNow);
  ASSERT_TRUE(pair.has_value()) << pair.error().describe();
  EXPECT_EQ(pair->accessExpiresAt, kNow + 900);
  auto principal = auth_->authenticateAccessToken(pair->accessToken, kNow + 1);
  ASSERT_TRUE(principal.has_value());
  EXPECT_EQ(principal->tenant, store_->findTenant("alpha").value()->id);
  EXPECT_EQ(principal->role, Role::Trader);
  EXPECT_TRUE(principal->canTrade());
  EXPECT_FALSE(auth_->authenticateAccessToken(pair->refreshToken, kNow + 1).has_value());
}

TEST_F(AuthenticatorTest, WrongPasswordUnknownUserAndDisabledLookAlike) {
  auto wrong = auth_->login("ann", "ann-password-124", "", kNow);
  auto unknown = auth_->login("nobody", "ann-password-123", "", kNow);
  ASSERT_TRUE(store_->setDisabled("bob", true).has_value());
  auto disabled = auth_->login("bob", "bob-password-123", "", kNow);
  for (const auto* result : {&wrong, &unknown, &disabled}) {
    ASSERT_FALSE(result->has_value());
    EXPECT_EQ(result->error().code().code, errors::kBadCredentials.code);
    EXPECT_EQ(result->error().message(), "invalid username or password");
  }
}

TEST_F(AuthenticatorTest, HostileUsernamesChangeNothing) {
  for (const std::string& name :
       {std::string("ann' OR '1'='1"), std::string("ann'; DROP TABLE users; --"),
        std::string("ann\""), std::string("%"), std::string("_"), std::string("ann\0x", 5),
        std::string("' UNION SELECT * FROM users --")}) {
    EXPECT_FALSE(auth_->login(name, "ann-password-123", "", kNow).has_value()) << name;
  }
  EXPECT_EQ(store_->users("").value().size(), 3u);
  EXPECT_TRUE(auth_->login("ann", "ann-password-123", "", kNow).has_value());
}

TEST_F(AuthenticatorTest, AdminsNeedAnEnrolledTotpCodeUsedOnlyOnce) {
  auto notEnrolled = auth_->login("root", "root-password-123", "", kNow);
  ASSERT_FALSE(notEnrolled.has_value());
  EXPECT_EQ(notEnrolled.error().code().code, errors::kMfaRequired.code);

  auto secret = newTotpSecret().value();
  ASSERT_TRUE(store_->setMfaSecret("root", secret).has_value());
  EXPECT_EQ(auth_->login("root", "root-password-123", "", kNow).error().code().code,
            errors::kMfaRequired.code);
  EXPECT_EQ(auth_->login("root", "root-password-123", "000000", kNow).error().code().code,
            errors::kMfaRequired.code);
  const auto code = totpCode(secret, kNow).value();
  auto pair = auth_->login("root", "root-password-123", code, kNow);
  ASSERT_TRUE(pair.has_value()) << pair.error().describe();
  auto principal = auth_->authenticateAccessToken(pair->accessToken, kNow);
  ASSERT_TRUE(principal.has_value());
  EXPECT_TRUE(principal->mfa);
  auto replay = auth_->login("root", "root-password-123", code, kNow + 5);
  ASSERT_FALSE(replay.has_value());
  EXPECT_EQ(replay.error().code().code, errors::kMfaRequired.code);
}

TEST_F(AuthenticatorTest, RefreshRotatesAndAReusedTokenRevokesTheFamily) {
  auto first = auth_->login("ann", "ann-password-123", "", kNow).value();
  auto second = auth_->refresh(first.refreshToken, kNow + 60);
  ASSERT_TRUE(second.has_value()) << second.error().describe();
  EXPECT_NE(second->refreshToken, first.refreshToken);
  EXPECT_TRUE(auth_->authenticateAccessToken(second->accessToken, kNow + 61).has_value());

  auto reused = auth_->refresh(first.refreshToken, kNow + 120);
  ASSERT_FALSE(reused.has_value());
  EXPECT_EQ(reused.error().code().code, errors::kRefreshReused.code);
  // The legitimate holder's newer token died with the family.
  auto after = auth_->refresh(second->refreshToken, kNow + 121);
  ASSERT_FALSE(after.has_value());
  EXPECT_EQ(after.error().code().code, errors::kRevoked.code);
  // Another login starts a new family.
  EXPECT_TRUE(auth_->login("ann", "ann-password-123", "", kNow + 122).has_value());
}

TEST_F(AuthenticatorTest, LogoutRevokesTheRefreshToken) {
  auto pair = auth_->login("ann", "ann-password-123", "", kNow).value();
  ASSERT_TRUE(auth_->logout(pair.refreshToken, kNow + 1).has_value());
  EXPECT_EQ(auth_->refresh(pair.refreshToken, kNow + 2).error().code().code, errors::kRevoked.code);
  EXPECT_FALSE(auth_->logout(pair.accessToken, kNow + 2).has_value());
}

TEST_F(AuthenticatorTest, ApiKeysCarryScopesAndCanBeRevoked) {
  auto key = auth_->createApiKey("ann", {"read"}, kNow);
  ASSERT_TRUE(key.has_value()) << key.error().describe();
  auto principal = auth_->authenticateApiKey(key->key);
  ASSERT_TRUE(principal.has_value());
  EXPECT_TRUE(principal->apiKey);
  EXPECT_FALSE(principal->canTrade()) << "a read-only key cannot trade";
  auto trading = auth_->createApiKey("ann", {"read", "trade"}, kNow).value();
  EXPECT_TRUE(auth_->authenticateApiKey(trading.key).value().canTrade());

  std::string tampered = key->key;
  tampered.back() = tampered.back() == 'x' ? 'y' : 'x';
  EXPECT_FALSE(auth_->authenticateApiKey(tampered).has_value());
  ASSERT_TRUE(store_->revokeApiKey(key->id).has_value());
  EXPECT_EQ(auth_->authenticateApiKey(key->key).error().code().code, errors::kRevoked.code);
  EXPECT_FALSE(auth_->createApiKey("ann", {"admin"}, kNow).has_value());
  EXPECT_FALSE(auth_->createApiKey("ann", {}, kNow).has_value());
  EXPECT_FALSE(auth_->createApiKey("nobody", {"read"}, kNow).has_value());
}

TEST_F(AuthenticatorTest, AdminApiKeysDoNotCarryAdminRights) {
  auto key = auth_->createApiKey("root", {"read", "trade"}, kNow).value();
  EXPECT_EQ(auth_->authenticateApiKey(key.key).value().role, Role::Trader);
}

TEST_F(AuthenticatorTest, WebSocketTokensWorkOnceAndOnlyAsWebSocketTokens) {
  auto pair = auth_->login("ann", "ann-password-123", "", kNow).value();
  auto principal = auth_->authenticateAccessToken(pair.accessToken, kNow).value();
  auto ws = auth_->issueWsToken(principal, kNow).value();
  EXPECT_FALSE(auth_->authenticateAccessToken(ws, kNow).has_value());
  EXPECT_FALSE(auth_->consumeWsToken(pair.accessToken, kNow).has_value());
  auto first = auth_->consumeWsToken(ws, kNow + 1);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->tenant, principal.tenant);
  EXPECT_FALSE(auth_->consumeWsToken(ws, kNow + 2).has_value());
  auto late = auth_->issueWsToken(principal, kNow).value();
  EXPECT_EQ(auth_->consumeWsToken(late, kNow + 120).error().code().code, errors::kExpired.code);
}

TEST_F(AuthenticatorTest, StoreRefusesDuplicatesAndUnknownTenants) {
  EXPECT_EQ(store_->addTenant("alpha", kNow).error().code().code, errors::kInvalidInput.code);
  EXPECT_EQ(store_->addUser("gamma", "carl", "x", Role::Viewer, kNow).error().code().code,
            errors::kNotFound.code);
  EXPECT_EQ(store_->addUser("beta", "ann", "x", Role::Viewer, kNow).error().code().code,
            errors::kInvalidInput.code);
  EXPECT_EQ(store_->users("beta").value().size(), 1u);
}

TEST_F(AuthenticatorTest, ReopeningKeepsEverything) {
  store_.reset();
  auth_.reset();
  auto store = AuthStore::open(dir_ / "auth.db");
  ASSERT_TRUE(store.has_value());
  EXPECT_EQ((*store)->users("").value().size(), 3u);
}

TEST(Secret, IsGeneratedOnceWithPrivatePermissionsOrTakenFromConfig) {
  const auto file = std::filesystem::temp_directory_path() /
                    ("ait-secret-" + std::to_string(::getpid())) / "jwt.key";
  std::filesystem::remove_all(file.parent_path());
  auto first = loadOrCreateSecret("", file);
  ASSERT_TRUE(first.has_value());
  EXPECT_GE(first->size(), 43u);
  EXPECT_TRUE(keyTableFromSecret(*first).has_value());
  const auto perms = std::filesystem::status(file).permissions();
  EXPECT_EQ(perms & (std::filesystem::perms::group_all | std::filesystem::perms::others_all),
            std::filesystem::perms::none);
  EXPECT_EQ(loadOrCreateSecret("", file).value(), *first);
  EXPECT_EQ(loadOrCreateSecret("configured", file).value(), "configured");
  EXPECT_FALSE(keyTableFromSecret("").has_value());
  std::filesystem::remove_all(file.parent_path());
}

}  // namespace
}  // namespace ait::auth
