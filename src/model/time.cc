#include "ait/model/time.h"

#include "ait/model/errors.h"
#include "model/text.h"
#include "model/wide.h"

namespace ait::model {

namespace {

constexpr std::int64_t kNsPerSecond = 1'000'000'000;
constexpr std::int64_t kNsPerDay = 86'400 * kNsPerSecond;

// Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian calendar).
constexpr std::int64_t daysFromCivil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct CivilDate {
  std::int64_t year;
  unsigned month;
  unsigned day;
};

constexpr CivilDate civilFromDays(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2 ? 1 : 0), m, d};
}

static_assert(daysFromCivil(1970, 1, 1) == 0);
static_assert(daysFromCivil(2000, 3, 1) == 11017);
static_assert(civilFromDays(-1).year == 1969);

constexpr bool isLeapYear(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

constexpr unsigned daysInMonth(std::int64_t y, unsigned m) {
  constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && isLeapYear(y) ? 29 : kDays[m - 1];
}

void putDigits(char*& p, std::int64_t value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    p[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  p += width;
}

}  // namespace

std::size_t formatIso8601(TimestampNs ts, std::span<char> out) noexcept {
  std::int64_t days = ts / kNsPerDay;
  std::int64_t nsOfDay = ts % kNsPerDay;
  if (nsOfDay < 0) {
    nsOfDay += kNsPerDay;
    --days;
  }
  CivilDate date = civilFromDays(days);
  std::int64_t seconds = nsOfDay / kNsPerSecond;
  std::int64_t fraction = nsOfDay % kNsPerSecond;
  int fractionDigits = 0;
  if (fraction != 0) {
    fractionDigits = fraction % 1'000'000 == 0 ? 3 : fraction % 1'000 == 0 ? 6 : 9;
  }
  std::size_t needed = 20 + (fractionDigits > 0 ? 1 + static_cast<std::size_t>(fractionDigits) : 0);
  if (out.size() < needed) return 0;
  char* p = out.data();
  putDigits(p, date.year, 4);
  *p++ = '-';
  putDigits(p, date.month, 2);
  *p++ = '-';
  putDigits(p, date.day, 2);
  *p++ = 'T';
  putDigits(p, seconds / 3600, 2);
  *p++ = ':';
  putDigits(p, seconds / 60 % 60, 2);
  *p++ = ':';
  putDigits(p, seconds % 60, 2);
  if (fractionDigits > 0) {
    *p++ = '.';
    std::int64_t shown = fractionDigits == 3 ? fraction / 1'000'000
                         : fractionDigits == 6 ? fraction / 1'000
                                               : fraction;
    putDigits(p, shown, fractionDigits);
  }
  *p++ = 'Z';
  return static_cast<std::size_t>(p - out.data());
}

std::string toIso8601(TimestampNs ts) {
  char buffer[kMaxIso8601Chars];
  return std::string(buffer, formatIso8601(ts, buffer));
}

Expected<TimestampNs> parseIso8601(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return fail(kBadTimestamp, fmt::format("timestamp {}: {}", quoteForMessage(text), why));
  };
  std::size_t pos = 0;
  auto isDigitAt = [&](std::size_t at) {
    return at < text.size() && text[at] >= '0' && text[at] <= '9';
  };
  // Reads exactly `width` digits at pos.
  auto number = [&](int width, std::int64_t& value) -> bool {
    value = 0;
    for (int i = 0; i < width; ++i) {
      if (!isDigitAt(pos)) return false;
      value = value * 10 + (text[pos++] - '0');
    }
    return true;
  };
  auto expectChar = [&](char c) {
    if (pos < text.size() && text[pos] == c) {
      ++pos;
      return true;
    }
    return false;
  };
  auto where = [&] {
    return pos < text.size()
               ? fmt::format("{} at position {}", quoteCharForMessage(text[pos]), pos)
               : fmt::format("end of text at position {}", pos);
  };

  if (text.empty()) return bad("empty");
  std::int64_t year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, fraction = 0;
  if (!number(4, year)) return bad(fmt::format("expected a 4-digit year, found {}", where()));
  if (!expectChar('-')) return bad(fmt::format("expected '-' after the year, found {}", where()));
  if (!number(2, month)) return bad(fmt::format("expected a 2-digit month, found {}", where()));
  if (!expectChar('-')) return bad(fmt::format("expected '-' after the month, found {}", where()));
  if (!number(2, day)) return bad(fmt::format("expected a 2-digit day, found {}", where()));
  if (month < 1 || month > 12) return bad(fmt::format("month {} out of range 01..12", month));
  if (day < 1 || day > daysInMonth(year, static_cast<unsigned>(month))) {
    return bad(fmt::format("day {} out of range for {:04}-{:02}", day, year, month));
  }

  if (pos < text.size() && (text[pos] == 'T' || text[pos] == 't' || text[pos] == ' ')) {
    ++pos;
    if (!number(2, hour)) return bad(fmt::format("expected a 2-digit hour, found {}", where()));
    if (!expectChar(':')) return bad(fmt::format("expected ':' after the hour, found {}", where()));
    if (!number(2, minute)) {
      return bad(fmt::format("expected 2-digit minutes, found {}", where()));
    }
    if (expectChar(':')) {
      if (!number(2, second)) {
        return bad(fmt::format("expected 2-digit seconds, found {}", where()));
      }
      if (expectChar('.') || expectChar(',')) {
        int digits = 0;
        while (isDigitAt(pos)) {
          if (digits == 9) return bad("more than 9 fractional digits (finer than a nanosecond)");
          fraction = fraction * 10 + (text[pos++] - '0');
          ++digits;
        }
        if (digits == 0) return bad(fmt::format("expected fraction digits, found {}", where()));
        for (; digits < 9; ++digits) fraction *= 10;
      }
    }
    if (hour > 23) return bad(fmt::format("hour {} out of range 00..23", hour));
    if (minute > 59) return bad(fmt::format("minute {} out of range 00..59", minute));
    if (second == 60) return bad("second 60: leap seconds are not supported");
    if (second > 59) return bad(fmt::format("second {} out of range 00..59", second));
  }

  std::int64_t offsetSeconds = 0;
  if (pos < text.size()) {
    char c = text[pos];
    if (c == 'Z' || c == 'z') {
      ++pos;
    } else if (c == '+' || c == '-') {
      ++pos;
      std::int64_t offsetHours = 0, offsetMinutes = 0;
      if (!number(2, offsetHours)) {
        return bad(fmt::format("expected 2-digit zone hours, found {}", where()));
      }
      bool colon = expectChar(':');
      if (colon || isDigitAt(pos)) {
        if (!number(2, offsetMinutes)) {
          return bad(fmt::format("expected 2-digit zone minutes, found {}", where()));
        }
      }
      if (offsetHours > 23 || offsetMinutes > 59) {
        return bad(fmt::format("zone offset {}{:02}:{:02} out of range", c, offsetHours,
                               offsetMinutes));
      }
      offsetSeconds = (offsetHours * 3600 + offsetMinutes * 60) * (c == '-' ? -1 : 1);
    } else {
      return bad(fmt::format("expected 'T', a zone or the end, found {}", where()));
    }
  }
  if (pos != text.size()) return bad(fmt::format("unexpected {}", where()));

  // Local time minus its offset is UTC.
  Int128 ns = static_cast<Int128>(daysFromCivil(year, static_cast<unsigned>(month),
                                                    static_cast<unsigned>(day))) *
                    kNsPerDay +
                static_cast<Int128>(hour * 3600 + minute * 60 + second - offsetSeconds) *
                    kNsPerSecond +
                fraction;
  if (ns < INT64_MIN || ns > INT64_MAX) {
    return bad("outside the int64 nanosecond range (1677-09-21T00:12:43.145224192Z .. "
               "2262-04-11T23:47:16.854775807Z)");
  }
  return static_cast<TimestampNs>(ns);
}

}  // namespace ait::model
