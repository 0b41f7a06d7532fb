#include "ait/resilience/timeout.h"

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include <gtest/gtest.h>

namespace ait::resilience {
namespace {

using namespace std::chrono_literals;

TEST(TimeoutTest, ClassesMapToConfiguredTimeouts) {
  TimeoutsConfig config;
  EXPECT_EQ(config.timeoutFor(TimeoutClass::Fast), 5s);
  EXPECT_EQ(config.timeoutFor(TimeoutClass::Normal), 30s);
  EXPECT_EQ(config.timeoutFor(TimeoutClass::Heavy), 60s);
  config.fast_ms = 250;
  EXPECT_EQ(config.timeoutFor(TimeoutClass::Fast), 250ms);
  EXPECT_EQ(toString(TimeoutClass::Heavy), "heavy");
}

TEST(TimeoutTest, DeadlineCountsDownOnTheClock) {
  FakeClock clock;
  auto deadline = Deadline::forClass(clock, TimeoutsConfig{}, TimeoutClass::Fast);
  EXPECT_EQ(deadline.remaining(), 5s);
  EXPECT_FALSE(deadline.expired());
  clock.advance(4999ms);
  EXPECT_EQ(deadline.remaining(), 1ms);
  EXPECT_FALSE(deadline.expired());
  clock.advance(1ms);
  EXPECT_EQ(deadline.remaining(), 0ns);
  EXPECT_TRUE(deadline.expired());
  clock.advance(1h);
  EXPECT_EQ(deadline.remaining(), 0ns);  // never negative
  EXPECT_EQ(deadline.budget(), 5s);
}

TEST(TimeoutTest, NegativeTimeoutIsAlreadyExpiredAndHugeOneDoesNotOverflow) {
  FakeClock clock;
  EXPECT_TRUE(Deadline::after(clock, -5s).expired());
  auto far = Deadline::after(clock, std::chrono::nanoseconds::max());
  EXPECT_FALSE(far.expired());
  EXPECT_GT(far.remaining(), 24h);
}

TEST(TimeoutTest, EarliestPicksTheSoonerDeadline) {
  FakeClock clock;
  auto a = Deadline::after(clock, 2s);
  auto b = Deadline::after(clock, 1s);
  EXPECT_EQ(a.earliest(b).remaining(), 1s);
  EXPECT_EQ(b.earliest(a).remaining(), 1s);
}

TEST(TimeoutTest, AwaitReturnsReadyValue) {
  FakeClock clock;
  std::promise<Expected<int>> promise;
  auto future = promise.get_future();
  promise.set_value(41);
  auto result = awaitUntil(future, Deadline::after(clock, 1s), "lookup");
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(*result, 41);
}

TEST(TimeoutTest, AwaitWrapsPlainValuesAndVoid) {
  FakeClock clock;
  std::promise<std::string> text;
  auto textFuture = text.get_future();
  text.set_value("ok");
  Expected<std::string> s = awaitUntil(textFuture, Deadline::after(clock, 1s), "text");
  EXPECT_EQ(s.value(), "ok");

  std::promise<void> done;
  auto doneFuture = done.get_future();
  done.set_value();
  Expected<void> v = awaitUntil(doneFuture, Deadline::after(clock, 1s), "void");
  EXPECT_TRUE(v.has_value());
}

TEST(TimeoutTest, AwaitTimesOutWhenClockPassesDeadline) {
  FakeClock clock;
  std::promise<Expected<int>> promise;
  auto future = promise.get_future();
  auto deadline = Deadline::after(clock, 5s);
  std::thread mover([&] {
    std::this_thread::sleep_for(5ms);
    clock.advance(5s);
  });
  auto result = awaitUntil(future, deadline, "postgres query");
  mover.join();
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().codeString(), "AIT-CORE-0004");
  EXPECT_EQ(result.error().message(), "postgres query timed out after 5000 ms");
}

TEST(TimeoutTest, AwaitOnExpiredDeadlineStillTakesAReadyResult) {
  FakeClock clock;
  auto deadline = Deadline::after(clock, 0ms);
  std::promise<Expected<int>> promise;
  auto future = promise.get_future();
  promise.set_value(3);
  EXPECT_EQ(awaitUntil(future, deadline, "x").value(), 3);
}

TEST(TimeoutTest, AwaitTurnsExceptionsIntoErrors) {
  FakeClock clock;
  std::promise<Expected<int>> promise;
  auto future = promise.get_future();
  promise.set_exception(std::make_exception_ptr(std::runtime_error("boom")));
  auto result = awaitUntil(future, Deadline::after(clock, 1s), "parser");
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().codeString(), "AIT-CORE-0001");
  EXPECT_NE(result.error().message().find("boom"), std::string::npos);
}

TEST(TimeoutTest, AwaitOnEmptyFutureIsAnErrorNotACrash) {
  FakeClock clock;
  std::future<Expected<int>> empty;
  auto result = awaitUntil(empty, Deadline::after(clock, 1s), "nothing");
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().codeString(), "AIT-CORE-0002");
}

TEST(TimeoutTest, RunWithDeadlineReturnsResultOfQuickOperation) {
  FakeClock clock;
  auto result = runWithDeadline([]() -> Expected<int> { return 5; },
                                Deadline::after(clock, 1s), "quick");
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(*result, 5);
}

TEST(TimeoutTest, RunWithDeadlineTimesOutAndAsksTheOperationToStop) {
  FakeClock clock;
  auto finished = std::make_shared<std::promise<bool>>();
  auto finishedFuture = finished->get_future();
  auto deadline = Deadline::after(clock, 30s);
  std::thread mover([&] {
    std::this_thread::sleep_for(5ms);
    clock.advance(30s);
  });
  auto result = runWithDeadline(
      [finished](std::stop_token stop) -> Expected<int> {
        while (!stop.stop_requested()) std::this_thread::sleep_for(1ms);
        finished->set_value(true);
        return 1;
      },
      deadline, "report");
  mover.join();
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().codeString(), "AIT-CORE-0004");
  EXPECT_EQ(result.error().message(), "report timed out after 30000 ms");
  ASSERT_EQ(finishedFuture.wait_for(10s), std::future_status::ready);
  EXPECT_TRUE(finishedFuture.get());
}

TEST(TimeoutTest, ValidateNamesEveryProblem) {
  TimeoutsConfig config;
  config.fast_ms = 0;
  config.normal_ms = 90000;
  auto problems = config.validate();
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_NE(problems[0].find("resilience.fast_ms"), std::string::npos);
  EXPECT_NE(problems[1].find("resilience.normal_ms (90000) must not exceed heavy_ms"),
            std::string::npos);
  EXPECT_TRUE(TimeoutsConfig{}.validate().empty());
}

}  // namespace
}  // namespace ait::resilience
