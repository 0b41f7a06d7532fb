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
#include "ait/store/event_store.h"
#include "ait/store/projector.h"

namespace ait::store {

struct DatabaseSettings {
  std::filesystem::path sqlitePath = "var/db/platform.db";
  std::string postgresUrl;  // empty: no PostgreSQL backend
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
  /// The backend reads go to: the first configured (SQLite).
  EventStore& store() noexcept { return *backends_.front().store; }

 private:
  struct Backend {
    std::unique_ptr<EventStore> store;
    std::unique_ptr<Projector> projector;
  };
  DatabaseService() = default;
  static nlohmann::json describe(const Backend& backend);

  std::vector<Backend> backends_;
  std::atomic<bool> running_{false};
};

/// Opens each configured backend, which applies its pending migrations (each in a transaction),
/// and returns the schema versions: `aitrading db migrate`.
Expected<std::vector<std::pair<std::string, MigrationState>>> migrateAll(const DatabaseSettings& settings);

}  // namespace ait::store
