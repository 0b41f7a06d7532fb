#pragma once
// Reading OHLC bar CSV files (TA-Lib's reference series, backtesting.py, backtrader, FXCM and
// FTX exports) and aggregating bars into a longer timeframe. Tick files are the data
// component's business; this reads bars only.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ait/ai/indicators.h"
#include "ait/core/error.h"

namespace ait::ai {

/// How the columns of a bar file are found.
enum class BarFormat {
  /// A header row names the columns (case-insensitive: open, high, low, close, optional volume;
  /// the time is the column named date, datetime, time or timestamp, else the first column).
  /// Times: YYYY-MM-DD[ HH:MM[:SS[.fff...]]][+00:00|Z] (UTC) or an integer index (taken as days
  /// from 1970-01-01, as in TA-Lib's reference series).
  Csv,
};

/// Returns the format named `name` ("csv"), or an error listing the known ones.
Expected<BarFormat> parseBarFormat(std::string_view name);

/// Reads every bar of the file; an unreadable row is an error naming the file, line and field.
Expected<std::vector<Bar>> readBars(const std::string& path, BarFormat format);

/// Parses a timestamp as described for BarFormat::Csv into ns since the epoch (UTC).
Expected<std::int64_t> parseTimestamp(std::string_view text);

/// Parses a timeframe such as "raw" (0: keep the bars as they are), "30s", "1m", "5m", "1h",
/// "1d" into ns.
Expected<std::int64_t> parseTimeframe(std::string_view text);

/// Aggregates bars into buckets of timeframeNs aligned on the epoch (open of the first, highest
/// high, lowest low, close of the last, summed volume); timeframeNs 0 returns them unchanged.
std::vector<Bar> resample(const std::vector<Bar>& bars, std::int64_t timeframeNs);

/// Returns ts as "YYYY-MM-DDTHH:MM:SSZ" (with .fffffffff when not whole seconds).
std::string formatTimestamp(std::int64_t ts);

}  // namespace ait::ai
