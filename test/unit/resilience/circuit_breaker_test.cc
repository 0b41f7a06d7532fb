#include "ait/resilience/circuit_breaker.h"

#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "ait/resilience/errors.h"

namespace ait::resilience {
namespace {

using namespace std::chrono_literals;

const ErrorCode kNetworkDown{"AIT-TEST-0001", Category::Network, Severity::High, "network down"};
const ErrorCode kBadRequest{"AIT-TEST-0002", Category::Validation, Severity::Low, "bad request"};

class CircuitBreakerTest : public ::testing::Test {
 protected:
  CircuitBreakerConfig config() {
    CircuitBreakerConfig c;
    c.failure_rate_threshold_pct = 50;
    c.slow_call_rate_threshold_pct = 100;
    c.slow_call_duration_ms = 5000;
    c.window_size = 20;
    c.minimum_calls = 10;
    c.open_duration_ms = 30000;
    c.half_open_calls = 3;
    return c;
  }

  void succeed(CircuitBreaker& b, int n, std::chrono::nanoseconds took = 10ms) {
    for (int i = 0; i < n; ++i) {
      ASSERT_TRUE(b.tryAcquire());
      b.onSuccess(took);
    }
  }
  void failCalls(CircuitBreaker& b, int n) {
    for (int i = 0; i < n; ++i) {
      ASSERT_TRUE(b.tryAcquire());
      b.onFailure(10ms);
    }
  }

  std::uint64_t calls(const std::string& result) {
    return metrics.counter("ait_circuit_breaker_calls_total", "",
                           {{"name", "postgres"}, {"result", result}})
        .value();
  }
  std::uint64_t transitionsTo(const std::string& to) {
    return metrics.counter("ait_circuit_breaker_transitions_total", "",
                           {{"name", "postgres"}, {"to", to}})
        .value();
  }
  double stateGauge() {
    return metrics.gauge("ait_circuit_breaker_state", "", {{"name", "postgres"}}).value();
  }

  FakeClock clock;
  metrics::Registry metrics;
  ErrorRegistry errors{clock};
};

TEST_F(CircuitBreakerTest, StaysClosedBelowMinimumCallsEvenWhenAllFail) {
  CircuitBreaker breaker("postgres", config(), clock, metrics, errors);
  failCalls(breaker, 9);
  EXPECT_EQ(breaker.state(), CircuitState::Closed);
  EXPECT_EQ(stateGauge(), 0.0);
}

TEST_F(CircuitBreakerTest, OpensWhenFailureRateReachesThresholdAtMinimumCalls) {
  CircuitBreaker breaker("postgres", config(), clock, metrics, errors);
  succeed(breaker, 5);
  failCalls(breaker, 4);
  EXPECT_EQ(breaker.state(), CircuitState::Closed);  // 9 calls: below minimum
  failCalls(breaker, 1);                               // 5 of 10 = 50%
  EXPECT_EQ(breaker.state(), CircuitState::Open);
  EXPECT_EQ(stateGauge(), 1.0);
  EXPECT_EQ(transitionsTo("open"), 1u);
}

TEST_F(CircuitBreakerTest, StaysClosedWhenFailureRateUnderThreshold) {
  CircuitBreaker breaker("postgres", config(), clock, metrics, errors);
  for (int i = 0; i < 10; ++i) {
    succeed(breaker, 2);
    failCalls(breaker, 1);  // 33%
  }
  EXPECT_EQ(breaker.state(), CircuitState::Closed);
  auto snap = breaker.snapshot();
  EXPECT_EQ(snap.windowCalls, 20);  // the window holds the latest 20 of 30
  EXPECT_LT(snap.failureRatePct, 50.0);
}

TEST_F(CircuitBreakerTest, SlidingWindowForgetsOldFailures) {
  CircuitBreaker breaker("postgres", config(), clock, metrics, errors);
  succeed(breaker, 11);
  failCalls(breaker, 9);  // 9 of 20 = 45%
  ASSERT_EQ(breaker.state(), CircuitState::Closed);
  succeed(breaker, 20);  // pushes every failure out of the 20-call window
  auto snap = breaker.snapshot();
  EXPECT_EQ(snap.windowCalls, 20);
  EXPECT_EQ(snap.windowFailures, 0);
  failCalls(breaker, 9);  // 9 of 20 = 45%
  EXPECT_EQ(breaker.state(), CircuitState::Closed);
  failCalls(breaker, 1);  // 10 of 20 = 50%
  EXPECT_EQ(breaker.state(), CircuitState::Open);
}

TEST_F(CircuitBreakerTest, OpensWhenEveryCallIsSlow) {
  CircuitBreaker breaker("postgres", config(), clock, metrics, errors);
  succeed(breaker, 9, 6s);
  EXPECT_EQ(breaker.state(), CircuitState::Closed);
  succeed(breaker, 1, 6s);
  EXPECT_EQ(breaker.state(), CircuitState::Open);
  EXPECT_EQ(calls("slow"), 10u);
  EXPECT_EQ(calls("success"), 0u);
}

TEST_F(CircuitBreakerTest, SlowCallRateBelowThresholdKeepsItClosed) {
  CircuitBreaker breaker("postgres", config(), clock, metrics, errors);
  succeed(breaker, 1, 5s);  // exactly slow_call_duration is not slow
  succeed(breaker, 19, 6s);  // 19 of 20 slow: under the 100% threshold
  EXPECT_EQ(breaker.state(), CircuitState::Closed);
  EXPECT_EQ(calls("slow"), 19u);
  EXPECT_EQ(calls("success"), 1u);
}

TEST_F(CircuitBreakerTest, RejectsWhileOpenAndCountsRejections) {
  CircuitBreaker breaker("postgres", config(), clock, metrics, errors);
  failCalls(breaker, 10);
  EXPECT_FALSE(breaker.tryAcquire());
  clock.advance(29999ms);
  EXPECT_FALSE(breaker.tryAcquire());
  EXPECT_EQ(calls("rejected"), 2u);
  EXPECT_EQ(calls("failure"), 10u);
}

TEST_F(CircuitBreakerTest, HalfOpensAfterOpenDuration) {
  CircuitBreaker breaker("postgres", config(), clock, metrics, errors);
  failCalls(breaker, 10);
  clock.advance(30s);
  EXPECT_EQ(breaker.state(), CircuitState::HalfOpen);
  EXPECT_EQ(stateGauge(), 2.0);
  EXPECT_EQ(transitionsTo("half_open"), 1u);
}

TEST_F(CircuitBreakerTest, HalfOpenLetsExactlyTheTrialCallsThrough) {
  CircuitBreaker breaker("postgres", config(), clock, metrics, errors);
  failCalls(breaker, 10);
  clock.advance(30s);
  auto a = breaker.acquire();
  auto b = breaker.acquire();
  auto c = breaker.acquire();
  auto d = breaker.acquire();
  EXPECT_TRUE(a);
  EXPECT_TRUE(b);
  EXPECT_TRUE(c);
  EXPECT_FALSE(d);
  EXPECT_EQ(breaker.state(), CircuitState::HalfOpen);
  a.onSuccess(1ms);
  b.onSuccess(1ms);
  EXPECT_EQ(breaker.state(), CircuitState::HalfOpen);  // the third trial is still out
  EXPECT_FALSE(breaker.acquire());
}

TEST_F(CircuitBreakerTest, ReleasedTrialPermitFreesItsSlot) {
  CircuitBreaker breaker("postgres", config(), clock, metrics, errors);
  failCalls(breaker, 10);
  clock.advance(30s);
  auto a = breaker.acquire();
  auto b = breaker.acquire();
  {
    auto c = breaker.acquire();
    EXPECT_TRUE(c);
    EXPECT_FALSE(breaker.acquire());
  }  // c destroyed unsettled
  auto again = breaker.acquire();
  EXPECT_TRUE(again);
}

TEST_F(CircuitBreakerTest, ClosesWhenTrialCallsSucceed) {
  CircuitBreaker breaker("postgres", config(), clock, metrics, errors);
  failCalls(breaker, 10);
  clock.advance(30s);
  auto a = breaker.acquire();
  auto b = breaker.acquire();
  auto c = breaker.acquire();
  a.onSuccess(1ms);
  b.onFailure(1ms);  // 1 of 3 = 33% < 50%
  c.onSuccess(1ms);
  EXPECT_EQ(breaker.state(), CircuitState::Closed);
  EXPECT_EQ(stateGauge(), 0.0);
  EXPECT_EQ(transitionsTo("closed"), 1u);
  auto snap = breaker.snapshot();
  EXPECT_EQ(snap.windowCalls, 0);  // a fresh window after closing
  failCalls(breaker, 9);
  EXPECT_EQ(breaker.state(), CircuitState::Closed);
}

TEST_F(CircuitBreakerTest, ReopensWhenTrialCallsFail) {
  CircuitBreaker breaker("postgres", config(), clock, metrics, errors);
  failCalls(breaker, 10);
  clock.advance(30s);
  auto a = breaker.acquire();
  auto b = breaker.acquire();
  auto c = breaker.acquire();
  a.onFailure(1ms);
  b.onSuccess(1ms);
  c.onFailure(1ms);  // 2 of 3 = 67%
  EXPECT_EQ(breaker.state(), CircuitState::Open);
  EXPECT_EQ(transitionsTo("open"), 2u);
  EXPECT_FALSE(breaker.tryAcquire());
  clock.advance(29s);
  EXPECT_EQ(breaker.state(), CircuitState::Open);  // a new open period started on reopening
  clock.advance(1s);
  EXPECT_EQ(breaker.state(), CircuitState::HalfOpen);
}

TEST_F(CircuitBreakerTest, ReopensWhenTrialCallsAreAllSlow) {
  CircuitBreaker breaker("postgres", config(), clock, metrics, errors);
  failCalls(breaker, 10);
  clock.advance(30s);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(breaker.tryAcquire());
    breaker.onSuccess(10s);
  }
  EXPECT_EQ(breaker.state(), CircuitState::Open);
}

TEST_F(CircuitBreakerTest, ResultOfCallStartedBeforeOpeningIsNotATrial) {
  CircuitBreaker breaker("postgres", config(), clock, metrics, errors);
  auto early = breaker.acquire();  // granted while closed
  failCalls(breaker, 10);
  clock.advance(30s);
  ASSERT_EQ(breaker.state(), CircuitState::HalfOpen);
  early.onSuccess(1ms);  // says nothing about the half-open dependency
  auto a = breaker.acquire();
  auto b = breaker.acquire();
  auto c = breaker.acquire();
  EXPECT_TRUE(a && b && c);
  EXPECT_EQ(breaker.snapshot().windowCalls, 0);
}

TEST_F(CircuitBreakerTest, CallReturnsCircuitOpenErrorNamingTheDependency) {
  CircuitBreaker breaker("postgres", config(), clock, metrics, errors);
  int runs = 0;
  auto failing = [&]() -> Expected<int> {
    ++runs;
    return fail(kNetworkDown, "connection refused");
  };
  for (int i = 0; i < 10; ++i) EXPECT_FALSE(breaker.call(failing).has_value());
  auto rejected = breaker.call(failing);
  ASSERT_FALSE(rejected.has_value());
  EXPECT_EQ(rejected.error().codeString(), "AIT-RES-0001");
  EXPECT_EQ(rejected.error().message(), "circuit open for postgres");
  EXPECT_EQ(runs, 10);
}

TEST_F(CircuitBreakerTest, CallRecordsDurationFromClock) {
  CircuitBreaker breaker("postgres", config(), clock, metrics, errors);
  auto slow = [&]() -> Expected<int> {
    clock.advance(6s);
    return 1;
  };
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(breaker.call(slow).has_value());
  EXPECT_EQ(breaker.state(), CircuitState::Open);
  EXPECT_EQ(calls("slow"), 10u);
}

TEST_F(CircuitBreakerTest, CallerErrorsDoNotCountAgainstTheDependency) {
  CircuitBreaker breaker("postgres", config(), clock, metrics, errors);
  auto invalid = []() -> Expected<int> { return fail(kBadRequest, "negative quantity"); };
  for (int i = 0; i < 20; ++i) EXPECT_FALSE(breaker.call(invalid).has_value());
  EXPECT_EQ(breaker.state(), CircuitState::Closed);
  EXPECT_EQ(breaker.snapshot().windowCalls, 0);
}

TEST_F(CircuitBreakerTest, CustomFailurePredicateDecidesWhatCounts) {
  CircuitBreaker breaker("postgres", config(), clock, metrics, errors);
  breaker.setFailurePredicate([](const Error&) { return true; });
  auto invalid = []() -> Expected<int> { return fail(kBadRequest, "negative quantity"); };
  for (int i = 0; i < 10; ++i) EXPECT_FALSE(breaker.call(invalid).has_value());
  EXPECT_EQ(breaker.state(), CircuitState::Open);
}

TEST_F(CircuitBreakerTest, ReportsOpeningAndRecoveryToErrorRegistry) {
  CircuitBreaker breaker("postgres", config(), clock, metrics, errors);
  failCalls(breaker, 10);
  auto records = errors.snapshot();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].code, "AIT-RES-0001");
  EXPECT_EQ(records[0].count, 1u);
  EXPECT_NE(records[0].sample.find("circuit open for postgres"), std::string::npos);

  clock.advance(30s);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(breaker.tryAcquire());
    breaker.onFailure(1ms);
  }
  clock.advance(30s);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(breaker.tryAcquire());
    breaker.onSuccess(1ms);
  }
  ASSERT_EQ(breaker.state(), CircuitState::Closed);
  records = errors.snapshot();
  ASSERT_EQ(records.size(), 1u);  // the same fault, whatever the rates in the message
  EXPECT_EQ(records[0].count, 2u);
  EXPECT_EQ(records[0].lastRecovery, Recovery::CircuitOpen);
  EXPECT_EQ(records[0].recoveries, 2u);
  EXPECT_EQ(records[0].recoveriesSucceeded, 1u);
}

TEST_F(CircuitBreakerTest, ForceOpenAndResetAreOperatorTransitions) {
  CircuitBreaker breaker("postgres", config(), clock, metrics, errors);
  breaker.forceOpen();
  EXPECT_EQ(breaker.state(), CircuitState::Open);
  EXPECT_FALSE(breaker.tryAcquire());
  breaker.reset();
  EXPECT_EQ(breaker.state(), CircuitState::Closed);
  EXPECT_TRUE(breaker.tryAcquire());
  EXPECT_TRUE(errors.snapshot().empty());
}

TEST_F(CircuitBreakerTest, MetricsRenderWithNameLabel) {
  CircuitBreaker breaker("postgres", config(), clock, metrics, errors);
  failCalls(breaker, 10);
  auto text = metrics.render();
  EXPECT_NE(text.find("ait_circuit_breaker_state{name=\"postgres\"} 1"), std::string::npos);
  EXPECT_NE(text.find("ait_circuit_breaker_calls_total{name=\"postgres\",result=\"failure\"} 10"),
            std::string::npos);
}

TEST_F(CircuitBreakerTest, ClampsInvalidConfigInsteadOfCrashing) {
  CircuitBreakerConfig bad;
  bad.window_size = 0;
  bad.minimum_calls = -3;
  bad.half_open_calls = 0;
  CircuitBreaker breaker("postgres", bad, clock, metrics, errors);
  EXPECT_TRUE(breaker.tryAcquire());
  breaker.onFailure(1ms);
  EXPECT_EQ(breaker.state(), CircuitState::Open);
}

}  // namespace
}  // namespace ait::resilience
