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

Expected<void> GuardedEventStore::putInstruments(std::span<const InstrumentRecord> instruments) {
  return guard([&] { return inner_->putInstruments(instruments); });
}

Expected<nlohmann::json> GuardedEventStore::read(const ReadRequest& request) {
  return guard([&] { return inner_->dispatch(request); });
}

}  // namespace ait::store
