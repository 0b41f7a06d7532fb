#include "ait/bus/topic.h"

#include <string>

#include <gtest/gtest.h>

#include "ait/bus/errors.h"

namespace ait::bus {
namespace {

struct MatchCase {
  const char* pattern;
  const char* topic;
  bool matches;
};

TEST(TopicMatches, FollowsTheWildcardTable) {
  const MatchCase cases[] = {
      {"md.EURUSD", "md.EURUSD", true},   {"md.EURUSD", "md.GBPUSD", false},
      {"md.EURUSD", "md.EURUSD.l2", false}, {"md.EURUSD", "md", false},
      {"md.*", "md.EURUSD", true},        {"md.*", "md", false},
      {"md.*", "md.EURUSD.l2", false},    {"md.*", "orders.EURUSD", false},
      {"*.EURUSD", "md.EURUSD", true},    {"*.*", "a.b", true},
      {"*.*", "a", false},                {"*", "a", true},
      {"*", "a.b", false},                {"orders.>", "orders.new", true},
      {"orders.>", "orders.7.new", true}, {"orders.>", "orders", false},
      {"orders.>", "ordersx.new", false}, {">", "a", true},
      {">", "a.b.c", true},               {"orders.*.new", "orders.7.new", true},
      {"orders.*.new", "orders.7.cancel", false}, {"orders.*.>", "orders.7", false},
      {"orders.*.>", "orders.7.fill.1", true},    {"md.EUR", "md.EURUSD", false},
      {"md.EURUSD", "md.EUR", false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(topicMatches(c.pattern, c.topic), c.matches) << c.pattern << " vs " << c.topic;
  }
}

TEST(TopicSyntax, AcceptsLiteralTopicsAndRejectsMalformedOnes) {
  EXPECT_TRUE(isValidTopic("md.EURUSD"));
  EXPECT_TRUE(isValidTopic("orders.7.new"));
  EXPECT_TRUE(isValidTopic("x"));
  EXPECT_FALSE(isValidTopic(""));
  EXPECT_FALSE(isValidTopic(".md"));
  EXPECT_FALSE(isValidTopic("md."));
  EXPECT_FALSE(isValidTopic("md..x"));
  EXPECT_FALSE(isValidTopic("md.*"));
  EXPECT_FALSE(isValidTopic("orders.>"));
  EXPECT_FALSE(isValidTopic("md.EUR USD"));
  EXPECT_FALSE(isValidTopic(std::string(256, 'a')));
  EXPECT_TRUE(isValidTopic(std::string(255, 'a')));
}

TEST(TopicSyntax, AcceptsWildcardsOnlyAsWholeTokens) {
  EXPECT_TRUE(isValidPattern("md.*"));
  EXPECT_TRUE(isValidPattern("orders.>"));
  EXPECT_TRUE(isValidPattern("*.x.>"));
  EXPECT_FALSE(isValidPattern("orders.>.new"));
  EXPECT_FALSE(isValidPattern("md.EUR*"));
  EXPECT_FALSE(isValidPattern("md.>x"));
  EXPECT_FALSE(isValidPattern("md..*"));
  auto bad = checkPattern("orders.>.new");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().codeString(), errors::kInvalidPattern.code);
  EXPECT_NE(bad.error().message().find("orders.>.new"), std::string::npos);
  EXPECT_NE(bad.error().message().find("last token"), std::string::npos);
}

TEST(Router, ResolvesMatchingSubscriptionsInRegistrationOrder) {
  Router router(16);
  ASSERT_TRUE(router.add(0, "md.*", false));
  ASSERT_TRUE(router.add(1, "md.EURUSD", false));
  ASSERT_TRUE(router.add(2, "orders.>", false));
  ASSERT_TRUE(router.add(3, ">", false));
  auto route = router.resolve("md.EURUSD");
  ASSERT_EQ(route.count, 3u);
  EXPECT_EQ(router.at(route, 0), 0u);
  EXPECT_EQ(router.at(route, 1), 1u);
  EXPECT_EQ(router.at(route, 2), 3u);
  route = router.resolve("orders.7.new");
  ASSERT_EQ(route.count, 2u);
  EXPECT_EQ(router.at(route, 0), 2u);
  EXPECT_EQ(router.topicCount(), 2u);
  router.resolve("md.EURUSD");
  EXPECT_EQ(router.topicCount(), 2u);
}

TEST(Router, RebuildsCachedRoutesAfterSubscriptionChanges) {
  Router router(16);
  ASSERT_TRUE(router.add(0, "md.*", false));
  EXPECT_EQ(router.resolve("md.EURUSD").count, 1u);
  ASSERT_TRUE(router.add(1, "md.EURUSD", false));
  EXPECT_EQ(router.resolve("md.EURUSD").count, 2u);
  EXPECT_TRUE(router.remove(0));
  auto route = router.resolve("md.EURUSD");
  ASSERT_EQ(route.count, 1u);
  EXPECT_EQ(router.at(route, 0), 1u);
  EXPECT_FALSE(router.remove(0));
}

TEST(Router, PicksTheFirstMatchingResponder) {
  Router router(16);
  ASSERT_TRUE(router.add(0, "query.>", false));
  ASSERT_TRUE(router.add(1, "query.positions.*", true));
  ASSERT_TRUE(router.add(2, "query.>", true));
  auto route = router.resolve("query.positions.7");
  EXPECT_EQ(route.responder, 1);
  EXPECT_EQ(route.count, 1u);
  EXPECT_EQ(router.resolve("query.orders.7").responder, 2);
  EXPECT_EQ(router.resolve("md.x").responder, -1);
}

TEST(Router, MatchesWithoutCachingOnceTheCacheIsFull) {
  Router router(2);
  ASSERT_TRUE(router.add(0, "t.*", false));
  router.resolve("t.a");
  router.resolve("t.b");
  auto route = router.resolve("t.c");
  EXPECT_TRUE(route.uncached);
  ASSERT_EQ(route.count, 1u);
  EXPECT_EQ(router.at(route, 0), 0u);
  EXPECT_EQ(router.topicCount(), 2u);
  EXPECT_EQ(router.uncachedResolves(), 1u);
}

TEST(Router, MarksInvalidTopicsAndMatchesNothing) {
  Router router(16);
  ASSERT_TRUE(router.add(0, ">", false));
  auto route = router.resolve("md..x");
  EXPECT_FALSE(route.valid);
  EXPECT_EQ(route.count, 0u);
  router.resolve("md..x");
  EXPECT_EQ(router.invalidTopics(), 2u);
}

TEST(Router, RefusesAnInvalidPattern) {
  Router router(16);
  auto added = router.add(0, "md.*x", false);
  ASSERT_FALSE(added);
  EXPECT_EQ(added.error().codeString(), errors::kInvalidPattern.code);
}

}  // namespace
}  // namespace ait::bus
