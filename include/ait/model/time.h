#pragma once
// ISO 8601 text for event timestamps (int64 ns since the Unix epoch, UTC), for JSON, logs and
// tools. The binary encoding keeps the integer.

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "ait/core/clock.h"
#include "ait/core/error.h"

namespace ait::model {

/// Longest text formatIso8601 writes ("2262-04-11T23:47:16.854775807Z" is 30).
inline constexpr std::size_t kMaxIso8601Chars = 32;

/// Writes ts as "YYYY-MM-DDTHH:MM:SS[.fff|.ffffff|.fffffffff]Z", with the shortest of the three
/// fraction lengths that is exact; returns the length, or 0 when out is too small.
std::size_t formatIso8601(TimestampNs ts, std::span<char> out) noexcept;
/// Returns formatIso8601 as a string.
std::string toIso8601(TimestampNs ts);

/// Parses "YYYY-MM-DD[(T|t| )HH:MM[:SS[.f{1,9}]]][Z|z|+HH|+HHMM|+HH:MM|-...]" into ns since the
/// epoch; no zone means UTC. Fails, naming the problem, on invalid dates, leap seconds, more
/// than 9 fractional digits or a result outside the int64 range (1677-09-21..2262-04-11).
Expected<TimestampNs> parseIso8601(std::string_view text);

}  // namespace ait::model
