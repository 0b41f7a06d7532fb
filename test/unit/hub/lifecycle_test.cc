// Start failures and rollback, health aggregation, readiness, the registry listing, metrics.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ait/hub/errors.h"
#include "ait/hub/hub.h"
#include "fake_service.h"

namespace ait::hub {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::HubFixture;
using testing::kFakeFailure;

class HubLifecycleTest : public ::testing::Test, public HubFixture {
 protected:
  const ServiceHealth* find(const HubHealth& health, std::string_view name) {
    for (const auto& service : health.services) {
      if (service.name == name) return &service;
    }
    return nullptr;
  }
};

TEST_F(HubLifecycleTest, AFailedStartStopsWhatStartedInReverseAndNamesServiceAndCause) {
  auto hub = makeHub();
  ASSERT_TRUE(addFake(*hub, "a", {}));
  ASSERT_TRUE(addFake(*hub, "b", {"a"}));
  ASSERT_TRUE(addFake(*hub, "c", {"b"}));
  ASSERT_TRUE(addFake(*hub, "d", {"c"}));
  setup["c"] = [](testing::FakeService& service) { service.failAlways = true; };

  auto started = hub->start();

  ASSERT_FALSE(started);
  EXPECT_EQ(&started.error().code(), &kFakeFailure);
  EXPECT_EQ(started.error().message(),
            "service 'c' failed to start: port 8007 is already in use (stopped again: b, a)");
  EXPECT_THAT(events.events(),
              ElementsAre("construct:a", "construct:b", "construct:c", "construct:d", "start:a",
                          "start:b", "start:c", "stop:c", "stop:b", "stop:a", "destroy:d",
                          "destroy:c", "destroy:b", "destroy:a"));
  EXPECT_FALSE(hub->ready());
  EXPECT_EQ(hub->health().status, HealthStatus::Down);

  auto services = hub->services();
  EXPECT_EQ(services[0].state, ServiceState::Stopped);
  EXPECT_EQ(services[1].state, ServiceState::Stopped);
  EXPECT_EQ(services[2].state, ServiceState::Failed);
  EXPECT_EQ(services[2].lastError, "AIT-TEST-0001: port 8007 is already in use");
  EXPECT_EQ(services[3].state, ServiceState::Registered);
  // The start-up error is in the ErrorDNA registry too.
  bool recorded = false;
  for (const auto& record : errors.snapshot()) recorded |= record.code == "AIT-TEST-0001";
  EXPECT_TRUE(recorded);
}

TEST_F(HubLifecycleTest, AStartThatThrowsIsAStartError) {
  auto hub = makeHub();
  struct Thrower : testing::FakeService {
    using FakeService::FakeService;
    Expected<void> start() override { throw std::runtime_error("boom"); }
  };
  ASSERT_TRUE(hub->addService({"thrower", {}, [this](Resolver&) {
                                 return std::make_unique<Thrower>("thrower", events, clock);
                               }}));
  auto started = hub->start();
  ASSERT_FALSE(started);
  EXPECT_EQ(&started.error().code(), &kStartFailed);
  EXPECT_THAT(started.error().message(), HasSubstr("service 'thrower' failed to start: start() "
                                                   "threw: boom"));
}

TEST_F(HubLifecycleTest, HealthIsHealthyWhenEveryServiceIs) {
  auto hub = makeHub();
  EXPECT_EQ(hub->health().status, HealthStatus::Down) << "not started yet";
  ASSERT_TRUE(addFake(*hub, "a", {}));
  ASSERT_TRUE(addFake(*hub, "b", {"a"}));
  ASSERT_TRUE(hub->start());

  auto health = hub->health();

  EXPECT_EQ(health.status, HealthStatus::Healthy);
  EXPECT_EQ(health.reason, "");
  ASSERT_EQ(health.services.size(), 2u);
  EXPECT_EQ(health.services[0].name, "a");
  EXPECT_EQ(health.services[1].name, "b");
  ASSERT_EQ(health.services[1].health.dependencies.size(), 1u);
  EXPECT_EQ(health.services[1].health.dependencies[0].name, "a");
  EXPECT_EQ(health.services[1].health.dependencies[0].status, HealthStatus::Healthy);
}

TEST_F(HubLifecycleTest, HealthIsDegradedWhenAServiceIsDegraded) {
  auto hub = makeHub();
  ASSERT_TRUE(addFake(*hub, "a", {}));
  ASSERT_TRUE(addFake(*hub, "b", {"a"}));
  ASSERT_TRUE(hub->start());
  fake("a").setHealth(HealthStatus::Degraded, "database replica lagging");

  auto health = hub->health();

  EXPECT_EQ(health.status, HealthStatus::Degraded);
  EXPECT_EQ(health.reason, "a is degraded: database replica lagging");
  // A degraded dependency does not degrade its dependants; they show it in their list.
  EXPECT_EQ(find(health, "b")->health.status, HealthStatus::Healthy);
  EXPECT_EQ(find(health, "b")->health.dependencies[0].status, HealthStatus::Degraded);
  EXPECT_TRUE(hub->ready());
}

TEST_F(HubLifecycleTest, ANonCriticalServiceDownDegradesTheHub) {
  auto hub = makeHub();
  ASSERT_TRUE(addFake(*hub, "core", {}));
  ASSERT_TRUE(addFake(*hub, "analytics", {}, /*critical=*/false));
  ASSERT_TRUE(hub->start());
  fake("analytics").setHealth(HealthStatus::Down, "out of memory");

  auto health = hub->health();

  EXPECT_EQ(health.status, HealthStatus::Degraded);
  EXPECT_EQ(health.reason, "analytics (non-critical) is down: out of memory");
  EXPECT_FALSE(hub->ready()) << "a started service that is down is not ready";
}

TEST_F(HubLifecycleTest, ACriticalServiceDownTakesTheHubDown) {
  auto hub = makeHub();
  ASSERT_TRUE(addFake(*hub, "core", {}));
  ASSERT_TRUE(addFake(*hub, "analytics", {}, /*critical=*/false));
  ASSERT_TRUE(hub->start());
  fake("core").setHealth(HealthStatus::Down, "venue session lost");
  fake("analytics").setHealth(HealthStatus::Degraded, "slow");

  auto health = hub->health();

  EXPECT_EQ(health.status, HealthStatus::Down);
  EXPECT_THAT(health.reason, HasSubstr("core is down: venue session lost"));
  EXPECT_THAT(health.reason, HasSubstr("analytics is degraded: slow"));
}

TEST_F(HubLifecycleTest, ServiceHealthAnswersForOneServiceOfThisProcess) {
  auto hub = makeHub();
  ASSERT_TRUE(addFake(*hub, "a", {}));
  ASSERT_TRUE(hub->start());
  fake("a").setHealth(HealthStatus::Degraded, "warming up");
  auto health = hub->serviceHealth("a");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, HealthStatus::Degraded);
  EXPECT_EQ(health->reason, "warming up");
  auto unknown = hub->serviceHealth("zzz");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(&unknown.error().code(), &kUnknownService);
}

TEST_F(HubLifecycleTest, ReadyOnlyOnceStartedAndWhileNothingIsDown) {
  auto hub = makeHub();
  ASSERT_TRUE(addFake(*hub, "a", {}));
  EXPECT_FALSE(hub->ready());
  ASSERT_TRUE(hub->start());
  EXPECT_TRUE(hub->ready());
  fake("a").setHealth(HealthStatus::Down, "broken");
  EXPECT_FALSE(hub->ready());
  fake("a").setHealth(HealthStatus::Healthy);
  EXPECT_TRUE(hub->ready());
  hub->stop();
  EXPECT_FALSE(hub->ready());
}

TEST_F(HubLifecycleTest, ServiceHealthThatThrowsCountsAsDown) {
  auto hub = makeHub();
  struct Thrower : testing::FakeService {
    using FakeService::FakeService;
    Health health() const override { throw std::runtime_error("lock poisoned"); }
  };
  ASSERT_TRUE(hub->addService({"thrower", {}, [this](Resolver&) {
                                 return std::make_unique<Thrower>("thrower", events, clock);
                               }}));
  ASSERT_TRUE(hub->start());
  auto health = hub->health();
  EXPECT_EQ(health.status, HealthStatus::Down);
  EXPECT_THAT(health.reason, HasSubstr("health() threw: lock poisoned"));
}

TEST_F(HubLifecycleTest, MetricsTrackUpRestartsAndStartDuration) {
  HubConfig config;
  config.restart_initial_backoff_ms = 100;
  auto hub = makeHub(config);
  ASSERT_TRUE(addFake(*hub, "a", {}));
  ASSERT_TRUE(hub->start());

  auto text = metrics.render();
  EXPECT_THAT(text, HasSubstr("ait_hub_service_up{service=\"a\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("ait_hub_service_restarts_total{service=\"a\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("ait_hub_service_start_duration_seconds_count{service=\"a\"} 1\n"));

  hub->reportFailure("a", Error(kFakeFailure, "lost the feed"));
  EXPECT_THAT(metrics.render(), HasSubstr("ait_hub_service_up{service=\"a\"} 0\n"));

  run(*hub, 100);
  text = metrics.render();
  EXPECT_THAT(text, HasSubstr("ait_hub_service_up{service=\"a\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("ait_hub_service_restarts_total{service=\"a\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("ait_hub_service_start_duration_seconds_count{service=\"a\"} 2\n"));
}

}  // namespace
}  // namespace ait::hub
