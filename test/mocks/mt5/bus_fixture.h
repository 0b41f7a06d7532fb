#pragma once
// What the MT5 tests that run across threads share: waiting for another thread's work, the
// EURUSD instrument the feeds know, and a fixture whose engine bus records every event it carries.

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "ait/data/instruments.h"
#include "ait/engine/runtime.h"

namespace ait::mt5::test {

/// Polls `done` every 5 ms until it holds or `timeout` passes; the last answer decides.
inline bool waitFor(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return done();
}

/// EURUSD at five decimals in USD; a zero threshold reports no gaps.
inline data::InstrumentSpec eurusdSpec(std::int64_t gapThresholdNs = 0) {
  data::InstrumentSpec eurusd;
  eurusd.instrument.id.symbol = model::Symbol("EURUSD");
  eurusd.instrument.priceScale = 5;
  eurusd.instrument.currency = "USD";
  eurusd.gapThresholdNs = gapThresholdNs;
  return eurusd;
}

/// A fixture with an engine bus that records every event it delivers, and the metrics registry
/// that what the test builds on the bus reports to.
class RecordingBusTest : public ::testing::Test {
 private:
  // Declared first: the bus, whose handler writes here, goes before them.
  std::mutex logMutex_;
  std::vector<model::Event> logged_;

 protected:
  /// Creates bus_ and subscribes the log to everything on it (call from SetUp under
  /// ASSERT_NO_FATAL_FAILURE).
  void createBus(std::string name) {
    auto created = engine::EventBus::create(bus::BusConfig{}, std::move(name));
    ASSERT_TRUE(created);
    bus_ = std::move(*created);
    ASSERT_TRUE(bus_->subscribe(">", [this](const model::Event& event) {
      std::lock_guard lock(logMutex_);
      logged_.push_back(event);
    }));
  }

  std::vector<model::Event> eventsCopy() {
    std::lock_guard lock(logMutex_);
    return logged_;
  }
  /// The events of one type, in delivery order.
  template <class E>
  std::vector<E> only() {
    std::vector<E> out;
    for (const auto& e : eventsCopy()) {
      if (const auto* x = std::get_if<E>(&e)) out.push_back(*x);
    }
    return out;
  }

  metrics::Registry registry_;
  std::unique_ptr<engine::EventBus> bus_;
};

}  // namespace ait::mt5::test
