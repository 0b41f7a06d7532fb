#pragma once
// PostgreSQL as a projection target, through libpq: a bounded connection pool (idle connections
// validated, broken ones replaced), parameters always bound with PQexecParams, versioned
// migrations in a transaction, and the same idempotent rows as the SQLite store.

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "ait/store/event_store.h"
#include "ait/store/pool.h"

namespace ait::store {

struct PostgresSettings {
  std::string conninfo;  // libpq connection string: "host=... port=... user=... dbname=..."
  PoolSettings pool{};
  std::chrono::seconds connectTimeout{3};
};

/// One libpq connection (closed when the pool drops it).
class PgConnection;
using PostgresPool = Pool<PgConnection>;

class PostgresEventStore final : public EventStore {
 public:
  /// Connects and applies pending migrations; fails naming the server's message.
  static Expected<std::unique_ptr<PostgresEventStore>> open(const PostgresSettings& settings);
  /// Returns a store that connects (and migrates) on first use, so a server that is down at
  /// start-up only delays the projection.
  static std::unique_ptr<PostgresEventStore> lazy(const PostgresSettings& settings);

  std::string_view backend() const noexcept override { return "postgresql"; }
  Expected<MigrationState> migrations() override;
  Expected<std::uint64_t> checkpoint(std::string_view stream) override;
  Expected<void> apply(std::string_view stream, std::span<const model::Event> events) override;
  Expected<void> ping() override;
  std::optional<PoolStats> poolStats() const override { return pool_.stats(); }
  /// The role (primary or standby) and replication lag: on a standby the age of the last
  /// replayed transaction, on a primary the worst replay_lag of pg_stat_replication ("none"
  /// without a standby).
  Expected<nlohmann::json> replication() override;
  Expected<void> putInstruments(std::span<const InstrumentRecord> instruments) override;
  /// Every read, by the statement the relational stores share.
  Expected<nlohmann::json> read(const ReadRequest& request) override;

  PostgresPool& pool() noexcept { return pool_; }

 private:
  explicit PostgresEventStore(const PostgresSettings& settings);
  Expected<void> migrate();
  Expected<void> ready();
  PostgresPool pool_;
  std::atomic<bool> migrated_{false};
};

}  // namespace ait::store
