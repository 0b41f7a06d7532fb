#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "ait/bus/bus.h"
#include "bus_test_support.h"

namespace ait::bus::testing {
namespace {

using namespace std::chrono_literals;

TEST(Backpressure, DropDiscardsTheNewestAndCountsExactlyTheDroppedOnes) {
  auto bus = makeBus();
  std::vector<std::uint64_t> seen;
  ASSERT_TRUE(bus->subscribe("md.*", [&](const TestMsg& msg) { seen.push_back(msg.seq); }));
  auto producer = bus->makeProducer(
      {.name = "ticks", .backpressure = Backpressure::Drop, .queue_capacity = 4});
  ASSERT_TRUE(producer);
  int dropped = 0;
  for (std::uint64_t i = 0; i < 10; ++i) {
    const auto status = producer->publish(makeMsg("md.X", 0, i));
    if (status == PublishStatus::Dropped) ++dropped;
    EXPECT_EQ(status, i < 4 ? PublishStatus::Ok : PublishStatus::Dropped) << i;
  }
  ASSERT_TRUE(bus->runUntilIdle());
  EXPECT_EQ(seen, (std::vector<std::uint64_t>{0, 1, 2, 3}));
  const auto stats = bus->stats();
  const auto* queue = stats.queue("ticks");
  ASSERT_NE(queue, nullptr);
  EXPECT_EQ(queue->dropped, 6u);
  EXPECT_EQ(queue->published, 4u);
  EXPECT_EQ(queue->rejected, 0u);
  EXPECT_EQ(dropped, 6);
  EXPECT_EQ(queue->backpressure, Backpressure::Drop);
}

TEST(Backpressure, DropCountsUnderConcurrentLoad) {
  auto bus = makeBus();
  std::atomic<std::uint64_t> received{0};
  ASSERT_TRUE(bus->subscribe("md.*", [&](const TestMsg&) {
    received.fetch_add(1, std::memory_order_relaxed);
  }));
  auto producer = bus->makeProducer(
      {.name = "ticks", .backpressure = Backpressure::Drop, .queue_capacity = 16});
  ASSERT_TRUE(producer);
  ASSERT_TRUE(bus->start());
  std::uint64_t ok = 0;
  std::uint64_t dropped = 0;
  for (int i = 0; i < 50'000; ++i) {
    (producer->publish(makeMsg("md.X")) == PublishStatus::Ok ? ok : dropped) += 1;
  }
  ASSERT_TRUE(bus->stop());
  EXPECT_EQ(received.load(), ok);
  EXPECT_EQ(bus->stats().queue("ticks")->dropped, dropped);
  EXPECT_EQ(ok + dropped, 50'000u);
}

TEST(Backpressure, FailReturnsFullAtOnceAndCountsIt) {
  auto bus = makeBus();
  auto producer = bus->makeProducer(
      {.name = "orders", .backpressure = Backpressure::Fail, .queue_capacity = 2});
  ASSERT_TRUE(producer);
  EXPECT_EQ(producer->publish(makeMsg("o.x")), PublishStatus::Ok);
  EXPECT_EQ(producer->publish(makeMsg("o.x")), PublishStatus::Ok);
  EXPECT_EQ(producer->publish(makeMsg("o.x")), PublishStatus::Full);
  EXPECT_EQ(producer->publish(makeMsg("o.x")), PublishStatus::Full);
  EXPECT_EQ(errorCodeOf(PublishStatus::Full).code, errors::kQueueFull.code);
  const auto stats = bus->stats();
  const auto* queue = stats.queue("orders");
  EXPECT_EQ(queue->rejected, 2u);
  EXPECT_EQ(queue->dropped, 0u);
  EXPECT_EQ(queue->depth, 2u);
  ASSERT_EQ(bus->runUntilIdle().value(), 2u);
  EXPECT_EQ(producer->publish(makeMsg("o.x")), PublishStatus::Ok);
}

TEST(Backpressure, BlockWaitsForSpaceAndDeliversEverything) {
  auto bus = makeBus();
  std::vector<std::uint64_t> seen;
  ASSERT_TRUE(bus->subscribe("md.*", [&](const TestMsg& msg) { seen.push_back(msg.seq); }));
  auto producer = bus->makeProducer(
      {.name = "feed", .backpressure = Backpressure::Block, .queue_capacity = 2});
  ASSERT_TRUE(producer);
  std::atomic<int> returned{0};
  std::thread publisher([&] {
    for (std::uint64_t i = 0; i < 3; ++i) {
      EXPECT_EQ(producer->publish(makeMsg("md.X", 0, i)), PublishStatus::Ok);
      returned.fetch_add(1);
    }
  });
  ASSERT_TRUE(eventually([&] { return returned.load() == 2; }));
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(returned.load(), 2) << "the third publish should wait: the queue holds 2";
  ASSERT_TRUE(bus->start());
  publisher.join();
  ASSERT_TRUE(bus->stop());
  EXPECT_EQ(seen, (std::vector<std::uint64_t>{0, 1, 2}));
}

TEST(Backpressure, BlockDeliversAllUnderSustainedLoad) {
  BusConfig config = smallConfig();
  config.idle_spin_polls = 50;
  config.idle_yield_polls = 5;
  auto bus = makeBus(config);
  std::uint64_t next = 0;
  std::uint64_t outOfOrder = 0;
  ASSERT_TRUE(bus->subscribe("md.*", [&](const TestMsg& msg) {
    if (msg.seq != next) ++outOfOrder;
    next = msg.seq + 1;
  }));
  auto producer = bus->makeProducer(
      {.name = "feed", .backpressure = Backpressure::Block, .queue_capacity = 8});
  ASSERT_TRUE(producer);
  ASSERT_TRUE(bus->start());
  for (std::uint64_t i = 0; i < 30'000; ++i) {
    ASSERT_EQ(producer->publish(makeMsg("md.X", 0, i)), PublishStatus::Ok);
  }
  ASSERT_TRUE(bus->stop());
  EXPECT_EQ(next, 30'000u);
  EXPECT_EQ(outOfOrder, 0u);
  EXPECT_EQ(bus->stats().queue("feed")->rejected, 0u);
}

TEST(Backpressure, BlockGivesUpAfterItsTimeoutAndCountsIt) {
  auto bus = makeBus();
  auto producer = bus->makeProducer({.name = "feed",
                                     .backpressure = Backpressure::Block,
                                     .queue_capacity = 2,
                                     .block_timeout = 10ms});
  ASSERT_TRUE(producer);
  EXPECT_EQ(producer->publish(makeMsg("md.X")), PublishStatus::Ok);
  EXPECT_EQ(producer->publish(makeMsg("md.X")), PublishStatus::Ok);
  EXPECT_EQ(producer->publish(makeMsg("md.X")), PublishStatus::TimedOut);
  EXPECT_EQ(bus->stats().queue("feed")->rejected, 1u);
}

TEST(Backpressure, BlockedPublisherIsReleasedWhenTheBusStops) {
  auto bus = makeBus();
  auto producer = bus->makeProducer(
      {.name = "feed", .backpressure = Backpressure::Block, .queue_capacity = 2});
  ASSERT_TRUE(producer);
  ASSERT_EQ(producer->publish(makeMsg("md.X")), PublishStatus::Ok);
  ASSERT_EQ(producer->publish(makeMsg("md.X")), PublishStatus::Ok);
  std::atomic<bool> done{false};
  PublishStatus status = PublishStatus::Ok;
  std::thread publisher([&] {
    status = producer->publish(makeMsg("md.X"));
    done.store(true);
  });
  std::this_thread::sleep_for(5ms);
  auto result = bus->stop();  // never started: the two queued events stay undelivered
  publisher.join();
  ASSERT_TRUE(result);
  EXPECT_EQ(status, PublishStatus::Stopped);
  EXPECT_EQ(result->undelivered, 2u);
}

TEST(Backpressure, BlockProducerOnTheEngineThreadFailsInsteadOfWaitingForItself) {
  auto bus = makeBus();
  auto producer = bus->makeProducer(
      {.name = "loop", .backpressure = Backpressure::Block, .queue_capacity = 2});
  ASSERT_TRUE(producer);
  std::vector<PublishStatus> statuses;
  ASSERT_TRUE(bus->subscribe("ctl.go", [&](const TestMsg&) {
    for (int i = 0; i < 3; ++i) statuses.push_back(producer->publish(makeMsg("md.X")));
  }));
  ASSERT_EQ(bus->publish(makeMsg("ctl.go")), PublishStatus::Ok);
  ASSERT_TRUE(bus->runUntilIdle());
  EXPECT_EQ(statuses, (std::vector<PublishStatus>{PublishStatus::Ok, PublishStatus::Ok,
                                                  PublishStatus::Full}));
}

TEST(Backpressure, BatchPublishStopsAtTheFirstFailure) {
  auto bus = makeBus();
  auto producer = bus->makeProducer(
      {.name = "feed", .backpressure = Backpressure::Fail, .queue_capacity = 4});
  ASSERT_TRUE(producer);
  std::vector<TestMsg> batch(6, makeMsg("md.X"));
  EXPECT_EQ(producer->publishBatch(batch), 4u);
  EXPECT_EQ(bus->stats().queue("feed")->rejected, 1u);
}

}  // namespace
}  // namespace ait::bus::testing
