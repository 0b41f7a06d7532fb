// Backtest jobs: data names stay inside the data directory, tenants see only their own jobs,
// progress shows while a job runs, results survive a restart, a bad strategy fails the job with
// its error, and a full queue is refused. Real bars (backtesting.py's hourly EURUSD) throughout.
#include "ait/analytics/backtests.h"

#include <cmath>
#include <fstream>
#include <mutex>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ait/trading/backtest.h"
#include "unit/journal/journal_test_util.h"

namespace ait::analytics {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

const fs::path kEurusd = fs::path(AIT_SHARED_DATA_DIR) / "market/backtesting.py/EURUSD.csv";
constexpr std::string_view kSmaCross = "[strategy]\nkind = \"sma_cross\"\nfast = 10\nslow = 30\n";
constexpr model::TenantId kTenant{7};
constexpr model::TenantId kOther{8};

class BacktestJobsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dataDir() / "fx");
    fs::copy_file(kEurusd, dataDir() / "fx" / "EURUSD.csv");
    std::ofstream(dir_.path() / "outside.csv") << "date,open,high,low,close\n";
    settings_.dataDir = dataDir();
    settings_.resultsDir = dir_.path() / "results";
  }
  fs::path dataDir() const { return dir_.path() / "data"; }

  std::unique_ptr<BacktestJobs> open() {
    auto jobs = BacktestJobs::open(settings_);
    EXPECT_TRUE(jobs) << jobs.error().describe();
    if (jobs) (*jobs)->addRoutes(router_);
    return jobs ? std::move(*jobs) : nullptr;
  }
  http::Response call(http::Method method, const std::string& target, model::TenantId tenant,
                      std::string body = {}) {
    auto request = http::Request::make(method, target, std::move(body));
    request.caller = http::Caller{.tenant = tenant.value, .userId = 1, .role = "trader"};
    return router_.handle(request);
  }
  static std::string submitBody(std::string_view data, std::string_view strategy = kSmaCross) {
    return Json{{"data", data}, {"strategy", strategy}}.dump();
  }

  journal::testing::TempDir dir_;
  BacktestSettings settings_;
  http::Router router_;
};

TEST_F(BacktestJobsTest, RefusesDataNamesThatLeaveTheDataDirectory) {
  fs::create_symlink(dir_.path() / "outside.csv", dataDir() / "link.csv");
  auto jobs = open();
  ASSERT_TRUE(jobs);
  auto ok = jobs->resolveData("fx/EURUSD.csv");
  ASSERT_TRUE(ok) << ok.error().describe();
  EXPECT_EQ(*ok, fs::canonical(dataDir() / "fx/EURUSD.csv"));

  const std::vector<std::pair<std::string, std::string>> refused = {
      {(dir_.path() / "outside.csv").string(), "absolute paths are refused"},
      {"../outside.csv", "'..' is refused"},
      {"fx/../../outside.csv", "'..' is refused"},
      {"link.csv", "leads outside the data directory"},
      {"fx/missing.csv", "no such file"},
      {"", "is empty"},
  };
  for (const auto& [name, why] : refused) {
    auto answer = call(http::Method::Post, "/api/v1/backtests", kTenant, submitBody(name));
    EXPECT_EQ(answer.status, 400) << name;
    EXPECT_NE(answer.body.find("AIT-ANL-0004"), std::string::npos) << answer.body;
    EXPECT_NE(answer.body.find(why), std::string::npos) << name << ": " << answer.body;
  }
  EXPECT_TRUE(jobs->list(kTenant).empty()) << "a refused request leaves no job";
  // The file list offers only what a job may name.
  EXPECT_EQ(jobs->dataFiles(), std::vector<std::string>{"fx/EURUSD.csv"});

  for (const char* body : {"", "[]", R"({"data": "fx/EURUSD.csv"})", R"({"data": 1, "strategy": "x"})",
                           R"({"data": "fx/EURUSD.csv", "strategy": "x", "cash": -5})",
                           R"({"data": "fx/EURUSD.csv", "strategy": "x", "from": "yesterday"})"}) {
    auto answer = call(http::Method::Post, "/api/v1/backtests", kTenant, body);
    EXPECT_EQ(answer.status, 400) << body;
    EXPECT_NE(answer.body.find("AIT-ANL-0004"), std::string::npos) << answer.body;
  }
}

TEST_F(BacktestJobsTest, AnotherTenantsJobIs404) {
  auto jobs = open();
  ASSERT_TRUE(jobs);
  jobs->start();
  auto submitted = call(http::Method::Post, "/api/v1/backtests", kTenant, submitBody("fx/EURUSD.csv"));
  ASSERT_EQ(submitted.status, 202) << submitted.body;
  const std::string id = Json::parse(submitted.body)["id"];
  ASSERT_TRUE(jobs->waitIdle(std::chrono::seconds(30)));

  EXPECT_EQ(call(http::Method::Get, "/api/v1/backtests/" + id, kTenant).status, 200);
  EXPECT_EQ(call(http::Method::Get, "/api/v1/backtests/" + id + "/report", kTenant).status, 200);
  for (const auto& target : {"/api/v1/backtests/" + id, "/api/v1/backtests/" + id + "/report"}) {
    auto answer = call(http::Method::Get, target, kOther);
    EXPECT_EQ(answer.status, 404) << target;
    EXPECT_NE(answer.body.find("AIT-ANL-0006"), std::string::npos) << answer.body;
  }
  auto mine = Json::parse(call(http::Method::Get, "/api/v1/backtests", kTenant).body);
  auto theirs = Json::parse(call(http::Method::Get, "/api/v1/backtests", kOther).body);
  ASSERT_EQ(mine["backtests"].size(), 1U);
  EXPECT_EQ(mine["backtests"][0]["id"], id);
  EXPECT_TRUE(theirs["backtests"].empty()) << theirs.dump();
  // Without a verified caller there is no tenant to act for.
  auto bare = http::Request::make(http::Method::Get, "/api/v1/backtests");
  bare.headers.emplace_back("X-Tenant-Id", "7");
  EXPECT_EQ(router_.handle(bare).status, 401);
}

TEST_F(BacktestJobsTest, ShowsProgressWhileRunningThenTheStatistics) {
  std::mutex seenMutex;
  std::vector<std::pair<double, Json>> seen;  // progress reported, the job as the API showed it then
  BacktestJobs* self = nullptr;
  settings_.onProgress = [&](std::string_view id, double done) {
    auto job = self->find(kTenant, id);
    std::lock_guard lock(seenMutex);
    seen.emplace_back(done, job ? toJson(*job) : Json());
  };
  auto jobs = open();
  ASSERT_TRUE(jobs);
  self = jobs.get();
  jobs->start();
  auto submitted = call(http::Method::Post, "/api/v1/backtests", kTenant, submitBody("fx/EURUSD.csv"));
  ASSERT_EQ(submitted.status, 202) << submitted.body;
  auto created = Json::parse(submitted.body);
  EXPECT_EQ(created["state"], "queued");
  EXPECT_EQ(submitted.header("Location"), "/api/v1/backtests/" + created["id"].get<std::string>());
  ASSERT_TRUE(jobs->waitIdle(std::chrono::seconds(30)));

  std::lock_guard lock(seenMutex);
  ASSERT_GE(seen.size(), 3U) << "progress is reported in steps";
  double last = -1;
  for (const auto& [done, job] : seen) {
    EXPECT_GE(done, last);
    last = done;
    if (done < 1.0) {
      EXPECT_EQ(job["state"], "running") << job.dump();
      EXPECT_DOUBLE_EQ(job["progress"].get<double>(), done);
    }
  }
  EXPECT_DOUBLE_EQ(last, 1.0);

  auto job = Json::parse(call(http::Method::Get, "/api/v1/backtests/" + created["id"].get<std::string>(), kTenant).body);
  EXPECT_EQ(job["state"], "done") << job.dump();
  EXPECT_DOUBLE_EQ(job["progress"].get<double>(), 1.0);
  // The same figures as running the backtest directly.
  auto series = trading::loadBars(kEurusd.string());
  ASSERT_TRUE(series);
  auto strategy = trading::StrategyConfig::fromToml(kSmaCross, "s.toml");
  ASSERT_TRUE(strategy);
  auto direct = trading::runBacktest(*series, *strategy, settings_.defaultCash);
  ASSERT_TRUE(direct);
  EXPECT_EQ(job["statistics"]["trades"], direct->stats.trades);
  EXPECT_NEAR(job["statistics"]["total_return_pct"].get<double>(), direct->stats.totalReturnPct, 1e-9);
  EXPECT_NEAR(job["statistics"]["final_equity"].get<double>(), direct->stats.finalEquity, 1e-6);
  EXPECT_GT(direct->stats.trades, 0U);

  auto report = call(http::Method::Get, job["report"].get<std::string>(), kTenant);
  EXPECT_EQ(report.status, 200);
  EXPECT_EQ(report.contentType, "text/html; charset=utf-8");
  EXPECT_NE(report.body.find("<svg"), std::string::npos);
}

TEST_F(BacktestJobsTest, FinishedJobsSurviveARestartAndUnfinishedOnesSaySo) {
  std::string done, waiting;
  Json before;
  {
    auto jobs = open();
    ASSERT_TRUE(jobs);
    jobs->start();
    auto a = jobs->submit(kTenant, {.data = "fx/EURUSD.csv", .strategy = std::string(kSmaCross)});
    ASSERT_TRUE(a) << a.error().describe();
    done = a->id;
    ASSERT_TRUE(jobs->waitIdle(std::chrono::seconds(30)));
    before = toJson(*jobs->find(kTenant, done));
    ASSERT_EQ(before["state"], "done");
    jobs->stop();
    // Queued while no worker runs: the restart below must not leave it queued for ever.
    auto b = jobs->submit(kTenant, {.data = "fx/EURUSD.csv", .strategy = std::string(kSmaCross)});
    ASSERT_TRUE(b);
    waiting = b->id;
  }
  EXPECT_TRUE(fs::exists(settings_.resultsDir / "7" / done / "result.json"));
  EXPECT_TRUE(fs::exists(settings_.resultsDir / "7" / done / "report.html"));

  router_ = http::Router();
  auto jobs = open();
  ASSERT_TRUE(jobs);
  auto again = jobs->find(kTenant, done);
  ASSERT_TRUE(again);
  EXPECT_EQ(toJson(*again), before);
  EXPECT_EQ(call(http::Method::Get, "/api/v1/backtests/" + done + "/report", kTenant).status, 200);
  EXPECT_FALSE(jobs->find(kOther, done)) << "still the tenant's own";
  auto interrupted = jobs->find(kTenant, waiting);
  ASSERT_TRUE(interrupted);
  EXPECT_EQ(interrupted->state, JobState::Failed);
  EXPECT_NE(interrupted->error.find("interrupted by a restart"), std::string::npos);
  EXPECT_EQ(jobs->list(kTenant).size(), 2U);
}

TEST_F(BacktestJobsTest, ABadStrategyOrDataFileFailsTheJobWithTheError) {
  std::ofstream(dataDir() / "broken.csv") << "date,open,high,low,close\n2020-01-01,1.1,1.2,oops,1.15\n";
  auto jobs = open();
  ASSERT_TRUE(jobs);
  jobs->start();
  auto badStrategy = jobs->submit(kTenant, {.data = "fx/EURUSD.csv",
                                            .strategy = "[strategy]\nkind = \"sma\"\nfast = 30\nslow = 20\n"});
  auto badData = jobs->submit(kTenant, {.data = "broken.csv", .strategy = std::string(kSmaCross)});
  ASSERT_TRUE(badStrategy && badData);
  ASSERT_TRUE(jobs->waitIdle(std::chrono::seconds(30)));

  auto job = Json::parse(call(http::Method::Get, "/api/v1/backtests/" + badStrategy->id, kTenant).body);
  EXPECT_EQ(job["state"], "failed");
  const std::string why = job["error"];
  EXPECT_NE(why.find("strategy.kind 'sma'"), std::string::npos) << why;
  EXPECT_NE(why.find("strategy.fast (30) must be below strategy.slow (20)"), std::string::npos) << why;
  EXPECT_FALSE(job.contains("statistics"));
  EXPECT_EQ(call(http::Method::Get, "/api/v1/backtests/" + badStrategy->id + "/report", kTenant).status, 409);

  auto data = jobs->find(kTenant, badData->id);
  ASSERT_TRUE(data);
  EXPECT_EQ(data->state, JobState::Failed);
  EXPECT_NE(data->error.find("broken.csv"), std::string::npos) << data->error;
}

TEST_F(BacktestJobsTest, AFullQueueIsRefusedWith429) {
  settings_.maxQueued = 2;
  auto jobs = open();
  ASSERT_TRUE(jobs);
  // No worker yet: everything submitted waits.
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(call(http::Method::Post, "/api/v1/backtests", kTenant, submitBody("fx/EURUSD.csv")).status, 202);
  }
  auto full = call(http::Method::Post, "/api/v1/backtests", kOther, submitBody("fx/EURUSD.csv"));
  EXPECT_EQ(full.status, 429);
  EXPECT_NE(full.body.find("AIT-ANL-0005"), std::string::npos) << full.body;
  EXPECT_TRUE(full.header("Retry-After").has_value());
  EXPECT_TRUE(jobs->list(kOther).empty());

  jobs->start();
  ASSERT_TRUE(jobs->waitIdle(std::chrono::seconds(30)));
  for (const auto& job : jobs->list(kTenant)) EXPECT_EQ(job.state, JobState::Done) << job.error;
  EXPECT_EQ(call(http::Method::Post, "/api/v1/backtests", kOther, submitBody("fx/EURUSD.csv")).status, 202);
}

}  // namespace
}  // namespace ait::analytics
