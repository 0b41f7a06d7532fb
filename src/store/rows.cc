#include "rows.h"

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

}  // namespace ait::store::rows
