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
  Expected<nlohmann::json> orders(model::TenantId tenant, std::size_t limit) override;
  Expected<nlohmann::json> fills(model::TenantId tenant, std::size_t limit) override;
  Expected<nlohmann::json> ticks(model::TenantId tenant, std::string_view symbol, std::int64_t fromNs,
                                 std::int64_t toNs, std::size_t limit) override;
  Expected<nlohmann::json> positions(model::TenantId tenant, std::string_view account, bool openOnly,
                                     std::size_t limit) override;
  Expected<nlohmann::json> decisions(model::TenantId tenant, std::string_view symbol, std::size_t limit) override;
  Expected<nlohmann::json> models(model::TenantId tenant, std::size_t limit) override;
  Expected<nlohmann::json> accountStates(model::TenantId tenant, std::string_view account,
                                         std::size_t limit) override;
  Expected<nlohmann::json> accountFills(model::TenantId tenant, std::string_view account,
                                        std::size_t limit) override;
  Expected<void> putInstruments(std::span<const InstrumentRecord> instruments) override;
  Expected<nlohmann::json> instruments(std::size_t limit) override;

 private:
  explicit SqliteEventStore(std::unique_ptr<sqlite::Connection> db) : db_(std::move(db)) {}
  Expected<void> applyOne(const model::Event& event, std::string_view stream);
  std::mutex mutex_;
  std::unique_ptr<sqlite::Connection> db_;
};

}  // namespace ait::store
