#include "ait/store/postgres_store.h"

#include <libpq-fe.h>

#include <array>
#include <functional>

#include <fmt/format.h>

#include "ait/store/errors.h"
#include "rows.h"

namespace ait::store {

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

struct ResultDeleter {
  void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

// Runs sql with text parameters (NULL for nullopt); fails with the server's message.
Expected<Result> run(pg_conn* conn, std::string_view sql,
                     std::initializer_list<std::optional<std::string>> params = {}) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  const std::string text(sql);
  Result result(PQexecParams(conn, text.c_str(), static_cast<int>(values.size()), nullptr,
                             values.data(), nullptr, nullptr, 0));
  const auto status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    std::string message = PQerrorMessage(conn);
    while (!message.empty() && message.back() == '\n') message.pop_back();
    return fail(errors::kBackend, fmt::format("postgresql: {}", message));
  }
  return result;
}

// Runs a migration script (several statements, no parameters: PQexecParams takes only one).
Expected<void> runScript(pg_conn* conn, std::string_view sql) {
  const std::string text(sql);
  Result result(PQexec(conn, text.c_str()));
  if (!result || PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
    std::string message = PQerrorMessage(conn);
    while (!message.empty() && message.back() == '\n') message.pop_back();
    return fail(errors::kBackend, fmt::format("postgresql: {}", message));
  }
  return {};
}

// Runs body between BEGIN and COMMIT, rolling back when it fails.
Expected<void> inTransaction(pg_conn* conn, const std::function<Expected<void>()>& body) {
  if (auto r = run(conn, "BEGIN"); !r) return Unexpected(r.error());
  if (auto done = body(); !done) {
    (void)run(conn, "ROLLBACK");
    return done;
  }
  if (auto r = run(conn, "COMMIT"); !r) return Unexpected(r.error());
  return {};
}

std::string text(const PGresult* r, int row, int col) {
  return PQgetisnull(r, row, col) ? std::string() : std::string(PQgetvalue(r, row, col));
}

std::optional<std::string> num(std::int64_t v) { return std::to_string(v); }

// Runs body inside a transaction on a leased connection; a broken connection is discarded.
template <class F>
auto withConnection(PostgresPool& pool, F&& body) -> decltype(body(std::declval<pg_conn*>())) {
  auto lease = pool.acquire();
  if (!lease) return Unexpected(lease.error());
  auto result = body(lease->get());
  if (!result && PQstatus(lease->get()) != CONNECTION_OK) lease->discard();
  return result;
}

}  // namespace

PostgresPool::PostgresPool(PostgresSettings settings)
    : settings_(std::move(settings)),
      idleGauge_(metrics::Registry::global().gauge("ait_store_pool_idle", "Idle pooled connections",
                                                   {{"backend", "postgresql"}})),
      inUseGauge_(metrics::Registry::global().gauge("ait_store_pool_in_use", "Pooled connections in use",
                                                    {{"backend", "postgresql"}})),
      waits_(metrics::Registry::global().counter("ait_store_pool_waits_total",
                                                 "Acquires that had to wait for a connection",
                                                 {{"backend", "postgresql"}})),
      errors_(metrics::Registry::global().counter("ait_store_pool_errors_total",
                                                  "Failed connection attempts and broken connections",
                                                  {{"backend", "postgresql"}})),
      waitTime_(metrics::Registry::global().histogram("ait_store_pool_wait_seconds",
                                                      "Time to acquire a pooled connection",
                                                      {{"backend", "postgresql"}})) {}

PostgresPool::~PostgresPool() {
  std::lock_guard lock(mutex_);
  for (pg_conn* conn : idle_) PQfinish(conn);
  idle_.clear();
}

PostgresPool::Lease::~Lease() {
  if (conn_ != nullptr) pool_->release(conn_, broken_);
}

Expected<pg_conn*> PostgresPool::connect() {
  // The configured string may be key=value pairs or a postgresql:// URI; expand_dbname reads
  // either, and the timeout is added as its own parameter.
  const std::string timeout = std::to_string(settings_.connectTimeout.count());
  const char* keywords[] = {"dbname", "connect_timeout", nullptr};
  const char* values[] = {settings_.conninfo.c_str(), timeout.c_str(), nullptr};
  pg_conn* conn = PQconnectdbParams(keywords, values, 1);
  if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) {
    std::string message = conn != nullptr ? PQerrorMessage(conn) : "out of memory";
    while (!message.empty() && message.back() == '\n') message.pop_back();
    PQfinish(conn);
    errors_.inc();
    return fail(errors::kBackend, fmt::format("postgresql: cannot connect: {}", message));
  }
  return conn;
}

Expected<PostgresPool::Lease> PostgresPool::acquire() {
  const auto started = std::chrono::steady_clock::now();
  std::unique_lock lock(mutex_);
  bool waited = false;
  while (true) {
    while (!idle_.empty()) {
      pg_conn* conn = idle_.back();
      idle_.pop_back();
      if (PQstatus(conn) == CONNECTION_OK) {
        ++inUse_;
        idleGauge_.set(static_cast<double>(idle_.size()));
        inUseGauge_.set(static_cast<double>(inUse_));
        waitTime_.observeNs((std::chrono::steady_clock::now() - started).count());
        return Lease(this, conn);
      }
      PQfinish(conn);  // broken while idle: drop it and try the next
      errors_.inc();
    }
    if (idle_.size() + inUse_ < settings_.maxConnections) {
      ++inUse_;  // reserve the slot, connect without holding the lock
      lock.unlock();
      auto conn = connect();
      lock.lock();
      if (!conn) {
        --inUse_;
        available_.notify_one();
        return Unexpected(conn.error());
      }
      inUseGauge_.set(static_cast<double>(inUse_));
      return Lease(this, *conn);
    }
    if (!waited) {
      waits_.inc();
      waited = true;
    }
    if (available_.wait_until(lock, started + settings_.acquireTimeout) == std::cv_status::timeout) {
      return fail(errors::kBackend, fmt::format("postgresql: no connection free within {} ms ({} in use)",
                                                settings_.acquireTimeout.count(), inUse_));
    }
  }
}

void PostgresPool::release(pg_conn* conn, bool broken) {
  std::lock_guard lock(mutex_);
  --inUse_;
  if (broken || PQstatus(conn) != CONNECTION_OK || PQtransactionStatus(conn) != PQTRANS_IDLE) {
    PQfinish(conn);
    errors_.inc();
  } else {
    idle_.push_back(conn);
  }
  idleGauge_.set(static_cast<double>(idle_.size()));
  inUseGauge_.set(static_cast<double>(inUse_));
  available_.notify_one();
}

PostgresPool::Stats PostgresPool::stats() const {
  std::lock_guard lock(mutex_);
  return {idle_.size(), inUse_};
}

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

Expected<nlohmann::json> PostgresEventStore::orders(std::uint32_t tenant, std::size_t limit) {
  return withConnection(pool_, [&](pg_conn* conn) -> Expected<nlohmann::json> {
    auto r = run(conn,
                 "SELECT client_order_id, account, symbol, side, order_type, quantity, price, "
                 "venue_order_id, status, leaves_quantity, reason, last_seq FROM orders "
                 "WHERE tenant = $1 ORDER BY last_seq DESC LIMIT $2",
                 {num(tenant), num(static_cast<std::int64_t>(limit))});
    if (!r) return Unexpected(r.error());
    return readRows(r->get(),
                    {"client_order_id", "account", "symbol", "side", "order_type", "quantity", "price",
                     "venue_order_id", "status", "leaves_quantity", "reason", "sequence"},
                    {false, false, false, false, false, false, false, false, false, false, false, true});
  });
}

Expected<nlohmann::json> PostgresEventStore::fills(std::uint32_t tenant, std::size_t limit) {
  return withConnection(pool_, [&](pg_conn* conn) -> Expected<nlohmann::json> {
    auto r = run(conn,
                 "SELECT seq, client_order_id, trade_id, account, symbol, side, quantity, price, "
                 "commission, ts_event FROM fills WHERE tenant = $1 ORDER BY seq DESC LIMIT $2",
                 {num(tenant), num(static_cast<std::int64_t>(limit))});
    if (!r) return Unexpected(r.error());
    return readRows(r->get(),
                    {"sequence", "client_order_id", "trade_id", "account", "symbol", "side", "quantity",
                     "price", "commission", "ts_event_ns"},
                    {true, false, false, false, false, false, false, false, false, true});
  });
}

Expected<nlohmann::json> PostgresEventStore::ticks(std::uint32_t tenant, std::string_view symbol,
                                                   std::int64_t fromNs, std::int64_t toNs,
                                                   std::size_t limit) {
  return withConnection(pool_, [&](pg_conn* conn) -> Expected<nlohmann::json> {
    auto r = run(conn,
                 "SELECT seq, ts_event, bid, ask, last, volume FROM ticks WHERE tenant = $1 AND "
                 "symbol = $2 AND ts_event >= $3 AND ts_event < $4 ORDER BY ts_event LIMIT $5",
                 {num(tenant), std::string(symbol), num(fromNs), num(toNs), num(static_cast<std::int64_t>(limit))});
    if (!r) return Unexpected(r.error());
    return readRows(r->get(), {"sequence", "ts_event_ns", "bid", "ask", "last", "volume"},
                    {true, true, false, false, false, false});
  });
}

}  // namespace ait::store
