#include "ait/bus/mpsc_queue.h"

#include <cstdint>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace ait::bus {
namespace {

TEST(MpscQueue, RefusesPushWhenFullAndKeepsOrder) {
  MpscQueue<int> queue(4);
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(queue.tryPush(i));
  EXPECT_FALSE(queue.tryPush(4));
  std::vector<int> seen;
  EXPECT_EQ(queue.consume(2, [&](int& v) { seen.push_back(v); }), 2u);
  EXPECT_TRUE(queue.tryPush(4));
  EXPECT_TRUE(queue.tryPush(5));
  EXPECT_FALSE(queue.tryPush(6));
  queue.consume(10, [&](int& v) { seen.push_back(v); });
  EXPECT_EQ(seen, (std::vector<int>{0, 1, 2, 3, 4, 5}));
  EXPECT_FALSE(queue.readable());
}

TEST(MpscQueue, SeveralProducersEachKeepTheirOrder) {
  struct Item {
    std::uint32_t producer;
    std::uint64_t seq;
  };
  constexpr int kProducers = 3;
  constexpr std::uint64_t kEach = 30'000;
  MpscQueue<Item> queue(128);
  std::vector<std::thread> threads;
  for (int p = 0; p < kProducers; ++p) {
    threads.emplace_back([&queue, p] {
      for (std::uint64_t i = 0; i < kEach;) {
        if (queue.tryPush(Item{static_cast<std::uint32_t>(p), i})) {
          ++i;
        } else {
          std::this_thread::yield();
        }
      }
    });
  }
  std::vector<std::uint64_t> next(kProducers, 0);
  bool inOrder = true;
  std::uint64_t total = 0;
  while (total < kProducers * kEach) {
    const auto taken = queue.consume(64, [&](Item& item) {
      inOrder = inOrder && item.seq == next[item.producer];
      ++next[item.producer];
    });
    if (taken == 0) std::this_thread::yield();
    total += taken;
  }
  for (auto& t : threads) t.join();
  EXPECT_TRUE(inOrder);
  for (int p = 0; p < kProducers; ++p) EXPECT_EQ(next[p], kEach);
  EXPECT_EQ(queue.consumed(), kProducers * kEach);
}

}  // namespace
}  // namespace ait::bus
