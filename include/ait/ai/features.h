#pragma once
// The feature pipeline: a list of indicators parsed from a spec such as
// "sma:30,rsi:14,macd:12:26:9", updated bar by bar, writing a fixed-layout vector of doubles
// (one column per indicator output, NaN until the indicator is ready). Updates never allocate:
// every window is sized when the pipeline is built.

#include <cstddef>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "ait/ai/indicators.h"
#include "ait/core/error.h"

namespace ait::ai {

/// The raw bar fields as features.
struct BarField {
  enum class Field { Open, High, Low, Close, Volume } field;
};

/// Time-of-day features: the bar's open time as hour of day (UTC, fractional) and day of week
/// (0 = Monday).
struct TimeOfDay {};

/// Spread features from quotes (onTick): the mean ask - bid over the ticks since the previous
/// bar (the last quote's spread when none arrived), and that spread in basis points of the mid.
/// NaN until a first quote.
struct SpreadFeature {
  double sum = 0;
  double midSum = 0;
  int count = 0;
  double last = std::numeric_limits<double>::quiet_NaN();
  double lastMid = std::numeric_limits<double>::quiet_NaN();
};

/// Ticks per second over the last N seconds up to the latest time seen (tick or bar), counted
/// in N one-second buckets sized at construction: O(1) amortised per tick, no allocation.
class TickRate {
 public:
  explicit TickRate(int seconds);
  void onTick(std::int64_t ts) noexcept;
  /// Returns the rate over the window ending at max(ts, latest tick).
  double value(std::int64_t ts) noexcept;
  int lookback() const noexcept { return 0; }

 private:
  void advanceTo(std::int64_t second) noexcept;
  std::vector<std::int64_t> counts_;
  std::int64_t head_ = std::numeric_limits<std::int64_t>::min();  // newest second counted
  std::int64_t sum_ = 0;
};

/// Trading sessions by the bar's UTC hour (fixed hours, no daylight saving): Asia 00-09,
/// London 07-16, New York 12-21; 1 inside, 0 outside.
struct SessionFeature {};

using Indicator = std::variant<BarField, TimeOfDay, Sma, Ema, Wma, Rsi, Macd, Bollinger,
                               TrueRange, Atr, Stochastic, Returns, RollingVolatility,
                               SpreadFeature, TickRate, SessionFeature>;

/// One parsed item of a feature spec.
struct FeatureSpec {
  std::string kind;         // "sma", "macd", ...
  std::vector<double> params;
  std::vector<std::string> columns;  // the names of its output columns, in order
};

/// Parses "kind[:p1[:p2...]]" items separated by commas; every mistake is reported at once
/// with the item it is in. Kinds and their columns are listed in docs/ai.md.
Expected<std::vector<FeatureSpec>> parseFeatureSpecs(std::string_view spec);

class FeaturePipeline {
 public:
  /// Builds the pipeline for a spec (see parseFeatureSpecs).
  static Expected<FeaturePipeline> create(std::string_view spec);

  /// Feeds one bar to every indicator and writes the vector (size columns().size()) into out.
  void update(const Bar& bar, std::span<double> out) noexcept;
  /// Feeds one bar; the values are then in values().
  void update(const Bar& bar) noexcept { update(bar, values_); }
  /// Feeds one quote to the tick features (spread, tickrate); call it for every tick and
  /// update() at each bar. O(1), no allocation.
  void onTick(std::int64_t ts, double bid, double ask) noexcept;

  const std::vector<std::string>& columns() const noexcept { return columns_; }
  std::span<const double> values() const noexcept { return values_; }
  /// Returns the index of a column, or -1.
  int columnIndex(std::string_view name) const noexcept;
  /// Returns true when every column has a value (all indicators past their lookback).
  bool ready() const noexcept;
  /// Returns the largest lookback among the indicators.
  int lookback() const noexcept;
  const std::string& spec() const noexcept { return spec_; }

 private:
  std::string spec_;
  std::vector<Indicator> indicators_;
  std::vector<std::string> columns_;
  std::vector<double> values_;
};

}  // namespace ait::ai
