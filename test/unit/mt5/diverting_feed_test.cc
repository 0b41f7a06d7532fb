// The MT5 venue's wrapper of a tenant's feed (divertOrderEvents) passes the clock and list ends
// through to the feed it wraps, so the wrapped BusFeed still releases held quotes and reports
// quiet symbols.

#include <gtest/gtest.h>

#include "ait/venue/mt5_bridge.h"
#include "mocks/mt5/recording_feed.h"

namespace ait::mt5 {
namespace {

struct CountingReports final : venue::TerminalReports {
  std::vector<std::string> lists;
  Expected<void> report(const model::Event&) override { return {}; }
  Expected<void> listEnd(model::TenantId, std::string_view what, std::size_t,
                         std::size_t) override {
    lists.emplace_back(what);
    return {};
  }
};

TEST(DivertingFeed, ForwardsTheClockToTheFeedItWraps) {
  auto recorder = std::make_shared<test::Recorder>();
  auto reports = std::make_shared<CountingReports>();
  auto feeds = venue::divertOrderEvents(test::recordingFeeds(recorder), {model::TenantId{6}}, reports);
  auto diverted = feeds(model::TenantId{6}, "mt5-native");
  ASSERT_TRUE(diverted);
  diverted->onTimer(1'000);
  diverted->onTimer(2'000);
  diverted->listEnd("positions", 0, 0);
  EXPECT_EQ(recorder->timersCopy(), (std::vector<TimestampNs>{1'000, 2'000}));
  EXPECT_EQ(reports->lists, std::vector<std::string>{"positions"});
  // Another tenant's feed is not wrapped: it gets the clock directly.
  auto plain = feeds(model::TenantId{7}, "mt5-native");
  plain->onTimer(3'000);
  EXPECT_EQ(recorder->timersCopy().size(), 3U);
}

}  // namespace
}  // namespace ait::mt5
