#pragma once
// The trading-engine service (port 8007): the TradingEngine on the simulated venue, driven on the
// runtime's engine thread. Market data and order commands arrive as bus events; REST calls travel
// as bus requests, so every state change happens on the engine thread in order. A new order, a
// cancel or a change is answered only once the events it produced are durable in the journal. On
// its first start the service rebuilds its state by replaying the trading journal.
//
// REST (all JSON; the tenant is the verified caller's, see ait/http/caller.h; a tenant_id in the
// body is ignored):
//   POST   /api/v1/orders              submit (submit_order fields); 201 new, 200 repeated id,
//                                      422 denied (reason_code), 400 malformed
//   GET    /api/v1/orders[?open=true]  list          GET /api/v1/orders/{id}    one order
//   DELETE /api/v1/orders/{id}         cancel        PATCH /api/v1/orders/{id}  modify
//   GET    /api/v1/positions           open positions with unrealized PnL
//   GET    /api/v1/account             balances, equity, margin
//   GET    /api/v1/risk                trading state, limits and decisions by reason
//   POST   /api/v1/risk/halt           {"state": "halted" | "reducing_only"}; POST /api/v1/risk/resume
//   GET    /api/v1/strategies          the tenant's live strategies (ait/trading/strategy_runner.h)
//   POST   /api/v1/strategies/{id}/start, /api/v1/strategies/{id}/stop   (journalled; 404 unknown)
//
// Market data is tenant-correct: the accounts of each tenant trade in their own engine (a lane:
// engine, simulated venue and quotes), which sees only the ticks and bars visible to that tenant
// (ait/data/visibility.h), so one tenant's private feed never moves another tenant's fills or
// marks. Lane 0 holds the system tenant's accounts and answers tenants without an account.
//
// The MT5 venue: the lanes of the tenants in TradingSettings::mt5Tenants send their orders to the
// tenant's own MT5 terminal (ait/venue/mt5_venue.h) instead of the simulated venue. The terminal's
// order events reach the engine thread as bus requests (BusTerminalReports, never journalled:
// the engine journals its own version of each), and after every restart and every (re)connect
// the terminal's positions and orders lists are reconciled with (docs/trading.md#mt5-venue).

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "ait/engine/runtime.h"
#include "ait/http/router.h"
#include "ait/hub/service.h"
#include "ait/trading/engine.h"
#include "ait/trading/strategy_runner.h"
#include "ait/venue/mt5_bridge.h"
#include "ait/venue/sim_venue.h"

namespace ait::trading {

struct AccountSpec {
  model::TenantId tenant;
  model::AccountId id;
  model::Currency currency;
  portfolio::PositionMode mode = portfolio::PositionMode::Netting;
  model::Money balance;
};

struct TradingSettings {
  std::vector<portfolio::TradableInstrument> instruments;
  std::vector<AccountSpec> accounts;
  risk::RiskLimits limits;
  EngineConfig engine;
  venue::SimVenueConfig sim;
  /// How long a REST call waits for the engine and then for durability before answering 503.
  std::chrono::milliseconds ackTimeout{5000};
  /// Journalled events between two engine snapshots; 0: none (a restart replays everything).
  std::uint32_t snapshotEvery = 0;
  /// Live strategies; none by default.
  std::vector<LiveStrategyConfig> strategies;
  /// Tenants whose orders go to their own MT5 terminal (needs the bridge); the others trade on
  /// the simulated venue.
  std::vector<model::TenantId> mt5Tenants;
};

/// Hands the terminal's reports (from divertOrderEvents) to the trading service's engine thread
/// as bus requests marked journalled, so that the journal never holds them. Any thread but the
/// engine's; create before the bus starts.
class BusTerminalReports final : public venue::TerminalReports {
 public:
  explicit BusTerminalReports(engine::EventBus& bus) : bus_(bus) {}
  Expected<void> report(const model::Event& event) override;
  Expected<void> listEnd(model::TenantId tenant, std::string_view what, std::size_t entries,
                         std::size_t published) override;

 private:
  engine::EventBus& bus_;
};

/// What the engine thread answers a REST call with.
struct EngineReply {
  int status = 200;
  std::string body;           // JSON
  std::uint64_t sequence = 0;  // last trading-journal sequence the call produced; 0: none
  const ErrorCode* problem = nullptr;  // set: answered as problem+json with body's "error"
};

class TradingService final : public hub::Service, private EventRecorder, private EngineDirectory {
 public:
  /// Builds the engine, subscribes its handlers on the runtime's bus and adds the REST routes;
  /// call while wiring, before the runtime starts.
  /// `bridge` carries the orders of settings.mt5Tenants; required when there are any.
  static Expected<std::unique_ptr<TradingService>> create(engine::Runtime& runtime,
                                                          http::Router& router,
                                                          TradingSettings settings,
                                                          mt5::Mt5Bridge* bridge = nullptr);
  ~TradingService() override;

  std::string_view name() const noexcept override { return "trading-engine"; }
  /// First start: replays the trading journal into the engine (before the engine thread runs).
  Expected<void> start() override;
  void stop() noexcept override;
  hub::Health health() const override;

  /// Hands new risk limits to the engine thread, which applies them before its next event; any
  /// thread (config reload).
  void reloadLimits(const risk::RiskLimits& limits);

  /// Events replayed at the first start (after the snapshot, when one was loaded).
  std::uint64_t replayed() const noexcept { return replayed_; }
  /// The last trading-journal sequence the state at the first start covers (snapshot + tail).
  std::uint64_t replayedThrough() const noexcept { return replayedThrough_; }
  /// The sequence of the snapshot the first start loaded; 0: none.
  std::uint64_t snapshotLoaded() const noexcept { return snapshotLoaded_; }
  /// Snapshots written so far.
  std::uint64_t snapshotsSaved() const noexcept { return snapshotsSaved_.load(); }
  /// Read-only access for tests that run before the runtime starts or after it stopped: the
  /// engine of the first configured account's tenant.
  const TradingEngine& engine() const noexcept { return *laneOf(firstTenant_).engine; }
  /// The engine that trades the tenant's accounts (lane 0's for a tenant without one).
  const TradingEngine& engine(model::TenantId tenant) const noexcept { return *laneOf(tenant).engine; }
  const StrategyRunner& strategies() const noexcept { return *runner_; }

 private:
  /// One tenant's engine, venue and quotes.
  struct Lane {
    model::TenantId tenant;
    portfolio::Catalog catalog;
    std::unique_ptr<TradingEngine> engine;
    std::unique_ptr<venue::Venue> venue;  // simulated, or the tenant's MT5 terminal
    venue::Mt5Venue* mt5 = nullptr;       // set: venue is the MT5 one
  };

  TradingService(engine::Runtime& runtime, TradingSettings settings);
  bool record(model::Event& event) noexcept override;
  TradingEngine* engineFor(model::TenantId tenant) noexcept override { return laneOf(tenant).engine.get(); }
  /// (Re)builds one lane per tenant with accounts, plus lane 0, with the configured accounts.
  Expected<void> buildLanes();
  Lane& laneOf(model::TenantId tenant) noexcept;
  const Lane& laneOf(model::TenantId tenant) const noexcept;
  /// The snapshot of every lane and of the strategies, as one blob.
  std::vector<std::byte> snapshotAll() const;
  /// Loads snapshotAll(); on an error every lane and strategy is as configured again.
  Expected<void> restoreAll(std::span<const std::byte> bytes);
  Expected<void> subscribe();
  void addRoutes(http::Router& router);
  /// Runs on the engine thread before any handler: finishes a replay once the thread runs.
  void resumeIfNeeded() noexcept;
  EngineReply handleRequest(const model::Event& request);
  EngineReply query(model::TenantId tenant, std::string_view what, std::string_view arg);
  nlohmann::json renderStrategy(std::uint32_t index) const;
  nlohmann::json renderStrategies(model::TenantId tenant) const;
  /// Sends a request to the engine thread and waits for its durability.
  http::Response call(const model::Event& request);
  /// Engine thread, after each event: notes the trading sequence the state covers and, every
  /// snapshotEvery events, hands a snapshot to the snapshot thread.
  void afterEvent(const model::Event& event) noexcept;
  /// Snapshot thread: waits until a handed snapshot's sequence is durable, then stores it.
  void saveSnapshots();
  Expected<void> replay();
  /// Hands the MT5 venues the deals of the newest journalled fills of their tenant, so that a
  /// report the terminal resends after the restart is not applied twice.
  Expected<void> rememberMt5Deals();
  /// Engine thread: an event of a tenant's MT5 terminal (an order event, a position of its list,
  /// or the end of a list), then a reconciliation once both lists are in.
  void onTerminal(const model::Event& event);
  void onTerminalListEnd(model::TenantId tenant, std::string_view detail);
  void reconcileWhenReady(Lane& lane);

  struct PendingSnapshot {
    std::uint64_t sequence = 0;
    std::vector<std::byte> bytes;
  };

  engine::Runtime& runtime_;
  TradingSettings settings_;
  std::unique_ptr<venue::BridgeCommands> mt5Commands_;  // set when some tenant trades on MT5
  std::vector<std::unique_ptr<Lane>> lanes_;  // [0]: tenant 0
  model::TenantId firstTenant_;
  std::unique_ptr<StrategyRunner> runner_;
  std::atomic<bool> running_{false};
  bool replayDone_ = false;
  bool resumed_ = false;
  std::uint64_t replayed_ = 0;
  std::uint64_t lastRecorded_ = 0;
  std::atomic<std::uint64_t> recordFailures_{0};
  std::uint64_t replayedThrough_ = 0;
  std::uint64_t snapshotLoaded_ = 0;
  std::uint64_t seenThrough_ = 0;       // highest trading sequence the engine has applied
  std::uint64_t sinceSnapshot_ = 0;     // events recorded since the last snapshot
  std::atomic<PendingSnapshot*> pendingSnapshot_{nullptr};
  std::atomic<std::uint64_t> snapshotsSaved_{0};
  std::atomic<bool> snapshotting_{false};
  std::thread snapshotter_;
  // Reloaded limits wait here; the engine thread checks the flag per event and takes the lock
  // only when a reload happened.
  std::mutex limitsMutex_;
  risk::RiskLimits pendingLimits_;
  std::atomic<bool> limitsPending_{false};
};

}  // namespace ait::trading
