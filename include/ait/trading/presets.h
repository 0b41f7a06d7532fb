#pragma once
// Ready-made trading terms for the simulated venue: a EURUSD contract as FX brokers trade it and
// risk limits that never throttle. Benchmarks and the crash test trade on them, so that their
// figures describe the same instrument.

#include "ait/portfolio/catalog.h"
#include "ait/risk/risk_engine.h"

namespace ait::trading::presets {

inline model::InstrumentId eurusdId() { return {model::Symbol("EURUSD"), model::Venue("SIM")}; }

/// EURUSD: 5 price places, lots of 100000 in steps of 0.01, 1:100 margin, 3.5 commission a lot.
inline portfolio::TradableInstrument eurusd() {
  portfolio::TradableInstrument fx;
  fx.spec.id = eurusdId();
  fx.spec.priceScale = 5;
  fx.spec.quantityScale = 2;
  fx.spec.tickSize = model::Price::fromRaw(1, 5);
  fx.spec.lotStep = model::Quantity::fromRaw(1, 2);
  fx.spec.minQuantity = model::Quantity::fromRaw(1, 2);
  fx.spec.maxQuantity = model::Quantity::fromRaw(10'000, 2);
  fx.spec.contractSize = model::Quantity::fromRaw(100'000, 0);
  fx.spec.currency = "USD";
  fx.terms.marginPpm = 10'000;
  fx.terms.commissionPerUnit = model::Money::fromRaw(35, 1);
  return fx;
}

/// Limits that let any order rate and loss through (no stop loss needed either); the other
/// checks keep their defaults.
inline risk::RiskLimits unthrottled() {
  risk::RiskLimits l;
  l.maxRiskPerTradePpm = 1'000'000;
  l.maxOrdersPerSecond = INT32_MAX;
  l.maxOrdersPerMinute = INT32_MAX;
  l.maxDailyLossPpm = 1'000'000;
  l.maxDrawdownPpm = 1'000'000;
  return l;
}

}  // namespace ait::trading::presets
