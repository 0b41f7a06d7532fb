// Live strategies on one engine: rule strategies trade on closed bars, AI-signal strategies on
// decisions (the risk engine's confidence minimum applies), stop means no more orders, and the
// running state and order numbering come back from the journal.
#include "ait/trading/strategy_runner.h"

#include <cmath>
#include <random>

#include <gtest/gtest.h>

#include "ait/model/codec.h"
#include "ait/risk/errors.h"
#include "ait/trading/presets.h"
#include "ait/venue/sim_venue.h"
#include "unit/journal/journal_test_util.h"
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
    (void)c.add(usdjpy());
    return c;
  }
  /// USDJPY: 3 price places, profit in JPY (the account is in USD), else EURUSD's terms.
  static portfolio::TradableInstrument usdjpy() {
    auto fx = presets::eurusd();
    fx.spec.id = {model::Symbol("USDJPY"), model::Venue("SIM")};
    fx.spec.priceScale = 3;
    fx.spec.tickSize = model::Price::fromRaw(1, 3);
    fx.spec.currency = "JPY";
    return fx;
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
  std::int64_t net(std::uint32_t instrument = 0) const {
    return engine.portfolio().netQuantity(0, instrument);
  }

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
                         model::TenantId owner = model::TenantId{0},
                         const model::InstrumentId& instrument = eurusdId()) {
  model::Decision d{};
  d.header.tenant = owner;
  d.header.tsEvent = kT0 + 100 * kMinute;
  d.instrument = instrument;
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

// Sizing: EURUSD at 1.10000/1.10002 (mid 1.10001), lots of 100000 in steps of 0.01 up to 100;
// the account holds 100000 USD. Each expected size is the formula floored to the lot step.
constexpr double kEquity = 100'000.0;
constexpr double kMid = 1.10001;
constexpr double kContract = 100'000.0;

std::int64_t flooredLots(double units) { return static_cast<std::int64_t>(std::floor(units / kContract * 100.0 + 1e-9)); }

LiveStrategyConfig sized(Sizing sizing, double value, double stopLossPct = 0.0) {
  auto c = aiSignal();
  c.sizing = sizing;
  c.sizingValue = value;
  c.stopLossPct = stopLossPct;
  return c;
}

/// Sends one buy decision to a fresh rig and returns the net position it left.
std::int64_t buyWith(const LiveStrategyConfig& config) {
  Rig rig;
  auto runner = make(rig, {config});
  rig.engine.onTick(testing::tick(kT0, 110'000, 110'002));
  runner.onDecision(decision(model::DecisionSignal::Buy, 0.9));
  EXPECT_EQ(runner.state(0).ordersDenied, 0U);
  return rig.net();
}

TEST(StrategyRunner, SizesByUnitsRoundingDownToTheLotStep) {
  // 23456 units are 0.23456 lots: 0.23 on the 0.01 step.
  EXPECT_EQ(buyWith(sized(Sizing::Units, 23'456)), flooredLots(23'456));
  EXPECT_EQ(flooredLots(23'456), 23);
  // A whole number of steps stays whole (no float shortfall): 0.29 lots.
  EXPECT_EQ(buyWith(sized(Sizing::Units, 29'000)), 29);
}

TEST(StrategyRunner, SizesByPercentOfTheAccountEquity) {
  const double units = kEquity * 0.50 / kMid;  // 50% of equity in notional
  EXPECT_EQ(buyWith(sized(Sizing::PercentEquity, 50)), flooredLots(units));
  EXPECT_EQ(buyWith(sized(Sizing::PercentEquity, 5)), flooredLots(kEquity * 0.05 / kMid));
}

TEST(StrategyRunner, SizesByRiskPercentToTheStopDistance) {
  // 1% of equity lost when the price falls 0.5%.
  const double units = kEquity * 0.01 / (kMid * 0.005);
  EXPECT_EQ(buyWith(sized(Sizing::RiskPercent, 1, 0.5)), flooredLots(units));
  // Twice the stop distance halves the size.
  EXPECT_EQ(buyWith(sized(Sizing::RiskPercent, 1, 1.0)), flooredLots(units / 2));
}

TEST(StrategyRunner, FixedLotsSizingSendsTheConfiguredQuantity) {
  auto c = sized(Sizing::Lots, 0);
  c.quantity = model::Quantity::fromRaw(37, 2);
  EXPECT_EQ(buyWith(c), 37);
}

TEST(StrategyRunner, SizeIsCappedAtTheInstrumentMaximum) {
  // 1000000% of equity is about 9091 lots; EURUSD allows 100 (the margin check may still deny).
  Rig rig;
  auto runner = make(rig, {sized(Sizing::PercentEquity, 1'000'000)});
  rig.engine.onTick(testing::tick(kT0, 110'000, 110'002));
  runner.onDecision(decision(model::DecisionSignal::Buy, 0.9));
  const auto submits = rig.recorder.all<model::SubmitOrder>();
  ASSERT_EQ(submits.size(), 1U);
  EXPECT_EQ(submits[0].quantity, model::Quantity::fromRaw(10'000, 2));
  EXPECT_GT(flooredLots(kEquity * 10'000 / kMid), 10'000);
}

TEST(StrategyRunner, SizeBelowTheMinimumIsSkippedAndCounted) {
  Rig rig;
  auto runner = make(rig, {sized(Sizing::Units, 999)});  // 0.00999 lots: below 0.01
  rig.engine.onTick(testing::tick(kT0, 110'000, 110'002));
  runner.onDecision(decision(model::DecisionSignal::Buy, 0.9));
  EXPECT_TRUE(rig.recorder.all<model::SubmitOrder>().empty());
  EXPECT_EQ(runner.state(0).ordersSkipped, 1U);
  EXPECT_EQ(runner.state(0).ordersSent, 0U);
  EXPECT_EQ(rig.net(), 0);
}

TEST(StrategyRunner, SizedPositionOnTheWantedSideIsKeptAndAReversalSizesAfresh) {
  Rig rig;
  auto c = sized(Sizing::PercentEquity, 50);
  c.allowShort = true;
  auto runner = make(rig, {c});
  rig.engine.onTick(testing::tick(kT0, 110'000, 110'002));
  runner.onDecision(decision(model::DecisionSignal::Buy, 0.9));
  const std::int64_t first = rig.net();
  ASSERT_GT(first, 0);
  EXPECT_DOUBLE_EQ(runner.targetLots(0), static_cast<double>(first) / 100.0);
  // The price moves: a second buy does not resize the long.
  rig.engine.onTick(testing::tick(kT0 + 1, 120'000, 120'002));
  runner.onDecision(decision(model::DecisionSignal::Buy, 0.9));
  EXPECT_EQ(rig.net(), first);
  EXPECT_EQ(rig.recorder.all<model::SubmitOrder>().size(), 1U);
  // A sell reverses to a short sized on the equity (with the long's gain) and the price now.
  const double equity = portfolio::money(rig.engine.portfolio().equity(0)).toDouble();
  EXPECT_GT(equity, kEquity);
  runner.onDecision(decision(model::DecisionSignal::Sell, 0.9));
  EXPECT_EQ(rig.net(), -flooredLots(equity * 0.50 / 1.20001)) << equity;
}

TEST(StrategyRunner, SizesInTheAccountCurrencyThroughTheFxRate) {
  // USDJPY on a USD account: 10% of 100000 USD is 10000 USD, 0.1 lot at any USDJPY price; the
  // equity must be converted to yen before it is divided by the yen price.
  Rig rig;
  auto c = sized(Sizing::PercentEquity, 10);
  c.instrument = Rig::usdjpy().spec.id;
  auto runner = make(rig, {c});
  rig.engine.onTick(testing::tick(kT0, 150'000, 150'020, c.instrument, 0, 0, 3));
  runner.onDecision(decision(model::DecisionSignal::Buy, 0.9, model::TenantId{0}, c.instrument));
  const double mid = 150.010;
  EXPECT_EQ(rig.net(1), flooredLots(kEquity * mid * 0.10 / mid));
  EXPECT_EQ(rig.net(1), 10);
}

TEST(StrategyRunner, ReadsSizingKeysAndNamesEachBadOne) {
  std::vector<portfolio::TradableInstrument> instruments{presets::eurusd()};
  LiveStrategySpec good;
  good.id = "risk";
  good.account = "ACC1";
  good.tenant = 7;
  good.sizing = "risk_percent";
  good.sizing_value = 1.5;
  good.stop_loss_pct = 0.4;
  auto read = liveStrategiesFrom({good}, instruments);
  ASSERT_TRUE(read) << read.error().describe();
  EXPECT_EQ((*read)[0].sizing, Sizing::RiskPercent);
  EXPECT_DOUBLE_EQ((*read)[0].sizingValue, 1.5);
  EXPECT_DOUBLE_EQ((*read)[0].stopLossPct, 0.4);

  LiveStrategySpec unknown = good, noValue = good, noStop = good;
  unknown.id = "a";
  unknown.sizing = "kelly";
  noValue.id = "b";
  noValue.sizing = "units";
  noValue.sizing_value = 0;
  noStop.id = "c";
  noStop.stop_loss_pct = 0;
  auto refused = liveStrategiesFrom({unknown, noValue, noStop}, instruments);
  ASSERT_FALSE(refused);
  const std::string message = refused.error().message();
  EXPECT_NE(message.find("[0] ('a'): sizing 'kelly'"), std::string::npos) << message;
  EXPECT_NE(message.find("[1] ('b'): sizing_value must be greater than 0"), std::string::npos) << message;
  EXPECT_NE(message.find("[2] ('c'): stop_loss_pct"), std::string::npos) << message;
}

// Warm-up: a runner that reads the history before the live bars decides on the first live bar
// exactly as one that read every bar live.

/// Closes of a seeded random walk, as EURUSD 1-minute bars.
std::vector<model::Bar> walk(Rig& rig, int count) {
  std::mt19937 random(42);
  std::uniform_int_distribution<int> step(-12, 12);
  std::vector<model::Bar> bars;
  std::int64_t pips = 100;
  for (int n = 0; n < count; ++n) {
    pips += step(random);
    bars.push_back(rig.bar(n, pips));
  }
  return bars;
}

/// The decision a runner of one strategy took on its last bar (Hold: none).
Target lastDecision(const StrategyRunner& runner, std::uint64_t signalsBefore) {
  return runner.state(0).signals > signalsBefore ? runner.state(0).lastSignal : Target::Hold;
}

TEST(StrategyRunner, WarmedRunnerDecidesOnTheFirstLiveBarAsOneThatSawEveryBar) {
  Rig rig;
  const auto bars = walk(rig, 80);
  auto sma = smaCross(false);
  sma.rule.fast = 3;
  sma.rule.slow = 8;
  auto rsi = smaCross(false);
  rsi.kind = LiveKind::Rsi;
  rsi.rule.rsiPeriod = 5;
  rsi.rule.rsiBuyBelow = 40;
  rsi.rule.rsiSellAbove = 60;
  auto breakout = smaCross(false);
  breakout.kind = LiveKind::Breakout;
  breakout.rule.breakoutPeriod = 6;
  for (const auto& config : {sma, rsi, breakout}) {
    SCOPED_TRACE(std::string(toString(config.kind)));
    // Every bar live: the decision on each.
    auto full = make(rig, {config});
    std::vector<Target> decided;
    for (const auto& bar : bars) {
      const auto before = full.state(0).signals;
      full.onBar(bar);
      decided.push_back(lastDecision(full, before));
    }
    int signalled = 0, coldMissed = 0;
    for (std::size_t k = 1; k < bars.size(); ++k) {
      auto warmed = make(rig, {config});
      EXPECT_EQ(warmed.warmUp(std::span(bars).first(k)), k);
      EXPECT_EQ(warmed.state(0).signals, 0U);  // history decides nothing
      warmed.onBar(bars[k]);
      EXPECT_EQ(lastDecision(warmed, 0), decided[k]) << "first live bar " << k;
      auto cold = make(rig, {config});
      cold.onBar(bars[k]);
      if (decided[k] != Target::Hold) ++signalled;
      if (lastDecision(cold, 0) != decided[k]) ++coldMissed;
    }
    EXPECT_GT(signalled, 5);    // the walk gives signals to compare
    EXPECT_GT(coldMissed, 5);   // and a cold runner misses them
  }
}

TEST(StrategyRunner, WarmUpSendsNothingAndALiveBarAlreadyReadIsIgnored) {
  Rig rig;
  auto runner = make(rig, {smaCross(true)});
  std::vector<model::Bar> bars;
  int n = 0;
  for (std::int64_t pips : kUpCross) bars.push_back(rig.bar(n++, pips));
  // The cross is in the history: no order for it.
  EXPECT_EQ(runner.warmUp(bars), bars.size());
  EXPECT_TRUE(rig.recorder.all<model::SubmitOrder>().empty());
  // The last history bar arriving live again is not read twice.
  rig.feed(runner, bars.back());
  EXPECT_EQ(runner.state(0).signals, 0U);
  // Falling closes cross down: the first live signal trades.
  for (std::int64_t pips : {20, 0}) rig.feed(runner, rig.bar(n++, pips));
  EXPECT_EQ(runner.state(0).signals, 1U);
  EXPECT_EQ(rig.recorder.all<model::SubmitOrder>().size(), 1U);
  EXPECT_EQ(runner.state(0).target, Target::Short);
}

TEST(StrategyRunner, WarmsUpFromTheBarsOfTheMarketDataJournal) {
  journal::testing::TempDir tmp;
  auto md = journal::Journal::open(journal::testing::testConfig(tmp.path()));
  ASSERT_TRUE(md) << md.error().describe();
  Rig rig;
  std::vector<std::byte> buffer(4096);
  std::uint64_t last = 0;
  auto append = [&](const model::Event& event, std::uint16_t type) {
    auto size = model::encode(event, buffer);
    ASSERT_TRUE(size) << size.error().describe();
    const auto& header = model::headerOf(event);
    auto seq = (*md)->append(type, header.tenant.value, header.tsEvent, std::span(buffer).first(*size));
    ASSERT_TRUE(seq) << seq.error().describe();
    last = *seq;
  };
  // The five bars before the up cross, with a tick, an amendment and another tenant's bar that
  // must not count.
  int n = 0;
  for (std::int64_t pips : {50, 40, 30, 20, 30}) {
    const auto bar = rig.bar(n++, pips);
    append(model::Event{bar}, std::to_underlying(model::EventType::Bar));
    auto amended = bar;
    amended.revision = 1;
    amended.close = model::Price::fromRaw(200'000, 5);
    append(model::Event{amended}, std::to_underlying(model::EventType::Bar));
    auto other = bar;
    other.header.tenant = kOther;
    other.close = model::Price::fromRaw(100'000, 5);
    append(model::Event{other}, std::to_underlying(model::EventType::Bar));
  }
  append(model::Event{testing::tick(kT0, 110'000, 110'002)}, std::to_underlying(model::EventType::Tick));
  ASSERT_TRUE((*md)->waitDurable(last, std::chrono::seconds(5)));
  const auto cross = rig.bar(n++, 50);

  auto warmed = make(rig, {smaCross(true)});
  auto read = warmed.warmUpFrom(**md);
  ASSERT_TRUE(read) << read.error().describe();
  EXPECT_EQ(*read, 5U);
  EXPECT_TRUE(rig.recorder.all<model::SubmitOrder>().empty());
  rig.feed(warmed, cross);
  ASSERT_EQ(rig.recorder.all<model::SubmitOrder>().size(), 1U);
  EXPECT_EQ(rig.recorder.all<model::SubmitOrder>()[0].side, model::Side::Buy);

  // Without the history the same live bar decides nothing.
  Rig coldRig;
  auto cold = make(coldRig, {smaCross(true)});
  coldRig.feed(cold, cross);
  EXPECT_TRUE(coldRig.recorder.all<model::SubmitOrder>().empty());
}

}  // namespace
}  // namespace ait::trading
