#include "ait/bus/config.h"

#include <string>

#include <gtest/gtest.h>

#include "ait/bus/errors.h"

namespace ait::bus {
namespace {

TEST(BusConfig, DefaultsAreValid) {
  BusConfig config;
  EXPECT_TRUE(validate(config));
  EXPECT_EQ(config.queue_capacity, 65536u);
  EXPECT_EQ(config.idle, IdleStrategy::Park);
}

TEST(BusConfig, ReportsEveryViolationAtOnce) {
  BusConfig config;
  config.queue_capacity = 1000;
  config.local_queue_capacity = 0;
  config.batch_size = 0;
  config.max_producers = 0;
  auto result = validate(config);
  ASSERT_FALSE(result);
  const auto& message = result.error().message();
  EXPECT_EQ(result.error().codeString(), errors::kInvalidConfig.code);
  EXPECT_NE(message.find("bus.queue_capacity is 1000"), std::string::npos) << message;
  EXPECT_NE(message.find("bus.local_queue_capacity is 0"), std::string::npos) << message;
  EXPECT_NE(message.find("bus.batch_size"), std::string::npos) << message;
  EXPECT_NE(message.find("bus.max_producers"), std::string::npos) << message;
}

TEST(BusConfig, ParsesNamesAndRejectsUnknownOnes) {
  EXPECT_EQ(parseBackpressure("drop").value(), Backpressure::Drop);
  EXPECT_EQ(parseIdleStrategy("yield").value(), IdleStrategy::Yield);
  EXPECT_EQ(parseBusKind("nats").value(), BusKind::Nats);
  auto bad = parseBackpressure("lossy");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("'lossy'"), std::string::npos);
  EXPECT_FALSE(parseIdleStrategy("sleep"));
  EXPECT_FALSE(parseBusKind("kafka"));
  EXPECT_EQ(toString(Backpressure::Fail), "fail");
  EXPECT_EQ(toString(IdleStrategy::Park), "park");
}

}  // namespace
}  // namespace ait::bus
