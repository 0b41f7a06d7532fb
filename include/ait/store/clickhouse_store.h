#pragma once
// ClickHouse as the time-series store, over its HTTP interface: ticks and bars projected from
// the journal's "md" stream in batches, read back by range and aggregated into OHLC bars.
//
// Debian ships ClickHouse 18.16: no DateTime64 (times are UInt64 nanoseconds), no transactions
// and no bound query parameters. So:
// - Tables are ReplacingMergeTree, partitioned by month of the event time and ordered by symbol
//   and time, with the journal sequence in the sorting key: a row written twice (a batch replayed
//   after its checkpoint insert failed) collapses to one, and every read uses FINAL so it is
//   exact before the merge happens.
// - After any failure (and at start-up, when the previous run may have died between a batch and
//   its checkpoint) the next batch first asks which of its sequences are already stored and
//   skips them, so a replay normally writes nothing twice at all.
// - Strings reach SQL only through clickhouse::quote (tested with hostile input); numbers are
//   formatted from integers; rows travel as TabSeparated data, never as SQL.
// Orders and fills stay in the relational store: this backend answers those reads with
// AIT-STORE-0005.

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "ait/model/ids.h"
#include "ait/store/event_store.h"
#include "ait/store/pool.h"

namespace ait::store {

namespace clickhouse {
class Connection;
}

struct ClickHouseSettings {
  /// "http://[user@]host[:port][/database]"; the password comes from `password` (set from the
  /// AIT_CLICKHOUSE_PASSWORD environment variable by the wiring), or the URL.
  std::string url;
  std::string password;
  PoolSettings pool{};
  std::chrono::milliseconds requestTimeout{5000};
};

/// One OHLC bar computed from stored ticks (the last price, or the mid when a tick has none).
struct OhlcQuery {
  model::TenantId tenant;
  std::string symbol;
  std::int64_t fromNs = 0;
  std::int64_t toNs = 0;
  std::int64_t intervalNs = 60'000'000'000;
  std::size_t limit = 10'000;
};

class ClickHouseStore final : public EventStore {
 public:
  /// Connects, creates the tables (idempotent) and records the schema version.
  static Expected<std::unique_ptr<ClickHouseStore>> open(const ClickHouseSettings& settings);
  /// Checks the settings and returns a store that connects (and migrates) on first use, so a
  /// server down at start-up only delays the projection.
  static Expected<std::unique_ptr<ClickHouseStore>> lazy(const ClickHouseSettings& settings);
  ~ClickHouseStore() override;

  std::string_view backend() const noexcept override { return "clickhouse"; }
  Expected<MigrationState> migrations() override;
  Expected<std::uint64_t> checkpoint(std::string_view stream) override;
  /// Writes the ticks and bars among events (others only move the checkpoint).
  Expected<void> apply(std::string_view stream, std::span<const model::Event> events) override;
  Expected<void> ping() override;
  std::optional<PoolStats> poolStats() const override { return pool_->stats(); }
  Expected<nlohmann::json> orders(model::TenantId tenant, std::size_t limit) override;
  Expected<nlohmann::json> fills(model::TenantId tenant, std::size_t limit) override;
  Expected<nlohmann::json> ticks(model::TenantId tenant, std::string_view symbol, std::int64_t fromNs,
                                 std::int64_t toNs, std::size_t limit) override;

  /// Stored bars of one timeframe whose start is in [fromNs, toNs), latest revision, oldest first.
  Expected<nlohmann::json> bars(model::TenantId tenant, std::string_view symbol, std::uint32_t timeframeSeconds,
                                std::int64_t fromNs, std::int64_t toNs, std::size_t limit);
  /// Ticks aggregated into bars of intervalNs by the server, oldest first.
  Expected<nlohmann::json> ohlc(const OhlcQuery& query);
  /// Runs a statement and returns the raw TabSeparated answer (tests, bench, operators).
  Expected<std::string> query(std::string_view statement, std::string_view data = {});

  Pool<clickhouse::Connection>& pool() noexcept { return *pool_; }

 private:
  explicit ClickHouseStore(std::unique_ptr<Pool<clickhouse::Connection>> pool);
  Expected<void> ready();
  Expected<void> migrate();
  Expected<void> write(std::span<const model::Event> events);

  std::unique_ptr<Pool<clickhouse::Connection>> pool_;
  std::atomic<bool> migrated_{false};
  // True until a batch went through cleanly: the next batch skips sequences already stored.
  std::atomic<bool> uncertain_{true};
};

}  // namespace ait::store
