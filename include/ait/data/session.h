#pragma once
// When an instrument trades: weekly windows in a time zone. Gap detection counts only the time the
// session is open, so a market closed for the weekend or the night is quiet, not gapped.
//
// Forms (data.instruments[].session):
//   "24x7"                                   always open (the default)
//   "fx"                                     Sun 17:00 to Fri 17:00 America/New_York
//   "Sun 17:00-Fri 17:00 America/New_York"   one window from a day and time to another
//   "Mon-Fri 09:30-16:00 America/New_York"   the same hours on each day of a range
//   "Mon-Fri 09:30-12:00, Mon-Fri 13:00-16:00 Asia/Tokyo"   several windows, comma-separated
// The zone (an IANA name, or UTC) comes last and applies to every window. Windows must not
// overlap. Local times follow the zone's daylight saving: a window edge in a skipped hour moves
// to the change.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ait/core/clock.h"
#include "ait/core/error.h"

namespace date {
class time_zone;
}

namespace ait::data {

class TradingSession {
 public:
  /// Always open.
  TradingSession() = default;
  /// Returns the session a config text describes, or kConfigInvalid naming what is wrong.
  static Expected<TradingSession> parse(std::string_view text);

  bool alwaysOpen() const noexcept { return windows_.empty(); }
  /// Returns whether the session is open at ts (ns UTC).
  bool isOpen(TimestampNs ts) const;
  /// Returns how long the session is open within [from, to), counting no further than `cap`.
  std::int64_t openNs(TimestampNs from, TimestampNs to, std::int64_t cap) const;
  /// The text it was parsed from ("24x7" for the default).
  const std::string& text() const noexcept { return text_; }

 private:
  // Minutes from Sunday 00:00 local time; end > start, and end may pass the week's end (a window
  // running from Friday into Monday).
  struct Window {
    int start = 0;
    int end = 0;
  };
  TimestampNs toUtc(std::int64_t localNs) const;
  std::int64_t localOf(TimestampNs ts) const;

  std::string text_ = "24x7";
  std::vector<Window> windows_;             // empty: always open
  const date::time_zone* zone_ = nullptr;  // null: UTC
};

}  // namespace ait::data
