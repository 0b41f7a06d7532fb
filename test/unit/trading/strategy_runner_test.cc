// Live strategies on one engine: rule strategies trade on closed bars, AI-signal strategies on
// decisions (the risk engine's confidence minimum applies), stop means no more orders, and the
// running state and order numbering come back from the journal.
#include "ait/trading/strategy_runner.h"

#include <gtest/gtest.h>

#include "ait/risk/errors.h"
#include "ait/trading/presets.h"
#include "ait/venue/sim_venue.h"
#include "unit/trading/fixtures.h"

namespace ait::trading {
namespace {

using testing::eurusdId;
using testing::kT0;
using testing::kTenant;
using testing::ListRecorder;

constexpr TimestampNs kMinute = 60'000'000'000LL;
constexpr model::TenantId kOther{8};

/// One engine on the simulated venue with ACC1 of tenant 7; every tenant's strategies trade here.
struct Rig final : EngineDirectory {
  explicit Rig(risk::RiskLimits limits = presets::unthrottled())
      : engine(catalog, recorder, {}, limits), venue(catalog, engine.executionSink()) {
    engine.setVenue(venue);
    (void)engine.addAccount(kTenant, model::AccountId("ACC1"), model::Currency("USD"),
                            portfolio::PositionMode::Netting, model::Money::fromRaw(100'000, 0));
  }
  TradingEngine* engineFor(model::TenantId) noexcept override { return &engine; }

  static portfolio::Catalog makeCatalog() {
    portfolio::Catalog c;
    (void)c.add(presets::eurusd());
    return c;
  }
  /// A closed 1-minute EURUSD bar n (open = previous close), `close` in pips above 1.10000.
  model::Bar bar(int n, std::int64_t closePips, model::TenantId owner = model::TenantId{0}) {
    model::Bar b{};
    b.header.tenant = owner;
    b.start = kT0 + n * kMinute;
    b.header.tsEvent = b.start + kMinute - 1;
    b.instrument = eurusdId();
    b.timeframe = model::Timeframe{60};
    const std::int64_t close = 110'000 + closePips * 10;
    b.open = model::Price::fromRaw(lastClose_ == 0 ? close : lastClose_, 5);
    b.high = model::Price::fromRaw(std::max(close, b.open.mantissa()) + 5, 5);
    b.low = model::Price::fromRaw(std::min(close, b.open.mantissa()) - 5, 5);
    b.close = model::Price::fromRaw(close, 5);
    lastClose_ = close;
    return b;
  }
  /// Feeds a bar as the service does: the engine first (fills), then the strategies.
  void feed(StrategyRunner& runner, const model::Bar& b) {
    engine.onBar(b);
    runner.onBar(b);
  }
  std::int64_t net() const { return engine.portfolio().netQuantity(0, 0); }

  ListRecorder recorder;
  portfolio::Catalog catalog = makeCatalog();
  TradingEngine engine;
  venue::SimVenue venue;
  std::int64_t lastClose_ = 0;
};

LiveStrategyConfig smaCross(bool start) {
  LiveStrategyConfig c;
  c.id = model::StrategyId("sma1");
  c.kind = LiveKind::SmaCross;
  c.tenant = kTenant;
  c.account = model::AccountId("ACC1");
  c.instrument = eurusdId();
  c.timeframe = model::Timeframe{60};
  c.quantity = model::Quantity::fromRaw(10, 2);  // 0.10 lots
  c.rule.fast = 2;
  c.rule.slow = 3;
  c.rule.allowShort = true;
  c.start = start;
  return c;
}

LiveStrategyConfig aiSignal(double minConfidence = 0.0) {
  LiveStrategyConfig c;
  c.id = model::StrategyId("ai1");
  c.kind = LiveKind::AiSignal;
  c.tenant = kTenant;
  c.account = model::AccountId("ACC1");
  c.instrument = eurusdId();
  c.quantity = model::Quantity::fromRaw(20, 2);
  c.minConfidence = minConfidence;
  c.start = true;
  return c;
}

model::Decision decision(model::DecisionSignal signal, double confidence,
                         model::TenantId owner = model::TenantId{0}) {
  model::Decision d{};
  d.header.tenant = owner;
  d.header.tsEvent = kT0 + 100 * kMinute;
  d.instrument = eurusdId();
  d.signal = signal;
  d.confidence = confidence;
  return d;
}

StrategyRunner make(Rig& rig, std::vector<LiveStrategyConfig> configs) {
  auto runner = StrategyRunner::create(std::move(configs), rig);
  EXPECT_TRUE(runner) << runner.error().describe();
  return std::move(*runner);
}

// Falling then rising closes: the 2-bar mean crosses the 3-bar mean upwards at bar 5.
const std::int64_t kUpCross[] = {50, 40, 30, 20, 30, 50};

TEST(StrategyRunner, RuleStrategyTradesOnBarsAndItsOrdersPassRiskAndFill) {
  Rig rig;
  auto runner = make(rig, {smaCross(true)});
  int n = 0;
  for (std::int64_t pips : kUpCross) rig.feed(runner, rig.bar(n++, pips));
  const auto submits = rig.recorder.all<model::SubmitOrder>();
  ASSERT_EQ(submits.size(), 1U);
  EXPECT_EQ(submits[0].clientOrderId.view(), "st-sma1-1");
  EXPECT_EQ(submits[0].strategyId.view(), "sma1");
  EXPECT_EQ(submits[0].side, model::Side::Buy);
  EXPECT_FALSE(submits[0].confidence.has_value());
  EXPECT_TRUE(rig.recorder.all<model::OrderDenied>().empty());
  // The market order fills at the next bar's open.
  rig.feed(runner, rig.bar(n++, 70));
  ASSERT_EQ(rig.recorder.all<model::OrderFilled>().size(), 1U);
  EXPECT_EQ(rig.net(), 10);
  const auto& order = rig.engine.orders().at(0);
  EXPECT_EQ(order.strategy.view(), "sma1");
  EXPECT_EQ(order.status, oms::OrderStatus::Filled);
  EXPECT_EQ(runner.state(0).ordersSent, 1U);
  EXPECT_EQ(runner.state(0).target, Target::Long);

  // Closes turn down: the cross back reverses to short (allow_short): one sell of 0.20.
  for (std::int64_t pips : {40, 10, 0}) rig.feed(runner, rig.bar(n++, pips));
  rig.feed(runner, rig.bar(n++, 0));
  EXPECT_EQ(rig.net(), -10);
  EXPECT_EQ(runner.state(0).ordersSent, 2U);
  EXPECT_EQ(rig.recorder.all<model::SubmitOrder>().back().clientOrderId.view(), "st-sma1-2");
}

TEST(StrategyRunner, StoppedStrategyKeepsReadingBarsButSendsNothing) {
  Rig rig;
  auto runner = make(rig, {smaCross(false)});
  int n = 0;
  for (std::int64_t pips : kUpCross) rig.feed(runner, rig.bar(n++, pips));
  EXPECT_TRUE(rig.recorder.all<model::SubmitOrder>().empty());
  EXPECT_EQ(runner.state(0).signals, 1U);  // the cross was seen

  // Started: the next cross (down) trades; stopped again: the cross after that does not.
  ASSERT_TRUE(runner.setRunning(0, true, rig.recorder));
  for (std::int64_t pips : {40, 10, 0}) rig.feed(runner, rig.bar(n++, pips));
  rig.feed(runner, rig.bar(n++, 0));
  EXPECT_EQ(rig.net(), -10);
  ASSERT_TRUE(runner.setRunning(0, false, rig.recorder));
  for (std::int64_t pips : {20, 50, 80}) rig.feed(runner, rig.bar(n++, pips));
  rig.feed(runner, rig.bar(n++, 80));
  EXPECT_EQ(rig.net(), -10);
  EXPECT_EQ(rig.recorder.all<model::SubmitOrder>().size(), 1U);
  EXPECT_EQ(runner.state(0).signals, 3U);
}

TEST(StrategyRunner, AiSignalBelowTheRiskMinimumIsDeniedForLowConfidence) {
  risk::RiskLimits limits = presets::unthrottled();
  limits.minConfidence = 0.75;
  Rig rig(limits);
  auto runner = make(rig, {aiSignal()});
  rig.engine.onTick(testing::tick(kT0, 110'000, 110'002));

  runner.onDecision(decision(model::DecisionSignal::Buy, 0.6));
  auto denied = rig.recorder.all<model::OrderDenied>();
  ASSERT_EQ(denied.size(), 1U);
  EXPECT_EQ(denied[0].reasonCode.view(), risk::errors::kLowConfidence.code);
  ASSERT_EQ(rig.recorder.all<model::SubmitOrder>().size(), 1U);
  EXPECT_EQ(rig.recorder.all<model::SubmitOrder>()[0].confidence, 0.6);
  EXPECT_EQ(runner.state(0).ordersDenied, 1U);
  EXPECT_EQ(rig.net(), 0);

  // Confident enough: the same signal fills at the ask; a hold keeps the position; a sell
  // without allow_short goes flat.
  runner.onDecision(decision(model::DecisionSignal::StrongBuy, 0.9));
  EXPECT_EQ(rig.net(), 20);
  runner.onDecision(decision(model::DecisionSignal::Hold, 0.95));
  EXPECT_EQ(rig.net(), 20);
  runner.onDecision(decision(model::DecisionSignal::Sell, 0.8));
  EXPECT_EQ(rig.net(), 0);
  EXPECT_EQ(rig.recorder.all<model::SubmitOrder>().size(), 3U);
}

TEST(StrategyRunner, AiSignalIgnoresDecisionsBelowItsOwnMinimumAndOnOthersPrivateData) {
  Rig rig;
  auto runner = make(rig, {aiSignal(0.85)});
  rig.engine.onTick(testing::tick(kT0, 110'000, 110'002));
  runner.onDecision(decision(model::DecisionSignal::Buy, 0.8));
  runner.onDecision(decision(model::DecisionSignal::Buy, 0.99, kOther));  // tenant 8's feed
  EXPECT_TRUE(rig.recorder.all<model::SubmitOrder>().empty());
  runner.onDecision(decision(model::DecisionSignal::Buy, 0.99, kTenant));  // its own feed
  EXPECT_EQ(rig.net(), 20);
}

TEST(StrategyRunner, RuleStrategyReadsOnlyBarsItsTenantMaySee) {
  Rig rig;
  auto runner = make(rig, {smaCross(true)});
  int n = 0;
  for (std::int64_t pips : kUpCross) {
    auto b = rig.bar(n++, pips, kOther);
    runner.onBar(b);
  }
  EXPECT_EQ(runner.state(0).signals, 0U);
  EXPECT_TRUE(rig.recorder.all<model::SubmitOrder>().empty());
}

TEST(StrategyRunner, RunningStateAndOrderNumbersComeBackFromTheJournal) {
  Rig rig;
  auto runner = make(rig, {smaCross(false), aiSignal()});
  ASSERT_TRUE(runner.setRunning(0, true, rig.recorder));
  ASSERT_TRUE(runner.setRunning(1, false, rig.recorder));
  int n = 0;
  for (std::int64_t pips : kUpCross) rig.feed(runner, rig.bar(n++, pips));
  rig.feed(runner, rig.bar(n++, 70));
  ASSERT_EQ(runner.state(0).ordersSent, 1U);
  const auto statuses = rig.recorder.all<model::ServiceStatus>();
  ASSERT_EQ(statuses.size(), 2U);
  EXPECT_EQ(statuses[0].detail.view(), "strategy sma1 running");
  EXPECT_EQ(statuses[1].detail.view(), "strategy ai1 stopped");

  // A restart: the configuration says the opposite; the journal wins.
  Rig second;
  auto rebuilt = make(second, {smaCross(false), aiSignal()});
  for (const auto& event : rig.recorder.events) {
    rebuilt.replay(event);
    if (!std::holds_alternative<model::ServiceStatus>(event)) second.engine.replay(event);
  }
  second.engine.finishReplay();
  EXPECT_TRUE(rebuilt.state(0).running);
  EXPECT_FALSE(rebuilt.state(1).running);
  EXPECT_EQ(rebuilt.state(0).ordersSent, 1U);
  EXPECT_EQ(second.net(), 10);
  // The snapshot carries the same.
  Rig third;
  auto restored = make(third, {smaCross(false), aiSignal()});
  ASSERT_TRUE(restored.restore(rebuilt.snapshot()));
  EXPECT_TRUE(restored.state(0).running);
  EXPECT_FALSE(restored.state(1).running);
  EXPECT_EQ(restored.state(0).ordersSent, 1U);
  EXPECT_FALSE(restored.restore(std::span<const std::byte>(rebuilt.snapshot()).first(5)));
}

TEST(StrategyRunner, RefusesStrategiesThatDoNotFitTheEngineNamingEachProblem) {
  Rig rig;
  auto bad = smaCross(true);
  bad.account = model::AccountId("NOPE");
  bad.quantity = model::Quantity::fromRaw(5, 3);  // 0.005: off the 0.01 lot step
  bad.rule.fast = 5;
  auto twin = smaCross(true);
  auto runner = StrategyRunner::create({bad, twin, smaCross(true)}, rig);
  ASSERT_FALSE(runner);
  const std::string message = runner.error().message();
  EXPECT_NE(message.find("no account 'NOPE'"), std::string::npos) << message;
  EXPECT_NE(message.find("lot step"), std::string::npos) << message;
  EXPECT_NE(message.find("fast (5)"), std::string::npos) << message;
  EXPECT_NE(message.find("the id repeats"), std::string::npos) << message;
}

TEST(StrategyRunner, ReadsConfiguredEntriesAndNamesEveryBadOne) {
  std::vector<portfolio::TradableInstrument> instruments{presets::eurusd()};
  LiveStrategySpec good;
  good.id = "ai-eur";
  good.kind = "ai_signal";
  good.tenant = 7;
  good.account = "ACC1";
  good.quantity = 0.25;
  good.min_confidence = 0.8;
  good.start = true;
  auto read = liveStrategiesFrom({good}, instruments);
  ASSERT_TRUE(read) << read.error().describe();
  ASSERT_EQ(read->size(), 1U);
  EXPECT_EQ((*read)[0].kind, LiveKind::AiSignal);
  EXPECT_EQ((*read)[0].instrument, eurusdId());
  EXPECT_EQ((*read)[0].quantity.mantissa(), 25);
  EXPECT_EQ((*read)[0].tenant, kTenant);
  EXPECT_TRUE((*read)[0].start);

  LiveStrategySpec bad;
  bad.id = "x";
  bad.kind = "macd";
  bad.symbol = "GBPUSD";
  bad.timeframe = "soon";
  bad.tenant = 0;
  auto refused = liveStrategiesFrom({good, bad}, instruments);
  ASSERT_FALSE(refused);
  const std::string message = refused.error().message();
  EXPECT_NE(message.find("trading.strategies[1] ('x'): kind 'macd'"), std::string::npos) << message;
  EXPECT_NE(message.find("symbol 'GBPUSD'"), std::string::npos) << message;
  EXPECT_NE(message.find("timeframe 'soon'"), std::string::npos) << message;
  EXPECT_NE(message.find("tenant 0"), std::string::npos) << message;
  EXPECT_EQ(message.find("strategies[0]"), std::string::npos) << message;
}

}  // namespace
}  // namespace ait::trading
