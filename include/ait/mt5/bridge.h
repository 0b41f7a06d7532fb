#pragma once
// Both MT5 protocols behind one object: the data-bridge adds its WebSocket routes and runs its
// TCP server; the trading engine sends commands through it without knowing which protocol a
// tenant's terminal speaks (the native EA is preferred when both are connected).

#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string_view>

#include "ait/core/clock.h"
#include "ait/core/error.h"
#include "ait/http/router.h"
#include "ait/hub/service.h"
#include "ait/model/events.h"
#include "ait/mt5/compat.h"
#include "ait/mt5/config.h"
#include "ait/mt5/native.h"

namespace ait::mt5 {

/// What a command reached.
enum class Route : std::uint8_t { Native, Compat };

class Mt5Bridge {
 public:
  /// `nativeFeeds` and `compatFeeds` make each connection's Feed (BusFeeds in the platform).
  Mt5Bridge(const Mt5Config& config, FeedFactory nativeFeeds, FeedFactory compatFeeds, Clock& clock,
            metrics::Registry& registry = metrics::Registry::global());
  ~Mt5Bridge();

  /// Adds the compatibility WebSocket endpoints; call while wiring, before the server starts.
  void addRoutes(http::Router& router);
  /// Starts the native TCP server (when enabled); kListen when its port is taken.
  Expected<void> start();
  /// Closes every connection; idempotent.
  void stop() noexcept;
  /// Down when the native server should run and does not.
  hub::Health health() const;

  // Commands. Thread-safe and non-blocking (they queue the message for the connection's I/O
  // thread). Each returns where it went, or kNotConnected when the tenant has no terminal
  // connected that can take it.

  /// A new order: native "order" (the client order id goes in the order comment), or the
  /// compatibility "trading_signal" (market orders only).
  Expected<Route> submit(const model::SubmitOrder& order);
  /// Cancels a pending order: native "cancel"; the compatibility protocol has none.
  Expected<Route> cancel(const model::CancelOrder& cancel);
  /// Changes a working order or a position's stops: native "modify" or "modify_order".
  Expected<Route> modify(const model::ModifyOrder& modify);
  /// Closes a position by ticket: native "close" or "close_position".
  Expected<Route> closePosition(model::TenantId tenant, std::string_view ticket);
  /// Stops the terminal's trading: native "stop" or "emergency_stop".
  Expected<Route> emergencyStop(model::TenantId tenant, std::string_view reason);
  /// Hands settings to the client: native "config" or "config_update".
  Expected<Route> configUpdate(model::TenantId tenant, const nlohmann::json& settings);
  /// Asks for a snapshot ("account", "positions", "orders", ...): native "get" or "get_data".
  Expected<Route> requestData(model::TenantId tenant, std::string_view what);

  CompatServer& compat() noexcept { return compat_; }
  NativeServer& native() noexcept { return native_; }

 private:
  Expected<Route> route(model::TenantId tenant, std::string_view nativeType,
                        const nlohmann::json& nativeFields, std::string_view compatType,
                        const nlohmann::json& compatData);

  Mt5Config config_;
  CompatServer compat_;
  NativeServer native_;
  bool running_ = false;
};

}  // namespace ait::mt5
