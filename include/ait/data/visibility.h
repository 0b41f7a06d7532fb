#pragma once
// Who may see which market data. Every feed belongs to one tenant: a private feed (a tenant's
// MetaTrader 5 terminal, a file it replays) is seen by that tenant only; tenant 0 is the public
// tenant, and its feeds (the synthetic market, a shared replay) are seen by everyone. This is the
// one rule the query API, the index and any subscriber apply.

#include "ait/model/events.h"
#include "ait/model/ids.h"

namespace ait::data {

/// The owner of public feeds: every tenant sees them.
inline constexpr model::TenantId kPublicTenant{0};

/// True when a viewer may see data owned by `owner`: its own, or public. A viewer of tenant 0
/// (nobody in particular) sees public data only.
constexpr bool visibleTo(model::TenantId viewer, model::TenantId owner) noexcept {
  return owner == kPublicTenant || owner == viewer;
}
inline bool visibleTo(model::TenantId viewer, const model::Tick& tick) noexcept {
  return visibleTo(viewer, tick.header.tenant);
}
inline bool visibleTo(model::TenantId viewer, const model::Bar& bar) noexcept {
  return visibleTo(viewer, bar.header.tenant);
}
inline bool visibleTo(model::TenantId viewer, const model::Event& event) noexcept {
  return visibleTo(viewer, model::tenantOf(event));
}

}  // namespace ait::data
