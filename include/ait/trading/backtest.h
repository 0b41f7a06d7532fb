#pragma once
// Backtests: the trading engine, risk checks and simulated venue of live trading, driven by
// recorded bars on a simulated clock (the bars' own times), as fast as the machine goes. The same
// input gives the same output, every time.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "ait/core/error.h"
#include "ait/model/events.h"
#include "ait/portfolio/catalog.h"
#include "ait/trading/strategy.h"

namespace ait::trading {

/// Bars read from a CSV file, with the price scale their text needs.
struct BarSeries {
  model::InstrumentId instrument;
  std::uint8_t priceScale = 0;
  std::vector<model::Bar> bars;
};

/// Reads OHLC bars from CSV: a header naming the columns (a first column of dates or times, or
/// one called date/datetime/time/timestamp; open, high, low, close; optional volume), dates as
/// ISO 8601 (UTC). Optional [from, to) limits by bar start. Names file, line and field of any
/// problem.
Expected<BarSeries> loadBars(const std::string& path, TimestampNs from = INT64_MIN,
                             TimestampNs to = INT64_MAX);

struct Trade {
  TimestampNs entryTime = 0;
  TimestampNs exitTime = 0;
  model::Side side = model::Side::Buy;
  double quantity = 0.0;
  double entryPrice = 0.0;
  double exitPrice = 0.0;
  double pnl = 0.0;          // realized, after commission
  double returnPct = 0.0;    // pnl / entry notional x 100
};

struct EquityPoint {
  TimestampNs ts = 0;
  double equity = 0.0;
};

struct Statistics {
  TimestampNs start = 0;
  TimestampNs end = 0;
  double startEquity = 0.0;
  double finalEquity = 0.0;
  double totalReturnPct = 0.0;
  double annualReturnPct = 0.0;
  double annualVolatilityPct = 0.0;
  double sharpe = 0.0;
  double sortino = 0.0;
  double calmar = 0.0;
  double maxDrawdownPct = 0.0;
  double maxDrawdownDays = 0.0;
  std::size_t trades = 0;
  double winRatePct = 0.0;
  double profitFactor = 0.0;
  double expectancy = 0.0;  // mean trade PnL, account currency
  double sqn = 0.0;
  double exposurePct = 0.0;
  double buyAndHoldPct = 0.0;
  double periodsPerYear = 0.0;
  std::uint64_t ordersDenied = 0;
};

struct BacktestResult {
  Statistics stats;
  std::vector<Trade> trades;
  std::vector<EquityPoint> equity;
};

/// Computes the statistics of an equity curve (one point per bar) and closed trades. Returns
/// are per bar; annualised with periodsPerYear (252 for daily bars); risk-free rate 0.
Statistics computeStatistics(const std::vector<EquityPoint>& equity,
                             const std::vector<Trade>& trades, double firstClose,
                             double lastClose, double periodsPerYear,
                             const std::vector<bool>& exposed);

/// Runs the strategy over the bars with `cash` to start; `progress` (may be empty) gets the
/// share done now and then.
Expected<BacktestResult> runBacktest(const BarSeries& series, const StrategyConfig& strategy,
                                     double cash,
                                     const std::function<void(double)>& progress = {});

/// Renders the statistics as aligned text.
std::string renderStatistics(const Statistics& stats);
/// Renders a self-contained HTML report: statistics, equity and drawdown charts (SVG), trades.
std::string renderHtmlReport(const BacktestResult& result, const std::string& title);

}  // namespace ait::trading
