#include "ait/resilience/bulkhead.h"

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "ait/resilience/errors.h"

namespace ait::resilience {
namespace {

using namespace std::chrono_literals;

class BulkheadTest : public ::testing::Test {
 protected:
  BulkheadConfig config(int concurrent, int queue, std::int64_t timeoutMs) {
    BulkheadConfig c;
    c.max_concurrent = concurrent;
    c.max_queue = queue;
    c.queue_timeout_ms = timeoutMs;
    return c;
  }
  double gauge(const std::string& name) {
    return metrics.gauge(name, "", {{"name", "postgres"}}).value();
  }
  std::uint64_t rejected(const std::string& reason) {
    return metrics.counter("ait_bulkhead_rejected_total", "",
                           {{"name", "postgres"}, {"reason", reason}})
        .value();
  }
  // Spins (real time, bounded) until the bulkhead reports `n` waiters.
  static void waitForQueued(const Bulkhead& bulkhead, int n) {
    for (int i = 0; i < 5000 && bulkhead.queued() != n; ++i) std::this_thread::sleep_for(1ms);
    ASSERT_EQ(bulkhead.queued(), n);
  }

  FakeClock clock;
  metrics::Registry metrics;
};

TEST_F(BulkheadTest, GrantsUpToMaxConcurrentThenRejectsWithoutQueue) {
  Bulkhead bulkhead("postgres", config(2, 0, 0), clock, metrics);
  auto a = bulkhead.acquire();
  auto b = bulkhead.acquire();
  ASSERT_TRUE(a.has_value());
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(bulkhead.inUse(), 2);
  EXPECT_EQ(gauge("ait_bulkhead_in_use"), 2.0);
  auto c = bulkhead.acquire();
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().codeString(), "AIT-RES-0002");
  EXPECT_EQ(c.error().message().rfind("bulkhead full for postgres", 0), 0u);
  EXPECT_EQ(rejected("queue_full"), 1u);
}

TEST_F(BulkheadTest, ReleasingAPermitFreesItsSlot) {
  Bulkhead bulkhead("postgres", config(1, 0, 0), clock, metrics);
  {
    auto a = bulkhead.acquire();
    ASSERT_TRUE(a.has_value());
    EXPECT_FALSE(bulkhead.tryAcquire().has_value());
  }
  EXPECT_EQ(bulkhead.inUse(), 0);
  EXPECT_EQ(gauge("ait_bulkhead_in_use"), 0.0);
  auto b = bulkhead.tryAcquire();
  ASSERT_TRUE(b.has_value());
  b->release();
  b->release();  // twice is harmless
  EXPECT_EQ(bulkhead.inUse(), 0);
}

TEST_F(BulkheadTest, MovedPermitReleasesOnce) {
  Bulkhead bulkhead("postgres", config(2, 0, 0), clock, metrics);
  auto a = bulkhead.acquire();
  ASSERT_TRUE(a.has_value());
  Bulkhead::Permit moved = std::move(*a);
  EXPECT_FALSE(*a);
  EXPECT_TRUE(moved);
  EXPECT_EQ(bulkhead.inUse(), 1);
  moved.release();
  EXPECT_EQ(bulkhead.inUse(), 0);
}

TEST_F(BulkheadTest, QueuedCallerGetsSlotWhenReleased) {
  Bulkhead bulkhead("postgres", config(1, 1, 1000), clock, metrics);
  auto holder = bulkhead.acquire();
  ASSERT_TRUE(holder.has_value());
  std::optional<Expected<Bulkhead::Permit>> waited;
  std::thread waiter([&] { waited.emplace(bulkhead.acquire()); });
  waitForQueued(bulkhead, 1);
  EXPECT_EQ(gauge("ait_bulkhead_queued"), 1.0);
  holder->release();
  waiter.join();
  ASSERT_TRUE(waited.has_value());
  ASSERT_TRUE(waited->has_value());
  EXPECT_EQ(bulkhead.inUse(), 1);
  EXPECT_EQ(bulkhead.queued(), 0);
  EXPECT_EQ(gauge("ait_bulkhead_queued"), 0.0);
}

TEST_F(BulkheadTest, RejectsWhenQueueIsFull) {
  Bulkhead bulkhead("postgres", config(1, 1, 1000), clock, metrics);
  auto holder = bulkhead.acquire();
  std::optional<Expected<Bulkhead::Permit>> waited;
  std::thread waiter([&] { waited.emplace(bulkhead.acquire()); });
  waitForQueued(bulkhead, 1);
  auto third = bulkhead.acquire();  // the one queue place is taken: fails at once
  ASSERT_FALSE(third.has_value());
  EXPECT_NE(third.error().message().find("1 waiting"), std::string::npos);
  EXPECT_EQ(rejected("queue_full"), 1u);
  holder->release();
  waiter.join();
  EXPECT_TRUE(waited->has_value());
}

TEST_F(BulkheadTest, QueuedCallerTimesOutOnTheClock) {
  Bulkhead bulkhead("postgres", config(1, 4, 1000), clock, metrics);
  auto holder = bulkhead.acquire();
  std::optional<Expected<Bulkhead::Permit>> waited;
  std::thread waiter([&] { waited.emplace(bulkhead.acquire()); });
  waitForQueued(bulkhead, 1);
  clock.advance(999ms);
  std::this_thread::sleep_for(50ms);  // the waiter rechecks the clock and keeps waiting
  EXPECT_EQ(bulkhead.queued(), 1);
  clock.advance(1ms);
  waiter.join();
  ASSERT_TRUE(waited.has_value());
  ASSERT_FALSE(waited->has_value());
  EXPECT_EQ(waited->error().codeString(), "AIT-RES-0002");
  EXPECT_NE(waited->error().message().find("no slot free within 1000 ms"), std::string::npos);
  EXPECT_EQ(bulkhead.queued(), 0);
  EXPECT_EQ(bulkhead.inUse(), 1);
  EXPECT_EQ(rejected("timeout"), 1u);
}

TEST_F(BulkheadTest, WaitersAreServedFirstComeFirstServed) {
  Bulkhead bulkhead("postgres", config(1, 8, 60000), clock, metrics);
  auto holder = bulkhead.acquire();
  std::vector<int> order;
  std::mutex orderMutex;
  std::vector<std::thread> waiters;
  for (int i = 0; i < 3; ++i) {
    waiters.emplace_back([&, i] {
      auto permit = bulkhead.acquire();
      ASSERT_TRUE(permit.has_value());
      std::lock_guard lock(orderMutex);
      order.push_back(i);
    });
    waitForQueued(bulkhead, i + 1);
  }
  holder->release();
  for (auto& t : waiters) t.join();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(bulkhead.inUse(), 0);
}

TEST_F(BulkheadTest, TryAcquireDoesNotJumpTheQueue) {
  Bulkhead bulkhead("postgres", config(1, 4, 60000), clock, metrics);
  auto holder = bulkhead.acquire();
  std::optional<Expected<Bulkhead::Permit>> waited;
  std::thread waiter([&] { waited.emplace(bulkhead.acquire()); });
  waitForQueued(bulkhead, 1);
  EXPECT_FALSE(bulkhead.tryAcquire().has_value());
  holder->release();
  waiter.join();
  EXPECT_TRUE(waited->has_value());
}

TEST_F(BulkheadTest, DeadlineShortensTheQueueWait) {
  Bulkhead bulkhead("postgres", config(1, 4, 60000), clock, metrics);
  auto holder = bulkhead.acquire();
  auto expired = Deadline::after(clock, 0ms);
  auto result = bulkhead.acquire(expired);
  EXPECT_FALSE(result.has_value());
}

TEST_F(BulkheadTest, CallRunsInsideASlot) {
  Bulkhead bulkhead("postgres", config(1, 0, 0), clock, metrics);
  auto result = bulkhead.call([&]() -> Expected<int> { return bulkhead.inUse(); });
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(*result, 1);
  EXPECT_EQ(bulkhead.inUse(), 0);
  auto holder = bulkhead.acquire();
  bool ran = false;
  auto rejectedCall = bulkhead.call([&]() -> Expected<int> {
    ran = true;
    return 1;
  });
  EXPECT_FALSE(rejectedCall.has_value());
  EXPECT_FALSE(ran);
}

TEST_F(BulkheadTest, ConcurrentCallersNeverExceedTheLimit) {
  Bulkhead bulkhead("postgres", config(3, 64, 60000), SystemClock::instance(), metrics);
  std::atomic<int> inside{0};
  std::atomic<int> maxInside{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        auto r = bulkhead.call([&]() -> Expected<void> {
          int now = ++inside;
          int seen = maxInside.load();
          while (now > seen && !maxInside.compare_exchange_weak(seen, now)) {
          }
          std::this_thread::yield();
          --inside;
          return {};
        });
        if (!r.has_value()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_LE(maxInside.load(), 3);
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(bulkhead.inUse(), 0);
  EXPECT_EQ(bulkhead.queued(), 0);
}

TEST_F(BulkheadTest, ValidateNamesEveryProblem) {
  auto problems = config(0, -1, -5).validate();
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_NE(problems[0].find("resilience.bulkhead.max_concurrent"), std::string::npos);
  EXPECT_NE(problems[1].find("resilience.bulkhead.max_queue"), std::string::npos);
  EXPECT_NE(problems[2].find("resilience.bulkhead.queue_timeout_ms"), std::string::npos);
  EXPECT_TRUE(BulkheadConfig{}.validate().empty());
}

}  // namespace
}  // namespace ait::resilience
