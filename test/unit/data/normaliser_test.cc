#include "ait/data/normaliser.h"

#include <array>
#include <cmath>
#include <limits>
#include <vector>

#include <gtest/gtest.h>

#include "ait/model/time.h"

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

TEST_F(NormaliserTest, ASilenceExactlyAtTheThresholdIsNotAGap) {
  const TimestampNs start = kNow - 600 * kSecond;
  ASSERT_TRUE(run(quote(1.1, 1.2, start)).accepted);
  auto atThreshold = run(quote(1.1, 1.2, start + 60 * kSecond));
  ASSERT_TRUE(atThreshold.accepted);
  EXPECT_FALSE(atThreshold.gap);
  auto past = run(quote(1.1, 1.2, start + 120 * kSecond + 1));
  ASSERT_TRUE(past.accepted);
  EXPECT_TRUE(past.gap);
  EXPECT_EQ(normaliser_.gaps(), 1U);
}

TEST_F(NormaliserTest, CountsOnlyTimeInTheSessionBetweenTicks) {
  // EURUSD trades "fx": Friday 17:00 to Sunday 17:00 New York (22:00 UTC in January) is closed.
  clock_.set(*model::parseIso8601("2024-01-15T12:00:00Z"));
  const auto friday = *model::parseIso8601("2024-01-12T21:59:30Z");
  const auto sundayOpen = *model::parseIso8601("2024-01-14T22:00:00Z");
  ASSERT_TRUE(run(quote(1.1, 1.2, friday)).accepted);
  // 30 s before the close and 30 s after the open: 60 s of session, not more than the threshold.
  auto monday = run(quote(1.1, 1.2, sundayOpen + 30 * kSecond));
  ASSERT_TRUE(monday.accepted);
  EXPECT_FALSE(monday.gap);
  EXPECT_EQ(normaliser_.gaps(), 0U);
  auto later = run(quote(1.1, 1.2, sundayOpen + 90 * kSecond + 1));
  ASSERT_TRUE(later.accepted);
  ASSERT_TRUE(later.gap);
  EXPECT_EQ(gap_.gapStart, sundayOpen + 30 * kSecond);
  // Across the weekend with a minute of session on either side: a gap, starting at Friday's tick.
  auto other = [](TimestampNs at) {
    auto q = quote(1.3, 1.4, at);
    q.symbol = "GBPUSD";
    return q;
  };
  const auto nextFriday = *model::parseIso8601("2024-01-19T21:59:00Z");
  clock_.set(*model::parseIso8601("2024-01-22T12:00:00Z"));
  ASSERT_TRUE(run(other(nextFriday)).accepted);
  auto after = run(other(*model::parseIso8601("2024-01-21T22:01:00Z")));
  ASSERT_TRUE(after.accepted);
  ASSERT_TRUE(after.gap);
  EXPECT_EQ(gap_.gapStart, nextFriday);
  EXPECT_EQ(normaliser_.gaps(), 2U);
}

TEST_F(NormaliserTest, TheClockReportsASilenceOnceWhileItLasts) {
  const TimestampNs last = kNow - kSecond;
  ASSERT_TRUE(run(quote(1.1, 1.2, last)).accepted);
  std::vector<model::GapDetected> gaps;
  auto collect = [&](const model::GapDetected& gap) { gaps.push_back(gap); };
  EXPECT_EQ(normaliser_.checkGaps(clock_.now(), collect), 0U);
  clock_.set(last + 60 * kSecond);
  EXPECT_EQ(normaliser_.checkGaps(clock_.now(), collect), 0U);  // exactly the threshold
  clock_.advance(std::chrono::nanoseconds(1));
  EXPECT_EQ(normaliser_.checkGaps(clock_.now(), collect), 1U);
  for (int i = 0; i < 5; ++i) {
    clock_.advance(std::chrono::seconds(10));
    EXPECT_EQ(normaliser_.checkGaps(clock_.now(), collect), 0U);
  }
  ASSERT_EQ(gaps.size(), 1U);
  EXPECT_EQ(gaps[0].instrument.symbol.view(), "EURUSD");  // the others never ticked
  EXPECT_EQ(gaps[0].gapStart, last);
  EXPECT_EQ(gaps[0].gapEnd, last + 60 * kSecond + 1);
  EXPECT_EQ(gaps[0].header.tenant, model::TenantId{7});

  // The tick that ends the silence does not report it again; the next silence is new.
  auto resumed = run(quote(1.1, 1.2, clock_.now()));
  ASSERT_TRUE(resumed.accepted);
  EXPECT_FALSE(resumed.gap);
  EXPECT_EQ(normaliser_.gaps(), 1U);
  clock_.advance(std::chrono::seconds(61));
  EXPECT_EQ(normaliser_.checkGaps(clock_.now(), collect), 1U);
  EXPECT_EQ(normaliser_.gaps(), 2U);
  auto& metric =
      registry_.counter("ait_data_gaps_total", "", {{"source", "test"}, {"symbol", "EURUSD"}});
  EXPECT_EQ(metric.value(), 2U);
}

TEST_F(NormaliserTest, TheClockIgnoresTheWeekend) {
  const auto last = *model::parseIso8601("2024-01-12T21:58:30Z");  // Friday, 90 s before close
  clock_.set(last + kSecond);
  ASSERT_TRUE(run(quote(1.1, 1.2, last)).accepted);
  std::size_t reported = 0;
  model::GapDetected seen;
  auto collect = [&](const model::GapDetected& gap) {
    ++reported;
    seen = gap;
  };
  clock_.set(last + 60 * kSecond);
  EXPECT_EQ(normaliser_.checkGaps(clock_.now(), collect), 0U);
  // Closed at 22:00 UTC with 90 s of session behind the tick: reported once, then quiet.
  clock_.set(*model::parseIso8601("2024-01-12T22:00:00Z"));
  EXPECT_EQ(normaliser_.checkGaps(clock_.now(), collect), 1U);
  EXPECT_EQ(seen.gapStart, last);

  // A new tick right before the close: the weekend after it is never a gap.
  const auto beforeClose = *model::parseIso8601("2024-01-12T21:59:50Z");
  ASSERT_TRUE(run(quote(1.1, 1.2, beforeClose)).accepted);
  for (auto when : {"2024-01-13T12:00:00Z", "2024-01-14T21:59:59Z", "2024-01-14T22:00:50Z"}) {
    clock_.set(*model::parseIso8601(when));
    EXPECT_EQ(normaliser_.checkGaps(clock_.now(), collect), 0U) << when;
  }
  clock_.set(*model::parseIso8601("2024-01-14T22:00:50Z") + 1);  // 10 s + 50 s + 1 ns in session
  EXPECT_EQ(normaliser_.checkGaps(clock_.now(), collect), 1U);
  EXPECT_EQ(seen.gapStart, beforeClose);
  EXPECT_EQ(reported, 2U);
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
