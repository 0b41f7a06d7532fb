// Similar-pattern search and graph questions in a real PostgreSQL 15 (Debian's, with the cube
// extension from postgresql-contrib) started by the test on loopback in a throwaway folder.

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <random>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ait/http/router.h"
#include "ait/store/database_service.h"
#include "ait/store/pattern_index.h"
#include "ait/store/postgres_graph.h"
#include "support/postgres_server.h"
#include "support/require_server.h"

namespace ait::store {
namespace {

constexpr model::TenantId kA{1};
constexpr model::TenantId kB{2};

std::vector<std::vector<float>> randomVectors(std::size_t n, std::size_t dim, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<std::vector<float>> out(n, std::vector<float>(dim));
  for (auto& v : out) {
    for (auto& x : v) x = dist(rng);
  }
  return out;
}

std::vector<PatternMatch> bruteForce(const std::vector<std::vector<float>>& data, const std::vector<float>& q,
                                     std::size_t k) {
  std::vector<PatternMatch> all;
  for (std::size_t i = 0; i < data.size(); ++i) {
    double d = 0;
    for (std::size_t j = 0; j < q.size(); ++j) {
      const double diff = static_cast<double>(data[i][j]) - static_cast<double>(q[j]);
      d += diff * diff;
    }
    all.push_back({i, std::sqrt(d)});
  }
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
    return a.distance != b.distance ? a.distance < b.distance : a.id < b.id;
  });
  all.resize(k);
  return all;
}

class PostgresAnalyticsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (testing::findPostgresBin().empty()) AIT_SKIP_UNLESS_SERVERS_REQUIRED() << "postgresql is not installed";
    static std::atomic<int> counter{0};
    dir_ = std::filesystem::temp_directory_path() / fmt::format("ait-pga-{}-{}", ::getpid(), counter++);
    std::filesystem::remove_all(dir_);
    server_ = std::make_unique<testing::PostgresServer>(dir_ / "server");
    ASSERT_TRUE(server_->start()) << "postgres did not start; see " << dir_ / "server";
    settings_.conninfo = server_->conninfo();
  }
  void TearDown() override {
    server_.reset();
    if (!HasFailure()) std::filesystem::remove_all(dir_);
  }

  void checkExact(PostgresPatternIndex& index, std::size_t dim) {
    const auto data = randomVectors(400, dim, 11);
    for (std::size_t i = 0; i < data.size(); ++i) ASSERT_TRUE(index.add(kA, i, data[i]).has_value());
    ASSERT_TRUE(index.add(kB, 0, data[1]).has_value());
    EXPECT_EQ(index.size(kA).value(), 400u);
    for (const auto& q : randomVectors(10, dim, 12)) {
      const auto found = index.nearest(kA, q, 10).value();
      const auto truth = bruteForce(data, q, 10);
      ASSERT_EQ(found.size(), truth.size());
      for (std::size_t i = 0; i < truth.size(); ++i) {
        EXPECT_EQ(found[i].id, truth[i].id) << "recall is 1: the search is exact";
        EXPECT_NEAR(found[i].distance, truth[i].distance, 1e-9);
      }
    }
    // Tenant 2 has one pattern: it never sees tenant 1's.
    const auto other = index.nearest(kB, data[0], 10).value();
    ASSERT_EQ(other.size(), 1u);
    EXPECT_EQ(other[0].id, 0u);
    // Replacing a pattern moves it.
    ASSERT_TRUE(index.add(kA, 5, data[7]).has_value());
    EXPECT_EQ(index.size(kA).value(), 400u);
    EXPECT_NEAR(index.nearest(kA, data[7], 2).value()[1].distance, 0.0, 1e-9);
  }

  std::filesystem::path dir_;
  std::unique_ptr<testing::PostgresServer> server_;
  PostgresSettings settings_;
};

TEST_F(PostgresAnalyticsTest, NearestPatternsWithCubeAreExact) {
  auto index = PostgresPatternIndex::open(settings_, 16);
  ASSERT_TRUE(index.has_value()) << index.error().describe();
  EXPECT_TRUE((*index)->usesCube()) << "postgresql-contrib's cube is installed with the server";
  checkExact(**index, 16);
}

TEST_F(PostgresAnalyticsTest, NearestPatternsBeyondCubesDimensionsScanExactly) {
  auto index = PostgresPatternIndex::open(settings_, 120);
  ASSERT_TRUE(index.has_value()) << index.error().describe();
  EXPECT_FALSE((*index)->usesCube());
  checkExact(**index, 120);
  const std::vector<float> wrong(119, 0.0f);
  EXPECT_FALSE((*index)->add(kA, 1, wrong).has_value());
  EXPECT_FALSE((*index)->nearest(kA, wrong, 1).has_value());
}

TEST_F(PostgresAnalyticsTest, LinksStrategiesModelsAndInstrumentsAcrossHops) {
  auto graph = PostgresGraph::open(settings_);
  ASSERT_TRUE(graph.has_value()) << graph.error().describe();
  auto& g = **graph;
  const auto edge = [&](model::TenantId t, std::string fk, std::string fn, std::string rel, std::string tk,
                        std::string tn) {
    ASSERT_TRUE(g.link(t, {{fk, fn}, {tk, tn}, rel}).has_value());
  };
  edge(kA, "strategy", "trend", "uses", "model", "xgb-1");
  edge(kA, "model", "xgb-1", "trained_on", "instrument", "EURUSD");
  edge(kA, "strategy", "trend", "trades", "instrument", "GBPUSD");
  edge(kA, "strategy", "meanrev", "uses", "model", "xgb-1");
  edge(kA, "account", "A-1", "runs", "strategy", "trend");
  edge(kB, "strategy", "trend", "uses", "model", "secret-model");
  const std::string hostile = "x'); DROP TABLE graph_edges; --";
  edge(kA, "instrument", "GBPUSD", "correlated", "instrument", hostile);

  auto one = g.linked(kA, {"strategy", "trend"}, 1).value();
  EXPECT_EQ(one, (std::vector<LinkedNode>{{{"account", "A-1"}, 1}, {{"instrument", "GBPUSD"}, 1}, {{"model", "xgb-1"}, 1}}));
  auto two = g.linked(kA, {"strategy", "trend"}, 2).value();
  EXPECT_EQ(two.size(), 6u);
  EXPECT_NE(std::find(two.begin(), two.end(), LinkedNode{{"strategy", "meanrev"}, 2}), two.end())
      << "meanrev shares trend's model: linked in two hops, edges followed either way";
  EXPECT_NE(std::find(two.begin(), two.end(), LinkedNode{{"instrument", hostile}, 2}), two.end());
  EXPECT_EQ(std::count_if(two.begin(), two.end(), [](const auto& n) { return n.node.name == "secret-model"; }), 0)
      << "tenant 2's edges are not walked";
  EXPECT_EQ(g.linked(kB, {"strategy", "trend"}, 5).value().size(), 1u);

  EXPECT_FALSE(g.linked(kA, {"table", "x"}, 1).has_value()) << "kinds come from a fixed list";
  EXPECT_FALSE(g.link(kA, {{"strategy; DROP", "a"}, {"model", "b"}, "uses"}).has_value());
  EXPECT_FALSE(g.linked(kA, {"strategy", "trend"}, 0).has_value());
}

TEST_F(PostgresAnalyticsTest, CorrelationClustersAreConnectedGroupsOverTheThreshold) {
  auto g = PostgresGraph::open(settings_).value();
  const auto corr = [&](std::string a, std::string b, double w) {
    ASSERT_TRUE(g->link(kA, {{"instrument", a}, {"instrument", b}, "correlated", w}).has_value());
  };
  corr("EURUSD", "GBPUSD", 0.9);
  corr("GBPUSD", "EURGBP", 0.8);   // joins EURUSD's cluster through GBPUSD
  corr("USDJPY", "USDCHF", -0.85); // strongly anti-correlated: counts by magnitude
  corr("XAUUSD", "EURUSD", 0.3);   // too weak
  corr("XAUUSD", "XAGUSD", 0.95);
  corr("XAGUSD", "XAUUSD", 0.95);  // both directions stored: one cluster still
  ASSERT_TRUE(g->link(kB, {{"instrument", "EURUSD"}, {"instrument", "USDJPY"}, "correlated", 0.99}).has_value());

  auto clusters = g->clusters(kA, "instrument", "correlated", 0.7).value();
  EXPECT_EQ(clusters, (std::vector<std::vector<std::string>>{
                          {"EURGBP", "EURUSD", "GBPUSD"}, {"USDCHF", "USDJPY"}, {"XAGUSD", "XAUUSD"}}));
  auto loose = g->clusters(kA, "instrument", "correlated", 0.2).value();
  ASSERT_EQ(loose.size(), 2u) << "at 0.2 gold joins the euro cluster";
  EXPECT_EQ(loose[0].size(), 5u);
  EXPECT_EQ(g->clusters(kB, "instrument", "correlated", 0.7).value().size(), 1u);
}

// The graph routes of the database-service on a real PostgreSQL: each tenant walks its own
// edges only, another tenant's node answers 404, a bare request 401, a bad depth 400.
TEST_F(PostgresAnalyticsTest, GraphRoutesAnswerEachTenantFromItsOwnEdges) {
  DatabaseSettings settings;
  settings.sqlitePath = dir_ / "platform.db";
  settings.postgres = settings_;
  auto service = DatabaseService::open(settings, {}).value();
  http::Router router;
  service->addRoutes(router);
  const auto call = [&](std::uint32_t tenant, http::Method method, const std::string& target, std::string body = {}) {
    auto request = http::Request::make(method, target, std::move(body));
    if (tenant != 0) request.caller = http::Caller{.tenant = tenant, .userId = 1, .role = "trader"};
    return router.handle(request);
  };
  const auto link = [&](std::uint32_t tenant, const char* from, const char* to, const char* relation) {
    auto r = call(tenant, http::Method::Post, "/api/v1/graph/edges",
                  fmt::format(R"({{"from": {}, "to": {}, "relation": "{}"}})", from, to, relation));
    EXPECT_EQ(r.status, 201) << r.body;
  };
  link(1, R"({"kind": "strategy", "name": "trend"})", R"({"kind": "model", "name": "xgb"})", "uses");
  link(1, R"({"kind": "model", "name": "xgb"})", R"({"kind": "instrument", "name": "EURUSD"})", "trades");
  link(2, R"({"kind": "strategy", "name": "carry"})", R"({"kind": "instrument", "name": "USDJPY"})", "trades");

  auto walked = call(1, http::Method::Get, "/api/v1/graph/links?from=strategy:trend&depth=2");
  ASSERT_EQ(walked.status, 200) << walked.body;
  const auto links = nlohmann::json::parse(walked.body)["links"];
  ASSERT_EQ(links.size(), 2u) << links.dump();
  EXPECT_EQ(links[0], (nlohmann::json{{"kind", "model"}, {"name", "xgb"}, {"depth", 1}}));
  EXPECT_EQ(links[1], (nlohmann::json{{"kind", "instrument"}, {"name", "EURUSD"}, {"depth", 2}}));
  const auto near = nlohmann::json::parse(call(1, http::Method::Get, "/api/v1/graph/links?from=strategy:trend&depth=1").body);
  EXPECT_EQ(near["links"].size(), 1u) << near.dump();

  EXPECT_EQ(call(2, http::Method::Get, "/api/v1/graph/links?from=strategy:trend").status, 404) << "tenant 1's node";
  EXPECT_EQ(call(1, http::Method::Get, "/api/v1/graph/links?from=strategy:carry").status, 404) << "tenant 2's node";
  EXPECT_EQ(nlohmann::json::parse(call(2, http::Method::Get, "/api/v1/graph/links?from=instrument:USDJPY").body)["links"].size(), 1u);
  EXPECT_EQ(call(0, http::Method::Get, "/api/v1/graph/links?from=strategy:trend").status, 401);
  EXPECT_EQ(call(0, http::Method::Post, "/api/v1/graph/edges", "{}").status, 401);
  for (const char* depth : {"0", "5", "x", "-2"}) {
    EXPECT_EQ(call(1, http::Method::Get, fmt::format("/api/v1/graph/links?from=strategy:trend&depth={}", depth)).status, 400)
        << "depth=" << depth;
  }
  EXPECT_EQ(call(1, http::Method::Get, "/api/v1/graph/links").status, 400) << "no from";
  EXPECT_EQ(call(1, http::Method::Get, "/api/v1/graph/links?from=trend").status, 400) << "no kind";
  EXPECT_EQ(call(1, http::Method::Post, "/api/v1/graph/edges",
                 R"({"from": {"kind": "planet", "name": "x"}, "to": {"kind": "model", "name": "y"}, "relation": "r"})")
                .status,
            400);
  EXPECT_EQ(call(1, http::Method::Post, "/api/v1/graph/edges",
                 R"({"from": {"kind": "model", "name": "x"}, "to": {"kind": "model", "name": "y"}})")
                .status,
            400) << "no relation";
}

}  // namespace
}  // namespace ait::store
