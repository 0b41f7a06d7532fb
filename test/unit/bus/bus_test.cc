#include <atomic>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "ait/bus/bus.h"
#include "ait/metrics/metrics.h"
#include "bus_test_support.h"

namespace ait::bus::testing {
namespace {

TEST(Bus, RefusesInvalidConfigAndTheNatsKind) {
  BusConfig config = smallConfig();
  config.queue_capacity = 3;
  auto bad = TestBus::create(config);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().codeString(), errors::kInvalidConfig.code);
  config = smallConfig();
  config.kind = BusKind::Nats;
  auto nats = TestBus::create(config);
  ASSERT_FALSE(nats);
  EXPECT_NE(nats.error().message().find("nats"), std::string::npos);
}

TEST(Bus, DeliversToExactAndWildcardSubscribers) {
  auto bus = makeBus();
  std::vector<std::string> seen;
  ASSERT_TRUE(bus->subscribe("md.EURUSD", [&](const TestMsg&) { seen.push_back("exact"); }));
  ASSERT_TRUE(bus->subscribe("md.*", [&](const TestMsg&) { seen.push_back("star"); }));
  ASSERT_TRUE(bus->subscribe("orders.>", [&](const TestMsg&) { seen.push_back("orders"); }));
  auto producer = bus->makeProducer({.name = "feed"});
  ASSERT_TRUE(producer);
  EXPECT_EQ(producer->publish(makeMsg("md.EURUSD")), PublishStatus::Ok);
  EXPECT_EQ(producer->publish(makeMsg("md.GBPUSD")), PublishStatus::Ok);
  EXPECT_EQ(producer->publish(makeMsg("orders.7.new")), PublishStatus::Ok);
  EXPECT_EQ(producer->publish(makeMsg("risk.limit")), PublishStatus::Ok);
  ASSERT_EQ(bus->runUntilIdle().value(), 4u);
  EXPECT_EQ(seen, (std::vector<std::string>{"exact", "star", "star", "orders"}));
  const auto stats = bus->stats();
  EXPECT_EQ(stats.dispatched, 4u);
  EXPECT_EQ(stats.delivered, 4u);
  EXPECT_EQ(stats.unrouted, 1u);
  EXPECT_EQ(stats.topics, 4u);
}

TEST(Bus, PreservesOrderPerProducerWithSeveralProducers) {
  constexpr int kProducers = 4;
  constexpr std::uint64_t kEach = 20'000;
  auto bus = makeBus();
  std::vector<std::uint64_t> next(kProducers, 0);
  std::uint64_t outOfOrder = 0;
  ASSERT_TRUE(bus->subscribe("md.*", [&](const TestMsg& msg) {
    if (msg.seq != next[msg.producer]) ++outOfOrder;
    next[msg.producer] = msg.seq + 1;
  }));
  std::vector<TestBus::Producer> producers;
  for (int p = 0; p < kProducers; ++p) {
    auto producer = bus->makeProducer({.name = "p" + std::to_string(p), .queue_capacity = 256});
    ASSERT_TRUE(producer);
    producers.push_back(std::move(*producer));
  }
  ASSERT_TRUE(bus->start());
  std::vector<std::thread> threads;
  for (int p = 0; p < kProducers; ++p) {
    threads.emplace_back([&, p] {
      const std::string topic = "md.S" + std::to_string(p % 2);
      for (std::uint64_t i = 0; i < kEach; ++i) {
        EXPECT_EQ(producers[p].publish(makeMsg(topic, p, i)), PublishStatus::Ok);
      }
    });
  }
  for (auto& t : threads) t.join();
  auto stopped = bus->stop();
  ASSERT_TRUE(stopped);
  EXPECT_EQ(stopped->undelivered, 0u);
  EXPECT_EQ(outOfOrder, 0u);
  for (int p = 0; p < kProducers; ++p) EXPECT_EQ(next[p], kEach) << "producer " << p;
  EXPECT_EQ(bus->dispatched(), kProducers * kEach);
}

TEST(Bus, ProcessesFollowUpsInOrderAfterTheCurrentEvent) {
  auto bus = makeBus();
  std::vector<std::string> order;
  auto record = [&](const TestMsg& msg) { order.emplace_back(topicOf(msg)); };
  ASSERT_TRUE(bus->subscribe("a.>", record));
  ASSERT_TRUE(bus->subscribe("a.start", [&](const TestMsg&) {
    EXPECT_EQ(bus->publish(makeMsg("a.f1")), PublishStatus::Ok);
    EXPECT_EQ(bus->publish(makeMsg("a.f2")), PublishStatus::Ok);
    order.emplace_back("start-handler-done");
  }));
  ASSERT_TRUE(bus->subscribe("a.f1", [&](const TestMsg&) {
    EXPECT_EQ(bus->publish(makeMsg("a.f1.x")), PublishStatus::Ok);
  }));
  auto producer = bus->makeProducer({.name = "feed"});
  ASSERT_TRUE(producer);
  ASSERT_EQ(producer->publish(makeMsg("a.start")), PublishStatus::Ok);
  ASSERT_EQ(producer->publish(makeMsg("a.next")), PublishStatus::Ok);
  ASSERT_TRUE(bus->start());
  ASSERT_TRUE(bus->stop());
  EXPECT_EQ(order, (std::vector<std::string>{"a.start", "start-handler-done", "a.f1", "a.f2",
                                             "a.f1.x", "a.next"}));
  EXPECT_EQ(bus->stats().queue("local")->published, 3u);
}

TEST(Bus, RefusesFollowUpsBeyondTheLocalQueueAndCountsThem) {
  BusConfig config = smallConfig();
  config.local_queue_capacity = 2;
  auto bus = makeBus(config);
  std::vector<PublishStatus> statuses;
  ASSERT_TRUE(bus->subscribe("a.start", [&](const TestMsg&) {
    for (int i = 0; i < 3; ++i) statuses.push_back(bus->publish(makeMsg("a.f")));
  }));
  ASSERT_EQ(bus->publish(makeMsg("a.start")), PublishStatus::Ok);
  ASSERT_TRUE(bus->runUntilIdle());
  EXPECT_EQ(statuses, (std::vector<PublishStatus>{PublishStatus::Ok, PublishStatus::Ok,
                                                  PublishStatus::Full}));
  EXPECT_EQ(bus->stats().queue("local")->rejected, 1u);
}

TEST(Bus, CasualPublishersGoThroughTheSharedQueue) {
  auto bus = makeBus();
  std::atomic<int> received{0};
  ASSERT_TRUE(bus->subscribe("md.*", [&](const TestMsg&) { received.fetch_add(1); }));
  ASSERT_TRUE(bus->start());
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) EXPECT_EQ(bus->publish(makeMsg("md.X")), PublishStatus::Ok);
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_TRUE(bus->stop());
  EXPECT_EQ(received.load(), 3000);
  EXPECT_EQ(bus->stats().queue("shared")->published, 3000u);
}

TEST(Bus, SubscribesAndUnsubscribesOnlyBeforeStartOrOnTheEngineThread) {
  auto bus = makeBus();
  std::vector<std::string> seen;
  std::optional<SubscriptionId> late;
  SubscriptionId self{};
  auto selfId = bus->subscribe("t.once", [&](const TestMsg&) {
    seen.emplace_back("once");
    EXPECT_TRUE(bus->unsubscribe(self));
  });
  ASSERT_TRUE(selfId);
  self = *selfId;
  ASSERT_TRUE(bus->subscribe("t.add", [&](const TestMsg&) {
    auto id = bus->subscribe("t.*", [&](const TestMsg& msg) { seen.emplace_back(topicOf(msg)); });
    EXPECT_TRUE(id);
    late = *id;
  }));
  ASSERT_TRUE(bus->start());
  auto outside = bus->subscribe("t.*", [](const TestMsg&) {});
  ASSERT_FALSE(outside);
  EXPECT_EQ(outside.error().codeString(), errors::kWrongThread.code);
  EXPECT_EQ(bus->publish(makeMsg("t.once")), PublishStatus::Ok);
  EXPECT_EQ(bus->publish(makeMsg("t.once")), PublishStatus::Ok);
  EXPECT_EQ(bus->publish(makeMsg("t.add")), PublishStatus::Ok);
  EXPECT_EQ(bus->publish(makeMsg("t.after")), PublishStatus::Ok);
  ASSERT_TRUE(bus->stop());
  EXPECT_EQ(seen, (std::vector<std::string>{"once", "t.after"}));
  EXPECT_TRUE(late.has_value());
  auto again = bus->unsubscribe(self);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().codeString(), errors::kWrongThread.code);
}

TEST(Bus, StopDrainsEverythingQueued) {
  auto bus = makeBus();
  std::uint64_t received = 0;
  ASSERT_TRUE(bus->subscribe("md.*", [&](const TestMsg&) {
    ++received;
    if (received % 100 == 0) std::this_thread::sleep_for(std::chrono::microseconds(50));
  }));
  auto producer = bus->makeProducer({.name = "feed"});
  ASSERT_TRUE(producer);
  ASSERT_TRUE(bus->start());
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(producer->publish(makeMsg("md.X", 0, i)), PublishStatus::Ok);
  auto result = bus->stop();
  ASSERT_TRUE(result);
  EXPECT_EQ(received, 1000u);
  EXPECT_EQ(result->undelivered, 0u);
  EXPECT_FALSE(result->deadlineExpired);
  EXPECT_EQ(bus->state(), BusState::Stopped);
  EXPECT_EQ(producer->publish(makeMsg("md.X")), PublishStatus::Stopped);
  EXPECT_EQ(bus->publish(makeMsg("md.X")), PublishStatus::Stopped);
  const auto stats = bus->stats();
  EXPECT_EQ(stats.queue("feed")->rejected, 1u);
  EXPECT_EQ(stats.queue("shared")->rejected, 1u);
}

TEST(Bus, StopWithADeadlineCountsWhatItLeftBehind) {
  auto bus = makeBus();
  std::atomic<bool> release{false};
  std::uint64_t received = 0;
  ASSERT_TRUE(bus->subscribe("md.*", [&](const TestMsg&) {
    ++received;
    while (!release.load()) std::this_thread::sleep_for(std::chrono::microseconds(100));
  }));
  auto producer = bus->makeProducer({.name = "feed"});
  ASSERT_TRUE(producer);
  for (int i = 0; i < 100; ++i) ASSERT_EQ(producer->publish(makeMsg("md.X")), PublishStatus::Ok);
  ASSERT_TRUE(bus->start());
  ASSERT_TRUE(eventually([&] { return bus->dispatched() >= 1; }));
  std::thread releaser([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    release.store(true);
  });
  auto result = bus->stop(std::chrono::milliseconds(1));
  releaser.join();
  ASSERT_TRUE(result);
  EXPECT_TRUE(result->deadlineExpired);
  EXPECT_GT(result->undelivered, 0u);
  EXPECT_EQ(received + result->undelivered, 100u);
  EXPECT_EQ(bus->stats().undelivered, result->undelivered);
}

TEST(Bus, HandlerCanRequestStopAndOwnerJoins) {
  auto bus = makeBus();
  ASSERT_TRUE(bus->subscribe("ctl.stop", [&](const TestMsg&) {
    auto own = bus->stop();
    EXPECT_FALSE(own);
    bus->requestStop();
  }));
  ASSERT_TRUE(bus->start());
  ASSERT_EQ(bus->publish(makeMsg("ctl.stop")), PublishStatus::Ok);
  ASSERT_TRUE(eventually([&] { return bus->state() == BusState::Stopping; }));
  ASSERT_TRUE(bus->stop());
  EXPECT_EQ(bus->state(), BusState::Stopped);
}

TEST(Bus, HandlerMayCreateAProducerWhileTheBusStops) {
  auto bus = makeBus();
  std::atomic<bool> inHandler{false};
  std::optional<bool> created;
  ASSERT_TRUE(bus->subscribe("ctl.make", [&](const TestMsg&) {
    inHandler.store(true);
    while (bus->state() != BusState::Stopping) std::this_thread::yield();
    created = bus->makeProducer({.name = "late"}).has_value();
  }));
  ASSERT_TRUE(bus->start());
  ASSERT_EQ(bus->publish(makeMsg("ctl.make")), PublishStatus::Ok);
  ASSERT_TRUE(eventually([&] { return inHandler.load(); }));
  ASSERT_TRUE(bus->stop());
  ASSERT_TRUE(created.has_value());
  EXPECT_FALSE(*created);  // refused (the bus is stopping), but answered
}

TEST(Bus, LifecycleErrorsAreReported) {
  auto bus = makeBus();
  ASSERT_TRUE(bus->start());
  auto twice = bus->start();
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().codeString(), errors::kLifecycle.code);
  auto poll = bus->runUntilIdle();
  ASSERT_FALSE(poll);
  ASSERT_TRUE(bus->stop());
  ASSERT_TRUE(bus->stop());
  EXPECT_FALSE(bus->makeProducer({.name = "late"}));
}

TEST(Bus, ProducerNamesAreUniqueAndBounded) {
  BusConfig config = smallConfig();
  config.max_producers = 2;
  auto bus = makeBus(config);
  auto a = bus->makeProducer({.name = "a"});
  ASSERT_TRUE(a);
  auto dup = bus->makeProducer({.name = "a"});
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().codeString(), errors::kDuplicateProducer.code);
  EXPECT_FALSE(bus->makeProducer({.name = "shared"}));
  EXPECT_FALSE(bus->makeProducer({.name = "b", .queue_capacity = 100}));
  ASSERT_TRUE(bus->makeProducer({.name = "b"}));
  auto third = bus->makeProducer({.name = "c"});
  ASSERT_FALSE(third);
  EXPECT_EQ(third.error().codeString(), errors::kTooManyProducers.code);
}

TEST(Bus, InvalidTopicsAreCountedAndNotDispatched) {
  auto bus = makeBus();
  int received = 0;
  ASSERT_TRUE(bus->subscribe(">", [&](const TestMsg&) { ++received; }));
  ASSERT_EQ(bus->publish(makeMsg("md..EURUSD")), PublishStatus::Ok);
  ASSERT_EQ(bus->publish(makeMsg("md.*")), PublishStatus::Ok);
  ASSERT_EQ(bus->publish(makeMsg("md.ok")), PublishStatus::Ok);
  ASSERT_TRUE(bus->runUntilIdle());
  EXPECT_EQ(received, 1);
  EXPECT_EQ(bus->stats().invalidTopics, 2u);
}

class IdleStrategyTest : public ::testing::TestWithParam<IdleStrategy> {};

TEST_P(IdleStrategyTest, DeliversEventsPublishedWhileTheEngineIdles) {
  BusConfig config = smallConfig();
  config.idle = GetParam();
  config.idle_spin_polls = 10;
  config.idle_yield_polls = 2;
  config.park_timeout_us = 30'000'000;  // a lost wake-up would stall the test, not hide
  auto bus = makeBus(config);
  std::atomic<int> received{0};
  ASSERT_TRUE(bus->subscribe("md.*", [&](const TestMsg&) { received.fetch_add(1); }));
  auto producer = bus->makeProducer({.name = "feed"});
  ASSERT_TRUE(producer);
  ASSERT_TRUE(bus->start());
  for (int round = 1; round <= 20; ++round) {
    std::this_thread::sleep_for(std::chrono::microseconds(500));  // let the engine go idle
    ASSERT_EQ(producer->publish(makeMsg("md.X")), PublishStatus::Ok);
    ASSERT_TRUE(eventually([&] { return received.load() == round; })) << "round " << round;
  }
  ASSERT_TRUE(bus->stop());
}

INSTANTIATE_TEST_SUITE_P(Strategies, IdleStrategyTest,
                         ::testing::Values(IdleStrategy::Spin, IdleStrategy::Yield,
                                           IdleStrategy::Park),
                         [](const auto& param) { return std::string(toString(param.param)); });

TEST(Bus, ExportsPublishedDispatchedAndDepthMetrics) {
  auto bus = makeBus(smallConfig(), "metrics-test");
  ASSERT_TRUE(bus->subscribe("md.*", [](const TestMsg&) {}));
  auto producer = bus->makeProducer({.name = "feed"});
  ASSERT_TRUE(producer);
  for (int i = 0; i < 5; ++i) ASSERT_EQ(producer->publish(makeMsg("md.X")), PublishStatus::Ok);
  ASSERT_TRUE(bus->runUntilIdle());
  auto& registry = metrics::Registry::global();
  const metrics::Labels labels{{"bus", "metrics-test"}, {"producer", "feed"}};
  EXPECT_EQ(registry.counter("ait_bus_published_total", "", labels).value(), 5u);
  EXPECT_EQ(registry.counter("ait_bus_events_dispatched_total", "", {{"bus", "metrics-test"}}).value(),
            5u);
  EXPECT_EQ(registry.gauge("ait_bus_queue_depth", "", labels).value(), 0.0);
  const auto text = registry.render();
  EXPECT_NE(text.find("ait_bus_dropped_total{bus=\"metrics-test\",producer=\"feed\"} 0"),
            std::string::npos);
}

}  // namespace
}  // namespace ait::bus::testing
