// The database-service's similar-pattern routes, in process as the gateway calls them: each
// tenant sees only its own situations, a bare request is refused, bad parameters answer 400, and
// the graph routes say they need PostgreSQL when none is configured.

#include <unistd.h>

#include <filesystem>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ait/http/router.h"
#include "ait/store/database_service.h"

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

}  // namespace
}  // namespace ait::store
