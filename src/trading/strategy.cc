#include "ait/trading/strategy.h"

#include <algorithm>
#include <cmath>
#include <string>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "ait/portfolio/fixed.h"
#include "ait/trading/errors.h"

namespace ait::trading {

Expected<StrategyConfig> StrategyConfig::fromToml(std::string_view text, std::string_view source) {
  toml::table table;
  try {
    table = toml::parse(text, source);
  } catch (const toml::parse_error& error) {
    return fail(errors::kConfig, fmt::format("{}: {} (line {})", source, error.description(),
                                             error.source().begin.line));
  }
  StrategyConfig c;
  std::vector<std::string> problems;
  auto str = [&](std::string_view path, std::string fallback) {
    auto node = table.at_path(path);
    if (!node) return fallback;
    if (auto v = node.value<std::string>()) return *v;
    problems.push_back(fmt::format("{} must be a string", path));
    return fallback;
  };
  auto num = [&](std::string_view path, double fallback, double lo, double hi) {
    auto node = table.at_path(path);
    if (!node) return fallback;
    auto v = node.value<double>();
    if (!v) {
      problems.push_back(fmt::format("{} must be a number", path));
      return fallback;
    }
    if (*v < lo || *v > hi) problems.push_back(fmt::format("{} = {} is outside {}..{}", path, *v, lo, hi));
    return *v;
  };
  std::string kind = str("strategy.kind", "sma_cross");
  if (kind == "sma_cross") {
    c.kind = StrategyKind::SmaCross;
  } else if (kind == "rsi") {
    c.kind = StrategyKind::Rsi;
  } else if (kind == "breakout") {
    c.kind = StrategyKind::Breakout;
  } else {
    problems.push_back(fmt::format("strategy.kind '{}': use sma_cross, rsi or breakout", kind));
  }
  c.fast = static_cast<int>(num("strategy.fast", c.fast, 1, 10'000));
  c.slow = static_cast<int>(num("strategy.slow", c.slow, 1, 10'000));
  if (c.kind == StrategyKind::SmaCross && c.fast >= c.slow) {
    problems.push_back(fmt::format("strategy.fast ({}) must be below strategy.slow ({})", c.fast, c.slow));
  }
  c.rsiPeriod = static_cast<int>(num("strategy.rsi_period", c.rsiPeriod, 2, 10'000));
  c.rsiBuyBelow = num("strategy.rsi_buy_below", c.rsiBuyBelow, 0, 100);
  c.rsiSellAbove = num("strategy.rsi_sell_above", c.rsiSellAbove, 0, 100);
  c.breakoutPeriod = static_cast<int>(num("strategy.breakout_period", c.breakoutPeriod, 1, 10'000));
  if (auto node = table.at_path("strategy.allow_short")) {
    if (auto v = node.value<bool>()) {
      c.allowShort = *v;
    } else {
      problems.emplace_back("strategy.allow_short must be true or false");
    }
  }
  std::string sizing = str("sizing.kind", "percent_equity");
  if (sizing == "units") {
    c.sizing = Sizing::Units;
  } else if (sizing == "percent_equity") {
    c.sizing = Sizing::PercentEquity;
  } else if (sizing == "risk_percent") {
    c.sizing = Sizing::RiskPercent;
  } else {
    problems.push_back(fmt::format("sizing.kind '{}': use units, percent_equity or risk_percent", sizing));
  }
  c.sizingValue = num("sizing.value", c.sizingValue, 0, 1e12);
  if (c.sizingValue <= 0) problems.emplace_back("sizing.value must be greater than 0");
  c.stopLossPct = num("sizing.stop_loss_pct", c.stopLossPct, 0, 100);
  c.takeProfitPct = num("sizing.take_profit_pct", c.takeProfitPct, 0, 1000);
  if (c.sizing == Sizing::RiskPercent && c.stopLossPct <= 0) {
    problems.emplace_back("sizing.kind = risk_percent needs sizing.stop_loss_pct");
  }
  c.quantityScale = static_cast<int>(num("sizing.quantity_scale", c.quantityScale, 0, 8));
  c.commissionPct = num("costs.commission_pct", c.commissionPct, 0, 100);
  c.slippageTicks = static_cast<std::int64_t>(num("costs.slippage_ticks", 0, 0, 1e6));
  std::string fill = str("execution.fill", "next_open");
  if (fill == "next_open") {
    c.fill = venue::BarFill::NextOpen;
  } else if (fill == "this_close") {
    c.fill = venue::BarFill::ThisClose;
  } else {
    problems.push_back(fmt::format("execution.fill '{}': use next_open or this_close", fill));
  }
  if (!problems.empty()) {
    std::string all;
    for (const auto& p : problems) all += (all.empty() ? "" : "; ") + p;
    return fail(errors::kConfig, fmt::format("{}: {}", source, all));
  }
  return c;
}

double sizeUnits(Sizing sizing, double value, double equity, double price, double stopLossPct,
                 double contractSize) noexcept {
  if (!(value > 0.0)) return 0.0;
  switch (sizing) {
    case Sizing::Units: return value;
    case Sizing::Lots: return contractSize > 0.0 ? value * contractSize : 0.0;
    case Sizing::PercentEquity:
      return equity > 0.0 && price > 0.0 ? equity * value / 100.0 / price : 0.0;
    case Sizing::RiskPercent:
      return equity > 0.0 && price > 0.0 && stopLossPct > 0.0
                 ? equity * value / 100.0 / (price * stopLossPct / 100.0)
                 : 0.0;
  }
  return 0.0;
}

std::int64_t quantityFor(double units, const model::Instrument& spec) noexcept {
  const double contract = spec.contractSize.toDouble();
  if (!(units > 0.0) || !(contract > 0.0)) return 0;
  const std::uint8_t scale = spec.quantityScale;
  std::int64_t step = 1, min = 0, max = INT64_MAX;
  if (!portfolio::mantissaAt(spec.lotStep.decimal(), scale, step) || step <= 0) step = 1;
  if (!portfolio::mantissaAt(spec.minQuantity.decimal(), scale, min)) min = 0;
  if (!portfolio::mantissaAt(spec.maxQuantity.decimal(), scale, max) || max <= 0) max = INT64_MAX;
  max -= max % step;
  // The epsilon keeps a size that is a whole number of steps in decimal from flooring one below.
  const double raw = std::floor(units / contract * std::pow(10.0, scale) + 1e-9);
  std::int64_t quantity = raw >= static_cast<double>(max) ? max : static_cast<std::int64_t>(raw);
  quantity -= quantity % step;
  return quantity > 0 && quantity >= min ? quantity : 0;
}

namespace {

/// Adds low[count - 1] down to low[0] onto `sum`, one after the other. Unrolled by hand (the
/// order of the additions stays): the additions wait on each other, and fewer instructions
/// around them leave the processor room to run the engine's work alongside.
double sumDown(const double* low, std::size_t count, double sum) noexcept {
  for (; count >= 4; count -= 4) {
    sum += low[count - 1];
    sum += low[count - 2];
    sum += low[count - 3];
    sum += low[count - 4];
  }
  for (; count > 0; --count) sum += low[count - 1];
  return sum;
}

/// Adds terms [from, to) of the ring `window` newest first (the newest in slot `newest`) onto
/// `sum`. Summed afresh each time: the same closes always give the same average, bit for bit.
/// The ring is walked as its two contiguous runs, newest back to slot 0 and then from the end,
/// so the loop does no index arithmetic besides the step (this runs per tick in backtests).
double sumNewest(const std::vector<double>& window, std::size_t newest, double sum,
                 std::size_t from, std::size_t to) noexcept {
  const std::size_t n = window.size();
  const double* w = window.data();
  const std::size_t split = std::min(to, newest + 1);
  if (from < split) sum = sumDown(w + newest + 1 - split, split - from, sum);
  const std::size_t start = std::max(from, split);
  if (start < to) sum = sumDown(w + newest + n + 1 - to, to - start, sum);
  return sum;
}

}  // namespace

RuleStrategy::RuleStrategy(const StrategyConfig& config) : config_(config) {
  std::size_t size = 1;
  switch (config.kind) {
    case StrategyKind::SmaCross: size = static_cast<std::size_t>(config.slow); break;
    case StrategyKind::Rsi: size = 1; break;
    case StrategyKind::Breakout: size = static_cast<std::size_t>(config.breakoutPeriod) + 1; break;
  }
  window_.assign(size, 0.0);
}

int RuleStrategy::warmup() const noexcept {
  switch (config_.kind) {
    case StrategyKind::SmaCross: return config_.slow + 1;
    case StrategyKind::Rsi: return config_.rsiPeriod + 1;
    case StrategyKind::Breakout: return config_.breakoutPeriod + 1;
  }
  return 0;
}

double RuleStrategy::mean(int period) const noexcept {
  return sumNewest(window_, (count_ - 1) % window_.size(), 0.0, 0, static_cast<std::size_t>(period)) / period;
}

Target RuleStrategy::onClose(double close) noexcept {
  const std::size_t newest = count_ % window_.size();  // one division per close
  window_[newest] = close;
  ++count_;
  switch (config_.kind) {
    case StrategyKind::SmaCross: {
      if (count_ < static_cast<std::size_t>(config_.slow)) return Target::Hold;
      double fast = 0.0;
      double slow = 0.0;
      if (config_.fast <= config_.slow) {
        // One pass: the slow sum's first `fast` terms are the fast sum, the same additions in
        // the same order as two separate sums.
        const auto f = static_cast<std::size_t>(config_.fast);
        const double fastSum = sumNewest(window_, newest, 0.0, 0, f);
        fast = fastSum / config_.fast;
        slow = sumNewest(window_, newest, fastSum, f, static_cast<std::size_t>(config_.slow)) / config_.slow;
      } else {
        fast = mean(config_.fast);
        slow = mean(config_.slow);
      }
      bool ready = count_ > static_cast<std::size_t>(config_.slow);
      Target target = Target::Hold;
      if (ready && prevFast_ < prevSlow_ && fast > slow) target = Target::Long;
      if (ready && prevFast_ > prevSlow_ && fast < slow) target = exit();
      prevFast_ = fast;
      prevSlow_ = slow;
      return target;
    }
    case StrategyKind::Rsi: {
      const auto n = static_cast<std::size_t>(config_.rsiPeriod);
      if (count_ == 1) {
        prevClose_ = close;
        return Target::Hold;
      }
      double change = close - prevClose_;
      prevClose_ = close;
      double gain = change > 0 ? change : 0.0;
      double loss = change < 0 ? -change : 0.0;
      std::size_t changes = count_ - 1;
      if (changes <= n) {
        // The first average is the plain mean of the first n changes (Wilder).
        avgGain_ += gain / static_cast<double>(n);
        avgLoss_ += loss / static_cast<double>(n);
        if (changes < n) return Target::Hold;
      } else {
        avgGain_ = (avgGain_ * static_cast<double>(n - 1) + gain) / static_cast<double>(n);
        avgLoss_ = (avgLoss_ * static_cast<double>(n - 1) + loss) / static_cast<double>(n);
      }
      double rsi = avgLoss_ == 0.0 ? 100.0 : 100.0 - 100.0 / (1.0 + avgGain_ / avgLoss_);
      if (rsi < config_.rsiBuyBelow) return Target::Long;
      if (rsi > config_.rsiSellAbove) return exit();
      return Target::Hold;
    }
    case StrategyKind::Breakout: {
      const auto period = static_cast<std::size_t>(config_.breakoutPeriod);
      if (count_ <= period) return Target::Hold;
      double high = -1e300;
      double low = 1e300;
      const std::size_t n = window_.size();
      for (std::size_t i = 1; i <= period; ++i) {
        double c = window_[newest >= i ? newest - i : newest + n - i];
        high = std::max(high, c);
        low = std::min(low, c);
      }
      if (close > high) return Target::Long;
      if (close < low) return exit();
      return Target::Hold;
    }
  }
  return Target::Hold;
}

}  // namespace ait::trading
