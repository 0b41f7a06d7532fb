#include "ait/store/event_store.h"

#include <fmt/format.h>

#include "ait/store/errors.h"

namespace ait::store {

namespace {

std::string_view whatOf(ReadKind kind) {
  switch (kind) {
    case ReadKind::Orders: return "orders";
    case ReadKind::Fills: return "fills";
    case ReadKind::Ticks: return "ticks";
    case ReadKind::Positions: return "positions";
    case ReadKind::Decisions: return "decisions";
    case ReadKind::Models: return "the model registry";
    case ReadKind::AccountStates: return "account states";
    case ReadKind::AccountFills: return "fills";
    case ReadKind::Instruments: return "instruments";
  }
  return "this data";
}

}  // namespace

Unexpected EventStore::unsupported(std::string_view what) const {
  return fail(errors::kUnsupported, fmt::format("the {} backend does not keep {}", backend(), what));
}

Expected<nlohmann::json> EventStore::read(const ReadRequest& request) { return unsupported(whatOf(request.kind)); }

Expected<nlohmann::json> EventStore::dispatch(const ReadRequest& r) {
  switch (r.kind) {
    case ReadKind::Orders: return orders(r.tenant, r.limit);
    case ReadKind::Fills: return fills(r.tenant, r.limit);
    case ReadKind::Ticks: return ticks(r.tenant, r.name, r.fromNs, r.toNs, r.limit);
    case ReadKind::Positions: return positions(r.tenant, r.name, r.openOnly, r.limit);
    case ReadKind::Decisions: return decisions(r.tenant, r.name, r.limit);
    case ReadKind::Models: return models(r.tenant, r.limit);
    case ReadKind::AccountStates: return accountStates(r.tenant, r.name, r.limit);
    case ReadKind::AccountFills: return accountFills(r.tenant, r.name, r.limit);
    case ReadKind::Instruments: return instruments(r.limit);
  }
  return read(r);
}

Expected<nlohmann::json> EventStore::orders(model::TenantId tenant, std::size_t limit) {
  return read({.kind = ReadKind::Orders, .tenant = tenant, .limit = limit});
}

Expected<nlohmann::json> EventStore::fills(model::TenantId tenant, std::size_t limit) {
  return read({.kind = ReadKind::Fills, .tenant = tenant, .limit = limit});
}

Expected<nlohmann::json> EventStore::ticks(model::TenantId tenant, std::string_view symbol, std::int64_t fromNs,
                                           std::int64_t toNs, std::size_t limit) {
  return read({.kind = ReadKind::Ticks, .tenant = tenant, .name = symbol, .fromNs = fromNs, .toNs = toNs,
               .limit = limit});
}

Expected<nlohmann::json> EventStore::positions(model::TenantId tenant, std::string_view account, bool openOnly,
                                               std::size_t limit) {
  return read({.kind = ReadKind::Positions, .tenant = tenant, .name = account, .openOnly = openOnly, .limit = limit});
}

Expected<nlohmann::json> EventStore::decisions(model::TenantId tenant, std::string_view symbol, std::size_t limit) {
  return read({.kind = ReadKind::Decisions, .tenant = tenant, .name = symbol, .limit = limit});
}

Expected<nlohmann::json> EventStore::models(model::TenantId tenant, std::size_t limit) {
  return read({.kind = ReadKind::Models, .tenant = tenant, .limit = limit});
}

Expected<nlohmann::json> EventStore::accountStates(model::TenantId tenant, std::string_view account,
                                                   std::size_t limit) {
  return read({.kind = ReadKind::AccountStates, .tenant = tenant, .name = account, .limit = limit});
}

Expected<nlohmann::json> EventStore::accountFills(model::TenantId tenant, std::string_view account,
                                                  std::size_t limit) {
  return read({.kind = ReadKind::AccountFills, .tenant = tenant, .name = account, .limit = limit});
}

Expected<nlohmann::json> EventStore::instruments(std::size_t limit) {
  return read({.kind = ReadKind::Instruments, .limit = limit});
}

Expected<void> EventStore::putInstruments(std::span<const InstrumentRecord>) { return unsupported("instruments"); }

}  // namespace ait::store
