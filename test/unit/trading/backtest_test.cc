#include "ait/trading/backtest.h"

#include <cmath>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

namespace ait::trading {
namespace {

const std::string kGoog = std::string(AIT_SHARED_DATA_DIR) + "/market/backtesting.py/GOOG.csv";

struct Daily {
  std::vector<double> open, close;
};

Daily readGoog() {
  Daily d;
  std::ifstream in(kGoog);
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    std::stringstream row(line);
    std::string date, o, h, l, c;
    std::getline(row, date, ',');
    std::getline(row, o, ',');
    std::getline(row, h, ',');
    std::getline(row, l, ',');
    std::getline(row, c, ',');
    d.open.push_back(std::stod(o));
    d.close.push_back(std::stod(c));
  }
  return d;
}

StrategyConfig smaCross() {
  StrategyConfig c;
  c.kind = StrategyKind::SmaCross;
  c.fast = 10;
  c.slow = 20;
  c.sizing = Sizing::Units;
  c.sizingValue = 10;
  return c;
}

TEST(Backtest, SmaCrossOnGoogMatchesAnIndependentComputation) {
  auto series = loadBars(kGoog);
  ASSERT_TRUE(series) << series.error().describe();
  ASSERT_EQ(series->bars.size(), 2148U);
  auto result = runBacktest(*series, smaCross(), 10'000.0);
  ASSERT_TRUE(result) << result.error().describe();

  // The same rules computed here with plain doubles: signal at a close, fill at the next open.
  Daily d = readGoog();
  const std::size_t n = d.close.size();
  auto sma = [&](std::size_t i, int period) {
    double sum = 0.0;
    for (int k = 0; k < period; ++k) sum += d.close[i - static_cast<std::size_t>(k)];
    return sum / period;
  };
  double cash = 10'000.0;
  int units = 0;
  int pending = 0;  // +1 buy 10 at the next open, -1 sell them
  double entry = 0.0;
  std::vector<double> equity, pnls;
  std::size_t exposedBars = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (pending > 0) {
      units = 10;
      entry = d.open[i];
      cash -= 10 * d.open[i];
    } else if (pending < 0) {
      units = 0;
      cash += 10 * d.open[i];
      pnls.push_back(10 * (d.open[i] - entry));
    }
    pending = 0;
    equity.push_back(cash + units * d.close[i]);
    if (units != 0) ++exposedBars;
    if (i >= 20) {
      double f0 = sma(i - 1, 10), s0 = sma(i - 1, 20), f1 = sma(i, 10), s1 = sma(i, 20);
      if (f0 < s0 && f1 > s1 && units == 0) pending = 1;
      if (f0 > s0 && f1 < s1 && units != 0) pending = -1;
    }
  }
  const auto& s = result->stats;
  ASSERT_EQ(result->trades.size(), pnls.size());
  ASSERT_EQ(result->equity.size(), equity.size());
  for (std::size_t i = 0; i < n; ++i) ASSERT_NEAR(result->equity[i].equity, equity[i], 1e-6) << i;
  double wins = 0, losses = 0;
  std::size_t winCount = 0;
  for (std::size_t k = 0; k < pnls.size(); ++k) {
    EXPECT_NEAR(result->trades[k].pnl, pnls[k], 1e-6);
    if (pnls[k] > 0) {
      wins += pnls[k];
      ++winCount;
    } else {
      losses -= pnls[k];
    }
  }
  std::vector<double> r;
  for (std::size_t i = 1; i < n; ++i) r.push_back(equity[i] / equity[i - 1] - 1.0);
  double mean = 0;
  for (double x : r) mean += x;
  mean /= static_cast<double>(r.size());
  double var = 0, down = 0;
  for (double x : r) {
    var += (x - mean) * (x - mean);
    down += x < 0 ? x * x : 0.0;
  }
  double sd = std::sqrt(var / static_cast<double>(r.size() - 1));
  double peak = equity[0], maxDd = 0;
  for (double e : equity) {
    peak = std::max(peak, e);
    maxDd = std::max(maxDd, 1 - e / peak);
  }
  EXPECT_NEAR(s.totalReturnPct, (equity.back() / 10'000.0 - 1) * 100, 1e-9);
  EXPECT_NEAR(s.buyAndHoldPct, (d.close.back() / d.close.front() - 1) * 100, 1e-9);
  EXPECT_NEAR(s.annualReturnPct,
              (std::pow(equity.back() / 10'000.0, 252.0 / static_cast<double>(r.size())) - 1) * 100, 1e-9);
  EXPECT_NEAR(s.annualVolatilityPct, sd * std::sqrt(252.0) * 100, 1e-9);
  EXPECT_NEAR(s.sharpe, mean / sd * std::sqrt(252.0), 1e-9);
  EXPECT_NEAR(s.sortino, mean / std::sqrt(down / static_cast<double>(r.size())) * std::sqrt(252.0), 1e-9);
  EXPECT_NEAR(s.maxDrawdownPct, maxDd * 100, 1e-9);
  EXPECT_NEAR(s.calmar, s.annualReturnPct / (maxDd * 100), 1e-9);
  EXPECT_NEAR(s.winRatePct, 100.0 * static_cast<double>(winCount) / static_cast<double>(pnls.size()), 1e-9);
  EXPECT_NEAR(s.profitFactor, wins / losses, 1e-9);
  EXPECT_NEAR(s.expectancy, (wins - losses) / static_cast<double>(pnls.size()), 1e-9);
  EXPECT_NEAR(s.exposurePct, 100.0 * static_cast<double>(exposedBars) / static_cast<double>(n), 1e-9);
  EXPECT_GT(s.trades, 20U);
  EXPECT_EQ(s.ordersDenied, 0U);
}

TEST(Backtest, SameInputGivesTheSameOutput) {
  auto series = loadBars(kGoog);
  ASSERT_TRUE(series);
  for (auto kind : {StrategyKind::SmaCross, StrategyKind::Rsi, StrategyKind::Breakout}) {
    auto config = smaCross();
    config.kind = kind;
    config.sizing = Sizing::PercentEquity;
    config.sizingValue = 90;
    config.allowShort = kind == StrategyKind::Breakout;
    config.stopLossPct = kind == StrategyKind::Rsi ? 5.0 : 0.0;
    config.commissionPct = 0.1;
    auto a = runBacktest(*series, config, 10'000.0);
    auto b = runBacktest(*series, config, 10'000.0);
    ASSERT_TRUE(a && b);
    EXPECT_GT(a->trades.size(), 0U);
    ASSERT_EQ(a->equity.size(), b->equity.size());
    for (std::size_t i = 0; i < a->equity.size(); ++i) ASSERT_EQ(a->equity[i].equity, b->equity[i].equity);
    EXPECT_EQ(renderStatistics(a->stats), renderStatistics(b->stats));
    EXPECT_EQ(renderHtmlReport(*a, "x"), renderHtmlReport(*b, "x"));
  }
}

TEST(Backtest, StrategyFileProblemsAreAllReported) {
  auto bad = StrategyConfig::fromToml(
      "[strategy]\nkind = \"sma\"\nfast = 30\nslow = 20\n[sizing]\nkind = \"risk_percent\"\n", "s.toml");
  ASSERT_FALSE(bad);
  const auto& message = bad.error().message();
  EXPECT_NE(message.find("strategy.kind 'sma'"), std::string::npos) << message;
  EXPECT_NE(message.find("needs sizing.stop_loss_pct"), std::string::npos) << message;
  auto good = StrategyConfig::fromToml(
      "[strategy]\nkind = \"rsi\"\nrsi_period = 7\n[sizing]\nkind = \"units\"\nvalue = 3\n"
      "[execution]\nfill = \"this_close\"\n", "s.toml");
  ASSERT_TRUE(good) << good.error().describe();
  EXPECT_EQ(good->kind, StrategyKind::Rsi);
  EXPECT_EQ(good->rsiPeriod, 7);
  EXPECT_EQ(good->fill, venue::BarFill::ThisClose);
}

TEST(Backtest, BadDataNamesTheLine) {
  const std::string path = std::string(AIT_BINARY_DIR) + "/bad_bars.csv";
  std::ofstream(path) << "Date,Open,High,Low,Close\n2020-01-01,1,2,0.5,1.5\n2020-01-02,1,x,0.5,1\n";
  auto series = loadBars(path);
  ASSERT_FALSE(series);
  EXPECT_NE(series.error().message().find(":3: column High 'x'"), std::string::npos)
      << series.error().message();
}

}  // namespace
}  // namespace ait::trading
