#include "ait/store/guarded_store.h"

#include <string>

namespace ait::store {

GuardedEventStore::GuardedEventStore(std::unique_ptr<EventStore> inner, const GuardSettings& settings,
                                     const Clock& clock)
    : inner_(std::move(inner)),
      breaker_(std::string(inner_->backend()), settings.breaker, clock),
      bulkhead_(std::string(inner_->backend()), settings.bulkhead, clock) {}

Expected<MigrationState> GuardedEventStore::migrations() {
  return guard([&] { return inner_->migrations(); });
}

Expected<std::uint64_t> GuardedEventStore::checkpoint(std::string_view stream) {
  return guard([&] { return inner_->checkpoint(stream); });
}

Expected<void> GuardedEventStore::apply(std::string_view stream, std::span<const model::Event> events) {
  return guard([&] { return inner_->apply(stream, events); });
}

Expected<void> GuardedEventStore::ping() {
  return guard([&] { return inner_->ping(); });
}

Expected<nlohmann::json> GuardedEventStore::replication() {
  return guard([&] { return inner_->replication(); });
}

Expected<nlohmann::json> GuardedEventStore::orders(model::TenantId tenant, std::size_t limit) {
  return guard([&] { return inner_->orders(tenant, limit); });
}

Expected<nlohmann::json> GuardedEventStore::fills(model::TenantId tenant, std::size_t limit) {
  return guard([&] { return inner_->fills(tenant, limit); });
}

Expected<nlohmann::json> GuardedEventStore::ticks(model::TenantId tenant, std::string_view symbol,
                                                  std::int64_t fromNs, std::int64_t toNs, std::size_t limit) {
  return guard([&] { return inner_->ticks(tenant, symbol, fromNs, toNs, limit); });
}

Expected<nlohmann::json> GuardedEventStore::positions(model::TenantId tenant, std::string_view account,
                                                      bool openOnly, std::size_t limit) {
  return guard([&] { return inner_->positions(tenant, account, openOnly, limit); });
}

Expected<nlohmann::json> GuardedEventStore::decisions(model::TenantId tenant, std::string_view symbol,
                                                      std::size_t limit) {
  return guard([&] { return inner_->decisions(tenant, symbol, limit); });
}

Expected<nlohmann::json> GuardedEventStore::models(model::TenantId tenant, std::size_t limit) {
  return guard([&] { return inner_->models(tenant, limit); });
}

Expected<nlohmann::json> GuardedEventStore::accountStates(model::TenantId tenant, std::string_view account,
                                                          std::size_t limit) {
  return guard([&] { return inner_->accountStates(tenant, account, limit); });
}

Expected<nlohmann::json> GuardedEventStore::accountFills(model::TenantId tenant, std::string_view account,
                                                         std::size_t limit) {
  return guard([&] { return inner_->accountFills(tenant, account, limit); });
}

Expected<void> GuardedEventStore::putInstruments(std::span<const InstrumentRecord> instruments) {
  return guard([&] { return inner_->putInstruments(instruments); });
}

Expected<nlohmann::json> GuardedEventStore::instruments(std::size_t limit) {
  return guard([&] { return inner_->instruments(limit); });
}

}  // namespace ait::store
