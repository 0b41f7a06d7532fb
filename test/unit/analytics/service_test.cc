// The analytics service on a real runtime: it follows the trading engine over the bus, answers
// per tenant, and after a restart rebuilds the same figures from the journal.
#include "ait/analytics/service.h"

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "ait/trading/presets.h"
#include "ait/trading/service.h"
#include "unit/journal/journal_test_util.h"

namespace ait::analytics {
namespace {

constexpr model::TenantId kTenant{7};

trading::TradingSettings tradingSettings() {
  trading::TradingSettings s;
  s.instruments.push_back(trading::presets::eurusd());
  s.accounts.push_back({kTenant, model::AccountId("ACC1"), model::Currency("USD"),
                        portfolio::PositionMode::Netting, model::Money::fromRaw(10'000, 0)});
  s.limits = trading::presets::unthrottled();
  return s;
}

engine::RuntimeSettings runtimeSettings(const std::filesystem::path& dir) {
  engine::RuntimeSettings r;
  r.journal.dataDir = dir.string();
  r.journal.fsync = false;
  return r;
}

/// One process's worth of platform: runtime, trading engine, analytics.
struct Platform {
  explicit Platform(const std::filesystem::path& dir) {
    auto rt = engine::Runtime::open(runtimeSettings(dir));
    EXPECT_TRUE(rt) << rt.error().describe();
    runtime = std::move(*rt);
    auto t = trading::TradingService::create(*runtime, tradingRouter, tradingSettings());
    EXPECT_TRUE(t) << t.error().describe();
    trading = std::move(*t);
    AnalyticsSettings settings;
    settings.accounts.push_back({kTenant, model::AccountId("ACC1"), 10'000.0});
    settings.backtests.dataDir = dir / "data";
    settings.backtests.resultsDir = dir / "backtests";
    auto a = AnalyticsService::create(*runtime, router, settings, SystemClock::instance(), registry);
    EXPECT_TRUE(a) << a.error().describe();
    analytics = std::move(*a);
    EXPECT_TRUE(trading->start());
    EXPECT_TRUE(analytics->start());
    EXPECT_TRUE(runtime->start());
  }
  ~Platform() {
    runtime->stop();
    analytics->stop();
    trading->stop();
  }
  /// Waits until the analytics counted `fills` fill events for the tenant.
  bool waitForFills(std::uint64_t fills) {
    for (int i = 0; i < 500; ++i) {
      if (analytics->latency(kTenant).outcomes.fills >= fills) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  metrics::Registry registry;
  http::Router tradingRouter;
  http::Router router;
  std::unique_ptr<engine::Runtime> runtime;
  std::unique_ptr<trading::TradingService> trading;
  std::unique_ptr<AnalyticsService> analytics;
};

model::SubmitOrder marketOrder(std::string_view id, model::Side side) {
  model::SubmitOrder o{};
  o.header.tenant = kTenant;
  o.header.tsEvent = o.header.tsRecv = SystemClock::instance().now();
  o.clientOrderId = *model::ClientOrderId::from(id);
  o.account = model::AccountId("ACC1");
  o.instrument = trading::presets::eurusdId();
  o.side = side;
  o.type = model::OrderType::Market;
  o.quantity = model::Quantity::fromRaw(10, 2);
  o.strategyId = model::StrategyId("sma");
  return o;
}

StatisticsQuery accountQuery() {
  StatisticsQuery q;
  q.strategy = model::StrategyId();
  q.now = SystemClock::instance().now() + 1'000'000'000;
  return q;
}

TEST(AnalyticsService, FollowsTheEngineAndRebuildsFromTheJournal) {
  journal::testing::TempDir dir;
  {
    Platform p(dir.path());
    auto producer = p.runtime->bus().makeProducer({.name = "test"});
    ASSERT_TRUE(producer);
    model::Tick tick{};
    const TimestampNs now = SystemClock::instance().now();
    tick.header.tsEvent = now - 300'000;  // received 300 us after the source sent it
    tick.header.tsRecv = now;
    tick.instrument = trading::presets::eurusdId();
    tick.bid = model::Price::fromRaw(110'000, 5);
    tick.ask = model::Price::fromRaw(110'002, 5);
    tick.flags = model::kTickBid | model::kTickAsk;
    producer->publish(tick);
    producer->publish(marketOrder("buy-1", model::Side::Buy));
    producer->publish(marketOrder("sell-1", model::Side::Sell));
    ASSERT_TRUE(p.waitForFills(2));
    ASSERT_TRUE(p.analytics->settle(std::chrono::seconds(2)));

    auto latency = p.analytics->latency(kTenant);
    EXPECT_EQ(latency.outcomes.commands, 2U);
    EXPECT_EQ(latency.outcomes.submitted, 2U);
    EXPECT_EQ(latency.outcomes.filled, 2U);
    EXPECT_EQ(latency.stages[static_cast<std::size_t>(Stage::TickReceive)].count, 1U);
    EXPECT_NEAR(latency.stages[static_cast<std::size_t>(Stage::TickReceive)].meanNs, 300'000, 1.0);
    EXPECT_EQ(latency.stages[static_cast<std::size_t>(Stage::CommandToRisk)].count, 2U);
    EXPECT_EQ(latency.stages[static_cast<std::size_t>(Stage::SubmitToAck)].count, 2U);
    EXPECT_EQ(latency.stages[static_cast<std::size_t>(Stage::SubmitToFill)].count, 2U);

    auto reports = p.analytics->statistics(kTenant, accountQuery());
    ASSERT_EQ(reports.size(), 1U);
    EXPECT_EQ(reports[0].stats.trades, 1U);
    // 0.10 lot bought at the ask, sold at the bid (0.00002 on 10000 units), 2 x 0.35 commission.
    EXPECT_NEAR(reports[0].stats.finalEquity, 10'000.0 - 0.2 - 0.7, 1e-9);
    EXPECT_TRUE(p.analytics->statistics(model::TenantId{8}, accountQuery()).empty());

    auto strategy = p.analytics->statistics(kTenant, {.account = {}, .strategy = model::StrategyId("sma"),
                                                       .period = Period::All, .now = accountQuery().now});
    ASSERT_EQ(strategy.size(), 1U);
    EXPECT_EQ(strategy[0].stats.trades, 1U);

    // The routes act for the verified caller only: a tenant named by the client is refused.
    auto bare = http::Request::make(http::Method::Get, "/api/v1/statistics", "");
    bare.headers.emplace_back("X-Tenant-Id", "7");
    EXPECT_EQ(p.router.handle(bare).status, 401);
    auto bad = http::Request::make(http::Method::Get, "/api/v1/statistics?period=fortnight", "");
    bad.caller = http::Caller{.tenant = kTenant.value, .userId = 1, .role = "viewer"};
    EXPECT_EQ(p.router.handle(bad).status, 400);
    auto ok = http::Request::make(http::Method::Get, "/api/v1/latency", "");
    ok.caller = http::Caller{.tenant = kTenant.value, .userId = 1, .role = "viewer"};
    auto answer = p.router.handle(ok);
    EXPECT_EQ(answer.status, 200);
    EXPECT_NE(answer.body.find("\"command_to_risk\""), std::string::npos);
    auto stats = http::Request::make(http::Method::Get, "/api/v1/statistics?period=all", "");
    stats.caller = http::Caller{.tenant = 8, .userId = 2, .role = "viewer"};
    auto other = p.router.handle(stats);
    EXPECT_EQ(other.status, 200);
    EXPECT_EQ(other.body.find("\"trades\""), std::string::npos) << "tenant 8 sees tenant 7: " << other.body;
    stats.caller->tenant = kTenant.value;
    EXPECT_NE(p.router.handle(stats).body.find("\"trades\""), std::string::npos);
  }
  {
    // A new process on the same journal: the analytics read it back.
    Platform p(dir.path());
    auto latency = p.analytics->latency(kTenant);
    EXPECT_EQ(latency.outcomes.submitted, 2U);
    EXPECT_EQ(latency.outcomes.filled, 2U);
    auto reports = p.analytics->statistics(kTenant, accountQuery());
    ASSERT_EQ(reports.size(), 1U);
    EXPECT_EQ(reports[0].stats.trades, 1U);
    EXPECT_NEAR(reports[0].stats.finalEquity, 10'000.0 - 0.2 - 0.7, 1e-9);
  }
}

}  // namespace
}  // namespace ait::analytics
