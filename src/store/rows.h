#pragma once
// The rows an event becomes in every relational backend, computed once so that SQLite and
// PostgreSQL write the same thing.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "ait/model/events.h"
#include "ait/store/event_store.h"

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

/// A position's state after a position event; status "open" or "closed".
struct PositionRow {
  std::int64_t seq, tenant, tsEvent;
  std::string positionId, account, symbol, venue, quantity, averagePrice, realizedPnl, currency, status;
};

/// One ensemble decision; models is the JSON array of what each model said.
struct DecisionRow {
  std::int64_t seq, tenant, tsEvent, decisionSequence, latencyNs, flags, modelCount;
  std::string strategy, symbol, inputsHash, signal, ensemble;
  double score, confidence;
  std::string models;
};

/// A model a decision named (the registry is keyed by tenant and model key).
struct ModelRow {
  std::int64_t seq, tenant, tsEvent;
  std::string key, strategy, status;
};

struct AccountRow {
  std::int64_t seq, tenant, tsEvent;
  std::string account, currency, balance, equity, margin, freeMargin;
};

/// Everything one event writes: a tick row for a tick; otherwise an event row, and an order
/// row (and a fill row) for order commands and events, a position row for position events, a
/// decision row and its model rows for a decision, an account row for an account state.
struct Rows {
  std::optional<TickRow> tick;
  std::optional<EventRow> event;
  std::optional<OrderRow> order;
  std::optional<FillRow> fill;
  std::optional<PositionRow> position;
  std::optional<DecisionRow> decision;
  std::vector<ModelRow> models;
  std::optional<AccountRow> account;
};

Rows rowsOf(const model::Event& event);

/// A configured instrument's row: numbers as their exact decimal text at the instrument's scales.
struct InstrumentRow {
  std::string symbol, venue;
  std::int64_t priceScale, quantityScale;
  std::string tickSize, lotStep, minQuantity, maxQuantity, contractSize, currency, session;
};

InstrumentRow instrumentRowOf(const InstrumentRecord& record);

// The reads of the relational stores, one statement each, shared by SQLite and PostgreSQL: each
// backend only binds the parameters and turns the cells into JSON by the column types.
enum class ColumnType { Text, Integer, Real };
struct Column {
  const char* name;  // the JSON key
  ColumnType type;
};
enum class Param { Tenant, Name, OpenOnly, From, To, Limit };

struct ReadStatement {
  std::string_view what;         // "reading <what>" names a failure
  std::string_view sql;          // placeholders $1.. in the order of params
  std::span<const Param> params;
  std::span<const Column> columns;
  std::string_view postgresSql;  // PostgreSQL's text where it must differ; empty: sql
};

const ReadStatement& readStatement(ReadKind kind);
/// The value bound for param: the name as text, anything else as an integer.
std::variant<std::int64_t, std::string_view> paramValue(Param param, const ReadRequest& request);
/// The rows as the REST reads return them (a decision's flags and models unpacked).
nlohmann::json finish(ReadKind kind, nlohmann::json rows);

}  // namespace ait::store::rows
