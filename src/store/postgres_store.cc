#include "ait/store/postgres_store.h"

#include <libpq-fe.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <functional>
#include <type_traits>
#include <variant>
#include <vector>

#include <fmt/format.h>

#include "ait/store/errors.h"
#include "pg.h"
#include "rows.h"

namespace ait::store {

using namespace pg;

namespace {

using Json = nlohmann::json;

constexpr std::string_view kMigration1 = R"sql(
CREATE TABLE checkpoints (
  stream TEXT PRIMARY KEY,
  seq BIGINT NOT NULL
);
CREATE TABLE events (
  stream TEXT NOT NULL,
  seq BIGINT NOT NULL,
  type TEXT NOT NULL,
  tenant BIGINT NOT NULL,
  ts_event BIGINT NOT NULL,
  body JSONB NOT NULL,
  PRIMARY KEY (stream, seq)
);
CREATE INDEX events_tenant ON events(tenant, seq);
CREATE TABLE ticks (
  seq BIGINT PRIMARY KEY,
  tenant BIGINT NOT NULL,
  symbol TEXT NOT NULL,
  ts_event BIGINT NOT NULL,
  bid NUMERIC NOT NULL,
  ask NUMERIC NOT NULL,
  last NUMERIC NOT NULL,
  volume NUMERIC NOT NULL
);
CREATE INDEX ticks_symbol_time ON ticks(tenant, symbol, ts_event);
CREATE TABLE orders (
  tenant BIGINT NOT NULL,
  client_order_id TEXT NOT NULL,
  account TEXT NOT NULL DEFAULT '',
  symbol TEXT NOT NULL DEFAULT '',
  side TEXT NOT NULL DEFAULT '',
  order_type TEXT NOT NULL DEFAULT '',
  quantity NUMERIC NOT NULL DEFAULT 0,
  price NUMERIC,
  venue_order_id TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL,
  leaves_quantity NUMERIC,
  reason TEXT NOT NULL DEFAULT '',
  created_seq BIGINT NOT NULL,
  last_seq BIGINT NOT NULL,
  PRIMARY KEY (tenant, client_order_id)
);
CREATE TABLE fills (
  seq BIGINT PRIMARY KEY,
  tenant BIGINT NOT NULL,
  client_order_id TEXT NOT NULL,
  trade_id TEXT NOT NULL,
  account TEXT NOT NULL,
  symbol TEXT NOT NULL,
  side TEXT NOT NULL,
  quantity NUMERIC NOT NULL,
  price NUMERIC NOT NULL,
  commission NUMERIC NOT NULL,
  ts_event BIGINT NOT NULL
);
CREATE INDEX fills_tenant ON fills(tenant, seq);
)sql";

// Positions, ensemble decisions, the model registry the decisions name, account snapshots.
constexpr std::string_view kMigration2 = R"sql(
CREATE TABLE positions (
  tenant BIGINT NOT NULL,
  account TEXT NOT NULL,
  position_id TEXT NOT NULL,
  symbol TEXT NOT NULL,
  venue TEXT NOT NULL,
  quantity NUMERIC NOT NULL,
  average_price NUMERIC NOT NULL,
  realized_pnl NUMERIC NOT NULL,
  currency TEXT NOT NULL,
  status TEXT NOT NULL,
  opened_seq BIGINT NOT NULL,
  last_seq BIGINT NOT NULL,
  ts_event BIGINT NOT NULL,
  PRIMARY KEY (tenant, account, position_id)
);
CREATE INDEX positions_tenant ON positions(tenant, last_seq);
CREATE TABLE decisions (
  seq BIGINT PRIMARY KEY,
  tenant BIGINT NOT NULL,
  strategy TEXT NOT NULL,
  symbol TEXT NOT NULL,
  decision_sequence BIGINT NOT NULL,
  inputs_hash TEXT NOT NULL,
  signal TEXT NOT NULL,
  ensemble TEXT NOT NULL,
  score DOUBLE PRECISION NOT NULL,
  confidence DOUBLE PRECISION NOT NULL,
  latency_ns BIGINT NOT NULL,
  flags BIGINT NOT NULL,
  model_count INT NOT NULL,
  models JSONB NOT NULL,
  ts_event BIGINT NOT NULL
);
CREATE INDEX decisions_tenant ON decisions(tenant, seq);
CREATE INDEX decisions_symbol ON decisions(tenant, symbol, seq);
CREATE TABLE models (
  tenant BIGINT NOT NULL,
  model_key TEXT NOT NULL,
  first_seq BIGINT NOT NULL,
  last_seq BIGINT NOT NULL,
  first_ts BIGINT NOT NULL,
  last_ts BIGINT NOT NULL,
  decision_count BIGINT NOT NULL,
  last_strategy TEXT NOT NULL,
  last_status TEXT NOT NULL,
  PRIMARY KEY (tenant, model_key)
);
CREATE TABLE account_states (
  seq BIGINT PRIMARY KEY,
  tenant BIGINT NOT NULL,
  account TEXT NOT NULL,
  currency TEXT NOT NULL,
  balance NUMERIC NOT NULL,
  equity NUMERIC NOT NULL,
  margin NUMERIC NOT NULL,
  free_margin NUMERIC NOT NULL,
  ts_event BIGINT NOT NULL
);
CREATE INDEX account_states_tenant ON account_states(tenant, account, seq);
CREATE INDEX fills_account ON fills(tenant, account, seq);
)sql";

// The configured instruments' reference data: shared by every tenant, keyed by symbol and venue.
constexpr std::string_view kMigration3 = R"sql(
CREATE TABLE instruments (
  symbol TEXT NOT NULL,
  venue TEXT NOT NULL,
  price_scale INT NOT NULL,
  quantity_scale INT NOT NULL,
  tick_size NUMERIC NOT NULL,
  lot_step NUMERIC NOT NULL,
  min_quantity NUMERIC NOT NULL,
  max_quantity NUMERIC NOT NULL,
  contract_size NUMERIC NOT NULL,
  currency TEXT NOT NULL,
  session TEXT NOT NULL,
  PRIMARY KEY (symbol, venue)
);
)sql";

struct Migration {
  int version;
  std::string_view sql;
};
constexpr std::array<Migration, 3> kMigrations{{{1, kMigration1}, {2, kMigration2}, {3, kMigration3}}};

std::string shortest(double value) { return fmt::format("{}", value); }

}  // namespace

PostgresEventStore::PostgresEventStore(const PostgresSettings& settings) : pool_(makePool(settings)) {}

Expected<std::unique_ptr<PostgresEventStore>> PostgresEventStore::open(const PostgresSettings& settings) {
  std::unique_ptr<PostgresEventStore> store(new PostgresEventStore(settings));
  if (auto ok = store->migrate(); !ok) return Unexpected(ok.error());
  return store;
}

std::unique_ptr<PostgresEventStore> PostgresEventStore::lazy(const PostgresSettings& settings) {
  return std::unique_ptr<PostgresEventStore>(new PostgresEventStore(settings));
}

Expected<void> PostgresEventStore::ready() {
  if (migrated_.load(std::memory_order_acquire)) return {};
  return migrate();
}

Expected<void> PostgresEventStore::migrate() {
  auto migrated = withConnection(pool_, [](pg_conn* conn) -> Expected<void> {
    // One migrator at a time across processes: an advisory lock held for the transaction.
    auto body = [&]() -> Expected<void> {
      if (auto r = run(conn, "SELECT pg_advisory_xact_lock(7461001)"); !r) return Unexpected(r.error());
      if (auto r = run(conn, "CREATE TABLE IF NOT EXISTS store_schema (version INT NOT NULL, "
                             "applied_at TIMESTAMPTZ NOT NULL DEFAULT now())");
          !r) {
        return Unexpected(r.error());
      }
      auto current = run(conn, "SELECT COALESCE(MAX(version), 0) FROM store_schema");
      if (!current) return Unexpected(current.error());
      const int applied = std::stoi(text(current->get(), 0, 0));
      if (applied > kMigrations.back().version) {
        return fail(errors::kBackend, fmt::format("postgresql schema version {} is newer than this program's {}",
                                                  applied, kMigrations.back().version));
      }
      for (const auto& m : kMigrations) {
        if (m.version <= applied) continue;
        if (auto r = runScript(conn, m.sql); !r) {
          return fail(errors::kBackend, fmt::format("migration {} failed: {}", m.version, r.error().message()));
        }
        if (auto r = run(conn, "INSERT INTO store_schema(version) VALUES ($1)", {num(m.version)}); !r) {
          return Unexpected(r.error());
        }
      }
      return {};
    };
    return inTransaction(conn, body);
  });
  if (migrated) migrated_.store(true, std::memory_order_release);
  return migrated;
}

Expected<MigrationState> PostgresEventStore::migrations() {
  return withConnection(pool_, [](pg_conn* conn) -> Expected<MigrationState> {
    auto r = run(conn, "SELECT COALESCE(MAX(version), 0) FROM store_schema");
    if (!r) return Unexpected(r.error());
    return MigrationState{std::stoi(text(r->get(), 0, 0)), kMigrations.back().version};
  });
}

Expected<std::uint64_t> PostgresEventStore::checkpoint(std::string_view stream) {
  if (auto ok = ready(); !ok) return Unexpected(ok.error());
  return withConnection(pool_, [&](pg_conn* conn) -> Expected<std::uint64_t> {
    auto r = run(conn, "SELECT seq FROM checkpoints WHERE stream = $1", {std::string(stream)});
    if (!r) return Unexpected(r.error());
    if (PQntuples(r->get()) == 0) return std::uint64_t{0};
    return static_cast<std::uint64_t>(std::stoll(text(r->get(), 0, 0)));
  });
}

Expected<void> PostgresEventStore::apply(std::string_view stream, std::span<const model::Event> events) {
  if (events.empty()) return {};
  if (auto ok = ready(); !ok) return ok;
  return withConnection(pool_, [&](pg_conn* conn) -> Expected<void> {
    auto body = [&]() -> Expected<void> {
      const std::string streamName(stream);
      for (const auto& event : events) {
        const auto rows = rows::rowsOf(event);
        if (const auto& t = rows.tick) {
          auto r = run(conn,
                       "INSERT INTO ticks(seq, tenant, symbol, ts_event, bid, ask, last, volume) "
                       "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (seq) DO NOTHING",
                       {num(t->seq), num(t->tenant), t->symbol, num(t->tsEvent), t->bid, t->ask, t->last, t->volume});
          if (!r) return Unexpected(r.error());
        }
        if (const auto& e = rows.event) {
          auto r = run(conn,
                       "INSERT INTO events(stream, seq, type, tenant, ts_event, body) "
                       "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (stream, seq) DO NOTHING",
                       {streamName, num(e->seq), e->type, num(e->tenant), num(e->tsEvent), e->body});
          if (!r) return Unexpected(r.error());
        }
        if (const auto& o = rows.order) {
          auto r = run(conn, R"sql(
INSERT INTO orders(tenant, client_order_id, account, symbol, side, order_type, quantity, price,
                   venue_order_id, status, leaves_quantity, reason, created_seq, last_seq)
VALUES ($1, $2, $3, $4, $5, $6, COALESCE($7::numeric, 0), $8::numeric, COALESCE($9, ''), $10,
        $11::numeric, COALESCE($12, ''), $13, $13)
ON CONFLICT (tenant, client_order_id) DO UPDATE SET
  status = EXCLUDED.status,
  venue_order_id = CASE WHEN EXCLUDED.venue_order_id <> '' THEN EXCLUDED.venue_order_id ELSE orders.venue_order_id END,
  leaves_quantity = COALESCE(EXCLUDED.leaves_quantity, orders.leaves_quantity),
  quantity = CASE WHEN $7 IS NOT NULL THEN EXCLUDED.quantity ELSE orders.quantity END,
  price = COALESCE(EXCLUDED.price, orders.price),
  reason = CASE WHEN EXCLUDED.reason <> '' THEN EXCLUDED.reason ELSE orders.reason END,
  last_seq = EXCLUDED.last_seq
WHERE EXCLUDED.last_seq > orders.last_seq
)sql",
                       {num(o->tenant), o->clientOrderId, o->account, o->symbol, o->side, o->orderType,
                        o->quantity, o->price, o->venueOrderId, o->status, o->leavesQuantity,
                        o->reason, num(o->seq)});
          if (!r) return Unexpected(r.error());
        }
        if (const auto& f = rows.fill) {
          auto r = run(conn,
                       "INSERT INTO fills(seq, tenant, client_order_id, trade_id, account, symbol, side, "
                       "quantity, price, commission, ts_event) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
                       "$9, $10, $11) ON CONFLICT (seq) DO NOTHING",
                       {num(f->seq), num(f->tenant), f->clientOrderId, f->tradeId, f->account, f->symbol,
                        f->side, f->quantity, f->price, f->commission, num(f->tsEvent)});
          if (!r) return Unexpected(r.error());
        }
        if (const auto& p = rows.position) {
          auto r = run(conn, R"sql(
INSERT INTO positions(tenant, account, position_id, symbol, venue, quantity, average_price, realized_pnl,
                      currency, status, opened_seq, last_seq, ts_event)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12)
ON CONFLICT (tenant, account, position_id) DO UPDATE SET
  symbol = EXCLUDED.symbol, venue = EXCLUDED.venue, quantity = EXCLUDED.quantity,
  average_price = EXCLUDED.average_price, realized_pnl = EXCLUDED.realized_pnl,
  currency = EXCLUDED.currency,
  opened_seq = CASE WHEN positions.status = 'closed' AND EXCLUDED.status = 'open'
                    THEN EXCLUDED.opened_seq ELSE positions.opened_seq END,
  status = EXCLUDED.status, last_seq = EXCLUDED.last_seq, ts_event = EXCLUDED.ts_event
WHERE EXCLUDED.last_seq > positions.last_seq
)sql",
                       {num(p->tenant), p->account, p->positionId, p->symbol, p->venue, p->quantity,
                        p->averagePrice, p->realizedPnl, p->currency, p->status, num(p->seq), num(p->tsEvent)});
          if (!r) return Unexpected(r.error());
        }
        if (const auto& d = rows.decision) {
          auto r = run(conn,
                       "INSERT INTO decisions(seq, tenant, strategy, symbol, decision_sequence, inputs_hash, "
                       "signal, ensemble, score, confidence, latency_ns, flags, model_count, models, ts_event) "
                       "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) "
                       "ON CONFLICT (seq) DO NOTHING",
                       {num(d->seq), num(d->tenant), d->strategy, d->symbol, num(d->decisionSequence),
                        d->inputsHash, d->signal, d->ensemble, shortest(d->score), shortest(d->confidence),
                        num(d->latencyNs), num(d->flags), num(d->modelCount), d->models, num(d->tsEvent)});
          if (!r) return Unexpected(r.error());
        }
        for (const auto& m : rows.models) {
          // Counted once per decision: a replayed one (sequence not above the last) changes nothing.
          auto r = run(conn, R"sql(
INSERT INTO models(tenant, model_key, first_seq, last_seq, first_ts, last_ts, decision_count, last_strategy,
                   last_status)
VALUES ($1, $2, $3, $3, $4, $4, 1, $5, $6)
ON CONFLICT (tenant, model_key) DO UPDATE SET
  last_seq = EXCLUDED.last_seq, last_ts = EXCLUDED.last_ts, decision_count = models.decision_count + 1,
  last_strategy = EXCLUDED.last_strategy, last_status = EXCLUDED.last_status
WHERE EXCLUDED.last_seq > models.last_seq
)sql",
                       {num(m.tenant), m.key, num(m.seq), num(m.tsEvent), m.strategy, m.status});
          if (!r) return Unexpected(r.error());
        }
        if (const auto& a = rows.account) {
          auto r = run(conn,
                       "INSERT INTO account_states(seq, tenant, account, currency, balance, equity, margin, "
                       "free_margin, ts_event) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
                       "ON CONFLICT (seq) DO NOTHING",
                       {num(a->seq), num(a->tenant), a->account, a->currency, a->balance, a->equity, a->margin,
                        a->freeMargin, num(a->tsEvent)});
          if (!r) return Unexpected(r.error());
        }
      }
      auto r = run(conn,
                   "INSERT INTO checkpoints(stream, seq) VALUES ($1, $2) ON CONFLICT (stream) "
                   "DO UPDATE SET seq = GREATEST(checkpoints.seq, EXCLUDED.seq)",
                   {streamName, num(static_cast<std::int64_t>(model::headerOf(events.back()).sequence))});
      if (!r) return Unexpected(r.error());
      return {};
    };
    return inTransaction(conn, body);
  });
}

Expected<void> PostgresEventStore::ping() {
  return withConnection(pool_, [](pg_conn* conn) -> Expected<void> {
    if (auto r = run(conn, "SELECT 1"); !r) return Unexpected(r.error());
    return {};
  });
}

Expected<nlohmann::json> PostgresEventStore::replication() {
  return withConnection(pool_, [](pg_conn* conn) -> Expected<nlohmann::json> {
    auto recovery = run(conn, "SELECT pg_is_in_recovery()");
    if (!recovery) return Unexpected(recovery.error());
    if (text(recovery->get(), 0, 0) == "t") {
      // A standby: how far behind the primary its last replayed transaction is (NULL before the
      // first one is replayed).
      auto lag = run(conn, "SELECT EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())");
      if (!lag) return Unexpected(lag.error());
      const auto seconds = text(lag->get(), 0, 0);
      return nlohmann::json{{"role", "standby"},
                            {"lag_seconds", seconds.empty() ? nlohmann::json() : nlohmann::json(std::stod(seconds))}};
    }
    auto standbys = run(conn,
                        "SELECT application_name, state, COALESCE(EXTRACT(EPOCH FROM replay_lag), 0) "
                        "FROM pg_stat_replication ORDER BY application_name");
    if (!standbys) return Unexpected(standbys.error());
    nlohmann::json list = nlohmann::json::array();
    double worst = 0.0;
    for (int row = 0; row < PQntuples(standbys->get()); ++row) {
      const double lag = std::stod(text(standbys->get(), row, 2));
      worst = std::max(worst, lag);
      list.push_back({{"name", text(standbys->get(), row, 0)},
                      {"state", text(standbys->get(), row, 1)},
                      {"lag_seconds", lag}});
    }
    // A primary with no standby has no replication lag to report: say so rather than 0.
    if (list.empty()) return nlohmann::json{{"role", "primary"}, {"standbys", list}, {"lag_seconds", "none"}};
    return nlohmann::json{{"role", "primary"}, {"standbys", list}, {"lag_seconds", worst}};
  });
}

// Numbers come back from NUMERIC columns in their canonical text (trailing zeros kept from the
// stored scale), the same text the SQLite store returns.
Expected<nlohmann::json> PostgresEventStore::read(const ReadRequest& request) {
  const auto& statement = rows::readStatement(request.kind);
  return withConnection(pool_, [&](pg_conn* conn) -> Expected<nlohmann::json> {
    std::vector<std::optional<std::string>> params;
    for (const auto param : statement.params) {
      std::visit(
          [&](const auto& value) {
            if constexpr (std::is_same_v<std::decay_t<decltype(value)>, std::string_view>) {
              params.emplace_back(std::string(value));
            } else {
              params.push_back(num(value));
            }
          },
          rows::paramValue(param, request));
    }
    auto r = run(conn, statement.postgresSql.empty() ? statement.sql : statement.postgresSql, params);
    if (!r) return Unexpected(r.error());
    Json out = Json::array();
    for (int row = 0; row < PQntuples(r->get()); ++row) {
      Json item = Json::object();
      int col = 0;
      for (const auto& column : statement.columns) {
        const std::string value = text(r->get(), row, col++);
        switch (column.type) {
          case rows::ColumnType::Text: item[column.name] = value; break;
          case rows::ColumnType::Integer: item[column.name] = value.empty() ? 0 : std::stoll(value); break;
          case rows::ColumnType::Real: item[column.name] = std::strtod(value.c_str(), nullptr); break;
        }
      }
      out.push_back(std::move(item));
    }
    return rows::finish(request.kind, std::move(out));
  });
}

Expected<void> PostgresEventStore::putInstruments(std::span<const InstrumentRecord> instruments) {
  if (auto ok = ready(); !ok) return ok;
  return withConnection(pool_, [&](pg_conn* conn) -> Expected<void> {
    return inTransaction(conn, [&]() -> Expected<void> {
      for (const auto& record : instruments) {
        const auto i = rows::instrumentRowOf(record);
        auto r = run(conn, R"sql(
INSERT INTO instruments(symbol, venue, price_scale, quantity_scale, tick_size, lot_step, min_quantity,
                        max_quantity, contract_size, currency, session)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT (symbol, venue) DO UPDATE SET
  price_scale = EXCLUDED.price_scale, quantity_scale = EXCLUDED.quantity_scale, tick_size = EXCLUDED.tick_size,
  lot_step = EXCLUDED.lot_step, min_quantity = EXCLUDED.min_quantity, max_quantity = EXCLUDED.max_quantity,
  contract_size = EXCLUDED.contract_size, currency = EXCLUDED.currency, session = EXCLUDED.session
)sql",
                     {i.symbol, i.venue, num(i.priceScale), num(i.quantityScale), i.tickSize, i.lotStep,
                      i.minQuantity, i.maxQuantity, i.contractSize, i.currency, i.session});
        if (!r) return Unexpected(r.error());
      }
      return {};
    });
  });
}

}  // namespace ait::store
