#include "ait/trading/engine.h"

#include <gtest/gtest.h>

#include "ait/venue/sim_venue.h"
#include "unit/trading/fixtures.h"

namespace ait::trading {
namespace {

using testing::eurusd;
using testing::eurusdId;
using testing::kT0;
using testing::kTenant;
using testing::ListRecorder;
using testing::order;

risk::RiskLimits relaxed() {
  risk::RiskLimits limits;
  limits.maxRiskPerTradePpm = 1'000'000;  // no stop loss needed
  limits.maxOrdersPerSecond = 1'000;
  limits.maxOrdersPerMinute = 100'000;
  return limits;
}

/// An engine on the simulated venue with one EURUSD account of 10000 USD.
struct Rig {
  explicit Rig(ListRecorder& recorder, risk::RiskLimits limits = relaxed(),
               portfolio::PositionMode mode = portfolio::PositionMode::Netting,
               EngineConfig config = {})
      : engine(catalog, recorder, config, limits),
        venue(catalog, engine.executionSink()) {
    engine.setVenue(venue);
    (void)engine.addAccount(kTenant, model::AccountId("ACC1"), model::Currency("USD"), mode,
                            model::Money::fromRaw(10'000, 0));
  }
  static portfolio::Catalog makeCatalog() {
    portfolio::Catalog c;
    (void)c.add(eurusd());
    return c;
  }
  void quote(std::int64_t bid, std::int64_t ask) {
    now += 1'000'000;
    engine.onTick(testing::tick(now, bid, ask));
  }
  const oms::Order& get(std::string_view id) {
    return engine.orders().at(static_cast<std::uint32_t>(
        engine.orders().find(kTenant, *model::ClientOrderId::from(id))));
  }
  model::SubmitOrder at(model::SubmitOrder o) {
    now += 1'000'000;
    o.header.tsEvent = now;
    return o;
  }

  portfolio::Catalog catalog = makeCatalog();
  TradingEngine engine;
  venue::SimVenue venue;
  TimestampNs now = kT0;
};

template <class E>
std::size_t count(const ListRecorder& r) {
  return r.all<E>().size();
}

TEST(TradingEngine, MarketOrderIsSubmittedAcceptedFilledAndOpensAPosition) {
  ListRecorder recorder;
  Rig rig(recorder);
  rig.quote(110'000, 110'002);
  auto result = rig.engine.submit(rig.at(order("A", model::Side::Buy, 100)));
  EXPECT_EQ(result.denied, risk::DenyReason::None);
  ASSERT_EQ(recorder.events.size(), 6U);
  EXPECT_TRUE(std::holds_alternative<model::SubmitOrder>(recorder.events[0]));
  EXPECT_TRUE(std::holds_alternative<model::OrderSubmitted>(recorder.events[1]));
  EXPECT_TRUE(std::holds_alternative<model::OrderAccepted>(recorder.events[2]));
  EXPECT_TRUE(std::holds_alternative<model::OrderFilled>(recorder.events[3]));
  EXPECT_TRUE(std::holds_alternative<model::PositionOpened>(recorder.events[4]));
  // The account after the fill: 1 lot bought at the ask, marked at the bid (2 pips down).
  const auto& state = std::get<model::AccountState>(recorder.events[5]);
  EXPECT_EQ(state.balance.toDouble(), 10'000.0);
  EXPECT_EQ(state.equity.toDouble(), 9'998.0);
  const auto& o = rig.get("A");
  EXPECT_EQ(o.status, oms::OrderStatus::Filled);
  EXPECT_EQ(o.filled, 100);
  EXPECT_EQ(rig.engine.portfolio().netQuantity(0, 0), 100);
  auto opened = recorder.all<model::PositionOpened>()[0];
  EXPECT_EQ(opened.quantity, model::Quantity::fromRaw(100, 2));
  EXPECT_EQ(opened.averagePrice, model::Price::fromRaw(110'002, 5));
}

TEST(TradingEngine, RepeatedClientOrderIdReturnsTheFirstOrder) {
  ListRecorder recorder;
  Rig rig(recorder);
  rig.quote(110'000, 110'002);
  auto first = rig.engine.submit(rig.at(order("A", model::Side::Buy, 100)));
  auto again = rig.engine.submit(rig.at(order("A", model::Side::Buy, 300)));
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(again.order, first.order);
  EXPECT_EQ(count<model::OrderSubmitted>(recorder), 1U);
  EXPECT_EQ(count<model::OrderFilled>(recorder), 1U);
  EXPECT_EQ(rig.engine.portfolio().netQuantity(0, 0), 100);
}

TEST(TradingEngine, DenialIsAnOrderDeniedEventWithTheReasonCode) {
  ListRecorder recorder;
  Rig rig(recorder, risk::RiskLimits{});  // default limits: a stop loss is required
  rig.quote(110'000, 110'002);
  auto result = rig.engine.submit(rig.at(order("A", model::Side::Buy, 100)));
  EXPECT_EQ(result.denied, risk::DenyReason::NoStopLoss);
  auto denied = recorder.all<model::OrderDenied>();
  ASSERT_EQ(denied.size(), 1U);
  EXPECT_EQ(denied[0].reasonCode.view(), "AIT-RSK-0017");
  EXPECT_EQ(rig.get("A").status, oms::OrderStatus::Denied);
  EXPECT_EQ(rig.engine.risk().decisions(risk::DenyReason::NoStopLoss), 1U);
}

TEST(TradingEngine, BracketLegsFollowTheFillAndTheFirstExitCancelsTheOther) {
  ListRecorder recorder;
  Rig rig(recorder);
  rig.quote(110'000, 110'002);
  auto o = order("A", model::Side::Buy, 100);
  o.stopLoss = model::Price::fromRaw(109'800, 5);
  o.takeProfit = model::Price::fromRaw(110'300, 5);
  rig.engine.submit(rig.at(o));
  EXPECT_EQ(rig.get("A:SL").status, oms::OrderStatus::Accepted);
  EXPECT_EQ(rig.get("A:SL").type, model::OrderType::Stop);
  EXPECT_EQ(rig.get("A:TP").type, model::OrderType::Limit);
  EXPECT_EQ(rig.get("A:TP").side, model::Side::Sell);
  EXPECT_EQ(rig.get("A:TP").quantity, 100);
  rig.quote(110'310, 110'312);
  EXPECT_EQ(rig.get("A:TP").status, oms::OrderStatus::Filled);
  EXPECT_EQ(rig.get("A:SL").status, oms::OrderStatus::Cancelled);
  EXPECT_EQ(rig.engine.portfolio().netQuantity(0, 0), 0);
  // 1 lot from 1.10002 to 1.10300 = 298 USD
  EXPECT_EQ(rig.engine.portfolio().account(0).realizedPnl, 298LL * 100'000'000);
  EXPECT_EQ(count<model::PositionClosed>(recorder), 1U);
}

TEST(TradingEngine, HedgingBracketLegsCloseTheirOwnPosition) {
  ListRecorder recorder;
  Rig rig(recorder, relaxed(), portfolio::PositionMode::Hedging);
  rig.quote(110'000, 110'002);
  rig.engine.submit(rig.at(order("B", model::Side::Buy, 100)));
  auto o = order("A", model::Side::Buy, 100);
  o.stopLoss = model::Price::fromRaw(109'800, 5);
  rig.engine.submit(rig.at(o));
  EXPECT_EQ(rig.engine.portfolio().account(0).openPositions, 2U);
  rig.quote(109'700, 109'702);
  EXPECT_EQ(rig.get("A:SL").status, oms::OrderStatus::Filled);
  EXPECT_EQ(rig.engine.portfolio().account(0).openPositions, 1U);
  EXPECT_EQ(rig.engine.portfolio().netQuantity(0, 0), 100);
}

TEST(TradingEngine, CancelAndModifyAWorkingLimit) {
  ListRecorder recorder;
  Rig rig(recorder);
  rig.quote(110'000, 110'002);
  rig.engine.submit(rig.at(order("L", model::Side::Buy, 100, model::OrderType::Limit, 109'000)));
  model::ModifyOrder modify{};
  modify.header.tenant = kTenant;
  modify.clientOrderId = model::ClientOrderId("L");
  modify.account = model::AccountId("ACC1");
  modify.instrument = eurusdId();
  modify.price = model::Price::fromRaw(109'500, 5);
  EXPECT_EQ(rig.engine.modify(modify), CommandResult::Done);
  EXPECT_EQ(rig.get("L").price, 109'500);
  EXPECT_EQ(rig.get("L").status, oms::OrderStatus::Accepted);
  model::CancelOrder cancel{};
  cancel.header.tenant = kTenant;
  cancel.clientOrderId = model::ClientOrderId("L");
  cancel.account = model::AccountId("ACC1");
  cancel.instrument = eurusdId();
  EXPECT_EQ(rig.engine.cancel(cancel), CommandResult::Done);
  EXPECT_EQ(rig.get("L").status, oms::OrderStatus::Cancelled);
  EXPECT_EQ(rig.engine.cancel(cancel), CommandResult::NotWorking);
  cancel.clientOrderId = model::ClientOrderId("X");
  EXPECT_EQ(rig.engine.cancel(cancel), CommandResult::UnknownOrder);
}

TEST(TradingEngine, ReplayOfTheRecordedEventsRebuildsTheSameState) {
  ListRecorder recorder;
  Rig live(recorder);
  live.quote(110'000, 110'002);
  live.engine.submit(live.at(order("A", model::Side::Buy, 200)));
  live.engine.submit(live.at(order("B", model::Side::Sell, 50)));
  live.engine.submit(live.at(order("L", model::Side::Sell, 100, model::OrderType::Limit, 110'100)));
  auto bracket = order("C", model::Side::Buy, 30);
  bracket.takeProfit = model::Price::fromRaw(110'500, 5);
  live.engine.submit(live.at(bracket));
  live.quote(110'050, 110'052);

  ListRecorder second;
  Rig rebuilt(second);
  for (const auto& event : recorder.events) rebuilt.engine.replay(event);
  rebuilt.engine.finishReplay();
  EXPECT_TRUE(second.events.empty());  // nothing was pending: the replay decided nothing

  ASSERT_EQ(rebuilt.engine.orders().size(), live.engine.orders().size());
  for (std::uint32_t i = 0; i < live.engine.orders().size(); ++i) {
    const auto& a = live.engine.orders().at(i);
    const auto& b = rebuilt.engine.orders().at(i);
    EXPECT_EQ(a.clientOrderId, b.clientOrderId);
    EXPECT_EQ(a.status, b.status) << a.clientOrderId.view();
    EXPECT_EQ(a.filled, b.filled);
    EXPECT_EQ(a.venueOrderId, b.venueOrderId);
  }
  const auto& la = live.engine.portfolio().account(0);
  const auto& ra = rebuilt.engine.portfolio().account(0);
  EXPECT_EQ(la.balance, ra.balance);
  EXPECT_EQ(la.realizedPnl, ra.realizedPnl);
  EXPECT_EQ(live.engine.portfolio().netQuantity(0, 0), rebuilt.engine.portfolio().netQuantity(0, 0));

  // The working limit and take profit came back to the new venue: both fill on the same quote.
  live.quote(110'600, 110'602);
  rebuilt.now = live.now;
  rebuilt.engine.onTick(testing::tick(live.now, 110'600, 110'602));
  EXPECT_EQ(rebuilt.get("L").status, oms::OrderStatus::Filled);
  EXPECT_EQ(rebuilt.get("C:TP").status, oms::OrderStatus::Filled);
  EXPECT_EQ(live.engine.portfolio().account(0).balance,
            rebuilt.engine.portfolio().account(0).balance);
}

TEST(TradingEngine, ReplayResubmitsAnOrderThatNeverReachedTheVenue) {
  ListRecorder recorder;
  Rig live(recorder);
  live.quote(110'000, 110'002);
  live.engine.submit(live.at(order("A", model::Side::Buy, 100)));
  ListRecorder second;
  Rig rebuilt(second);
  rebuilt.quote(110'000, 110'002);
  // The crash came right after OrderSubmitted was journalled.
  rebuilt.engine.replay(recorder.events[0]);
  rebuilt.engine.replay(recorder.events[1]);
  rebuilt.engine.finishReplay();
  EXPECT_EQ(rebuilt.get("A").status, oms::OrderStatus::Filled);
  EXPECT_EQ(count<model::OrderAccepted>(second), 1U);
}

TEST(TradingEngine, ImpossibleTransitionFromTheVenueIsRefusedAndCounted) {
  ListRecorder recorder;
  Rig rig(recorder);
  rig.quote(110'000, 110'002);
  rig.engine.submit(rig.at(order("A", model::Side::Buy, 100)));
  auto before = rig.engine.orders().refusedTransitions();
  model::OrderCancelled late{};
  late.header.tenant = kTenant;
  late.clientOrderId = model::ClientOrderId("A");
  rig.engine.replay(late);
  EXPECT_EQ(rig.engine.orders().refusedTransitions(), before + 1);
  EXPECT_EQ(rig.get("A").status, oms::OrderStatus::Filled);
}

TEST(TradingEngine, JournalFailureHaltsNewOrders) {
  ListRecorder recorder;
  Rig rig(recorder);
  rig.quote(110'000, 110'002);
  recorder.failing = true;
  rig.engine.submit(rig.at(order("A", model::Side::Buy, 100)));
  EXPECT_GT(rig.engine.recordFailures(), 0U);
  recorder.failing = false;
  auto next = rig.engine.submit(rig.at(order("B", model::Side::Buy, 100)));
  EXPECT_EQ(next.denied, risk::DenyReason::Halted);
}

TEST(TradingEngine, KillSwitchHaltsAndResumeReopens) {
  ListRecorder recorder;
  Rig rig(recorder);
  rig.quote(110'000, 110'002);
  rig.engine.setTradingState(kTenant, risk::TradingState::Halted);
  EXPECT_EQ(rig.engine.submit(rig.at(order("A", model::Side::Buy, 100))).denied,
            risk::DenyReason::Halted);
  rig.engine.resume(kTenant);
  EXPECT_EQ(rig.engine.submit(rig.at(order("B", model::Side::Buy, 100))).denied,
            risk::DenyReason::None);
}

TEST(TradingEngine, FullOrderStorageDeniesWithCapacity) {
  ListRecorder recorder;
  EngineConfig config;
  config.maxOrders = 1;
  Rig rig(recorder, relaxed(), portfolio::PositionMode::Netting, config);
  rig.quote(110'000, 110'002);
  rig.engine.submit(rig.at(order("A", model::Side::Buy, 100)));
  auto second = rig.engine.submit(rig.at(order("B", model::Side::Buy, 100)));
  EXPECT_EQ(second.denied, risk::DenyReason::Capacity);
  EXPECT_EQ(recorder.all<model::OrderDenied>().back().reasonCode.view(), "AIT-RSK-0024");
}

TEST(TradingEngine, ClientOrderIdsWithTheLegSeparatorAreDenied) {
  ListRecorder recorder;
  Rig rig(recorder);
  rig.quote(110'000, 110'002);
  EXPECT_EQ(rig.engine.submit(rig.at(order("X:SL", model::Side::Buy, 100))).denied,
            risk::DenyReason::InvalidOrder);
}

}  // namespace
}  // namespace ait::trading
