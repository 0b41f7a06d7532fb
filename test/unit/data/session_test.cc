#include "ait/data/session.h"

#include <gtest/gtest.h>

#include "ait/model/time.h"

namespace ait::data {
namespace {

constexpr std::int64_t kSecond = 1'000'000'000;
constexpr std::int64_t kMinute = 60 * kSecond;
constexpr std::int64_t kHour = 60 * kMinute;

TimestampNs at(std::string_view iso) {
  auto ts = model::parseIso8601(iso);
  EXPECT_TRUE(ts) << iso;
  return ts ? *ts : 0;
}

TradingSession parsed(std::string_view text) {
  auto session = TradingSession::parse(text);
  EXPECT_TRUE(session) << text << ": " << (session ? "" : session.error().message());
  return session ? *session : TradingSession{};
}

TEST(TradingSession, TwentyFourSevenIsAlwaysOpen) {
  auto session = parsed("24x7");
  EXPECT_TRUE(session.alwaysOpen());
  EXPECT_TRUE(session.isOpen(at("2024-03-09T12:00:00Z")));  // a Saturday
  EXPECT_EQ(session.openNs(0, 5 * kHour, kHour), kHour);
  EXPECT_EQ(session.openNs(0, 5 * kMinute, kHour), 5 * kMinute);
}

TEST(TradingSession, FxOpensSundayFiveInNewYorkAndClosesFriday) {
  auto fx = parsed("fx");
  EXPECT_FALSE(fx.alwaysOpen());
  // Winter (EST, UTC-5): Friday 2024-01-12 17:00 New York is 22:00 UTC.
  EXPECT_TRUE(fx.isOpen(at("2024-01-12T21:59:59Z")));
  EXPECT_FALSE(fx.isOpen(at("2024-01-12T22:00:00Z")));
  EXPECT_FALSE(fx.isOpen(at("2024-01-13T12:00:00Z")));  // Saturday
  EXPECT_FALSE(fx.isOpen(at("2024-01-14T21:59:59Z")));  // Sunday before the open
  EXPECT_TRUE(fx.isOpen(at("2024-01-14T22:00:00Z")));
  EXPECT_TRUE(fx.isOpen(at("2024-01-17T03:00:00Z")));  // midweek night
}

TEST(TradingSession, FollowsNewYorkDaylightSavingChange) {
  auto fx = parsed("fx");
  // Clocks went forward on Sunday 2024-03-10 at 02:00 in New York: that evening's 17:00 open is
  // 21:00 UTC (EDT), one hour earlier in UTC than the Sunday before (22:00 UTC, EST).
  EXPECT_FALSE(fx.isOpen(at("2024-03-03T21:30:00Z")));
  EXPECT_TRUE(fx.isOpen(at("2024-03-03T22:00:00Z")));
  EXPECT_TRUE(fx.isOpen(at("2024-03-10T21:30:00Z")));
  EXPECT_FALSE(fx.isOpen(at("2024-03-10T20:59:59Z")));
  // The weekend that spans the change: closed from Friday 22:00 UTC to Sunday 21:00 UTC, 47 h.
  EXPECT_EQ(fx.openNs(at("2024-03-08T21:00:00Z"), at("2024-03-10T22:00:00Z"), 100 * kHour),
            2 * kHour);
  // In autumn (2024-11-03, back to EST) the Sunday open is 22:00 UTC again.
  EXPECT_FALSE(fx.isOpen(at("2024-11-03T21:30:00Z")));
  EXPECT_TRUE(fx.isOpen(at("2024-11-03T22:00:00Z")));
}

TEST(TradingSession, CountsOnlyOpenTimeAndStopsAtTheCap) {
  auto fx = parsed("fx");
  const auto fridayClose = at("2024-01-12T22:00:00Z");
  const auto sundayOpen = at("2024-01-14T22:00:00Z");
  EXPECT_EQ(fx.openNs(fridayClose, sundayOpen, 100 * kHour), 0);
  EXPECT_EQ(fx.openNs(fridayClose - 30 * kSecond, sundayOpen + 30 * kSecond, kHour), kMinute);
  EXPECT_EQ(fx.openNs(at("2024-01-15T00:00:00Z"), at("2024-01-16T00:00:00Z"), kHour), kHour);
  // Across several weeks: five days of every seven.
  EXPECT_EQ(fx.openNs(at("2024-01-14T22:00:00Z"), at("2024-01-28T22:00:00Z"), 1000 * kHour),
            240 * kHour);
}

TEST(TradingSession, DailyWindowsOnARangeOfDays) {
  auto equities = parsed("Mon-Fri 09:30-16:00 America/New_York");
  EXPECT_TRUE(equities.isOpen(at("2024-01-16T14:30:00Z")));   // Tue 09:30 EST
  EXPECT_FALSE(equities.isOpen(at("2024-01-16T14:29:59Z")));
  EXPECT_FALSE(equities.isOpen(at("2024-01-16T21:00:00Z")));  // Tue 16:00 EST
  EXPECT_FALSE(equities.isOpen(at("2024-01-13T15:00:00Z")));  // Saturday
  // A night between two sessions is not open time.
  EXPECT_EQ(equities.openNs(at("2024-01-16T20:59:00Z"), at("2024-01-17T14:31:00Z"), kHour),
            2 * kMinute);

  auto split = parsed("Mon-Fri 09:00-11:30, Mon-Fri 12:30-15:00 Asia/Tokyo");
  EXPECT_TRUE(split.isOpen(at("2024-01-16T00:00:00Z")));   // Tue 09:00 JST
  EXPECT_FALSE(split.isOpen(at("2024-01-16T03:00:00Z")));  // lunch
  EXPECT_TRUE(split.isOpen(at("2024-01-16T04:00:00Z")));

  auto overnight = parsed("Sun-Thu 23:00-01:00 UTC");  // ends the next day
  EXPECT_TRUE(overnight.isOpen(at("2024-01-19T00:30:00Z")));   // Fri 00:30, from Thursday's
  EXPECT_FALSE(overnight.isOpen(at("2024-01-20T00:30:00Z")));  // Sat 00:30
}

TEST(TradingSession, AWindowRunningAcrossTheEndOfTheWeek) {
  auto session = parsed("Fri 22:00-Mon 02:00 UTC");
  EXPECT_TRUE(session.isOpen(at("2024-01-13T12:00:00Z")));  // Saturday
  EXPECT_TRUE(session.isOpen(at("2024-01-15T01:00:00Z")));  // Monday
  EXPECT_FALSE(session.isOpen(at("2024-01-15T02:00:00Z")));
  EXPECT_FALSE(session.isOpen(at("2024-01-17T12:00:00Z")));
}

TEST(TradingSession, RefusesMalformedTextNamingIt) {
  for (std::string_view text :
       {"", "fx2", "Mon-Fri 09:30-16:00", "Mon-Fri 09:30-16:00 Mars/Olympus",
        "Mon-Fri 9:30-16:00 UTC", "Mon-Fry 09:30-16:00 UTC", "Mon 25:00-26:00 UTC",
        "Sun 17:00 Fri 17:00 UTC", "Mon-Fri 09:00-12:00, Mon 11:00-13:00 UTC",
        "Fri 22:00-Mon 02:00, Mon 01:00-03:00 UTC"}) {
    auto session = TradingSession::parse(text);
    ASSERT_FALSE(session) << text;
    EXPECT_NE(session.error().message().find("session"), std::string::npos) << text;
  }
}

}  // namespace
}  // namespace ait::data
