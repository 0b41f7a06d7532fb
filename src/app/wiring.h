#pragma once
// The one place that wires the platform together: which services exist, what each depends on,
// which port serves it, and how config settings reach each component.

#include <memory>
#include <string>
#include <vector>

#include "ait/config/config.h"
#include "ait/config/live_config.h"
#include "ait/core/error.h"
#include "ait/engine/runtime.h"
#include "ait/gateway/api.h"
#include "ait/gateway/auth_routes.h"
#include "ait/gateway/backend.h"
#include "ait/gateway/service_identity.h"
#include "ait/gateway/streams.h"
#include "ait/gateway/identity.h"
#include "ait/store/database_service.h"
#include "ait/http/server.h"
#include "ait/hub/hub.h"
#include "ait/log/log.h"
#include "ait/trading/service.h"
#include "ait/mt5/bridge.h"
#include "ait/mt5/service.h"

namespace ait::app {

/// A service of the platform: its stable name, the config that places it, and what it needs.
struct ServiceDescriptor {
  std::string name;
  const config::ServiceConfig* config;
  std::vector<std::string> dependsOn;
};

/// Returns the six services in a fixed order (by port), with their dependencies.
std::vector<ServiceDescriptor> platformServices(const config::Config& config);

log::LogSettings logSettings(const config::LogConfig& config);
hub::HubConfig hubConfig(const config::Config& config, const std::vector<std::string>& only);
http::HttpServerConfig httpConfig(const config::ServerConfig& config);
/// Returns the trading engine's instruments (data.instruments), account and limits, or the
/// first value that does not convert.
Expected<trading::TradingSettings> tradingSettings(const config::Config& config);
/// The bus, journal and (bus.kind = "nats") JetStream settings of the engine runtime.
engine::RuntimeSettings runtimeSettings(const config::Config& config);
/// The identity store and token keys of the api-gateway, from [auth].
gateway::IdentitySettings identitySettings(const config::Config& config);
gateway::RateLimitSettings rateLimitSettings(const config::RateLimitsConfig& config);
store::DatabaseSettings databaseSettings(const config::Config& config);

/// The [mt5] settings, with an empty native_host resolved to the data-bridge's bind host.
mt5::Mt5Config mt5Config(const config::Config& config);

/// The running platform: owns the engine runtime (bus + journal), the hub and the HTTP server
/// that serves every service port.
class Platform {
 public:
  /// Wires every service (or only those named in `only`) from the config. With `live` (which
  /// must outlive the platform), reloadable settings (risk and rate limits) follow reloads.
  static Expected<std::unique_ptr<Platform>> build(const config::Config& config,
                                                   const std::vector<std::string>& only,
                                                   config::LiveConfig* live = nullptr);
  ~Platform();

  /// Starts the services in dependency order (they subscribe to the bus as they are built),
  /// then the engine thread, then opens their ports.
  Expected<void> start();
  /// Stops accepting, drains in-flight requests until the deadline, stops the services in
  /// reverse dependency order, drains the engine and closes the journal, then the HTTP server.
  void stop(std::chrono::steady_clock::time_point deadline);

  hub::Hub& hub() noexcept { return *hub_; }
  engine::Runtime& runtime() noexcept { return *runtime_; }
  http::HttpServer& server() noexcept { return *server_; }
  /// The data-bridge's MetaTrader 5 bridges (commands to terminals go through it), or nullptr
  /// when the data-bridge does not run in this process.
  mt5::Mt5Bridge* mt5() noexcept { return mt5_; }

 private:
  Platform() = default;
  std::unique_ptr<engine::Runtime> runtime_;  // outlives the services, which hold references
  config::LiveConfig* live_ = nullptr;
  std::vector<config::LiveConfig::SubscriptionId> subscriptions_;
  std::unique_ptr<gateway::Identity> identity_;  // api-gateway only
  std::unique_ptr<gateway::Gatekeeper> gate_;    // api-gateway only
  std::unique_ptr<gateway::ServiceIdentity> serviceIdentity_;  // signs and verifies svc tokens
  std::vector<std::unique_ptr<gateway::Backend>> backends_;   // api-gateway only
  std::unique_ptr<gateway::StreamHub> streams_;                // api-gateway only
  std::unique_ptr<gateway::ApiContext> api_;                   // api-gateway only
  std::unique_ptr<hub::Hub> hub_;
  std::unique_ptr<http::HttpServer> server_;
  mt5::Mt5Bridge* mt5_ = nullptr;  // run by the data-bridge service (owned by the hub)
  std::vector<std::string> only_;
};

}  // namespace ait::app
