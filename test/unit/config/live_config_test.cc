// LiveConfig: reloads apply the reloadable settings, refuse bad sources, report restart-only
// changes; the watcher reloads on file changes.

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ait/config/errors.h"
#include "ait/config/live_config.h"
#include "config_test_util.h"

namespace ait::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::findProblem;
using testing::ScratchDir;

class LiveConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    site_ = dir_.write("site.toml", "[risk]\nmax_open_positions = 5\n");
    options_ = LoadOptions{dir_.path(), site_, {}};
    auto loaded = loadConfig(options_);
    ASSERT_TRUE(loaded.has_value()) << formatProblems(loaded.error());
    live_ = std::make_unique<LiveConfig>(options_, *loaded);
  }

  void writeSite(std::string_view text) { dir_.write("site.toml", text); }

  ScratchDir dir_;
  std::filesystem::path site_;
  LoadOptions options_;
  std::unique_ptr<LiveConfig> live_;
};

TEST_F(LiveConfigTest, ReloadAppliesRiskChangeAndNotifiesOnlyRiskSubscribers) {
  std::vector<int> seenByRisk;
  int logCalls = 0;
  live_->subscribe(Concern::Risk, [&](const std::shared_ptr<const Config>& c) {
    seenByRisk.push_back(c->risk.max_open_positions);
  });
  live_->subscribe(Concern::Log, [&](const std::shared_ptr<const Config>&) { ++logCalls; });

  writeSite("[risk]\nmax_open_positions = 7\n");
  ReloadResult result = live_->reload();

  EXPECT_EQ(result.status, ReloadResult::Status::Applied);
  EXPECT_THAT(result.applied, ElementsAre("risk.max_open_positions"));
  EXPECT_TRUE(result.problems.empty());
  EXPECT_TRUE(result.restartRequired.empty());
  EXPECT_THAT(seenByRisk, ElementsAre(7));
  EXPECT_EQ(logCalls, 0);
  EXPECT_EQ(live_->current()->risk.max_open_positions, 7);
}

TEST_F(LiveConfigTest, ReloadAppliesLogLevelsAndRateLimits) {
  int logCalls = 0;
  int rateCalls = 0;
  live_->subscribe(Concern::Log, [&](const std::shared_ptr<const Config>&) { ++logCalls; });
  live_->subscribe(Concern::RateLimits, [&](const std::shared_ptr<const Config>&) { ++rateCalls; });

  writeSite("[log]\nlevel = \"debug\"\n[log.components]\nhub = \"trace\"\n"
            "[rate_limits.tenant]\nburst = 50\n");
  ReloadResult result = live_->reload();

  ASSERT_EQ(result.status, ReloadResult::Status::Applied);
  EXPECT_THAT(result.applied,
              ElementsAre("log.components.hub", "log.level", "rate_limits.tenant.burst"));
  auto now = live_->current();
  EXPECT_EQ(now->log.level, LogLevel::Debug);
  EXPECT_EQ(now->log.components.at("hub"), LogLevel::Trace);
  EXPECT_EQ(now->rate_limits.tenant.burst, 50);
  EXPECT_EQ(logCalls, 1);  // once per reload, however many log settings changed
  EXPECT_EQ(rateCalls, 1);
}

TEST_F(LiveConfigTest, ReloadWithBadFileKeepsTheOldConfigAndSaysWhy) {
  auto before = live_->current();
  int calls = 0;
  live_->subscribe(Concern::Risk, [&](const std::shared_ptr<const Config>&) { ++calls; });

  writeSite("[risk]\nmax_open_positions = 9\nmax_daily_loss_pct = 250\n");
  ReloadResult result = live_->reload();

  EXPECT_EQ(result.status, ReloadResult::Status::Rejected);
  ASSERT_EQ(result.problems.size(), 1u);
  EXPECT_EQ(formatProblem(result.problems[0]),
            site_.string() + ":3: risk.max_daily_loss_pct: must be between 0 and 100, got 250");
  EXPECT_TRUE(result.applied.empty());
  EXPECT_EQ(live_->current(), before);  // the very same snapshot
  EXPECT_EQ(calls, 0);
}

TEST_F(LiveConfigTest, ReloadWithUnparsableFileKeepsTheOldConfig) {
  auto before = live_->current();
  writeSite("[risk\nmax_open_positions = 9\n");
  ReloadResult result = live_->reload();
  EXPECT_EQ(result.status, ReloadResult::Status::Rejected);
  ASSERT_EQ(result.problems.size(), 1u);
  EXPECT_EQ(result.problems[0].code, &kSyntax);
  EXPECT_EQ(live_->current(), before);
}

TEST_F(LiveConfigTest, NonReloadableChangeIsReportedAndNotApplied) {
  writeSite("[risk]\nmax_open_positions = 6\n[server]\nio_threads = 4\n");
  ReloadResult result = live_->reload();

  EXPECT_EQ(result.status, ReloadResult::Status::Applied);
  EXPECT_THAT(result.applied, ElementsAre("risk.max_open_positions"));
  ASSERT_EQ(result.restartRequired.size(), 1u);
  EXPECT_EQ(result.restartRequired[0].key, "server.io_threads");
  EXPECT_EQ(result.restartRequired[0].reason,
            "changed from 2 to 4; requires a restart, not applied");
  EXPECT_EQ(result.restartRequired[0].code, &kRestartRequired);
  EXPECT_EQ(live_->current()->server.io_threads, 2);
  EXPECT_EQ(live_->current()->risk.max_open_positions, 6);
}

TEST_F(LiveConfigTest, OnlyNonReloadableChangesLeaveTheSnapshotAlone) {
  auto before = live_->current();
  writeSite("[risk]\nmax_open_positions = 5\n[services.trading_engine]\nport = 9007\n"
            "[auth]\njwt_secret = \"0123456789abcdef0123456789abcdef\"\n");
  ReloadResult result = live_->reload();

  EXPECT_EQ(result.status, ReloadResult::Status::Unchanged);
  EXPECT_EQ(result.restartRequired.size(), 2u);
  const Problem* secret = findProblem(result.restartRequired, "auth.jwt_secret");
  ASSERT_NE(secret, nullptr);
  EXPECT_EQ(secret->reason, "changed from \"\" to \"***\"; requires a restart, not applied");
  EXPECT_NE(findProblem(result.restartRequired, "services.trading_engine.port"), nullptr);
  EXPECT_EQ(live_->current(), before);
}

TEST_F(LiveConfigTest, ReloadWithoutChangesIsUnchanged) {
  auto before = live_->current();
  ReloadResult result = live_->reload();
  EXPECT_EQ(result.status, ReloadResult::Status::Unchanged);
  EXPECT_TRUE(result.applied.empty());
  EXPECT_TRUE(result.restartRequired.empty());
  EXPECT_EQ(live_->current(), before);
}

TEST_F(LiveConfigTest, ReaderKeepsItsSnapshotAcrossAReload) {
  std::shared_ptr<const Config> held = live_->current();
  writeSite("[risk]\nmax_open_positions = 8\n");
  ASSERT_EQ(live_->reload().status, ReloadResult::Status::Applied);
  EXPECT_EQ(held->risk.max_open_positions, 5);
  EXPECT_EQ(live_->current()->risk.max_open_positions, 8);
}

TEST_F(LiveConfigTest, UnsubscribedListenerIsNotCalled) {
  int calls = 0;
  auto id = live_->subscribe(Concern::Risk, [&](const std::shared_ptr<const Config>&) { ++calls; });
  live_->unsubscribe(id);
  writeSite("[risk]\nmax_open_positions = 8\n");
  ASSERT_EQ(live_->reload().status, ReloadResult::Status::Applied);
  EXPECT_EQ(calls, 0);
}

TEST_F(LiveConfigTest, ListenerThatThrowsDoesNotStopTheOthers) {
  int calls = 0;
  live_->subscribe(Concern::Risk,
                   [](const std::shared_ptr<const Config>&) { throw std::runtime_error("boom"); });
  live_->subscribe(Concern::Risk, [&](const std::shared_ptr<const Config>&) { ++calls; });
  writeSite("[risk]\nmax_open_positions = 8\n");
  EXPECT_EQ(live_->reload().status, ReloadResult::Status::Applied);
  EXPECT_EQ(calls, 1);
}

TEST_F(LiveConfigTest, ListenerMayUnsubscribeItself) {
  int calls = 0;
  LiveConfig::SubscriptionId id = 0;
  id = live_->subscribe(Concern::Risk, [&](const std::shared_ptr<const Config>&) {
    ++calls;
    live_->unsubscribe(id);
  });
  writeSite("[risk]\nmax_open_positions = 8\n");
  live_->reload();
  writeSite("[risk]\nmax_open_positions = 9\n");
  live_->reload();
  EXPECT_EQ(calls, 1);
}

TEST_F(LiveConfigTest, EnvironmentOverridesStillWinAfterReload) {
  options_.environment = {{"AIT_RISK__MAX_OPEN_POSITIONS", "3"}};
  auto loaded = loadConfig(options_);
  ASSERT_TRUE(loaded.has_value());
  LiveConfig live(options_, *loaded);
  writeSite("[risk]\nmax_open_positions = 8\nmin_confidence = 0.9\n");
  ReloadResult result = live.reload();
  EXPECT_THAT(result.applied, ElementsAre("risk.min_confidence"));
  EXPECT_EQ(live.current()->risk.max_open_positions, 3);
}

TEST_F(LiveConfigTest, ReadersSeeWholeSnapshotsWhileReloading) {
  auto writePaired = [&](int n) {
    writeSite(fmt::format("[risk]\nmax_open_positions = {}\n[rate_limits.tenant]\nburst = {}\n", n,
                          n + 100));
  };
  writePaired(0);
  ASSERT_EQ(live_->reload().status, ReloadResult::Status::Applied);
  std::atomic<bool> stop{false};
  std::atomic<int> torn{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 2; ++i) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        auto c = live_->current();
        if (c->risk.max_open_positions + 100 != c->rate_limits.tenant.burst) torn.fetch_add(1);
        std::this_thread::yield();  // leave the reloading thread a core on a small machine
      }
    });
  }
  for (int n = 1; n <= 10; ++n) {
    writePaired(n);
    EXPECT_EQ(live_->reload().status, ReloadResult::Status::Applied);
  }
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(torn.load(), 0);
  EXPECT_EQ(live_->current()->risk.max_open_positions, 10);
}

class WatcherTest : public LiveConfigTest {
 protected:
  // Waits for a reload ending in `status`, skipping others (a file seen half-written is
  // rejected first); the bound only turns a hang into a failure.
  std::optional<ReloadResult> waitFor(ReloadResult::Status status) {
    std::unique_lock lock(mutex_);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (true) {
      for (auto it = results_.begin(); it != results_.end(); ++it) {
        if (it->status == status) {
          ReloadResult r = *it;
          results_.erase(results_.begin(), it + 1);
          return r;
        }
      }
      if (cv_.wait_until(lock, deadline) == std::cv_status::timeout) return std::nullopt;
    }
  }
  ConfigWatcher::Callback callback() {
    return [this](const ReloadResult& r) {
      std::lock_guard lock(mutex_);
      results_.push_back(r);
      cv_.notify_all();
    };
  }

  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<ReloadResult> results_;
};

TEST_F(WatcherTest, FileChangeTriggersAReload) {
  ConfigWatcher watcher(*live_, std::chrono::milliseconds(5), callback());
  writeSite("[risk]\nmax_open_positions = 11\n");
  auto result = waitFor(ReloadResult::Status::Applied);
  ASSERT_TRUE(result.has_value()) << "the watcher did not reload";
  EXPECT_THAT(result->applied, ElementsAre("risk.max_open_positions"));
  EXPECT_EQ(live_->current()->risk.max_open_positions, 11);
}

TEST_F(WatcherTest, BrokenFileIsReportedAndAFixedOneApplied) {
  ConfigWatcher watcher(*live_, std::chrono::milliseconds(5), callback());
  writeSite("[risk]\nmax_open_positions = -3\n");
  auto rejected = waitFor(ReloadResult::Status::Rejected);
  ASSERT_TRUE(rejected.has_value());
  EXPECT_EQ(rejected->problems[0].key, "risk.max_open_positions");
  EXPECT_EQ(live_->current()->risk.max_open_positions, 5);

  writeSite("[risk]\nmax_open_positions = 120\n");
  auto applied = waitFor(ReloadResult::Status::Applied);
  ASSERT_TRUE(applied.has_value());
  EXPECT_EQ(live_->current()->risk.max_open_positions, 120);
}

TEST_F(WatcherTest, StopsPromptlyWhenDestroyed) {
  auto watcher = std::make_unique<ConfigWatcher>(*live_, std::chrono::hours(1), callback());
  watcher.reset();  // must not wait for the hour
  SUCCEED();
}

}  // namespace
}  // namespace ait::config
