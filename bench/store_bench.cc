// `aitrading bench store`: how fast the journal projection fills each storage backend, and how
// that compares with the backend's own bulk path for the same rows.
//
// N ticks are appended to a throwaway journal (stream "md"); for each backend a Projector reads
// them back, decodes them and writes them in batches (projection_batch) through the backend's
// EventStore::apply, exactly as the database-service does. events_per_s = N / (start -> the
// checkpoint reaches N). Each apply latency is recorded for p50/p99/p99.9.
// The bulk path writes the same rows into a twin table: PostgreSQL COPY FROM STDIN (text), and
// ClickHouse one INSERT ... FORMAT TabSeparated per 100k rows. ratio = projection / bulk.
//
// Servers are started here on loopback in a temp dir with the launchers the integration tests
// use, and stopped afterwards; a backend whose server binary is missing is skipped, saying so.
//
// Parameters (--param key=value): events (default 20000, --quick 5000), batch (512),
// backends (comma list of sqlite,postgresql,clickhouse; default all).

#include <libpq-fe.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ait/bench/harness.h"
#include "ait/journal/journal.h"
#include "ait/model/codec.h"
#include "ait/store/clickhouse_store.h"
#include "ait/store/postgres_store.h"
#include "ait/store/projector.h"
#include "ait/store/sqlite_store.h"
#include "support/clickhouse_server.h"
#include "support/postgres_server.h"

namespace ait::store::bench {
namespace {

using ait::bench::LatencyRecorder;
using ait::bench::nowNs;
using ait::bench::Options;
using Json = nlohmann::json;

constexpr std::int64_t kT0 = 1'700'000'000'000'000'000;

std::string param(const Options& options, const std::string& key, std::string fallback) {
  auto it = options.params.find(key);
  return it == options.params.end() ? fallback : it->second;
}

model::Tick makeTick(std::uint64_t i) {
  model::Tick t;
  t.header = {model::TenantId{1 + static_cast<std::uint32_t>(i % 2)}, kT0 + static_cast<std::int64_t>(i) * 1'000'000, 0, 0};
  t.instrument.symbol = model::Symbol::truncated(i % 3 == 0 ? "EURUSD" : "USDJPY");
  t.bid = model::Price::fromRaw(108'000 + static_cast<std::int64_t>(i % 500), 5);
  t.ask = model::Price::fromRaw(108'010 + static_cast<std::int64_t>(i % 500), 5);
  t.last = model::Price::fromRaw(108'005 + static_cast<std::int64_t>(i % 500), 5);
  t.volume = model::Quantity::fromRaw(1 + static_cast<std::int64_t>(i % 9), 1);
  return t;
}

// Wraps a store to time each apply (the projection's unit of work).
class TimedStore final : public EventStore {
 public:
  TimedStore(EventStore& inner, LatencyRecorder& latency) : inner_(inner), latency_(latency) {}
  std::string_view backend() const noexcept override { return inner_.backend(); }
  Expected<MigrationState> migrations() override { return inner_.migrations(); }
  Expected<std::uint64_t> checkpoint(std::string_view s) override { return inner_.checkpoint(s); }
  Expected<void> apply(std::string_view s, std::span<const model::Event> events) override {
    const auto started = nowNs();
    auto r = inner_.apply(s, events);
    latency_.record(nowNs() - started);
    return r;
  }
  Expected<void> ping() override { return inner_.ping(); }
  Expected<Json> orders(model::TenantId t, std::size_t l) override { return inner_.orders(t, l); }
  Expected<Json> fills(model::TenantId t, std::size_t l) override { return inner_.fills(t, l); }
  Expected<Json> ticks(model::TenantId t, std::string_view s, std::int64_t f, std::int64_t to,
                       std::size_t l) override {
    return inner_.ticks(t, s, f, to, l);
  }

 private:
  EventStore& inner_;
  LatencyRecorder& latency_;
};

// Projects the journal into store and returns {events_per_s, p50_ns, ...} of the applies.
Json project(EventStore& store, const journal::Journal& source, std::uint64_t events, std::size_t batch) {
  LatencyRecorder latency(events / batch + 16);
  TimedStore timed(store, latency);
  Projector projector(timed, {{"md", &source}}, {.batch = batch, .idleWait = std::chrono::milliseconds(1)});
  const auto started = nowNs();
  projector.start();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(2);
  while (projector.status().streams[0].checkpoint < events) {
    if (std::chrono::steady_clock::now() > deadline) {
      projector.stop();
      return {{"error", fmt::format("projection stalled: {}", projector.status().lastError)}};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const auto elapsed = nowNs() - started;
  projector.stop();
  Json out = latency.summary();
  out["events"] = events;
  out["events_per_s"] = static_cast<double>(events) * 1e9 / static_cast<double>(elapsed);
  out["failures"] = projector.status().failures;
  return out;
}

// The rows of the ticks table, TabSeparated, as COPY text and ClickHouse both read them.
std::string tickRows(std::uint64_t from, std::uint64_t to, bool withFlags) {
  std::string rows;
  for (std::uint64_t i = from; i < to; ++i) {
    const auto t = makeTick(i);
    rows += fmt::format("{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}", i + 1, t.header.tenant.value, t.instrument.symbol.view(),
                        t.header.tsEvent, t.bid.toString(), t.ask.toString(), t.last.toString(), t.volume.toString());
    // ClickHouse's table also has the flags and the scale of each decimal.
    rows += withFlags ? "\t0\t5\t5\t5\t1\n" : "\n";
  }
  return rows;
}

Json postgresBulk(const std::string& conninfo, std::uint64_t events) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  const auto done = [&](Json j) {
    PQfinish(conn);
    return j;
  };
  if (PQstatus(conn) != CONNECTION_OK) return done({{"error", PQerrorMessage(conn)}});
  PQclear(PQexec(conn, "CREATE TABLE ticks_bulk (LIKE ticks INCLUDING ALL)"));
  const std::string rows = tickRows(0, events, false);
  const auto started = nowNs();
  PGresult* r = PQexec(conn, "COPY ticks_bulk (seq, tenant, symbol, ts_event, bid, ask, last, volume) FROM STDIN");
  const bool copying = PQresultStatus(r) == PGRES_COPY_IN;
  PQclear(r);
  if (!copying) return done({{"error", PQerrorMessage(conn)}});
  if (PQputCopyData(conn, rows.data(), static_cast<int>(rows.size())) != 1 || PQputCopyEnd(conn, nullptr) != 1) {
    return done({{"error", PQerrorMessage(conn)}});
  }
  r = PQgetResult(conn);
  const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  PQclear(r);
  const auto elapsed = nowNs() - started;
  if (!ok) return done({{"error", PQerrorMessage(conn)}});
  return done({{"path", "COPY FROM STDIN"}, {"events_per_s", static_cast<double>(events) * 1e9 / elapsed}});
}

Json clickhouseBulk(ClickHouseStore& store, std::uint64_t events) {
  if (auto r = store.query("CREATE TABLE ticks_bulk AS ticks"); !r) return {{"error", r.error().describe()}};
  constexpr std::uint64_t kChunk = 100'000;
  std::vector<std::string> chunks;
  for (std::uint64_t from = 0; from < events; from += kChunk) chunks.push_back(tickRows(from, std::min(events, from + kChunk), true));
  const auto started = nowNs();
  for (const auto& chunk : chunks) {
    if (auto r = store.query("INSERT INTO ticks_bulk FORMAT TabSeparated", chunk); !r) {
      return {{"error", r.error().describe()}};
    }
  }
  const auto elapsed = nowNs() - started;
  return {{"path", "INSERT FORMAT TabSeparated, 100k rows each"},
          {"events_per_s", static_cast<double>(events) * 1e9 / elapsed}};
}

PostgresSettings postgresSettings(std::string conninfo) {
  PostgresSettings settings;
  settings.conninfo = std::move(conninfo);
  return settings;
}

ClickHouseSettings clickhouseSettings(std::string url) {
  ClickHouseSettings settings;
  settings.url = std::move(url);
  return settings;
}

void addRatio(Json& backend) {
  if (!backend.contains("projection") || !backend.contains("bulk")) return;
  const auto& p = backend["projection"];
  const auto& b = backend["bulk"];
  if (p.contains("events_per_s") && b.contains("events_per_s") && b["events_per_s"].get<double>() > 0) {
    backend["projection_to_bulk_ratio"] = p["events_per_s"].get<double>() / b["events_per_s"].get<double>();
  }
}

Json run(const Options& options) {
  const std::uint64_t events = std::stoull(param(options, "events", options.quick ? "5000" : "20000"));
  const std::size_t batch = std::stoull(param(options, "batch", "512"));
  const std::string wanted = "," + param(options, "backends", "sqlite,postgresql,clickhouse") + ",";
  const auto dir = std::filesystem::temp_directory_path() / fmt::format("ait-bench-store-{}", ::getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);

  journal::JournalConfig config;
  config.dataDir = (dir / "journal").string();
  config.fsync = false;
  journal::JournalOptions journalOptions;
  journalOptions.stream = "md";
  auto md = journal::Journal::open(config, journalOptions);
  if (!md) return {{"error", md.error().describe()}};
  std::array<std::byte, model::kMaxEncodedSize> buffer;
  for (std::uint64_t i = 0; i < events; ++i) {
    const model::Event event = makeTick(i);
    const auto size = model::encode(event, buffer).value();
    (void)(*md)->append(model::typeIdOf(event), model::tenantOf(event).value, 0, std::span(buffer.data(), size));
  }
  (void)(*md)->waitDurable((*md)->lastSequence(), std::chrono::seconds(30));

  Json out{{"events", events}, {"batch", batch}};
  Json backends = Json::object();
  if (wanted.find(",sqlite,") != std::string::npos) {
    auto sqlite = SqliteEventStore::open(dir / "bench.db");
    backends["sqlite"] = sqlite ? Json{{"projection", project(**sqlite, **md, events, batch)},
                                       {"bulk", "none: the embedded store has no bulk path"}}
                                : Json{{"error", sqlite.error().describe()}};
  }
  if (wanted.find(",postgresql,") != std::string::npos) {
    Json& pg = backends["postgresql"];
    testing::PostgresServer server(dir / "postgres");
    if (testing::findPostgresBin().empty()) {
      pg = {{"skipped", "postgresql is not installed (apt-get install postgresql)"}};
    } else if (!server.start()) {
      pg = {{"error", fmt::format("postgres did not start; see {}", (dir / "postgres").string())}};
    } else if (auto store = PostgresEventStore::open(postgresSettings(server.conninfo())); !store) {
      pg = {{"error", store.error().describe()}};
    } else {
      pg["projection"] = project(**store, **md, events, batch);
      pg["bulk"] = postgresBulk(server.conninfo(), events);
      addRatio(pg);
    }
  }
  if (wanted.find(",clickhouse,") != std::string::npos) {
    Json& ch = backends["clickhouse"];
    testing::ClickHouseServer server(dir / "clickhouse");
    if (testing::findClickHouseServer().empty()) {
      ch = {{"skipped", "clickhouse-server is not installed (apt-get install clickhouse-server)"}};
    } else if (!server.start()) {
      ch = {{"error", fmt::format("clickhouse did not start; see {}", (dir / "clickhouse").string())}};
    } else if (auto store = ClickHouseStore::open(clickhouseSettings(server.url())); !store) {
      ch = {{"error", store.error().describe()}};
    } else {
      ch["projection"] = project(**store, **md, events, batch);
      ch["bulk"] = clickhouseBulk(**store, events);
      addRatio(ch);
    }
  }
  out["backends"] = backends;
  md->reset();
  std::filesystem::remove_all(dir);
  return out;
}

AIT_BENCHMARK("store", "journal projection into SQLite, PostgreSQL and ClickHouse vs each backend's bulk path",
              run);

}  // namespace
}  // namespace ait::store::bench
