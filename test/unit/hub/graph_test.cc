// Dependency order, cycles, missing dependencies and --only selection.

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

class HubGraphTest : public ::testing::Test, public HubFixture {};

TEST_F(HubGraphTest, StartsServicesInDependencyOrder) {
  auto hub = makeHub();
  // Registered dependants first, so registration order alone would be wrong.
  ASSERT_TRUE(addFake(*hub, "api-gateway", {"trading-engine"}));
  ASSERT_TRUE(addFake(*hub, "trading-engine", {"ai-orchestration", "data-bridge"}));
  ASSERT_TRUE(addFake(*hub, "ai-orchestration", {"data-bridge"}));
  ASSERT_TRUE(addFake(*hub, "data-bridge", {}));

  ASSERT_TRUE(hub->start());

  EXPECT_THAT(events.only("start:"),
              ElementsAre("start:data-bridge", "start:ai-orchestration", "start:trading-engine",
                          "start:api-gateway"));
  // Everything is built before anything starts, in the same order.
  EXPECT_THAT(events.only("construct:"),
              ElementsAre("construct:data-bridge", "construct:ai-orchestration",
                          "construct:trading-engine", "construct:api-gateway"));
  EXPECT_EQ(events.events().at(4), "start:data-bridge");
  EXPECT_TRUE(hub->ready());
}

TEST_F(HubGraphTest, StartsDiamondDependenciesOnceAndBeforeTheirDependant) {
  auto hub = makeHub();
  ASSERT_TRUE(addFake(*hub, "top", {"left", "right"}));
  ASSERT_TRUE(addFake(*hub, "left", {"bottom"}));
  ASSERT_TRUE(addFake(*hub, "right", {"bottom"}));
  ASSERT_TRUE(addFake(*hub, "bottom", {}));

  auto order = hub->startOrder();
  ASSERT_TRUE(order) << order.error().describe();
  EXPECT_THAT(*order, ElementsAre("bottom", "left", "right", "top"));

  ASSERT_TRUE(hub->start());
  EXPECT_THAT(events.only("start:"),
              ElementsAre("start:bottom", "start:left", "start:right", "start:top"));
}

TEST_F(HubGraphTest, StopsAndDestroysServicesInReverseStartOrder) {
  auto hub = makeHub();
  ASSERT_TRUE(addFake(*hub, "top", {"left", "right"}));
  ASSERT_TRUE(addFake(*hub, "left", {"bottom"}));
  ASSERT_TRUE(addFake(*hub, "right", {"bottom"}));
  ASSERT_TRUE(addFake(*hub, "bottom", {}));
  ASSERT_TRUE(hub->start());
  events.clear();

  hub->stop();

  EXPECT_THAT(events.events(),
              ElementsAre("stop:top", "stop:right", "stop:left", "stop:bottom", "destroy:top",
                          "destroy:right", "destroy:left", "destroy:bottom"));
  EXPECT_FALSE(hub->ready());
  for (const auto& info : hub->services()) EXPECT_EQ(info.state, ServiceState::Stopped);
}

TEST_F(HubGraphTest, StopTwiceAndDestructionAfterStopDoNothingMore) {
  auto hub = makeHub();
  ASSERT_TRUE(addFake(*hub, "solo", {}));
  ASSERT_TRUE(hub->start());
  hub->stop();
  hub->stop();
  hub.reset();
  EXPECT_THAT(events.events(), ElementsAre("construct:solo", "start:solo", "stop:solo",
                                           "destroy:solo"));
}

TEST_F(HubGraphTest, DestructorStopsARunningHub) {
  auto hub = makeHub();
  ASSERT_TRUE(addFake(*hub, "a", {}));
  ASSERT_TRUE(addFake(*hub, "b", {"a"}));
  ASSERT_TRUE(hub->start());
  events.clear();
  hub.reset();
  EXPECT_THAT(events.events(), ElementsAre("stop:b", "stop:a", "destroy:b", "destroy:a"));
}

TEST_F(HubGraphTest, NamesTheFullChainOfADependencyCycle) {
  auto hub = makeHub();
  ASSERT_TRUE(addFake(*hub, "trading-engine", {"ai-orchestration"}));
  ASSERT_TRUE(addFake(*hub, "ai-orchestration", {"trading-engine"}));
  ASSERT_TRUE(addFake(*hub, "api-gateway", {"trading-engine"}));

  auto started = hub->start();

  ASSERT_FALSE(started);
  EXPECT_EQ(started.error().codeString(), "AIT-HUB-0003");
  EXPECT_THAT(started.error().message(),
              HasSubstr("trading-engine -> ai-orchestration -> trading-engine"));
  EXPECT_TRUE(events.events().empty()) << "nothing may be built when the graph is wrong";
  EXPECT_FALSE(hub->ready());
}

TEST_F(HubGraphTest, NamesOnlyTheServicesInTheCycleNotThePathLeadingToIt) {
  auto hub = makeHub();
  ASSERT_TRUE(addFake(*hub, "api-gateway", {"a"}));
  ASSERT_TRUE(addFake(*hub, "a", {"b"}));
  ASSERT_TRUE(addFake(*hub, "b", {"c"}));
  ASSERT_TRUE(addFake(*hub, "c", {"a"}));

  auto order = hub->startOrder();

  ASSERT_FALSE(order);
  EXPECT_EQ(&order.error().code(), &kDependencyCycle);
  EXPECT_EQ(order.error().message(), "dependency cycle: a -> b -> c -> a");
}

TEST_F(HubGraphTest, ASelfDependencyIsACycle) {
  auto hub = makeHub();
  ASSERT_TRUE(addFake(*hub, "narcissus", {"narcissus"}));
  auto order = hub->startOrder();
  ASSERT_FALSE(order);
  EXPECT_EQ(order.error().message(), "dependency cycle: narcissus -> narcissus");
}

TEST_F(HubGraphTest, NamesTheChainLeadingToAMissingDependency) {
  auto hub = makeHub();
  ASSERT_TRUE(addFake(*hub, "api-gateway", {"trading-engine"}));
  ASSERT_TRUE(addFake(*hub, "trading-engine", {"risk-engine"}));

  auto started = hub->start();

  ASSERT_FALSE(started);
  EXPECT_EQ(&started.error().code(), &kMissingDependency);
  EXPECT_THAT(started.error().message(),
              HasSubstr("api-gateway -> trading-engine -> risk-engine"));
  EXPECT_THAT(started.error().message(), HasSubstr("'risk-engine' is neither"));
  EXPECT_TRUE(events.events().empty());
}

TEST_F(HubGraphTest, ReportsEveryMissingDependencyAtOnce) {
  auto hub = makeHub();
  ASSERT_TRUE(addFake(*hub, "a", {"nope"}));
  ASSERT_TRUE(addFake(*hub, "b", {"nada"}));
  auto order = hub->startOrder();
  ASSERT_FALSE(order);
  EXPECT_THAT(order.error().message(), HasSubstr("a -> nope"));
  EXPECT_THAT(order.error().message(), HasSubstr("b -> nada"));
}

TEST_F(HubGraphTest, ComponentsSatisfyDependencies) {
  auto hub = makeHub();
  ASSERT_TRUE(hub->addComponent("bus", std::make_shared<int>(7)));
  ASSERT_TRUE(addFake(*hub, "a", {"bus"}));
  EXPECT_TRUE(hub->start());
}

TEST_F(HubGraphTest, RefusesDuplicateAndInvalidRegistrations) {
  auto hub = makeHub();
  ASSERT_TRUE(addFake(*hub, "a", {}));
  auto again = addFake(*hub, "a", {});
  ASSERT_FALSE(again);
  EXPECT_EQ(&again.error().code(), &kDuplicateName);

  auto clash = hub->addComponent("a", std::make_shared<int>(1));
  ASSERT_FALSE(clash);
  EXPECT_EQ(&clash.error().code(), &kDuplicateName);

  ASSERT_TRUE(hub->addComponent("bus", std::make_shared<int>(1)));
  EXPECT_FALSE(addFake(*hub, "bus", {}));
  EXPECT_FALSE(hub->addComponent("bus", std::make_shared<int>(2)));
  EXPECT_FALSE(hub->addComponent("null", std::shared_ptr<int>()));
  EXPECT_FALSE(hub->addService(ServiceSpec{"", {}, [](Resolver&) {
                                             return Expected<std::unique_ptr<Service>>(nullptr);
                                           }}));
  EXPECT_FALSE(hub->addService(ServiceSpec{"no-factory", {}, nullptr}));
}

TEST_F(HubGraphTest, RefusesRegistrationWhileStarted) {
  auto hub = makeHub();
  ASSERT_TRUE(addFake(*hub, "a", {}));
  ASSERT_TRUE(hub->start());
  auto late = addFake(*hub, "b", {});
  ASSERT_FALSE(late);
  EXPECT_EQ(&late.error().code(), &kLifecycle);
  auto twice = hub->start();
  ASSERT_FALSE(twice);
  EXPECT_EQ(&twice.error().code(), &kLifecycle);
  hub->stop();
  EXPECT_TRUE(addFake(*hub, "b", {}));
}

TEST_F(HubGraphTest, StartsAgainAfterStopWithFreshServices) {
  auto hub = makeHub();
  ASSERT_TRUE(addFake(*hub, "a", {}));
  ASSERT_TRUE(hub->start());
  hub->stop();
  ASSERT_TRUE(hub->start());
  EXPECT_THAT(events.only("construct:"), ElementsAre("construct:a", "construct:a"));
  EXPECT_TRUE(hub->ready());
}

TEST_F(HubGraphTest, OnlyStartsTheSelectionAndTreatsRemoteDependenciesAsExternal) {
  HubConfig config;
  config.remote["ai-orchestration"] = "10.0.0.5:8003";
  auto hub = makeHub(config);
  ASSERT_TRUE(addFake(*hub, "data-bridge", {}));
  ASSERT_TRUE(addFake(*hub, "ai-orchestration", {"data-bridge"}));
  ASSERT_TRUE(addFake(*hub, "trading-engine", {"ai-orchestration", "data-bridge"}));
  ASSERT_TRUE(addFake(*hub, "api-gateway", {"trading-engine"}));

  auto started = hub->start({"data-bridge", "trading-engine"});

  ASSERT_TRUE(started) << started.error().describe();
  EXPECT_THAT(events.only("start:"), ElementsAre("start:data-bridge", "start:trading-engine"));
  EXPECT_THAT(probed, ElementsAre("10.0.0.5:8003"));

  auto here = hub->locate("trading-engine");
  ASSERT_TRUE(here);
  EXPECT_TRUE(here->isLocal());
  auto there = hub->locate("ai-orchestration");
  ASSERT_TRUE(there);
  EXPECT_EQ(*there, ServiceLocation::remote("10.0.0.5", 8003));
  auto nowhere = hub->locate("api-gateway");
  ASSERT_FALSE(nowhere);
  EXPECT_EQ(&nowhere.error().code(), &kNotDeployed);
  EXPECT_FALSE(hub->locate("bogus"));

  auto services = hub->services();
  ASSERT_EQ(services.size(), 4u);
  EXPECT_EQ(services[0].state, ServiceState::Running);
  EXPECT_EQ(services[1].state, ServiceState::Remote);
  EXPECT_EQ(services[1].location, ServiceLocation::remote("10.0.0.5", 8003));
  EXPECT_EQ(services[2].state, ServiceState::Running);
  EXPECT_EQ(services[3].state, ServiceState::Registered);
  EXPECT_FALSE(services[3].location.has_value());
}

TEST_F(HubGraphTest, OnlyNamesADependencyThatIsNeitherSelectedNorRemote) {
  auto hub = makeHub();
  ASSERT_TRUE(addFake(*hub, "data-bridge", {}));
  ASSERT_TRUE(addFake(*hub, "ai-orchestration", {"data-bridge"}));
  ASSERT_TRUE(addFake(*hub, "trading-engine", {"ai-orchestration", "data-bridge"}));

  auto started = hub->start({"data-bridge", "trading-engine"});

  ASSERT_FALSE(started);
  EXPECT_EQ(&started.error().code(), &kNotDeployed);
  EXPECT_THAT(started.error().message(),
              HasSubstr("trading-engine depends on ai-orchestration, which is not in --only"));
  EXPECT_THAT(started.error().message(), HasSubstr("[hub.remote] ai-orchestration"));
  EXPECT_TRUE(events.events().empty());
  // A failed start leaves the hub open for another attempt.
  EXPECT_TRUE(hub->start({"data-bridge", "ai-orchestration", "trading-engine"}));
}

TEST_F(HubGraphTest, OnlyRejectsNamesThatAreNotServices) {
  auto hub = makeHub();
  ASSERT_TRUE(addFake(*hub, "data-bridge", {}));
  auto started = hub->start({"data-bridge", "bogus"});
  ASSERT_FALSE(started);
  EXPECT_EQ(&started.error().code(), &kUnknownService);
  EXPECT_THAT(started.error().message(), HasSubstr("'bogus'"));
  EXPECT_THAT(started.error().message(), HasSubstr("known services: data-bridge"));
}

TEST_F(HubGraphTest, RemoteAddressForAnUnknownServiceIsAConfigError) {
  HubConfig config;
  config.remote["ai-orchstration"] = "10.0.0.5:8003";
  auto hub = makeHub(config);
  ASSERT_TRUE(addFake(*hub, "ai-orchestration", {}));
  auto started = hub->start();
  ASSERT_FALSE(started);
  EXPECT_EQ(&started.error().code(), &kInvalidConfig);
  EXPECT_THAT(started.error().message(), HasSubstr("remote.ai-orchstration"));
}

TEST_F(HubGraphTest, InvalidConfigIsReportedWithEveryProblemAtOnce) {
  HubConfig config;
  config.restart_initial_backoff_ms = 0;
  config.health_interval_ms = -5;
  config.remote["x"] = "no-port";
  auto valid = validate(config);
  ASSERT_FALSE(valid);
  EXPECT_EQ(&valid.error().code(), &kInvalidConfig);
  EXPECT_THAT(valid.error().message(), HasSubstr("restart_initial_backoff_ms"));
  EXPECT_THAT(valid.error().message(), HasSubstr("health_interval_ms"));
  EXPECT_THAT(valid.error().message(), HasSubstr("remote.x"));
  EXPECT_TRUE(validate(HubConfig{}));

  auto hub = makeHub(config);
  ASSERT_TRUE(addFake(*hub, "a", {}));
  EXPECT_FALSE(hub->start());
}

TEST_F(HubGraphTest, BackoffDoublesUpToTheCap) {
  HubConfig config;
  config.restart_initial_backoff_ms = 100;
  config.restart_max_backoff_ms = 1000;
  std::vector<std::int64_t> delays;
  for (std::uint32_t attempt = 1; attempt <= 7; ++attempt) {
    delays.push_back(restartBackoff(config, attempt).count());
  }
  EXPECT_THAT(delays, ElementsAre(100, 200, 400, 800, 1000, 1000, 1000));
  config.restart_max_backoff_ms = 30000;
  EXPECT_EQ(restartBackoff(config, 1000).count(), 30000);
}

TEST(ServiceLocationTest, ParsesHostPortAndRejectsWhatIsNot) {
  auto plain = ServiceLocation::parse("10.0.0.5:8003");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->host, "10.0.0.5");
  EXPECT_EQ(plain->port, 8003);
  EXPECT_EQ(plain->toString(), "10.0.0.5:8003");
  auto v6 = ServiceLocation::parse("[::1]:8007");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->toString(), "[::1]:8007");
  EXPECT_EQ(ServiceLocation::local().toString(), "local");
  for (const char* bad : {"host", ":8003", "host:", "host:0", "host:70000", "host:80x", "::1:80",
                          "[::1]8003"}) {
    auto parsed = ServiceLocation::parse(bad);
    EXPECT_FALSE(parsed) << bad;
    if (!parsed) {
      EXPECT_THAT(parsed.error().message(), HasSubstr(bad));
    }
  }
}

}  // namespace
}  // namespace ait::hub
