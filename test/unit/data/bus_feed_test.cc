// The MT5 feeds (mt5::BusFeeds) apply the data bridge's reorder window and report a symbol's
// silence by the clock, like the bridge's own sources.

#include "ait/mt5/bus_feed.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "mocks/mt5/bus_fixture.h"
#include "wait.h"

namespace ait::mt5 {
namespace {

using namespace std::chrono_literals;
constexpr std::int64_t kMs = 1'000'000;

class BusFeedTest : public test::RecordingBusTest {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(createBus("bus-feed-test")); }
  void TearDown() override { (void)bus_->stop(); }

  void startWith(data::NormaliserConfig validation, std::int64_t gapThresholdNs = 0) {
    feeds_ = std::make_unique<BusFeeds>(*bus_, std::vector{test::eurusdSpec(gapThresholdNs)},
                                        validation, clock_, registry_);
    ASSERT_TRUE(bus_->start());
    feed_ = feeds_->native()(model::TenantId{4}, "mt5-native");
    ASSERT_TRUE(feed_);
  }

  // A quote stamped `at` ms after base_, arriving now by the fake clock.
  RawQuote quote(std::int64_t atMs, double bid, std::string_view symbol = "EURUSD") {
    RawQuote q;
    q.tenant = model::TenantId{4};
    q.symbol = symbol;
    q.digits = 5;
    q.tsEvent = base_ + atMs * kMs;
    q.tsRecv = clock_.now();
    q.bid = bid;
    q.ask = bid + 0.0001;
    q.flags = model::kTickBid | model::kTickAsk;
    q.source = "mt5-native";
    return q;
  }

  FakeClock clock_;
  const TimestampNs base_ = clock_.now();
  std::unique_ptr<BusFeeds> feeds_;
  std::unique_ptr<Feed> feed_;
};

TEST_F(BusFeedTest, PutsTicksBackInOrderWithinTheWindowAndFlagsThoseBeyondIt) {
  data::NormaliserConfig validation;
  validation.reorderWindowNs = 500 * kMs;
  startWith(validation);
  ASSERT_TRUE(feed_->quote(quote(100, 1.10001)));
  ASSERT_TRUE(feed_->quote(quote(300, 1.10003)));
  ASSERT_TRUE(feed_->quote(quote(200, 1.10002)));  // came after a newer one, within the window
  clock_.advance(1s);
  // Its own time 1400 ms: the source's clock is past 100..300 by the window, they go out.
  ASSERT_TRUE(feed_->quote(quote(1400, 1.10014)));
  ASSERT_TRUE(feed_->quote(quote(250, 1.10025)));  // older than one already out: beyond it
  feed_.reset();  // the connection ends: the window's last quote goes out too
  ASSERT_TRUE(data::test::waitFor([&] { return only<model::Tick>().size() >= 5; }));
  const auto ticks = only<model::Tick>();
  ASSERT_EQ(ticks.size(), 5U);
  const std::int64_t expected[] = {100, 200, 300, 250, 1400};
  for (std::size_t i = 0; i < ticks.size(); ++i) {
    EXPECT_EQ(ticks[i].header.tsEvent, base_ + expected[i] * kMs) << i;
    const bool flagged = (ticks[i].flags & model::kTickOutOfOrder) != 0;
    EXPECT_EQ(flagged, expected[i] == 250) << i;
    EXPECT_EQ(ticks[i].header.tenant, model::TenantId{4});
  }
  EXPECT_EQ(registry_.counter("ait_data_ticks_reordered_total", "", {{"source", "mt5-native"}})
                .value(),
            1U);
  EXPECT_EQ(
      registry_.counter("ait_data_ticks_late_total", "", {{"source", "mt5-native"}}).value(), 1U);
}

TEST_F(BusFeedTest, WithoutAWindowTicksPassAtOnceAndLateOnesAreFlagged) {
  startWith(data::NormaliserConfig{});
  ASSERT_TRUE(feed_->quote(quote(100, 1.10001)));
  ASSERT_TRUE(feed_->quote(quote(300, 1.10003)));
  ASSERT_TRUE(feed_->quote(quote(200, 1.10002)));
  ASSERT_TRUE(data::test::waitFor([&] { return only<model::Tick>().size() >= 3; }));
  const auto ticks = only<model::Tick>();
  EXPECT_EQ(ticks[2].header.tsEvent, base_ + 200 * kMs);
  EXPECT_NE(ticks[2].flags & model::kTickOutOfOrder, 0U);
}

TEST_F(BusFeedTest, ASymbolGoneQuietIsAGapOnceWhileTheConnectionsOtherSymbolsTick) {
  startWith(data::NormaliserConfig{}, 1000 * kMs);
  ASSERT_TRUE(feed_->quote(quote(0, 1.10001)));
  // GBPUSD (learnt from its digits) goes on ticking every 200 ms for 3 s; EURUSD says nothing.
  for (std::int64_t t = 200; t <= 3000; t += 200) {
    clock_.advance(200ms);
    ASSERT_TRUE(feed_->quote(quote(t, 1.26 + static_cast<double>(t) * 1e-7, "GBPUSD")));
  }
  clock_.advance(200ms);
  ASSERT_TRUE(feed_->quote(quote(3200, 1.10005)));  // EURUSD back: no second report
  ASSERT_TRUE(data::test::waitFor([&] { return only<model::Tick>().size() >= 17; }));
  const auto gaps = only<model::GapDetected>();
  ASSERT_EQ(gaps.size(), 1U);
  EXPECT_EQ(gaps[0].instrument.symbol.view(), "EURUSD");
  EXPECT_EQ(gaps[0].gapStart, base_);
  // Seen by the first check past the threshold of silence: later than 1 s, long before 3.2 s.
  EXPECT_GT(gaps[0].gapEnd - gaps[0].gapStart, 1000 * kMs);
  EXPECT_LT(gaps[0].gapEnd - gaps[0].gapStart, 1300 * kMs);
  EXPECT_EQ(gaps[0].header.tenant, model::TenantId{4});
}

}  // namespace
}  // namespace ait::mt5
