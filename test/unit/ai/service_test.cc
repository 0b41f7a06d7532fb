// The ai-orchestration service through its REST routes (called in-process through the router):
// list, load, swap, a failed load that keeps the old model serving, unload, decision history.

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ait/ai/service.h"
#include "ait/http/caller.h"
#include "ait/http/message.h"
#include "ait/http/router.h"

namespace ait::ai {
namespace {

namespace fs = std::filesystem;

class AiServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ait-ai-service-" + std::to_string(::getpid()));
    fs::create_directories(dir_ / "lin");
    write("lin/params.json", R"({"intercept": 0.0, "coefficients": [0.01]})");
    writeManifest("1");
    AiServiceConfig config;
    config.features = "close,rsi:3";
    config.modelsDir = dir_.string();
    config.models = {"lin/manifest.json"};
    config.watchIntervalMs = watchIntervalMs_;
    auto service = AiService::create(config, clock_, metrics_);
    ASSERT_TRUE(service) << service.error().describe();
    service_ = std::move(*service);
    service_->addRoutes(router_);
    ASSERT_TRUE(router_.check());
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write(const std::string& name, const std::string& text) { std::ofstream(dir_ / name) << text; }
  void writeManifest(const std::string& version) {
    write("lin/manifest.json", nlohmann::json{{"name", "lin"}, {"version", version},
                                              {"kind", "linear"}, {"file", "params.json"},
                                              {"features", {"rsi_3"}}, {"output", "score"}}
                                   .dump());
  }
  // As the gateway calls the service in process: with the verified caller attached.
  http::Response call(http::Method method, const std::string& target, std::string body = {}) {
    auto request = http::Request::make(method, target, std::move(body));
    request.caller = http::Caller{.tenant = 3, .userId = 1, .role = "admin"};
    return router_.handle(request);
  }
  nlohmann::json json(const http::Response& r) { return nlohmann::json::parse(r.body); }

  FakeClock clock_;
  metrics::Registry metrics_;
  std::int64_t watchIntervalMs_ = 0;  // checkForChanges() is called by the tests
  fs::path dir_;
  std::unique_ptr<AiService> service_;
  http::Router router_;
};

TEST_F(AiServiceTest, LoadsConfiguredModelsAtStartAndDecidesOnBars) {
  EXPECT_EQ(service_->health().status, hub::HealthStatus::Down);
  ASSERT_TRUE(service_->start());
  EXPECT_EQ(service_->health().status, hub::HealthStatus::Healthy);
  auto models = json(call(http::Method::Get, "/api/v1/models"));
  ASSERT_EQ(models["models"].size(), 1u);
  EXPECT_EQ(models["models"][0]["version"], "1");
  EXPECT_EQ(models["models"][0]["sha256"].get<std::string>().size(), 64u);

  // Rising closes: RSI 100 -> score 1 -> strong buy once the RSI is ready.
  for (int i = 0; i < 5; ++i) {
    const Decision* d = service_->onBar(Bar{i, 1, 1, 1, 100.0 + i, 0});
    EXPECT_EQ(d != nullptr, i >= 3) << "RSI(3) is ready from the fourth bar";
  }
  auto history = json(call(http::Method::Get, "/api/v1/decisions?limit=2"));
  ASSERT_EQ(history["decisions"].size(), 2u);
  EXPECT_EQ(history["decisions"][0]["ts_ns"], 4) << history.dump();
  EXPECT_EQ(history["decisions"][0]["signal"], "strong_buy");
  EXPECT_EQ(history["decisions"][0]["models"][0]["name"], "lin");
  EXPECT_EQ(history["decisions"][0]["models"][0]["version"], "1");
  EXPECT_EQ(json(call(http::Method::Get, "/api/v1/ai/stats"))["decisions"], 2);
  EXPECT_EQ(call(http::Method::Get, "/api/v1/decisions?limit=x").status, 400);
  // A tenant named by the client is not a caller: refused.
  auto bare = http::Request::make(http::Method::Get, "/api/v1/decisions", "");
  bare.headers.emplace_back("X-Tenant-Id", "3");
  EXPECT_EQ(router_.handle(bare).status, 401);

  service_->stop();
  EXPECT_EQ(service_->onBar(Bar{5, 1, 1, 1, 105.0, 0}), nullptr) << "a stopped service decides nothing";
  EXPECT_EQ(service_->engine().decisions(), 2u);
}

TEST_F(AiServiceTest, SwapsOnRequestAndKeepsTheOldModelWhenALoadFails) {
  ASSERT_TRUE(service_->start());
  writeManifest("2");
  auto swapped = call(http::Method::Post, "/api/v1/models", R"({"manifest": "lin/manifest.json"})");
  ASSERT_EQ(swapped.status, 200) << swapped.body;
  EXPECT_EQ(json(call(http::Method::Get, "/api/v1/models/lin"))["version"], "2");

  writeManifest("3");
  write("lin/params.json", R"({"coefficients": "broken"})");
  auto failed = call(http::Method::Post, "/api/v1/models", R"({"manifest": "lin/manifest.json"})");
  EXPECT_EQ(failed.status, 422);
  EXPECT_NE(failed.body.find("coefficients"), std::string::npos);
  EXPECT_EQ(json(call(http::Method::Get, "/api/v1/models/lin"))["version"], "2");

  EXPECT_EQ(call(http::Method::Post, "/api/v1/models", R"({"manifest": "../../etc/passwd"})").status,
            400);
  EXPECT_EQ(call(http::Method::Post, "/api/v1/models", "not json").status, 400);

  EXPECT_EQ(call(http::Method::Delete, "/api/v1/models/lin").status, 200);
  EXPECT_EQ(call(http::Method::Delete, "/api/v1/models/lin").status, 404);
  EXPECT_EQ(call(http::Method::Get, "/api/v1/models/lin").status, 404);
  EXPECT_EQ(service_->health().status, hub::HealthStatus::Degraded);
}

TEST_F(AiServiceTest, ReloadsAChangedModelFileAndKeepsServingWhenTheNewOneIsBad) {
  ASSERT_TRUE(service_->start());
  auto valueNow = [&] {
    // The linear model reads rsi_3 (column 1): value = coefficient * rsi.
    std::vector<double> row{1.0, 50.0};
    return service_->engine().decide(row, 0).models[0].value;
  };
  EXPECT_DOUBLE_EQ(valueNow(), 0.5);
  EXPECT_EQ(service_->checkForChanges(), 0u) << "nothing changed";

  write("lin/params.json", R"({"intercept": 0.0, "coefficients": [0.015]})");
  EXPECT_EQ(service_->checkForChanges(), 1u);
  EXPECT_DOUBLE_EQ(valueNow(), 0.75);
  auto sha = json(call(http::Method::Get, "/api/v1/models/lin"))["sha256"];

  // A broken file: the load fails, the previous model keeps serving, and it is not retried
  // until the file changes again.
  write("lin/params.json", R"({"intercept": 0.0, "coefficients": "oops"})");
  EXPECT_EQ(service_->checkForChanges(), 0u);
  EXPECT_DOUBLE_EQ(valueNow(), 0.75);
  EXPECT_EQ(json(call(http::Method::Get, "/api/v1/models/lin"))["sha256"], sha);
  EXPECT_EQ(metrics_.counter("ait_ai_model_load_failures_total", "").value(), 1u);
  EXPECT_EQ(service_->checkForChanges(), 0u);
  EXPECT_EQ(metrics_.counter("ait_ai_model_load_failures_total", "").value(), 1u);

  // A manifest change (new version) is picked up too. Every write here changes a file's size,
  // so the test does not depend on the file system's time resolution.
  write("lin/params.json", R"({"intercept": 0.0, "coefficients": [0.02]})");
  writeManifest("7");
  EXPECT_EQ(service_->checkForChanges(), 1u);
  EXPECT_EQ(json(call(http::Method::Get, "/api/v1/models/lin"))["version"], "7");
  EXPECT_DOUBLE_EQ(valueNow(), 1.0);

  // An unloaded model is no longer watched.
  ASSERT_TRUE(service_->unloadModel("lin"));
  write("lin/params.json", R"({"intercept": 0.0, "coefficients": [0.03]})");
  EXPECT_EQ(service_->checkForChanges(), 0u);
  EXPECT_EQ(call(http::Method::Get, "/api/v1/models/lin").status, 404);
}

class AiServiceWatchTest : public AiServiceTest {
 protected:
  void SetUp() override {
    watchIntervalMs_ = 5;
    AiServiceTest::SetUp();
  }
};

TEST_F(AiServiceWatchTest, TheWatcherThreadReloadsWithoutBeingAsked) {
  ASSERT_TRUE(service_->start());
  writeManifest("88");  // a different size: no reliance on the file system's time resolution
  // Waits for the watcher (a deadline, not a timing assertion).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  // The new version becomes visible just before the reload is counted: wait for both.
  while (json(call(http::Method::Get, "/api/v1/models/lin"))["version"] != "88" ||
         metrics_.counter("ait_ai_model_reloads_total", "").value() < 1u) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the watcher never reloaded";
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  EXPECT_GE(metrics_.counter("ait_ai_model_reloads_total", "").value(), 1u);
  service_->stop();
}

TEST_F(AiServiceTest, AConfiguredModelThatFailsToLoadDegradesTheService) {
  write("lin/params.json", "{");
  ASSERT_TRUE(service_->start());
  auto health = service_->health();
  EXPECT_EQ(health.status, hub::HealthStatus::Degraded);
  EXPECT_NE(health.reason.find("lin/manifest.json"), std::string::npos) << health.reason;
}

TEST(AiServiceCreate, RejectsABadFeatureSpec) {
  FakeClock clock;
  metrics::Registry metrics;
  AiServiceConfig config;
  config.features = "sma:x";
  auto service = AiService::create(config, clock, metrics);
  ASSERT_FALSE(service);
  EXPECT_NE(service.error().message().find("sma:x"), std::string::npos);
}

}  // namespace
}  // namespace ait::ai
