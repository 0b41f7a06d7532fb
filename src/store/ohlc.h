#pragma once
// OHLC bars computed in process from tick rows (the relational stores' answer to a bars query;
// ClickHouse computes the same on the server). Exact decimal arithmetic, the same rules as the
// ClickHouse query: the traded price, or the mid when a tick has none; values printed without
// trailing zeros.

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "ait/core/error.h"

namespace ait::store::ohlc {

/// "1.085000" -> "1.085", "2.000" -> "2".
std::string trimDecimal(std::string_view text);

/// Aggregates tick rows ({ts_event_ns, bid, ask, last, volume}, oldest first) into bars of
/// intervalNs aligned to multiples of it: [{start_ns, open, high, low, close, volume, ticks}].
Expected<nlohmann::json> aggregate(const nlohmann::json& ticks, std::int64_t intervalNs);

}  // namespace ait::store::ohlc
