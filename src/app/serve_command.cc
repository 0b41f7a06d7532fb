#include <signal.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "ait/config/live_config.h"
#include "ait/config/load.h"
#include "ait/log/log.h"
#include "app/commands.h"
#include "app/config_source.h"
#include "app/wiring.h"

namespace ait::app {

namespace {

// Signals are taken synchronously by the main thread (sigwait), so no handler runs inside
// another thread's critical section. The mask is set before any thread exists and inherited.
sigset_t blockControlSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

void logReload(spdlog::logger& log, const config::ReloadResult& result, std::string_view trigger) {
  using Status = config::ReloadResult::Status;
  switch (result.status) {
    case Status::Applied:
      log::info(log, "configuration reloaded",
                {{"trigger", trigger}, {"applied", fmt::format("{}", fmt::join(result.applied, ","))}});
      break;
    case Status::Unchanged:
      log::info(log, "configuration reload: nothing reloadable changed", {{"trigger", trigger}});
      break;
    case Status::Rejected:
      log::warn(log, "configuration reload rejected; the previous configuration stays",
                {{"trigger", trigger}, {"problems", config::formatProblems(result.problems)}});
      break;
  }
  if (!result.restartRequired.empty()) {
    log::warn(log, "configuration changes that need a restart were not applied",
              {{"trigger", trigger}, {"settings", config::formatProblems(result.restartRequired)}});
  }
}

std::string sourcesText(const config::LoadOptions& options) {
  std::string text;
  for (const auto& path : config::configSources(options)) {
    if (!std::filesystem::exists(path)) continue;
    if (!text.empty()) text += ',';
    text += path.string();
  }
  return text;
}

}  // namespace

int runServe(const ServeOptions& options) {
  auto startedAt = std::chrono::steady_clock::now();
  auto signals = blockControlSignals();

  auto loadOptions = makeLoadOptions(options.configDir, options.configFile);
  auto loaded = config::loadConfig(loadOptions);
  if (!loaded) {
    std::fprintf(stderr, "aitrading serve: the configuration has %zu problem(s):\n%s",
                 loaded.error().size(), config::formatProblems(loaded.error()).c_str());
    return 2;
  }
  if (auto logging = log::init(logSettings(loaded->log)); !logging) {
    std::fprintf(stderr, "aitrading serve: %s\n", logging.error().describe().c_str());
    return 2;
  }
  auto log = log::logger("app");
  config::LiveConfig live(loadOptions, *loaded);
  auto logSubscription = live.subscribe(config::Concern::Log, [&](const auto& snapshot) {
    if (auto applied = log::applyLevels(logSettings(snapshot->log)); !applied) {
      log::logError(*log, applied.error());
    }
  });

  auto platform = Platform::build(*loaded, options.only, &live);
  if (!platform) {
    log::logError(*log, platform.error());
    std::fprintf(stderr, "aitrading serve: %s\n", platform.error().describe().c_str());
    log::shutdown();
    return 1;
  }
  if (auto started = (*platform)->start(); !started) {
    log::logError(*log, started.error());
    std::fprintf(stderr, "aitrading serve: %s\n", started.error().describe().c_str());
    log::shutdown();
    return 1;
  }
  auto readyMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() -
                                                           startedAt)
                     .count();
  log::info(*log, "aitrading ready",
            {{"startup_ms", fmt::format("{:.1f}", readyMs)},
             {"version", version()},
             {"config", sourcesText(loadOptions)}});

  // reload.watch_interval_ms = 0 leaves reloading to SIGHUP alone.
  std::optional<config::ConfigWatcher> watcher;
  if (loaded->reload.watch_interval_ms > 0) {
    watcher.emplace(live, std::chrono::milliseconds(loaded->reload.watch_interval_ms),
                    [&](const config::ReloadResult& r) { logReload(*log, r, "file"); });
  }

  int received = 0;
  while (true) {
    if (sigwait(&signals, &received) != 0) continue;
    if (received == SIGHUP) {
      logReload(*log, live.reload(), "SIGHUP");
      continue;
    }
    break;
  }

  log::info(*log, "shutting down", {{"signal", received == SIGINT ? "SIGINT" : "SIGTERM"}});
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::milliseconds(loaded->server.shutdown_grace_ms);
  (*platform)->stop(deadline);
  live.unsubscribe(logSubscription);
  log::info(*log, "stopped");
  log::shutdown();
  return 0;
}

}  // namespace ait::app
