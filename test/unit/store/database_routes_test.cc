// The database-service's similar-pattern routes, in process as the gateway calls them: each
// tenant sees only its own situations, a bare request is refused, bad parameters answer 400, and
// the graph routes say they need PostgreSQL when none is configured.

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ait/http/router.h"
#include "ait/hub/health_json.h"
#include "ait/store/database_service.h"
#include "unit/store/history_scenario.h"

namespace ait::store {
namespace {

using Json = nlohmann::json;

class DatabaseRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / fmt::format("ait-dbroutes-{}", ::getpid());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    DatabaseSettings settings;
    settings.sqlitePath = dir_ / "platform.db";
    settings.patterns.dimension = 3;
    settings.patternsMaxK = 5;
    auto service = DatabaseService::open(settings, {});
    ASSERT_TRUE(service.has_value()) << service.error().describe();
    service_ = std::move(*service);
    service_->addRoutes(router_);
  }
  void TearDown() override {
    service_.reset();
    std::filesystem::remove_all(dir_);
  }

  http::Response call(std::uint32_t tenant, http::Method method, const std::string& target, std::string body = {}) {
    auto request = http::Request::make(method, target, std::move(body));
    if (tenant != 0) request.caller = http::Caller{.tenant = tenant, .userId = 1, .role = "trader"};
    return router_.handle(request);
  }
  void add(std::uint32_t tenant, std::uint64_t id, const std::string& symbol, const std::string& features) {
    auto r = call(tenant, http::Method::Post, "/api/v1/patterns",
                  fmt::format(R"({{"id": {}, "symbol": "{}", "features": {}}})", id, symbol, features));
    ASSERT_EQ(r.status, 201) << r.body;
  }

  std::filesystem::path dir_;
  std::unique_ptr<DatabaseService> service_;
  http::Router router_;
};

TEST_F(DatabaseRoutesTest, SimilarSituationsAreTheTenantsOwnNearestFirst) {
  add(1, 10, "EURUSD", "[0, 0, 0]");
  add(1, 11, "EURUSD", "[1, 0, 0]");
  add(1, 12, "USDJPY", "[5, 5, 5]");
  add(1, 13, "EURUSD", "[0.9, 0.1, 0]");  // EURUSD's latest situation
  add(2, 20, "EURUSD", "[0.9, 0.1, 0]");  // the same vector, another tenant

  auto bySymbol = call(1, http::Method::Get, "/api/v1/patterns/similar?symbol=EURUSD&k=2");
  ASSERT_EQ(bySymbol.status, 200) << bySymbol.body;
  auto body = Json::parse(bySymbol.body);
  EXPECT_EQ(body["from_id"], 13);
  ASSERT_EQ(body["matches"].size(), 2u) << body.dump();
  EXPECT_EQ(body["matches"][0]["id"], 11) << "nearest first, the situation itself left out";
  EXPECT_NEAR(body["matches"][0]["distance"].get<double>(), std::sqrt(0.02), 1e-5);
  EXPECT_EQ(body["matches"][1]["id"], 10);
  EXPECT_EQ(body["matches"][1]["symbol"], "EURUSD");

  auto byVector = Json::parse(call(1, http::Method::Get, "/api/v1/patterns/similar?features=5,5,4.5&k=5").body);
  ASSERT_EQ(byVector["matches"].size(), 4u) << byVector.dump();
  EXPECT_EQ(byVector["matches"][0]["id"], 12);
  for (const auto& m : byVector["matches"]) EXPECT_NE(m["id"], 20) << "another tenant's situation";

  // Tenant 2 sees only its one situation; tenant 3 has none, and no USDJPY is tenant 2's.
  auto other = Json::parse(call(2, http::Method::Get, "/api/v1/patterns/similar?features=0,0,0&k=5").body);
  ASSERT_EQ(other["matches"].size(), 1u) << other.dump();
  EXPECT_EQ(other["matches"][0]["id"], 20);
  EXPECT_TRUE(Json::parse(call(3, http::Method::Get, "/api/v1/patterns/similar?features=0,0,0").body)["matches"].empty());
  EXPECT_EQ(call(2, http::Method::Get, "/api/v1/patterns/similar?symbol=USDJPY").status, 404);
  EXPECT_EQ(call(3, http::Method::Get, "/api/v1/patterns/similar?symbol=EURUSD").status, 404);
}

TEST_F(DatabaseRoutesTest, RefusesCallersWithoutIdentityAndBadParameters) {
  add(1, 1, "EURUSD", "[0, 0, 0]");
  EXPECT_EQ(call(0, http::Method::Get, "/api/v1/patterns/similar?symbol=EURUSD").status, 401);
  EXPECT_EQ(call(0, http::Method::Post, "/api/v1/patterns", R"({"id": 2, "features": [0, 0, 0]})").status, 401);
  for (const char* k : {"0", "6", "-1", "two", "3x", ""}) {
    auto r = call(1, http::Method::Get, fmt::format("/api/v1/patterns/similar?symbol=EURUSD&k={}", k));
    EXPECT_EQ(r.status, 400) << "k=" << k;
    EXPECT_NE(r.body.find("AIT-STORE-0006"), std::string::npos) << r.body;
  }
  EXPECT_EQ(call(1, http::Method::Get, "/api/v1/patterns/similar?k=1").status, 400) << "neither symbol nor features";
  EXPECT_EQ(call(1, http::Method::Get, "/api/v1/patterns/similar?symbol=EURUSD&features=0,0,0").status, 400);
  EXPECT_EQ(call(1, http::Method::Get, "/api/v1/patterns/similar?features=0,0").status, 400) << "too few";
  EXPECT_EQ(call(1, http::Method::Get, "/api/v1/patterns/similar?features=0,0,0,0").status, 400) << "too many";
  EXPECT_EQ(call(1, http::Method::Get, "/api/v1/patterns/similar?features=0,nan,0").status, 400);
  EXPECT_EQ(call(1, http::Method::Post, "/api/v1/patterns", R"({"id": -1, "features": [0, 0, 0]})").status, 400);
  EXPECT_EQ(call(1, http::Method::Post, "/api/v1/patterns", R"({"id": 3, "features": [0, 0]})").status, 400);
  EXPECT_EQ(call(1, http::Method::Post, "/api/v1/patterns", R"({"id": 3, "features": [0, "x", 0]})").status, 400);
  EXPECT_EQ(call(1, http::Method::Post, "/api/v1/patterns", "not json").status, 400);
  EXPECT_EQ(Json::parse(call(1, http::Method::Get, "/api/v1/patterns/similar?features=0,0,0").body)["matches"].size(), 1u)
      << "the refused requests added nothing";
}

TEST_F(DatabaseRoutesTest, GraphRoutesNeedPostgreSql) {
  auto r = call(1, http::Method::Get, "/api/v1/graph/links?from=instrument:EURUSD");
  EXPECT_EQ(r.status, 404) << r.body;
  EXPECT_NE(r.body.find("postgres_url"), std::string::npos) << r.body;
  EXPECT_EQ(call(0, http::Method::Get, "/api/v1/graph/links?from=instrument:EURUSD").status, 401);
  EXPECT_EQ(call(1, http::Method::Get, "/api/v1/graph/links?from=planet:Mars").status, 400);
}

TEST_F(DatabaseRoutesTest, HealthListsEachBackendWithItsDetails) {
  ASSERT_TRUE(service_->start().has_value());
  // The prober measures each backend as the service starts; /health only reads what it found.
  auto json = hub::toJson(service_->health());
  for (const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
       !json["dependencies"][0]["details"].contains("ping_ms") && std::chrono::steady_clock::now() < until;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    json = hub::toJson(service_->health());
  }
  EXPECT_EQ(json["status"], "healthy") << json.dump();
  const auto& sqlite = json["dependencies"][0];
  ASSERT_EQ(sqlite["name"], "sqlite") << json.dump();
  const auto& details = sqlite["details"];
  EXPECT_EQ(details["connected"], true) << details.dump();
  EXPECT_EQ(details["answers"], true);
  EXPECT_GE(details["ping_ms"].get<double>(), 0.0);
  EXPECT_EQ(details["schema_version"], details["schema_version_known"]);
  EXPECT_EQ(details["projection_lag"], 0);
  EXPECT_FALSE(details.contains("type")) << "the dependency's name says it";
  EXPECT_TRUE(details.contains("probe_age_ms")) << "the probe's age is said";
  service_->stop();
}

// The similar-pattern index is saved under patternsDir and loaded when the service opens again.
class PatternPersistenceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / fmt::format("ait-patterns-{}", ::getpid());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    settings_.sqlitePath = dir_ / "platform.db";
    settings_.patterns.dimension = 3;
    settings_.patternsDir = dir_ / "patterns";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  struct Running {
    std::unique_ptr<DatabaseService> service;
    http::Router router;
    http::Response call(std::uint32_t tenant, http::Method method, const std::string& target, std::string body = {}) {
      auto request = http::Request::make(method, target, std::move(body));
      request.caller = http::Caller{.tenant = tenant, .userId = 1, .role = "trader"};
      return router.handle(request);
    }
    void add(std::uint32_t tenant, std::uint64_t id, const std::string& symbol, const std::string& features) {
      auto r = call(tenant, http::Method::Post, "/api/v1/patterns",
                    fmt::format(R"({{"id": {}, "symbol": "{}", "features": {}}})", id, symbol, features));
      ASSERT_EQ(r.status, 201) << r.body;
    }
  };
  std::unique_ptr<Running> open() {
    auto opened = DatabaseService::open(settings_, {});
    if (!opened) {
      ADD_FAILURE() << opened.error().describe();
      return nullptr;
    }
    auto running = std::make_unique<Running>();
    running->service = std::move(*opened);
    running->service->addRoutes(running->router);
    EXPECT_TRUE(running->service->start().has_value());
    return running;
  }

  std::filesystem::path dir_;
  DatabaseSettings settings_;
};

TEST_F(PatternPersistenceTest, SituationsSurviveARestartOfTheService) {
  {
    auto first = open();
    ASSERT_NE(first, nullptr);
    first->add(1, 10, "EURUSD", "[0, 0, 0]");
    first->add(1, 11, "EURUSD", "[1, 0, 0]");
    first->add(1, 12, "EURUSD", "[0.9, 0.1, 0]");
    first->add(2, 20, "EURUSD", "[0.9, 0.1, 0]");
    EXPECT_FALSE(std::filesystem::exists(settings_.patternsDir / "tenant-1.hnsw")) << "saved only every 1000";
    first->service->stop();  // saves
  }
  ASSERT_TRUE(std::filesystem::exists(settings_.patternsDir / "tenant-1.hnsw"));
  ASSERT_TRUE(std::filesystem::exists(settings_.patternsDir / "patterns.json"));
  auto second = open();
  ASSERT_NE(second, nullptr);
  auto bySymbol = second->call(1, http::Method::Get, "/api/v1/patterns/similar?symbol=EURUSD&k=2");
  ASSERT_EQ(bySymbol.status, 200) << bySymbol.body << " (the symbols are restored too)";
  auto body = Json::parse(bySymbol.body);
  EXPECT_EQ(body["from_id"], 12);
  ASSERT_EQ(body["matches"].size(), 2u) << body.dump();
  EXPECT_EQ(body["matches"][0]["id"], 11);
  EXPECT_EQ(body["matches"][0]["symbol"], "EURUSD");
  auto other = Json::parse(second->call(2, http::Method::Get, "/api/v1/patterns/similar?features=0,0,0&k=5").body);
  ASSERT_EQ(other["matches"].size(), 1u) << "tenants stay apart after loading: " << other.dump();
  EXPECT_EQ(other["matches"][0]["id"], 20);
  // Added after the restart, next to the loaded ones.
  second->add(1, 13, "USDJPY", "[5, 5, 5]");
  auto near = Json::parse(second->call(1, http::Method::Get, "/api/v1/patterns/similar?features=5,5,4&k=1").body);
  EXPECT_EQ(near["matches"][0]["id"], 13);
}

TEST_F(PatternPersistenceTest, SavedEveryNAdditionsWithoutAStop) {
  settings_.patternsSaveEvery = 2;
  auto first = open();
  ASSERT_NE(first, nullptr);
  first->add(1, 1, "EURUSD", "[0, 0, 0]");
  EXPECT_FALSE(std::filesystem::exists(settings_.patternsDir / "tenant-1.hnsw"));
  first->add(1, 2, "EURUSD", "[1, 1, 1]");
  ASSERT_TRUE(std::filesystem::exists(settings_.patternsDir / "tenant-1.hnsw"));
  EXPECT_FALSE(std::filesystem::exists(settings_.patternsDir / "tenant-1.hnsw.tmp"));
  // A second service reading the folder (the first still running, as after a crash) sees both.
  auto second = open();
  ASSERT_NE(second, nullptr);
  auto found = Json::parse(second->call(1, http::Method::Get, "/api/v1/patterns/similar?features=0,0,0&k=5").body);
  EXPECT_EQ(found["matches"].size(), 2u) << found.dump();
}

TEST_F(PatternPersistenceTest, AnUnreadableSavedFileRefusesTheStartNamingIt) {
  {
    auto first = open();
    ASSERT_NE(first, nullptr);
    first->add(1, 1, "EURUSD", "[0, 0, 0]");
    first->service->stop();
  }
  const auto index = settings_.patternsDir / "tenant-1.hnsw";
  const auto good = [&] {
    std::ifstream in(index, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }();
  const auto write = [](const std::filesystem::path& path, const std::string& text) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
  };
  write(index, good.substr(0, 40));  // torn
  auto opened = DatabaseService::open(settings_, {});
  ASSERT_FALSE(opened.has_value());
  EXPECT_NE(opened.error().message().find(index.string()), std::string::npos) << opened.error().message();

  write(index, good);
  settings_.patterns.dimension = 4;  // a saved index of another dimension
  opened = DatabaseService::open(settings_, {});
  ASSERT_FALSE(opened.has_value());
  EXPECT_NE(opened.error().message().find("dimension"), std::string::npos) << opened.error().message();

  settings_.patterns.dimension = 3;
  write(settings_.patternsDir / "patterns.json", "{not json");
  opened = DatabaseService::open(settings_, {});
  ASSERT_FALSE(opened.has_value());
  EXPECT_NE(opened.error().message().find((settings_.patternsDir / "patterns.json").string()), std::string::npos)
      << opened.error().message();
}

TEST_F(PatternPersistenceTest, AFailedSaveDegradesTheServiceAndKeepsTheSituation) {
  std::ofstream(dir_ / "blocker") << "a file where the folder should be";
  settings_.patternsDir = dir_ / "blocker" / "patterns";
  settings_.patternsSaveEvery = 1;
  auto running = open();
  ASSERT_NE(running, nullptr);
  running->add(1, 1, "EURUSD", "[0, 0, 0]");
  const auto health = running->service->health();
  EXPECT_EQ(health.status, hub::HealthStatus::Degraded);
  bool listed = false;
  for (const auto& dependency : health.dependencies) {
    if (dependency.name != "pattern-index") continue;
    listed = true;
    EXPECT_EQ(dependency.status, hub::HealthStatus::Degraded);
    EXPECT_NE(dependency.reason.find("blocker"), std::string::npos) << dependency.reason;
    EXPECT_EQ(dependency.details["unsaved"], 1) << dependency.details.dump();
  }
  EXPECT_TRUE(listed);
  auto found = Json::parse(running->call(1, http::Method::Get, "/api/v1/patterns/similar?features=0,0,0").body);
  EXPECT_EQ(found["matches"].size(), 1u) << "the situation stays in memory";
  running->service->stop();
}

class HistoryRoutesTest : public DatabaseRoutesTest {
 protected:
  void SetUp() override {
    DatabaseRoutesTest::SetUp();
    ASSERT_TRUE(service_->store().apply("trading", scenario::events()).has_value());
    std::vector<model::Event> ticks;
    for (std::uint64_t i = 1; i <= 6; ++i) {
      model::Tick t{};
      t.header = {model::TenantId{i <= 4 ? 1U : 2U}, static_cast<TimestampNs>(i * 30'000'000'000LL), 0, i};
      t.instrument.symbol = model::Symbol::truncated("EURUSD");
      t.bid = model::Price::parse("1.1").value();
      t.ask = model::Price::parse("1.2").value();
      t.last = model::Price::parse(fmt::format("1.1{}", i)).value();
      ticks.push_back(t);
    }
    ASSERT_TRUE(service_->store().apply("md", ticks).has_value());
  }
  Json get(std::uint32_t tenant, const std::string& target, int status = 200) {
    auto r = call(tenant, http::Method::Get, target);
    EXPECT_EQ(r.status, status) << target << ": " << r.body;
    return Json::parse(r.body, nullptr, false);
  }
};

TEST_F(HistoryRoutesTest, EachReadIsTheCallersTenantOnly) {
  auto positions = get(1, "/api/v1/history/positions");
  EXPECT_EQ(positions["count"], 2);
  EXPECT_EQ(get(1, "/api/v1/history/positions?open=true")["count"], 1);
  EXPECT_EQ(get(1, "/api/v1/history/positions?account=acc-1")["items"][0]["status"], "closed");
  EXPECT_EQ(get(2, "/api/v1/history/positions")["count"], 1);
  EXPECT_EQ(get(3, "/api/v1/history/positions")["count"], 0);

  auto decisions = get(1, "/api/v1/history/decisions?symbol=EURUSD");
  ASSERT_EQ(decisions["count"], 1);
  EXPECT_EQ(decisions["items"][0]["models"].size(), 2u);
  EXPECT_EQ(get(2, "/api/v1/history/decisions")["count"], 1);
  EXPECT_EQ(get(1, "/api/v1/history/models")["items"][0]["decisions"], 2);
  EXPECT_EQ(get(3, "/api/v1/history/models")["count"], 0);

  EXPECT_EQ(get(1, "/api/v1/history/fills")["count"], 1);
  EXPECT_EQ(get(1, "/api/v1/history/fills?account=acc-1")["count"], 1);
  EXPECT_EQ(get(2, "/api/v1/history/fills?account=acc-1")["count"], 0);
  EXPECT_EQ(get(1, "/api/v1/history/orders")["items"][0]["status"], "filled");
  EXPECT_EQ(get(2, "/api/v1/history/orders")["count"], 0);

  auto account = get(1, "/api/v1/history/accounts/acc-1");
  EXPECT_EQ(account["states"].size(), 1u);
  EXPECT_EQ(account["fills"].size(), 1u);
  // Tenant 2 has a position on an account of the same name but no snapshot or fill: to it, and
  // to tenant 3, tenant 1's account does not exist.
  EXPECT_EQ(get(2, "/api/v1/history/accounts/acc-1", 404)["code"], "AIT-STORE-0007");
  get(3, "/api/v1/history/accounts/acc-1", 404);
}

TEST_F(HistoryRoutesTest, TicksAndBarsByRange) {
  auto ticks = get(1, "/api/v1/history/ticks?symbol=EURUSD&from=60000000000&to=120000000001");
  ASSERT_EQ(ticks["count"], 3) << ticks.dump();
  EXPECT_EQ(ticks["items"][0]["last"], "1.12") << "oldest first";
  EXPECT_EQ(get(1, "/api/v1/history/ticks?symbol=EURUSD&limit=2")["count"], 2);
  EXPECT_EQ(get(2, "/api/v1/history/ticks?symbol=EURUSD")["count"], 2) << "tenant 2's own ticks only";
  EXPECT_EQ(get(3, "/api/v1/history/ticks?symbol=EURUSD")["count"], 0);

  // Ticks at 30, 60, 90, 120 s: one-minute bars [0,60) [60,120) [120,180).
  auto bars = get(1, "/api/v1/history/bars?symbol=EURUSD&interval=1m");
  ASSERT_EQ(bars["count"], 3) << bars.dump();
  EXPECT_EQ(bars["interval"], "1m");
  EXPECT_EQ(get(1, "/api/v1/history/bars?symbol=EURUSD&interval=1h")["count"], 1);
}

TEST_F(HistoryRoutesTest, BadParametersAnswer400AndABareRequest401) {
  for (const char* target :
       {"/api/v1/history/orders?limit=0", "/api/v1/history/orders?limit=1001", "/api/v1/history/fills?limit=x",
        "/api/v1/history/fills?account=", "/api/v1/history/positions?open=yes",
        "/api/v1/history/decisions?symbol=", "/api/v1/history/ticks", "/api/v1/history/ticks?symbol=EURUSD&from=5&to=5",
        "/api/v1/history/ticks?symbol=EURUSD&from=-1", "/api/v1/history/ticks?symbol=EURUSD&to=1e9",
        "/api/v1/history/bars?symbol=EURUSD&interval=fortnight", "/api/v1/history/bars?symbol=EURUSD&interval=0s",
        "/api/v1/history/bars?interval=1m", "/api/v1/history/instruments?limit=0"}) {
    auto r = call(1, http::Method::Get, target);
    EXPECT_EQ(r.status, 400) << target << ": " << r.body;
    EXPECT_NE(r.body.find("AIT-STORE-0006"), std::string::npos) << target << ": " << r.body;
  }
  for (const char* target : {"/api/v1/history/orders", "/api/v1/history/positions", "/api/v1/history/decisions",
                             "/api/v1/history/models", "/api/v1/history/ticks?symbol=EURUSD",
                             "/api/v1/history/accounts/acc-1", "/api/v1/history/instruments"}) {
    EXPECT_EQ(call(0, http::Method::Get, target).status, 401) << target;
  }
}

TEST_F(DatabaseRoutesTest, TheConfiguredInstrumentsAreWrittenAtStartAndReadByEveryTenant) {
  service_.reset();
  DatabaseSettings settings;
  settings.sqlitePath = dir_ / "platform.db";
  settings.instruments = {scenario::instrument("EURUSD", "0.00001", 5, "fx"),
                          scenario::instrument("USDJPY", "0.001", 3, "fx")};
  auto opened = DatabaseService::open(settings, {});
  ASSERT_TRUE(opened.has_value()) << opened.error().describe();
  service_ = std::move(*opened);
  http::Router router;
  service_->addRoutes(router);
  const auto read = [&](std::uint32_t tenant) {
    auto request = http::Request::make(http::Method::Get, "/api/v1/history/instruments", {});
    request.caller = http::Caller{.tenant = tenant, .userId = 1, .role = "viewer"};
    auto r = router.handle(request);
    EXPECT_EQ(r.status, 200) << r.body;
    return Json::parse(r.body, nullptr, false);
  };
  EXPECT_EQ(read(1)["count"], 0) << "nothing before start()";
  ASSERT_TRUE(service_->start().has_value());
  auto one = read(1);
  ASSERT_EQ(one["count"], 2) << one.dump();
  EXPECT_EQ(one["items"][0]["symbol"], "EURUSD");
  EXPECT_EQ(one["items"][0]["tick_size"], "0.00001");
  EXPECT_EQ(one["items"][1]["price_scale"], 3);
  EXPECT_EQ(read(2)["items"], one["items"]) << "shared reference data: every tenant reads the same";
  service_->stop();
}

}  // namespace
}  // namespace ait::store
