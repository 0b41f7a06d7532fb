#include "ait/data/session.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <chrono>

#include <date/tz.h>
#include <fmt/format.h>

#include "ait/data/errors.h"

namespace ait::data {

namespace {

constexpr std::int64_t kMinuteNs = 60'000'000'000;
constexpr std::int64_t kDayNs = 1440 * kMinuteNs;
constexpr int kWeekMinutes = 7 * 1440;
constexpr std::array<std::string_view, 7> kDays{"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split(std::string_view s, char by) {
  std::vector<std::string_view> parts;
  while (true) {
    const auto at = s.find(by);
    parts.push_back(s.substr(0, at));
    if (at == std::string_view::npos) return parts;
    s.remove_prefix(at + 1);
  }
}

std::vector<std::string_view> words(std::string_view s) {
  std::vector<std::string_view> out;
  for (auto part : split(s, ' ')) {
    if (!trim(part).empty()) out.push_back(trim(part));
  }
  return out;
}

// Returns 0 for Sunday .. 6 for Saturday, or -1.
int dayOf(std::string_view name) {
  if (name.size() != 3) return -1;
  for (std::size_t d = 0; d < kDays.size(); ++d) {
    bool same = true;
    for (std::size_t i = 0; i < 3; ++i) {
      same = same && std::tolower(static_cast<unsigned char>(name[i])) == kDays[d][i];
    }
    if (same) return static_cast<int>(d);
  }
  return -1;
}

// Returns minutes after midnight of "HH:MM" (24:00 allowed as an end of day), or -1.
int minuteOf(std::string_view text) {
  if (text.size() != 5 || text[2] != ':') return -1;
  int hours = -1, minutes = -1;
  auto h = std::from_chars(text.data(), text.data() + 2, hours);
  auto m = std::from_chars(text.data() + 3, text.data() + 5, minutes);
  if (h.ec != std::errc() || h.ptr != text.data() + 2 || m.ec != std::errc() ||
      m.ptr != text.data() + 5 || hours < 0 || minutes < 0 || minutes > 59 || hours > 24 ||
      (hours == 24 && minutes != 0)) {
    return -1;
  }
  return hours * 60 + minutes;
}

std::int64_t floorDiv(std::int64_t a, std::int64_t b) {
  auto q = a / b;
  if (a % b != 0 && ((a < 0) != (b < 0))) --q;
  return q;
}

}  // namespace

Expected<TradingSession> TradingSession::parse(std::string_view text) {
  const auto original = trim(text);
  auto bad = [&](std::string_view why) {
    return fail(errors::kConfigInvalid,
                fmt::format("session '{}' {} (use \"24x7\", \"fx\", or weekly windows and a zone "
                            "such as \"Mon-Fri 09:30-16:00 America/New_York\")",
                            text, why));
  };
  TradingSession session;
  if (original == "24x7") return session;
  std::string_view body = original;
  if (original == "fx") body = "Sun 17:00-Fri 17:00 America/New_York";
  session.text_ = std::string(original);

  const auto space = body.find_last_of(' ');
  if (space == std::string_view::npos) return bad("has no windows before its zone");
  const auto zone = body.substr(space + 1);
  if (zone != "UTC" && zone != "Etc/UTC") {
    try {
      session.zone_ = date::locate_zone(zone);
    } catch (const std::exception& e) {
      return bad(fmt::format("names an unknown zone ({})", e.what()));
    }
  }
  for (auto part : split(body.substr(0, space), ',')) {
    const auto w = words(part);
    if (w.size() == 3) {  // "Sun 17:00-Fri 17:00"
      const auto dash = w[1].find('-');
      const int fromDay = dayOf(w[0]);
      const int fromMin = dash == 5 ? minuteOf(w[1].substr(0, 5)) : -1;
      const int toDay = dash == 5 ? dayOf(w[1].substr(6)) : -1;
      const int toMin = minuteOf(w[2]);
      if (fromDay < 0 || fromMin < 0 || toDay < 0 || toMin < 0) {
        return bad(fmt::format("has a window '{}' that is not \"Day HH:MM-Day HH:MM\"", trim(part)));
      }
      Window window{fromDay * 1440 + fromMin, toDay * 1440 + toMin};
      if (window.end <= window.start) window.end += kWeekMinutes;
      session.windows_.push_back(window);
    } else if (w.size() == 2) {  // "Mon-Fri 09:30-16:00" or "Sat 10:00-14:00"
      const auto dash = w[0].find('-');
      const int firstDay = dayOf(w[0].substr(0, dash));
      const int lastDay = dash == std::string_view::npos ? firstDay : dayOf(w[0].substr(dash + 1));
      const int fromMin = w[1].size() == 11 && w[1][5] == '-' ? minuteOf(w[1].substr(0, 5)) : -1;
      const int toMin = w[1].size() == 11 ? minuteOf(w[1].substr(6)) : -1;
      if (firstDay < 0 || lastDay < 0 || fromMin < 0 || toMin < 0 || fromMin == 1440) {
        return bad(fmt::format("has a window '{}' that is not \"Day[-Day] HH:MM-HH:MM\"",
                               trim(part)));
      }
      for (int d = firstDay;; d = (d + 1) % 7) {
        Window window{d * 1440 + fromMin, d * 1440 + toMin};
        if (window.end <= window.start) window.end += 1440;  // overnight: ends the next day
        session.windows_.push_back(window);
        if (d == lastDay) break;
      }
    } else {
      return bad(fmt::format("has a window '{}' of neither form", trim(part)));
    }
  }
  auto& windows = session.windows_;
  std::sort(windows.begin(), windows.end(),
            [](const Window& a, const Window& b) { return a.start < b.start; });
  for (std::size_t i = 1; i < windows.size(); ++i) {
    if (windows[i].start < windows[i - 1].end) return bad("has overlapping windows");
  }
  if (windows.back().end - kWeekMinutes > windows.front().start) {
    return bad("has overlapping windows");
  }
  // The zone's rules load on first use: here, where a failure is a start-up error, rather than
  // in the noexcept tick path.
  try {
    (void)session.openNs(0, 7 * kDayNs, 1);
  } catch (const std::exception& e) {
    return bad(fmt::format("names a zone whose rules cannot be read ({})", e.what()));
  }
  return session;
}

std::int64_t TradingSession::localOf(TimestampNs ts) const {
  if (zone_ == nullptr) return ts;
  using namespace std::chrono;
  const auto info = zone_->get_info(date::sys_time<nanoseconds>(nanoseconds(ts)));
  return ts + duration_cast<nanoseconds>(info.offset).count();
}

TimestampNs TradingSession::toUtc(std::int64_t localNs) const {
  if (zone_ == nullptr) return localNs;
  using namespace std::chrono;
  // A local time skipped by a DST change maps to the change, a repeated one to its first
  // occurrence; nothing throws.
  return zone_->to_sys(date::local_time<nanoseconds>(nanoseconds(localNs)), date::choose::earliest)
      .time_since_epoch()
      .count();
}

bool TradingSession::isOpen(TimestampNs ts) const {
  return alwaysOpen() || openNs(ts, ts + 1, 1) == 1;
}

std::int64_t TradingSession::openNs(TimestampNs from, TimestampNs to, std::int64_t cap) const {
  if (to <= from || cap <= 0) return 0;
  if (alwaysOpen()) return std::min(to - from, cap);
  const std::int64_t day = floorDiv(localOf(from), kDayNs);
  const std::int64_t weekday = ((day + 4) % 7 + 7) % 7;  // 1970-01-01 was a Thursday
  // From the week before: its last window may run into this one.
  std::int64_t total = 0;
  for (std::int64_t week = day - weekday - 7;; week += 7) {
    const std::int64_t weekStart = week * kDayNs;
    if (toUtc(weekStart) >= to) break;
    for (const auto& w : windows_) {
      const auto start = toUtc(weekStart + w.start * kMinuteNs);
      if (start >= to) break;
      const auto end = toUtc(weekStart + w.end * kMinuteNs);
      const auto lo = std::max(start, from);
      const auto hi = std::min(end, to);
      if (hi > lo) total += hi - lo;
      if (total >= cap) return cap;
    }
  }
  return total;
}

}  // namespace ait::data
