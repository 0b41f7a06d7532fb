#pragma once
// The one list of every event type's fields, in encoding order, that the binary codec, the JSON
// rendering and the size computations all walk, so that they cannot disagree.
//
// A visitor V provides
//   v(name, field, since = 1)       for a field of any supported type, and
//   v.time(name, field, since = 1)  for a TimestampNs or std::optional<TimestampNs>;
// `since` is the schema version that added the field. The common header (tenant, ts_event,
// ts_recv) is not listed here: every codec handles it once.
//
// Versioning rule: a field is only ever appended, with since = the type's new kVersion, and its
// default value must mean "absent / unknown" because records written before it do not carry it.
// Fields are never removed, reordered or retyped; a change of meaning is a new field.

#include <concepts>
#include <type_traits>

#include "ait/model/events.h"

namespace ait::model::schema {

template <class T, class U>
concept Like = std::same_as<std::remove_const_t<T>, U>;

template <class V>
constexpr void fields(V& v, Like<Tick> auto& e) {
  v("instrument", e.instrument);
  v("bid", e.bid);
  v("ask", e.ask);
  v("last", e.last);
  v("bid_size", e.bidSize);
  v("ask_size", e.askSize);
  v("volume", e.volume);
  v("flags", e.flags);
}

template <class V>
constexpr void fields(V& v, Like<Bar> auto& e) {
  v("instrument", e.instrument);
  v("timeframe", e.timeframe);
  v.time("start", e.start);
  v("open", e.open);
  v("high", e.high);
  v("low", e.low);
  v("close", e.close);
  v("volume", e.volume);
  v("tick_count", e.tickCount);
  v("revision", e.revision, 2);
}

template <class V>
constexpr void fields(V& v, Like<SubmitOrder> auto& e) {
  v("client_order_id", e.clientOrderId);
  v("account", e.account);
  v("instrument", e.instrument);
  v("side", e.side);
  v("order_type", e.type);
  v("time_in_force", e.timeInForce);
  v("quantity", e.quantity);
  v("price", e.price);
  v("stop_price", e.stopPrice);
  v.time("expire_time", e.expireTime);
  v("stop_loss", e.stopLoss);
  v("take_profit", e.takeProfit);
  v("oco_group", e.ocoGroup);
  v("strategy_id", e.strategyId);
  v("confidence", e.confidence, 2);
  v("trailing_offset", e.trailingOffset, 3);
  v("trailing_unit", e.trailingUnit, 3);
}

template <class V>
constexpr void fields(V& v, Like<CancelOrder> auto& e) {
  v("client_order_id", e.clientOrderId);
  v("account", e.account);
  v("instrument", e.instrument);
  v("venue_order_id", e.venueOrderId);
}

template <class V>
constexpr void fields(V& v, Like<ModifyOrder> auto& e) {
  v("client_order_id", e.clientOrderId);
  v("account", e.account);
  v("instrument", e.instrument);
  v("venue_order_id", e.venueOrderId);
  v("quantity", e.quantity);
  v("price", e.price);
  v("stop_price", e.stopPrice);
  v("stop_loss", e.stopLoss);
  v("take_profit", e.takeProfit);
}

template <class V>
constexpr void fields(V& v, Like<OrderSubmitted> auto& e) {
  v("client_order_id", e.clientOrderId);
  v("account", e.account);
  v("instrument", e.instrument);
}

template <class V>
constexpr void fields(V& v, Like<OrderDenied> auto& e) {
  v("client_order_id", e.clientOrderId);
  v("account", e.account);
  v("instrument", e.instrument);
  v("reason_code", e.reasonCode);
  v("reason", e.reason);
}

template <class V>
constexpr void fields(V& v, Like<OrderAccepted> auto& e) {
  v("client_order_id", e.clientOrderId);
  v("venue_order_id", e.venueOrderId);
  v("account", e.account);
  v("instrument", e.instrument);
}

template <class V>
constexpr void fields(V& v, Like<OrderRejected> auto& e) {
  v("client_order_id", e.clientOrderId);
  v("venue_order_id", e.venueOrderId);
  v("account", e.account);
  v("instrument", e.instrument);
  v("reason_code", e.reasonCode);
  v("reason", e.reason);
}

template <class V>
constexpr void fields(V& v, Like<OrderFilled> auto& e) {
  v("client_order_id", e.clientOrderId);
  v("venue_order_id", e.venueOrderId);
  v("trade_id", e.tradeId);
  v("position_id", e.positionId);
  v("account", e.account);
  v("instrument", e.instrument);
  v("side", e.side);
  v("liquidity", e.liquidity);
  v("fill_quantity", e.fillQuantity);
  v("fill_price", e.fillPrice);
  v("leaves_quantity", e.leavesQuantity);
  v("commission", e.commission);
  v("commission_currency", e.commissionCurrency);
  v("fx_rate", e.fxRate, 2);
}

template <class V>
constexpr void fields(V& v, Like<OrderCancelled> auto& e) {
  v("client_order_id", e.clientOrderId);
  v("venue_order_id", e.venueOrderId);
  v("account", e.account);
  v("instrument", e.instrument);
}

template <class V>
constexpr void fields(V& v, Like<OrderExpired> auto& e) {
  v("client_order_id", e.clientOrderId);
  v("venue_order_id", e.venueOrderId);
  v("account", e.account);
  v("instrument", e.instrument);
}

template <class V>
constexpr void fields(V& v, Like<OrderModified> auto& e) {
  v("client_order_id", e.clientOrderId);
  v("venue_order_id", e.venueOrderId);
  v("account", e.account);
  v("instrument", e.instrument);
  v("quantity", e.quantity);
  v("price", e.price);
  v("stop_price", e.stopPrice);
  v("stop_loss", e.stopLoss);
  v("take_profit", e.takeProfit);
}

template <class V, class P>
constexpr void positionFields(V& v, P& e) {
  v("position_id", e.positionId);
  v("account", e.account);
  v("instrument", e.instrument);
  v("quantity", e.quantity);
  v("average_price", e.averagePrice);
  v("realized_pnl", e.realizedPnl);
  v("currency", e.currency);
}

template <class V>
constexpr void fields(V& v, Like<PositionOpened> auto& e) {
  positionFields(v, e);
}

template <class V>
constexpr void fields(V& v, Like<PositionChanged> auto& e) {
  positionFields(v, e);
}

template <class V>
constexpr void fields(V& v, Like<PositionClosed> auto& e) {
  positionFields(v, e);
}

template <class V>
constexpr void fields(V& v, Like<AccountState> auto& e) {
  v("account", e.account);
  v("currency", e.currency);
  v("balance", e.balance);
  v("equity", e.equity);
  v("margin", e.margin);
  v("free_margin", e.freeMargin);
}

template <class V>
constexpr void fields(V& v, Like<ServiceStatus> auto& e) {
  v("service", e.service);
  v("state", e.state);
  v("detail", e.detail);
}

template <class V>
constexpr void fields(V& v, Like<GapDetected> auto& e) {
  v("instrument", e.instrument);
  v.time("gap_start", e.gapStart);
  v.time("gap_end", e.gapEnd);
  v("expected_sequence", e.expectedSequence);
  v("received_sequence", e.receivedSequence);
}

template <class V>
constexpr void fields(V& v, Like<ReconciliationResult> auto& e) {
  v("account", e.account);
  v("venue", e.venue);
  v("status", e.status);
  v("orders_checked", e.ordersChecked);
  v("orders_mismatched", e.ordersMismatched);
  v("positions_checked", e.positionsChecked);
  v("positions_mismatched", e.positionsMismatched);
  v("detail", e.detail);
}

template <class V>
constexpr void fields(V& v, Like<TradingStateChanged> auto& e) {
  v("account", e.account);
  v("state", e.state);
  v("cause", e.cause);
  v("detail", e.detail);
}

template <class V>
constexpr void fields(V& v, Like<Alert> auto& e) {
  v("severity", e.severity);
  v("source", e.source);
  v("code", e.code);
  v("text", e.text);
}

template <class V>
constexpr void fields(V& v, Like<Decision> auto& e) {
  v("strategy", e.strategy);
  v("instrument", e.instrument);
  v("decision_sequence", e.decisionSequence);
  v("inputs_hash", e.inputsHash);
  v("signal", e.signal);
  v("ensemble", e.ensemble);
  v("score", e.score);
  v("confidence", e.confidence);
  v("latency_ns", e.latencyNs);
  v("flags", e.flags);
  v("model_count", e.modelCount);
  v("used_mask", e.usedMask);
  v("model_keys", e.modelKeys);
  v("model_status", e.modelStatus);
  v("model_values", e.modelValues);
  v("model_scores", e.modelScores);
  v("model_weights", e.modelWeights);
  v("model_latency_ns", e.modelLatencyNs);
}

template <class T>
struct IsOptional : std::false_type {};
template <class T>
struct IsOptional<std::optional<T>> : std::true_type {};

template <class T>
struct IsId : std::false_type {};
template <class Tag>
struct IsId<Id<Tag>> : std::true_type {};

template <class T>
struct IsFixedString : std::false_type {};
template <std::size_t N>
struct IsFixedString<FixedString<N>> : std::true_type {};

template <class T>
struct IsArray : std::false_type {};
template <class T, std::size_t N>
struct IsArray<std::array<T, N>> : std::true_type {};

template <class T>
struct IsFixedPoint : std::false_type {};
template <class Tag>
struct IsFixedPoint<FixedPoint<Tag>> : std::true_type {};

}  // namespace ait::model::schema
