#include "ait/bus/spsc_ring.h"

#include <cstdint>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace ait::bus {
namespace {

TEST(SpscRing, StartsEmptyAndRefusesPushWhenFull) {
  SpscRing<int> ring(4);
  EXPECT_TRUE(ring.empty());
  int out = 0;
  EXPECT_FALSE(ring.tryPop(out));
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(ring.tryPush(i));
  EXPECT_FALSE(ring.tryPush(99));
  EXPECT_EQ(ring.sizeApprox(), 4u);
  ASSERT_TRUE(ring.tryPop(out));
  EXPECT_EQ(out, 0);
  EXPECT_TRUE(ring.tryPush(4));
  EXPECT_FALSE(ring.tryPush(5));
}

TEST(SpscRing, KeepsFifoOrderAcrossManyWraparounds) {
  SpscRing<std::uint64_t> ring(8);
  std::uint64_t next = 0;
  std::uint64_t expected = 0;
  for (int lap = 0; lap < 100; ++lap) {
    while (ring.tryPush(next)) ++next;
    const auto taken = ring.consume(5, [&](std::uint64_t& value) { EXPECT_EQ(value, expected++); });
    EXPECT_EQ(taken, 5u);
  }
  ring.consume(100, [&](std::uint64_t& value) { EXPECT_EQ(value, expected++); });
  EXPECT_EQ(expected, next);
  EXPECT_TRUE(ring.empty());
  EXPECT_EQ(ring.pushed(), next);
  EXPECT_EQ(ring.consumed(), next);
}

TEST(SpscRing, BatchPushTakesOnlyWhatFits) {
  SpscRing<int> ring(4);
  const std::vector<int> values{1, 2, 3, 4, 5, 6};
  EXPECT_EQ(ring.tryPushBatch(values), 4u);
  EXPECT_EQ(ring.tryPushBatch(values), 0u);
  std::vector<int> seen;
  ring.consume(2, [&](int& v) { seen.push_back(v); });
  EXPECT_EQ(ring.tryPushBatch(std::span<const int>(values).subspan(4)), 2u);
  ring.consume(10, [&](int& v) { seen.push_back(v); });
  EXPECT_EQ(seen, (std::vector<int>{1, 2, 3, 4, 5, 6}));
}

TEST(SpscRing, ConsumeRespectsTheBatchLimit) {
  SpscRing<int> ring(16);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(ring.tryPush(i));
  int calls = 0;
  EXPECT_EQ(ring.consume(3, [&](int&) { ++calls; }), 3u);
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(ring.sizeApprox(), 7u);
}

TEST(SpscRing, TwoThreadsTransferEverySequenceNumberInOrder) {
  struct Item {
    std::uint64_t seq;
    std::uint64_t check;
  };
  constexpr std::uint64_t kCount = 200'000;
  SpscRing<Item> ring(64);  // small, so that the producer keeps hitting full
  std::thread producer([&] {
    for (std::uint64_t i = 0; i < kCount;) {
      if (ring.tryPush(Item{i, i * 2654435761u})) {
        ++i;
      } else {
        std::this_thread::yield();  // the consumer may share this core
      }
    }
  });
  std::uint64_t expected = 0;
  bool inOrder = true;
  while (expected < kCount) {
    const auto taken = ring.consume(32, [&](Item& item) {
      inOrder = inOrder && item.seq == expected && item.check == expected * 2654435761u;
      ++expected;
    });
    if (taken == 0) std::this_thread::yield();
  }
  producer.join();
  EXPECT_TRUE(inOrder);
  EXPECT_EQ(expected, kCount);
  EXPECT_TRUE(ring.empty());
}

}  // namespace
}  // namespace ait::bus
