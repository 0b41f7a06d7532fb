#pragma once
// Shared helpers of the bus tests.

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "ait/bus/bus.h"
#include "test_message.h"

namespace ait::bus::testing {

using TestBus = Bus<TestMsg>;

/// Small queues so that the tests are quick under the sanitizers.
inline BusConfig smallConfig() {
  BusConfig config;
  config.queue_capacity = 1024;
  config.shared_queue_capacity = 1024;
  config.local_queue_capacity = 1024;
  config.max_topics = 64;
  config.max_producers = 8;
  return config;
}

inline std::unique_ptr<TestBus> makeBus(const BusConfig& config = smallConfig(),
                                        std::string name = "test") {
  auto bus = TestBus::create(config, std::move(name));
  if (!bus) ADD_FAILURE() << bus.error().describe();
  return bus ? std::move(*bus) : nullptr;
}

/// Polls pred until it holds or 10 s pass (a safety net against hangs, not a speed check).
template <class Pred>
bool eventually(Pred pred) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  return true;
}

}  // namespace ait::bus::testing
