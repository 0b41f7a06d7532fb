#include "ait/analytics/performance.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <span>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ait/analytics/errors.h"
#include "ait/model/time.h"

namespace ait::analytics {

namespace {

constexpr TimestampNs kDayNs = 86'400'000'000'000;
// Live statistics annualise daily equity closes like backtests of daily bars.
constexpr double kPeriodsPerYear = 252.0;

TimestampNs dayStart(TimestampNs ts) noexcept {
  TimestampNs day = ts / kDayNs;
  if (ts < 0 && ts % kDayNs != 0) --day;
  return day * kDayNs;
}

/// Monday 00:00 UTC of ts's ISO week (1970-01-01 was a Thursday).
TimestampNs weekStart(TimestampNs ts) noexcept {
  TimestampNs days = dayStart(ts) / kDayNs;
  TimestampNs weekday = ((days + 3) % 7 + 7) % 7;  // Monday = 0
  return (days - weekday) * kDayNs;
}

TimestampNs monthStart(TimestampNs ts, bool year) noexcept {
  using namespace std::chrono;
  sys_days day{days{dayStart(ts) / kDayNs}};
  year_month_day ymd{day};
  year_month_day first = year ? year_month_day{ymd.year(), January, std::chrono::day{1}}
                              : year_month_day{ymd.year(), ymd.month(), std::chrono::day{1}};
  return static_cast<TimestampNs>(sys_days{first}.time_since_epoch().count()) * kDayNs;
}

TimestampNs windowStart(Period period, TimestampNs now) noexcept {
  switch (period) {
    case Period::All: return INT64_MIN;
    case Period::Day: return dayStart(now);
    case Period::Week: return weekStart(now);
    case Period::Month: return monthStart(now, false);
    case Period::Year: return monthStart(now, true);
  }
  return INT64_MIN;
}

/// Percentiles are estimated as the upper bound of the bucket holding them.
StageLatency latencyOf(Stage stage, std::span<const double> bounds,
                       const std::vector<std::uint64_t>& counts, double sumSeconds) {
  StageLatency out;
  out.stage = stage;
  for (auto n : counts) out.count += n;
  out.meanNs = out.count > 0 ? sumSeconds * 1e9 / static_cast<double>(out.count) : 0.0;
  constexpr double kInf = std::numeric_limits<double>::infinity();
  auto percentile = [&](double q) -> double {
    if (out.count == 0) return 0.0;
    const auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(out.count)));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < counts.size(); ++i) {
      seen += counts[i];
      if (seen >= rank) return i < bounds.size() ? bounds[i] * 1e9 : kInf;
    }
    return kInf;
  };
  out.p50Ns = percentile(0.50);
  out.p99Ns = percentile(0.99);
  out.p999Ns = percentile(0.999);
  for (std::size_t i = 0; i < counts.size(); ++i) {
    out.buckets.emplace_back(i < bounds.size() ? bounds[i] * 1e9 : kInf, counts[i]);
  }
  return out;
}

/// Adds a histogram's buckets to counts (sized on first use).
void addBuckets(const metrics::Histogram& h, std::vector<std::uint64_t>& counts, double& sum) {
  counts.resize(h.upperBounds().size() + 1, 0);
  for (std::size_t i = 0; i < counts.size(); ++i) counts[i] += h.bucketCount(i);
  sum += h.sum();
}

/// Bracket legs ("<parent>:SL") belong to their parent's strategy.
model::ClientOrderId parentOf(const model::ClientOrderId& id) {
  auto text = id.view();
  auto colon = text.find(':');
  return colon == std::string_view::npos ? id : model::ClientOrderId::truncated(text.substr(0, colon));
}

}  // namespace

Expected<Period> parsePeriod(std::string_view text) {
  if (text.empty() || text == "all") return Period::All;
  // "daily" and the like: the names the gateway's route table uses.
  if (text == "day" || text == "daily") return Period::Day;
  if (text == "week" || text == "weekly") return Period::Week;
  if (text == "month" || text == "monthly") return Period::Month;
  if (text == "year") return Period::Year;
  return fail(errors::kBadQuery,
              fmt::format("period '{}': use all, day, week, month or year", text));
}

std::string_view toString(Period period) noexcept {
  switch (period) {
    case Period::All: return "all";
    case Period::Day: return "day";
    case Period::Week: return "week";
    case Period::Month: return "month";
    case Period::Year: return "year";
  }
  return "all";
}

std::string_view toString(Stage stage) noexcept {
  switch (stage) {
    case Stage::TickReceive: return "tick_receive";
    case Stage::CommandToRisk: return "command_to_risk";
    case Stage::SubmitToAck: return "submit_to_venue_ack";
    case Stage::SubmitToFill: return "submit_to_first_fill";
  }
  return "";
}

PerformanceBook::PerformanceBook(std::vector<AccountBase> bases, metrics::Registry& metrics)
    : metrics_(metrics),
      tickReceive_(metrics.histogram("ait_analytics_stage_latency_seconds",
                                     "Latency of each hot-path stage, from the events' stamps",
                                     {{"stage", std::string(toString(Stage::TickReceive))},
                                      {"tenant", "all"}})) {
  for (const auto& base : bases) bases_[{base.tenant, base.account}] = base.balance;
}

PerformanceBook::Series& PerformanceBook::series(model::TenantId tenant,
                                                 const model::AccountId& account,
                                                 const model::StrategyId& strategy) {
  Series& s = series_[{tenant, account, strategy}];
  if (!s.baseKnown) {
    if (auto it = bases_.find({tenant, account}); it != bases_.end()) {
      s.base = it->second;
      s.baseKnown = true;
    }
  }
  return s;
}

PerformanceBook::TenantStages& PerformanceBook::stages(model::TenantId tenant) {
  auto [it, added] = stages_.try_emplace(tenant);
  if (added) {
    for (std::size_t i = 1; i < kStageCount; ++i) {
      it->second.stage[i] = &metrics_.histogram(
          "ait_analytics_stage_latency_seconds",
          "Latency of each hot-path stage, from the events' stamps",
          {{"stage", std::string(toString(static_cast<Stage>(i)))},
           {"tenant", std::to_string(tenant.value)}});
    }
  }
  return it->second;
}

void PerformanceBook::observe(model::TenantId tenant, Stage stage, TimestampNs from,
                              TimestampNs to) {
  if (from <= 0 || to < from) return;  // unstamped, or stamped by clocks that disagree
  stages(tenant).stage[static_cast<std::size_t>(stage)]->observeNs(to - from);
}

void PerformanceBook::observeTick(const model::Tick& tick) noexcept {
  const auto& h = tick.header;
  if (h.tsEvent > 0 && h.tsRecv >= h.tsEvent) tickReceive_.observeNs(h.tsRecv - h.tsEvent);
}

void PerformanceBook::onPosition(model::TenantId tenant, const model::AccountId& account,
                                 const model::StrategyId& strategy, TimestampNs ts, int delta) {
  auto move = [&](Series& s) {
    if (s.open == 0 && delta > 0) s.openSince = ts;
    s.open = std::max(0, s.open + delta);
    if (s.open == 0 && delta < 0) s.exposure.emplace_back(s.openSince, ts);
  };
  move(series(tenant, account, {}));
  if (!strategy.empty()) move(series(tenant, account, strategy));
}

void PerformanceBook::apply(const model::Event& event) {
  const auto& header = model::headerOf(event);
  if (header.sequence != 0) {
    if (header.sequence <= lastSequence_) return;  // seen in the replay already
    lastSequence_ = header.sequence;
  }
  const model::TenantId tenant = header.tenant;
  std::visit(
      [&](const auto& e) {
        using E = std::remove_cvref_t<decltype(e)>;
        if constexpr (std::is_same_v<E, model::SubmitOrder>) {
          auto& order = orders_[{tenant, e.clientOrderId}];
          order.command = header.tsRecv;
          order.strategy = e.strategyId;
          ++stages(tenant).outcomes.commands;
        } else if constexpr (std::is_same_v<E, model::OrderSubmitted> ||
                             std::is_same_v<E, model::OrderDenied>) {
          auto& counts = stages(tenant).outcomes;
          auto& order = orders_[{tenant, e.clientOrderId}];
          observe(tenant, Stage::CommandToRisk, order.command, header.tsRecv);
          if constexpr (std::is_same_v<E, model::OrderSubmitted>) {
            ++counts.submitted;
            order.submitted = header.tsRecv;
            if (order.strategy.empty()) {
              // A bracket leg: its parent's strategy (the parent has usually filled already).
              const OrderKey parent{tenant, parentOf(e.clientOrderId)};
              if (auto it = orders_.find(parent); it != orders_.end()) {
                order.strategy = it->second.strategy;
              } else {
                for (const auto& [key, strategy] : recentlyFilled_) {
                  if (key == parent) order.strategy = strategy;
                }
              }
            }
          } else {
            ++counts.denied;
            ++counts.deniedByReason[std::string(e.reasonCode.view())];
            orders_.erase({tenant, e.clientOrderId});
          }
        } else if constexpr (std::is_same_v<E, model::OrderAccepted> ||
                             std::is_same_v<E, model::OrderRejected>) {
          auto& counts = stages(tenant).outcomes;
          ++(std::is_same_v<E, model::OrderAccepted> ? counts.accepted : counts.rejected);
          if (auto it = orders_.find({tenant, e.clientOrderId}); it != orders_.end()) {
            observe(tenant, Stage::SubmitToAck, it->second.submitted, header.tsRecv);
            if constexpr (std::is_same_v<E, model::OrderRejected>) orders_.erase(it);
          }
        } else if constexpr (std::is_same_v<E, model::OrderFilled>) {
          auto& counts = stages(tenant).outcomes;
          ++counts.fills;
          model::StrategyId strategy;
          if (auto it = orders_.find({tenant, e.clientOrderId}); it != orders_.end()) {
            strategy = it->second.strategy;
            if (!it->second.filled) {
              observe(tenant, Stage::SubmitToFill, it->second.submitted, header.tsRecv);
              it->second.filled = true;
            }
          }
          lastFillStrategy_[{tenant, e.account, e.instrument}] = strategy;
          if (e.leavesQuantity.isZero()) {
            ++counts.filled;
            orders_.erase({tenant, e.clientOrderId});
            if (!strategy.empty()) {
              recentlyFilled_.emplace_back(OrderKey{tenant, e.clientOrderId}, strategy);
              if (recentlyFilled_.size() > 1024) recentlyFilled_.pop_front();
            }
          }
          (void)trades_.onEvent(event);
        } else if constexpr (std::is_same_v<E, model::OrderCancelled> ||
                             std::is_same_v<E, model::OrderExpired>) {
          auto& counts = stages(tenant).outcomes;
          ++(std::is_same_v<E, model::OrderCancelled> ? counts.cancelled : counts.expired);
          orders_.erase({tenant, e.clientOrderId});
        } else if constexpr (std::is_same_v<E, model::PositionOpened>) {
          auto strategy = lastFillStrategy_[{tenant, e.account, e.instrument}];
          positionStrategy_[{tenant, e.account, e.positionId}] = strategy;
          onPosition(tenant, e.account, strategy, header.tsEvent, +1);
          (void)trades_.onEvent(event);
        } else if constexpr (std::is_same_v<E, model::PositionChanged>) {
          (void)trades_.onEvent(event);
        } else if constexpr (std::is_same_v<E, model::PositionClosed>) {
          model::StrategyId strategy;
          if (auto it = positionStrategy_.find({tenant, e.account, e.positionId});
              it != positionStrategy_.end()) {
            strategy = it->second;
            positionStrategy_.erase(it);
          }
          onPosition(tenant, e.account, strategy, header.tsEvent, -1);
          if (auto trade = trades_.onEvent(event)) {
            series(tenant, e.account, {}).trades.push_back(*trade);
            if (!strategy.empty()) {
              Series& s = series(tenant, e.account, strategy);
              s.trades.push_back(*trade);
              s.realized += trade->pnl;
              s.curve.push_back({header.tsEvent, s.base + s.realized});
            }
          }
        } else if constexpr (std::is_same_v<E, model::AccountState>) {
          Series& s = series(tenant, e.account, {});
          if (!s.baseKnown) {
            // No configured starting balance: the account's first state is its start.
            s.base = e.equity.toDouble();
            s.baseKnown = true;
            bases_[{tenant, e.account}] = s.base;
          }
          s.curve.push_back({header.tsEvent, e.equity.toDouble()});
        }
      },
      event);
}

PerformanceReport PerformanceBook::report(const SeriesKey& key, const Series& s,
                                          const StatisticsQuery& query) const {
  PerformanceReport r;
  std::tie(r.tenant, r.account, r.strategy) = key;
  r.period = query.period;
  const TimestampNs to = query.now;
  TimestampNs from = windowStart(query.period, to);
  // The equity at the window's start: the last change before it, else the base.
  double startEquity = s.base;
  auto firstIn = std::ranges::find_if(s.curve, [&](const auto& p) { return p.ts >= from; });
  if (firstIn != s.curve.begin()) startEquity = std::prev(firstIn)->equity;
  if (from == INT64_MIN) {
    from = s.curve.empty() ? dayStart(to) : dayStart(s.curve.front().ts);
    if (!s.trades.empty()) from = std::min(from, dayStart(s.trades.front().entryTime));
  }
  r.from = from;
  r.to = to;

  // One point per UTC day: the equity at the day's end (or now, for today).
  std::vector<trading::EquityPoint> equity{{from, startEquity}};
  std::vector<bool> exposed;
  auto next = firstIn;
  double current = startEquity;
  for (TimestampNs day = dayStart(from); day <= to; day += kDayNs) {
    const TimestampNs end = std::min(day + kDayNs - 1, to);
    while (next != s.curve.end() && next->ts <= end) current = (next++)->equity;
    equity.push_back({end, current});
    bool held = s.open > 0 && s.openSince <= end;
    for (const auto& [a, b] : s.exposure) held = held || (a <= end && b >= day);
    exposed.push_back(held);
  }
  std::vector<trading::Trade> trades;
  for (const auto& t : s.trades) {
    if (t.exitTime >= from && t.exitTime <= to) trades.push_back(t);
  }
  r.stats = trading::computeStatistics(equity, trades, 1.0, 1.0, kPeriodsPerYear, exposed);
  r.stats.start = from;
  r.stats.end = to;
  r.stats.trades = trades.size();
  for (std::size_t i = 1; i < equity.size(); ++i) {
    const TimestampNs day = dayStart(equity[i].ts);
    const double pnl = equity[i].equity - equity[i - 1].equity;
    r.daily.push_back({day, pnl});
    auto add = [&](std::vector<PnlBucket>& buckets, TimestampNs start) {
      if (buckets.empty() || buckets.back().start != start) buckets.push_back({start, 0.0});
      buckets.back().pnl += pnl;
    };
    add(r.weekly, weekStart(day));
    add(r.monthly, monthStart(day, false));
  }
  return r;
}

std::vector<PerformanceReport> PerformanceBook::statistics(model::TenantId tenant,
                                                           const StatisticsQuery& query) const {
  std::vector<PerformanceReport> out;
  for (const auto& [key, s] : series_) {
    const auto& [t, account, strategy] = key;
    if (tenant.value != 0 && t != tenant) continue;
    if (query.account && account != *query.account) continue;
    if (query.strategy && strategy != *query.strategy) continue;
    out.push_back(report(key, s, query));
  }
  return out;
}

LatencyReport PerformanceBook::latency(model::TenantId tenant) const {
  LatencyReport out;
  {
    std::vector<std::uint64_t> counts;
    double sum = 0.0;
    addBuckets(tickReceive_, counts, sum);
    out.stages.push_back(latencyOf(Stage::TickReceive, tickReceive_.upperBounds(), counts, sum));
  }
  // Tenant 0 asks for every tenant: their histograms add up bucket by bucket.
  for (std::size_t i = 1; i < kStageCount; ++i) {
    std::vector<std::uint64_t> counts(tickReceive_.upperBounds().size() + 1, 0);
    double sum = 0.0;
    for (const auto& [t, st] : stages_) {
      if (tenant.value == 0 || t == tenant) addBuckets(*st.stage[i], counts, sum);
    }
    out.stages.push_back(latencyOf(static_cast<Stage>(i), tickReceive_.upperBounds(), counts, sum));
  }
  for (const auto& [t, st] : stages_) {
    if (tenant.value != 0 && t != tenant) continue;
    const auto& c = st.outcomes;
    auto& o = out.outcomes;
    o.commands += c.commands;
    o.submitted += c.submitted;
    o.denied += c.denied;
    for (const auto& [reason, n] : c.deniedByReason) o.deniedByReason[reason] += n;
    o.accepted += c.accepted;
    o.rejected += c.rejected;
    o.filled += c.filled;
    o.fills += c.fills;
    o.cancelled += c.cancelled;
    o.expired += c.expired;
  }
  return out;
}

std::string toJson(const std::vector<PerformanceReport>& reports) {
  using nlohmann::json;
  json list = json::array();
  auto buckets = [](const std::vector<PnlBucket>& in) {
    json out = json::array();
    for (const auto& b : in) out.push_back({{"start", model::toIso8601(b.start)}, {"pnl", b.pnl}});
    return out;
  };
  for (const auto& r : reports) {
    const auto& s = r.stats;
    json stats{{"start_equity", s.startEquity},
               {"final_equity", s.finalEquity},
               {"total_return_pct", s.totalReturnPct},
               {"annual_return_pct", s.annualReturnPct},
               {"annual_volatility_pct", s.annualVolatilityPct},
               {"sharpe", s.sharpe},
               {"sortino", s.sortino},
               {"calmar", s.calmar},
               {"max_drawdown_pct", s.maxDrawdownPct},
               {"max_drawdown_days", s.maxDrawdownDays},
               {"trades", s.trades},
               {"win_rate_pct", s.winRatePct},
               {"profit_factor", s.profitFactor},
               {"expectancy", s.expectancy},
               {"sqn", s.sqn},
               {"exposure_pct", s.exposurePct}};
    json item{{"tenant_id", r.tenant.value},
              {"account", std::string(r.account.view())},
              {"period", toString(r.period)},
              {"from", model::toIso8601(r.from)},
              {"to", model::toIso8601(r.to)},
              {"statistics", stats},
              {"daily_pnl", buckets(r.daily)},
              {"weekly_pnl", buckets(r.weekly)},
              {"monthly_pnl", buckets(r.monthly)}};
    if (!r.strategy.empty()) item["strategy"] = std::string(r.strategy.view());
    list.push_back(std::move(item));
  }
  return json{{"statistics", list}}.dump();
}

std::string toJson(const LatencyReport& report) {
  using nlohmann::json;
  json stages = json::array();
  for (const auto& s : report.stages) {
    json buckets = json::array();
    for (const auto& [le, n] : s.buckets) {
      if (n == 0) continue;
      buckets.push_back({{"le_ns", std::isinf(le) ? json("+Inf") : json(le)}, {"count", n}});
    }
    auto ns = [](double v) { return std::isinf(v) ? json("+Inf") : json(v); };
    stages.push_back({{"stage", toString(s.stage)},
                      {"count", s.count},
                      {"mean_ns", s.meanNs},
                      {"p50_ns", ns(s.p50Ns)},
                      {"p99_ns", ns(s.p99Ns)},
                      {"p999_ns", ns(s.p999Ns)},
                      {"buckets", buckets}});
  }
  const auto& o = report.outcomes;
  json outcomes{{"commands", o.commands},   {"submitted", o.submitted}, {"denied", o.denied},
                {"denied_by_reason", o.deniedByReason}, {"accepted", o.accepted},
                {"rejected", o.rejected},   {"filled", o.filled},       {"fills", o.fills},
                {"cancelled", o.cancelled}, {"expired", o.expired}};
  return json{{"stages", stages},
              {"not_measured",
               json::array({"features", "decision", "tick_to_order"})},
              {"outcomes", outcomes}}
      .dump();
}

}  // namespace ait::analytics
