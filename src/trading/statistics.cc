#include "ait/trading/statistics.h"

#include <algorithm>
#include <cmath>

namespace ait::trading {

namespace {
constexpr double kNsPerDay = 86'400e9;
}  // namespace

Statistics computeStatistics(const std::vector<EquityPoint>& equity, const std::vector<Trade>& trades,
                             double firstClose, double lastClose, double periodsPerYear,
                             const std::vector<bool>& exposed) {
  Statistics s;
  if (equity.size() < 2) return s;
  s.start = equity.front().ts;
  s.end = equity.back().ts;
  s.startEquity = equity.front().equity;
  s.finalEquity = equity.back().equity;
  s.periodsPerYear = periodsPerYear;
  s.totalReturnPct = (s.finalEquity / s.startEquity - 1.0) * 100.0;
  const auto n = static_cast<double>(equity.size() - 1);
  std::vector<double> returns;
  returns.reserve(equity.size() - 1);
  for (std::size_t i = 1; i < equity.size(); ++i) {
    returns.push_back(equity[i].equity / equity[i - 1].equity - 1.0);
  }
  double mean = 0.0;
  for (double r : returns) mean += r;
  mean /= n;
  double var = 0.0;
  double downside = 0.0;
  for (double r : returns) {
    var += (r - mean) * (r - mean);
    if (r < 0) downside += r * r;
  }
  double sd = returns.size() > 1 ? std::sqrt(var / (n - 1.0)) : 0.0;
  double dd = std::sqrt(downside / n);
  double growth = s.finalEquity / s.startEquity;
  s.annualReturnPct = growth > 0 ? (std::pow(growth, periodsPerYear / n) - 1.0) * 100.0 : -100.0;
  s.annualVolatilityPct = sd * std::sqrt(periodsPerYear) * 100.0;
  s.sharpe = sd > 0 ? mean / sd * std::sqrt(periodsPerYear) : 0.0;
  s.sortino = dd > 0 ? mean / dd * std::sqrt(periodsPerYear) : 0.0;

  double peak = equity.front().equity;
  TimestampNs peakTime = equity.front().ts;
  TimestampNs longest = 0;
  for (const auto& p : equity) {
    if (p.equity >= peak) {
      longest = std::max(longest, p.ts - peakTime);
      peak = p.equity;
      peakTime = p.ts;
    } else {
      s.maxDrawdownPct = std::max(s.maxDrawdownPct, (1.0 - p.equity / peak) * 100.0);
    }
  }
  longest = std::max(longest, equity.back().equity >= peak ? TimestampNs{0} : equity.back().ts - peakTime);
  s.maxDrawdownDays = static_cast<double>(longest) / kNsPerDay;
  s.calmar = s.maxDrawdownPct > 0 ? s.annualReturnPct / s.maxDrawdownPct : 0.0;

  s.trades = trades.size();
  double wins = 0.0, losses = 0.0, sum = 0.0, sumSq = 0.0;
  std::size_t winCount = 0;
  for (const auto& t : trades) {
    sum += t.pnl;
    sumSq += t.pnl * t.pnl;
    if (t.pnl > 0) {
      wins += t.pnl;
      ++winCount;
    } else {
      losses -= t.pnl;
    }
  }
  if (!trades.empty()) {
    const auto k = static_cast<double>(trades.size());
    s.winRatePct = static_cast<double>(winCount) / k * 100.0;
    s.profitFactor = losses > 0 ? wins / losses : 0.0;
    s.expectancy = sum / k;
    double tradeVar = trades.size() > 1 ? (sumSq - k * s.expectancy * s.expectancy) / (k - 1.0) : 0.0;
    s.sqn = tradeVar > 0 ? std::sqrt(k) * s.expectancy / std::sqrt(tradeVar) : 0.0;
  }
  std::size_t exposedBars = static_cast<std::size_t>(std::count(exposed.begin(), exposed.end(), true));
  s.exposurePct = exposed.empty() ? 0.0 : static_cast<double>(exposedBars) / static_cast<double>(exposed.size()) * 100.0;
  s.buyAndHoldPct = (lastClose / firstClose - 1.0) * 100.0;
  return s;
}

void TradeBuilder::track(Trade& trade, double quantity, double average) {
  if (std::fabs(quantity) >= trade.quantity) {
    trade.quantity = std::fabs(quantity);
    trade.entryPrice = average;
  }
  trade.side = quantity > 0 ? model::Side::Buy : model::Side::Sell;
}

std::optional<Trade> TradeBuilder::onEvent(const model::Event& event) {
  if (const auto* fill = std::get_if<model::OrderFilled>(&event)) {
    auto& costs = costs_[{fill->header.tenant, fill->account, fill->instrument}];
    costs.commission += fill->commission.toDouble();
    costs.lastFill = fill->fillPrice.toDouble();
  } else if (const auto* opened = std::get_if<model::PositionOpened>(&event)) {
    Trade& trade = open_[{opened->header.tenant, opened->account, opened->positionId}];
    trade = Trade{};
    trade.entryTime = opened->header.tsEvent;
    track(trade, opened->quantity.toDouble(), opened->averagePrice.toDouble());
  } else if (const auto* changed = std::get_if<model::PositionChanged>(&event)) {
    auto it = open_.find({changed->header.tenant, changed->account, changed->positionId});
    if (it != open_.end()) track(it->second, changed->quantity.toDouble(), changed->averagePrice.toDouble());
  } else if (const auto* closed = std::get_if<model::PositionClosed>(&event)) {
    auto it = open_.find({closed->header.tenant, closed->account, closed->positionId});
    if (it == open_.end()) return std::nullopt;  // opened before what this builder saw
    Trade trade = it->second;
    open_.erase(it);
    auto& costs = costs_[{closed->header.tenant, closed->account, closed->instrument}];
    trade.exitTime = closed->header.tsEvent;
    trade.exitPrice = costs.lastFill;
    trade.pnl = closed->realizedPnl.toDouble() - costs.commission;
    double notional = trade.entryPrice * trade.quantity;
    trade.returnPct = notional > 0 ? trade.pnl / notional * 100.0 : 0.0;
    costs.commission = 0.0;
    return trade;
  }
  return std::nullopt;
}

}  // namespace ait::trading
