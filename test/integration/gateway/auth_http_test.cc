// The gateway's identity endpoints, driven over real HTTP against `aitrading serve`, with users
// created through the `aitrading tenant|user` commands as an operator would.

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ait/auth/jwt.h"
#include "ait/auth/secrets.h"
#include "integration/gateway/serve_fixture.h"
#include "support/child_process.h"

namespace ait {
namespace {

using namespace std::chrono_literals;
using Json = nlohmann::json;
using testing::ChildProcess;
using testing::httpRequest;

const std::string kBinary = std::string(AIT_BINARY_DIR) + "/src/app/aitrading";
const std::string kConfigDir = std::string(AIT_SOURCE_DIR) + "/config";

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::int64_t unixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class GatewayAuth : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::filesystem::temp_directory_path() / fmt::format("ait-gw-auth-{}", ::getpid());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    std::string text = fmt::format(
        "[log]\nfile = \"{0}/log.txt\"\nstderr = false\n[journal]\ndata_dir = \"{0}/journal\"\n"
        "[auth]\ndb_path = \"{0}/identity.db\"\njwt_secret_file = \"{0}/jwt.key\"\n"
        "password_memory_kib = 1024\npassword_iterations = 1\n"
        "[database]\nsqlite_path = \"{0}/platform.db\"\n"
        "[server]\nmax_body_bytes = 65536\n"
        "[rate_limits.login_per_ip]\nrate_per_s = 1000.0\nburst = 1000\n"
        "[rate_limits.api_key]\nrate_per_s = 0.01\nburst = 3\n",
        dir_.string());
    auto served = testing::serve(dir_, text, kBinary, kConfigDir, [] { return makeUsers(); });
    ASSERT_TRUE(served.server) << served.error;
    server_ = std::move(served.server);
    port_ = served.gatewayPort;
    ready_ = true;
  }
  // Tenants, users, MFA and API keys, made with the CLI as an operator would.
  static bool makeUsers() {
    [] {
      ASSERT_EQ(cli({"tenant", "add", "alpha"}), 0);
      ASSERT_EQ(cli({"tenant", "add", "beta"}), 0);
      ASSERT_EQ(cli({"user", "add", "ann", "--tenant", "alpha", "--role", "trader"}, "ann-password-123"), 0);
      ASSERT_EQ(cli({"user", "add", "bob", "--tenant", "beta", "--role", "viewer"}, "bob-password-123"), 0);
      ASSERT_EQ(cli({"user", "add", "root", "--tenant", "alpha", "--role", "admin"}, "root-password-123"), 0);
      ASSERT_NE(cli({"user", "add", "eve", "--tenant", "alpha"}, "short"), 0) << "short passwords are refused";
      ASSERT_NE(cli({"user", "add", "eve", "--tenant", "nosuch"}, "eve-password-123"), 0);
      ASSERT_EQ(cli({"user", "enroll-mfa", "root"}), 0);
      std::smatch match;
      const std::string enrolled = slurp(dir_ / "cli.txt");
      ASSERT_TRUE(std::regex_search(enrolled, match, std::regex("secret: ([A-Z2-7]+)"))) << enrolled;
      totpSecret_ = match[1];
      ASSERT_EQ(cli({"user", "api-key", "ann", "--scope", "read"}), 0);
      const std::string keyText = slurp(dir_ / "cli.txt");
      ASSERT_TRUE(std::regex_search(keyText, match, std::regex("(ait_[A-Za-z0-9_-]+)"))) << keyText;
      apiKey_ = match[1];
      ASSERT_EQ(cli({"user", "api-key", "ann", "--scope", "read", "--scope", "trade"}), 0);
      const std::string limitedText = slurp(dir_ / "cli.txt");
      ASSERT_TRUE(std::regex_search(limitedText, match, std::regex("(ait_[A-Za-z0-9_-]+)")));
      limitedKey_ = match[1];
    }();
    return !::testing::Test::HasFatalFailure() && !totpSecret_.empty() && !limitedKey_.empty();
  }
  // A failed suite set-up would otherwise show as skipped tests, which ctest does not fail.
  void SetUp() override { ASSERT_TRUE(ready_) << "the suite set-up failed; see above"; }
  static void TearDownTestSuite() {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Runs `aitrading ARGS --config ...` with `input` on standard input; returns the exit code.
  static int cli(std::vector<std::string> args, const std::string& input = {}) {
    std::string command = fmt::format("printf '%s\\n' '{}' | {}", input, kBinary);
    for (const auto& a : args) command += " '" + a + "'";
    command += fmt::format(" --config '{}' --config-dir '{}'", (dir_ / "test.toml").string(), kConfigDir);
    ChildProcess child({"/bin/sh", "-c", command}, (dir_ / "cli.txt").string());
    return child.wait(60s).value_or(-1);
  }

  static testing::HttpReply post(const std::string& path, const Json& body,
                                 std::vector<std::string> headers = {}) {
    return httpRequest(port_, "POST", path, body.dump(), headers);
  }
  static testing::HttpReply me(const std::string& header) {
    return httpRequest(port_, "GET", "/api/v1/auth/me", {}, {header});
  }
  static Json login(const std::string& user, const std::string& password, int expect = 200,
                    const std::string& totp = {}) {
    Json body{{"username", user}, {"password", password}};
    if (!totp.empty()) body["totp"] = totp;
    auto reply = post("/api/v1/auth/login", body);
    EXPECT_EQ(reply.status, expect) << reply.body;
    return Json::parse(reply.body, nullptr, false);
  }
  static std::string secret() {
    std::string s = slurp(dir_ / "jwt.key");
    while (!s.empty() && s.back() == '\n') s.pop_back();
    return s;
  }

  static inline std::filesystem::path dir_;
  static inline int port_ = 0;
  static inline std::unique_ptr<ChildProcess> server_;
  static inline bool ready_ = false;
  static inline std::string totpSecret_;
  static inline std::string apiKey_;
  static inline std::string limitedKey_;
};

TEST_F(GatewayAuth, LoginGivesATokenThatNamesTheTenantAndRole) {
  auto tokens = login("ann", "ann-password-123");
  ASSERT_TRUE(tokens.contains("access_token"));
  EXPECT_EQ(tokens["token_type"], "Bearer");
  EXPECT_EQ(tokens["expires_in"], 900);
  auto reply = me("Authorization: Bearer " + tokens["access_token"].get<std::string>());
  ASSERT_EQ(reply.status, 200) << reply.body;
  auto who = Json::parse(reply.body);
  EXPECT_EQ(who["role"], "trader");
  EXPECT_EQ(who["tenant_id"], 1);
  EXPECT_TRUE(who["can_trade"].get<bool>());
  EXPECT_EQ(Json::parse(me("Authorization: Bearer " +
                           login("bob", "bob-password-123")["access_token"].get<std::string>()).body)["tenant_id"],
            2);
}

TEST_F(GatewayAuth, BadCredentialsAndMissingTokensAre401WithoutDetail) {
  auto wrong = post("/api/v1/auth/login", {{"username", "ann"}, {"password", "nope-nope-nope"}});
  EXPECT_EQ(wrong.status, 401);
  EXPECT_NE(wrong.headers.find("WWW-Authenticate"), std::string::npos);
  auto unknown = post("/api/v1/auth/login", {{"username", "zed"}, {"password", "ann-password-123"}});
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(Json::parse(wrong.body)["detail"], Json::parse(unknown.body)["detail"]);
  EXPECT_EQ(httpRequest(port_, "GET", "/api/v1/auth/me").status, 401);
  EXPECT_EQ(me("Authorization: Basic YW5uOnB3").status, 401);
  EXPECT_EQ(me("Authorization: Bearer ").status, 401);
}

TEST_F(GatewayAuth, ForgedTokensAreRefused) {
  const std::string access = login("ann", "ann-password-123")["access_token"];
  const auto dot1 = access.find('.');
  const auto dot2 = access.find('.', dot1 + 1);
  const std::string payload = access.substr(dot1 + 1, dot2 - dot1 - 1);
  // alg none, with and without a signature.
  const std::string none = auth::base64UrlEncode(R"({"alg":"none","typ":"JWT"})");
  EXPECT_EQ(me("Authorization: Bearer " + none + "." + payload + ".").status, 401);
  // alg switched to another HMAC size.
  const std::string hs512 = auth::base64UrlEncode(R"({"alg":"HS512","typ":"JWT","kid":"hs1"})");
  EXPECT_EQ(me("Authorization: Bearer " + hs512 + access.substr(dot1)).status, 401);
  // Signature tampered.
  std::string tampered = access;
  tampered[dot2 + 3] = tampered[dot2 + 3] == 'A' ? 'B' : 'A';
  EXPECT_EQ(me("Authorization: Bearer " + tampered).status, 401);
  // Payload swapped for another tenant's, signature kept.
  auto claims = Json::parse(auth::base64UrlDecode(payload).value());
  claims["tid"] = 2;
  EXPECT_EQ(me("Authorization: Bearer " + access.substr(0, dot1) + "." +
                auth::base64UrlEncode(claims.dump()) + access.substr(dot2))
                .status,
            401);
}

TEST_F(GatewayAuth, ExpiredWrongAudienceAndWrongKindAreRefused) {
  auth::KeyTable keys;
  ASSERT_TRUE(keys.addHmac("hs1", secret()).has_value());
  auth::Claims claims;
  claims.subject = "1";
  claims.tenant = 1;
  claims.role = auth::Role::Trader;
  claims.id = "t";
  claims.issuedAt = unixNow() - 3600;
  claims.expiresAt = unixNow() - 600;
  auth::TokenCodec ours(keys, "aitrading", "aitrading-api");
  auto expired = me("Authorization: Bearer " + ours.sign(claims).value());
  EXPECT_EQ(expired.status, 401);
  EXPECT_NE(expired.headers.find("expired"), std::string::npos);

  claims.issuedAt = unixNow();
  claims.expiresAt = unixNow() + 600;
  EXPECT_EQ(me("Authorization: Bearer " + ours.sign(claims).value()).status, 200)
      << "the control token, signed with the server's own key, is accepted";
  auth::TokenCodec otherAudience(keys, "aitrading", "someone-else");
  EXPECT_EQ(me("Authorization: Bearer " + otherAudience.sign(claims).value()).status, 401);

  auto tokens = login("ann", "ann-password-123");
  EXPECT_EQ(me("Authorization: Bearer " + tokens["refresh_token"].get<std::string>()).status, 401);
}

TEST_F(GatewayAuth, ARefreshTokenWorksOnceAndItsReuseEndsTheSession) {
  auto first = login("ann", "ann-password-123");
  auto rotated = post("/api/v1/auth/refresh", {{"refresh_token", first["refresh_token"]}});
  ASSERT_EQ(rotated.status, 200) << rotated.body;
  auto second = Json::parse(rotated.body);
  EXPECT_EQ(me("Authorization: Bearer " + second["access_token"].get<std::string>()).status, 200);
  auto reused = post("/api/v1/auth/refresh", {{"refresh_token", first["refresh_token"]}});
  EXPECT_EQ(reused.status, 401);
  EXPECT_EQ(post("/api/v1/auth/refresh", {{"refresh_token", second["refresh_token"]}}).status, 401);
}

TEST_F(GatewayAuth, LogoutRevokesTheRefreshToken) {
  auto tokens = login("ann", "ann-password-123");
  EXPECT_EQ(post("/api/v1/auth/logout", {{"refresh_token", tokens["refresh_token"]}}).status, 204);
  EXPECT_EQ(post("/api/v1/auth/refresh", {{"refresh_token", tokens["refresh_token"]}}).status, 401);
}

TEST_F(GatewayAuth, AdminsNeedTheirTotpCode) {
  auto without = login("root", "root-password-123", 401);
  EXPECT_NE(without.dump().find("TOTP"), std::string::npos) << without.dump();
  login("root", "root-password-123", 401, "000000");
  const auto code = auth::totpCode(totpSecret_, unixNow()).value();
  auto tokens = login("root", "root-password-123", 200, code);
  auto who = Json::parse(me("Authorization: Bearer " + tokens["access_token"].get<std::string>()).body);
  EXPECT_EQ(who["role"], "admin");
  EXPECT_TRUE(who["mfa"].get<bool>());
  login("root", "root-password-123", 401, code);  // a code works once
}

TEST_F(GatewayAuth, ApiKeysAuthenticateWithTheirScopes) {
  auto reply = me("X-API-Key: " + apiKey_);
  ASSERT_EQ(reply.status, 200) << reply.body;
  auto who = Json::parse(reply.body);
  EXPECT_TRUE(who["api_key"].get<bool>());
  EXPECT_FALSE(who["can_trade"].get<bool>());
  std::string wrong = apiKey_;
  wrong.back() = wrong.back() == 'x' ? 'y' : 'x';
  EXPECT_EQ(me("X-API-Key: " + wrong).status, 401);
}

TEST_F(GatewayAuth, BadBodiesAreClearErrorsAndHostileStringsChangeNothing) {
  EXPECT_EQ(httpRequest(port_, "POST", "/api/v1/auth/login", "{not json").status, 400);
  EXPECT_EQ(httpRequest(port_, "POST", "/api/v1/auth/login", "[1,2]").status, 400);
  EXPECT_EQ(httpRequest(port_, "POST", "/api/v1/auth/login", std::string(70000, 'x')).status, 413);
  for (const char* hostile : {"ann' OR '1'='1", "ann'--", "\" OR \"\"=\"", "ann\\", "%00", "ann\u202e"}) {
    EXPECT_EQ(post("/api/v1/auth/login", {{"username", hostile}, {"password", "ann-password-123"}}).status,
              401)
        << hostile;
  }
  login("ann", "ann-password-123");
}

TEST_F(GatewayAuth, WebSocketTokensAreIssuedToAuthenticatedCallersOnly) {
  EXPECT_EQ(httpRequest(port_, "POST", "/api/v1/auth/ws-token").status, 401);
  auto tokens = login("ann", "ann-password-123");
  auto reply = httpRequest(port_, "POST", "/api/v1/auth/ws-token", {},
                           {"Authorization: Bearer " + tokens["access_token"].get<std::string>()});
  ASSERT_EQ(reply.status, 200) << reply.body;
  const std::string ws = Json::parse(reply.body)["token"];
  EXPECT_EQ(me("Authorization: Bearer " + ws).status, 401) << "a ws token is not an access token";
}

TEST_F(GatewayAuth, EveryAnswerCarriesRateLimitHeadersAndTheBucketEndsIn429) {
  auto first = me("X-API-Key: " + limitedKey_);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_NE(first.headers.find("RateLimit-Limit: 3"), std::string::npos) << first.headers;
  EXPECT_NE(first.headers.find("RateLimit-Remaining: 2"), std::string::npos) << first.headers;
  EXPECT_EQ(me("X-API-Key: " + limitedKey_).status, 200);
  EXPECT_EQ(me("X-API-Key: " + limitedKey_).status, 200);
  auto refused = me("X-API-Key: " + limitedKey_);
  EXPECT_EQ(refused.status, 429) << refused.body;
  EXPECT_NE(refused.headers.find("Retry-After: "), std::string::npos) << refused.headers;
  EXPECT_NE(refused.headers.find("RateLimit-Remaining: 0"), std::string::npos);
  // Another caller is not affected.
  auto tokens = login("ann", "ann-password-123");
  EXPECT_EQ(me("Authorization: Bearer " + tokens["access_token"].get<std::string>()).status, 200);
}

}  // namespace
}  // namespace ait
