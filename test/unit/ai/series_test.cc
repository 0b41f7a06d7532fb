// Series of the ai-orchestration service: one feature pipeline and decision engine per (owner
// tenant, symbol, timeframe). Feeds of different tenants and symbols must not mix indicator
// state, cached predictions or monitoring; drift raises one Alert event per episode.

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <tuple>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ait/ai/errors.h"
#include "ait/ai/service.h"
#include "ait/http/caller.h"
#include "ait/http/message.h"
#include "ait/http/router.h"

namespace ait::ai {
namespace {

namespace fs = std::filesystem;

model::Bar bar(std::uint32_t tenant, std::string_view symbol, std::int64_t i, double close,
               std::uint32_t timeframe = 60) {
  model::Bar b;
  b.header = {model::TenantId{tenant}, i * 60'000'000'000, i * 60'000'000'000, 0};
  b.instrument = model::InstrumentId{model::Symbol::truncated(symbol), model::Venue("SIM")};
  b.timeframe = model::Timeframe{timeframe};
  b.start = i * 60'000'000'000;
  b.close = model::Price::fromDouble(close, 5).value();
  b.open = b.close;
  b.high = model::Price::fromDouble(close + 0.0005, 5).value();
  b.low = model::Price::fromDouble(close - 0.0005, 5).value();
  b.volume = model::Quantity::fromRaw(1, 0);
  return b;
}

// A deterministic wandering price path per seed, so that every feed has its own indicators.
double pathPrice(int seed, int i) {
  return 1.1 + 0.002 * std::sin(0.7 * i + seed) + 0.001 * std::cos(1.3 * i * (seed + 1));
}

// What a decision says, to compare two services' decisions on the same bars.
struct Seen {
  std::uint64_t sequence;
  std::uint64_t inputsHash;
  Signal signal;
  double score;
  double confidence;
  auto operator<=>(const Seen&) const = default;
};
Seen seen(const Decision& d) { return {d.sequence, d.inputsHash, d.signal, d.score, d.confidence}; }

class AiSeriesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static int counter = 0;
    dir_ = fs::temp_directory_path() /
           ("ait-ai-series-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::create_directories(dir_);
    // A model on RSI(3) and the one-bar return, whose inputs depend on the whole feed so far,
    // with a training distribution of its close input for drift.
    write("lin.json", R"({"intercept": 0.0, "coefficients": [0.02, 40.0, 0.0]})");
    write("lin-manifest.json",
          nlohmann::json{{"name", "lin"}, {"version", "1"}, {"kind", "linear"},
                         {"file", "lin.json"}, {"features", {"rsi_3", "ret_1", "close"}},
                         {"output", "score"}, {"horizon", 2},
                         {"training",
                          {{"features",
                            {{"close", {{"mean", 1.10}, {"std", 0.01}}},
                             {"ret_1", {{"mean", 0.0}, {"std", 0.001}}}}}}}}
              .dump());
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
  }
  AiServiceConfig config(std::vector<std::string> symbols = {"EURUSD"}) {
    AiServiceConfig c;
    c.features = "close,rsi:3,ret:1";
    c.modelsDir = dir_.string();
    c.models = {"lin-manifest.json"};
    c.symbols = std::move(symbols);
    c.timeframe = "1m";
    c.watchIntervalMs = 0;
    c.decision.monitor.driftWindow = 10;
    return c;
  }
  std::unique_ptr<AiService> make(AiServiceConfig c) {
    auto service = AiService::create(std::move(c), clock_, metrics_);
    EXPECT_TRUE(service) << service.error().describe();
    if (!service) return nullptr;
    EXPECT_TRUE((*service)->start());
    return std::move(*service);
  }

  FakeClock clock_;
  metrics::Registry metrics_;
  fs::path dir_;
};

TEST_F(AiSeriesTest, TwoTenantsAndThePublicFeedKeepThreeIndicatorStates) {
  auto shared = make(config());
  ASSERT_TRUE(shared);
  // The reference: one service per feed, each fed that feed only.
  std::map<std::uint32_t, std::unique_ptr<AiService>> single;
  for (std::uint32_t tenant : {0u, 7u, 9u}) single[tenant] = make(config());

  std::map<std::uint32_t, std::vector<Seen>> fromShared, fromSingle;
  const std::uint32_t tenants[] = {7, 0, 9};
  for (int i = 0; i < 40; ++i) {
    for (int k = 0; k < 3; ++k) {
      const std::uint32_t tenant = tenants[(i + k) % 3];  // interleaved in a changing order
      auto b = bar(tenant, "EURUSD", i, pathPrice(static_cast<int>(tenant), i));
      const Decision* a = shared->onMarketBar(b);
      const Decision* s = single[tenant]->onMarketBar(b);
      ASSERT_EQ(a != nullptr, s != nullptr) << "tenant " << tenant << " bar " << i;
      if (a != nullptr) {
        fromShared[tenant].push_back(seen(*a));
        fromSingle[tenant].push_back(seen(*s));
      }
    }
  }
  for (std::uint32_t tenant : {0u, 7u, 9u}) {
    ASSERT_EQ(fromShared[tenant].size(), 37u) << "RSI(3) is ready from each feed's fourth bar";
    EXPECT_EQ(fromShared[tenant], fromSingle[tenant]) << "tenant " << tenant;
    // Monitoring (hit rate over the horizon) follows the same series.
    const DecisionEngine* engine = shared->engineOf(model::TenantId{tenant}, "EURUSD", 60);
    ASSERT_NE(engine, nullptr);
    const auto mine = engine->stats().at(0).monitor;
    const auto ref = single[tenant]->engine().stats().at(0).monitor;
    EXPECT_EQ(mine.evaluated, ref.evaluated);
    EXPECT_EQ(mine.calls, ref.calls);
    EXPECT_EQ(mine.hits, ref.hits);
    EXPECT_DOUBLE_EQ(mine.brier, ref.brier);
    EXPECT_GT(mine.evaluated, 30u);
  }
  EXPECT_NE(fromShared[7], fromShared[9]) << "the feeds differ, so must their decisions";
  ASSERT_EQ(shared->series().size(), 3u);

  // Without a journal the history comes from the series a tenant may see: its own and public.
  auto own = shared->decisionHistory(model::TenantId{7}, "EURUSD", 1000);
  ASSERT_TRUE(own);
  EXPECT_EQ(own->size(), 2 * 37u);
  for (const auto& e : *own) EXPECT_NE(e.header.tenant, model::TenantId{9});
  EXPECT_EQ(shared->decisionHistory(model::TenantId{0}, "", 1000)->size(), 37u);
}

TEST_F(AiSeriesTest, TwoSymbolsKeepTheirOwnSeriesAndOthersAreIgnored) {
  auto shared = make(config({"EURUSD", "USDJPY"}));
  auto eur = make(config({"EURUSD"}));
  auto jpy = make(config({"USDJPY"}));
  ASSERT_TRUE(shared && eur && jpy);
  std::vector<Seen> sharedEur, sharedJpy, refEur, refJpy;
  for (int i = 0; i < 20; ++i) {
    auto e = bar(0, "EURUSD", i, pathPrice(1, i));
    auto j = bar(0, "USDJPY", i, 150.0 * pathPrice(2, i));
    if (const Decision* d = shared->onMarketBar(e)) sharedEur.push_back(seen(*d));
    if (const Decision* d = shared->onMarketBar(j)) sharedJpy.push_back(seen(*d));
    if (const Decision* d = eur->onMarketBar(e)) refEur.push_back(seen(*d));
    if (const Decision* d = jpy->onMarketBar(j)) refJpy.push_back(seen(*d));
    // Not configured: a symbol, a timeframe.
    EXPECT_EQ(shared->onMarketBar(bar(0, "GBPUSD", i, 1.3)), nullptr);
    EXPECT_EQ(shared->onMarketBar(bar(0, "EURUSD", i, 1.3, 300)), nullptr);
  }
  EXPECT_EQ(sharedEur.size(), 17u);
  EXPECT_EQ(sharedEur, refEur);
  EXPECT_EQ(sharedJpy, refJpy);
  EXPECT_EQ(shared->series().size(), 2u);
}

TEST_F(AiSeriesTest, RefusesNewSeriesBeyondTheLimitAndSaysSo) {
  auto c = config();
  c.maxSeries = 2;
  auto service = make(std::move(c));
  ASSERT_TRUE(service);
  for (int i = 0; i < 5; ++i) {
    service->onMarketBar(bar(1, "EURUSD", i, pathPrice(1, i)));
    service->onMarketBar(bar(2, "EURUSD", i, pathPrice(2, i)));
  }
  EXPECT_EQ(service->health().status, hub::HealthStatus::Healthy);
  EXPECT_EQ(service->onMarketBar(bar(3, "EURUSD", 5, 1.1)), nullptr) << "a third tenant";
  EXPECT_NE(service->onMarketBar(bar(1, "EURUSD", 5, 1.1)), nullptr) << "known series go on";
  auto health = service->health();
  EXPECT_EQ(health.status, hub::HealthStatus::Degraded);
  EXPECT_NE(health.reason.find(kSeriesFull.code), std::string::npos) << health.reason;
  EXPECT_EQ(metrics_.counter("ait_ai_series_refused_total", "").value(), 1u);
  EXPECT_EQ(service->series().size(), 2u);
}

TEST_F(AiSeriesTest, DriftRaisesOneAlertEventPerEpisodeOnTheSeriesTenant) {
  auto service = make(config());
  ASSERT_TRUE(service);
  std::vector<model::Event> recorded;
  service->setDecisionJournal(
      [&](const model::Event& e) -> Expected<std::uint64_t> {
        recorded.push_back(e);
        return recorded.size();
      },
      nullptr);
  const auto alerts = [&] {
    std::vector<model::Alert> out;
    for (const auto& e : recorded) {
      if (const auto* a = std::get_if<model::Alert>(&e)) out.push_back(*a);
    }
    return out;
  };
  int i = 0;
  // Tenant 7's feed drifts twice (close 10 training std devs away, and its return jumps with
  // it: two inputs, one episode); the public feed stays at its training mean throughout.
  const auto phase = [&](double close7, int bars) {
    for (int n = 0; n < bars; ++n, ++i) {
      service->onMarketBar(bar(7, "EURUSD", i, close7 + 0.00001 * (i % 2)));
      service->onMarketBar(bar(0, "EURUSD", i, 1.10 + 0.00001 * (i % 2)));
    }
  };
  phase(1.10, 15);
  EXPECT_TRUE(alerts().empty()) << "no drift on the training distribution";
  phase(1.20, 15);
  ASSERT_EQ(alerts().size(), 1u) << "one alert for the episode, however long it lasts";
  phase(1.10, 15);
  EXPECT_EQ(alerts().size(), 1u) << "the end of an episode raises nothing";
  phase(1.20, 15);
  const auto raised = alerts();
  ASSERT_EQ(raised.size(), 2u) << "a second episode";

  for (const auto& a : raised) {
    EXPECT_EQ(a.header.tenant, model::TenantId{7}) << "the private feed's owner";
    EXPECT_EQ(a.code.view(), kInputDrift.code);
    EXPECT_EQ(a.source.view(), "ai-orchestration");
    EXPECT_EQ(a.severity, model::AlertSeverity::Warning);
    EXPECT_NE(a.text.view().find("lin"), std::string_view::npos) << a.text.view();
    EXPECT_NE(a.text.view().find("EURUSD"), std::string_view::npos) << a.text.view();
  }
  const auto drifting = service->engineOf(model::TenantId{7}, "EURUSD", 60)->stats().at(0).monitor;
  EXPECT_EQ(drifting.driftEpisodes, 2u);
  EXPECT_GE(drifting.driftAlerts, 3u) << "inputs joined the episodes";
  const auto calm = service->engineOf(model::TenantId{0}, "EURUSD", 60)->stats().at(0).monitor;
  EXPECT_EQ(calm.driftEpisodes, 0u);
  EXPECT_EQ(metrics_.counter("ait_ai_drift_alert_events_total", "").value(), 2u);
}

// REST: the model's monitoring adds up the series the caller may see and lists each of them.
TEST_F(AiSeriesTest, ModelStatsShowOnlyTheCallersSeries) {
  auto service = make(config());
  ASSERT_TRUE(service);
  http::Router router;
  service->addRoutes(router);
  ASSERT_TRUE(router.check());
  for (int i = 0; i < 12; ++i) {
    for (std::uint32_t tenant : {0u, 7u, 9u}) {
      service->onMarketBar(bar(tenant, "EURUSD", i, pathPrice(static_cast<int>(tenant), i)));
    }
  }
  auto request = http::Request::make(http::Method::Get, "/api/v1/models/lin/stats", "");
  request.caller = http::Caller{.tenant = 7, .userId = 1, .role = "admin"};
  auto response = router.handle(request);
  ASSERT_EQ(response.status, 200) << response.body;
  auto j = nlohmann::json::parse(response.body);
  ASSERT_EQ(j["series"].size(), 2u) << j.dump();
  std::uint64_t predictions = 0;
  for (const auto& s : j["series"]) {
    EXPECT_NE(s["tenant_id"], 9) << "another tenant's private feed";
    predictions += s["predictions"].get<std::uint64_t>();
  }
  EXPECT_EQ(j["predictions"], predictions);
  EXPECT_EQ(predictions, 2 * 9u);

  auto stats = http::Request::make(http::Method::Get, "/api/v1/ai/stats", "");
  stats.caller = http::Caller{.tenant = 9, .userId = 1, .role = "admin"};
  auto ai = nlohmann::json::parse(router.handle(stats).body);
  EXPECT_EQ(ai["decisions"], 2 * 9u);
  EXPECT_EQ(ai["series"].size(), 2u);
}

TEST(AiSeriesCreate, RejectsABadSymbolOrTimeframe) {
  FakeClock clock;
  metrics::Registry metrics;
  AiServiceConfig c;
  c.features = "close";
  const std::string tooLong(model::Symbol::kCapacity + 1, 'X');
  c.symbols = {"EURUSD", tooLong};
  auto bad = AiService::create(c, clock, metrics);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find(tooLong), std::string::npos) << bad.error().describe();
  c.symbols = {"EURUSD"};
  c.timeframe = "sometimes";
  bad = AiService::create(c, clock, metrics);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code().code, kBadTimeframe.code);
  c.timeframe = "1m";
  c.maxSeries = 0;
  EXPECT_FALSE(AiService::create(c, clock, metrics));
}

}  // namespace
}  // namespace ait::ai
