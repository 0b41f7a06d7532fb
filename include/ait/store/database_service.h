#pragma once
// database-service (port 8006): projects the journal into the configured backends and reports
// their health. A backend that is down makes the service degraded, never down: trading goes on
// and the projection catches up from its checkpoint.
//
//   GET /api/v1/databases                 every backend: connected, probe latency, pool, breaker,
//                                         lag per stream, migrations, replication (PostgreSQL)
//   GET /api/v1/databases/{type}/health   one backend (200 when connected, 503 when not)
//   POST /api/v1/patterns                 adds a situation {id, symbol, features} of the caller's tenant
//   GET /api/v1/patterns/similar          k nearest situations (?symbol= or ?features=, &k=)
//                                         (the index is saved to patternsDir and loaded at open)
//   POST /api/v1/graph/edges              links two nodes of the caller's tenant (PostgreSQL)
//   GET /api/v1/graph/links               nodes linked to ?from=kind:name within &depth= hops
//   GET /api/v1/history/orders|fills|positions|decisions|models|ticks|bars
//   GET /api/v1/history/accounts/{account} the caller's orders, fills, ... (?limit= up to 1000)
//   GET /api/v1/history/instruments       the configured instruments (shared reference data)
//
// PostgreSQL and ClickHouse sit behind a circuit breaker and a bulkhead each (GuardedEventStore).
// The pattern and graph routes take the tenant only from the verified caller (401 without one).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "ait/http/router.h"
#include "ait/hub/service.h"
#include "ait/store/clickhouse_store.h"
#include "ait/store/event_store.h"
#include "ait/store/guarded_store.h"
#include "ait/store/pattern_index.h"
#include "ait/store/postgres_graph.h"
#include "ait/store/postgres_store.h"
#include "ait/store/projector.h"
#include "ait/store/shared_state.h"

namespace ait::store {

struct DatabaseSettings {
  std::filesystem::path sqlitePath = "var/db/platform.db";
  PostgresSettings postgres;      // conninfo empty: no PostgreSQL backend
  ClickHouseSettings clickhouse;  // url empty: no ClickHouse backend
  RedisSettings redis;            // url empty: shared state in process
  ProjectionSettings projection{};
  GuardSettings guard{};          // breaker and bulkhead of each server backend
  HnswSettings patterns{};        // the in-process similar-pattern index
  std::filesystem::path patternsDir;  // where the index is saved and loaded; empty: memory only
  std::size_t patternsSaveEvery = 1000;  // situations added between saves (and one on stop)
  std::size_t patternsMaxK = 100;  // the largest k a similar-pattern query may ask for
  int graphMaxDepth = 4;           // the most hops a graph query may ask for
  std::vector<InstrumentRecord> instruments;  // upserted into each relational backend at start()
};

class DatabaseService final : public hub::Service {
 public:
  /// Opens the backends (running their migrations) and loads the similar-pattern index from
  /// patternsDir; a file there that cannot be read fails naming it. The projection starts with
  /// start(), which also upserts the configured instruments: into SQLite at once (a failure
  /// fails the start), into a server backend by the prober until it succeeds.
  static Expected<std::unique_ptr<DatabaseService>> open(const DatabaseSettings& settings,
                                                         std::vector<StreamSource> sources);

  ~DatabaseService() override;
  std::string_view name() const noexcept override { return "database-service"; }
  Expected<void> start() override;
  void stop() noexcept override;
  hub::Health health() const override;

  void addRoutes(http::Router& router);
  /// The relational store reads of orders and fills go to (SQLite, always there).
  EventStore& store() noexcept { return *backends_.front().store; }
  /// Latest quotes, sessions, rate-limit counters, idempotency keys: Redis when configured.
  SharedState& sharedState() noexcept { return *sharedState_; }

  // Reads for the other services (gateway, analytics), the same whichever backends are
  // configured; each takes the tenant the caller authenticated, never one from a request body.
  /// Orders of the tenant, latest change first.
  Expected<nlohmann::json> orderHistory(model::TenantId tenant, std::size_t limit);
  /// Fills of the tenant's account (every account when account is empty), newest first.
  Expected<nlohmann::json> accountHistory(model::TenantId tenant, std::string_view account, std::size_t limit);
  /// {states, fills} of the tenant's account: balance snapshots and fills, newest first.
  Expected<nlohmann::json> accountSnapshot(model::TenantId tenant, std::string_view account, std::size_t limit);
  /// Ticks of [fromNs, toNs), oldest first: from ClickHouse when configured, else SQLite.
  Expected<nlohmann::json> tickRange(model::TenantId tenant, std::string_view symbol, std::int64_t fromNs,
                                     std::int64_t toNs, std::size_t limit);
  /// OHLC bars of intervalNs over the stored ticks, oldest first (ClickHouse aggregates on the
  /// server; otherwise they are computed here from the relational store's ticks).
  Expected<nlohmann::json> bars(const OhlcQuery& query);

 private:
  struct Backend {
    std::unique_ptr<EventStore> store;
    std::unique_ptr<Projector> projector;
    GuardedEventStore* guarded = nullptr;  // store, when it is a server backend
    bool instrumentsPending = false;       // the instruments are still to be written; under instrumentsMutex_
  };
  // The latest situation added per symbol, and the symbol of every id, per tenant: a query by
  // symbol starts from the symbol's latest situation.
  struct TenantPatterns {
    std::map<std::string, std::pair<std::uint64_t, std::vector<float>>> latest;
    std::map<std::uint64_t, std::string> symbols;
  };
  explicit DatabaseService(const DatabaseSettings& settings) : settings_(settings) {}
  /// The backend's state (connected, lag, pool, breaker) and a probe: a new one when fresh, else
  /// the last one the prober made (no I/O: /health must not wait for a server).
  nlohmann::json describe(const Backend& backend, bool fresh) const;
  nlohmann::json probe(const Backend& backend) const;
  /// The prober's last result under `key` with its age (probe_age_ms); nullopt before the first.
  std::optional<nlohmann::json> lastProbe(const std::string& key) const;
  /// Probes every backend every kProbeInterval until stop().
  void runProber();
  /// Writes the configured instruments to each backend still pending; one that does not keep
  /// instruments (ClickHouse) is done with.
  void putPendingInstruments();
  void stopProber() noexcept;
  static constexpr std::chrono::seconds kProbeInterval{5};
  /// The shared-state backend (Redis or in process): a new ping when fresh (the prober, the
  /// databases routes), else the prober's last (for /health, which must not wait for a server).
  nlohmann::json describeSharedState(bool fresh) const;
  void addPatternRoutes(http::Router& router);
  void addGraphRoutes(http::Router& router);
  void addHistoryRoutes(http::Router& router);
  /// Writes the pattern index and its symbols to patternsDir (each file to a temporary name,
  /// then renamed); nothing without a patternsDir.
  Expected<void> savePatterns();
  Expected<void> loadPatternMeta();
  /// Returns the graph, opening it on first use; fails while PostgreSQL is unreachable.
  Expected<PostgresGraph*> graph();

  DatabaseSettings settings_;
  std::vector<Backend> backends_;
  ClickHouseStore* clickhouse_ = nullptr;          // inside one of backends_, when configured
  GuardedEventStore* clickhouseGuard_ = nullptr;   // that backend
  GuardedEventStore* postgresGuard_ = nullptr;     // the PostgreSQL backend, when configured
  std::unique_ptr<SharedState> sharedState_;
  std::atomic<bool> running_{false};
  std::unique_ptr<HnswPatternIndex> patterns_;
  mutable std::mutex patternsMutex_;
  std::map<std::uint32_t, TenantPatterns> patternMeta_;
  std::mutex patternsSaveMutex_;                     // one save at a time
  std::atomic<std::size_t> patternsUnsaved_{0};      // added since the last save
  std::string patternsSaveError_;                    // the last save's failure; under patternsMutex_
  std::thread prober_;
  std::mutex proberMutex_;
  std::condition_variable proberWake_;
  bool proberStopping_ = false;
  mutable std::mutex probesMutex_;
  mutable std::map<std::string, std::pair<std::chrono::steady_clock::time_point, nlohmann::json>> probes_;
  std::mutex graphMutex_;
  std::unique_ptr<PostgresGraph> graph_;
  std::mutex instrumentsMutex_;
};

/// Opens each configured backend, which applies its pending migrations (each in a transaction),
/// and returns the schema versions: `aitrading db migrate`.
Expected<std::vector<std::pair<std::string, MigrationState>>> migrateAll(const DatabaseSettings& settings);

}  // namespace ait::store
