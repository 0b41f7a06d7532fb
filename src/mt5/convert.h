#pragma once
// Turns the terminal's account, position, order and execution messages into platform events.
// Both protocols use the same field names for these (the native one was designed to match).

#include <simdjson.h>

#include <string_view>
#include <vector>

#include "ait/core/error.h"
#include "ait/model/events.h"

namespace ait::mt5::detail {

/// The venue of instruments seen through MetaTrader 5: none, like the instruments of
/// [[data.instruments]] that the normaliser gives ticks, so positions and ticks match.
inline constexpr std::string_view kVenue = "";

/// What every event built from one message shares.
struct EventContext {
  model::TenantId tenant;
  TimestampNs tsEvent = 0;
  TimestampNs tsRecv = 0;
  model::AccountId account;  // the login last reported, empty before
  model::Currency currency;  // the account currency last reported
};

/// {login, balance, equity, margin, free_margin, currency, ...}
Expected<model::AccountState> accountFrom(simdjson::dom::object data, const EventContext& context);
/// One position {ticket, symbol, type (0 buy, 1 sell, or "buy"/"sell"), volume, price_open, ...}
/// as PositionChanged (a position listed with volume 0 as PositionClosed).
Expected<model::Event> positionFrom(simdjson::dom::object data, const EventContext& context);
/// One working order {ticket, symbol, type, volume, price_open, comment, ...} as OrderAccepted;
/// the client order id is the one the comment carries ("ait:<id>"), else "mt5-<ticket>".
Expected<model::OrderAccepted> workingOrderFrom(simdjson::dom::object data,
                                                const EventContext& context);
/// {signal_id, success, ticket, message, retcode?}: OrderAccepted or OrderRejected.
Expected<model::Event> tradeResultFrom(simdjson::dom::object data, const EventContext& context);
/// A native execution report {cid, order, deal, state, retcode, price, volume, ...}.
Expected<model::Event> execFrom(simdjson::dom::object data, const EventContext& context);

/// Returns the client order id an order comment carries ("ait:ABC"), or "".
std::string_view clientOrderIdFromComment(std::string_view comment) noexcept;

}  // namespace ait::mt5::detail
