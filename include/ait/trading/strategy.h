#pragma once
// Built-in rule strategies for backtests and paper trading: moving-average crossover (the fast
// leg may be the close itself), RSI thresholds and a close breakout. Each looks at closes only
// and answers, after every close, the position direction it wants. Windows are sized at
// construction: no allocation per bar.

#include <cstdint>
#include <string_view>
#include <vector>

#include "ait/core/error.h"
#include "ait/model/instrument.h"
#include "ait/venue/sim_venue.h"

namespace ait::trading {

enum class StrategyKind : std::uint8_t { SmaCross, Rsi, Breakout };
/// Units of the instrument, % of equity in notional, % of equity lost at the stop, or fixed lots.
enum class Sizing : std::uint8_t { Units, PercentEquity, RiskPercent, Lots };

struct StrategyConfig {
  StrategyKind kind = StrategyKind::SmaCross;
  int fast = 10;  // SMA periods; fast = 1 is the close itself
  int slow = 20;
  int rsiPeriod = 14;
  double rsiBuyBelow = 30.0;
  double rsiSellAbove = 70.0;
  int breakoutPeriod = 20;
  bool allowShort = false;
  Sizing sizing = Sizing::PercentEquity;
  double sizingValue = 95.0;  // units, or % of equity, or % of equity at risk to the stop
  double stopLossPct = 0.0;   // % from the entry; 0: none
  double takeProfitPct = 0.0;
  double commissionPct = 0.0;  // of each fill's notional
  std::int64_t slippageTicks = 0;
  int quantityScale = 0;       // decimal places of order quantities
  venue::BarFill fill = venue::BarFill::NextOpen;

  /// Reads a strategy file ([strategy], [sizing], [costs], [execution]); reports every problem.
  static Expected<StrategyConfig> fromToml(std::string_view text, std::string_view source);
};

/// Returns the position size in units of the instrument (units x price is the notional) that
/// `sizing` asks for: `value` units, `value` % of `equity`, the size that loses `value` % of
/// `equity` when the price moves `stopLossPct` % against it, or `value` lots of `contractSize`.
/// `equity` is in the price's currency; 0 when an input needed is not positive.
double sizeUnits(Sizing sizing, double value, double equity, double price, double stopLossPct,
                 double contractSize = 1.0) noexcept;

/// Returns `units` as a quantity mantissa of the instrument: in lots of its contract size,
/// rounded down to the lot step and at most its maximum; 0 when that is below its minimum.
std::int64_t quantityFor(double units, const model::Instrument& spec) noexcept;

/// The direction a strategy wants after a close.
enum class Target : std::int8_t { Short = -1, Flat = 0, Long = 1, Hold = 2 };

class RuleStrategy {
 public:
  explicit RuleStrategy(const StrategyConfig& config);
  /// Takes the next close; returns the wanted direction (Hold: keep what there is).
  Target onClose(double close) noexcept;
  /// Closes seen before the strategy can decide.
  int warmup() const noexcept;

 private:
  double mean(int period) const noexcept;
  Target exit() const noexcept { return config_.allowShort ? Target::Short : Target::Flat; }

  StrategyConfig config_;
  std::vector<double> window_;  // the last closes, ring
  std::size_t count_ = 0;
  double prevFast_ = 0.0;
  double prevSlow_ = 0.0;
  double avgGain_ = 0.0;
  double avgLoss_ = 0.0;
  double prevClose_ = 0.0;
};

}  // namespace ait::trading
