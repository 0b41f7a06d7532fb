#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "ait/bus/bus.h"
#include "bus_test_support.h"

namespace ait::bus::testing {
namespace {

using namespace std::chrono_literals;

struct Positions {
  std::int64_t tenant = 0;
  std::vector<std::string> symbols;  // a reply need not be trivially copyable
};

TEST(Request, ProducerGetsTheReplyOfAResponderOnTheEngineThread) {
  auto bus = makeBus();
  std::thread::id responderThread;
  ASSERT_TRUE(bus->serve<Positions>("query.positions.*", [&](const TestMsg& query) {
    responderThread = std::this_thread::get_id();
    return Positions{query.value, {"EURUSD", "GBPUSD"}};
  }));
  auto producer = bus->makeProducer({.name = "api"});
  ASSERT_TRUE(producer);
  ASSERT_TRUE(bus->start());
  auto reply = producer->call<Positions>(makeMsg("query.positions.7", 0, 0, 7), 5s);
  ASSERT_TRUE(reply) << reply.error().describe();
  EXPECT_EQ(reply->tenant, 7);
  EXPECT_EQ(reply->symbols, (std::vector<std::string>{"EURUSD", "GBPUSD"}));
  EXPECT_NE(responderThread, std::this_thread::get_id());
  auto viaShared = bus->call<Positions>(makeMsg("query.positions.8", 0, 0, 8), 5s);
  ASSERT_TRUE(viaShared);
  EXPECT_EQ(viaShared->tenant, 8);
  ASSERT_TRUE(bus->stop());
  EXPECT_EQ(bus->stats().requests, 2u);
}

TEST(Request, RequestFollowsTheProducersEarlierEvents) {
  auto bus = makeBus();
  std::int64_t total = 0;
  ASSERT_TRUE(bus->subscribe("fills.*", [&](const TestMsg& fill) { total += fill.value; }));
  ASSERT_TRUE(bus->serve<std::int64_t>("query.total", [&](const TestMsg&) { return total; }));
  auto producer = bus->makeProducer({.name = "api"});
  ASSERT_TRUE(producer);
  ASSERT_TRUE(bus->start());
  for (int i = 1; i <= 100; ++i) ASSERT_EQ(producer->publish(makeMsg("fills.x", 0, i, i)), PublishStatus::Ok);
  auto reply = producer->call<std::int64_t>(makeMsg("query.total"), 5s);
  ASSERT_TRUE(reply);
  EXPECT_EQ(*reply, 5050);
  ASSERT_TRUE(bus->stop());
}

TEST(Request, TimesOutWhenTheReplyIsLateAndSurvivesTheLateReply) {
  auto bus = makeBus();
  std::atomic<bool> release{false};
  std::atomic<bool> answered{false};
  ASSERT_TRUE(bus->serve<int>("query.slow", [&](const TestMsg&) {
    while (!release.load()) std::this_thread::sleep_for(100us);
    answered.store(true);
    return 42;
  }));
  ASSERT_TRUE(bus->serve<int>("query.fast", [](const TestMsg&) { return 1; }));
  auto producer = bus->makeProducer({.name = "api"});
  ASSERT_TRUE(producer);
  ASSERT_TRUE(bus->start());
  auto late = producer->call<int>(makeMsg("query.slow"), 20ms);
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().codeString(), errors::kRequestTimeout.code);
  EXPECT_NE(late.error().message().find("query.slow"), std::string::npos);
  release.store(true);
  ASSERT_TRUE(eventually([&] { return answered.load(); }));
  auto next = producer->call<int>(makeMsg("query.fast"), 5s);
  ASSERT_TRUE(next);
  EXPECT_EQ(*next, 1);
  ASSERT_TRUE(bus->stop());
}

TEST(Request, PendingReplyCanBePolledThenWaited) {
  auto bus = makeBus();
  ASSERT_TRUE(bus->serve<int>("query.x", [](const TestMsg& q) { return static_cast<int>(q.value) + 1; }));
  auto producer = bus->makeProducer({.name = "api"});
  ASSERT_TRUE(producer);
  auto pending = producer->request<int>(makeMsg("query.x", 0, 0, 41));
  ASSERT_TRUE(pending);
  EXPECT_FALSE(pending->ready());
  ASSERT_TRUE(bus->runUntilIdle());
  EXPECT_TRUE(pending->ready());
  auto value = pending->wait(0ns);
  ASSERT_TRUE(value);
  EXPECT_EQ(*value, 42);
  auto again = pending->wait(0ns);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().codeString(), errors::kLifecycle.code);
}

TEST(Request, FailsFastWithoutAResponder) {
  auto bus = makeBus();
  ASSERT_TRUE(bus->subscribe("query.>", [](const TestMsg&) {}));
  ASSERT_TRUE(bus->start());
  auto reply = bus->call<int>(makeMsg("query.nobody"), 5s);
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().codeString(), errors::kNoResponder.code);
  EXPECT_NE(reply.error().message().find("query.nobody"), std::string::npos);
  ASSERT_TRUE(bus->stop());
  EXPECT_EQ(bus->stats().noResponder, 1u);
}

TEST(Request, ReportsAReplyTypeMismatch) {
  auto bus = makeBus();
  ASSERT_TRUE(bus->serve<int>("query.x", [](const TestMsg&) { return 1; }));
  ASSERT_TRUE(bus->start());
  auto reply = bus->call<std::string>(makeMsg("query.x"), 5s);
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().codeString(), errors::kReplyTypeMismatch.code);
  ASSERT_TRUE(bus->stop());
}

TEST(Request, PassesTheRespondersErrorThrough) {
  auto bus = makeBus();
  ASSERT_TRUE(bus->serve<int>("query.tenant.*", [](const TestMsg& q) -> Expected<int> {
    return fail(ait::errors::kInvalidArgument, "tenant " + std::to_string(q.value) + " is unknown");
  }));
  ASSERT_TRUE(bus->start());
  auto reply = bus->call<int>(makeMsg("query.tenant.9", 0, 0, 9), 5s);
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().codeString(), ait::errors::kInvalidArgument.code);
  EXPECT_EQ(reply.error().message(), "tenant 9 is unknown");
  ASSERT_TRUE(bus->stop());
}

TEST(Request, RefusesARequestFromTheEngineThread) {
  auto bus = makeBus();
  ASSERT_TRUE(bus->serve<int>("query.x", [](const TestMsg&) { return 1; }));
  std::optional<Error> error;
  ASSERT_TRUE(bus->subscribe("md.x", [&](const TestMsg&) {
    auto reply = bus->call<int>(makeMsg("query.x"), 1s);
    if (!reply) error = reply.error();
  }));
  ASSERT_EQ(bus->publish(makeMsg("md.x")), PublishStatus::Ok);
  ASSERT_TRUE(bus->runUntilIdle());
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->codeString(), errors::kWrongThread.code);
}

TEST(Request, RequestsLeftAtStopFailInsteadOfHanging) {
  auto bus = makeBus();
  ASSERT_TRUE(bus->serve<int>("query.x", [](const TestMsg&) { return 1; }));
  auto producer = bus->makeProducer({.name = "api"});
  ASSERT_TRUE(producer);
  auto pending = producer->request<int>(makeMsg("query.x"));
  ASSERT_TRUE(pending);
  auto result = bus->stop();  // never started: nothing dispatches the request
  ASSERT_TRUE(result);
  EXPECT_EQ(result->undelivered, 1u);
  auto reply = pending->wait(5s);
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().codeString(), errors::kStopped.code);
}

}  // namespace
}  // namespace ait::bus::testing
