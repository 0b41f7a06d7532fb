#include "mt5/convert.h"

#include <fmt/format.h>

#include <cmath>

#include "ait/mt5/errors.h"
#include "mt5/json_reader.h"

namespace ait::mt5::detail {

namespace {

Unexpected badField(const FieldReader& reader) {
  return fail(errors::kBadField, std::string(reader.problem()));
}

template <class IdT>
bool readId(FieldReader& reader, std::string_view key, std::string_view text, IdT& out) {
  auto id = IdT::from(text);
  if (!id) {
    reader.invalid(key, fmt::format("is not a valid {}: {}", IdT::kName, id.error().message()));
    return false;
  }
  out = *id;
  return true;
}

bool readInstrument(FieldReader& reader, std::string_view symbol, model::InstrumentId& out) {
  if (symbol.empty()) {
    reader.invalid("symbol", "is empty");
    return false;
  }
  out.venue = model::Venue::truncated(kVenue);
  return readId(reader, "symbol", symbol, out.symbol);
}

template <class Tag>
bool readFixed(FieldReader& reader, std::string_view key, double value, std::uint8_t scale,
               model::FixedPoint<Tag>& out) {
  auto fixed = model::FixedPoint<Tag>::fromDouble(value, scale);
  if (!fixed) {
    reader.invalid(key, fmt::format("is not a valid {}", Tag::kName));
    return false;
  }
  out = *fixed;
  return true;
}

template <class Tag>
bool readFixedShortest(FieldReader& reader, std::string_view key, double value,
                       model::FixedPoint<Tag>& out) {
  auto fixed = model::FixedPoint<Tag>::fromDouble(value);
  if (!fixed || !std::isfinite(value)) {
    reader.invalid(key, fmt::format("is not a valid {}", Tag::kName));
    return false;
  }
  out = *fixed;
  return true;
}

// MT5 sends order and position types as numbers (0 buy, 1 sell, 2 buy limit, 3 sell limit,
// 4 buy stop, 5 sell stop); some clients send names.
std::optional<model::Side> sideOf(FieldReader& reader, simdjson::dom::object data,
                                  std::string_view key) {
  simdjson::dom::element e;
  if (data.at_key(key).get(e) != simdjson::SUCCESS) {
    reader.invalid(key, "is missing");
    return std::nullopt;
  }
  std::int64_t n = -1;
  std::string_view s;
  if (e.get_int64().get(n) == simdjson::SUCCESS) {
    if (n >= 0 && n <= 7) return n % 2 == 0 ? model::Side::Buy : model::Side::Sell;
  } else if (e.get_string().get(s) == simdjson::SUCCESS) {
    if (s.starts_with("buy") || s.starts_with("BUY")) return model::Side::Buy;
    if (s.starts_with("sell") || s.starts_with("SELL")) return model::Side::Sell;
  }
  reader.invalid(key, "must be an MT5 order type (0..7, or buy/sell)");
  return std::nullopt;
}

template <class E>
void stamp(E& event, const EventContext& context) {
  event.header.tenant = context.tenant;
  event.header.tsEvent = context.tsEvent;
  event.header.tsRecv = context.tsRecv;
}

}  // namespace

std::string_view clientOrderIdFromComment(std::string_view comment) noexcept {
  constexpr std::string_view kPrefix = "ait:";
  if (!comment.starts_with(kPrefix) || comment.size() == kPrefix.size()) return {};
  return comment.substr(kPrefix.size());
}

Expected<model::AccountState> accountFrom(simdjson::dom::object data, const EventContext& context) {
  FieldReader reader(data);
  model::AccountState account;
  stamp(account, context);
  auto login = reader.id("login");
  double balance = reader.number("balance");
  double equity = reader.number("equity");
  double margin = reader.optNumber("margin").value_or(0.0);
  double freeMargin = reader.optNumber("free_margin").value_or(0.0);
  auto currency = reader.string("currency");
  if (!reader.ok()) return badField(reader);
  readId(reader, "login", login, account.account);
  readId(reader, "currency", currency, account.currency);
  readFixed(reader, "balance", balance, 2, account.balance);
  readFixed(reader, "equity", equity, 2, account.equity);
  readFixed(reader, "margin", margin, 2, account.margin);
  readFixed(reader, "free_margin", freeMargin, 2, account.freeMargin);
  if (!reader.ok()) return badField(reader);
  return account;
}

Expected<model::Event> positionFrom(simdjson::dom::object data, const EventContext& context) {
  FieldReader reader(data);
  auto ticket = reader.id("ticket");
  auto symbol = reader.string("symbol");
  auto side = sideOf(reader, data, "type");
  double volume = reader.number("volume");
  double priceOpen = reader.number("price_open");
  if (!reader.ok()) return badField(reader);
  if (!(volume >= 0)) reader.invalid("volume", "must be >= 0");
  model::PositionChanged position;
  stamp(position, context);
  position.account = context.account;
  position.currency = context.currency;
  readId(reader, "ticket", ticket, position.positionId);
  readInstrument(reader, symbol, position.instrument);
  readFixed(reader, "volume", side == model::Side::Sell ? -volume : volume, 2, position.quantity);
  readFixedShortest(reader, "price_open", priceOpen, position.averagePrice);
  if (!reader.ok()) return badField(reader);
  if (volume == 0) {
    model::PositionClosed closed;
    closed.header = position.header;
    closed.positionId = position.positionId;
    closed.account = position.account;
    closed.instrument = position.instrument;
    closed.quantity = position.quantity;
    closed.averagePrice = position.averagePrice;
    closed.currency = position.currency;
    return model::Event(closed);
  }
  return model::Event(position);
}

Expected<model::OrderAccepted> workingOrderFrom(simdjson::dom::object data,
                                                const EventContext& context) {
  FieldReader reader(data);
  auto ticket = reader.id("ticket");
  auto symbol = reader.string("symbol");
  auto comment = reader.optString("comment").value_or("");
  sideOf(reader, data, "type");
  if (!reader.ok()) return badField(reader);
  model::OrderAccepted order;
  stamp(order, context);
  order.account = context.account;
  readId(reader, "ticket", ticket, order.venueOrderId);
  readInstrument(reader, symbol, order.instrument);
  auto cid = clientOrderIdFromComment(comment);
  readId(reader, "comment", cid.empty() ? fmt::format("mt5-{}", ticket) : std::string(cid),
         order.clientOrderId);
  if (!reader.ok()) return badField(reader);
  return order;
}

Expected<model::Event> tradeResultFrom(simdjson::dom::object data, const EventContext& context) {
  FieldReader reader(data);
  auto signal = reader.id("signal_id");
  auto success = reader.optBool("success");
  auto ticket = reader.optId("ticket").value_or("");
  auto message = reader.optString("message").value_or("");
  auto retcode = reader.optInteger("retcode");
  if (!success && reader.ok()) reader.invalid("success", "is missing");
  if (!reader.ok()) return badField(reader);
  model::ClientOrderId cid;
  model::VenueOrderId venueId;
  readId(reader, "signal_id", signal, cid);
  if (ticket != "0") readId(reader, "ticket", ticket, venueId);
  if (!reader.ok()) return badField(reader);
  if (*success) {
    model::OrderAccepted accepted;
    stamp(accepted, context);
    accepted.clientOrderId = cid;
    accepted.venueOrderId = venueId;
    accepted.account = context.account;
    return model::Event(accepted);
  }
  model::OrderRejected rejected;
  stamp(rejected, context);
  rejected.clientOrderId = cid;
  rejected.venueOrderId = venueId;
  rejected.account = context.account;
  rejected.reasonCode =
      model::ReasonCode::truncated(retcode ? fmt::format("MT5-{}", *retcode) : "MT5-REJECT");
  rejected.reason = model::Text::truncated(message);
  return model::Event(rejected);
}

Expected<model::Event> execFrom(simdjson::dom::object data, const EventContext& context) {
  FieldReader reader(data);
  auto cidText = reader.string("cid");
  auto state = reader.string("state");
  auto order = reader.optId("order").value_or("");
  auto deal = reader.optId("deal").value_or("");
  auto retcode = reader.optInteger("retcode").value_or(0);
  auto symbol = reader.optString("symbol").value_or("");
  auto message = reader.optString("message").value_or("");
  if (!reader.ok()) return badField(reader);
  model::ClientOrderId cid;
  model::VenueOrderId venueId;
  model::InstrumentId instrument;
  readId(reader, "cid", cidText, cid);
  if (!order.empty() && order != "0") readId(reader, "order", order, venueId);
  if (!symbol.empty()) readInstrument(reader, symbol, instrument);
  if (!reader.ok()) return badField(reader);

  auto common = [&](auto& e) {
    stamp(e, context);
    e.clientOrderId = cid;
    e.venueOrderId = venueId;
    e.account = context.account;
    e.instrument = instrument;
  };
  if (state == "placed" || state == "accepted") {
    model::OrderAccepted e;
    common(e);
    return model::Event(e);
  }
  if (state == "filled" || state == "partial") {
    model::OrderFilled e;
    common(e);
    double price = reader.number("price");
    double volume = reader.number("volume");
    double leaves = reader.optNumber("leaves").value_or(0.0);
    auto side = sideOf(reader, data, "side");
    if (!reader.ok()) return badField(reader);
    if (!(price > 0)) reader.invalid("price", "must be > 0");
    if (!(volume > 0)) reader.invalid("volume", "must be > 0");
    if (!(leaves >= 0)) reader.invalid("leaves", "must be >= 0");
    readFixedShortest(reader, "price", price, e.fillPrice);
    readFixed(reader, "volume", volume, 2, e.fillQuantity);
    readFixed(reader, "leaves", leaves, 2, e.leavesQuantity);
    if (!deal.empty()) readId(reader, "deal", deal, e.tradeId);
    if (!reader.ok()) return badField(reader);
    e.side = *side;
    e.commissionCurrency = context.currency;
    return model::Event(e);
  }
  if (state == "rejected") {
    model::OrderRejected e;
    common(e);
    // Retcode 0: the EA refused the order itself (an unknown field value) before any request.
    e.reasonCode = model::ReasonCode::truncated(retcode != 0 ? fmt::format("MT5-{}", retcode)
                                                             : std::string("MT5-REJECT"));
    e.reason = model::Text::truncated(message);
    return model::Event(e);
  }
  if (state == "cancelled") {
    model::OrderCancelled e;
    common(e);
    return model::Event(e);
  }
  if (state == "expired") {
    model::OrderExpired e;
    common(e);
    return model::Event(e);
  }
  if (state == "modified") {
    model::OrderModified e;
    common(e);
    double volume = reader.optNumber("volume").value_or(0.0);
    readFixed(reader, "volume", volume, 2, e.quantity);
    auto setPrice = [&](std::string_view key, std::optional<model::Price>& out) {
      auto v = reader.optNumber(key);
      model::Price p;
      if (v && *v > 0 && readFixedShortest(reader, key, *v, p)) out = p;
    };
    setPrice("price", e.price);
    setPrice("sl", e.stopLoss);
    setPrice("tp", e.takeProfit);
    if (!reader.ok()) return badField(reader);
    return model::Event(e);
  }
  reader.invalid("state",
                 "must be placed, filled, partial, rejected, cancelled, expired or modified");
  return badField(reader);
}

}  // namespace ait::mt5::detail
