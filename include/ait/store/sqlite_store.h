#pragma once
// The embedded projection target: one SQLite file in WAL mode.

#include <filesystem>
#include <memory>
#include <mutex>

#include "ait/sqlite/sqlite.h"
#include "ait/store/event_store.h"

namespace ait::store {

class SqliteEventStore final : public EventStore {
 public:
  static Expected<std::unique_ptr<SqliteEventStore>> open(const std::filesystem::path& path);

  std::string_view backend() const noexcept override { return "sqlite"; }
  Expected<MigrationState> migrations() override;
  Expected<std::uint64_t> checkpoint(std::string_view stream) override;
  Expected<void> apply(std::string_view stream, std::span<const model::Event> events) override;
  Expected<void> ping() override;
  Expected<void> putInstruments(std::span<const InstrumentRecord> instruments) override;
  /// Every read, by the statement the relational stores share.
  Expected<nlohmann::json> read(const ReadRequest& request) override;

 private:
  explicit SqliteEventStore(std::unique_ptr<sqlite::Connection> db) : db_(std::move(db)) {}
  Expected<void> applyOne(const model::Event& event, std::string_view stream);
  std::mutex mutex_;
  std::unique_ptr<sqlite::Connection> db_;
};

}  // namespace ait::store
