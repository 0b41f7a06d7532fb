#pragma once
// database-service (port 8006): projects the journal into the configured backends and reports
// their health. A backend that is down makes the service degraded, never down: trading goes on
// and the projection catches up from its checkpoint.
//
//   GET /api/v1/databases                 every backend: connected, lag per stream, migrations
//   GET /api/v1/databases/{type}/health   one backend (200 when connected, 503 when not)

#include <chrono>
#include <filesystem>
#include <memory>

#include "ait/http/router.h"
#include "ait/hub/service.h"
#include "ait/store/clickhouse_store.h"
#include "ait/store/event_store.h"
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
};

class DatabaseService final : public hub::Service {
 public:
  /// Opens the backends (running their migrations); the projection starts with start().
  static Expected<std::unique_ptr<DatabaseService>> open(const DatabaseSettings& settings,
                                                         std::vector<StreamSource> sources);

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
  };
  DatabaseService() = default;
  static nlohmann::json describe(const Backend& backend);
  nlohmann::json describeSharedState() const;

  std::vector<Backend> backends_;
  ClickHouseStore* clickhouse_ = nullptr;  // one of backends_, when configured
  std::unique_ptr<SharedState> sharedState_;
  std::atomic<bool> running_{false};
};

/// Opens each configured backend, which applies its pending migrations (each in a transaction),
/// and returns the schema versions: `aitrading db migrate`.
Expected<std::vector<std::pair<std::string, MigrationState>>> migrateAll(const DatabaseSettings& settings);

}  // namespace ait::store
