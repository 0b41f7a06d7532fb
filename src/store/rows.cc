#include "rows.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "ait/model/json.h"

namespace ait::store::rows {

namespace {

using Json = nlohmann::json;

std::string str(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<std::string> optional(const Json& j, const char* key) {
  if (!j.contains(key)) return std::nullopt;
  return str(j, key);
}

std::string_view statusOf(model::EventType type, const Json& j) {
  using T = model::EventType;
  switch (type) {
    case T::SubmitOrder: return "new";
    case T::OrderSubmitted: return "submitted";
    case T::OrderDenied: return "denied";
    case T::OrderAccepted: return "accepted";
    case T::OrderRejected: return "rejected";
    case T::OrderFilled: return str(j, "leaves_quantity") == "0" ? "filled" : "partially_filled";
    case T::OrderCancelled: return "cancelled";
    case T::OrderExpired: return "expired";
    case T::OrderModified: return "modified";
    default: return {};
  }
}

// A decision names at most kDecisionModels models; a decoded count beyond is clamped.
void decisionRows(const model::Decision& d, std::int64_t seq, std::int64_t tenant, Rows& rows) {
  const std::size_t count = std::min<std::size_t>(d.modelCount, model::kDecisionModels);
  const std::string strategy(d.strategy.view());
  Json models = Json::array();
  for (std::size_t i = 0; i < count; ++i) {
    const auto key = fmt::format("{:08x}", d.modelKeys[i]);
    const std::string status(model::toString(d.modelStatus[i]));
    models.push_back({{"key", key},
                      {"status", status},
                      {"used", (d.usedMask >> i & 1U) != 0},
                      {"value", std::isfinite(d.modelValues[i]) ? Json(d.modelValues[i]) : Json()},
                      {"score", std::isfinite(d.modelScores[i]) ? Json(d.modelScores[i]) : Json()},
                      {"weight", std::isfinite(d.modelWeights[i]) ? Json(d.modelWeights[i]) : Json()},
                      {"latency_ns", d.modelLatencyNs[i]}});
    rows.models.push_back(ModelRow{seq, tenant, d.header.tsEvent, key, strategy, status});
  }
  rows.decision = DecisionRow{seq,
                              tenant,
                              d.header.tsEvent,
                              static_cast<std::int64_t>(d.decisionSequence),
                              static_cast<std::int64_t>(d.latencyNs),
                              static_cast<std::int64_t>(d.flags),
                              static_cast<std::int64_t>(count),
                              strategy,
                              std::string(d.instrument.symbol.view()),
                              fmt::format("{:016x}", d.inputsHash),
                              std::string(model::toString(d.signal)),
                              std::string(model::toString(d.ensemble)),
                              std::isfinite(d.score) ? d.score : 0.0,
                              std::isfinite(d.confidence) ? d.confidence : 0.0,
                              models.dump()};
}

}  // namespace

Rows rowsOf(const model::Event& event) {
  const auto& header = model::headerOf(event);
  const auto seq = static_cast<std::int64_t>(header.sequence);
  const auto tenant = static_cast<std::int64_t>(header.tenant.value);
  Rows rows;
  if (const auto* tick = std::get_if<model::Tick>(&event)) {
    rows.tick = TickRow{seq, tenant, header.tsEvent, std::string(tick->instrument.symbol.view()),
                        tick->bid.toString(), tick->ask.toString(), tick->last.toString(),
                        tick->volume.toString()};
    return rows;
  }
  const auto type = model::typeOf(event);
  const Json json = model::toJson(event);
  rows.event = EventRow{seq, tenant, header.tsEvent, std::string(model::nameOf(type)), json.dump()};
  std::visit(
      [&](const auto& e) {
        using E = std::remove_cvref_t<decltype(e)>;
        if constexpr (std::is_same_v<E, model::PositionOpened> || std::is_same_v<E, model::PositionChanged> ||
                      std::is_same_v<E, model::PositionClosed>) {
          rows.position = PositionRow{seq, tenant, header.tsEvent, std::string(e.positionId.view()),
                                      std::string(e.account.view()), std::string(e.instrument.symbol.view()),
                                      std::string(e.instrument.venue.view()), e.quantity.toString(),
                                      e.averagePrice.toString(), e.realizedPnl.toString(),
                                      std::string(e.currency.view()),
                                      std::is_same_v<E, model::PositionClosed> ? "closed" : "open"};
        } else if constexpr (std::is_same_v<E, model::Decision>) {
          decisionRows(e, seq, tenant, rows);
        } else if constexpr (std::is_same_v<E, model::AccountState>) {
          rows.account = AccountRow{seq, tenant, header.tsEvent, std::string(e.account.view()),
                                    std::string(e.currency.view()), e.balance.toString(), e.equity.toString(),
                                    e.margin.toString(), e.freeMargin.toString()};
        }
      },
      event);
  const auto status = statusOf(type, json);
  if (status.empty()) return rows;
  const std::string symbol = json.contains("instrument") ? str(json["instrument"], "symbol") : "";
  OrderRow order{tenant, seq, str(json, "client_order_id"), str(json, "account"), symbol,
                 str(json, "side"), str(json, "order_type"), std::string(status),
                 optional(json, "quantity"), optional(json, "price"), optional(json, "venue_order_id"),
                 optional(json, "leaves_quantity"), optional(json, "reason")};
  if (const auto* fill = std::get_if<model::OrderFilled>(&event)) {
    rows.fill = FillRow{seq, tenant, header.tsEvent, order.clientOrderId,
                        std::string(fill->tradeId.view()), std::string(fill->account.view()), symbol,
                        order.side, fill->fillQuantity.toString(), fill->fillPrice.toString(),
                        fill->commission.toString()};
  }
  rows.order = std::move(order);
  return rows;
}

nlohmann::json decisionJson(std::int64_t seq, std::string strategy, std::string symbol,
                            std::int64_t decisionSequence, std::string inputsHash, std::string signal,
                            std::string ensemble, double score, double confidence, std::int64_t latencyNs,
                            std::int64_t flags, const std::string& models, std::int64_t tsEvent) {
  Json parsed = Json::parse(models, nullptr, false);
  return {{"sequence", seq},
          {"strategy", std::move(strategy)},
          {"symbol", std::move(symbol)},
          {"decision_sequence", decisionSequence},
          {"inputs_hash", std::move(inputsHash)},
          {"signal", std::move(signal)},
          {"ensemble", std::move(ensemble)},
          {"score", score},
          {"confidence", confidence},
          {"latency_ns", latencyNs},
          {"degraded", (flags & model::kDecisionDegraded) != 0},
          {"truncated", (flags & model::kDecisionTruncated) != 0},
          {"models", parsed.is_discarded() ? Json::array() : std::move(parsed)},
          {"ts_event_ns", tsEvent}};
}

InstrumentRow instrumentRowOf(const InstrumentRecord& record) {
  const auto& i = record.instrument;
  return {std::string(i.id.symbol.view()), std::string(i.id.venue.view()), i.priceScale, i.quantityScale,
          i.tickSize.toString(), i.lotStep.toString(), i.minQuantity.toString(), i.maxQuantity.toString(),
          i.contractSize.toString(), i.currency, record.session};
}

}  // namespace ait::store::rows
