#pragma once
// Performance analytics: a fold of the trading engine's events into per-tenant statistics. Each
// account (and each strategy on it) gets an equity curve, its closed trades and the periods it
// held a position; a query cuts a window out of them and computes the statistics with the same
// code as backtests (trading::computeStatistics). Besides, it measures the latency of the order
// stages from the events' receive stamps and counts risk decisions and order outcomes.
//
// Not thread-safe: the analytics service folds and queries under its own lock, off the engine
// thread.

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "ait/core/error.h"
#include "ait/metrics/metrics.h"
#include "ait/model/events.h"
#include "ait/trading/statistics.h"

namespace ait::analytics {

/// Calendar windows a statistics query covers, each up to the query's `now` (UTC).
enum class Period : std::uint8_t { All, Day, Week, Month, Year };

/// Parses "all", "day", "week", "month" or "year"; anything else is an error naming it.
Expected<Period> parsePeriod(std::string_view text);
std::string_view toString(Period period) noexcept;

/// An account's equity before its first fill (the trading configuration's starting balance).
struct AccountBase {
  model::TenantId tenant;
  model::AccountId account;
  double balance = 0.0;
};

struct StatisticsQuery {
  std::optional<model::AccountId> account;    // none: every account of the tenant
  std::optional<model::StrategyId> strategy;  // none: the whole account and each strategy
  Period period = Period::All;
  TimestampNs now = 0;  // the window's end
};

struct PnlBucket {
  TimestampNs start = 0;  // UTC day, ISO week (Monday) or month start
  double pnl = 0.0;       // equity change over the bucket, account currency
};

/// One account, or one strategy on it (`strategy` empty: the whole account).
struct PerformanceReport {
  model::TenantId tenant;
  model::AccountId account;
  model::StrategyId strategy;
  Period period = Period::All;
  TimestampNs from = 0;
  TimestampNs to = 0;
  trading::Statistics stats;
  std::vector<PnlBucket> daily;
  std::vector<PnlBucket> weekly;
  std::vector<PnlBucket> monthly;
};

/// The hot-path stages the events let us time (ns between two receive stamps).
enum class Stage : std::uint8_t {
  TickReceive,      // a tick's source time -> its receipt by the platform
  CommandToRisk,    // a submit command received -> its risk decision (submitted or denied)
  SubmitToAck,      // order submitted to the venue -> the venue's accept or reject
  SubmitToFill,     // order submitted -> its first fill
};
inline constexpr std::size_t kStageCount = 4;
std::string_view toString(Stage stage) noexcept;

struct StageLatency {
  Stage stage = Stage::TickReceive;
  std::uint64_t count = 0;
  double meanNs = 0.0;
  double p50Ns = 0.0;  // estimated: upper bound of the bucket holding the percentile
  double p99Ns = 0.0;
  double p999Ns = 0.0;
  std::vector<std::pair<double, std::uint64_t>> buckets;  // (upper bound ns, count); last +Inf
};

struct OutcomeCounts {
  std::uint64_t commands = 0;   // submit commands seen
  std::uint64_t submitted = 0;  // passed the risk checks
  std::uint64_t denied = 0;
  std::map<std::string, std::uint64_t> deniedByReason;  // reason code -> count
  std::uint64_t accepted = 0;
  std::uint64_t rejected = 0;
  std::uint64_t filled = 0;  // orders filled completely
  std::uint64_t fills = 0;   // fill events
  std::uint64_t cancelled = 0;
  std::uint64_t expired = 0;
};

struct LatencyReport {
  std::vector<StageLatency> stages;
  OutcomeCounts outcomes;
};

class PerformanceBook {
 public:
  /// Latency histograms are registered in `metrics` (ait_analytics_stage_latency_seconds).
  explicit PerformanceBook(std::vector<AccountBase> bases = {},
                           metrics::Registry& metrics = metrics::Registry::global());

  /// Folds one trading event (ticks: see observeTick). Events with a journal sequence at or
  /// below the last one folded are skipped, so a replay and the live feed may overlap.
  void apply(const model::Event& event);
  /// Times a tick's receipt; lock-free, safe on the engine thread.
  void observeTick(const model::Tick& tick) noexcept;

  /// Statistics of the tenant's accounts and strategies (tenant 0: every tenant), ordered by
  /// account then strategy.
  std::vector<PerformanceReport> statistics(model::TenantId tenant,
                                            const StatisticsQuery& query) const;
  /// Stage latencies and outcome counts of the tenant's orders (tenant 0: every tenant); the
  /// tick stage is shared by all tenants.
  LatencyReport latency(model::TenantId tenant) const;

  std::uint64_t lastSequence() const noexcept { return lastSequence_; }

 private:
  struct Series {
    double base = 0.0;
    bool baseKnown = false;
    std::vector<trading::EquityPoint> curve;  // equity after each change
    std::vector<trading::Trade> trades;
    std::vector<std::pair<TimestampNs, TimestampNs>> exposure;  // closed holding periods
    int open = 0;
    TimestampNs openSince = 0;
    double realized = 0.0;  // strategies: cumulative trade PnL
  };
  using SeriesKey = std::tuple<model::TenantId, model::AccountId, model::StrategyId>;
  using OrderKey = std::pair<model::TenantId, model::ClientOrderId>;
  struct OrderTimes {
    TimestampNs command = 0;
    TimestampNs submitted = 0;
    bool filled = false;
    model::StrategyId strategy;
  };
  struct TenantStages {
    metrics::Histogram* stage[kStageCount] = {};
    OutcomeCounts outcomes;
  };

  Series& series(model::TenantId tenant, const model::AccountId& account,
                 const model::StrategyId& strategy);
  TenantStages& stages(model::TenantId tenant);
  void observe(model::TenantId tenant, Stage stage, TimestampNs from, TimestampNs to);
  void onPosition(model::TenantId tenant, const model::AccountId& account,
                  const model::StrategyId& strategy, TimestampNs ts, int delta);
  PerformanceReport report(const SeriesKey& key, const Series& series,
                           const StatisticsQuery& query) const;

  std::map<std::pair<model::TenantId, model::AccountId>, double> bases_;
  std::map<SeriesKey, Series> series_;
  std::map<OrderKey, OrderTimes> orders_;  // orders still working; filled ones leave
  // Strategies of the last filled orders: bracket legs are submitted after their parent filled.
  std::deque<std::pair<OrderKey, model::StrategyId>> recentlyFilled_;
  // The strategy of the last fill per (tenant, account, instrument): its position events follow.
  std::map<std::tuple<model::TenantId, model::AccountId, model::InstrumentId>, model::StrategyId>
      lastFillStrategy_;
  // The strategy that opened each open position, for its close.
  std::map<std::tuple<model::TenantId, model::AccountId, model::PositionId>, model::StrategyId>
      positionStrategy_;
  trading::TradeBuilder trades_;
  metrics::Registry& metrics_;
  metrics::Histogram& tickReceive_;
  std::map<model::TenantId, TenantStages> stages_;
  std::uint64_t lastSequence_ = 0;
};

/// Renders a report (and a latency report) as JSON text for the API.
std::string toJson(const std::vector<PerformanceReport>& reports);
std::string toJson(const LatencyReport& report);

}  // namespace ait::analytics
