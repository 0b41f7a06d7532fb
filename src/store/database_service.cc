#include "ait/store/database_service.h"

#include <fmt/format.h>

#include "ait/http/message.h"
#include "ait/store/errors.h"
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
  service->store_ = std::move(*sqlite);
  service->projector_ =
      std::make_unique<Projector>(*service->store_, std::move(sources), settings.projection);
  return service;
}

Expected<void> DatabaseService::start() {
  projector_->start();
  running_ = true;
  return {};
}

void DatabaseService::stop() noexcept {
  running_ = false;
  projector_->stop();
}

hub::Health DatabaseService::health() const {
  if (!running_) return {hub::HealthStatus::Down, "stopped", {}};
  const auto status = projector_->status();
  hub::Health health;
  hub::DependencyHealth backend{std::string(store_->backend()), hub::HealthStatus::Healthy, {}};
  if (!status.connected) {
    backend.status = hub::HealthStatus::Degraded;
    backend.reason = status.lastError;
    health.status = hub::HealthStatus::Degraded;
    health.reason = fmt::format("backend {} is unreachable; its projection waits", store_->backend());
  }
  health.dependencies.push_back(std::move(backend));
  return health;
}

nlohmann::json DatabaseService::describe() const {
  const auto status = projector_->status();
  nlohmann::json streams = nlohmann::json::array();
  for (const auto& s : status.streams) {
    streams.push_back({{"stream", s.stream}, {"checkpoint", s.checkpoint}, {"head", s.head}, {"lag", s.lag()}});
  }
  nlohmann::json out{{"type", store_->backend()},
                     {"connected", status.connected},
                     {"failures", status.failures},
                     {"streams", streams}};
  if (!status.lastError.empty()) out["last_error"] = status.lastError;
  if (auto migrations = store_->migrations()) {
    out["schema_version"] = migrations->applied;
    out["schema_version_known"] = migrations->known;
  }
  const auto started = std::chrono::steady_clock::now();
  const bool answers = store_->ping().has_value();
  out["ping_ms"] = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  out["answers"] = answers;
  return out;
}

void DatabaseService::addRoutes(http::Router& router) {
  router.get("/api/v1/databases", [this](const http::Request&) {
    return http::Response::json(200, {{"databases", nlohmann::json::array({describe()})}});
  });
  router.get("/api/v1/databases/{type}/health", [this](const http::Request& request) {
    if (request.param("type") != store_->backend()) {
      return http::problem(404, kUnknownBackend,
                           fmt::format("no backend '{}' (configured: {})", request.param("type"),
                                       store_->backend()));
    }
    auto body = describe();
    return http::Response::json(body["connected"].get<bool>() && body["answers"].get<bool>() ? 200 : 503, body);
  });
}

Expected<std::vector<std::pair<std::string, MigrationState>>> migrateAll(const DatabaseSettings& settings) {
  auto sqlite = SqliteEventStore::open(settings.sqlitePath);
  if (!sqlite) return Unexpected(sqlite.error());
  auto state = (*sqlite)->migrations();
  if (!state) return Unexpected(state.error());
  return std::vector<std::pair<std::string, MigrationState>>{{"sqlite", *state}};
}

}  // namespace ait::store
