#include "ait/model/time.h"

#include <limits>
#include <random>

#include <gtest/gtest.h>

#include "ait/model/errors.h"

namespace ait::model {
namespace {

constexpr TimestampNs kSecond = 1'000'000'000;

TimestampNs parsed(std::string_view text) {
  auto value = parseIso8601(text);
  EXPECT_TRUE(value.has_value()) << text << ": " << value.error().describe();
  return value.value_or(-1);
}

void expectRejected(std::string_view text, std::string_view fragment) {
  auto value = parseIso8601(text);
  ASSERT_FALSE(value.has_value()) << text << " parsed as " << *value;
  EXPECT_EQ(value.error().codeString(), kBadTimestamp.code);
  EXPECT_NE(value.error().message().find(fragment), std::string::npos)
      << "message: " << value.error().message();
}

TEST(Iso8601Format, WritesTheShortestExactFraction) {
  EXPECT_EQ(toIso8601(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(toIso8601(1'500'000'000), "1970-01-01T00:00:01.500Z");
  EXPECT_EQ(toIso8601(1'000), "1970-01-01T00:00:00.000001Z");
  EXPECT_EQ(toIso8601(1), "1970-01-01T00:00:00.000000001Z");
  EXPECT_EQ(toIso8601(1'704'164'645'123'456'789), "2024-01-02T03:04:05.123456789Z");
  EXPECT_EQ(toIso8601(1'709'164'800 * kSecond), "2024-02-29T00:00:00Z");
}

TEST(Iso8601Format, HandlesTimesBeforeTheEpochAndTheInt64Extremes) {
  EXPECT_EQ(toIso8601(-1), "1969-12-31T23:59:59.999999999Z");
  EXPECT_EQ(toIso8601(std::numeric_limits<TimestampNs>::max()), "2262-04-11T23:47:16.854775807Z");
  EXPECT_EQ(toIso8601(std::numeric_limits<TimestampNs>::min()), "1677-09-21T00:12:43.145224192Z");
}

TEST(Iso8601Format, RefusesABufferTooShort) {
  char small[10];
  EXPECT_EQ(formatIso8601(0, small), 0U);
}

TEST(Iso8601Parse, ReadsUtcWithAndWithoutZone) {
  EXPECT_EQ(parsed("2024-01-02T03:04:05Z"), 1'704'164'645 * kSecond);
  EXPECT_EQ(parsed("2024-01-02T03:04:05"), 1'704'164'645 * kSecond);
  EXPECT_EQ(parsed("2024-01-02t03:04:05z"), 1'704'164'645 * kSecond);
  EXPECT_EQ(parsed("2024-01-02 03:04:05"), 1'704'164'645 * kSecond);
  EXPECT_EQ(parsed("2024-01-02T03:04"), 1'704'164'640 * kSecond);
  EXPECT_EQ(parsed("2024-01-02"), 1'704'153'600 * kSecond);
}

TEST(Iso8601Parse, AppliesZoneOffsets) {
  TimestampNs utc = parsed("2024-03-10T10:00:00Z");
  EXPECT_EQ(parsed("2024-03-10T12:00:00+02:00"), utc);
  EXPECT_EQ(parsed("2024-03-10T12:00:00+0200"), utc);
  EXPECT_EQ(parsed("2024-03-10T12:00:00+02"), utc);
  EXPECT_EQ(parsed("2024-03-10T04:30:00-05:30"), utc);
  EXPECT_EQ(parsed("2024-03-10T00:00:00-10:00"), utc);
  // The offset moves the date too.
  EXPECT_EQ(parsed("2024-03-09T23:00:00-11:00"), utc);
}

TEST(Iso8601Parse, ReadsFractionsDownToNanoseconds) {
  EXPECT_EQ(parsed("1970-01-01T00:00:00.1Z"), 100'000'000);
  EXPECT_EQ(parsed("1970-01-01T00:00:00.000000001Z"), 1);
  EXPECT_EQ(parsed("1970-01-01T00:00:00,5Z"), 500'000'000);
  EXPECT_EQ(parsed("2024-01-02T03:04:05.123456789+01:00"),
            1'704'164'645'123'456'789 - 3600 * kSecond);
  EXPECT_EQ(parsed("1969-12-31T23:59:59.999999999Z"), -1);
}

TEST(Iso8601Parse, ReadsTheInt64Extremes) {
  EXPECT_EQ(parsed("2262-04-11T23:47:16.854775807Z"), std::numeric_limits<TimestampNs>::max());
  EXPECT_EQ(parsed("1677-09-21T00:12:43.145224192Z"), std::numeric_limits<TimestampNs>::min());
  expectRejected("2262-04-11T23:47:16.854775808Z", "outside the int64 nanosecond range");
  expectRejected("1677-09-21T00:12:43.145224191Z", "outside the int64 nanosecond range");
}

TEST(Iso8601Parse, RoundTripsItsOwnText) {
  std::mt19937_64 random(7);
  for (int i = 0; i < 20000; ++i) {
    auto ts = static_cast<TimestampNs>(random());
    if (i % 4 == 1) ts -= ts % 1'000'000;
    if (i % 4 == 2) ts -= ts % kSecond;
    auto text = toIso8601(ts);
    auto back = parseIso8601(text);
    ASSERT_TRUE(back.has_value()) << text << ": " << back.error().describe();
    ASSERT_EQ(*back, ts) << text;
  }
}

TEST(Iso8601Parse, NamesTheProblemInInvalidText) {
  expectRejected("", "empty");
  expectRejected("2023-02-29", "day 29 out of range for 2023-02");
  expectRejected("2024-02-30T00:00:00Z", "day 30 out of range for 2024-02");
  expectRejected("2024-13-01", "month 13 out of range");
  expectRejected("2024-00-01", "month 0 out of range");
  expectRejected("2024-01-01T24:00:00Z", "hour 24 out of range");
  expectRejected("2024-01-01T23:60:00Z", "minute 60 out of range");
  expectRejected("2016-12-31T23:59:60Z", "leap seconds are not supported");
  expectRejected("2024-01-01T00:00:00.1234567891Z", "more than 9 fractional digits");
  expectRejected("2024-01-01T00:00:00.Z", "expected fraction digits");
  expectRejected("2024-01-01T00:00:00+24:00", "zone offset +24:00 out of range");
  expectRejected("2024-01-01T00:00:00+0", "expected 2-digit zone hours");
  expectRejected("2024-01-01T00:00:00Zjunk", "unexpected 'j' at position 20");
  expectRejected("20240101", "expected '-' after the year");
  expectRejected("24-01-01", "expected a 4-digit year");
  expectRejected("2024-01-01T1:00", "expected a 2-digit hour");
  expectRejected("2024-01-01X00:00", "expected 'T', a zone or the end");
  expectRejected(std::string_view("2024-01-01T00:00:00\0", 20), "'\\x00' at position 19");
}

}  // namespace
}  // namespace ait::model
