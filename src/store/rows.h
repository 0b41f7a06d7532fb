#pragma once
// The rows an event becomes in every relational backend, computed once so that SQLite and
// PostgreSQL write the same thing.

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "ait/model/events.h"

namespace ait::store::rows {

struct TickRow {
  std::int64_t seq, tenant, tsEvent;
  std::string symbol, bid, ask, last, volume;
};

struct EventRow {
  std::int64_t seq, tenant, tsEvent;
  std::string type, body;
};

/// The order's state after an order command or event. Absent fields leave the stored value.
struct OrderRow {
  std::int64_t tenant, seq;
  std::string clientOrderId, account, symbol, side, orderType, status;
  std::optional<std::string> quantity, price, venueOrderId, leavesQuantity, reason;
};

struct FillRow {
  std::int64_t seq, tenant, tsEvent;
  std::string clientOrderId, tradeId, account, symbol, side, quantity, price, commission;
};

/// Everything one event writes: a tick row for a tick; otherwise an event row, and an order
/// row (and a fill row) for order commands and events.
struct Rows {
  std::optional<TickRow> tick;
  std::optional<EventRow> event;
  std::optional<OrderRow> order;
  std::optional<FillRow> fill;
};

Rows rowsOf(const model::Event& event);

}  // namespace ait::store::rows
