#pragma once
// One fully populated instance of every event type: every field differs from its default, so a
// codec that forgets or swaps a field fails the round-trip tests.

#include <vector>

#include "ait/model/events.h"

namespace ait::model::test {

inline InstrumentId eurusd() { return InstrumentId{Symbol("EURUSD"), Venue("MT5")}; }

inline EventHeader sampleHeader(std::uint32_t tenant = 7) {
  return EventHeader{TenantId{tenant}, 1'704'164'645'123'456'789, 1'704'164'645'123'999'000, 0};
}

inline Tick sampleTick() {
  Tick tick;
  tick.header = sampleHeader();
  tick.instrument = eurusd();
  tick.bid = Price::fromRaw(110'235, 5);
  tick.ask = Price::fromRaw(110'237, 5);
  tick.last = Price::fromRaw(110'236, 5);
  tick.bidSize = Quantity::fromRaw(150, 2);
  tick.askSize = Quantity::fromRaw(275, 2);
  tick.volume = Quantity::fromRaw(1'000'000, 0);
  tick.flags = kTickBid | kTickAsk | kTickLast;
  return tick;
}

inline Decision sampleDecision() {
  Decision d;
  d.header = sampleHeader();
  d.strategy = StrategyId("trend-ensemble");
  d.instrument = eurusd();
  d.decisionSequence = 1234;
  d.inputsHash = 0x9e3779b97f4a7c15ULL;
  d.signal = DecisionSignal::Sell;
  d.ensemble = EnsembleKind::MajorityVote;
  d.score = -0.375;
  d.confidence = 0.5;
  d.latencyNs = 4321;
  d.flags = kDecisionDegraded;
  d.modelCount = 2;
  d.usedMask = 0b01;
  d.modelKeys = {0xdeadbeef, 0x01020304};
  d.modelStatus = {ModelVoteStatus::Fresh, ModelVoteStatus::Late};
  d.modelValues = {0.3125, 0.75};
  d.modelScores = {-0.375F, 0.5F};
  d.modelWeights = {1.0F, 2.5F};
  d.modelLatencyNs = {1500, 250000};
  return d;
}

inline SubmitOrder sampleSubmitOrder() {
  SubmitOrder order;
  order.header = sampleHeader();
  order.clientOrderId = ClientOrderId("c-20240102-0001");
  order.account = AccountId("ACC-1");
  order.instrument = eurusd();
  order.side = Side::Sell;
  order.type = OrderType::StopLimit;
  order.timeInForce = TimeInForce::Gtd;
  order.quantity = Quantity::fromRaw(10, 2);
  order.price = Price::fromRaw(110'200, 5);
  order.stopPrice = Price::fromRaw(110'210, 5);
  order.expireTime = 1'704'240'000'000'000'000;
  order.stopLoss = Price::fromRaw(110'500, 5);
  order.takeProfit = Price::fromRaw(109'800, 5);
  order.ocoGroup = OcoGroupId("oco-7");
  order.strategyId = StrategyId("mean-rev-2");
  order.confidence = 0.8125;
  return order;
}

inline OrderFilled sampleOrderFilled() {
  OrderFilled fill;
  fill.header = sampleHeader();
  fill.clientOrderId = ClientOrderId("c-20240102-0001");
  fill.venueOrderId = VenueOrderId("884422");
  fill.tradeId = TradeId("T-99");
  fill.positionId = PositionId("P-1");
  fill.account = AccountId("ACC-1");
  fill.instrument = eurusd();
  fill.side = Side::Sell;
  fill.liquidity = Liquidity::Taker;
  fill.fillQuantity = Quantity::fromRaw(4, 2);
  fill.fillPrice = Price::fromRaw(110'235, 5);
  fill.leavesQuantity = Quantity::fromRaw(6, 2);
  fill.commission = Money::fromRaw(-350, 2);
  fill.commissionCurrency = Currency("USD");
  return fill;
}

template <class P>
P samplePosition(std::int64_t quantity) {
  P position;
  position.header = sampleHeader();
  position.positionId = PositionId("P-1");
  position.account = AccountId("ACC-1");
  position.instrument = eurusd();
  position.quantity = Quantity::fromRaw(quantity, 2);
  position.averagePrice = Price::fromRaw(110'235, 5);
  position.realizedPnl = Money::fromRaw(-1'234, 2);
  position.currency = Currency("USD");
  return position;
}

/// Returns one populated event of every type, in variant order.
inline std::vector<Event> sampleEvents() {
  std::vector<Event> events;
  events.emplace_back(sampleTick());

  Bar bar;
  bar.header = sampleHeader();
  bar.instrument = eurusd();
  bar.timeframe = Timeframe{60};
  bar.start = 1'704'164'580'000'000'000;
  bar.open = Price::fromRaw(110'200, 5);
  bar.high = Price::fromRaw(110'260, 5);
  bar.low = Price::fromRaw(110'190, 5);
  bar.close = Price::fromRaw(110'235, 5);
  bar.volume = Quantity::fromRaw(4'200, 0);
  bar.tickCount = 131;
  bar.revision = 1;
  events.emplace_back(bar);

  events.emplace_back(sampleSubmitOrder());

  CancelOrder cancel;
  cancel.header = sampleHeader();
  cancel.clientOrderId = ClientOrderId("c-1");
  cancel.account = AccountId("ACC-1");
  cancel.instrument = eurusd();
  cancel.venueOrderId = VenueOrderId("884422");
  events.emplace_back(cancel);

  ModifyOrder modify;
  modify.header = sampleHeader();
  modify.clientOrderId = ClientOrderId("c-1");
  modify.account = AccountId("ACC-1");
  modify.instrument = eurusd();
  modify.venueOrderId = VenueOrderId("884422");
  modify.quantity = Quantity::fromRaw(20, 2);
  modify.price = Price::fromRaw(110'100, 5);
  modify.stopPrice = Price::fromRaw(110'110, 5);
  modify.stopLoss = Price::fromRaw(0, 5);
  modify.takeProfit = Price::fromRaw(109'000, 5);
  events.emplace_back(modify);

  OrderSubmitted submitted;
  submitted.header = sampleHeader();
  submitted.clientOrderId = ClientOrderId("c-1");
  submitted.account = AccountId("ACC-1");
  submitted.instrument = eurusd();
  events.emplace_back(submitted);

  OrderDenied denied;
  denied.header = sampleHeader();
  denied.clientOrderId = ClientOrderId("c-1");
  denied.account = AccountId("ACC-1");
  denied.instrument = eurusd();
  denied.reasonCode = ReasonCode("AIT-RSK-0003");
  denied.reason = Text("notional 1200000.00 exceeds the limit 1000000.00");
  events.emplace_back(denied);

  OrderAccepted accepted;
  accepted.header = sampleHeader();
  accepted.clientOrderId = ClientOrderId("c-1");
  accepted.venueOrderId = VenueOrderId("884422");
  accepted.account = AccountId("ACC-1");
  accepted.instrument = eurusd();
  events.emplace_back(accepted);

  OrderRejected rejected;
  rejected.header = sampleHeader();
  rejected.clientOrderId = ClientOrderId("c-1");
  rejected.venueOrderId = VenueOrderId("884422");
  rejected.account = AccountId("ACC-1");
  rejected.instrument = eurusd();
  rejected.reasonCode = ReasonCode("10019");
  rejected.reason = Text("No money");
  events.emplace_back(rejected);

  events.emplace_back(sampleOrderFilled());

  OrderCancelled cancelled;
  cancelled.header = sampleHeader();
  cancelled.clientOrderId = ClientOrderId("c-1");
  cancelled.venueOrderId = VenueOrderId("884422");
  cancelled.account = AccountId("ACC-1");
  cancelled.instrument = eurusd();
  events.emplace_back(cancelled);

  OrderExpired expired;
  expired.header = sampleHeader();
  expired.clientOrderId = ClientOrderId("c-2");
  expired.venueOrderId = VenueOrderId("884423");
  expired.account = AccountId("ACC-1");
  expired.instrument = eurusd();
  events.emplace_back(expired);

  OrderModified modified;
  modified.header = sampleHeader();
  modified.clientOrderId = ClientOrderId("c-1");
  modified.venueOrderId = VenueOrderId("884422");
  modified.account = AccountId("ACC-1");
  modified.instrument = eurusd();
  modified.quantity = Quantity::fromRaw(20, 2);
  modified.price = Price::fromRaw(110'100, 5);
  modified.stopPrice = Price::fromRaw(110'110, 5);
  modified.stopLoss = Price::fromRaw(110'600, 5);
  modified.takeProfit = Price::fromRaw(109'000, 5);
  events.emplace_back(modified);

  events.emplace_back(samplePosition<PositionOpened>(10));
  events.emplace_back(samplePosition<PositionChanged>(-25));
  events.emplace_back(samplePosition<PositionClosed>(0));

  AccountState account;
  account.header = sampleHeader();
  account.account = AccountId("ACC-1");
  account.currency = Currency("USD");
  account.balance = Money::fromRaw(1'000'000, 2);
  account.equity = Money::fromRaw(998'766, 2);
  account.margin = Money::fromRaw(22'047, 2);
  account.freeMargin = Money::fromRaw(976'719, 2);
  events.emplace_back(account);

  ServiceStatus status;
  status.header = sampleHeader(0);
  status.service = ServiceName("data-bridge");
  status.state = ServiceState::Degraded;
  status.detail = Text("MT5 terminal reconnecting");
  events.emplace_back(status);

  GapDetected gap;
  gap.header = sampleHeader();
  gap.instrument = eurusd();
  gap.gapStart = 1'704'164'000'000'000'000;
  gap.gapEnd = 1'704'164'645'000'000'000;
  gap.expectedSequence = 1001;
  gap.receivedSequence = 1017;
  events.emplace_back(gap);

  ReconciliationResult reconciliation;
  reconciliation.header = sampleHeader();
  reconciliation.account = AccountId("ACC-1");
  reconciliation.venue = Venue("MT5");
  reconciliation.status = ReconciliationStatus::Corrected;
  reconciliation.ordersChecked = 12;
  reconciliation.ordersMismatched = 1;
  reconciliation.positionsChecked = 3;
  reconciliation.positionsMismatched = 2;
  reconciliation.detail = Text("order c-9 missing locally; adopted from the venue");
  events.emplace_back(reconciliation);

  TradingStateChanged state;
  state.header = sampleHeader();
  state.account = AccountId("ACC-1");
  state.state = TradingMode::Halted;
  state.cause = StateCause::Manual;
  state.detail = Text("kill switch");
  events.emplace_back(state);

  Alert alert;
  alert.header = sampleHeader();
  alert.severity = AlertSeverity::Critical;
  alert.source = ServiceName("trading-engine");
  alert.code = ReasonCode("AIT-TRD-0010");
  alert.text = Text("venue reports a fill the journal lacks: o-7 1.00 @ 1.10235");
  events.emplace_back(alert);
  events.emplace_back(sampleDecision());
  return events;
}

}  // namespace ait::model::test
