#include "ait/store/database_service.h"

#include <fmt/format.h>

#include "ait/http/message.h"
#include "ait/store/errors.h"
#include "ait/store/postgres_store.h"
#include "ait/store/sqlite_store.h"

namespace ait::store {

namespace {
constexpr ErrorCode kUnknownBackend{"AIT-STORE-0003", Category::Validation, Severity::Low,
                                    "no such database backend is configured"};
}  // namespace

Expected<std::unique_ptr<DatabaseService>> DatabaseService::open(const DatabaseSettings& settings,
                                                                 std::vector<StreamSource> sources) {
  auto sqlite = SqliteEventStore::open(settings.sqlitePath);
  if (!sqlite) return Unexpected(sqlite.error());
  std::unique_ptr<DatabaseService> service(new DatabaseService());
  std::vector<std::unique_ptr<EventStore>> stores;
  stores.push_back(std::move(*sqlite));
  if (!settings.postgresUrl.empty()) {
    // Connected lazily: a server that is down at start-up degrades the service, nothing more.
    PostgresSettings postgres;
    postgres.conninfo = settings.postgresUrl;
    stores.push_back(PostgresEventStore::lazy(postgres));
  }
  for (auto& store : stores) {
    auto projector = std::make_unique<Projector>(*store, sources, settings.projection);
    service->backends_.push_back({std::move(store), std::move(projector)});
  }
  return service;
}

Expected<void> DatabaseService::start() {
  for (auto& backend : backends_) backend.projector->start();
  running_ = true;
  return {};
}

void DatabaseService::stop() noexcept {
  running_ = false;
  for (auto& backend : backends_) backend.projector->stop();
}

hub::Health DatabaseService::health() const {
  if (!running_) return {hub::HealthStatus::Down, "stopped", {}};
  hub::Health health;
  for (const auto& b : backends_) {
    const auto status = b.projector->status();
    hub::DependencyHealth backend{std::string(b.store->backend()), hub::HealthStatus::Healthy, {}};
    if (!status.connected) {
      backend.status = hub::HealthStatus::Degraded;
      backend.reason = status.lastError;
      health.status = hub::HealthStatus::Degraded;
      health.reason = fmt::format("backend {} is unreachable; its projection waits", b.store->backend());
    }
    health.dependencies.push_back(std::move(backend));
  }
  return health;
}

nlohmann::json DatabaseService::describe(const Backend& backend) {
  EventStore* store = backend.store.get();
  const auto status = backend.projector->status();
  nlohmann::json streams = nlohmann::json::array();
  for (const auto& s : status.streams) {
    streams.push_back({{"stream", s.stream}, {"checkpoint", s.checkpoint}, {"head", s.head}, {"lag", s.lag()}});
  }
  nlohmann::json out{{"type", store->backend()},
                     {"connected", status.connected},
                     {"failures", status.failures},
                     {"streams", streams}};
  if (!status.lastError.empty()) out["last_error"] = status.lastError;
  if (auto migrations = store->migrations()) {
    out["schema_version"] = migrations->applied;
    out["schema_version_known"] = migrations->known;
  }
  const auto started = std::chrono::steady_clock::now();
  const bool answers = store->ping().has_value();
  out["ping_ms"] = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  out["answers"] = answers;
  return out;
}

void DatabaseService::addRoutes(http::Router& router) {
  router.get("/api/v1/databases", [this](const http::Request&) {
    nlohmann::json all = nlohmann::json::array();
    for (const auto& backend : backends_) all.push_back(describe(backend));
    return http::Response::json(200, {{"databases", all}});
  });
  router.get("/api/v1/databases/{type}/health", [this](const http::Request& request) {
    std::string configured;
    for (const auto& backend : backends_) {
      if (request.param("type") == backend.store->backend()) {
        auto body = describe(backend);
        return http::Response::json(
            body["connected"].get<bool>() && body["answers"].get<bool>() ? 200 : 503, body);
      }
      configured += (configured.empty() ? "" : ", ") + std::string(backend.store->backend());
    }
    return http::problem(404, kUnknownBackend,
                         fmt::format("no backend '{}' (configured: {})", request.param("type"), configured));
  });
}

Expected<std::vector<std::pair<std::string, MigrationState>>> migrateAll(const DatabaseSettings& settings) {
  std::vector<std::pair<std::string, MigrationState>> states;
  auto sqlite = SqliteEventStore::open(settings.sqlitePath);
  if (!sqlite) return Unexpected(sqlite.error());
  auto state = (*sqlite)->migrations();
  if (!state) return Unexpected(state.error());
  states.emplace_back("sqlite", *state);
  if (!settings.postgresUrl.empty()) {
    PostgresSettings postgres;
    postgres.conninfo = settings.postgresUrl;
    auto pg = PostgresEventStore::open(postgres);
    if (!pg) return Unexpected(pg.error());
    auto pgState = (*pg)->migrations();
    if (!pgState) return Unexpected(pgState.error());
    states.emplace_back("postgresql", *pgState);
  }
  return states;
}

}  // namespace ait::store
