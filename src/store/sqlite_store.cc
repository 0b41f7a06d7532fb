#include "ait/store/sqlite_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstdlib>
#include <variant>

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
    // Positions, ensemble decisions, the model registry the decisions name, account snapshots.
    // Scores stay TEXT (their shortest exact form) like every other number here.
    {2, R"sql(
CREATE TABLE positions (
  tenant INTEGER NOT NULL,
  account TEXT NOT NULL,
  position_id TEXT NOT NULL,
  symbol TEXT NOT NULL,
  venue TEXT NOT NULL,
  quantity TEXT NOT NULL,
  average_price TEXT NOT NULL,
  realized_pnl TEXT NOT NULL,
  currency TEXT NOT NULL,
  status TEXT NOT NULL,
  opened_seq INTEGER NOT NULL,
  last_seq INTEGER NOT NULL,
  ts_event INTEGER NOT NULL,
  PRIMARY KEY (tenant, account, position_id)
);
CREATE INDEX positions_tenant ON positions(tenant, last_seq);
CREATE TABLE decisions (
  seq INTEGER PRIMARY KEY,
  tenant INTEGER NOT NULL,
  strategy TEXT NOT NULL,
  symbol TEXT NOT NULL,
  decision_sequence INTEGER NOT NULL,
  inputs_hash TEXT NOT NULL,
  signal TEXT NOT NULL,
  ensemble TEXT NOT NULL,
  score TEXT NOT NULL,
  confidence TEXT NOT NULL,
  latency_ns INTEGER NOT NULL,
  flags INTEGER NOT NULL,
  model_count INTEGER NOT NULL,
  models TEXT NOT NULL,
  ts_event INTEGER NOT NULL
);
CREATE INDEX decisions_tenant ON decisions(tenant, seq);
CREATE INDEX decisions_symbol ON decisions(tenant, symbol, seq);
CREATE TABLE models (
  tenant INTEGER NOT NULL,
  model_key TEXT NOT NULL,
  first_seq INTEGER NOT NULL,
  last_seq INTEGER NOT NULL,
  first_ts INTEGER NOT NULL,
  last_ts INTEGER NOT NULL,
  decision_count INTEGER NOT NULL,
  last_strategy TEXT NOT NULL,
  last_status TEXT NOT NULL,
  PRIMARY KEY (tenant, model_key)
);
CREATE TABLE account_states (
  seq INTEGER PRIMARY KEY,
  tenant INTEGER NOT NULL,
  account TEXT NOT NULL,
  currency TEXT NOT NULL,
  balance TEXT NOT NULL,
  equity TEXT NOT NULL,
  margin TEXT NOT NULL,
  free_margin TEXT NOT NULL,
  ts_event INTEGER NOT NULL
);
CREATE INDEX account_states_tenant ON account_states(tenant, account, seq);
CREATE INDEX fills_account ON fills(tenant, account, seq);
)sql"},
    // The configured instruments' reference data: shared by every tenant, keyed by symbol and venue.
    {3, R"sql(
CREATE TABLE instruments (
  symbol TEXT NOT NULL,
  venue TEXT NOT NULL,
  price_scale INTEGER NOT NULL,
  quantity_scale INTEGER NOT NULL,
  tick_size TEXT NOT NULL,
  lot_step TEXT NOT NULL,
  min_quantity TEXT NOT NULL,
  max_quantity TEXT NOT NULL,
  contract_size TEXT NOT NULL,
  currency TEXT NOT NULL,
  session TEXT NOT NULL,
  PRIMARY KEY (symbol, venue)
);
)sql"},
};

std::string shortest(double value) { return fmt::format("{}", value); }

double number(const std::string& text) { return text.empty() ? 0.0 : std::strtod(text.c_str(), nullptr); }


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
  if (const auto& p = rows.position) {
    // The newest position event decides; a position reopened after closing starts a new life.
    Statement st(db_->handle(), R"sql(
INSERT INTO positions(tenant, account, position_id, symbol, venue, quantity, average_price, realized_pnl,
                      currency, status, opened_seq, last_seq, ts_event)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11, ?12)
ON CONFLICT(tenant, account, position_id) DO UPDATE SET
  symbol = excluded.symbol, venue = excluded.venue, quantity = excluded.quantity,
  average_price = excluded.average_price, realized_pnl = excluded.realized_pnl,
  currency = excluded.currency,
  opened_seq = CASE WHEN positions.status = 'closed' AND excluded.status = 'open'
                    THEN excluded.opened_seq ELSE positions.opened_seq END,
  status = excluded.status, last_seq = excluded.last_seq, ts_event = excluded.ts_event
WHERE excluded.last_seq > positions.last_seq
)sql");
    st.bind(1, p->tenant).bind(2, p->account).bind(3, p->positionId).bind(4, p->symbol).bind(5, p->venue)
        .bind(6, p->quantity).bind(7, p->averagePrice).bind(8, p->realizedPnl).bind(9, p->currency)
        .bind(10, p->status).bind(11, p->seq).bind(12, p->tsEvent);
    if (st.step() != SQLITE_DONE) return db_->error("writing a position");
  }
  if (const auto& d = rows.decision) {
    Statement st(db_->handle(),
                 "INSERT OR IGNORE INTO decisions(seq, tenant, strategy, symbol, decision_sequence, inputs_hash, "
                 "signal, ensemble, score, confidence, latency_ns, flags, model_count, models, ts_event) "
                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)");
    st.bind(1, d->seq).bind(2, d->tenant).bind(3, d->strategy).bind(4, d->symbol).bind(5, d->decisionSequence)
        .bind(6, d->inputsHash).bind(7, d->signal).bind(8, d->ensemble).bind(9, shortest(d->score))
        .bind(10, shortest(d->confidence)).bind(11, d->latencyNs).bind(12, d->flags).bind(13, d->modelCount)
        .bind(14, d->models).bind(15, d->tsEvent);
    if (st.step() != SQLITE_DONE) return db_->error("writing a decision");
  }
  for (const auto& m : rows.models) {
    // Counted once per decision: a replayed decision (sequence not above the last) changes nothing.
    Statement st(db_->handle(), R"sql(
INSERT INTO models(tenant, model_key, first_seq, last_seq, first_ts, last_ts, decision_count, last_strategy,
                   last_status)
VALUES (?1, ?2, ?3, ?3, ?4, ?4, 1, ?5, ?6)
ON CONFLICT(tenant, model_key) DO UPDATE SET
  last_seq = excluded.last_seq, last_ts = excluded.last_ts, decision_count = models.decision_count + 1,
  last_strategy = excluded.last_strategy, last_status = excluded.last_status
WHERE excluded.last_seq > models.last_seq
)sql");
    st.bind(1, m.tenant).bind(2, m.key).bind(3, m.seq).bind(4, m.tsEvent).bind(5, m.strategy).bind(6, m.status);
    if (st.step() != SQLITE_DONE) return db_->error("writing a model");
  }
  if (const auto& a = rows.account) {
    Statement st(db_->handle(),
                 "INSERT OR IGNORE INTO account_states(seq, tenant, account, currency, balance, equity, margin, "
                 "free_margin, ts_event) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    st.bind(1, a->seq).bind(2, a->tenant).bind(3, a->account).bind(4, a->currency).bind(5, a->balance)
        .bind(6, a->equity).bind(7, a->margin).bind(8, a->freeMargin).bind(9, a->tsEvent);
    if (st.step() != SQLITE_DONE) return db_->error("writing an account state");
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

Expected<nlohmann::json> SqliteEventStore::read(const ReadRequest& request) {
  const auto& statement = rows::readStatement(request.kind);
  // One text for both backends: SQLite reads PostgreSQL's $N as ?N, a numbered parameter.
  std::string sql(statement.sql);
  std::replace(sql.begin(), sql.end(), '$', '?');
  std::lock_guard lock(mutex_);
  Statement st(db_->handle(), sql);
  int index = 1;
  for (const auto param : statement.params) {
    std::visit([&](const auto& value) { st.bind(index++, value); }, rows::paramValue(param, request));
  }
  Json out = Json::array();
  int rc;
  while ((rc = st.step()) == SQLITE_ROW) {
    Json row = Json::object();
    int col = 0;
    for (const auto& column : statement.columns) {
      switch (column.type) {
        case rows::ColumnType::Text: row[column.name] = st.text(col); break;
        case rows::ColumnType::Integer: row[column.name] = st.integer(col); break;
        case rows::ColumnType::Real: row[column.name] = number(st.text(col)); break;
      }
      ++col;
    }
    out.push_back(std::move(row));
  }
  if (rc != SQLITE_DONE) return db_->error(fmt::format("reading {}", statement.what));
  return rows::finish(request.kind, std::move(out));
}

Expected<void> SqliteEventStore::putInstruments(std::span<const InstrumentRecord> instruments) {
  std::lock_guard lock(mutex_);
  if (auto ok = db_->exec("BEGIN IMMEDIATE"); !ok) return ok;
  for (const auto& record : instruments) {
    const auto i = rows::instrumentRowOf(record);
    Statement st(db_->handle(), R"sql(
INSERT INTO instruments(symbol, venue, price_scale, quantity_scale, tick_size, lot_step, min_quantity,
                        max_quantity, contract_size, currency, session)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
ON CONFLICT(symbol, venue) DO UPDATE SET
  price_scale = excluded.price_scale, quantity_scale = excluded.quantity_scale, tick_size = excluded.tick_size,
  lot_step = excluded.lot_step, min_quantity = excluded.min_quantity, max_quantity = excluded.max_quantity,
  contract_size = excluded.contract_size, currency = excluded.currency, session = excluded.session
)sql");
    st.bind(1, i.symbol).bind(2, i.venue).bind(3, i.priceScale).bind(4, i.quantityScale).bind(5, i.tickSize)
        .bind(6, i.lotStep).bind(7, i.minQuantity).bind(8, i.maxQuantity).bind(9, i.contractSize)
        .bind(10, i.currency).bind(11, i.session);
    if (st.step() != SQLITE_DONE) {
      auto error = db_->error("writing an instrument");
      (void)db_->exec("ROLLBACK");
      return error;
    }
  }
  return db_->exec("COMMIT");
}

}  // namespace ait::store
