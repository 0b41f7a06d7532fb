#pragma once
// Instruments of the data bridge: the model's reference data plus what the bridge needs to watch
// the feed (its trading session and the longest quiet time in it that is not a gap).

#include <cstdint>
#include <vector>

#include "ait/config/config.h"
#include "ait/core/error.h"
#include "ait/data/session.h"
#include "ait/model/instrument.h"

namespace ait::data {

struct InstrumentSpec {
  model::Instrument instrument;
  /// No tick for longer than this, counting only the time the session is open, is a gap;
  /// 0: not checked.
  std::int64_t gapThresholdNs = 0;
  /// When the instrument trades; silence outside it is never a gap.
  TradingSession session;
};

/// Returns the instruments of `[[data.instruments]]`, or one error listing every entry that is
/// wrong (a tick size off the price scale, a repeated symbol, ...).
Expected<std::vector<InstrumentSpec>> instrumentsFromConfig(
    const std::vector<config::InstrumentConfig>& entries);

}  // namespace ait::data
