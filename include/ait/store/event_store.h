#pragma once
// A database the journal is projected into (database-service). Each backend (SQLite embedded by
// default; PostgreSQL, ClickHouse) implements this interface and is chosen in config.
//
// apply() is idempotent: rows are keyed by journal sequence or natural ids, and the stream's
// checkpoint is written in the same transaction as the rows, so a batch replayed after a crash
// or an outage lands exactly once.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "ait/core/error.h"
#include "ait/model/events.h"
#include "ait/model/instrument.h"
#include "ait/store/pool.h"

namespace ait::store {

struct MigrationState {
  int applied = 0;  // highest version applied
  int known = 0;    // highest version this program has
};

/// One configured instrument as the relational stores keep it: shared reference data, no tenant.
struct InstrumentRecord {
  model::Instrument instrument;
  std::string session;  // when it trades ("24x7", "fx", windows and a zone); "" when not configured
};

/// The reads every service may ask of a store; ReadRequest names one with its filters.
enum class ReadKind { Orders, Fills, Ticks, Positions, Decisions, Models, AccountStates, AccountFills, Instruments };

struct ReadRequest {
  ReadKind kind = ReadKind::Orders;
  model::TenantId tenant{};
  std::string_view name{};  // the symbol (ticks, decisions) or account (positions, account reads); "" for any
  bool openOnly = false;  // positions
  std::int64_t fromNs = 0;
  std::int64_t toNs = 0;  // ticks: [fromNs, toNs)
  std::size_t limit = 0;
};

class EventStore {
 public:
  virtual ~EventStore() = default;

  /// "sqlite", "postgresql", ...
  virtual std::string_view backend() const noexcept = 0;
  virtual Expected<MigrationState> migrations() = 0;
  /// The last journal sequence of stream applied; 0 when none.
  virtual Expected<std::uint64_t> checkpoint(std::string_view stream) = 0;
  /// Writes events (each with header.sequence set, ascending) of stream and moves the checkpoint
  /// to the last one, atomically.
  virtual Expected<void> apply(std::string_view stream, std::span<const model::Event> events) = 0;
  /// A cheap round trip that proves the backend answers.
  virtual Expected<void> ping() = 0;
  /// The connection pool's state, for a server backend.
  virtual std::optional<PoolStats> poolStats() const { return std::nullopt; }
  /// The server's replication as JSON (role, standbys, lag); null when the backend has none to
  /// report.
  virtual Expected<nlohmann::json> replication() { return nlohmann::json(); }

  /// Reads for the other services, newest first, never across tenants. Each builds a ReadRequest
  /// and calls read(); a backend overrides read() (the relational stores, the guard), or single
  /// reads (ClickHouse), and what it overrides neither of answers kUnsupported.
  virtual Expected<nlohmann::json> orders(model::TenantId tenant, std::size_t limit);
  virtual Expected<nlohmann::json> fills(model::TenantId tenant, std::size_t limit);
  virtual Expected<nlohmann::json> ticks(model::TenantId tenant, std::string_view symbol, std::int64_t fromNs,
                                         std::int64_t toNs, std::size_t limit);

  // Reads of the relational stores (SQLite, PostgreSQL).
  /// Positions of the tenant (of account when not empty; open ones only when openOnly), latest
  /// change first.
  virtual Expected<nlohmann::json> positions(model::TenantId tenant, std::string_view account, bool openOnly,
                                             std::size_t limit);
  /// Ensemble decisions of the tenant (of symbol when not empty), newest first.
  virtual Expected<nlohmann::json> decisions(model::TenantId tenant, std::string_view symbol, std::size_t limit);
  /// The model registry: every model (by key) the tenant's decisions named, last used first.
  virtual Expected<nlohmann::json> models(model::TenantId tenant, std::size_t limit);
  /// Balance, equity and margin snapshots of the tenant's account, newest first.
  virtual Expected<nlohmann::json> accountStates(model::TenantId tenant, std::string_view account,
                                                 std::size_t limit);
  /// Fills of the tenant's account, newest first.
  virtual Expected<nlohmann::json> accountFills(model::TenantId tenant, std::string_view account,
                                                std::size_t limit);
  /// The stored instruments, by symbol and venue (every tenant reads the same).
  virtual Expected<nlohmann::json> instruments(std::size_t limit);
  /// Inserts the instruments, or replaces the stored reference data of each (keyed by symbol and
  /// venue), in one transaction; instruments no longer configured stay.
  virtual Expected<void> putInstruments(std::span<const InstrumentRecord> instruments);

  /// Runs one read; answers kUnsupported unless a backend overrides it.
  virtual Expected<nlohmann::json> read(const ReadRequest& request);
  /// Runs the read request names through the single read methods above (so a wrapper reaches
  /// whichever of them its inner store overrides).
  Expected<nlohmann::json> dispatch(const ReadRequest& request);

 protected:
  Unexpected unsupported(std::string_view what) const;
};

}  // namespace ait::store
