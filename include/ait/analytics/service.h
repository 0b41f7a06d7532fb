#pragma once
// The performance-analytics service (port 8002). It follows the trading events on the bus (a
// bus handler copies each into a lock-free ring; a worker thread folds them into the
// PerformanceBook), times ticks' receipt on the engine thread without locking, and on each start
// reads the trading journal back first so that its figures cover everything journalled.
//
// Queries are C++ functions taking an explicit tenant (the gateway calls them in process); the
// REST routes take it from the verified caller (http::callerOf), so they answer only through the
// api-gateway and only with the caller's own tenant:
//   GET /api/v1/statistics?account=&strategy=&period=all|day|week|month|year
//   GET /api/v1/latency     stage latencies and order outcome counts
//   /api/v1/backtests...    backtest jobs on a worker pool (ait/analytics/backtests.h)

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "ait/analytics/backtests.h"
#include "ait/analytics/performance.h"
#include "ait/bus/spsc_ring.h"
#include "ait/core/clock.h"
#include "ait/engine/runtime.h"
#include "ait/http/router.h"
#include "ait/hub/service.h"

namespace ait::analytics {

struct AnalyticsSettings {
  std::vector<AccountBase> accounts;
  /// Events waiting for the worker; a power of two. When full, events are dropped and counted
  /// (the service turns degraded; a restart rebuilds from the journal).
  std::size_t queueCapacity = 1U << 16;
  BacktestSettings backtests;
};

class AnalyticsService final : public hub::Service {
 public:
  /// Subscribes on the runtime's bus and adds the routes; call while wiring.
  static Expected<std::unique_ptr<AnalyticsService>> create(
      engine::Runtime& runtime, http::Router& router, AnalyticsSettings settings,
      const Clock& clock = SystemClock::instance(),
      metrics::Registry& metrics = metrics::Registry::global());
  ~AnalyticsService() override;

  std::string_view name() const noexcept override { return "performance-analytics"; }
  /// Reads the trading journal back (what it has not folded yet), then follows the bus.
  Expected<void> start() override;
  void stop() noexcept override;
  hub::Health health() const override;

  /// Statistics of one tenant's accounts and strategies (tenant 0: every tenant); `now` in the
  /// query defaults to the clock.
  std::vector<PerformanceReport> statistics(model::TenantId tenant, StatisticsQuery query) const;
  LatencyReport latency(model::TenantId tenant) const;
  /// Waits until the worker folded everything queued so far (tests); false on timeout.
  bool settle(std::chrono::milliseconds timeout) const;
  BacktestJobs& backtests() noexcept { return *backtests_; }

 private:
  AnalyticsService(engine::Runtime& runtime, AnalyticsSettings settings, const Clock& clock,
                   metrics::Registry& metrics);
  Expected<void> subscribe();
  void addRoutes(http::Router& router);
  Expected<void> replay();
  void work();

  engine::Runtime& runtime_;
  AnalyticsSettings settings_;
  const Clock& clock_;
  mutable std::mutex mutex_;  // guards book_; never taken on the engine thread
  PerformanceBook book_;
  bus::SpscRing<model::Event> ring_;
  std::atomic<std::uint64_t> queued_{0};
  std::atomic<std::uint64_t> folded_{0};
  std::atomic<bool> running_{false};
  std::thread worker_;
  metrics::Counter& dropped_;
  std::unique_ptr<BacktestJobs> backtests_;
};

}  // namespace ait::analytics
