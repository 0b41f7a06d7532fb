// Run-time failures: restart with exponential backoff, giving up, backoff reset, dependants
// degraded while a dependency is down, and the supervisor thread.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "ait/hub/errors.h"
#include "ait/hub/hub.h"
#include "fake_service.h"

namespace ait::hub {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::HubFixture;
using testing::kFakeFailure;

constexpr std::int64_t kMs = 1'000'000;

class HubSupervisionTest : public ::testing::Test, public HubFixture {
 protected:
  HubConfig backoffConfig(std::uint32_t maxAttempts) {
    HubConfig config;
    config.restart_initial_backoff_ms = 100;
    config.restart_max_backoff_ms = 1000;
    config.restart_max_attempts = maxAttempts;
    config.health_interval_ms = 1000;
    config.restart_healthy_reset_ms = 5000;
    return config;
  }

  /// Returns the waits (ms) between a failure at `failedAt` and each later start of `name`.
  std::vector<std::int64_t> restartGaps(const std::string& name, std::int64_t failedAt) {
    std::vector<std::int64_t> gaps;
    auto previous = failedAt;
    auto starts = fake(name).startTimes();
    for (std::size_t i = 1; i < starts.size(); ++i) {
      gaps.push_back((starts[i] - previous) / kMs);
      previous = starts[i];
    }
    return gaps;
  }

  ServiceInfo info(Hub& hub, std::string_view name) {
    for (auto& service : hub.services()) {
      if (service.name == name) return service;
    }
    ADD_FAILURE() << "no service " << name;
    return {};
  }
};

TEST_F(HubSupervisionTest, RestartsAFailedServiceInPlaceAfterTheInitialBackoff) {
  auto hub = makeHub(backoffConfig(10));
  ASSERT_TRUE(addFake(*hub, "a", {}));
  ASSERT_TRUE(hub->start());
  events.clear();

  hub->reportFailure("a", Error(kFakeFailure, "feed connection lost"));
  EXPECT_EQ(info(*hub, "a").state, ServiceState::Failed);
  hub->superviseOnce();
  EXPECT_THAT(events.events(), ElementsAre("stop:a")) << "a failed service is stopped at once";

  run(*hub, 99);
  EXPECT_THAT(events.only("start:"), ElementsAre());
  run(*hub, 1);
  EXPECT_THAT(events.events(), ElementsAre("stop:a", "start:a")) << "same object, not rebuilt";

  auto a = info(*hub, "a");
  EXPECT_EQ(a.state, ServiceState::Running);
  EXPECT_EQ(a.restarts, 1u);
  EXPECT_EQ(a.lastError, "AIT-TEST-0001: feed connection lost");
  EXPECT_TRUE(hub->ready());

  bool recovered = false;
  for (const auto& record : errors.snapshot()) {
    if (record.code == "AIT-TEST-0001") {
      recovered = record.lastRecovery == Recovery::Retry && record.recoveriesSucceeded == 1;
    }
  }
  EXPECT_TRUE(recovered) << "the restart is recorded as a successful retry";
}

TEST_F(HubSupervisionTest, RetriesWithExponentialBackoffCappedAtTheMaximum) {
  auto hub = makeHub(backoffConfig(0));
  ASSERT_TRUE(addFake(*hub, "a", {}));
  ASSERT_TRUE(hub->start());
  fake("a").failAlways = true;
  auto failedAt = clock.monotonicNs();

  hub->reportFailure("a", Error(kFakeFailure, "feed connection lost"));
  run(*hub, 4600);

  EXPECT_THAT(restartGaps("a", failedAt), ElementsAre(100, 200, 400, 800, 1000, 1000, 1000));
  auto a = info(*hub, "a");
  EXPECT_EQ(a.restarts, 7u);
  EXPECT_FALSE(a.gaveUp) << "0 attempts means never give up";
  EXPECT_EQ(a.lastError, "AIT-TEST-0001: port 8007 is already in use");
  // Each failed attempt released what it acquired: a stop follows every start.
  EXPECT_EQ(events.only("stop:").size(), 1 + 7u);
}

TEST_F(HubSupervisionTest, GivesUpAfterMaxAttemptsAndReportsTheServiceDown) {
  auto hub = makeHub(backoffConfig(3));
  ASSERT_TRUE(addFake(*hub, "a", {}));
  ASSERT_TRUE(hub->start());
  fake("a").failAlways = true;
  auto failedAt = clock.monotonicNs();

  hub->reportFailure("a", Error(kFakeFailure, "feed connection lost"));
  run(*hub, 20000);

  EXPECT_THAT(restartGaps("a", failedAt), ElementsAre(100, 200, 400));
  auto a = info(*hub, "a");
  EXPECT_EQ(a.state, ServiceState::Failed);
  EXPECT_TRUE(a.gaveUp);
  EXPECT_EQ(a.restarts, 3u);
  auto health = hub->health();
  EXPECT_EQ(health.status, HealthStatus::Down);
  EXPECT_EQ(health.services[0].health.reason,
            "gave up after 3 restart attempts; last error: AIT-TEST-0001: port 8007 is already "
            "in use");
  bool exhausted = false;
  for (const auto& record : errors.snapshot()) exhausted |= record.code == "AIT-HUB-0012";
  EXPECT_TRUE(exhausted);

  // An operator can bring it back by hand once the cause is fixed.
  fake("a").failAlways = false;
  ASSERT_TRUE(hub->restart("a"));
  a = info(*hub, "a");
  EXPECT_EQ(a.state, ServiceState::Running);
  EXPECT_FALSE(a.gaveUp);
  EXPECT_EQ(a.attempts, 0u);
  EXPECT_EQ(hub->health().status, HealthStatus::Healthy);
}

TEST_F(HubSupervisionTest, ManualRestartOfAServiceThatKeepsFailingResumesBackoff) {
  auto hub = makeHub(backoffConfig(10));
  ASSERT_TRUE(addFake(*hub, "a", {}));
  ASSERT_TRUE(hub->start());
  fake("a").failAlways = true;
  auto restarted = hub->restart("a");
  ASSERT_FALSE(restarted);
  EXPECT_EQ(restarted.error().message(), "port 8007 is already in use");
  EXPECT_EQ(info(*hub, "a").state, ServiceState::Failed);
  fake("a").failAlways = false;
  run(*hub, 100);
  EXPECT_EQ(info(*hub, "a").state, ServiceState::Running);
  EXPECT_FALSE(hub->restart("missing"));
}

TEST_F(HubSupervisionTest, BackoffGrowsWhileFailuresRepeatAndResetsAfterAStablePeriod) {
  auto hub = makeHub(backoffConfig(10));
  ASSERT_TRUE(addFake(*hub, "a", {}));
  ASSERT_TRUE(hub->start());

  hub->reportFailure("a", Error(kFakeFailure, "crash 1"));
  run(*hub, 100);
  ASSERT_EQ(info(*hub, "a").state, ServiceState::Running);
  EXPECT_EQ(info(*hub, "a").attempts, 1u);

  // Failing again soon after a restart waits longer.
  auto secondFailure = clock.monotonicNs();
  hub->reportFailure("a", Error(kFakeFailure, "crash 2"));
  run(*hub, 200);
  EXPECT_EQ((fake("a").startTimes().back() - secondFailure) / kMs, 200);
  EXPECT_EQ(info(*hub, "a").attempts, 2u);

  run(*hub, 5000);
  EXPECT_EQ(info(*hub, "a").attempts, 0u) << "5 s up resets the backoff";

  auto thirdFailure = clock.monotonicNs();
  hub->reportFailure("a", Error(kFakeFailure, "crash 3"));
  run(*hub, 100);
  EXPECT_EQ((fake("a").startTimes().back() - thirdFailure) / kMs, 100);
  EXPECT_EQ(info(*hub, "a").restarts, 3u);
}

TEST_F(HubSupervisionTest, AHealthCheckReportingDownTriggersARestart) {
  auto hub = makeHub(backoffConfig(10));
  ASSERT_TRUE(addFake(*hub, "a", {}));
  ASSERT_TRUE(hub->start());
  fake("a").setHealth(HealthStatus::Down, "event loop wedged");

  run(*hub, 999);
  EXPECT_EQ(info(*hub, "a").state, ServiceState::Running) << "not polled before the interval";
  run(*hub, 1);
  auto a = info(*hub, "a");
  EXPECT_EQ(a.state, ServiceState::Failed);
  EXPECT_EQ(a.lastError,
            "AIT-HUB-0011: service 'a' reports itself down: event loop wedged");

  fake("a").setHealth(HealthStatus::Healthy);
  run(*hub, 100);
  EXPECT_EQ(info(*hub, "a").state, ServiceState::Running);
  EXPECT_EQ(info(*hub, "a").restarts, 1u);
}

TEST_F(HubSupervisionTest, DegradedServicesAreNotRestarted) {
  auto hub = makeHub(backoffConfig(10));
  ASSERT_TRUE(addFake(*hub, "a", {}));
  ASSERT_TRUE(hub->start());
  fake("a").setHealth(HealthStatus::Degraded, "database unreachable");
  run(*hub, 5000);
  EXPECT_EQ(info(*hub, "a").state, ServiceState::Running);
  EXPECT_EQ(info(*hub, "a").restarts, 0u);
}

TEST_F(HubSupervisionTest, DependantsAreDegradedWhileADependencyIsDownAndHealthyAfter) {
  auto hub = makeHub(backoffConfig(10));
  ASSERT_TRUE(addFake(*hub, "ai-orchestration", {}));
  ASSERT_TRUE(addFake(*hub, "trading-engine", {"ai-orchestration"}));
  ASSERT_TRUE(addFake(*hub, "api-gateway", {"trading-engine"}));
  ASSERT_TRUE(hub->start());

  hub->reportFailure("ai-orchestration", Error(kFakeFailure, "model server crashed"));

  auto engine = hub->serviceHealth("trading-engine");
  ASSERT_TRUE(engine);
  EXPECT_EQ(engine->status, HealthStatus::Degraded);
  EXPECT_EQ(engine->reason, "dependency ai-orchestration is down");
  ASSERT_EQ(engine->dependencies.size(), 1u);
  EXPECT_EQ(engine->dependencies[0].name, "ai-orchestration");
  EXPECT_EQ(engine->dependencies[0].status, HealthStatus::Down);
  EXPECT_EQ(engine->dependencies[0].reason,
            "failed: AIT-TEST-0001: model server crashed; restart attempt 1 of 10 in 100 ms");
  auto gateway = hub->serviceHealth("api-gateway");
  ASSERT_TRUE(gateway);
  EXPECT_EQ(gateway->status, HealthStatus::Healthy) << "only a direct dependency down degrades";
  EXPECT_EQ(gateway->dependencies[0].status, HealthStatus::Degraded);
  EXPECT_EQ(hub->health().status, HealthStatus::Down);
  EXPECT_FALSE(hub->ready());

  run(*hub, 100);

  engine = hub->serviceHealth("trading-engine");
  EXPECT_EQ(engine->status, HealthStatus::Healthy);
  EXPECT_EQ(engine->reason, "");
  EXPECT_EQ(engine->dependencies[0].status, HealthStatus::Healthy);
  EXPECT_EQ(hub->health().status, HealthStatus::Healthy);
  EXPECT_TRUE(hub->ready());
}

TEST_F(HubSupervisionTest, ADependantKeepsItsOwnReasonAndAddsTheDependencys) {
  auto hub = makeHub(backoffConfig(10));
  ASSERT_TRUE(addFake(*hub, "a", {}));
  ASSERT_TRUE(addFake(*hub, "b", {}));
  ASSERT_TRUE(addFake(*hub, "c", {"a", "b"}));
  ASSERT_TRUE(hub->start());
  fake("c").setHealth(HealthStatus::Degraded, "cache cold");
  hub->reportFailure("a", Error(kFakeFailure, "x"));
  hub->reportFailure("b", Error(kFakeFailure, "y"));
  auto c = hub->serviceHealth("c");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->status, HealthStatus::Degraded);
  EXPECT_EQ(c->reason, "cache cold; dependency a is down; dependency b is down");
}

TEST_F(HubSupervisionTest, AFailureReportedDuringStartTakesEffectOnceStartReturns) {
  auto hub = makeHub(backoffConfig(10));
  setup["a"] = [](testing::FakeService& service) { service.reportDuringStart = true; };
  ASSERT_TRUE(addFake(*hub, "a", {}));
  ASSERT_TRUE(hub->start());
  auto a = info(*hub, "a");
  EXPECT_EQ(a.state, ServiceState::Failed);
  EXPECT_EQ(a.lastError, "AIT-TEST-0001: failed while starting");

  fake("a").reportDuringStart = false;
  run(*hub, 100);
  EXPECT_EQ(info(*hub, "a").state, ServiceState::Running);
}

TEST_F(HubSupervisionTest, FailureReportsAboutServicesThatDoNotRunHereAreIgnored) {
  auto hub = makeHub(backoffConfig(10));
  ASSERT_TRUE(addFake(*hub, "a", {}));
  hub->reportFailure("a", Error(kFakeFailure, "before start"));
  hub->reportFailure("nobody", Error(kFakeFailure, "unknown"));
  ASSERT_TRUE(hub->start());
  EXPECT_EQ(info(*hub, "a").state, ServiceState::Running);
  hub->stop();
  hub->reportFailure("a", Error(kFakeFailure, "after stop"));
  EXPECT_EQ(info(*hub, "a").state, ServiceState::Stopped);
  hub->superviseOnce();
}

TEST_F(HubSupervisionTest, AReporterFromTheResolverReachesTheHub) {
  auto hub = makeHub(backoffConfig(10));
  ASSERT_TRUE(addFake(*hub, "a", {}));
  ASSERT_TRUE(hub->start());
  ASSERT_TRUE(static_cast<bool>(fake("a").reporter));
  fake("a").reporter.report(Error(kFakeFailure, "from inside"));
  EXPECT_EQ(info(*hub, "a").lastError, "AIT-TEST-0001: from inside");
}

// The tests below use the real supervisor thread and the system clock.

std::unique_ptr<Hub> threadedHub(HubFixture& fixture) {
  HubConfig config;
  config.restart_initial_backoff_ms = 1;
  config.restart_max_backoff_ms = 2;
  config.restart_max_attempts = 0;
  config.health_interval_ms = 5;
  HubOptions options;
  options.metrics = &fixture.metrics;
  options.errors = &fixture.errors;
  options.logger = testing::quietLogger();
  return std::make_unique<Hub>(config, SystemClock::instance(), options);
}

template <class Predicate>
bool eventually(Predicate predicate) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    if (predicate()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return false;
}

TEST(HubSupervisorThreadTest, RestartsAFailedServiceOnItsOwn) {
  HubFixture fixture;
  auto hub = threadedHub(fixture);
  ASSERT_TRUE(hub->addService({"a", {}, [&](Resolver&) {
                                 auto service = std::make_unique<testing::FakeService>(
                                     "a", fixture.events, SystemClock::instance());
                                 fixture.fakes["a"] = service.get();
                                 return service;
                               }}));
  ASSERT_TRUE(hub->start());
  hub->reportFailure("a", Error(kFakeFailure, "crash"));
  EXPECT_TRUE(eventually([&] {
    auto services = hub->services();
    return services[0].state == ServiceState::Running && services[0].restarts == 1;
  }));
  fixture.fake("a").setHealth(HealthStatus::Down, "wedged");
  EXPECT_TRUE(eventually([&] { return hub->services()[0].restarts >= 2; }))
      << "the supervisor polls health() and restarts a service that is down";
  fixture.fake("a").setHealth(HealthStatus::Healthy);
  hub->stop();
}

TEST(HubSupervisorThreadTest, HealthReadersRunSafelyAlongsideRestartsAndStop) {
  HubFixture fixture;
  auto hub = threadedHub(fixture);
  for (const char* name : {"a", "b", "c"}) {
    std::vector<std::string> deps;
    if (std::string(name) != "a") deps.push_back("a");
    ASSERT_TRUE(hub->addService({name, deps, [&fixture, name](Resolver&) {
                                   return std::make_unique<testing::FakeService>(
                                       name, fixture.events, SystemClock::instance());
                                 }}));
  }
  ASSERT_TRUE(hub->start());
  std::atomic<bool> done{false};
  std::atomic<int> reads{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 2; ++i) {
    readers.emplace_back([&] {
      while (!done) {
        auto health = hub->health();
        (void)hub->ready();
        (void)hub->services();
        (void)hub->serviceHealth("b");
        if (!health.services.empty()) ++reads;
      }
    });
  }
  for (int i = 0; i < 30; ++i) {
    hub->reportFailure(i % 2 == 0 ? "a" : "b", Error(kFakeFailure, "crash"));
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  EXPECT_TRUE(eventually([&] { return hub->ready(); }));
  hub->stop();
  done = true;
  for (auto& reader : readers) reader.join();
  EXPECT_GT(reads.load(), 0);
  EXPECT_FALSE(hub->ready());
}

}  // namespace
}  // namespace ait::hub
