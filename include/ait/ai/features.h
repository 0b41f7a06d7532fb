#pragma once
// The feature pipeline: a list of indicators parsed from a spec such as
// "sma:30,rsi:14,macd:12:26:9", updated bar by bar, writing a fixed-layout vector of doubles
// (one column per indicator output, NaN until the indicator is ready). Updates never allocate:
// every window is sized when the pipeline is built.

#include <cstddef>
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

using Indicator = std::variant<BarField, TimeOfDay, Sma, Ema, Wma, Rsi, Macd, Bollinger,
                               TrueRange, Atr, Stochastic, Returns, RollingVolatility>;

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
