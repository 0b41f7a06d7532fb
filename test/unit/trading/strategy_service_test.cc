// The trading-engine service on a real runtime: live strategies over REST (list, start, stop,
// another tenant's strategy is 404), their state across a restart, a strategy trading on bars
// from the bus, and market data per tenant (a tenant's private quotes move its own fills only).
#include <chrono>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ait/trading/presets.h"
#include "ait/trading/service.h"
#include "support/trading_service.h"
#include "unit/journal/journal_test_util.h"

namespace ait::trading {
namespace {

using nlohmann::json;

constexpr model::TenantId kTenant{7};
constexpr model::TenantId kOther{8};
constexpr TimestampNs kMinute = 60'000'000'000LL;

LiveStrategyConfig strategy(std::string_view id, model::TenantId tenant, bool start) {
  LiveStrategyConfig c;
  c.id = model::StrategyId::truncated(id);
  c.kind = LiveKind::SmaCross;
  c.tenant = tenant;
  c.account = model::AccountId("ACC1");
  c.instrument = presets::eurusdId();
  c.timeframe = model::Timeframe{60};
  c.quantity = model::Quantity::fromRaw(10, 2);
  c.rule.fast = 2;
  c.rule.slow = 3;
  c.start = start;
  return c;
}

TradingSettings settings(std::uint32_t snapshotEvery = 0) {
  TradingSettings s;
  s.instruments.push_back(presets::eurusd());
  for (auto tenant : {kTenant, kOther}) {
    s.accounts.push_back({tenant, model::AccountId("ACC1"), model::Currency("USD"),
                          portfolio::PositionMode::Netting, model::Money::fromRaw(100'000, 0)});
  }
  s.limits = presets::unthrottled();
  s.strategies.push_back(strategy("sma1", kTenant, false));
  s.strategies.push_back(strategy("sma8", kOther, true));
  s.snapshotEvery = snapshotEvery;
  return s;
}

struct Platform {
  explicit Platform(const std::filesystem::path& dir, std::uint32_t snapshotEvery = 0) {
    runtime = testing::openRuntime(dir);
    trading = testing::startTrading(*runtime, router, settings(snapshotEvery));
    producer = testing::testProducer(*runtime);
  }
  ~Platform() {
    runtime->stop();
    trading->stop();
  }
  http::Response as(model::TenantId tenant, http::Method method, std::string path, std::string body = {}) {
    return testing::callAs(router, tenant, method, std::move(path), std::move(body));
  }
  json strategies(model::TenantId tenant) {
    auto response = as(tenant, http::Method::Get, "/api/v1/strategies");
    EXPECT_EQ(response.status, 200) << response.body;
    return json::parse(response.body)["strategies"];
  }
  void publish(const model::Event& event) { EXPECT_EQ(producer.publish(event), bus::PublishStatus::Ok); }
  /// Waits until the tenant's order is filled; returns it (or the last state seen).
  json filled(model::TenantId tenant, std::string_view id) {
    json order;
    for (int i = 0; i < 300; ++i) {
      auto response = as(tenant, http::Method::Get, fmt::format("/api/v1/orders/{}", id));
      if (response.status == 200) {
        order = json::parse(response.body);
        if (order["status"] == "filled") break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return order;
  }

  http::Router router;
  std::unique_ptr<engine::Runtime> runtime;
  std::unique_ptr<TradingService> trading;
  engine::EventBus::Producer producer;
};

model::Tick tick(model::TenantId owner, std::int64_t bid, std::int64_t ask) {
  model::Tick t{};
  t.header.tenant = owner;
  t.header.tsEvent = t.header.tsRecv = SystemClock::instance().now();
  t.instrument = presets::eurusdId();
  t.bid = model::Price::fromRaw(bid, 5);
  t.ask = model::Price::fromRaw(ask, 5);
  t.flags = model::kTickBid | model::kTickAsk;
  return t;
}

model::SubmitOrder market(model::TenantId tenant, std::string_view id, model::Side side) {
  model::SubmitOrder o{};
  o.header.tenant = tenant;
  o.header.tsEvent = o.header.tsRecv = SystemClock::instance().now();
  o.clientOrderId = *model::ClientOrderId::from(id);
  o.account = model::AccountId("ACC1");
  o.instrument = presets::eurusdId();
  o.side = side;
  o.type = model::OrderType::Market;
  o.quantity = model::Quantity::fromRaw(10, 2);
  return o;
}

TEST(TradingStrategies, ListStartStopPerTenantAndSurviveARestart) {
  journal::testing::TempDir dir;
  {
    Platform p(dir.path());
    auto mine = p.strategies(kTenant);
    ASSERT_EQ(mine.size(), 1U);  // tenant 8's strategy is not listed
    EXPECT_EQ(mine[0]["id"], "sma1");
    EXPECT_EQ(mine[0]["state"], "stopped");
    EXPECT_EQ(mine[0]["kind"], "sma_cross");
    EXPECT_EQ(mine[0]["orders_sent"], 0);

    auto started = p.as(kTenant, http::Method::Post, "/api/v1/strategies/sma1/start");
    ASSERT_EQ(started.status, 200) << started.body;
    EXPECT_EQ(json::parse(started.body)["state"], "running");
    EXPECT_EQ(p.strategies(kTenant)[0]["state"], "running");

    // Another tenant's strategy, and one that does not exist, are not found.
    auto foreign = p.as(kOther, http::Method::Post, "/api/v1/strategies/sma1/stop");
    EXPECT_EQ(foreign.status, 404);
    EXPECT_EQ(foreign.contentType, "application/problem+json");
    EXPECT_NE(foreign.body.find(errors::kStrategyNotFound.code), std::string::npos) << foreign.body;
    EXPECT_EQ(p.as(kTenant, http::Method::Post, "/api/v1/strategies/sma8/stop").status, 404);
    EXPECT_EQ(p.as(kTenant, http::Method::Post, "/api/v1/strategies/nope/start").status, 404);
    EXPECT_EQ(p.strategies(kTenant)[0]["state"], "running");

    auto stopped = p.as(kOther, http::Method::Post, "/api/v1/strategies/sma8/stop");
    ASSERT_EQ(stopped.status, 200) << stopped.body;
    EXPECT_EQ(json::parse(stopped.body)["state"], "stopped");
    // Without a verified caller nothing is answered.
    auto bare = http::Request::make(http::Method::Get, "/api/v1/strategies", "");
    bare.headers.emplace_back("X-Tenant-Id", "7");
    EXPECT_EQ(p.router.handle(bare).status, 401);
  }
  {
    // The journal, not the configuration (sma1 stopped, sma8 running), decides after a restart.
    Platform p(dir.path());
    EXPECT_EQ(p.strategies(kTenant)[0]["state"], "running");
    EXPECT_EQ(p.strategies(kOther)[0]["state"], "stopped");
    ASSERT_EQ(p.as(kTenant, http::Method::Post, "/api/v1/strategies/sma1/stop").status, 200);
  }
  {
    Platform p(dir.path());
    EXPECT_EQ(p.strategies(kTenant)[0]["state"], "stopped");
  }
}

TEST(TradingStrategies, RunningStrategyTradesOnBusBarsUnderItsId) {
  journal::testing::TempDir dir;
  Platform p(dir.path());
  ASSERT_EQ(p.as(kTenant, http::Method::Post, "/api/v1/strategies/sma1/start").status, 200);
  ASSERT_EQ(p.as(kOther, http::Method::Post, "/api/v1/strategies/sma8/stop").status, 200);
  const TimestampNs t0 = SystemClock::instance().now() - 20 * kMinute;
  std::int64_t previous = 0;
  int n = 0;
  for (std::int64_t pips : {50, 40, 30, 20, 30, 50, 70}) {
    model::Bar b{};
    b.start = t0 + n++ * kMinute;
    b.header.tsEvent = b.start + kMinute - 1;
    b.instrument = presets::eurusdId();
    b.timeframe = model::Timeframe{60};
    const std::int64_t close = 110'000 + pips * 10;
    b.open = model::Price::fromRaw(previous == 0 ? close : previous, 5);
    b.high = model::Price::fromRaw(std::max(close, b.open.mantissa()) + 5, 5);
    b.low = model::Price::fromRaw(std::min(close, b.open.mantissa()) - 5, 5);
    b.close = model::Price::fromRaw(close, 5);
    previous = close;
    p.publish(b);
  }
  json orders;
  for (int i = 0; i < 300; ++i) {
    auto response = p.as(kTenant, http::Method::Get, "/api/v1/orders");
    orders = json::parse(response.body)["orders"];
    if (!orders.empty() && orders[0]["status"] == "filled") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(orders.size(), 1U) << orders.dump();
  EXPECT_EQ(orders[0]["client_order_id"], "st-sma1-1");
  EXPECT_EQ(orders[0]["strategy_id"], "sma1");
  EXPECT_EQ(orders[0]["status"], "filled");
  EXPECT_EQ(p.strategies(kTenant)[0]["orders_sent"], 1);
  EXPECT_EQ(p.strategies(kTenant)[0]["target"], "long");
  // Tenant 8's stopped strategy saw the same public bars and sent nothing.
  EXPECT_EQ(json::parse(p.as(kOther, http::Method::Get, "/api/v1/orders").body)["orders"].size(), 0U);
  EXPECT_EQ(p.strategies(kOther)[0]["signals"], 1);
}

TEST(TradingMarketData, AnotherTenantsPrivateTicksDoNotMoveThisTenantsFills) {
  journal::testing::TempDir dir;
  {
    Platform p(dir.path(), 3);
    // One producer: the engine sees these in this order.
    p.publish(tick(model::TenantId{0}, 110'000, 110'002));  // public
    p.publish(tick(kOther, 120'000, 120'002));              // tenant 8's own feed, later
    p.publish(market(kTenant, "m-1", model::Side::Buy));
    p.publish(market(kOther, "t-1", model::Side::Buy));
    EXPECT_EQ(p.filled(kTenant, "m-1")["average_fill_price"], "1.10002");
    EXPECT_EQ(p.filled(kOther, "t-1")["average_fill_price"], "1.20002");

    // Marks too: tenant 7's position is valued on the public quote only.
    p.publish(tick(kOther, 90'000, 90'002));
    p.publish(market(kOther, "t-2", model::Side::Sell));
    EXPECT_EQ(p.filled(kOther, "t-2")["average_fill_price"], "0.90000");
    auto positions = json::parse(p.as(kTenant, http::Method::Get, "/api/v1/positions").body)["positions"];
    ASSERT_EQ(positions.size(), 1U);
    EXPECT_EQ(positions[0]["average_price"], "1.10002");
    const std::string unrealized = positions[0]["unrealized_pnl"];
    EXPECT_NEAR(std::stod(unrealized), -0.2, 1e-9) << unrealized;  // 10000 x (1.10000 - 1.10002)
    // The platform (tenant 0) still sees every tenant's orders and accounts across the engines.
    auto all = json::parse(p.as(model::TenantId{0}, http::Method::Get, "/api/v1/orders").body)["orders"];
    EXPECT_EQ(all.size(), 3U);
    auto accounts = json::parse(p.as(model::TenantId{0}, http::Method::Get, "/api/v1/account").body)["accounts"];
    EXPECT_EQ(accounts.size(), 2U);
    auto risk = json::parse(p.as(model::TenantId{0}, http::Method::Get, "/api/v1/risk").body);
    EXPECT_EQ(risk["accounts"].size(), 2U);
    EXPECT_EQ(risk["decisions"]["allowed"], 3);  // every tenant's allowed orders
    EXPECT_EQ(json::parse(p.as(kTenant, http::Method::Get, "/api/v1/orders").body)["orders"].size(), 1U);
  }
  {
    // The per-tenant engines come back from the snapshot and journal with the same fills.
    Platform p(dir.path(), 3);
    EXPECT_GT(p.trading->snapshotLoaded() + p.trading->replayed(), 0U);
    const auto& mine = p.trading->engine(kTenant);
    const auto& theirs = p.trading->engine(kOther);
    EXPECT_EQ(mine.portfolio().netQuantity(0, 0), 10);
    EXPECT_EQ(theirs.portfolio().netQuantity(0, 0), 0);
    EXPECT_EQ(mine.orders().size(), 1U);
    EXPECT_EQ(theirs.orders().size(), 2U);
  }
}

}  // namespace
}  // namespace ait::trading
