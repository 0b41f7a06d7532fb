#pragma once
// The MT5 venue's two ends in the platform: its commands go through the data bridge's Mt5Bridge
// (BridgeCommands), and the terminal's order events of the tenants it trades are diverted from
// the bus to the trading engine (divertOrderEvents), so that only the engine's own version of
// each order event is journalled and a restart never applies a fill twice.

#include <memory>
#include <vector>

#include "ait/mt5/bridge.h"
#include "ait/mt5/feed.h"
#include "ait/venue/mt5_venue.h"

namespace ait::venue {

/// Mt5Commands over the bridge: the native "order" message carries the exact MT5 fields
/// (docs/trading.md), the compatibility protocol a "trading_signal".
class BridgeCommands final : public Mt5Commands {
 public:
  explicit BridgeCommands(mt5::Mt5Bridge& bridge) : bridge_(bridge) {}

  Mt5Route route(model::TenantId tenant) const noexcept override;
  Expected<void> order(const Mt5Order& order) noexcept override;
  Expected<void> cancel(model::TenantId tenant, const model::ClientOrderId& id,
                        const model::VenueOrderId& ticket) noexcept override;
  Expected<void> change(const Mt5Change& change) noexcept override;
  Expected<void> requestData(model::TenantId tenant, std::string_view what) noexcept override;

 private:
  mt5::Mt5Bridge& bridge_;
};

/// Where the terminal's reports go instead of the bus. Called on the bridges' I/O threads.
class TerminalReports {
 public:
  /// An order event (or a copy of a position event) of the tenant's terminal; an error when it
  /// could not be queued (the bridge then has the terminal resend it).
  virtual Expected<void> report(const model::Event& event) = 0;
  /// The terminal's "positions" or "orders" list ended.
  virtual Expected<void> listEnd(model::TenantId tenant, std::string_view what, std::size_t entries,
                                 std::size_t published) = 0;
  virtual ~TerminalReports() = default;
};

/// Wraps a FeedFactory: the feeds of `tenants` hand order events to `reports` instead of the
/// inner feed, and position events to both; other tenants' feeds are the inner ones. The feeds
/// keep `reports` alive.
mt5::FeedFactory divertOrderEvents(mt5::FeedFactory inner, std::vector<model::TenantId> tenants,
                                   std::shared_ptr<TerminalReports> reports);

}  // namespace ait::venue
