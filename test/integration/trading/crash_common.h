#pragma once
// What the trading crash child runs with, shared with the parent that replays its journal.

#include <string>

#include "ait/engine/runtime.h"
#include "ait/trading/service.h"

namespace ait::trading::crashtest {

inline model::InstrumentId instrumentId() { return {model::Symbol("EURUSD"), model::Venue("SIM")}; }
inline constexpr model::TenantId kTenant{7};

inline TradingSettings settings() {
  TradingSettings s;
  portfolio::TradableInstrument fx;
  fx.spec.id = instrumentId();
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
  s.instruments.push_back(fx);
  s.accounts.push_back({kTenant, model::AccountId("ACC1"), model::Currency("USD"),
                        portfolio::PositionMode::Netting, model::Money::fromRaw(1'000'000, 0)});
  s.limits.maxRiskPerTradePpm = 1'000'000;
  s.limits.maxOrdersPerSecond = 1'000'000;
  s.limits.maxOrdersPerMinute = 1'000'000;
  s.limits.maxDailyLossPpm = 1'000'000;
  s.limits.maxDrawdownPpm = 1'000'000;
  s.limits.maxOpenPositions = 5;
  s.limits.maxPositionPerInstrument = model::Quantity::fromRaw(1'000, 0);
  s.engine.maxOrders = 1U << 18;
  return s;
}

inline engine::RuntimeSettings runtimeSettings(const std::string& dir) {
  engine::RuntimeSettings r;
  r.journal.dataDir = dir;
  r.journal.segmentBytes = 1 << 20;  // rolls often, so kills also land around segment creation
  r.journal.fsync = true;
  r.journal.bufferBytes = 1 << 20;
  r.journal.maxPayloadBytes = 4096;
  r.journal.archive = journal::ArchiveMode::Delete;
  return r;
}

}  // namespace ait::trading::crashtest
