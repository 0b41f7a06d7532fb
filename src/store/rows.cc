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

namespace {

using enum ColumnType;
using enum Param;

constexpr Param kTenantLimit[] = {Tenant, Limit};
constexpr Param kTenantNameLimit[] = {Tenant, Name, Limit};
constexpr Param kTicksParams[] = {Tenant, Name, From, To, Limit};
constexpr Param kPositionsParams[] = {Tenant, Name, OpenOnly, Limit};
constexpr Param kLimitOnly[] = {Limit};

constexpr Column kOrderColumns[] = {{"client_order_id", Text}, {"account", Text}, {"symbol", Text},
                                    {"side", Text}, {"order_type", Text}, {"quantity", Text},
                                    {"price", Text}, {"venue_order_id", Text}, {"status", Text},
                                    {"leaves_quantity", Text}, {"reason", Text}, {"sequence", Integer}};
constexpr Column kFillColumns[] = {{"sequence", Integer}, {"client_order_id", Text}, {"trade_id", Text},
                                   {"account", Text}, {"symbol", Text}, {"side", Text},
                                   {"quantity", Text}, {"price", Text}, {"commission", Text},
                                   {"ts_event_ns", Integer}};
constexpr Column kTickColumns[] = {{"sequence", Integer}, {"ts_event_ns", Integer}, {"bid", Text},
                                   {"ask", Text}, {"last", Text}, {"volume", Text}};
constexpr Column kPositionColumns[] = {{"position_id", Text}, {"account", Text}, {"symbol", Text},
                                       {"venue", Text}, {"quantity", Text}, {"average_price", Text},
                                       {"realized_pnl", Text}, {"currency", Text}, {"status", Text},
                                       {"opened_sequence", Integer}, {"sequence", Integer},
                                       {"ts_event_ns", Integer}};
constexpr Column kDecisionColumns[] = {{"sequence", Integer}, {"strategy", Text}, {"symbol", Text},
                                       {"decision_sequence", Integer}, {"inputs_hash", Text},
                                       {"signal", Text}, {"ensemble", Text}, {"score", Real},
                                       {"confidence", Real}, {"latency_ns", Integer}, {"flags", Integer},
                                       {"models", Text}, {"ts_event_ns", Integer}};
constexpr Column kModelColumns[] = {{"key", Text}, {"first_sequence", Integer}, {"last_sequence", Integer},
                                    {"first_ts_ns", Integer}, {"last_ts_ns", Integer},
                                    {"decisions", Integer}, {"last_strategy", Text}, {"last_status", Text}};
constexpr Column kAccountColumns[] = {{"sequence", Integer}, {"account", Text}, {"currency", Text},
                                      {"balance", Text}, {"equity", Text}, {"margin", Text},
                                      {"free_margin", Text}, {"ts_event_ns", Integer}};
constexpr Column kInstrumentColumns[] = {{"symbol", Text}, {"venue", Text}, {"price_scale", Integer},
                                         {"quantity_scale", Integer}, {"tick_size", Text}, {"lot_step", Text},
                                         {"min_quantity", Text}, {"max_quantity", Text},
                                         {"contract_size", Text}, {"currency", Text}, {"session", Text}};

// Indexed by ReadKind. Numbers are NUMERIC on PostgreSQL and TEXT on SQLite: both answer the
// same exact decimal text.
const ReadStatement kReads[] = {
    {"orders",
     "SELECT client_order_id, account, symbol, side, order_type, quantity, price, venue_order_id, status, "
     "leaves_quantity, reason, last_seq FROM orders WHERE tenant = $1 ORDER BY last_seq DESC LIMIT $2",
     kTenantLimit, kOrderColumns, {}},
    {"fills", "SELECT seq, client_order_id, trade_id, account, symbol, side, quantity, price, commission, ts_event "
              "FROM fills WHERE tenant = $1 ORDER BY seq DESC LIMIT $2",
     kTenantLimit, kFillColumns, {}},
    {"ticks",
     "SELECT seq, ts_event, bid, ask, last, volume FROM ticks WHERE tenant = $1 AND symbol = $2 "
     "AND ts_event >= $3 AND ts_event < $4 ORDER BY ts_event LIMIT $5",
     kTicksParams, kTickColumns, {}},
    {"positions",
     "SELECT position_id, account, symbol, venue, quantity, average_price, realized_pnl, currency, status, "
     "opened_seq, last_seq, ts_event FROM positions WHERE tenant = $1 AND ($2 = '' OR account = $2) "
     "AND ($3 = 0 OR status = 'open') ORDER BY last_seq DESC LIMIT $4",
     kPositionsParams, kPositionColumns, {}},
    {"decisions",
     "SELECT seq, strategy, symbol, decision_sequence, inputs_hash, signal, ensemble, score, confidence, "
     "latency_ns, flags, models, ts_event FROM decisions WHERE tenant = $1 AND ($2 = '' OR symbol = $2) "
     "ORDER BY seq DESC LIMIT $3",
     kTenantNameLimit, kDecisionColumns, {}},
    {"models",
     "SELECT model_key, first_seq, last_seq, first_ts, last_ts, decision_count, last_strategy, last_status "
     "FROM models WHERE tenant = $1 ORDER BY last_seq DESC, model_key LIMIT $2",
     kTenantLimit, kModelColumns, {}},
    {"account states",
     "SELECT seq, account, currency, balance, equity, margin, free_margin, ts_event FROM account_states "
     "WHERE tenant = $1 AND account = $2 ORDER BY seq DESC LIMIT $3",
     kTenantNameLimit, kAccountColumns, {}},
    {"fills", "SELECT seq, client_order_id, trade_id, account, symbol, side, quantity, price, commission, ts_event "
              "FROM fills WHERE tenant = $1 AND account = $2 ORDER BY seq DESC LIMIT $3",
     kTenantNameLimit, kFillColumns, {}},
    // Byte order on both: SQLite's default, PostgreSQL's "C" (its default follows the locale).
    {"instruments",
     "SELECT symbol, venue, price_scale, quantity_scale, tick_size, lot_step, min_quantity, max_quantity, "
     "contract_size, currency, session FROM instruments ORDER BY symbol, venue LIMIT $1",
     kLimitOnly, kInstrumentColumns,
     "SELECT symbol, venue, price_scale, quantity_scale, tick_size, lot_step, min_quantity, max_quantity, "
     "contract_size, currency, session FROM instruments ORDER BY symbol COLLATE \"C\", venue COLLATE \"C\" "
     "LIMIT $1"},
};

}  // namespace

const ReadStatement& readStatement(ReadKind kind) { return kReads[static_cast<std::size_t>(kind)]; }

std::variant<std::int64_t, std::string_view> paramValue(Param param, const ReadRequest& r) {
  switch (param) {
    case Tenant: return static_cast<std::int64_t>(r.tenant.value);
    case Name: return r.name;
    case OpenOnly: return std::int64_t{r.openOnly ? 1 : 0};
    case From: return r.fromNs;
    case To: return r.toNs;
    case Limit: return static_cast<std::int64_t>(r.limit);
  }
  return std::int64_t{0};
}

nlohmann::json finish(ReadKind kind, nlohmann::json rows) {
  if (kind != ReadKind::Decisions) return rows;
  for (auto& row : rows) {
    const auto flags = row["flags"].get<std::int64_t>();
    row.erase("flags");
    row["degraded"] = (flags & model::kDecisionDegraded) != 0;
    row["truncated"] = (flags & model::kDecisionTruncated) != 0;
    Json parsed = Json::parse(row["models"].get<std::string>(), nullptr, false);
    row["models"] = parsed.is_discarded() ? Json::array() : std::move(parsed);
  }
  return rows;
}

InstrumentRow instrumentRowOf(const InstrumentRecord& record) {
  const auto& i = record.instrument;
  return {std::string(i.id.symbol.view()), std::string(i.id.venue.view()), i.priceScale, i.quantityScale,
          i.tickSize.toString(), i.lotStep.toString(), i.minQuantity.toString(), i.maxQuantity.toString(),
          i.contractSize.toString(), i.currency, record.session};
}

}  // namespace ait::store::rows
