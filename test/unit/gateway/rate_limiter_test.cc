#include "ait/gateway/rate_limiter.h"

#include <gtest/gtest.h>

namespace ait::gateway {
namespace {

using namespace std::chrono_literals;

TEST(RateLimiter, AllowsTheBurstThenRefillsAtTheRate) {
  FakeClock clock;
  RateLimiter limiter("test-burst", {2.0, 5.0}, clock);
  for (int i = 0; i < 5; ++i) {
    auto d = limiter.take("t1");
    ASSERT_TRUE(d.allowed) << i;
    EXPECT_EQ(d.limit, 5);
    EXPECT_EQ(d.remaining, 4 - i);
  }
  auto refused = limiter.take("t1");
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retryAfterSeconds, 1);
  EXPECT_EQ(refused.resetSeconds, 3);  // 5 tokens at 2/s
  clock.advance(500ms);                 // one token back
  EXPECT_TRUE(limiter.take("t1").allowed);
  EXPECT_FALSE(limiter.take("t1").allowed);
  clock.advance(10s);                   // never more than the burst
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(limiter.take("t1").allowed);
  EXPECT_FALSE(limiter.take("t1").allowed);
}

TEST(RateLimiter, KeysHaveTheirOwnBuckets) {
  FakeClock clock;
  RateLimiter limiter("test-keys", {1.0, 1.0}, clock);
  EXPECT_TRUE(limiter.take("tenant-1").allowed);
  EXPECT_FALSE(limiter.take("tenant-1").allowed);
  EXPECT_TRUE(limiter.take("tenant-2").allowed) << "one tenant's flood does not stop another";
}

TEST(RateLimiter, SlowRatesGiveLongRetryAfter) {
  FakeClock clock;
  RateLimiter limiter("test-slow", {0.1, 1.0}, clock);
  EXPECT_TRUE(limiter.take("ip").allowed);
  auto refused = limiter.take("ip");
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retryAfterSeconds, 10);
}

TEST(RateLimiter, ReloadedLimitsApplyToExistingBuckets) {
  FakeClock clock;
  RateLimiter limiter("test-reload", {1.0, 2.0}, clock);
  EXPECT_TRUE(limiter.take("k").allowed);
  EXPECT_TRUE(limiter.take("k").allowed);
  EXPECT_FALSE(limiter.take("k").allowed);
  limiter.setLimits({100.0, 10.0});
  clock.advance(100ms);
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(limiter.take("k").allowed) << i;
  EXPECT_EQ(limiter.take("k").limit, 10);
}

TEST(RateLimiter, AFloodOfNewKeysDoesNotGrowWithoutBound) {
  FakeClock clock;
  RateLimiter limiter("test-flood", {1000.0, 1.0}, clock, /*maxKeys=*/160);
  for (int i = 0; i < 100'000; ++i) {
    (void)limiter.take("ip-" + std::to_string(i));
    clock.advance(1ms);  // each bucket refills before the table is swept
  }
  // Still answering correctly for a fresh key and an exhausted one.
  EXPECT_TRUE(limiter.take("new").allowed);
  EXPECT_FALSE(limiter.take("new").allowed);
}

TEST(RateDecision, AnnotatesTheStandardHeaders) {
  RateDecision d{false, 10, 0, 7, 2};
  http::Response response;
  d.annotate(response);
  EXPECT_EQ(response.header("RateLimit-Limit"), "10");
  EXPECT_EQ(response.header("RateLimit-Remaining"), "0");
  EXPECT_EQ(response.header("RateLimit-Reset"), "7");
  EXPECT_EQ(response.header("Retry-After"), "2");
  auto tooMany = tooManyRequests(d, "tenant");
  EXPECT_EQ(tooMany.status, 429);
  EXPECT_EQ(tooMany.header("Retry-After"), "2");
}

}  // namespace
}  // namespace ait::gateway
