#include "ait/resilience/retry.h"

#include <chrono>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "ait/resilience/errors.h"

namespace ait::resilience {
namespace {

using namespace std::chrono_literals;

const ErrorCode kNetworkDown{"AIT-TEST-0101", Category::Network, Severity::High, "network down"};
const ErrorCode kDbBusy{"AIT-TEST-0102", Category::Database, Severity::Medium, "database busy"};
const ErrorCode kBadRequest{"AIT-TEST-0103", Category::Validation, Severity::Low, "bad request"};
const ErrorCode kDenied{"AIT-TEST-0104", Category::Auth, Severity::Medium, "denied"};
const ErrorCode kLimit{"AIT-TEST-0105", Category::Risk, Severity::Medium, "risk limit"};
const ErrorCode kBadConfig{"AIT-TEST-0106", Category::Config, Severity::High, "bad config"};

class RetryTest : public ::testing::Test {
 protected:
  RetryHooks hooks(std::uint64_t seed = 42) {
    RetryHooks h;
    h.seed = seed;
    h.sleeper = [this](std::chrono::nanoseconds d) {
      sleeps.push_back(d);
      clock.advance(d);
    };
    return h;
  }
  std::uint64_t counter(const std::string& name) {
    return metrics.counter(name, "", {{"name", "postgres"}}).value();
  }

  FakeClock clock;
  metrics::Registry metrics;
  ErrorRegistry errors{clock};
  std::vector<std::chrono::nanoseconds> sleeps;
};

TEST_F(RetryTest, ReturnsFirstSuccessWithoutSleeping) {
  Retry retry("postgres", {}, clock, hooks(), metrics, errors);
  int calls = 0;
  auto result = retry.run([&]() -> Expected<int> {
    ++calls;
    return 7;
  });
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(*result, 7);
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(sleeps.empty());
  EXPECT_EQ(counter("ait_retry_attempts_total"), 0u);
}

TEST_F(RetryTest, RetriesTransientFailureUntilSuccess) {
  Retry retry("postgres", {}, clock, hooks(), metrics, errors);
  int calls = 0;
  auto result = retry.run([&]() -> Expected<std::string> {
    if (++calls < 3) return fail(kNetworkDown, "connection reset");
    return std::string("row");
  });
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(*result, "row");
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(sleeps.size(), 2u);
  EXPECT_EQ(counter("ait_retry_attempts_total"), 2u);
  EXPECT_EQ(counter("ait_retry_giveups_total"), 0u);
  auto records = errors.snapshot();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].lastRecovery, Recovery::Retry);
  EXPECT_EQ(records[0].recoveriesSucceeded, 1u);
}

TEST_F(RetryTest, GivesUpAfterMaxAttemptsWithLastError) {
  Retry retry("postgres", {}, clock, hooks(), metrics, errors);
  int calls = 0;
  auto result = retry.run([&]() -> Expected<void> {
    ++calls;
    return fail(kDbBusy, fmt::format("busy #{}", calls));
  });
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().message(), "busy #3");
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(counter("ait_retry_attempts_total"), 2u);
  EXPECT_EQ(counter("ait_retry_giveups_total"), 1u);
  auto records = errors.snapshot();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].recoveries, 1u);
  EXPECT_EQ(records[0].recoveriesSucceeded, 0u);
}

TEST_F(RetryTest, DoesNotRetryNonRetryableCategories) {
  Retry retry("postgres", {}, clock, hooks(), metrics, errors);
  for (const ErrorCode* code : {&kBadRequest, &kDenied, &kLimit, &kBadConfig}) {
    int calls = 0;
    auto result = retry.run([&]() -> Expected<int> {
      ++calls;
      return fail(*code, "no");
    });
    EXPECT_FALSE(result.has_value());
    EXPECT_EQ(calls, 1) << code->code;
  }
  EXPECT_TRUE(sleeps.empty());
  EXPECT_EQ(counter("ait_retry_giveups_total"), 0u);
}

TEST_F(RetryTest, DefaultPredicateRetriesNetworkDatabaseAndTimeoutButNotOpenCircuit) {
  EXPECT_TRUE(isRetryableByDefault(Error(kNetworkDown, "x")));
  EXPECT_TRUE(isRetryableByDefault(Error(kDbBusy, "x")));
  EXPECT_TRUE(isRetryableByDefault(Error(errors::kTimeout, "x")));
  EXPECT_TRUE(isRetryableByDefault(Error(kBulkheadFull, "x")));
  EXPECT_FALSE(isRetryableByDefault(Error(kCircuitOpen, "x")));
  EXPECT_FALSE(isRetryableByDefault(Error(kBadRequest, "x")));
  EXPECT_FALSE(isRetryableByDefault(Error(kDenied, "x")));
  EXPECT_FALSE(isRetryableByDefault(Error(kLimit, "x")));
  EXPECT_FALSE(isRetryableByDefault(Error(kBadConfig, "x")));
}

TEST_F(RetryTest, CustomPredicateOverridesDefault) {
  auto h = hooks();
  h.retryable = [](const Error& e) { return e.category() == Category::Validation; };
  Retry retry("postgres", {}, clock, h, metrics, errors);
  int calls = 0;
  auto result = retry.run([&]() -> Expected<int> {
    ++calls;
    return fail(kBadRequest, "stale version, try again");
  });
  EXPECT_FALSE(result.has_value());
  EXPECT_EQ(calls, 3);
}

TEST_F(RetryTest, BackoffCapsGrowExponentiallyUpToMax) {
  RetryConfig config;
  config.initial_backoff_ms = 100;
  config.max_backoff_ms = 1000;
  config.multiplier = 2.0;
  Retry retry("postgres", config, clock, hooks(), metrics, errors);
  const std::vector<std::chrono::nanoseconds> expected = {100ms, 200ms, 400ms, 800ms, 1000ms,
                                                          1000ms};
  for (int n = 0; n < 6; ++n) EXPECT_EQ(retry.backoffCap(n), expected[n]) << n;
  EXPECT_EQ(retry.backoffCap(10000), 1000ms);  // no overflow for absurd retry counts
}

TEST_F(RetryTest, FullJitterSleepsStayWithinCapsAndSpreadOut) {
  RetryConfig config;
  config.max_attempts = 8;
  config.initial_backoff_ms = 100;
  config.max_backoff_ms = 2000;
  config.budget_min_per_s = 100;
  Retry retry("postgres", config, clock, hooks(1234), metrics, errors);
  for (int run = 0; run < 50; ++run) {
    sleeps.clear();
    auto result = retry.run([&]() -> Expected<int> { return fail(kNetworkDown, "down"); });
    ASSERT_FALSE(result.has_value());
    ASSERT_EQ(sleeps.size(), 7u);
    for (std::size_t i = 0; i < sleeps.size(); ++i) {
      EXPECT_GE(sleeps[i].count(), 0);
      EXPECT_LE(sleeps[i], retry.backoffCap(static_cast<int>(i))) << "retry " << i;
    }
  }
  // Jitter, not a fixed schedule: a later draw for the same cap differs.
  std::vector<std::chrono::nanoseconds> draws;
  for (int i = 0; i < 5; ++i) draws.push_back(retry.nextBackoff(3));
  EXPECT_NE(draws[0], draws[1]);
}

TEST_F(RetryTest, SameSeedGivesSameSleeps) {
  Retry a("a", {}, clock, hooks(99), metrics, errors);
  Retry b("b", {}, clock, hooks(99), metrics, errors);
  for (int n = 0; n < 10; ++n) EXPECT_EQ(a.nextBackoff(n), b.nextBackoff(n));
}

TEST_F(RetryTest, BudgetExhaustionReturnsErrorWithoutRetrying) {
  RetryConfig config;
  config.max_attempts = 3;
  config.budget_ratio = 0.0;
  config.budget_min_per_s = 0.2;  // 2 retries per 10 s window
  config.budget_window_ms = 10000;
  Retry retry("postgres", config, clock, hooks(), metrics, errors);
  int calls = 0;
  auto failing = [&]() -> Expected<int> {
    ++calls;
    return fail(kNetworkDown, "down");
  };
  EXPECT_FALSE(retry.run(failing).has_value());  // 1 + 2 retries: budget now spent
  EXPECT_EQ(calls, 3);
  calls = 0;
  EXPECT_FALSE(retry.run(failing).has_value());
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(counter("ait_retry_budget_exhausted_total"), 1u);
  EXPECT_EQ(counter("ait_retry_attempts_total"), 2u);

  clock.advance(11s);  // the spent retries leave the window
  calls = 0;
  EXPECT_FALSE(retry.run(failing).has_value());
  EXPECT_EQ(calls, 3);
}

TEST_F(RetryTest, BudgetGrowsWithRequestVolume) {
  RetryConfig config;
  config.budget_ratio = 0.5;
  config.budget_min_per_s = 0.0;
  Retry retry("postgres", config, clock, hooks(), metrics, errors);
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(retry.run([]() -> Expected<int> { return 1; }).has_value());
  }
  // 4 successful requests + this one = 5 requests: 2.5 retries allowed.
  int calls = 0;
  EXPECT_FALSE(retry.run([&]() -> Expected<int> {
                      ++calls;
                      return fail(kNetworkDown, "down");
                    })
                   .has_value());
  EXPECT_EQ(calls, 3);
  calls = 0;
  EXPECT_FALSE(retry.run([&]() -> Expected<int> {
                      ++calls;
                      return fail(kNetworkDown, "down");
                    })
                   .has_value());
  EXPECT_EQ(calls, 2);  // 6 requests allow 3 retries, 2 were spent: one more, then none
}

TEST_F(RetryTest, BudgetAvailableReflectsRatioAndReserve) {
  RetryBudget budget(0.2, 10.0, 10s, clock);
  EXPECT_DOUBLE_EQ(budget.available(), 100.0);
  for (int i = 0; i < 50; ++i) budget.recordRequest();
  EXPECT_DOUBLE_EQ(budget.available(), 110.0);
  EXPECT_TRUE(budget.tryWithdraw());
  EXPECT_DOUBLE_EQ(budget.available(), 109.0);
  clock.advance(10s);
  EXPECT_DOUBLE_EQ(budget.available(), 100.0);
}

TEST_F(RetryTest, DoesNotBackOffPastDeadline) {
  RetryConfig config;
  config.max_attempts = 1000;
  config.budget_min_per_s = 1000;
  config.initial_backoff_ms = 1000;
  config.max_backoff_ms = 1000;
  Retry retry("postgres", config, clock, hooks(), metrics, errors);
  const auto deadline = Deadline::after(clock, 2500ms);
  int calls = 0;
  auto result = retry.run(
      [&]() -> Expected<int> {
        ++calls;
        return fail(kNetworkDown, "down");
      },
      deadline);
  EXPECT_FALSE(result.has_value());
  EXPECT_GT(calls, 1);
  EXPECT_LT(calls, 1000);
  EXPECT_LE(clock.monotonicNs(), deadline.expiresAtNs());
  EXPECT_EQ(counter("ait_retry_giveups_total"), 1u);
}

TEST_F(RetryTest, ValidateNamesEveryProblem) {
  RetryConfig config;
  config.max_attempts = 0;
  config.initial_backoff_ms = 500;
  config.max_backoff_ms = 100;
  config.multiplier = 0.5;
  config.budget_ratio = 1.5;
  config.budget_min_per_s = -1;
  config.budget_window_ms = 0;
  auto problems = config.validate();
  ASSERT_EQ(problems.size(), 6u);
  EXPECT_NE(problems[0].find("resilience.retry.max_attempts"), std::string::npos);
  EXPECT_NE(problems[1].find("max_backoff_ms"), std::string::npos);
  EXPECT_NE(problems[2].find("multiplier"), std::string::npos);
  EXPECT_NE(problems[3].find("budget_ratio"), std::string::npos);
  EXPECT_NE(problems[4].find("budget_min_per_s"), std::string::npos);
  EXPECT_NE(problems[5].find("budget_window_ms"), std::string::npos);
  EXPECT_TRUE(RetryConfig{}.validate().empty());
}

}  // namespace
}  // namespace ait::resilience
