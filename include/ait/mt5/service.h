#pragma once
// The MetaTrader 5 bridges as a part of the data-bridge service: owns the bus feeds and both
// protocol servers, so the hub's start, stop and health cover them (wiring attaches it to the
// data::DataBridge of the same port).

#include <functional>
#include <memory>
#include <vector>

#include "ait/data/instruments.h"
#include "ait/data/normaliser.h"
#include "ait/engine/runtime.h"
#include "ait/hub/service.h"
#include "ait/mt5/bridge.h"
#include "ait/mt5/bus_feed.h"

namespace ait::mt5 {

/// Wraps the feeds the bridges hand their events to (the MT5 venue diverts its tenants' order
/// events to the trading engine); empty: the bus feeds as they are.
using FeedWrapper = std::function<FeedFactory(FeedFactory)>;

class Mt5Service final : public hub::Service {
 public:
  /// Creates the feeds' bus producer: call while wiring, before the bus starts.
  Mt5Service(const Mt5Config& config, engine::EventBus& bus,
             std::vector<data::InstrumentSpec> instruments, data::NormaliserConfig validation,
             Clock& clock, const FeedWrapper& wrap = {});
  ~Mt5Service() override;

  std::string_view name() const noexcept override { return "mt5"; }
  /// Starts the native TCP server (when enabled); fails when its port is taken.
  Expected<void> start() override { return bridge_.start(); }
  /// Closes every connection; idempotent.
  void stop() noexcept override { bridge_.stop(); }
  hub::Health health() const override { return bridge_.health(); }

  /// Commands to terminals, and the WebSocket routes to add while wiring.
  Mt5Bridge& bridge() noexcept { return bridge_; }

 private:
  BusFeeds feeds_;
  Mt5Bridge bridge_;
};

}  // namespace ait::mt5
