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
#include "ait/trading/statistics.h"
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

struct BacktestResult {
  Statistics stats;
  std::vector<Trade> trades;
  std::vector<EquityPoint> equity;
};

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
