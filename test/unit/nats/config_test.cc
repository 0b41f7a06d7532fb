#include "ait/nats/config.h"

#include <gtest/gtest.h>

namespace ait::nats {
namespace {

TEST(NatsConfigTest, DefaultsAreValid) { EXPECT_TRUE(NatsConfig{}.validate().has_value()); }

TEST(NatsConfigTest, ReportsEveryInvalidFieldAtOnce) {
  NatsConfig config;
  config.urls.clear();
  config.stream_prefix = "A.B";
  config.source = "has:colon";
  config.publish = {"md", "ticks"};
  config.fetch_batch = 0;
  config.ack_wait_ms = -1;
  auto ok = config.validate();
  ASSERT_FALSE(ok.has_value());
  const auto& text = ok.error().message();
  EXPECT_EQ(ok.error().codeString(), "AIT-NATS-0001");
  for (std::string_view key : {"urls", "stream_prefix", "source", "\"ticks\"", "fetch_batch", "ack_wait_ms"}) {
    EXPECT_NE(text.find(key), std::string::npos) << key << " missing in: " << text;
  }
}

}  // namespace
}  // namespace ait::nats
