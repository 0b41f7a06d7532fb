// The bus carrying the domain model's events, routed by ait::model::topicOf.

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ait/bus/bus.h"
#include "ait/model/events.h"
#include "ait/model/topic.h"
#include "bus_test_support.h"

namespace ait::bus::testing {
namespace {

model::Event tick(const char* symbolText) {
  model::Tick t{};
  t.instrument.symbol = *model::Symbol::from(symbolText);
  return model::Event{t};
}

TEST(ModelEventBus, RoutesDomainEventsByTheirTopics) {
  auto created = Bus<model::Event>::create(smallConfig(), "model-test");
  ASSERT_TRUE(created) << created.error().describe();
  auto& bus = **created;
  std::vector<std::string> seen;
  auto record = [&](const char* who) {
    return [&seen, who](const model::Event& event) {
      seen.push_back(std::string(who) + ":" + std::string(model::topicOf(event).view()));
    };
  };
  ASSERT_TRUE(bus.subscribe("md.EURUSD", record("eurusd")));
  ASSERT_TRUE(bus.subscribe("md.*", record("md")));
  ASSERT_TRUE(bus.subscribe("orders.>", record("orders")));
  auto producer = bus.makeProducer({.name = "feed"});
  ASSERT_TRUE(producer);
  EXPECT_EQ(producer->publish(tick("EURUSD")), PublishStatus::Ok);
  EXPECT_EQ(producer->publish(tick("BTC/USDT")), PublishStatus::Ok);
  EXPECT_EQ(producer->publish(model::Event{model::OrderFilled{}}), PublishStatus::Ok);
  ASSERT_EQ(bus.runUntilIdle().value(), 3u);
  EXPECT_EQ(seen, (std::vector<std::string>{"eurusd:md.EURUSD", "md:md.EURUSD", "md:md.BTC_USDT",
                                            "orders:orders.filled"}));
}

}  // namespace
}  // namespace ait::bus::testing
