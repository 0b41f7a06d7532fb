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

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ait/engine/runtime.h"
#include "ait/http/router.h"
#include "ait/hub/service.h"
#include "ait/trading/engine.h"
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
};

/// What the engine thread answers a REST call with.
struct EngineReply {
  int status = 200;
  std::string body;           // JSON
  std::uint64_t sequence = 0;  // last trading-journal sequence the call produced; 0: none
};

class TradingService final : public hub::Service, private EventRecorder {
 public:
  /// Builds the engine, subscribes its handlers on the runtime's bus and adds the REST routes;
  /// call while wiring, before the runtime starts.
  static Expected<std::unique_ptr<TradingService>> create(engine::Runtime& runtime,
                                                          http::Router& router,
                                                          TradingSettings settings);
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
  /// Read-only access for tests that run before the runtime starts or after it stopped.
  const TradingEngine& engine() const noexcept { return *engine_; }

 private:
  TradingService(engine::Runtime& runtime, TradingSettings settings);
  bool record(model::Event& event) noexcept override;
  Expected<void> subscribe();
  void addRoutes(http::Router& router);
  /// Runs on the engine thread before any handler: finishes a replay once the thread runs.
  void resumeIfNeeded() noexcept;
  EngineReply handleRequest(const model::Event& request);
  EngineReply query(model::TenantId tenant, std::string_view what, std::string_view arg);
  /// Sends a request to the engine thread and waits for its durability.
  http::Response call(const model::Event& request);
  /// Engine thread, after each event: notes the trading sequence the state covers and, every
  /// snapshotEvery events, hands a snapshot to the snapshot thread.
  void afterEvent(const model::Event& event) noexcept;
  /// Snapshot thread: waits until a handed snapshot's sequence is durable, then stores it.
  void saveSnapshots();
  Expected<void> replay();

  struct PendingSnapshot {
    std::uint64_t sequence = 0;
    std::vector<std::byte> bytes;
  };

  engine::Runtime& runtime_;
  TradingSettings settings_;
  portfolio::Catalog catalog_;
  std::unique_ptr<TradingEngine> engine_;
  std::unique_ptr<venue::SimVenue> venue_;
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
