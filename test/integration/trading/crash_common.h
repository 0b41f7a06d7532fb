#pragma once
// What the trading crash child runs with, shared with the parent that replays its journal.

#include <string>

#include "ait/engine/runtime.h"
#include "ait/trading/presets.h"
#include "ait/trading/service.h"

namespace ait::trading::crashtest {

inline model::InstrumentId instrumentId() { return presets::eurusdId(); }
inline constexpr model::TenantId kTenant{7};

inline TradingSettings settings() {
  TradingSettings s;
  s.instruments.push_back(presets::eurusd());
  s.accounts.push_back({kTenant, model::AccountId("ACC1"), model::Currency("USD"),
                        portfolio::PositionMode::Netting, model::Money::fromRaw(1'000'000, 0)});
  s.limits = presets::unthrottled();
  s.limits.maxOrdersPerSecond = 1'000'000;
  s.limits.maxOrdersPerMinute = 1'000'000;
  s.limits.maxOpenPositions = 5;
  s.limits.maxPositionPerInstrument = model::Quantity::fromRaw(1'000, 0);
  s.engine.maxOrders = 1U << 18;
  // Often, so that most restarts load a snapshot and replay only the journal after it.
  s.snapshotEvery = 200;
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
