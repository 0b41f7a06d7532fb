#pragma once
// A small trivially copyable message for the bus tests: a topic inline, who sent it, a sequence.

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace ait::bus::testing {

struct TestMsg {
  char topic[40];
  std::uint32_t producer;
  std::uint64_t seq;
  std::int64_t value;
};

inline std::string_view topicOf(const TestMsg& msg) noexcept {
  return {msg.topic, ::strnlen(msg.topic, sizeof msg.topic)};
}

inline TestMsg makeMsg(std::string_view topic, std::uint32_t producer = 0, std::uint64_t seq = 0,
                       std::int64_t value = 0) {
  TestMsg msg{};
  std::memcpy(msg.topic, topic.data(), std::min(topic.size(), sizeof msg.topic));
  msg.producer = producer;
  msg.seq = seq;
  msg.value = value;
  return msg;
}

}  // namespace ait::bus::testing
