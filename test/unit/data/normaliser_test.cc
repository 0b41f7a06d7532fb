#include "ait/data/normaliser.h"

#include <array>
#include <cmath>
#include <limits>

#include <gtest/gtest.h>

namespace ait::data {
namespace {

constexpr TimestampNs kNow = 1'700'000'000'000'000'000;
constexpr TimestampNs kSecond = 1'000'000'000;

class NormaliserTest : public ::testing::Test {
 protected:
  NormaliserTest() : clock_(kNow), normaliser_("test", config(), clock_, registry_) {
    auto specs = instrumentsFromConfig(config::DataConfig{}.instruments);
    EXPECT_TRUE(specs);
    EXPECT_TRUE(normaliser_.addInstruments(*specs));
  }
  static NormaliserConfig config() { return {}; }

  static RawQuote quote(double bid, double ask, TimestampNs at = kNow - kSecond) {
    RawQuote q;
    q.symbol = "EURUSD";
    q.bid = bid;
    q.ask = ask;
    q.sourceTime = at;
    q.tenant = model::TenantId{7};
    return q;
  }

  Outcome run(const RawQuote& q) { return normaliser_.normalise(q, tick_, gap_); }

  metrics::Registry registry_;
  FakeClock clock_;
  Normaliser normaliser_;
  model::Tick tick_;
  model::GapDetected gap_;
};

TEST_F(NormaliserTest, FixesPricesAtTheInstrumentScale) {
  auto q = quote(1.085004999, 1.08512);
  q.volume = 2.5;
  q.flags |= model::kTickVolume;
  auto outcome = run(q);
  ASSERT_TRUE(outcome.accepted);
  EXPECT_EQ(tick_.bid, model::Price::fromRaw(108500, 5));
  EXPECT_EQ(tick_.ask, model::Price::fromRaw(108512, 5));
  EXPECT_EQ(tick_.volume, model::Quantity::fromRaw(250, 2));
  EXPECT_EQ(tick_.header.tsEvent, kNow - kSecond);
  EXPECT_EQ(tick_.header.tsRecv, kNow);
  EXPECT_EQ(tick_.header.tenant, model::TenantId{7});
  EXPECT_EQ(tick_.instrument.symbol.view(), "EURUSD");
  EXPECT_EQ(tick_.flags, model::kTickBid | model::kTickAsk | model::kTickVolume);

  q = quote(0, 0);
  q.symbol = "USDJPY";
  q.bid = 150.1234;
  q.ask = 150.125;
  q.recvTime = kNow - 5;
  ASSERT_TRUE(run(q).accepted);
  EXPECT_EQ(tick_.bid, model::Price::fromRaw(150123, 3));
  EXPECT_EQ(tick_.header.tsRecv, kNow - 5);
}

TEST_F(NormaliserTest, RejectsEachBadFieldWithItsReasonAndCountsIt) {
  struct Case {
    RawQuote quote;
    RejectReason reason;
    std::string_view field;
  };
  auto unknown = quote(1.1, 1.2);
  unknown.symbol = "NOPE";
  auto negativeVolume = quote(1.1, 1.2);
  negativeVolume.volume = -1;
  auto noPrice = quote(1.1, 1.2);
  noPrice.flags = model::kTickVolume;
  auto huge = quote(1e30, 1e30);
  const Case cases[] = {
      {unknown, RejectReason::UnknownSymbol, "symbol"},
      {quote(std::numeric_limits<double>::quiet_NaN(), 1.2), RejectReason::NotFinite, "bid"},
      {quote(1.1, std::numeric_limits<double>::infinity()), RejectReason::NotFinite, "ask"},
      {quote(0.0, 1.2), RejectReason::NonPositive, "bid"},
      {quote(1.1, -1.0), RejectReason::NonPositive, "ask"},
      {huge, RejectReason::OutOfRange, "bid"},
      {quote(1.2, 1.1), RejectReason::Crossed, "ask"},
      {negativeVolume, RejectReason::NegativeVolume, "volume"},
      {noPrice, RejectReason::NoPrice, "bid"},
      {quote(1.1, 1.2, 0), RejectReason::BadTimestamp, "time"},
      {quote(1.1, 1.2, kNow + 3 * kSecond), RejectReason::FutureTimestamp, "time"},
  };
  std::array<std::uint64_t, kRejectReasonCount> expected{};
  for (const auto& c : cases) {
    ++expected[static_cast<std::size_t>(c.reason)];
    auto outcome = run(c.quote);
    EXPECT_FALSE(outcome.accepted) << toString(c.reason);
    EXPECT_EQ(outcome.reason, c.reason) << toString(c.reason) << " got " << toString(outcome.reason);
    EXPECT_EQ(outcome.field, c.field) << toString(c.reason);
    EXPECT_EQ(normaliser_.rejected(c.reason), expected[static_cast<std::size_t>(c.reason)])
        << toString(c.reason);
  }
  EXPECT_EQ(normaliser_.accepted(), 0U);
  EXPECT_EQ(normaliser_.rejectedTotal(), std::size(cases));
  auto& metric = registry_.counter("ait_data_ticks_rejected_total", "",
                                   {{"source", "test"}, {"reason", "crossed"}});
  EXPECT_EQ(metric.value(), 1U);
}

TEST_F(NormaliserTest, AcceptsATickSlightlyAheadWithinTheTolerance) {
  EXPECT_TRUE(run(quote(1.1, 1.2, kNow + kSecond)).accepted);
}

TEST_F(NormaliserTest, DescribesARejectionNamingFieldAndValue) {
  auto q = quote(1.2, 1.1);
  auto error = describeRejection(run(q), q);
  EXPECT_EQ(error.codeString(), "AIT-DATA-0002");
  EXPECT_EQ(error.message(), "EURUSD ask: crossed (bid 1.2 > ask 1.1)");
  q = quote(-3, 1.1);
  EXPECT_EQ(describeRejection(run(q), q).message(), "EURUSD bid: non_positive (-3)");
}

TEST(NormaliserCrossed, AcceptsACrossedQuoteFlaggedWhenConfigured) {
  metrics::Registry registry;
  FakeClock clock(kNow);
  Normaliser normaliser("test", {.acceptCrossed = true}, clock, registry);
  ASSERT_TRUE(normaliser.addInstruments(*instrumentsFromConfig(config::DataConfig{}.instruments)));
  RawQuote q;
  q.symbol = "GBPUSD";
  q.bid = 1.3;
  q.ask = 1.2;
  q.sourceTime = kNow;
  model::Tick tick;
  model::GapDetected gap;
  ASSERT_TRUE(normaliser.normalise(q, tick, gap).accepted);
  EXPECT_NE(tick.flags & model::kTickCrossed, 0U);
}

TEST_F(NormaliserTest, DropsDuplicatesOfRecentTicksButNotRepeatedPricesAtNewTimes) {
  ASSERT_TRUE(run(quote(1.1, 1.2, kNow - 3 * kSecond)).accepted);
  ASSERT_TRUE(run(quote(1.1, 1.2, kNow - 2 * kSecond)).accepted);
  auto again = run(quote(1.1, 1.2, kNow - 3 * kSecond));  // a resend of the first
  EXPECT_FALSE(again.accepted);
  EXPECT_EQ(again.reason, RejectReason::Duplicate);
  // Same time, different price: a second quote in the same millisecond, not a duplicate.
  EXPECT_TRUE(run(quote(1.1, 1.21, kNow - 2 * kSecond)).accepted);
  EXPECT_EQ(normaliser_.rejected(RejectReason::Duplicate), 1U);
}

TEST_F(NormaliserTest, FlagsATickOlderThanOneAlreadyAccepted) {
  ASSERT_TRUE(run(quote(1.1, 1.2, kNow - kSecond)).accepted);
  ASSERT_TRUE(run(quote(1.1, 1.3, kNow - 2 * kSecond)).accepted);
  EXPECT_NE(tick_.flags & model::kTickOutOfOrder, 0U);
  EXPECT_EQ(normaliser_.outOfOrder(), 1U);
}

TEST_F(NormaliserTest, ReportsAGapLongerThanTheInstrumentThreshold) {
  const TimestampNs start = kNow - 600 * kSecond;
  ASSERT_TRUE(run(quote(1.1, 1.2, start)).accepted);
  auto next = run(quote(1.1, 1.2, start + 59 * kSecond));
  ASSERT_TRUE(next.accepted);
  EXPECT_FALSE(next.gap);
  auto late = run(quote(1.1, 1.2, start + 200 * kSecond));
  ASSERT_TRUE(late.accepted);
  ASSERT_TRUE(late.gap);
  EXPECT_EQ(gap_.gapStart, start + 59 * kSecond);
  EXPECT_EQ(gap_.gapEnd, start + 200 * kSecond);
  EXPECT_EQ(gap_.instrument.symbol.view(), "EURUSD");
  EXPECT_EQ(gap_.header.tenant, model::TenantId{7});
  EXPECT_EQ(normaliser_.gaps(), 1U);
  auto& metric =
      registry_.counter("ait_data_gaps_total", "", {{"source", "test"}, {"symbol", "EURUSD"}});
  EXPECT_EQ(metric.value(), 1U);
}

TEST_F(NormaliserTest, TakesATradeWithoutBidOrAsk) {
  auto q = quote(0, 0);
  q.flags = model::kTickLast | model::kTickVolume | model::kTickBuy;
  q.last = 1.0855;
  q.volume = 3;
  auto outcome = run(q);
  ASSERT_TRUE(outcome.accepted);
  EXPECT_EQ(tick_.last, model::Price::fromRaw(108550, 5));
  EXPECT_EQ(tick_.flags, q.flags);
}

TEST_F(NormaliserTest, LearnsAnInstrumentOnFirstSight) {
  auto q = quote(2000.5, 2001.0);
  q.symbol = "XAUUSD";
  EXPECT_FALSE(run(q).accepted);
  InstrumentSpec gold;
  gold.instrument.id.symbol = model::Symbol("XAUUSD");
  gold.instrument.priceScale = 2;
  gold.instrument.tickSize = model::Price::fromRaw(1, 2);
  gold.instrument.currency = "USD";
  auto added = normaliser_.addInstrument(gold);
  ASSERT_TRUE(added) << added.error().describe();
  ASSERT_TRUE(run(q).accepted);
  EXPECT_EQ(tick_.ask, model::Price::fromRaw(200100, 2));
}

}  // namespace
}  // namespace ait::data
