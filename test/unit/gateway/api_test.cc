// The gateway's REST layer against stand-in services: who the services are told is calling,
// role checks, paging, 404 for other tenants' objects, the OpenAPI document against the router,
// adaptive shedding, and the signed identity a service in another process receives.

#include "ait/gateway/api.h"

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <set>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ait/auth/secrets.h"
#include "ait/gateway/errors.h"
#include "ait/gateway/identity.h"
#include "ait/http/caller.h"
#include "ait/http/server.h"
#include "ait/services/common_routes.h"

namespace ait::gateway {
namespace {

using Json = nlohmann::json;
const std::string kSecret = "q8Vw3LrT0xYz9KpN2mB7cD4fG6hJ1sA5eR0tU3iO8pW";

// A stand-in trading engine: orders per tenant, answering for the caller's tenant only, and
// remembering who it was told called.
struct FakeTrading {
  http::Router router;
  std::vector<http::Caller> seen;
  std::mutex mutex;
  std::map<std::uint32_t, Json> orders;  // tenant -> array

  FakeTrading() {
    auto callerOrRefuse = [this](const http::Request& r) -> std::optional<http::Caller> {
      auto caller = http::callerOf(r);
      if (!caller) return std::nullopt;
      std::lock_guard lock(mutex);
      seen.push_back(*caller);
      return *caller;
    };
    router.get("/api/v1/orders", [this, callerOrRefuse](const http::Request& r) {
      auto c = callerOrRefuse(r);
      if (!c) return http::problem(401, http::kNoCaller, "no caller");
      return http::Response::json(200, {{"orders", orders[c->tenant]}});
    });
    router.get("/api/v1/orders/{id}", [this, callerOrRefuse](const http::Request& r) {
      auto c = callerOrRefuse(r);
      if (!c) return http::problem(401, http::kNoCaller, "no caller");
      for (const auto& o : orders[c->tenant]) {
        if (o["client_order_id"] == r.param("id")) return http::Response::json(200, o);
      }
      return http::Response::json(404, {{"error", "no such order"}});
    });
    router.post("/api/v1/orders", [callerOrRefuse](const http::Request& r) {
      auto c = callerOrRefuse(r);
      if (!c) return http::problem(401, http::kNoCaller, "no caller");
      return http::Response::json(201, {{"tenant_id", c->tenant}, {"body", Json::parse(r.body, nullptr, false)}});
    });
    router.get("/api/v1/account", [callerOrRefuse](const http::Request& r) {
      auto c = callerOrRefuse(r);
      if (!c) return http::problem(401, http::kNoCaller, "no caller");
      return http::Response::json(200, {{"accounts", {{{"account", fmt::format("ACC{}", c->tenant)}, {"tenant_id", c->tenant}}}}});
    });
    for (std::uint32_t tenant : {1U, 2U}) {
      Json list = Json::array();
      for (int i = 0; i < 7; ++i) {
        list.push_back({{"client_order_id", fmt::format("t{}-o{}", tenant, i)},
                        {"venue_order_id", fmt::format("V{}{}", tenant, i)},
                        {"tenant_id", tenant},
                        {"account", fmt::format("ACC{}", tenant)},
                        {"instrument", "EURUSD@SIM"},
                        {"side", i % 2 == 0 ? "buy" : "sell"},
                        {"status", i < 3 ? "accepted" : "filled"}});
      }
      orders[tenant] = list;
    }
  }
};

class GatewayApi : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    dir_ = std::filesystem::temp_directory_path() / fmt::format("ait-gw-api-{}-{}", ::getpid(), counter++);
    std::filesystem::remove_all(dir_);
    IdentitySettings settings;
    settings.jwtSecret = kSecret;
    settings.dbPath = dir_ / "identity.db";
    settings.auth.passwordCost = {1024, 1, 1};
    auto identity = Identity::open(settings);
    ASSERT_TRUE(identity.has_value()) << identity.error().describe();
    identity_ = std::move(*identity);
    auto& store = identity_->store();
    ASSERT_TRUE(store.addTenant("alpha", 0).has_value());
    ASSERT_TRUE(store.addTenant("beta", 0).has_value());
    addUser("alpha", "ann", auth::Role::Trader);
    addUser("alpha", "val", auth::Role::Viewer);
    addUser("beta", "bob", auth::Role::Trader);
    RateLimitSettings limits;
    limits.tenant = {1e6, 1e6};
    limits.loginPerIp = {1e6, 1e6};
    limits.orders = {1e6, 1e6};
    gate_ = std::make_unique<Gatekeeper>(identity_->authenticator(), SystemClock::instance(), limits);
    BackendSettings settings2;
    settings2.name = "trading-engine";
    trading_ = std::make_unique<Backend>(settings2, fake_.router);
    ctx_.gate = gate_.get();
    ctx_.trading = trading_.get();
    ctx_.version = "test";
    ctx_.instruments.push_back({{"instrument", "EURUSD@SIM"}});
    addApiRoutes(router_, ctx_);
  }
  void TearDown() override {
    router_ = http::Router();
    identity_.reset();
    std::filesystem::remove_all(dir_);
  }
  void addUser(const std::string& tenant, const std::string& name, auth::Role role) {
    auto hash = auth::hashPassword(name + "-password-123", {1024, 1, 1});
    ASSERT_TRUE(hash.has_value());
    ASSERT_TRUE(identity_->store().addUser(tenant, name, *hash, role, 0).has_value());
  }
  std::string tokenOf(const std::string& name) {
    auto pair = identity_->authenticator().login(name, name + "-password-123", "", gate_->unixNow());
    EXPECT_TRUE(pair.has_value());
    return pair ? pair->accessToken : std::string();
  }
  http::Response call(http::Method method, const std::string& target, const std::string& user,
                      std::string body = {}, std::vector<std::pair<std::string, std::string>> headers = {}) {
    auto request = http::Request::make(method, target, std::move(body));
    request.remoteAddress = "127.0.0.1";
    if (!user.empty()) request.headers.emplace_back("Authorization", "Bearer " + tokenOf(user));
    for (auto& h : headers) request.headers.push_back(h);
    return router_.handle(request);
  }

  std::filesystem::path dir_;
  std::unique_ptr<Identity> identity_;
  std::unique_ptr<Gatekeeper> gate_;
  FakeTrading fake_;
  std::unique_ptr<Backend> trading_;
  ApiContext ctx_;
  http::Router router_;
};

TEST_F(GatewayApi, TheTenantComesFromTheTokenNeverFromTheRequest) {
  auto reply = call(http::Method::Post, "/api/v1/orders?tenant_id=2", "ann",
                    R"({"tenant_id": 2, "client_order_id": "x"})", {{"X-Tenant-Id", "2"}, {"X-Ait-Identity", "forged"}});
  ASSERT_EQ(reply.status, 201) << reply.body;
  EXPECT_EQ(Json::parse(reply.body)["tenant_id"], 1);
  ASSERT_FALSE(fake_.seen.empty());
  EXPECT_EQ(fake_.seen.back().tenant, 1U);
  EXPECT_EQ(fake_.seen.back().role, "trader");
}

TEST_F(GatewayApi, RolesAreCheckedOnEveryRoute) {
  EXPECT_EQ(call(http::Method::Post, "/api/v1/orders", "val", "{}").status, 403);
  EXPECT_EQ(call(http::Method::Get, "/api/v1/orders", "val").status, 200);
  EXPECT_EQ(call(http::Method::Post, "/api/v1/risk/resume", "ann").status, 403);
  EXPECT_EQ(call(http::Method::Get, "/api/v1/errors", "ann").status, 403);
  EXPECT_EQ(call(http::Method::Post, "/api/v1/models", "ann", "{}").status, 403);
  EXPECT_EQ(call(http::Method::Get, "/api/v1/orders", "").status, 401);
  EXPECT_EQ(call(http::Method::Get, "/api/v1/version", "").status, 200);
  // A route whose service does not run here says so.
  EXPECT_EQ(call(http::Method::Get, "/api/v1/models", "ann").status, 503);
}

TEST_F(GatewayApi, OrdersArePagedAndFiltered) {
  auto first = Json::parse(call(http::Method::Get, "/api/v1/orders?limit=3", "ann").body);
  ASSERT_EQ(first["orders"].size(), 3U) << first.dump();
  EXPECT_EQ(first["orders"][0]["client_order_id"], "t1-o0");
  ASSERT_TRUE(first.contains("next_cursor"));
  auto second = Json::parse(call(http::Method::Get, "/api/v1/orders?limit=3&cursor=" +
                                                       first["next_cursor"].get<std::string>(), "ann").body);
  ASSERT_EQ(second["orders"].size(), 3U);
  EXPECT_EQ(second["orders"][0]["client_order_id"], "t1-o3");
  auto last = Json::parse(call(http::Method::Get, "/api/v1/orders?limit=3&cursor=" +
                                                     second["next_cursor"].get<std::string>(), "ann").body);
  EXPECT_EQ(last["orders"].size(), 1U);
  EXPECT_FALSE(last.contains("next_cursor"));

  auto open = Json::parse(call(http::Method::Get, "/api/v1/orders?status=open", "ann").body);
  EXPECT_EQ(open["orders"].size(), 3U);
  auto sells = Json::parse(call(http::Method::Get, "/api/v1/orders?status=filled&side=sell", "ann").body);
  for (const auto& o : sells["orders"]) {
    EXPECT_EQ(o["side"], "sell");
    EXPECT_EQ(o["status"], "filled");
  }
  EXPECT_EQ(sells["orders"].size(), 2U);
  for (const char* bad : {"limit=0", "limit=501", "limit=abc", "cursor=-1", "status=nope", "side=up",
                          "limit=1%27%20OR%201=1"}) {
    auto reply = call(http::Method::Get, fmt::format("/api/v1/orders?{}", bad), "ann");
    EXPECT_EQ(reply.status, 400) << bad;
    EXPECT_NE(reply.body.find("AIT-GW-0002"), std::string::npos) << reply.body;
  }
}

TEST_F(GatewayApi, AnotherTenantsObjectsAre404) {
  EXPECT_EQ(call(http::Method::Get, "/api/v1/orders/t1-o1", "ann").status, 200);
  EXPECT_EQ(call(http::Method::Get, "/api/v1/orders/V11", "ann").status, 200) << "by venue id";
  EXPECT_EQ(call(http::Method::Get, "/api/v1/orders/t2-o1", "ann").status, 404);
  EXPECT_EQ(call(http::Method::Get, "/api/v1/orders/V21", "ann").status, 404);
  EXPECT_EQ(call(http::Method::Get, "/api/v1/orders/t2-o1", "bob").status, 200);
  EXPECT_EQ(call(http::Method::Get, "/api/v1/accounts/ACC2", "ann").status, 404);
  EXPECT_EQ(call(http::Method::Get, "/api/v1/accounts/ACC1", "ann").status, 200);
  auto mine = Json::parse(call(http::Method::Get, "/api/v1/orders?limit=500", "bob").body);
  for (const auto& o : mine["orders"]) EXPECT_EQ(o["tenant_id"], 2);
}

TEST_F(GatewayApi, BacktestJobsGoToAnalyticsForTheCallersTenantTradersSubmit) {
  // A stand-in analytics service that echoes who it was told is calling.
  http::Router analytics;
  auto echo = [](const http::Request& r) {
    auto c = http::callerOf(r);
    if (!c) return http::problem(401, http::kNoCaller, "no caller");
    return http::Response::json(r.method == http::Method::Post ? 202 : 200,
                                {{"tenant_id", c->tenant}, {"role", c->role}, {"id", std::string(r.param("id"))}});
  };
  analytics.post("/api/v1/backtests", echo);
  analytics.get("/api/v1/backtests", echo);
  analytics.get("/api/v1/backtests/files", echo);
  analytics.get("/api/v1/backtests/{id}", echo);
  analytics.get("/api/v1/backtests/{id}/report", echo);
  BackendSettings settings;
  settings.name = "performance-analytics";
  Backend backend(settings, analytics);
  ctx_.analytics = &backend;
  router_ = http::Router();
  addApiRoutes(router_, ctx_);

  EXPECT_EQ(call(http::Method::Post, "/api/v1/backtests", "val", "{}").status, 403) << "viewers do not submit";
  auto submitted = call(http::Method::Post, "/api/v1/backtests", "bob", R"({"tenant_id": 1})",
                        {{"X-Tenant-Id", "1"}});
  ASSERT_EQ(submitted.status, 202) << submitted.body;
  EXPECT_EQ(Json::parse(submitted.body)["tenant_id"], 2);
  auto job = Json::parse(call(http::Method::Get, "/api/v1/backtests/abc/report", "val").body);
  EXPECT_EQ(job["tenant_id"], 1);
  EXPECT_EQ(job["role"], "viewer");
  EXPECT_EQ(job["id"], "abc");
  EXPECT_EQ(call(http::Method::Get, "/api/v1/backtests/files", "val").status, 200);
  EXPECT_EQ(call(http::Method::Get, "/api/v1/backtests", "").status, 401);
  ctx_.analytics = nullptr;
  router_ = http::Router();
  addApiRoutes(router_, ctx_);
  EXPECT_EQ(call(http::Method::Get, "/api/v1/backtests", "val").status, 503);
}

TEST_F(GatewayApi, TheOpenApiDocumentListsExactlyTheRoutes) {
  // The gateway port as wiring builds it: probe routes plus the API.
  hub::Hub hub;
  http::Router port;
  services::addProbeRoutes(port, hub, "api-gateway");
  addApiRoutes(port, ctx_);
  ctx_.streams = nullptr;
  std::set<std::string> routes;
  for (const auto& r : port.routes()) routes.insert(fmt::format("{} {}", http::toString(r.method), r.pattern));
  Json document = openApiDocument(port, "test");
  EXPECT_EQ(document["openapi"], "3.0.3");
  std::set<std::string> documented;
  for (const auto& [path, operations] : document["paths"].items()) {
    for (const auto& [method, op] : operations.items()) {
      std::string upper = method;
      for (auto& c : upper) c = static_cast<char>(std::toupper(c));
      documented.insert(fmt::format("{} {}", upper, path));
      EXPECT_NE(op["summary"], "(undocumented)") << upper << " " << path << " has no RouteDoc";
    }
  }
  EXPECT_EQ(routes, documented);
  // And every documented route exists (the WebSocket route only when streams are wired).
  for (const auto& doc : routeDocs()) {
    if (doc.path == "/api/v1/ws") continue;
    EXPECT_TRUE(routes.contains(fmt::format("{} {}", http::toString(doc.method), doc.path)))
        << doc.path << " is documented but not routed";
  }
  auto served = call(http::Method::Get, "/api/v1/openapi.json", "");
  EXPECT_EQ(served.status, 200);
  EXPECT_TRUE(Json::parse(served.body, nullptr, false).contains("paths"));
}

TEST_F(GatewayApi, LowPriorityTrafficIsShedFirstWhenABackendIsSlow) {
  FakeClock clock;
  http::Router slow;
  std::atomic<std::int64_t> delayMs{600};
  slow.get("/x", [&](const http::Request&) {
    clock.advance(std::chrono::milliseconds(delayMs.load()));
    return http::Response::json(200, {{"ok", true}});
  });
  BackendSettings settings;
  settings.name = "slow";
  settings.latencyBudget = std::chrono::milliseconds(250);
  Backend backend(settings, slow, clock);
  http::Caller caller{1, 1, "trader"};
  auto request = http::Request::make(http::Method::Get, "/x");
  EXPECT_EQ(backend.call(request, caller, Priority::Low).status, 200);  // measures 600 ms
  EXPECT_TRUE(backend.overBudget(Priority::Low));
  EXPECT_TRUE(backend.overBudget(Priority::Normal));  // 600 > 2 x 250
  EXPECT_FALSE(backend.overBudget(Priority::Orders));
  auto shed = backend.call(request, caller, Priority::Low);
  EXPECT_EQ(shed.status, 503);
  EXPECT_TRUE(shed.header("Retry-After").has_value());
  EXPECT_NE(shed.body.find(errors::kShed.code), std::string::npos);
  EXPECT_EQ(backend.call(request, caller, Priority::Orders).status, 200) << "orders keep going";

  // Once the backend is fast again, calls that go through bring the average under budget.
  delayMs = 0;
  int calls = 0;
  while (backend.overBudget(Priority::Low) && calls < 100) {
    EXPECT_EQ(backend.call(request, caller, Priority::Orders).status, 200);
    ++calls;
  }
  EXPECT_FALSE(backend.overBudget(Priority::Low));
  EXPECT_EQ(backend.call(request, caller, Priority::Low).status, 200);
}

TEST(GatewayServiceIdentity, ServicesAcceptOnlyTheSignedIdentity) {
  auto identity = ServiceIdentity::fromSecret(kSecret, "aitrading", "aitrading-api");
  ASSERT_TRUE(identity.has_value());
  http::installCallerVerifier((*identity)->verifier(SystemClock::instance()));
  const std::int64_t now = SystemClock::instance().now() / 1'000'000'000;

  auto bare = http::Request::make(http::Method::Get, "/api/v1/orders");
  bare.headers.emplace_back("X-Tenant-Id", "7");
  auto refused = http::callerOf(bare);
  ASSERT_FALSE(refused.has_value());
  EXPECT_NE(refused.error().message().find("X-Tenant-Id"), std::string::npos);

  auto token = (*identity)->sign({7, 3, "trader"}, now);
  ASSERT_TRUE(token.has_value());
  auto signed_ = http::Request::make(http::Method::Get, "/api/v1/orders");
  signed_.headers.emplace_back("X-Ait-Identity", *token);
  auto caller = http::callerOf(signed_);
  ASSERT_TRUE(caller.has_value()) << caller.error().describe();
  EXPECT_EQ(caller->tenant, 7U);
  EXPECT_EQ(caller->userId, 3);

  // Another key, an expired token, a client access token and a tampered one are refused.
  auto other = ServiceIdentity::fromSecret("Zt7pL2mQ9xR4vB8nK1cW6yH3jF5gD0sA9eU2iO7p", "aitrading", "aitrading-api");
  ASSERT_TRUE(other.has_value());
  std::string tampered = *token;
  tampered[tampered.size() - 3] = tampered[tampered.size() - 3] == 'A' ? 'B' : 'A';
  auth::KeyTable keys = std::move(*auth::keyTableFromSecret(kSecret));
  auth::TokenCodec access(keys, "aitrading", "aitrading-api");
  auth::Claims claims;
  claims.subject = "3";
  claims.tenant = 7;
  claims.role = auth::Role::Admin;
  claims.kind = auth::TokenKind::Access;
  claims.issuedAt = now;
  claims.expiresAt = now + 60;
  claims.id = "x";
  for (const std::string& bad : {*(*other)->sign({7, 3, "trader"}, now), *(*identity)->sign({7, 3, "trader"}, now - 3600),
                                 tampered, *access.sign(claims)}) {
    auto request = http::Request::make(http::Method::Get, "/api/v1/orders");
    request.headers.emplace_back("X-Ait-Identity", bad);
    EXPECT_FALSE(http::callerOf(request).has_value());
  }
  http::installCallerVerifier(nullptr);
}

TEST(GatewayRemoteBackend, ForwardsWithASignedIdentityAndFailsCleanly) {
  auto identity = ServiceIdentity::fromSecret(kSecret, "aitrading", "aitrading-api");
  ASSERT_TRUE(identity.has_value());
  http::installCallerVerifier((*identity)->verifier(SystemClock::instance()));
  http::HttpServer server;
  auto& router = server.addEndpoint({"svc", "127.0.0.1", 0});
  std::atomic<int> gets{0};
  router.get("/who", [&](const http::Request& r) {
    ++gets;
    auto caller = http::callerOf(r);
    if (!caller) return http::callerRefused(caller.error());
    const bool leaked = r.header("Authorization").has_value() || r.header("X-API-Key").has_value();
    return http::Response::json(200, {{"tenant", caller->tenant}, {"leaked", leaked}, {"q", r.query("a").value_or("")}});
  });
  router.get("/fail", [&](const http::Request&) {
    ++gets;
    return http::Response::json(500, {{"error", "boom"}});
  });
  ASSERT_TRUE(server.start().has_value());
  const auto port = server.port("svc");
  BackendSettings settings;
  settings.name = "svc";
  settings.retries = 2;
  Backend backend(settings, hub::ServiceLocation::remote("127.0.0.1", port), **identity);
  auto request = http::Request::make(http::Method::Get, "/who?a=b%20c");
  request.headers.emplace_back("Authorization", "Bearer client-token");
  request.headers.emplace_back("X-API-Key", "ait_secret");
  auto reply = backend.call(request, {9, 1, "viewer"}, Priority::Normal);
  ASSERT_EQ(reply.status, 200) << reply.body;
  auto body = Json::parse(reply.body);
  EXPECT_EQ(body["tenant"], 9);
  EXPECT_FALSE(body["leaked"].get<bool>()) << "client credentials are stripped";
  EXPECT_EQ(body["q"], "b c");

  gets = 0;
  EXPECT_EQ(backend.call(http::Request::make(http::Method::Get, "/fail"), {9, 1, "viewer"}, Priority::Normal).status, 500);
  EXPECT_EQ(gets.load(), 3) << "a GET is retried";
  server.stop();

  // Nobody listens any more: 503 naming the service, never a crash.
  auto down = backend.call(http::Request::make(http::Method::Post, "/who"), {9, 1, "viewer"}, Priority::Orders);
  EXPECT_EQ(down.status, 503);
  EXPECT_NE(down.body.find(errors::kBackendDown.code), std::string::npos) << down.body;
  http::installCallerVerifier(nullptr);
}

}  // namespace
}  // namespace ait::gateway
