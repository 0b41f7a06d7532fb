// The analytics fold against figures computed here, independently, from the same scenario.
#include "ait/analytics/performance.h"

#include <cmath>
#include <numeric>
#include <vector>

#include <gtest/gtest.h>

namespace ait::analytics {
namespace {

constexpr TimestampNs kDay = 86'400'000'000'000;
constexpr TimestampNs kHour = 3'600'000'000'000;
constexpr TimestampNs kUs = 1'000;
// Monday 2026-01-05 00:00 UTC.
constexpr TimestampNs kMonday = 1'767'571'200'000'000'000;

TimestampNs at(int day, int hour) { return kMonday + day * kDay + hour * kHour; }

model::Money money(double v) { return model::Money::fromRaw(std::llround(v * 100), 2); }
model::Price price(double v) { return model::Price::fromRaw(std::llround(v * 100), 2); }
model::Quantity qty(double v) { return model::Quantity::fromRaw(std::llround(v), 0); }

const model::InstrumentId kInstrument{model::Symbol("XYZ"), model::Venue("SIM")};

template <class E>
E stamped(E e, std::uint32_t tenant, TimestampNs ts, TimestampNs recv = 0) {
  e.header.tenant = model::TenantId{tenant};
  e.header.tsEvent = ts;
  e.header.tsRecv = recv == 0 ? ts : recv;
  return e;
}

/// Feeds one order's life: submit, submitted (+4 us), accepted (+19 us), filled (+29 us), then
/// the position event and the account's equity after it.
struct Feed {
  PerformanceBook& book;
  std::uint32_t tenant = 1;
  model::AccountId account{"ACC"};

  void fill(const std::string& id, const std::string& strategy, model::Side side, double quantity,
            double fillPrice, double commission, TimestampNs ts) {
    model::SubmitOrder submit{};
    submit.clientOrderId = model::ClientOrderId::truncated(id);
    submit.account = account;
    submit.instrument = kInstrument;
    submit.side = side;
    submit.quantity = qty(quantity);
    submit.strategyId = model::StrategyId::truncated(strategy);
    book.apply(stamped(submit, tenant, ts));
    model::OrderSubmitted submitted{};
    submitted.clientOrderId = submit.clientOrderId;
    submitted.account = account;
    book.apply(stamped(submitted, tenant, ts, ts + 4 * kUs));
    model::OrderAccepted accepted{};
    accepted.clientOrderId = submit.clientOrderId;
    accepted.account = account;
    book.apply(stamped(accepted, tenant, ts, ts + 19 * kUs));
    model::OrderFilled filled{};
    filled.clientOrderId = submit.clientOrderId;
    filled.account = account;
    filled.instrument = kInstrument;
    filled.side = side;
    filled.fillQuantity = qty(quantity);
    filled.fillPrice = price(fillPrice);
    filled.commission = money(commission);
    book.apply(stamped(filled, tenant, ts, ts + 29 * kUs));
  }
  template <class P>
  void position(const std::string& id, double quantity, double average, double realized,
                TimestampNs ts) {
    P p{};
    p.positionId = model::PositionId::truncated(id);
    p.account = account;
    p.instrument = kInstrument;
    p.quantity = model::Quantity::fromRaw(std::llround(quantity), 0);
    p.averagePrice = price(average);
    p.realizedPnl = money(realized);
    book.apply(stamped(p, tenant, ts));
  }
  void equity(double value, TimestampNs ts) {
    model::AccountState state{};
    state.account = account;
    state.balance = money(value);
    state.equity = money(value);
    book.apply(stamped(state, tenant, ts));
  }
};

/// Three trades over two weeks: alpha +8 (after 2 commission), beta -12, alpha +20.
void scenario(PerformanceBook& book) {
  Feed f{book};
  f.fill("o1", "alpha", model::Side::Buy, 1, 100, 1, at(0, 10));
  f.position<model::PositionOpened>("XYZ", 1, 100, 0, at(0, 10));
  f.equity(9999, at(0, 10));
  f.fill("o2", "alpha", model::Side::Sell, 1, 110, 1, at(1, 15));
  f.position<model::PositionClosed>("XYZ", 0, 100, 10, at(1, 15));
  f.equity(10009, at(1, 15));
  f.fill("o3", "beta", model::Side::Buy, 2, 50, 1, at(2, 9));
  f.position<model::PositionOpened>("XYZ", 2, 50, 0, at(2, 9));
  f.equity(10008, at(2, 9));
  f.fill("o4", "beta", model::Side::Sell, 2, 45, 1, at(4, 16));
  f.position<model::PositionClosed>("XYZ", 0, 50, -10, at(4, 16));
  f.equity(9997, at(4, 16));
  f.fill("o5", "alpha", model::Side::Buy, 1, 100, 0, at(7, 11));
  f.position<model::PositionOpened>("XYZ", 1, 100, 0, at(7, 11));
  f.equity(9997, at(7, 11));
  f.fill("o6", "alpha", model::Side::Sell, 1, 120, 0, at(8, 11));
  f.position<model::PositionClosed>("XYZ", 0, 100, 20, at(8, 11));
  f.equity(10017, at(8, 11));
}

struct Expect {
  double total, annual, vol, sharpe, sortino, maxDd, sqn, expectancy;
};

/// Straightforward statistics of daily closes and trade PnLs, written apart from the library.
Expect independent(const std::vector<double>& closes, const std::vector<double>& pnl) {
  std::vector<double> r;
  for (std::size_t i = 1; i < closes.size(); ++i) r.push_back(closes[i] / closes[i - 1] - 1);
  const double n = static_cast<double>(r.size());
  const double mean = std::accumulate(r.begin(), r.end(), 0.0) / n;
  double ss = 0, down = 0;
  for (double x : r) {
    ss += (x - mean) * (x - mean);
    down += x < 0 ? x * x : 0;
  }
  const double sd = std::sqrt(ss / (n - 1));
  double peak = closes[0], dd = 0;
  for (double c : closes) {
    peak = std::max(peak, c);
    dd = std::max(dd, 1 - c / peak);
  }
  const double k = static_cast<double>(pnl.size());
  const double pm = std::accumulate(pnl.begin(), pnl.end(), 0.0) / k;
  double pss = 0;
  for (double p : pnl) pss += (p - pm) * (p - pm);
  Expect e{};
  e.total = (closes.back() / closes.front() - 1) * 100;
  e.annual = (std::pow(closes.back() / closes.front(), 252.0 / n) - 1) * 100;
  e.vol = sd * std::sqrt(252.0) * 100;
  e.sharpe = mean / sd * std::sqrt(252.0);
  e.sortino = mean / std::sqrt(down / n) * std::sqrt(252.0);
  e.maxDd = dd * 100;
  e.expectancy = pm;
  e.sqn = std::sqrt(k) * pm / std::sqrt(pss / (k - 1));
  return e;
}

TEST(PerformanceBook, AccountStatisticsMatchAnIndependentComputation) {
  metrics::Registry registry;
  PerformanceBook book({{model::TenantId{1}, model::AccountId("ACC"), 10000.0}}, registry);
  scenario(book);
  StatisticsQuery query;
  query.now = at(9, 12);
  query.account = model::AccountId("ACC");
  query.strategy = model::StrategyId();  // the account as a whole
  auto reports = book.statistics(model::TenantId{1}, query);
  ASSERT_EQ(reports.size(), 1U);
  const auto& s = reports[0].stats;
  // Daily closes from the start (day 0, 00:00) to now (day 9).
  std::vector<double> closes{10000, 9999, 10009, 10008, 10008, 9997, 9997, 9997, 9997, 10017, 10017};
  auto e = independent(closes, {8, -12, 20});
  EXPECT_NEAR(s.startEquity, 10000, 1e-9);
  EXPECT_NEAR(s.finalEquity, 10017, 1e-9);
  EXPECT_NEAR(s.totalReturnPct, e.total, 1e-9);
  EXPECT_NEAR(s.annualReturnPct, e.annual, 1e-9);
  EXPECT_NEAR(s.annualVolatilityPct, e.vol, 1e-9);
  EXPECT_NEAR(s.sharpe, e.sharpe, 1e-9);
  EXPECT_NEAR(s.sortino, e.sortino, 1e-9);
  EXPECT_NEAR(s.maxDrawdownPct, e.maxDd, 1e-9);
  EXPECT_NEAR(s.calmar, e.annual / e.maxDd, 1e-9);
  // Peak at the end of day 1, recovered at the end of day 8.
  EXPECT_NEAR(s.maxDrawdownDays, 7.0, 1e-9);
  EXPECT_EQ(s.trades, 3U);
  EXPECT_NEAR(s.winRatePct, 200.0 / 3.0, 1e-9);
  EXPECT_NEAR(s.profitFactor, 28.0 / 12.0, 1e-9);
  EXPECT_NEAR(s.expectancy, e.expectancy, 1e-9);
  EXPECT_NEAR(s.sqn, e.sqn, 1e-9);
  // Held on days 0, 1, 2, 3, 4, 7, 8 of 10.
  EXPECT_NEAR(s.exposurePct, 70.0, 1e-9);

  const std::vector<double> daily{-1, 10, -1, 0, -11, 0, 0, 0, 20, 0};
  ASSERT_EQ(reports[0].daily.size(), daily.size());
  for (std::size_t i = 0; i < daily.size(); ++i) {
    EXPECT_NEAR(reports[0].daily[i].pnl, daily[i], 1e-9) << "day " << i;
    EXPECT_EQ(reports[0].daily[i].start, at(static_cast<int>(i), 0));
  }
  ASSERT_EQ(reports[0].weekly.size(), 2U);
  EXPECT_EQ(reports[0].weekly[0].start, at(0, 0));
  EXPECT_NEAR(reports[0].weekly[0].pnl, -3, 1e-9);
  EXPECT_EQ(reports[0].weekly[1].start, at(7, 0));
  EXPECT_NEAR(reports[0].weekly[1].pnl, 20, 1e-9);
  ASSERT_EQ(reports[0].monthly.size(), 1U);
  EXPECT_NEAR(reports[0].monthly[0].pnl, 17, 1e-9);
}

TEST(PerformanceBook, StrategiesGetTheirOwnTradesAndCurves) {
  metrics::Registry registry;
  PerformanceBook book({{model::TenantId{1}, model::AccountId("ACC"), 10000.0}}, registry);
  scenario(book);
  StatisticsQuery query;
  query.now = at(9, 12);
  query.strategy = model::StrategyId("alpha");
  auto reports = book.statistics(model::TenantId{1}, query);
  ASSERT_EQ(reports.size(), 1U);
  const auto& s = reports[0].stats;
  EXPECT_EQ(reports[0].strategy, model::StrategyId("alpha"));
  EXPECT_EQ(s.trades, 2U);
  EXPECT_NEAR(s.winRatePct, 100.0, 1e-9);
  EXPECT_NEAR(s.expectancy, 14.0, 1e-9);
  EXPECT_NEAR(s.finalEquity, 10028.0, 1e-9);  // base + 8 + 20
  query.strategy = model::StrategyId("beta");
  reports = book.statistics(model::TenantId{1}, query);
  ASSERT_EQ(reports.size(), 1U);
  EXPECT_EQ(reports[0].stats.trades, 1U);
  EXPECT_NEAR(reports[0].stats.finalEquity, 9988.0, 1e-9);
  EXPECT_NEAR(reports[0].stats.winRatePct, 0.0, 1e-9);
}

TEST(PerformanceBook, PeriodCutsTheWindowFromItsStartEquity) {
  metrics::Registry registry;
  PerformanceBook book({{model::TenantId{1}, model::AccountId("ACC"), 10000.0}}, registry);
  scenario(book);
  StatisticsQuery query;
  query.now = at(9, 12);
  query.strategy = model::StrategyId();
  query.period = Period::Week;  // Monday of day 7 onwards
  auto reports = book.statistics(model::TenantId{1}, query);
  ASSERT_EQ(reports.size(), 1U);
  EXPECT_EQ(reports[0].from, at(7, 0));
  EXPECT_NEAR(reports[0].stats.startEquity, 9997, 1e-9);
  EXPECT_NEAR(reports[0].stats.totalReturnPct, (10017.0 / 9997.0 - 1) * 100, 1e-9);
  EXPECT_EQ(reports[0].stats.trades, 1U);
  EXPECT_EQ(reports[0].daily.size(), 3U);
  query.period = Period::Day;
  reports = book.statistics(model::TenantId{1}, query);
  EXPECT_EQ(reports[0].stats.trades, 0U);
  EXPECT_NEAR(reports[0].stats.totalReturnPct, 0.0, 1e-9);
}

TEST(PerformanceBook, TenantsSeeOnlyTheirOwnAccounts) {
  metrics::Registry registry;
  PerformanceBook book({}, registry);
  scenario(book);
  Feed other{book, 2, model::AccountId("ACC")};
  other.equity(500, at(3, 1));
  StatisticsQuery query;
  query.now = at(9, 12);
  query.strategy = model::StrategyId();
  auto mine = book.statistics(model::TenantId{1}, query);
  ASSERT_EQ(mine.size(), 1U);
  EXPECT_EQ(mine[0].tenant, model::TenantId{1});
  // Without a configured balance the first state is the start.
  EXPECT_NEAR(mine[0].stats.startEquity, 9999, 1e-9);
  auto theirs = book.statistics(model::TenantId{2}, query);
  ASSERT_EQ(theirs.size(), 1U);
  EXPECT_EQ(theirs[0].tenant, model::TenantId{2});
  EXPECT_EQ(theirs[0].stats.trades, 0U);
  EXPECT_EQ(book.latency(model::TenantId{2}).outcomes.submitted, 0U);
  EXPECT_EQ(book.latency(model::TenantId{1}).outcomes.submitted, 6U);
}

TEST(PerformanceBook, StageLatenciesAndOutcomes) {
  metrics::Registry registry;
  PerformanceBook book({}, registry);
  scenario(book);
  model::SubmitOrder submit{};
  submit.clientOrderId = model::ClientOrderId("big");
  submit.account = model::AccountId("ACC");
  book.apply(stamped(submit, 1, at(9, 1)));
  model::OrderDenied denied{};
  denied.clientOrderId = submit.clientOrderId;
  denied.reasonCode = model::ReasonCode::truncated("AIT-RSK-0015");
  book.apply(stamped(denied, 1, at(9, 1), at(9, 1) + 3 * kUs));
  model::Tick tick{};
  tick.header.tsEvent = at(9, 2);
  tick.header.tsRecv = at(9, 2) + 700 * kUs;
  book.observeTick(tick);

  auto report = book.latency(model::TenantId{1});
  ASSERT_EQ(report.stages.size(), kStageCount);
  auto stage = [&](Stage s) { return report.stages[static_cast<std::size_t>(s)]; };
  EXPECT_EQ(stage(Stage::TickReceive).count, 1U);
  EXPECT_NEAR(stage(Stage::TickReceive).meanNs, 700'000, 1e-3);
  EXPECT_NEAR(stage(Stage::TickReceive).p50Ns, 1'000'000, 1e-3);  // the 1 ms bucket
  EXPECT_EQ(stage(Stage::CommandToRisk).count, 7U);       // 6 submitted + 1 denied
  EXPECT_NEAR(stage(Stage::CommandToRisk).meanNs, (6 * 4'000 + 3'000) / 7.0, 1e-3);
  EXPECT_NEAR(stage(Stage::CommandToRisk).p50Ns, 5'000, 1e-3);  // the 5 us bucket
  EXPECT_EQ(stage(Stage::SubmitToAck).count, 6U);
  EXPECT_NEAR(stage(Stage::SubmitToAck).p99Ns, 20'000, 1e-3);  // 15 us falls in the 20 us bucket
  EXPECT_EQ(stage(Stage::SubmitToFill).count, 6U);
  EXPECT_NEAR(stage(Stage::SubmitToFill).meanNs, 25'000, 1e-3);
  const auto& o = report.outcomes;
  EXPECT_EQ(o.commands, 7U);
  EXPECT_EQ(o.submitted, 6U);
  EXPECT_EQ(o.denied, 1U);
  EXPECT_EQ(o.deniedByReason.at("AIT-RSK-0015"), 1U);
  EXPECT_EQ(o.accepted, 6U);
  EXPECT_EQ(o.fills, 6U);
  EXPECT_EQ(o.filled, 6U);
  // The same histograms are Prometheus metrics.
  auto text = registry.render();
  EXPECT_NE(text.find("ait_analytics_stage_latency_seconds_count{stage=\"submit_to_venue_ack\",tenant=\"1\"} 6"),
            std::string::npos)
      << text;
}

TEST(PerformanceBook, AJournalledEventIsFoldedOnce) {
  metrics::Registry registry;
  PerformanceBook book({}, registry);
  model::OrderSubmitted submitted{};
  submitted.clientOrderId = model::ClientOrderId("x");
  auto event = stamped(submitted, 1, at(0, 1));
  event.header.sequence = 7;
  book.apply(event);
  book.apply(event);  // the replay and the live feed overlap
  event.header.sequence = 6;
  book.apply(event);
  EXPECT_EQ(book.latency(model::TenantId{1}).outcomes.submitted, 1U);
  event.header.sequence = 8;
  book.apply(event);
  EXPECT_EQ(book.latency(model::TenantId{1}).outcomes.submitted, 2U);
  EXPECT_EQ(book.lastSequence(), 8U);
}

TEST(PerformanceBook, PeriodNamesAreChecked) {
  EXPECT_EQ(*parsePeriod("month"), Period::Month);
  EXPECT_EQ(*parsePeriod("weekly"), Period::Week);
  EXPECT_EQ(*parsePeriod(""), Period::All);
  auto bad = parsePeriod("fortnight");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("fortnight"), std::string::npos);
}

TEST(PerformanceBook, JsonNamesEveryFigure) {
  metrics::Registry registry;
  PerformanceBook book({{model::TenantId{1}, model::AccountId("ACC"), 10000.0}}, registry);
  scenario(book);
  StatisticsQuery query;
  query.now = at(9, 12);
  auto text = toJson(book.statistics(model::TenantId{1}, query));
  for (const char* key : {"sharpe", "sortino", "calmar", "max_drawdown_days", "profit_factor",
                          "sqn", "exposure_pct", "daily_pnl", "weekly_pnl", "monthly_pnl",
                          "\"strategy\":\"alpha\""}) {
    EXPECT_NE(text.find(key), std::string::npos) << key;
  }
  auto latency = toJson(book.latency(model::TenantId{1}));
  EXPECT_NE(latency.find("submit_to_first_fill"), std::string::npos);
  EXPECT_NE(latency.find("not_measured"), std::string::npos);
}

}  // namespace
}  // namespace ait::analytics
