#include "ait/resilience/last_good.h"

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "ait/resilience/circuit_breaker.h"
#include "ait/resilience/errors.h"

namespace ait::resilience {
namespace {

using namespace std::chrono_literals;

const ErrorCode kModelDown{"AIT-TEST-0201", Category::Model, Severity::High, "model down"};

class LastGoodTest : public ::testing::Test {
 protected:
  std::uint64_t counter(const std::string& name) {
    return metrics.counter(name, "", {{"name", "model-xgb"}}).value();
  }
  static Expected<double> good(double v) { return v; }
  static Expected<double> bad() { return fail(kModelDown, "predict failed"); }

  FakeClock clock;
  metrics::Registry metrics;
  ErrorRegistry errors{clock};
};

TEST_F(LastGoodTest, ServesFreshValueAndRemembersIt) {
  LastGood<double> last("model-xgb", 10s, clock, metrics, errors);
  auto r = last.get([] { return good(0.7); });
  ASSERT_TRUE(r.has_value());
  EXPECT_DOUBLE_EQ(r->value, 0.7);
  EXPECT_FALSE(r->degraded);
  EXPECT_EQ(r->age, 0ns);
  ASSERT_TRUE(last.peek().has_value());
  EXPECT_DOUBLE_EQ(last.peek()->value, 0.7);
  EXPECT_EQ(counter("ait_degraded_responses_total"), 0u);
}

TEST_F(LastGoodTest, ServesStaleValueWithinMaxAge) {
  LastGood<double> last("model-xgb", 10s, clock, metrics, errors);
  ASSERT_TRUE(last.get([] { return good(0.7); }).has_value());
  clock.advance(9s);
  auto r = last.get(bad);
  ASSERT_TRUE(r.has_value());
  EXPECT_DOUBLE_EQ(r->value, 0.7);
  EXPECT_TRUE(r->degraded);
  EXPECT_EQ(r->age, 9s);
  EXPECT_EQ(counter("ait_degraded_responses_total"), 1u);
  EXPECT_EQ(metrics.gauge("ait_degraded_active", "", {{"name", "model-xgb"}}).value(), 1.0);
  auto records = errors.snapshot();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].lastRecovery, Recovery::Degrade);
  EXPECT_EQ(records[0].recoveriesSucceeded, 1u);
}

TEST_F(LastGoodTest, FailsWithTheErrorBeyondMaxAge) {
  LastGood<double> last("model-xgb", 10s, clock, metrics, errors);
  ASSERT_TRUE(last.get([] { return good(0.7); }).has_value());
  clock.advance(10s);  // exactly max_age old: no longer younger than it
  auto r = last.get(bad);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().codeString(), "AIT-TEST-0201");
  EXPECT_EQ(counter("ait_degraded_responses_total"), 0u);
  EXPECT_EQ(counter("ait_degraded_unavailable_total"), 1u);
  EXPECT_EQ(metrics.gauge("ait_degraded_active", "", {{"name", "model-xgb"}}).value(), 0.0);
}

TEST_F(LastGoodTest, FailsWithTheErrorWhenNothingWasEverGood) {
  LastGood<double> last("model-xgb", 10s, clock, metrics, errors);
  auto r = last.get(bad);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message(), "predict failed");
}

TEST_F(LastGoodTest, FreshSuccessResetsTheAge) {
  LastGood<double> last("model-xgb", 10s, clock, metrics, errors);
  ASSERT_TRUE(last.get([] { return good(0.1); }).has_value());
  clock.advance(8s);
  ASSERT_TRUE(last.get([] { return good(0.2); }).has_value());
  clock.advance(8s);
  auto r = last.get(bad);
  ASSERT_TRUE(r.has_value());
  EXPECT_DOUBLE_EQ(r->value, 0.2);
  EXPECT_EQ(r->age, 8s);
  EXPECT_EQ(metrics.gauge("ait_degraded_active", "", {{"name", "model-xgb"}}).value(), 1.0);
  ASSERT_TRUE(last.get([] { return good(0.3); }).has_value());
  EXPECT_EQ(metrics.gauge("ait_degraded_active", "", {{"name", "model-xgb"}}).value(), 0.0);
}

TEST_F(LastGoodTest, ServesStaleValueWhileCircuitIsOpen) {
  CircuitBreakerConfig config;
  config.minimum_calls = 1;
  config.window_size = 1;
  CircuitBreaker breaker("model-xgb", config, clock, metrics, errors);
  LastGood<double> last("model-xgb", 60s, clock, metrics, errors);
  ASSERT_TRUE(last.get([&] { return breaker.call([] { return good(0.5); }); }).has_value());
  EXPECT_TRUE(last.get([&] { return breaker.call(bad); }).has_value());  // opens the circuit
  ASSERT_EQ(breaker.state(), CircuitState::Open);
  int calls = 0;
  auto r = last.get([&] {
    return breaker.call([&] {
      ++calls;
      return good(0.9);
    });
  });
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->degraded);
  EXPECT_DOUBLE_EQ(r->value, 0.5);
  EXPECT_EQ(calls, 0);
}

TEST_F(LastGoodTest, FallbackServesCallersOwnFailures) {
  LastGood<std::string> last("model-xgb", 5s, clock, metrics, errors);
  last.put("hold");
  clock.advance(1s);
  auto r = last.fallback(Error(errors::kTimeout, "latency budget spent"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->value, "hold");
  EXPECT_TRUE(r->degraded);
}

TEST_F(LastGoodTest, IsSafeToUseFromManyThreads) {
  LastGood<std::vector<int>> last("model-xgb", 60s, clock, metrics, errors);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        if ((i + t) % 2 == 0) {
          (void)last.get([&]() -> Expected<std::vector<int>> { return std::vector<int>(8, i); });
        } else {
          (void)last.get([]() -> Expected<std::vector<int>> { return fail(kModelDown, "down"); });
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  auto value = last.peek();
  ASSERT_TRUE(value.has_value());
  EXPECT_EQ(value->value.size(), 8u);
}

}  // namespace
}  // namespace ait::resilience
