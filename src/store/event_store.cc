#include "ait/store/event_store.h"

#include <fmt/format.h>

#include "ait/store/errors.h"

namespace ait::store {

Unexpected EventStore::unsupported(std::string_view what) const {
  return fail(errors::kUnsupported, fmt::format("the {} backend does not keep {}", backend(), what));
}

Expected<nlohmann::json> EventStore::positions(model::TenantId, std::string_view, bool, std::size_t) {
  return unsupported("positions");
}

Expected<nlohmann::json> EventStore::decisions(model::TenantId, std::string_view, std::size_t) {
  return unsupported("decisions");
}

Expected<nlohmann::json> EventStore::models(model::TenantId, std::size_t) { return unsupported("the model registry"); }

Expected<nlohmann::json> EventStore::accountStates(model::TenantId, std::string_view, std::size_t) {
  return unsupported("account states");
}

Expected<nlohmann::json> EventStore::accountFills(model::TenantId, std::string_view, std::size_t) {
  return unsupported("fills");
}

Expected<void> EventStore::putInstruments(std::span<const InstrumentRecord>) { return unsupported("instruments"); }

Expected<nlohmann::json> EventStore::instruments(std::size_t) { return unsupported("instruments"); }

}  // namespace ait::store
