// The JSON shape of /health and the service registry.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ait/hub/health_json.h"
#include "ait/hub/probe.h"
#include "fake_service.h"

namespace ait::hub {
namespace {

using testing::HubFixture;

TEST(HealthJsonTest, RendersAServiceHealthWithItsDependencies) {
  Health health;
  health.status = HealthStatus::Degraded;
  health.reason = "dependency ai-orchestration is down";
  health.dependencies.push_back({"ai-orchestration", HealthStatus::Down, "restarting"});
  health.dependencies.push_back({"journal", HealthStatus::Healthy, ""});

  auto json = toJson(health);

  EXPECT_EQ(json, nlohmann::json::parse(R"({
    "status": "degraded",
    "reason": "dependency ai-orchestration is down",
    "dependencies": [
      {"name": "ai-orchestration", "status": "down", "reason": "restarting"},
      {"name": "journal", "status": "healthy"}
    ]})"));
  EXPECT_EQ(toJson(Health{}), nlohmann::json::parse(R"({"status":"healthy","dependencies":[]})"));
}

TEST(HealthJsonTest, RendersADependencysDetailsOnlyWhenItHasSome) {
  Health health;
  health.dependencies.push_back({"postgresql", HealthStatus::Healthy, "",
                                 {{"ping_ms", 0.4}, {"pool", {{"in_use", 1}, {"max", 4}}}}});
  health.dependencies.push_back({"sqlite", HealthStatus::Healthy, "", nlohmann::json::object()});
  health.dependencies.push_back({"journal", HealthStatus::Healthy, ""});

  auto json = toJson(health);

  EXPECT_EQ(json["dependencies"][0]["details"]["pool"]["max"], 4) << json.dump();
  EXPECT_DOUBLE_EQ(json["dependencies"][0]["details"]["ping_ms"].get<double>(), 0.4);
  EXPECT_FALSE(json["dependencies"][1].contains("details")) << "an empty object is left out";
  EXPECT_FALSE(json["dependencies"][2].contains("details")) << "as is none";
  // A remote service's /health keeps its details through the hub's probe.
  auto probed = healthFromHttpResponse(200, json.dump());
  ASSERT_EQ(probed.dependencies.size(), 3u);
  EXPECT_EQ(probed.dependencies[0].details, health.dependencies[0].details);
  EXPECT_TRUE(probed.dependencies[2].details.is_null());
}

TEST(HealthJsonTest, HttpStatusIs503OnlyWhenDown) {
  EXPECT_EQ(httpStatusFor(HealthStatus::Healthy), 200);
  EXPECT_EQ(httpStatusFor(HealthStatus::Degraded), 200);
  EXPECT_EQ(httpStatusFor(HealthStatus::Down), 503);
}

class HubJsonTest : public ::testing::Test, public HubFixture {};

TEST_F(HubJsonTest, RendersTheHubHealthAndTheRegistry) {
  HubConfig config;
  config.remote["remote-one"] = "10.1.1.1:8001";
  auto hub = makeHub(config);
  ASSERT_TRUE(addFake(*hub, "remote-one", {}));
  ASSERT_TRUE(addFake(*hub, "a", {"remote-one"}));
  ASSERT_TRUE(addFake(*hub, "idle", {}));
  ASSERT_TRUE(hub->start({"a"}));

  auto health = toJson(hub->health());
  EXPECT_EQ(health["status"], "healthy");
  EXPECT_FALSE(health.contains("reason"));
  ASSERT_EQ(health["services"].size(), 2u);
  EXPECT_EQ(health["services"][0]["name"], "a");
  EXPECT_EQ(health["services"][0]["location"], "local");
  EXPECT_EQ(health["services"][0]["state"], "running");
  EXPECT_EQ(health["services"][0]["critical"], true);
  EXPECT_EQ(health["services"][0]["dependencies"][0]["name"], "remote-one");
  EXPECT_EQ(health["services"][1]["location"], "10.1.1.1:8001");
  EXPECT_EQ(health["services"][1]["state"], "remote");

  auto registry = toJson(hub->services());
  ASSERT_EQ(registry.size(), 3u);
  EXPECT_EQ(registry[0]["name"], "remote-one");
  EXPECT_EQ(registry[1]["depends_on"], nlohmann::json::array({"remote-one"}));
  EXPECT_EQ(registry[1]["restarts"], 0);
  EXPECT_TRUE(registry[1]["last_error"].is_null());
  EXPECT_TRUE(registry[2]["location"].is_null());
  EXPECT_EQ(registry[2]["state"], "registered");
}

}  // namespace
}  // namespace ait::hub
