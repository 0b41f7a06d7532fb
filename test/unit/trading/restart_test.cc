// After a restart: reconciliation against a venue that reports a chosen state, the journalled
// trading state, and engine snapshots.
#include <gtest/gtest.h>

#include "ait/trading/engine.h"
#include "ait/venue/sim_venue.h"
#include "ait/venue/venue.h"
#include "unit/trading/fixtures.h"

namespace ait::trading {
namespace {

using testing::eurusd;
using testing::eurusdId;
using testing::kT0;
using testing::kTenant;
using testing::ListRecorder;
using testing::order;

/// Accepts every order and never fills by itself; report() returns what the test scripts.
class ScriptedVenue final : public venue::Venue {
 public:
  explicit ScriptedVenue(venue::ExecutionSink& sink) : sink_(sink) {}
  std::string_view name() const noexcept override { return "SCRIPT"; }
  venue::Capabilities capabilities() const noexcept override { return {true, false, true}; }
  void submit(const oms::Order& order) noexcept override {
    model::OrderAccepted accepted{};
    accepted.header.tenant = order.tenant;
    accepted.clientOrderId = order.clientOrderId;
    accepted.venueOrderId = model::VenueOrderId::truncated("V" + std::to_string(++ids_));
    accepted.account = order.account;
    accepted.instrument = order.instrument;
    sink_.onExecution(accepted);
  }
  void cancel(const oms::Order& order) noexcept override {
    model::OrderCancelled cancelled{};
    cancelled.header.tenant = order.tenant;
    cancelled.clientOrderId = order.clientOrderId;
    cancelled.venueOrderId = order.venueOrderId;
    cancelled.account = order.account;
    cancelled.instrument = order.instrument;
    sink_.onExecution(cancelled);
  }
  void modify(const oms::Order&, const venue::Amendment&) noexcept override {}
  void onTick(std::uint32_t, const model::Tick&) noexcept override {}
  void onBar(std::uint32_t, const model::Bar&) noexcept override {}
  void onTime(TimestampNs) noexcept override {}
  void restore(const oms::Order&) noexcept override {}
  void restoreCounters(std::uint64_t, std::uint64_t) noexcept override {}
  std::optional<venue::VenueReport> report() const override { return scripted; }

  venue::VenueReport scripted;

 private:
  venue::ExecutionSink& sink_;
  int ids_ = 0;
};

risk::RiskLimits relaxed() {
  risk::RiskLimits limits;
  limits.maxRiskPerTradePpm = 1'000'000;
  limits.maxOrdersPerSecond = 1'000;
  limits.maxOrdersPerMinute = 100'000;
  return limits;
}

template <class V>
struct RigOn {
  explicit RigOn(ListRecorder& recorder)
      : engine(catalog, recorder, {}, relaxed()), venue(makeVenue(catalog, engine)) {
    engine.setVenue(venue);
    (void)engine.addAccount(kTenant, model::AccountId("ACC1"), model::Currency("USD"),
                            portfolio::PositionMode::Netting, model::Money::fromRaw(10'000, 0));
    engine.onTick(testing::tick(now, 110'000, 110'002));
  }
  static portfolio::Catalog makeCatalog() {
    portfolio::Catalog c;
    (void)c.add(eurusd());
    return c;
  }
  static V makeVenue(portfolio::Catalog& catalog, TradingEngine& engine) {
    if constexpr (std::is_same_v<V, venue::SimVenue>) {
      return V(catalog, engine.executionSink());
    } else {
      return V(engine.executionSink());
    }
  }
  model::SubmitOrder at(model::SubmitOrder o) {
    now += 1'000'000;
    o.header.tsEvent = now;
    return o;
  }
  const oms::Order& get(std::string_view id) {
    return engine.orders().at(static_cast<std::uint32_t>(
        engine.orders().find(kTenant, *model::ClientOrderId::from(id))));
  }
  venue::OrderReport reported(std::string_view id, std::int64_t quantity, std::int64_t filled,
                              std::int64_t average, venue::OrderReport::Status status) {
    venue::OrderReport r;
    r.tenant = kTenant;
    r.account = model::AccountId("ACC1");
    r.clientOrderId = model::ClientOrderId::truncated(id);
    r.instrument = eurusdId();
    r.side = model::Side::Buy;
    r.type = model::OrderType::Limit;
    r.quantity = model::Quantity::fromRaw(quantity, 2);
    r.filled = model::Quantity::fromRaw(filled, 2);
    r.averagePrice = model::Price::fromRaw(average, 5);
    r.price = model::Price::fromRaw(110'000, 5);
    r.status = status;
    return r;
  }
  void position(std::int64_t quantity, std::int64_t average) {
    venue.scripted.positionsReported = true;
    venue.scripted.positions.push_back({kTenant, model::AccountId("ACC1"), eurusdId(),
                                        model::Quantity::fromRaw(quantity, 2),
                                        model::Price::fromRaw(average, 5)});
  }

  portfolio::Catalog catalog = makeCatalog();
  TradingEngine engine;
  V venue;
  TimestampNs now = kT0;
};
using Rig = RigOn<ScriptedVenue>;
using SimRig = RigOn<venue::SimVenue>;

std::vector<std::string> alertCodes(const ListRecorder& r) {
  std::vector<std::string> codes;
  for (const auto& a : r.all<model::Alert>()) codes.emplace_back(a.code.view());
  return codes;
}

/// Replays what was recorded into a fresh engine: the correction must survive a restart.
std::int64_t replayedNet(const ListRecorder& recorder) {
  ListRecorder second;
  Rig rebuilt(second);
  for (const auto& event : recorder.events) rebuilt.engine.replay(event);
  return rebuilt.engine.portfolio().netQuantity(0, 0);
}

TEST(Reconciliation, MissedFillIsAppliedAndAlerted) {
  ListRecorder recorder;
  Rig rig(recorder);
  rig.engine.submit(rig.at(order("L", model::Side::Buy, 100, model::OrderType::Limit, 110'000)));
  ASSERT_EQ(rig.get("L").status, oms::OrderStatus::Accepted);
  // While we were down the venue filled it.
  rig.venue.scripted.orders.push_back(rig.reported("L", 100, 100, 110'000, venue::OrderReport::Status::Filled));
  rig.position(100, 110'000);
  auto summary = rig.engine.reconcile(*rig.venue.report());
  EXPECT_EQ(summary.ordersChecked, 1U);
  EXPECT_EQ(summary.ordersMismatched, 1U);
  EXPECT_EQ(summary.positionsChecked, 1U);
  EXPECT_EQ(summary.positionsMismatched, 0U);
  EXPECT_EQ(rig.get("L").status, oms::OrderStatus::Filled);
  EXPECT_EQ(rig.get("L").filled, 100);
  EXPECT_EQ(rig.engine.portfolio().netQuantity(0, 0), 100);
  auto fills = recorder.all<model::OrderFilled>();
  ASSERT_EQ(fills.size(), 1U);
  EXPECT_EQ(fills[0].fillPrice, model::Price::fromRaw(110'000, 5));
  EXPECT_EQ(alertCodes(recorder), std::vector<std::string>{"AIT-TRD-0008"});
  auto results = recorder.all<model::ReconciliationResult>();
  ASSERT_EQ(results.size(), 1U);
  EXPECT_EQ(results[0].status, model::ReconciliationStatus::Corrected);
  EXPECT_EQ(results[0].ordersMismatched, 1U);
  EXPECT_EQ(replayedNet(recorder), 100);
}

TEST(Reconciliation, PartialFillMissedPricesTheMissingPartFromTheVenueAverage) {
  ListRecorder recorder;
  Rig rig(recorder);
  rig.engine.submit(rig.at(order("L", model::Side::Buy, 100, model::OrderType::Limit, 110'000)));
  // 0.40 filled at 1.10000 and then 0.20 at 1.09970: average (0.4*1.1 + 0.2*1.0997)/0.6.
  rig.venue.scripted.orders.push_back(
      rig.reported("L", 100, 60, 109'990, venue::OrderReport::Status::Working));
  rig.engine.reconcile(*rig.venue.report());
  EXPECT_EQ(rig.get("L").status, oms::OrderStatus::PartiallyFilled);
  EXPECT_EQ(rig.get("L").filled, 60);
  EXPECT_EQ(rig.get("L").filledCost, 109'990 * 60);
}

TEST(Reconciliation, UnknownVenueOrderIsAdopted) {
  ListRecorder recorder;
  Rig rig(recorder);
  auto r = rig.reported("", 50, 50, 110'010, venue::OrderReport::Status::Filled);
  r.venueOrderId = model::VenueOrderId("777");
  r.type = model::OrderType::Market;
  rig.venue.scripted.orders.push_back(r);
  rig.position(50, 110'010);
  auto summary = rig.engine.reconcile(*rig.venue.report());
  EXPECT_EQ(summary.ordersMismatched, 1U);
  EXPECT_EQ(summary.positionsMismatched, 0U);
  const auto& adopted = rig.get("venue-777");
  EXPECT_EQ(adopted.status, oms::OrderStatus::Filled);
  EXPECT_EQ(adopted.venueOrderId, model::VenueOrderId("777"));
  EXPECT_EQ(rig.engine.portfolio().netQuantity(0, 0), 50);
  EXPECT_EQ(alertCodes(recorder), std::vector<std::string>{"AIT-TRD-0009"});
  EXPECT_EQ(replayedNet(recorder), 50);
}

TEST(Reconciliation, QuantityMismatchesTakeTheVenuesNumbers) {
  ListRecorder recorder;
  Rig rig(recorder);
  rig.engine.submit(rig.at(order("L", model::Side::Buy, 300, model::OrderType::Limit, 110'000)));
  rig.venue.scripted.orders.push_back(rig.reported("L", 200, 0, 0, venue::OrderReport::Status::Working));
  // And a position the journal does not have at all.
  rig.position(30, 110'001);
  auto summary = rig.engine.reconcile(*rig.venue.report());
  EXPECT_EQ(summary.ordersMismatched, 1U);
  EXPECT_EQ(summary.positionsMismatched, 1U);
  EXPECT_EQ(rig.get("L").quantity, 200);
  EXPECT_EQ(rig.get("L").status, oms::OrderStatus::Accepted);
  EXPECT_EQ(rig.engine.portfolio().netQuantity(0, 0), 30);
  EXPECT_EQ(alertCodes(recorder), (std::vector<std::string>{"AIT-TRD-0010", "AIT-TRD-0012"}));
  EXPECT_EQ(replayedNet(recorder), 30);
  // Once aligned, a second reconciliation finds nothing.
  std::size_t before = recorder.events.size();
  auto again = rig.engine.reconcile(*rig.venue.report());
  EXPECT_EQ(again.ordersMismatched + again.positionsMismatched, 0U);
  ASSERT_EQ(recorder.events.size(), before + 1);  // only the result
  EXPECT_EQ(std::get<model::ReconciliationResult>(recorder.events.back()).status,
            model::ReconciliationStatus::Matched);
}

TEST(Reconciliation, AnOrderTheVenueDoesNotWorkIsCancelledHere) {
  ListRecorder recorder;
  Rig rig(recorder);
  rig.engine.submit(rig.at(order("L", model::Side::Buy, 100, model::OrderType::Limit, 110'000)));
  auto summary = rig.engine.reconcile(venue::VenueReport{});
  EXPECT_EQ(summary.ordersMismatched, 1U);
  EXPECT_EQ(rig.get("L").status, oms::OrderStatus::Cancelled);
  EXPECT_EQ(alertCodes(recorder), std::vector<std::string>{"AIT-TRD-0011"});
}

TEST(Reconciliation, AgreementChangesNothing) {
  ListRecorder recorder;
  Rig rig(recorder);
  rig.engine.submit(rig.at(order("L", model::Side::Buy, 100, model::OrderType::Limit, 110'000)));
  rig.venue.scripted.orders.push_back(rig.reported("L", 100, 0, 0, venue::OrderReport::Status::Working));
  rig.position(0, 0);
  auto before = recorder.events.size();
  auto summary = rig.engine.reconcile(*rig.venue.report());
  EXPECT_EQ(summary.ordersChecked, 1U);
  EXPECT_EQ(summary.ordersMismatched + summary.positionsMismatched, 0U);
  EXPECT_TRUE(summary.findings.empty());
  ASSERT_EQ(recorder.events.size(), before + 1);
  EXPECT_EQ(std::get<model::ReconciliationResult>(recorder.events.back()).status,
            model::ReconciliationStatus::Matched);
}

TEST(TradingState, AManualHaltIsJournalledAndSurvivesAReplay) {
  ListRecorder recorder;
  Rig rig(recorder);
  rig.engine.setTradingState(kTenant, risk::TradingState::Halted);
  auto changes = recorder.all<model::TradingStateChanged>();
  ASSERT_EQ(changes.size(), 1U);
  EXPECT_EQ(changes[0].state, model::TradingMode::Halted);
  EXPECT_EQ(changes[0].cause, model::StateCause::Manual);
  EXPECT_EQ(changes[0].account, model::AccountId("ACC1"));

  ListRecorder second;
  Rig rebuilt(second);
  for (const auto& event : recorder.events) rebuilt.engine.replay(event);
  rebuilt.engine.finishReplay();
  EXPECT_EQ(rebuilt.engine.submit(rebuilt.at(order("A", model::Side::Buy, 100))).denied,
            risk::DenyReason::Halted);

  rig.engine.resume(kTenant);
  ListRecorder third;
  Rig resumed(third);
  for (const auto& event : recorder.events) resumed.engine.replay(event);
  resumed.engine.finishReplay();
  EXPECT_EQ(resumed.engine.submit(resumed.at(order("B", model::Side::Buy, 100))).denied,
            risk::DenyReason::None);
}

TEST(TradingState, ALossLimitBreachIsJournalledWithAnAlert) {
  ListRecorder recorder;
  SimRig rig(recorder);
  rig.engine.submit(rig.at(order("A", model::Side::Buy, 100)));  // 1 lot at 1.10002
  // 1.5 cents down on 100000 units: 1500 USD, 15% of the day's 10000 (limit 5%).
  rig.now += 1'000'000;
  rig.engine.onTick(testing::tick(rig.now, 108'500, 108'502));
  rig.engine.submit(rig.at(order("B", model::Side::Sell, 50)));
  auto changes = recorder.all<model::TradingStateChanged>();
  ASSERT_EQ(changes.size(), 1U);
  EXPECT_EQ(changes[0].state, model::TradingMode::ReducingOnly);
  EXPECT_EQ(changes[0].cause, model::StateCause::DailyLoss);
  EXPECT_EQ(alertCodes(recorder), std::vector<std::string>{"AIT-RSK-0019"});
  // A replay restores it without a second alert.
  ListRecorder second;
  SimRig rebuilt(second);
  for (const auto& event : recorder.events) rebuilt.engine.replay(event);
  rebuilt.engine.finishReplay();
  EXPECT_TRUE(second.all<model::Alert>().empty());
  EXPECT_EQ(rebuilt.engine.submit(rebuilt.at(order("C", model::Side::Buy, 10))).denied,
            risk::DenyReason::DailyLoss);
}

/// Trades a little on the simulated venue: fills, a partial position close, working orders.
void trade(SimRig& rig, int from, int to) {
  for (int i = from; i < to; ++i) {
    rig.now += 1'000'000;
    rig.engine.onTick(testing::tick(rig.now, 110'000 + i * 3, 110'002 + i * 3));
    auto side = i % 3 == 0 ? model::Side::Sell : model::Side::Buy;
    rig.engine.submit(rig.at(order("m" + std::to_string(i), side, 10 + i)));
    rig.engine.submit(rig.at(order("l" + std::to_string(i), model::Side::Buy, 5,
                                   model::OrderType::Limit, 109'900 - i)));
  }
}

void expectSameState(TradingEngine& a, TradingEngine& b) {
  ASSERT_EQ(a.orders().size(), b.orders().size());
  for (std::uint32_t i = 0; i < a.orders().size(); ++i) {
    const auto& x = a.orders().at(i);
    const auto& y = b.orders().at(i);
    EXPECT_EQ(x.clientOrderId, y.clientOrderId);
    EXPECT_EQ(x.status, y.status) << x.clientOrderId.view();
    EXPECT_EQ(x.filled, y.filled) << x.clientOrderId.view();
    EXPECT_EQ(x.filledCost, y.filledCost) << x.clientOrderId.view();
    EXPECT_EQ(x.venueOrderId, y.venueOrderId) << x.clientOrderId.view();
  }
  EXPECT_EQ(a.orders().live(), b.orders().live());
  const auto& p = a.portfolio().account(0);
  const auto& q = b.portfolio().account(0);
  EXPECT_EQ(p.balance, q.balance);
  EXPECT_EQ(p.realizedPnl, q.realizedPnl);
  EXPECT_EQ(p.commission, q.commission);
  EXPECT_EQ(p.openPositions, q.openPositions);
  EXPECT_EQ(a.portfolio().netQuantity(0, 0), b.portfolio().netQuantity(0, 0));
  EXPECT_EQ(a.risk().accountRisk(0).state, b.risk().accountRisk(0).state);
}

TEST(Snapshot, SnapshotPlusTheJournalTailEqualsTheFullReplay) {
  ListRecorder recorder;
  SimRig live(recorder);
  trade(live, 0, 6);
  live.engine.setTradingState(kTenant, risk::TradingState::ReducingOnly);
  const auto snapshot = live.engine.snapshot();
  const std::size_t covered = recorder.events.size();
  live.engine.resume(kTenant);
  trade(live, 6, 12);

  ListRecorder a, b;
  SimRig full(a), fromSnapshot(b);
  for (const auto& event : recorder.events) full.engine.replay(event);
  full.engine.finishReplay();
  ASSERT_TRUE(fromSnapshot.engine.restore(snapshot));
  EXPECT_GT(fromSnapshot.engine.orders().size(), 0U);
  for (std::size_t i = covered; i < recorder.events.size(); ++i) fromSnapshot.engine.replay(recorder.events[i]);
  fromSnapshot.engine.finishReplay();
  expectSameState(full.engine, fromSnapshot.engine);
  expectSameState(live.engine, fromSnapshot.engine);
  // Idempotence survives the snapshot: a repeated id finds the first order.
  EXPECT_TRUE(fromSnapshot.engine.submit(fromSnapshot.at(order("m1", model::Side::Buy, 99))).duplicate);
}

TEST(Snapshot, AStateTheSnapshotTookIsRestored) {
  ListRecorder recorder;
  SimRig live(recorder);
  trade(live, 0, 3);
  live.engine.setTradingState(kTenant, risk::TradingState::Halted);
  ListRecorder second;
  SimRig restored(second);
  ASSERT_TRUE(restored.engine.restore(live.engine.snapshot()));
  restored.engine.finishReplay();
  EXPECT_EQ(restored.engine.submit(restored.at(order("x", model::Side::Buy, 10))).denied,
            risk::DenyReason::Halted);
}

TEST(Snapshot, ABadSnapshotIsRefusedAndChangesNothing) {
  ListRecorder recorder;
  SimRig live(recorder);
  trade(live, 0, 3);
  auto bytes = live.engine.snapshot();

  ListRecorder second;
  SimRig target(second);
  auto truncated = std::span<const std::byte>(bytes).first(bytes.size() - 5);
  auto refused = target.engine.restore(truncated);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message().find("snapshot"), std::string::npos);
  EXPECT_EQ(target.engine.orders().size(), 0U);

  auto corrupt = bytes;
  corrupt[0] = std::byte{0};
  EXPECT_FALSE(target.engine.restore(corrupt));

  // Another account set than the one configured.
  ListRecorder third;
  SimRig other(third);
  (void)other.engine.addAccount(kTenant, model::AccountId("ACC2"), model::Currency("USD"),
                                portfolio::PositionMode::Netting, model::Money::fromRaw(5, 0));
  auto mismatch = other.engine.restore(bytes);
  ASSERT_FALSE(mismatch);
  EXPECT_NE(mismatch.error().message().find("accounts"), std::string::npos);
  EXPECT_EQ(other.engine.orders().size(), 0U);
  EXPECT_EQ(target.engine.portfolio().account(0).balance,
            model::Money::fromRaw(10'000, 0).rescaled(portfolio::kMoneyScale)->mantissa());
}

}  // namespace
}  // namespace ait::trading
