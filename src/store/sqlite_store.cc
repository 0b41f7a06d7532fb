#include "ait/store/sqlite_store.h"

#include <sqlite3.h>

#include <fmt/format.h>

#include "ait/model/json.h"
#include "ait/store/errors.h"

namespace ait::store {

namespace {

using Json = nlohmann::json;
using sqlite::Statement;

constexpr sqlite::Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE checkpoints (
  stream TEXT PRIMARY KEY,
  seq INTEGER NOT NULL
);
CREATE TABLE events (
  stream TEXT NOT NULL,
  seq INTEGER NOT NULL,
  type TEXT NOT NULL,
  tenant INTEGER NOT NULL,
  ts_event INTEGER NOT NULL,
  body TEXT NOT NULL,
  PRIMARY KEY (stream, seq)
);
CREATE INDEX events_tenant ON events(tenant, seq);
CREATE TABLE ticks (
  seq INTEGER PRIMARY KEY,
  tenant INTEGER NOT NULL,
  symbol TEXT NOT NULL,
  ts_event INTEGER NOT NULL,
  bid TEXT NOT NULL,
  ask TEXT NOT NULL,
  last TEXT NOT NULL,
  volume TEXT NOT NULL
);
CREATE INDEX ticks_symbol_time ON ticks(tenant, symbol, ts_event);
CREATE TABLE orders (
  tenant INTEGER NOT NULL,
  client_order_id TEXT NOT NULL,
  account TEXT NOT NULL DEFAULT '',
  symbol TEXT NOT NULL DEFAULT '',
  side TEXT NOT NULL DEFAULT '',
  order_type TEXT NOT NULL DEFAULT '',
  quantity TEXT NOT NULL DEFAULT '0',
  price TEXT,
  venue_order_id TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL,
  leaves_quantity TEXT,
  reason TEXT NOT NULL DEFAULT '',
  created_seq INTEGER NOT NULL,
  last_seq INTEGER NOT NULL,
  PRIMARY KEY (tenant, client_order_id)
);
CREATE TABLE fills (
  seq INTEGER PRIMARY KEY,
  tenant INTEGER NOT NULL,
  client_order_id TEXT NOT NULL,
  trade_id TEXT NOT NULL,
  account TEXT NOT NULL,
  symbol TEXT NOT NULL,
  side TEXT NOT NULL,
  quantity TEXT NOT NULL,
  price TEXT NOT NULL,
  commission TEXT NOT NULL,
  ts_event INTEGER NOT NULL
);
CREATE INDEX fills_tenant ON fills(tenant, seq);
)sql"},
};

std::string str(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
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

Expected<std::unique_ptr<SqliteEventStore>> SqliteEventStore::open(const std::filesystem::path& path) {
  auto db = sqlite::Connection::open(path, "store_schema", kMigrations, errors::kBackend);
  if (!db) return Unexpected(db.error());
  return std::unique_ptr<SqliteEventStore>(new SqliteEventStore(std::move(*db)));
}

Expected<MigrationState> SqliteEventStore::migrations() {
  std::lock_guard lock(mutex_);
  auto applied = db_->schemaVersion();
  if (!applied) return Unexpected(applied.error());
  return MigrationState{*applied, std::size(kMigrations) == 0 ? 0 : std::end(kMigrations)[-1].version};
}

Expected<std::uint64_t> SqliteEventStore::checkpoint(std::string_view stream) {
  std::lock_guard lock(mutex_);
  Statement st(db_->handle(), "SELECT seq FROM checkpoints WHERE stream = ?1");
  st.bind(1, stream);
  const int rc = st.step();
  if (rc == SQLITE_DONE) return std::uint64_t{0};
  if (rc != SQLITE_ROW) return db_->error("reading a checkpoint");
  return static_cast<std::uint64_t>(st.integer(0));
}

Expected<void> SqliteEventStore::applyOne(const model::Event& event, std::string_view stream) {
  const auto& header = model::headerOf(event);
  const auto seq = static_cast<std::int64_t>(header.sequence);
  const auto tenant = static_cast<std::int64_t>(header.tenant.value);
  const auto type = model::typeOf(event);
  if (const auto* tick = std::get_if<model::Tick>(&event)) {
    Statement st(db_->handle(),
                 "INSERT OR IGNORE INTO ticks(seq, tenant, symbol, ts_event, bid, ask, last, volume) "
                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    st.bind(1, seq).bind(2, tenant).bind(3, tick->instrument.symbol.view()).bind(4, header.tsEvent)
        .bind(5, tick->bid.toString()).bind(6, tick->ask.toString()).bind(7, tick->last.toString())
        .bind(8, tick->volume.toString());
    if (st.step() != SQLITE_DONE) return db_->error("writing a tick");
    return {};
  }
  const Json json = model::toJson(event);
  {
    Statement st(db_->handle(),
                 "INSERT OR IGNORE INTO events(stream, seq, type, tenant, ts_event, body) "
                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    st.bind(1, stream).bind(2, seq).bind(3, model::nameOf(type)).bind(4, tenant)
        .bind(5, header.tsEvent).bind(6, json.dump());
    if (st.step() != SQLITE_DONE) return db_->error("writing an event");
  }
  const auto status = statusOf(type, json);
  if (status.empty()) return {};
  const std::string cid = str(json, "client_order_id");
  const std::string symbol = json.contains("instrument") ? str(json["instrument"], "symbol") : "";
  // The newest event decides the status; a replayed older one changes nothing.
  Statement st(db_->handle(), R"sql(
INSERT INTO orders(tenant, client_order_id, account, symbol, side, order_type, quantity, price,
                   venue_order_id, status, leaves_quantity, reason, created_seq, last_seq)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, COALESCE(?7, '0'), ?8, COALESCE(?9, ''), ?10, ?11, COALESCE(?12, ''), ?13, ?13)
ON CONFLICT(tenant, client_order_id) DO UPDATE SET
  status = excluded.status,
  venue_order_id = CASE WHEN excluded.venue_order_id <> '' THEN excluded.venue_order_id ELSE venue_order_id END,
  leaves_quantity = COALESCE(excluded.leaves_quantity, leaves_quantity),
  quantity = CASE WHEN ?7 IS NOT NULL THEN excluded.quantity ELSE quantity END,
  price = COALESCE(excluded.price, price),
  reason = CASE WHEN excluded.reason <> '' THEN excluded.reason ELSE reason END,
  last_seq = excluded.last_seq
WHERE excluded.last_seq > orders.last_seq
)sql");
  st.bind(1, tenant).bind(2, cid).bind(3, str(json, "account")).bind(4, symbol)
      .bind(5, str(json, "side")).bind(6, str(json, "order_type"));
  if (json.contains("quantity")) st.bind(7, str(json, "quantity")); else st.bindNull(7);
  if (json.contains("price")) st.bind(8, str(json, "price")); else st.bindNull(8);
  if (json.contains("venue_order_id")) st.bind(9, str(json, "venue_order_id")); else st.bindNull(9);
  st.bind(10, status);
  if (json.contains("leaves_quantity")) st.bind(11, str(json, "leaves_quantity")); else st.bindNull(11);
  if (json.contains("reason")) st.bind(12, str(json, "reason")); else st.bindNull(12);
  st.bind(13, seq);
  if (st.step() != SQLITE_DONE) return db_->error("writing an order");

  if (const auto* fill = std::get_if<model::OrderFilled>(&event)) {
    Statement f(db_->handle(),
                "INSERT OR IGNORE INTO fills(seq, tenant, client_order_id, trade_id, account, symbol, "
                "side, quantity, price, commission, ts_event) "
                "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
    f.bind(1, seq).bind(2, tenant).bind(3, cid).bind(4, fill->tradeId.view())
        .bind(5, fill->account.view()).bind(6, symbol).bind(7, str(json, "side"))
        .bind(8, fill->fillQuantity.toString()).bind(9, fill->fillPrice.toString())
        .bind(10, fill->commission.toString()).bind(11, header.tsEvent);
    if (f.step() != SQLITE_DONE) return db_->error("writing a fill");
  }
  return {};
}

Expected<void> SqliteEventStore::apply(std::string_view stream, std::span<const model::Event> events) {
  if (events.empty()) return {};
  std::lock_guard lock(mutex_);
  if (auto ok = db_->exec("BEGIN IMMEDIATE"); !ok) return ok;
  for (const auto& event : events) {
    if (auto ok = applyOne(event, stream); !ok) {
      (void)db_->exec("ROLLBACK");
      return ok;
    }
  }
  Statement st(db_->handle(),
               "INSERT INTO checkpoints(stream, seq) VALUES (?1, ?2) "
               "ON CONFLICT(stream) DO UPDATE SET seq = MAX(seq, excluded.seq)");
  st.bind(1, stream).bind(2, static_cast<std::int64_t>(model::headerOf(events.back()).sequence));
  if (st.step() != SQLITE_DONE) {
    auto error = db_->error("moving the checkpoint");
    (void)db_->exec("ROLLBACK");
    return error;
  }
  return db_->exec("COMMIT");
}

Expected<void> SqliteEventStore::ping() {
  std::lock_guard lock(mutex_);
  Statement st(db_->handle(), "SELECT 1");
  if (st.step() != SQLITE_ROW) return db_->error("ping");
  return {};
}

Expected<nlohmann::json> SqliteEventStore::orders(std::uint32_t tenant, std::size_t limit) {
  std::lock_guard lock(mutex_);
  Statement st(db_->handle(),
               "SELECT client_order_id, account, symbol, side, order_type, quantity, price, "
               "venue_order_id, status, leaves_quantity, reason, last_seq FROM orders "
               "WHERE tenant = ?1 ORDER BY last_seq DESC LIMIT ?2");
  st.bind(1, static_cast<std::int64_t>(tenant)).bind(2, static_cast<std::int64_t>(limit));
  Json out = Json::array();
  int rc;
  while ((rc = st.step()) == SQLITE_ROW) {
    out.push_back({{"client_order_id", st.text(0)}, {"account", st.text(1)}, {"symbol", st.text(2)},
                   {"side", st.text(3)}, {"order_type", st.text(4)}, {"quantity", st.text(5)},
                   {"price", st.text(6)}, {"venue_order_id", st.text(7)}, {"status", st.text(8)},
                   {"leaves_quantity", st.text(9)}, {"reason", st.text(10)},
                   {"sequence", st.integer(11)}});
  }
  if (rc != SQLITE_DONE) return db_->error("reading orders");
  return out;
}

Expected<nlohmann::json> SqliteEventStore::fills(std::uint32_t tenant, std::size_t limit) {
  std::lock_guard lock(mutex_);
  Statement st(db_->handle(),
               "SELECT seq, client_order_id, trade_id, account, symbol, side, quantity, price, "
               "commission, ts_event FROM fills WHERE tenant = ?1 ORDER BY seq DESC LIMIT ?2");
  st.bind(1, static_cast<std::int64_t>(tenant)).bind(2, static_cast<std::int64_t>(limit));
  Json out = Json::array();
  int rc;
  while ((rc = st.step()) == SQLITE_ROW) {
    out.push_back({{"sequence", st.integer(0)}, {"client_order_id", st.text(1)},
                   {"trade_id", st.text(2)}, {"account", st.text(3)}, {"symbol", st.text(4)},
                   {"side", st.text(5)}, {"quantity", st.text(6)}, {"price", st.text(7)},
                   {"commission", st.text(8)}, {"ts_event_ns", st.integer(9)}});
  }
  if (rc != SQLITE_DONE) return db_->error("reading fills");
  return out;
}

Expected<nlohmann::json> SqliteEventStore::ticks(std::uint32_t tenant, std::string_view symbol,
                                                 std::int64_t fromNs, std::int64_t toNs,
                                                 std::size_t limit) {
  std::lock_guard lock(mutex_);
  Statement st(db_->handle(),
               "SELECT seq, ts_event, bid, ask, last, volume FROM ticks WHERE tenant = ?1 AND "
               "symbol = ?2 AND ts_event >= ?3 AND ts_event < ?4 ORDER BY ts_event LIMIT ?5");
  st.bind(1, static_cast<std::int64_t>(tenant)).bind(2, symbol).bind(3, fromNs).bind(4, toNs)
      .bind(5, static_cast<std::int64_t>(limit));
  Json out = Json::array();
  int rc;
  while ((rc = st.step()) == SQLITE_ROW) {
    out.push_back({{"sequence", st.integer(0)}, {"ts_event_ns", st.integer(1)}, {"bid", st.text(2)},
                   {"ask", st.text(3)}, {"last", st.text(4)}, {"volume", st.text(5)}});
  }
  if (rc != SQLITE_DONE) return db_->error("reading ticks");
  return out;
}

}  // namespace ait::store
