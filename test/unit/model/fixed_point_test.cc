#include "ait/model/fixed_point.h"

#include <cstdint>
#include <limits>
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "ait/model/errors.h"

namespace ait::model {
namespace {

void expectValue(const Expected<Price>& value, std::int64_t mantissa, int scale) {
  ASSERT_TRUE(value.has_value()) << value.error().describe();
  EXPECT_EQ(value->mantissa(), mantissa);
  EXPECT_EQ(value->scale(), scale);
}

void expectError(const Expected<Price>& value, const ErrorCode& code, std::string_view fragment) {
  ASSERT_FALSE(value.has_value()) << "parsed as " << value->toString();
  EXPECT_EQ(value.error().codeString(), code.code) << value.error().message();
  EXPECT_NE(value.error().message().find(fragment), std::string::npos)
      << "message: " << value.error().message();
}

TEST(FixedPointParse, TakesTheScaleFromTheWrittenDecimals) {
  expectValue(Price::parse("1.10235"), 110235, 5);
  expectValue(Price::parse("1.50"), 150, 2);
  expectValue(Price::parse("100"), 100, 0);
  expectValue(Price::parse("0"), 0, 0);
  expectValue(Price::parse("0.000"), 0, 3);
  expectValue(Price::parse("007.5"), 75, 1);
}

TEST(FixedPointParse, AcceptsSignsAndBarePoints) {
  expectValue(Price::parse("-0.5"), -5, 1);
  expectValue(Price::parse("+2"), 2, 0);
  expectValue(Price::parse(".5"), 5, 1);
  expectValue(Price::parse("5."), 5, 0);
  expectValue(Price::parse("-.25"), -25, 2);
  expectValue(Price::parse("-0"), 0, 0);
}

TEST(FixedPointParse, ReadsExponentsExactly) {
  expectValue(Price::parse("1e-3"), 1, 3);
  expectValue(Price::parse("1.5E2"), 150, 0);
  expectValue(Price::parse("2.50e1"), 250, 1);  // 25.0: the written precision
  expectValue(Price::parse("-1.2e-2"), -12, 3);
  expectValue(Price::parse("1e+3"), 1000, 0);
  expectValue(Price::parse("0e99999999"), 0, 0);
  expectValue(Price::parse("1e-3", 5), 100, 5);
}

TEST(FixedPointParse, ReadsTheInt64Extremes) {
  expectValue(Price::parse("9223372036854775807"), std::numeric_limits<std::int64_t>::max(), 0);
  expectValue(Price::parse("-9223372036854775808"), std::numeric_limits<std::int64_t>::min(), 0);
  expectValue(Price::parse("-9.223372036854775808"), std::numeric_limits<std::int64_t>::min(),
              18);
  expectValue(Price::parse("0.000000000000000001"), 1, 18);
}

TEST(FixedPointParse, RejectsValuesBeyondInt64) {
  expectError(Price::parse("9223372036854775808"), kOutOfRange, "out of range");
  expectError(Price::parse("-9223372036854775809"), kOutOfRange, "out of range");
  expectError(Price::parse("99999999999999999999999"), kOutOfRange, "out of range");
  expectError(Price::parse("1e19"), kOutOfRange, "out of range");
  expectError(Price::parse("92233720368547758", 3), kOutOfRange, "out of range");
}

TEST(FixedPointParse, NamesTheProblemInMalformedText) {
  expectError(Price::parse("1.2.3"), kBadNumber, "price '1.2.3': more than one decimal point");
  expectError(Price::parse(""), kBadNumber, "price '': empty");
  expectError(Price::parse(" 1"), kBadNumber, "leading or trailing whitespace");
  expectError(Price::parse("1 "), kBadNumber, "leading or trailing whitespace");
  expectError(Price::parse("-"), kBadNumber, "price '-': no digits");
  expectError(Price::parse("+"), kBadNumber, "no digits");
  expectError(Price::parse("."), kBadNumber, "no digits");
  expectError(Price::parse("-."), kBadNumber, "no digits");
  expectError(Price::parse("1,5"), kBadNumber, "unexpected ',' at position 1");
  expectError(Price::parse("--1"), kBadNumber, "unexpected character '-' at position 1");
  expectError(Price::parse("+-1"), kBadNumber, "unexpected character '-' at position 1");
  expectError(Price::parse("1e"), kBadNumber, "exponent without digits");
  expectError(Price::parse("1e+"), kBadNumber, "exponent without digits");
  expectError(Price::parse("e5"), kBadNumber, "unexpected character 'e' at position 0");
  expectError(Price::parse("1e5x"), kBadNumber, "in the exponent");
  expectError(Price::parse("nan"), kBadNumber, "unexpected character 'n'");
  expectError(Price::parse("inf"), kBadNumber, "unexpected character 'i'");
  expectError(Price::parse("0x10"), kBadNumber, "unexpected character 'x' at position 1");
  expectError(Price::parse(std::string_view("1\0", 2)), kBadNumber, "'\\x00'");
  auto quantity = Quantity::parse("abc");
  ASSERT_FALSE(quantity.has_value());
  EXPECT_NE(quantity.error().message().find("quantity 'abc'"), std::string::npos);
}

TEST(FixedPointParse, RejectsMoreDecimalsThanTheScale) {
  expectError(Price::parse("1.123456", 5), kPrecisionLoss,
              "price '1.123456': 6 decimal places, more than the scale 5 allows");
  expectValue(Price::parse("1.123450", 5), 112345, 5);
  expectValue(Price::parse("1.1", 5), 110000, 5);
  expectValue(Price::parse("100", 2), 10000, 2);
  expectError(Price::parse("1e-19"), kPrecisionLoss, "needs 19 decimal places");
}

TEST(FixedPointParse, IgnoresZeroPaddingBeyondEighteenPlaces) {
  expectValue(Price::parse("0000000000000000000000001.5000000000000000000000"), 15, 1);
  expectValue(Price::parse("1.5000000000000000000000", 2), 150, 2);
}

TEST(FixedPointPrint, WritesEveryDecimalPlaceAndNothingElse) {
  EXPECT_EQ(Price::fromRaw(110235, 5).toString(), "1.10235");
  EXPECT_EQ(Price::fromRaw(-5, 1).toString(), "-0.5");
  EXPECT_EQ(Price::fromRaw(5, 3).toString(), "0.005");
  EXPECT_EQ(Price::fromRaw(0, 2).toString(), "0.00");
  EXPECT_EQ(Price::fromRaw(100, 0).toString(), "100");
  EXPECT_EQ(Price::fromRaw(std::numeric_limits<std::int64_t>::min(), 18).toString(),
            "-9.223372036854775808");
  EXPECT_EQ(Price::fromRaw(std::numeric_limits<std::int64_t>::max(), 0).toString(),
            "9223372036854775807");
  EXPECT_EQ(Price::fromRaw(-1, 18).toString(), "-0.000000000000000001");
  EXPECT_EQ(fmt::format("{}", Price::fromRaw(150, 2)), "1.50");
}

TEST(FixedPointPrint, RefusesABufferTooShort) {
  char small[4];
  EXPECT_EQ(Price::fromRaw(110235, 5).toChars(small), 0U);
  char exact[7];
  EXPECT_EQ(Price::fromRaw(110235, 5).toChars(exact), 7U);
  EXPECT_EQ(std::string_view(exact, 7), "1.10235");
}

TEST(FixedPointPrint, ParsesItsOwnTextBackExactly) {
  std::mt19937_64 random(42);
  for (int i = 0; i < 20000; ++i) {
    auto mantissa = static_cast<std::int64_t>(random());
    if (i % 3 == 0) mantissa >>= random() % 63;
    auto scale = static_cast<std::uint8_t>(random() % (kMaxScale + 1));
    Price value = Price::fromRaw(mantissa, scale);
    auto parsed = Price::parse(value.toString());
    ASSERT_TRUE(parsed.has_value()) << value.toString() << ": " << parsed.error().describe();
    ASSERT_EQ(parsed->mantissa(), mantissa) << value.toString();
    ASSERT_EQ(parsed->scale(), scale) << value.toString();
  }
}

TEST(FixedPointDouble, RoundsHalfAwayFromZeroToTheScale) {
  expectValue(Price::fromDouble(1.10235, 5), 110235, 5);
  expectValue(Price::fromDouble(1.005, 2), 101, 2);
  expectValue(Price::fromDouble(-1.005, 2), -101, 2);
  expectValue(Price::fromDouble(0.125, 2), 13, 2);
  expectValue(Price::fromDouble(-0.125, 2), -13, 2);
  expectValue(Price::fromDouble(2.5, 0), 3, 0);
  expectValue(Price::fromDouble(-2.5, 0), -3, 0);
  expectValue(Price::fromDouble(1.0049, 2), 100, 2);
  expectValue(Price::fromDouble(1e-7, 5), 0, 5);
  expectValue(Price::fromDouble(0.000005, 5), 1, 5);
  expectValue(Price::fromDouble(123456789.123456789, 5), 12345678912346, 5);
  expectValue(Price::fromDouble(9.2e18, 0), 9'200'000'000'000'000'000, 0);
  expectValue(Price::fromDouble(0.1 + 0.2, 2), 30, 2);
}

TEST(FixedPointDouble, MatchesTheDecimalTextForEveryFeedPrice) {
  // Every 5-place price a feed can send, printed and read back as a double, converts exactly.
  for (std::int64_t mantissa = 100'000; mantissa < 200'000; mantissa += 7) {
    double asDouble = static_cast<double>(mantissa) / 100'000.0;
    auto converted = Price::fromDouble(asDouble, 5);
    ASSERT_TRUE(converted.has_value());
    ASSERT_EQ(converted->mantissa(), mantissa);
  }
}

TEST(FixedPointDouble, RejectsNaNInfinityAndOverflow) {
  expectError(Price::fromDouble(std::numeric_limits<double>::quiet_NaN(), 5), kNotFinite,
              "not a finite number");
  expectError(Price::fromDouble(std::numeric_limits<double>::infinity(), 5), kNotFinite,
              "price inf");
  expectError(Price::fromDouble(-std::numeric_limits<double>::infinity(), 5), kNotFinite,
              "not a finite number");
  expectError(Price::fromDouble(1e17, 2), kOutOfRange, "out of range");
  expectError(Price::fromDouble(1.0, 19), kOutOfRange, "scale 19");
}

TEST(FixedPointDouble, WithoutAScaleUsesTheShortestDecimal) {
  expectValue(Price::fromDouble(0.1), 1, 1);
  expectValue(Price::fromDouble(1e-5), 1, 5);
  expectValue(Price::fromDouble(1.10235), 110235, 5);
  expectValue(Price::fromDouble(250.0), 250, 0);
  expectError(Price::fromDouble(1e-20), kPrecisionLoss, "decimal places");
}

TEST(FixedPointDouble, ConvertsToTheNearestDouble) {
  EXPECT_EQ(Price::fromRaw(110235, 5).toDouble(), 1.10235);
  EXPECT_EQ(Price::fromRaw(-5, 1).toDouble(), -0.5);
  EXPECT_EQ(Price::fromRaw(42, 0).toDouble(), 42.0);
}

TEST(FixedPointArithmetic, AddsAndSubtractsAtTheLargerScale) {
  auto sum = Price::fromRaw(15, 1).plus(Price::fromRaw(25, 2));
  expectValue(sum, 175, 2);
  expectValue(Price::fromRaw(15, 1).minus(Price::fromRaw(25, 2)), 125, 2);
  expectValue(Price::fromRaw(100, 2).minus(Price::fromRaw(250, 2)), -150, 2);
  expectValue(Price::fromRaw(5, 1).negated(), -5, 1);
}

TEST(FixedPointArithmetic, ReportsOverflowInsteadOfWrapping) {
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
  expectError(Price::fromRaw(kMax, 0).plus(Price::fromRaw(1, 0)), kOutOfRange,
              "price 9223372036854775807 + 1: out of range");
  expectError(Price::fromRaw(kMin, 0).minus(Price::fromRaw(1, 0)), kOutOfRange, "out of range");
  expectError(Price::fromRaw(kMin, 2).negated(), kOutOfRange, "out of range");
  expectError(Price::fromRaw(kMax, 0).plus(Price::fromRaw(1, 1)), kOutOfRange,
              "out of range");
}

TEST(FixedPointArithmetic, ComparesByValueAcrossScales) {
  EXPECT_EQ(Price::fromRaw(110, 2), Price::fromRaw(11, 1));
  EXPECT_LT(Price::fromRaw(11, 1), Price::fromRaw(111, 2));
  EXPECT_GT(Price::fromRaw(-1, 0), Price::fromRaw(-15, 1));
  EXPECT_NE(Price::fromRaw(1, 18), Price::fromRaw(0, 0));
  EXPECT_LT(Price::fromRaw(std::numeric_limits<std::int64_t>::min(), 0),
            Price::fromRaw(std::numeric_limits<std::int64_t>::min(), 18));
}

TEST(FixedPointRescale, IsExactOrAnError) {
  expectValue(Price::fromRaw(150, 2).rescaled(1), 15, 1);
  expectValue(Price::fromRaw(15, 1).rescaled(5), 150000, 5);
  expectError(Price::fromRaw(155, 2).rescaled(1), kPrecisionLoss,
              "price 1.55: rescaling to 1 decimal places would lose precision");
  expectError(Price::fromRaw(std::numeric_limits<std::int64_t>::max(), 0).rescaled(1), kOutOfRange,
              "out of range");
  expectError(Price::fromRaw(1, 0).rescaled(19), kOutOfRange, "scale 19");
}

TEST(FixedPointRescale, RoundsHalfAwayFromZeroWhenAsked) {
  expectValue(Price::fromRaw(155, 2).rounded(1), 16, 1);
  expectValue(Price::fromRaw(-155, 2).rounded(1), -16, 1);
  expectValue(Price::fromRaw(1549, 3).rounded(1), 15, 1);
  expectValue(Price::fromRaw(-1549, 3).rounded(1), -15, 1);
  expectValue(Price::fromRaw(5, 1).rounded(0), 1, 0);
}

TEST(FixedPointNotional, MultipliesPriceByQuantityExactly) {
  auto value = notional(Price::fromRaw(110235, 5), Quantity::fromRaw(100000, 0));
  ASSERT_TRUE(value.has_value());
  EXPECT_EQ(value->toString(), "110235.00000");
  auto small = notional(Price::fromRaw(110235, 5), Quantity::fromRaw(-25, 2));
  ASSERT_TRUE(small.has_value());
  EXPECT_EQ(small->toString(), "-0.2755875");
}

TEST(FixedPointNotional, ReportsOverflow) {
  auto value = notional(Price::fromRaw(9'223'372'036'854'775'807, 8), Quantity::fromRaw(1001, 0));
  ASSERT_FALSE(value.has_value());
  EXPECT_EQ(value.error().codeString(), kOutOfRange.code);
  EXPECT_NE(value.error().message().find("notional 92233720368.54775807 x 1001: out of range"),
            std::string::npos)
      << value.error().message();
}

TEST(FixedPointNotional, DropsTrailingZerosToStayWithinEighteenPlaces) {
  auto value = notional(Price::fromRaw(10'000'000'000, 10), Quantity::fromRaw(20'000'000'000, 10));
  ASSERT_TRUE(value.has_value()) << value.error().describe();
  EXPECT_EQ(*value, Money::fromRaw(2, 0));
  EXPECT_EQ(value->scale(), 18);
  auto tooFine = notional(Price::fromRaw(1, 10), Quantity::fromRaw(1, 9));
  ASSERT_FALSE(tooFine.has_value());
  EXPECT_EQ(tooFine.error().codeString(), kPrecisionLoss.code);
}

TEST(FixedPointNotional, RoundsToARequestedScale) {
  auto value = notional(Price::fromRaw(110235, 5), Quantity::fromRaw(333, 3), 2);
  ASSERT_TRUE(value.has_value());
  EXPECT_EQ(value->toString(), "0.37");
  auto negative = notional(Price::fromRaw(110235, 5), Quantity::fromRaw(-333, 3), 2);
  ASSERT_TRUE(negative.has_value());
  EXPECT_EQ(negative->toString(), "-0.37");
}

TEST(FixedPointNotional, AveragePriceDividesWithRounding) {
  auto average = averagePrice(Money::fromRaw(33, 1), Quantity::fromRaw(2, 0), 2);
  ASSERT_TRUE(average.has_value());
  EXPECT_EQ(average->toString(), "1.65");
  auto third = averagePrice(Money::fromRaw(1, 0), Quantity::fromRaw(3, 0), 5);
  ASSERT_TRUE(third.has_value());
  EXPECT_EQ(third->toString(), "0.33333");
  auto twoThirds = averagePrice(Money::fromRaw(-2, 0), Quantity::fromRaw(3, 0), 5);
  ASSERT_TRUE(twoThirds.has_value());
  EXPECT_EQ(twoThirds->toString(), "-0.66667");
  auto byZero = averagePrice(Money::fromRaw(1, 0), Quantity::fromRaw(0, 2), 5);
  ASSERT_FALSE(byZero.has_value());
  EXPECT_NE(byZero.error().message().find("division by zero"), std::string::npos);
}

TEST(FixedPointMake, RefusesAScaleAboveEighteen) {
  EXPECT_TRUE(Price::make(1, 18).has_value());
  auto bad = Price::make(1, 19);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().codeString(), kOutOfRange.code);
}

}  // namespace
}  // namespace ait::model
