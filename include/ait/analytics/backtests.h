#pragma once
// Backtest jobs of the performance-analytics service: a tenant submits a bar file (by name, inside
// the configured data directory only) and a strategy TOML; a small pool of worker threads runs
// trading::runBacktest (never the engine thread) and keeps each job's result under
// <results_dir>/<tenant>/<id>/ (result.json, report.html, strategy.toml), so finished jobs
// survive a restart. Jobs queued or running when the process stopped come back as failed.
//
// REST (tenant from the verified caller only; another tenant's job answers 404):
//   POST /api/v1/backtests              {"data","strategy","from"?,"to"?,"cash"?} -> 202 job
//   GET  /api/v1/backtests              the tenant's jobs, newest first
//   GET  /api/v1/backtests/files        bar files of the data directory, relative names
//   GET  /api/v1/backtests/{id}         state queued|running|done|failed, progress, statistics
//   GET  /api/v1/backtests/{id}/report  the HTML report of a finished job

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "ait/core/clock.h"
#include "ait/core/error.h"
#include "ait/http/router.h"
#include "ait/model/ids.h"

namespace ait::analytics {

struct BacktestSettings {
  std::filesystem::path dataDir = "var/data";          // bar files a job may name
  std::filesystem::path resultsDir = "var/backtests";  // <tenant>/<id>/ per job
  int workers = 1;                                      // jobs running at once
  std::size_t maxQueued = 16;                           // jobs waiting; more are refused (429)
  double defaultCash = 10'000.0;
  /// Called by a worker (outside any lock) after each progress step; tests observe with it.
  std::function<void(std::string_view id, double done)> onProgress;
};

enum class JobState : std::uint8_t { Queued, Running, Done, Failed };
std::string_view toString(JobState state) noexcept;

/// What a tenant asks for; `data` is a name relative to the data directory.
struct BacktestRequest {
  std::string data;
  std::string strategy;  // TOML text
  TimestampNs from = INT64_MIN;
  TimestampNs to = INT64_MAX;
  double cash = 0.0;  // 0: the configured default
};

struct BacktestJob {
  std::string id;
  model::TenantId tenant{};
  JobState state = JobState::Queued;
  double progress = 0.0;
  BacktestRequest request;
  TimestampNs created = 0;
  TimestampNs finished = 0;
  std::string error;                     // failed: why
  nlohmann::json statistics = nullptr;   // done: the figures
  std::string instrument;                // done: the series' instrument
};

/// The job as the API shows it (no strategy text).
nlohmann::json toJson(const BacktestJob& job);

class BacktestJobs {
 public:
  /// Creates the results directory and reads back the jobs kept there.
  static Expected<std::unique_ptr<BacktestJobs>> open(BacktestSettings settings,
                                                      const Clock& clock = SystemClock::instance());
  ~BacktestJobs();
  BacktestJobs(const BacktestJobs&) = delete;
  BacktestJobs& operator=(const BacktestJobs&) = delete;

  /// Starts the worker threads; jobs submitted before wait in the queue.
  void start();
  /// Stops taking jobs from the queue and waits for the running ones to finish.
  void stop() noexcept;

  /// Resolves a data file name inside the data directory; refuses absolute paths, "..", and
  /// anything (symbolic links included) that leads outside it.
  Expected<std::filesystem::path> resolveData(std::string_view name) const;
  /// Queues a job for the tenant; fails on a bad request (kBadBacktest) or a full queue
  /// (kBacktestsBusy).
  Expected<BacktestJob> submit(model::TenantId tenant, BacktestRequest request);
  /// Returns the tenant's job, or nullopt (unknown, or another tenant's).
  std::optional<BacktestJob> find(model::TenantId tenant, std::string_view id) const;
  /// Returns the tenant's jobs, newest first.
  std::vector<BacktestJob> list(model::TenantId tenant) const;
  /// Returns the HTML report of the tenant's finished job, or nullopt.
  std::optional<std::string> report(model::TenantId tenant, std::string_view id) const;
  /// Returns the bar files under the data directory (relative names, sorted).
  std::vector<std::string> dataFiles() const;
  /// Waits until no job is queued or running (tests); false on timeout.
  bool waitIdle(std::chrono::milliseconds timeout) const;

  void addRoutes(http::Router& router);

 private:
  BacktestJobs(BacktestSettings settings, const Clock& clock);
  Expected<void> load();
  std::filesystem::path jobDir(const BacktestJob& job) const;
  Expected<void> persist(const BacktestJob& job) const;
  void work();
  void run(const std::string& id);
  void finish(const std::string& id, const std::function<void(BacktestJob&)>& update);
  std::string newId();

  BacktestSettings settings_;
  std::filesystem::path dataRoot_;  // canonical dataDir, empty when it does not exist
  const Clock& clock_;
  mutable std::mutex mutex_;  // guards everything below
  mutable std::condition_variable changed_;
  std::map<std::string, BacktestJob> jobs_;
  std::deque<std::string> queue_;
  std::size_t running_ = 0;
  bool stopping_ = true;
  std::vector<std::thread> workers_;
  std::uint64_t idState_ = 0;
};

}  // namespace ait::analytics
