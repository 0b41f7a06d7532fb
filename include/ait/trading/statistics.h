#pragma once
// Trading statistics of an equity curve and a list of closed trades: the same code computes a
// backtest's figures and the live figures of the performance-analytics service.

#include <cstdint>
#include <map>
#include <optional>
#include <tuple>
#include <vector>

#include "ait/core/clock.h"
#include "ait/model/events.h"

namespace ait::trading {

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

/// Computes the statistics of an equity curve (one point per bar) and closed trades. Returns
/// are per bar; annualised with periodsPerYear (252 for daily bars); risk-free rate 0.
Statistics computeStatistics(const std::vector<EquityPoint>& equity,
                             const std::vector<Trade>& trades, double firstClose,
                             double lastClose, double periodsPerYear,
                             const std::vector<bool>& exposed);

/// Builds closed trades from an engine's events: a trade runs from a position's opening to its
/// close; its PnL is the realized PnL less the commission of the fills on that account and
/// instrument since the previous close. Backtests and the analytics service share it.
class TradeBuilder {
 public:
  /// Folds one event; returns the trade a PositionClosed completed.
  std::optional<Trade> onEvent(const model::Event& event);

 private:
  using InstrumentKey = std::tuple<model::TenantId, model::AccountId, model::InstrumentId>;
  using PositionKey = std::tuple<model::TenantId, model::AccountId, model::PositionId>;
  struct Costs {
    double commission = 0.0;
    double lastFill = 0.0;
  };
  void track(Trade& trade, double quantity, double average);

  std::map<InstrumentKey, Costs> costs_;
  std::map<PositionKey, Trade> open_;
};

}  // namespace ait::trading
