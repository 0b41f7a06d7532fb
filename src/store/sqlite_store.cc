#include "ait/store/sqlite_store.h"

#include <sqlite3.h>

#include <fmt/format.h>

#include "ait/store/errors.h"
#include "rows.h"

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

void bindOptional(Statement& st, int index, const std::optional<std::string>& value) {
  if (value) {
    st.bind(index, *value);
  } else {
    st.bindNull(index);
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
  const auto rows = rows::rowsOf(event);
  if (const auto& t = rows.tick) {
    Statement st(db_->handle(),
                 "INSERT OR IGNORE INTO ticks(seq, tenant, symbol, ts_event, bid, ask, last, volume) "
                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    st.bind(1, t->seq).bind(2, t->tenant).bind(3, t->symbol).bind(4, t->tsEvent).bind(5, t->bid)
        .bind(6, t->ask).bind(7, t->last).bind(8, t->volume);
    if (st.step() != SQLITE_DONE) return db_->error("writing a tick");
  }
  if (const auto& e = rows.event) {
    Statement st(db_->handle(),
                 "INSERT OR IGNORE INTO events(stream, seq, type, tenant, ts_event, body) "
                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    st.bind(1, stream).bind(2, e->seq).bind(3, e->type).bind(4, e->tenant).bind(5, e->tsEvent)
        .bind(6, e->body);
    if (st.step() != SQLITE_DONE) return db_->error("writing an event");
  }
  if (const auto& o = rows.order) {
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
    st.bind(1, o->tenant).bind(2, o->clientOrderId).bind(3, o->account).bind(4, o->symbol)
        .bind(5, o->side).bind(6, o->orderType);
    bindOptional(st, 7, o->quantity);
    bindOptional(st, 8, o->price);
    bindOptional(st, 9, o->venueOrderId);
    st.bind(10, o->status);
    bindOptional(st, 11, o->leavesQuantity);
    bindOptional(st, 12, o->reason);
    st.bind(13, o->seq);
    if (st.step() != SQLITE_DONE) return db_->error("writing an order");
  }
  if (const auto& f = rows.fill) {
    Statement st(db_->handle(),
                 "INSERT OR IGNORE INTO fills(seq, tenant, client_order_id, trade_id, account, symbol, "
                 "side, quantity, price, commission, ts_event) "
                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
    st.bind(1, f->seq).bind(2, f->tenant).bind(3, f->clientOrderId).bind(4, f->tradeId)
        .bind(5, f->account).bind(6, f->symbol).bind(7, f->side).bind(8, f->quantity)
        .bind(9, f->price).bind(10, f->commission).bind(11, f->tsEvent);
    if (st.step() != SQLITE_DONE) return db_->error("writing a fill");
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

Expected<nlohmann::json> SqliteEventStore::orders(model::TenantId tenant, std::size_t limit) {
  std::lock_guard lock(mutex_);
  Statement st(db_->handle(),
               "SELECT client_order_id, account, symbol, side, order_type, quantity, price, "
               "venue_order_id, status, leaves_quantity, reason, last_seq FROM orders "
               "WHERE tenant = ?1 ORDER BY last_seq DESC LIMIT ?2");
  st.bind(1, static_cast<std::int64_t>(tenant.value)).bind(2, static_cast<std::int64_t>(limit));
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

Expected<nlohmann::json> SqliteEventStore::fills(model::TenantId tenant, std::size_t limit) {
  std::lock_guard lock(mutex_);
  Statement st(db_->handle(),
               "SELECT seq, client_order_id, trade_id, account, symbol, side, quantity, price, "
               "commission, ts_event FROM fills WHERE tenant = ?1 ORDER BY seq DESC LIMIT ?2");
  st.bind(1, static_cast<std::int64_t>(tenant.value)).bind(2, static_cast<std::int64_t>(limit));
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

Expected<nlohmann::json> SqliteEventStore::ticks(model::TenantId tenant, std::string_view symbol,
                                                 std::int64_t fromNs, std::int64_t toNs,
                                                 std::size_t limit) {
  std::lock_guard lock(mutex_);
  Statement st(db_->handle(),
               "SELECT seq, ts_event, bid, ask, last, volume FROM ticks WHERE tenant = ?1 AND "
               "symbol = ?2 AND ts_event >= ?3 AND ts_event < ?4 ORDER BY ts_event LIMIT ?5");
  st.bind(1, static_cast<std::int64_t>(tenant.value)).bind(2, symbol).bind(3, fromNs).bind(4, toNs)
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
