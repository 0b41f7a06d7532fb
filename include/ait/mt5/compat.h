#pragma once
// The compatibility protocol: the existing Python MT5 bridge client speaks WebSocket JSON to
// ws://HOST:8001/api/v1/ws (or /api/v1/ws/mt5). Every frame is {"type", "data", "timestamp"};
// each accepted message is answered "<type>_processed" (connection_established and
// heartbeat_response for those two), a bad one "error", and the connection stays open.

#include <cstdint>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "ait/core/clock.h"
#include "ait/core/error.h"
#include "ait/http/router.h"
#include "ait/mt5/config.h"
#include "ait/mt5/feed.h"
#include "ait/mt5/stats.h"
#include "ait/mt5/zone.h"

namespace ait::mt5 {

/// One compatibility connection without its socket: handle() takes a text frame and returns the
/// replies, so that tests and benchmarks drive it directly.
class CompatConnection {
 public:
  CompatConnection(model::TenantId tenant, ClientZone zone, std::unique_ptr<Feed> feed,
                   Clock& clock, ProtocolStats& stats, std::uint32_t maxConsecutiveErrors);
  ~CompatConnection();
  CompatConnection(const CompatConnection&) = delete;
  CompatConnection& operator=(const CompatConnection&) = delete;

  /// Handles one frame and appends what to answer to `replies`. Returns false when the
  /// connection must be closed: maxConsecutiveErrors bad frames in a row (a flood).
  bool handle(std::string_view frame, std::vector<std::string>& replies);
  /// Hands the clock to the connection's feed (held quotes, quiet symbols) while no frame comes.
  void onTimer(TimestampNs now);

  model::TenantId tenant() const noexcept { return tenant_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  model::TenantId tenant_;
};

/// Builds the JSON text of a server message {"type", "data", "timestamp"}.
std::string compatMessage(std::string_view type, const nlohmann::json& data, TimestampNs now);

/// The WebSocket endpoints and the registry of connected compatibility clients.
class CompatServer {
 public:
  CompatServer(const Mt5Config& config, FeedFactory feeds, Clock& clock,
               metrics::Registry& registry);
  ~CompatServer();
  CompatServer(const CompatServer&) = delete;
  CompatServer& operator=(const CompatServer&) = delete;

  /// Adds /api/v1/ws and /api/v1/ws/mt5. A client names its tenant by a token (query
  /// ?token=, Authorization: Bearer, or X-API-Key); without one it gets compat_default_tenant,
  /// or 401 when that is 0.
  void addRoutes(http::Router& router);

  /// Sends {"type": type, "data": data} to every connected client of the tenant (thread-safe,
  /// never blocks); returns how many got it, or kNotConnected when none is connected.
  Expected<std::size_t> send(model::TenantId tenant, std::string_view type,
                             const nlohmann::json& data);
  /// Returns how many clients of the tenant are connected.
  std::size_t clients(model::TenantId tenant) const;
  /// Closes every connection (service stop).
  void closeAll();
  ProtocolStats& stats() noexcept;

 private:
  // Sessions keep the state alive: a client may still be closing when the server is destroyed.
  struct State;
  class Session;
  http::WebSocketAccept accept(const http::Request& request);
  void runTimer();
  std::shared_ptr<State> state_;
  std::thread timer_;  // ticks every session's feed; stopped in the destructor
};

}  // namespace ait::mt5
