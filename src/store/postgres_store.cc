#include "ait/store/postgres_store.h"

#include <libpq-fe.h>

#include <algorithm>
#include <array>
#include <functional>

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

struct Migration {
  int version;
  std::string_view sql;
};
constexpr std::array<Migration, 1> kMigrations{{{1, kMigration1}}};

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

namespace {
// Numbers come back from NUMERIC columns in their canonical text (trailing zeros kept from the
// stored scale), the same text the SQLite store returns.
Json readRows(const PGresult* r, std::initializer_list<const char*> names, std::initializer_list<bool> integer) {
  Json out = Json::array();
  for (int row = 0; row < PQntuples(r); ++row) {
    Json item = Json::object();
    int col = 0;
    auto isInt = integer.begin();
    for (const char* name : names) {
      const std::string value = text(r, row, col);
      if (*isInt) {
        item[name] = value.empty() ? 0 : std::stoll(value);
      } else {
        item[name] = value;
      }
      ++col;
      ++isInt;
    }
    out.push_back(std::move(item));
  }
  return out;
}
}  // namespace

Expected<nlohmann::json> PostgresEventStore::orders(model::TenantId tenant, std::size_t limit) {
  return withConnection(pool_, [&](pg_conn* conn) -> Expected<nlohmann::json> {
    auto r = run(conn,
                 "SELECT client_order_id, account, symbol, side, order_type, quantity, price, "
                 "venue_order_id, status, leaves_quantity, reason, last_seq FROM orders "
                 "WHERE tenant = $1 ORDER BY last_seq DESC LIMIT $2",
                 {num(tenant.value), num(static_cast<std::int64_t>(limit))});
    if (!r) return Unexpected(r.error());
    return readRows(r->get(),
                    {"client_order_id", "account", "symbol", "side", "order_type", "quantity", "price",
                     "venue_order_id", "status", "leaves_quantity", "reason", "sequence"},
                    {false, false, false, false, false, false, false, false, false, false, false, true});
  });
}

Expected<nlohmann::json> PostgresEventStore::fills(model::TenantId tenant, std::size_t limit) {
  return withConnection(pool_, [&](pg_conn* conn) -> Expected<nlohmann::json> {
    auto r = run(conn,
                 "SELECT seq, client_order_id, trade_id, account, symbol, side, quantity, price, "
                 "commission, ts_event FROM fills WHERE tenant = $1 ORDER BY seq DESC LIMIT $2",
                 {num(tenant.value), num(static_cast<std::int64_t>(limit))});
    if (!r) return Unexpected(r.error());
    return readRows(r->get(),
                    {"sequence", "client_order_id", "trade_id", "account", "symbol", "side", "quantity",
                     "price", "commission", "ts_event_ns"},
                    {true, false, false, false, false, false, false, false, false, true});
  });
}

Expected<nlohmann::json> PostgresEventStore::ticks(model::TenantId tenant, std::string_view symbol,
                                                   std::int64_t fromNs, std::int64_t toNs,
                                                   std::size_t limit) {
  return withConnection(pool_, [&](pg_conn* conn) -> Expected<nlohmann::json> {
    auto r = run(conn,
                 "SELECT seq, ts_event, bid, ask, last, volume FROM ticks WHERE tenant = $1 AND "
                 "symbol = $2 AND ts_event >= $3 AND ts_event < $4 ORDER BY ts_event LIMIT $5",
                 {num(tenant.value), std::string(symbol), num(fromNs), num(toNs), num(static_cast<std::int64_t>(limit))});
    if (!r) return Unexpected(r.error());
    return readRows(r->get(), {"sequence", "ts_event_ns", "bid", "ask", "last", "volume"},
                    {true, true, false, false, false, false});
  });
}

}  // namespace ait::store
