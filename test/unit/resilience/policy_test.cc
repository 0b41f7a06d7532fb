#include "ait/resilience/policy.h"

#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ait/resilience/errors.h"

namespace ait::resilience {
namespace {

using namespace std::chrono_literals;

const ErrorCode kNetworkDown{"AIT-TEST-0301", Category::Network, Severity::High, "network down"};

class PolicyTest : public ::testing::Test {
 protected:
  RetryHooks hooks() {
    RetryHooks h;
    h.seed = 7;
    h.sleeper = [this](std::chrono::nanoseconds d) { clock.advance(d); };
    return h;
  }
  ResilienceConfig config() {
    ResilienceConfig c;
    c.circuit_breaker.minimum_calls = 4;
    c.circuit_breaker.window_size = 4;
    c.retry.max_attempts = 2;
    c.bulkhead.max_concurrent = 1;
    c.bulkhead.max_queue = 0;
    c.bulkhead.queue_timeout_ms = 0;
    return c;
  }

  FakeClock clock;
  metrics::Registry metrics;
  ErrorRegistry errors{clock};
};

TEST_F(PolicyTest, PassesTheDeadlineOfItsClassToTheOperation) {
  Policy policy("postgres", config(), TimeoutClass::Fast, clock, hooks(), metrics, errors);
  std::chrono::nanoseconds seen{0};
  auto result = policy.run([&](const Deadline& deadline) -> Expected<int> {
    seen = deadline.remaining();
    return 1;
  });
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(seen, 5s);
  EXPECT_EQ(policy.timeout(), 5s);
}

TEST_F(PolicyTest, RetriesTransientFailuresThroughTheBreaker) {
  Policy policy("postgres", config(), TimeoutClass::Normal, clock, hooks(), metrics, errors);
  int calls = 0;
  auto result = policy.run([&]() -> Expected<int> {
    if (++calls == 1) return fail(kNetworkDown, "reset");
    return 2;
  });
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(calls, 2);
  auto snap = policy.breaker().snapshot();
  EXPECT_EQ(snap.windowCalls, 2);
  EXPECT_EQ(snap.windowFailures, 1);
}

TEST_F(PolicyTest, OpenCircuitFailsFastWithoutRetrying) {
  Policy policy("postgres", config(), TimeoutClass::Normal, clock, hooks(), metrics, errors);
  int calls = 0;
  auto failing = [&]() -> Expected<int> {
    ++calls;
    return fail(kNetworkDown, "down");
  };
  (void)policy.run(failing);
  (void)policy.run(failing);
  ASSERT_EQ(policy.breaker().state(), CircuitState::Open);
  calls = 0;
  auto result = policy.run(failing);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().codeString(), "AIT-RES-0001");
  EXPECT_EQ(calls, 0);
}

TEST_F(PolicyTest, FullBulkheadIsNotCountedAgainstTheDependency) {
  Policy policy("postgres", config(), TimeoutClass::Normal, clock, hooks(), metrics, errors);
  auto slot = policy.bulkhead().acquire();
  ASSERT_TRUE(slot.has_value());
  for (int i = 0; i < 10; ++i) {
    auto result = policy.run([]() -> Expected<int> { return 1; });
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().codeString(), "AIT-RES-0002");
  }
  EXPECT_EQ(policy.breaker().state(), CircuitState::Closed);
  EXPECT_EQ(policy.breaker().snapshot().windowCalls, 0);
}

TEST_F(PolicyTest, StopsWhenTheDeadlineHasPassed) {
  auto c = config();
  c.retry.max_attempts = 5;
  c.retry.initial_backoff_ms = 1;
  c.retry.max_backoff_ms = 1;
  Policy policy("postgres", c, TimeoutClass::Fast, clock, hooks(), metrics, errors);
  int calls = 0;
  auto result = policy.run([&]() -> Expected<int> {
    ++calls;
    clock.advance(6s);  // overruns the fast class on its own
    return fail(errors::kTimeout, "socket read timed out");
  });
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(metrics.counter("ait_resilience_timeouts_total", "",
                            {{"name", "postgres"}, {"class", "fast"}})
                .value(),
            1u);
}

TEST(ResilienceConfigTest, DefaultsAreValid) {
  ResilienceConfig config;
  EXPECT_TRUE(config.validate().empty());
  EXPECT_TRUE(config.check().has_value());
}

TEST(ResilienceConfigTest, CheckListsEveryProblemOfEverySection) {
  ResilienceConfig config;
  config.timeouts.heavy_ms = -1;
  config.circuit_breaker.minimum_calls = 50;
  config.retry.max_attempts = 0;
  config.bulkhead.max_concurrent = 0;
  auto problems = config.validate();
  ASSERT_GE(problems.size(), 4u);
  auto checked = config.check();
  ASSERT_FALSE(checked.has_value());
  EXPECT_EQ(checked.error().codeString(), "AIT-RES-0004");
  for (const char* key : {"resilience.heavy_ms", "resilience.circuit_breaker.minimum_calls",
                          "resilience.retry.max_attempts", "resilience.bulkhead.max_concurrent"}) {
    EXPECT_NE(checked.error().message().find(key), std::string::npos) << key;
  }
}

TEST(ResilienceConfigTest, CircuitBreakerValidateNamesEveryProblem) {
  CircuitBreakerConfig config;
  config.failure_rate_threshold_pct = 0;
  config.slow_call_rate_threshold_pct = 101;
  config.slow_call_duration_ms = 0;
  config.window_size = 0;
  config.minimum_calls = 0;
  config.open_duration_ms = -1;
  config.half_open_calls = 0;
  auto problems = config.validate();
  ASSERT_EQ(problems.size(), 7u);
  const std::vector<std::string> keys = {"failure_rate_threshold_pct", "slow_call_rate_threshold_pct",
                                         "slow_call_duration_ms",      "window_size",
                                         "minimum_calls",              "open_duration_ms",
                                         "half_open_calls"};
  for (std::size_t i = 0; i < keys.size(); ++i) {
    EXPECT_NE(problems[i].find("resilience.circuit_breaker." + keys[i]), std::string::npos)
        << problems[i];
  }
}

}  // namespace
}  // namespace ait::resilience
