// Tenant administration handlers: an admin manages the users of their own tenant only; another
// tenant's user is 404 like a missing one; the body never names the tenant; secrets never leave.

#include "ait/gateway/admin_routes.h"

#include <unistd.h>

#include <atomic>
#include <filesystem>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace ait::gateway {
namespace {

using Json = nlohmann::json;
constexpr std::int64_t kNow = 1'800'000'000;
const std::string kSecret = "q8Vw3LrT0xYz9KpN2mB7cD4fG6hJ1sA5eR0tU3iO8pW";

class AdminRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    dir_ = std::filesystem::temp_directory_path() /
           ("ait-admin-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(dir_);
    auto store = auth::AuthStore::open(dir_ / "auth.db");
    ASSERT_TRUE(store) << store.error().describe();
    store_ = std::move(*store);
    keys_ = std::move(*auth::keyTableFromSecret(kSecret));
    auth::AuthSettings settings;
    settings.passwordCost = {1024, 1, 1};
    auth_ = std::make_unique<auth::Authenticator>(*store_, keys_, settings);
    alpha_ = *store_->addTenant("alpha", kNow);
    beta_ = *store_->addTenant("beta", kNow);
    rootId_ = addUser("alpha", "root", auth::Role::Admin);
    addUser("alpha", "ann", auth::Role::Trader);
    addUser("beta", "bob", auth::Role::Viewer);
    clock_.set(kNow * 1'000'000'000);
    h_ = adminHandlers(*auth_, clock_);
  }
  void TearDown() override {
    auth_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::int64_t addUser(const std::string& tenant, const std::string& name, auth::Role role) {
    auto hash = auth::hashPassword(name + "-password-123", {1024, 1, 1});
    return *store_->addUser(tenant, name, *hash, role, kNow);
  }
  auth::Principal root() const {
    return {.userId = rootId_, .username = "root", .tenant = alpha_, .role = auth::Role::Admin,
            .mfa = true, .apiKey = false, .scopes = {}};
  }
  static http::Request request(http::Method method, std::string target, std::string body = {},
                               std::string username = {}) {
    auto r = http::Request::make(method, std::move(target), std::move(body));
    if (!username.empty()) r.pathParams.emplace_back("username", std::move(username));
    return r;
  }

  std::filesystem::path dir_;
  std::unique_ptr<auth::AuthStore> store_;
  auth::KeyTable keys_;
  std::unique_ptr<auth::Authenticator> auth_;
  FakeClock clock_;
  std::uint32_t alpha_ = 0, beta_ = 0;
  std::int64_t rootId_ = 0;
  AdminHandlers h_;
};

TEST_F(AdminRoutesTest, ListsOnlyTheAdminsOwnTenantAndItsUsersWithoutSecrets) {
  auto tenants = h_.tenants(request(http::Method::Get, "/api/v1/tenants"), root());
  ASSERT_EQ(tenants.status, 200);
  auto t = Json::parse(tenants.body)["tenants"];
  ASSERT_EQ(t.size(), 1U) << tenants.body;
  EXPECT_EQ(t[0]["name"], "alpha");

  ASSERT_TRUE(store_->setMfaSecret("root", "JBSWY3DPEHPK3PXP"));
  auto users = h_.users(request(http::Method::Get, "/api/v1/users"), root());
  ASSERT_EQ(users.status, 200);
  const Json list = Json::parse(users.body);
  std::set<std::string> names;
  for (const auto& u : list["users"]) names.insert(u["username"].get<std::string>());
  EXPECT_EQ(names, (std::set<std::string>{"ann", "root"})) << "bob is beta's: " << users.body;
  EXPECT_EQ(users.body.find("argon2"), std::string::npos) << "no password hash";
  EXPECT_EQ(users.body.find("JBSWY3DPEHPK3PXP"), std::string::npos) << "no TOTP secret";
  EXPECT_NE(users.body.find("\"mfa_enrolled\":true"), std::string::npos);
}

TEST_F(AdminRoutesTest, AddsUsersToTheCallersTenantOnly) {
  auto made = h_.addUser(request(http::Method::Post, "/api/v1/users",
                                 R"({"username": "cat", "password": "cat-password-123", "role": "trader"})"),
                         root());
  ASSERT_EQ(made.status, 201) << made.body;
  EXPECT_EQ(Json::parse(made.body)["tenant_id"], alpha_);
  ASSERT_TRUE(auth_->login("cat", "cat-password-123", "", kNow)) << "the new user logs in";

  auto named = h_.addUser(request(http::Method::Post, "/api/v1/users",
                                  Json{{"username", "dan"}, {"password", "dan-password-123"},
                                       {"role", "viewer"}, {"tenant_id", beta_}}.dump()),
                          root());
  EXPECT_EQ(named.status, 400) << "a body naming a tenant is refused";
  EXPECT_FALSE(*store_->findUser("dan"));

  EXPECT_EQ(h_.addUser(request(http::Method::Post, "/api/v1/users", "[1]"), root()).status, 400);
  EXPECT_EQ(h_.addUser(request(http::Method::Post, "/api/v1/users",
                               R"({"username": "eve", "password": "short", "role": "viewer"})"), root()).status,
            400) << "the password policy applies";
  EXPECT_EQ(h_.addUser(request(http::Method::Post, "/api/v1/users",
                               R"({"username": "eve", "password": "eve-password-123", "role": "god"})"), root()).status,
            400);
  EXPECT_EQ(h_.addUser(request(http::Method::Post, "/api/v1/users",
                               R"({"username": "bob", "password": "bob-password-456", "role": "viewer"})"), root()).status,
            409) << "usernames are unique across the platform";
}

TEST_F(AdminRoutesTest, AnotherTenantsUserIs404AndChangesNothing) {
  for (auto* handler : {&h_.disable, &h_.enable, &h_.resetMfa}) {
    auto reply = (*handler)(request(http::Method::Post, "/x", "", "bob"), root());
    EXPECT_EQ(reply.status, 404) << reply.body;
    EXPECT_EQ((*handler)(request(http::Method::Post, "/x", "", "nobody"), root()).status, 404);
  }
  EXPECT_FALSE((*store_->findUser("bob"))->disabled);
  EXPECT_TRUE(auth_->login("bob", "bob-password-123", "", kNow));
}

TEST_F(AdminRoutesTest, DisableEnableAndResetMfaWithinTheTenant) {
  EXPECT_EQ(h_.disable(request(http::Method::Post, "/x", "", "ann"), root()).status, 204);
  EXPECT_FALSE(auth_->login("ann", "ann-password-123", "", kNow)) << "a disabled user cannot log in";
  EXPECT_EQ(h_.enable(request(http::Method::Post, "/x", "", "ann"), root()).status, 204);
  EXPECT_TRUE(auth_->login("ann", "ann-password-123", "", kNow));
  EXPECT_EQ(h_.disable(request(http::Method::Post, "/x", "", "root"), root()).status, 409)
      << "an admin cannot lock themselves out";

  ASSERT_TRUE(store_->setMfaSecret("ann", "JBSWY3DPEHPK3PXP"));
  EXPECT_EQ(h_.resetMfa(request(http::Method::Post, "/x", "", "ann"), root()).status, 204);
  EXPECT_TRUE((*store_->findUser("ann"))->mfaSecret.empty());
}

}  // namespace
}  // namespace ait::gateway
