#include "ait/data/data_bridge.h"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "ait/data/synthetic.h"
#include "unit/data/wait.h"
#include "ait/model/time.h"

namespace ait::data {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

const fs::path kTicks =
    fs::path(AIT_SHARED_DATA_DIR) / "market/nautilus_trader/quote_tick_data.csv";

using test::waitFor;

class DataBridgeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    dir_ = fs::temp_directory_path() /
           ("ait-data-bridge-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(dir_);
    runtimeSettings_.journal.dataDir = dir_.string();
    runtimeSettings_.journal.fsync = false;
    runtimeSettings_.bus.queue_capacity = 4096;
    config_.data.synthetic.enabled = false;
    config_.data.index.ticks_per_symbol = 16384;
  }
  void TearDown() override { fs::remove_all(dir_); }

  nlohmann::json get(http::Router& router, const std::string& target, int status = 200) {
    auto request = http::Request::make(http::Method::Get, target);
    auto response = router.handle(request);
    EXPECT_EQ(response.status, status) << target << ": " << response.body;
    return nlohmann::json::parse(response.body);
  }

  fs::path dir_;
  engine::RuntimeSettings runtimeSettings_;
  config::Config config_;
};

TEST_F(DataBridgeTest, ReplaysAFileIntoTheJournalAndAnswersFromTheIndex) {
  config_.data.replay.enabled = true;
  config_.data.replay.file = kTicks.string();
  config_.data.replay.speed = 0.0;
  auto settings = dataBridgeSettings(config_);
  ASSERT_TRUE(settings) << settings.error().describe();
  {
    auto runtime = engine::Runtime::open(runtimeSettings_);
    ASSERT_TRUE(runtime) << runtime.error().describe();
    http::Router router;
    DataBridge bridge(*settings, **runtime, router);
    ASSERT_TRUE(bridge.start());
    ASSERT_TRUE((*runtime)->start());
    ASSERT_TRUE(waitFor([&] {
      return bridge.index().ticks(data::kPublicTenant, "EURUSD", 0, INT64_MAX, 20000).size() == 9500;
    }));
    auto status = get(router, "/api/v1/status");
    ASSERT_EQ(status["sources"].size(), 1U);
    const auto& replay = status["sources"][0];
    EXPECT_EQ(replay["name"], "replay");
    EXPECT_EQ(replay["ticks"], 9500);
    EXPECT_EQ(replay["rejected"], 0);
    EXPECT_EQ(replay["last_tick"], "2020-01-02T04:00:52.125Z");
    EXPECT_GT(replay["bars"].get<int>(), 300);  // 7 timeframes over 6 hours

    auto ticks = get(router,
                     "/api/v1/ticks?symbol=EURUSD&from=2020-01-01T22:00:10Z&to=2020-01-01T22:01:00Z"
                     "&limit=2");
    ASSERT_EQ(ticks["count"], 2);
    EXPECT_EQ(ticks["ticks"][0]["ts_event"], "2020-01-01T22:00:10.447Z");
    EXPECT_EQ(ticks["ticks"][0]["bid"], "1.12120");
    EXPECT_EQ(ticks["ticks"][1]["ts_event"], "2020-01-01T22:00:10.498Z");

    ASSERT_TRUE(waitFor([&] {
      auto bars = bridge.index().bars(data::kPublicTenant, "EURUSD", model::Timeframe{3600}, 0, INT64_MAX, 100);
      return bars && bars->size() == 7;  // 22:00 .. 04:00 UTC, the last closed at the end
    }));
    auto bars = get(router, "/api/v1/bars?symbol=EURUSD&timeframe=1h&from=2020-01-01T23:00:00Z");
    ASSERT_EQ(bars["count"], 6);
    EXPECT_EQ(bars["bars"][0]["start"], "2020-01-01T23:00:00Z");
    EXPECT_EQ(bars["bars"][0]["ts_event"], "2020-01-02T00:00:00Z");
    bridge.stop();
    (*runtime)->stop();
  }
  // A new process: the index comes back from the market data journal.
  config_.data.replay.enabled = false;
  auto again = dataBridgeSettings(config_);
  ASSERT_TRUE(again);
  auto runtime = engine::Runtime::open(runtimeSettings_);
  ASSERT_TRUE(runtime) << runtime.error().describe();
  http::Router router;
  DataBridge bridge(*again, **runtime, router);
  EXPECT_EQ(bridge.index().ticks(data::kPublicTenant, "EURUSD", 0, INT64_MAX, 20000).size(), 9500U);
  auto bars = bridge.index().bars(data::kPublicTenant, "EURUSD", model::Timeframe{3600}, 0, INT64_MAX, 100);
  ASSERT_TRUE(bars);
  EXPECT_EQ(bars->size(), 7U);
}

TEST_F(DataBridgeTest, RefusesBadQueriesNamingTheParameter) {
  auto settings = dataBridgeSettings(config_);
  ASSERT_TRUE(settings);
  auto runtime = engine::Runtime::open(runtimeSettings_);
  ASSERT_TRUE(runtime);
  http::Router router;
  DataBridge bridge(*settings, **runtime, router);
  EXPECT_EQ(get(router, "/api/v1/ticks", 400)["detail"], "symbol is required");
  EXPECT_EQ(get(router, "/api/v1/ticks?symbol=EURUSD&from=yesterday", 400)["detail"],
            "from: 'yesterday' is neither ISO 8601 nor integer ns");
  EXPECT_EQ(get(router, "/api/v1/ticks?symbol=EURUSD&limit=0", 400)["code"], "AIT-DATA-0005");
  EXPECT_EQ(get(router, "/api/v1/bars?symbol=EURUSD&timeframe=2m", 400)["detail"],
            "timeframe 2m is not built (data.bars.timeframes)");
  EXPECT_EQ(get(router, "/api/v1/ticks?symbol=NOPE")["count"], 0);
}

TEST_F(DataBridgeTest, SettingsNameEveryProblem) {
  config_.data.synthetic.enabled = true;
  config_.data.synthetic.symbols.push_back({"XAUUSD", 2000.0, 0.0001, 0.3, 5.0});
  config_.data.replay.enabled = true;
  config_.data.replay.timezone = "CET";
  auto settings = dataBridgeSettings(config_);
  ASSERT_FALSE(settings);
  const auto& message = settings.error().message();
  EXPECT_NE(message.find("data.synthetic.symbols: 'XAUUSD' is not in data.instruments"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("data.replay.timezone"), std::string::npos) << message;
  EXPECT_NE(message.find("data.replay.file is needed when enabled"), std::string::npos) << message;
}

TEST_F(DataBridgeTest, TheSyntheticFeedPublishesLiveTicks) {
  config_.data.synthetic.enabled = true;
  for (auto& s : config_.data.synthetic.symbols) s.ticks_per_second = 500.0;
  auto settings = dataBridgeSettings(config_);
  ASSERT_TRUE(settings) << settings.error().describe();
  auto runtime = engine::Runtime::open(runtimeSettings_);
  ASSERT_TRUE(runtime);
  http::Router router;
  DataBridge bridge(*settings, **runtime, router);
  ASSERT_TRUE(bridge.start());
  ASSERT_TRUE((*runtime)->start());
  ASSERT_TRUE(waitFor([&] {
    return bridge.index().ticks(data::kPublicTenant, "USDJPY", 0, INT64_MAX, 100).size() >= 20 &&
           bridge.index().ticks(data::kPublicTenant, "EURUSD", 0, INT64_MAX, 100).size() >= 20;
  }));
  bridge.stop();
  (*runtime)->stop();
  for (const auto& tick : bridge.index().ticks(data::kPublicTenant, "USDJPY", 0, INT64_MAX, 100)) {
    EXPECT_EQ(tick.bid.scale(), 3);
    EXPECT_EQ(tick.ask.mantissa() - tick.bid.mantissa(), 12);  // spread 0.012
    EXPECT_GT(tick.bid.toDouble(), 100.0);
  }
  EXPECT_EQ(bridge.status(data::kPublicTenant)["sources"][0]["name"], "synthetic");
  EXPECT_EQ(bridge.status(data::kPublicTenant)["sources"][0]["rejected"], 0);
}

TEST_F(DataBridgeTest, ALiveSourceReportsASilenceByTheClockOncePerSilence) {
  config_.data.synthetic.enabled = true;
  config_.data.synthetic.symbols.resize(1);  // EURUSD
  config_.data.synthetic.symbols[0].ticks_per_second = 2.0;  // silences of 500 ms
  config_.data.instruments[0].gap_threshold_ms = 150;
  config_.data.instruments[0].session = "24x7";
  auto settings = dataBridgeSettings(config_);
  ASSERT_TRUE(settings) << settings.error().describe();
  auto runtime = engine::Runtime::open(runtimeSettings_);
  ASSERT_TRUE(runtime);
  http::Router router;
  DataBridge bridge(*settings, **runtime, router);
  ASSERT_TRUE(bridge.start());
  ASSERT_TRUE((*runtime)->start());
  ASSERT_TRUE(waitFor([&] {
    return bridge.status(data::kPublicTenant)["sources"][0]["gaps"].get<int>() >= 3;
  }));
  bridge.stop();
  (*runtime)->stop();
  const auto source = bridge.status(data::kPublicTenant)["sources"][0];
  // The clock checks every 100 ms, yet each silence between two ticks is one gap at most.
  EXPECT_LE(source["gaps"].get<int>(), source["ticks"].get<int>());
  bool byClock = false;
  for (const auto& gap : source["recent_gaps"]) {
    EXPECT_EQ(gap["symbol"], "EURUSD");
    EXPECT_GT(gap["seconds"].get<double>(), 0.15);
    // Reported while the silence lasted, not by the tick 500 ms after the last one.
    byClock = byClock || gap["seconds"].get<double>() < 0.45;
  }
  EXPECT_TRUE(byClock) << source.dump();
}

TEST(SyntheticMarket, IsARepeatableWalkWithTheConfiguredSpread) {
  config::SyntheticFeedConfig config;
  SyntheticMarket a(config, 42), b(config, 42), c(config, 43);
  double first = 0.0;
  bool differs = false;
  for (int i = 0; i < 100; ++i) {
    auto qa = a.next(0, 1000 + i);
    auto qb = b.next(0, 1000 + i);
    auto qc = c.next(0, 1000 + i);
    EXPECT_DOUBLE_EQ(qa.bid, qb.bid);
    EXPECT_DOUBLE_EQ(qa.volume, qb.volume);
    EXPECT_NEAR(qa.ask - qa.bid, 0.0001, 1e-12);
    EXPECT_GE(qa.volume, 0.0);
    EXPECT_EQ(qa.sourceTime, 1000 + i);
    differs = differs || qa.bid != qc.bid;
    if (i == 0) first = qa.bid;
  }
  EXPECT_TRUE(differs);
  EXPECT_NEAR(first, 1.085 - 0.00005, 0.001);
  EXPECT_EQ(a.intervalNs(0), 100'000'000);
}

}  // namespace
}  // namespace ait::data
