#pragma once
// PostgreSQL as a projection target, through libpq: a bounded connection pool (validated on
// acquire, reconnected when broken), parameters always bound with PQexecParams, versioned
// migrations in a transaction, and the same idempotent rows as the SQLite store.

#include <chrono>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "ait/metrics/metrics.h"
#include "ait/store/event_store.h"

struct pg_conn;

namespace ait::store {

struct PostgresSettings {
  std::string conninfo;  // libpq connection string: "host=... port=... user=... dbname=..."
  std::size_t minConnections = 1;
  std::size_t maxConnections = 4;
  std::chrono::milliseconds acquireTimeout{2000};
  std::chrono::seconds connectTimeout{3};
};

/// A pool of libpq connections. acquire() hands out an idle connection (checking it is still
/// good), opens a new one below the maximum, or waits up to the acquire timeout.
class PostgresPool {
 public:
  explicit PostgresPool(PostgresSettings settings);
  ~PostgresPool();

  class Lease {
   public:
    Lease(PostgresPool* pool, pg_conn* conn) : pool_(pool), conn_(conn) {}
    Lease(Lease&& other) noexcept : pool_(other.pool_), conn_(std::exchange(other.conn_, nullptr)) {}
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    pg_conn* get() const noexcept { return conn_; }
    /// Marks the connection broken: it is closed instead of returned.
    void discard() noexcept { broken_ = true; }

   private:
    PostgresPool* pool_;
    pg_conn* conn_;
    bool broken_ = false;
  };

  Expected<Lease> acquire();

  struct Stats {
    std::size_t idle = 0;
    std::size_t inUse = 0;
  };
  Stats stats() const;

 private:
  void release(pg_conn* conn, bool broken);
  Expected<pg_conn*> connect();

  PostgresSettings settings_;
  mutable std::mutex mutex_;
  std::condition_variable available_;
  std::vector<pg_conn*> idle_;
  std::size_t inUse_ = 0;
  metrics::Gauge& idleGauge_;
  metrics::Gauge& inUseGauge_;
  metrics::Counter& waits_;
  metrics::Counter& errors_;
  metrics::Histogram& waitTime_;
};

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
  Expected<nlohmann::json> orders(std::uint32_t tenant, std::size_t limit) override;
  Expected<nlohmann::json> fills(std::uint32_t tenant, std::size_t limit) override;
  Expected<nlohmann::json> ticks(std::uint32_t tenant, std::string_view symbol, std::int64_t fromNs,
                                 std::int64_t toNs, std::size_t limit) override;

  PostgresPool& pool() noexcept { return pool_; }

 private:
  explicit PostgresEventStore(const PostgresSettings& settings) : pool_(settings) {}
  Expected<void> migrate();
  Expected<void> ready();
  PostgresPool pool_;
  std::atomic<bool> migrated_{false};
};

}  // namespace ait::store
