#include "ait/config/live_config.h"

#include <algorithm>
#include <exception>
#include <set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "ait/config/errors.h"
#include "ait/core/error_registry.h"
#include "ait/metrics/metrics.h"
#include "config/internal.h"

namespace ait::config {
namespace {

metrics::Counter& reloadCounter(std::string_view result) {
  return metrics::Registry::global().counter(
      "ait_config_reloads_total", "Configuration reloads by result (applied, unchanged, rejected)",
      {{"result", std::string(result)}});
}

// The reloadable settings of `loaded` over everything else of `current`.
Config withReloadable(const Config& current, const Config& loaded) {
  Config next = current;
  next.risk = loaded.risk;
  next.rate_limits = loaded.rate_limits;
  next.log.level = loaded.log.level;
  next.log.components = loaded.log.components;
  return next;
}

Concern concernOf(std::string_view key) {
  if (key.starts_with("risk.")) return Concern::Risk;
  if (key.starts_with("rate_limits.")) return Concern::RateLimits;
  return Concern::Log;
}

}  // namespace

LiveConfig::LiveConfig(LoadOptions options, Config initial)
    : options_(std::move(options)),
      current_(std::make_shared<const Config>(std::move(initial))),
      applied_(reloadCounter("applied")),
      unchanged_(reloadCounter("unchanged")),
      rejected_(reloadCounter("rejected")) {}

LiveConfig::~LiveConfig() = default;

ReloadResult LiveConfig::reload() {
  std::lock_guard reloading(reloadMutex_);
  ReloadResult result;
  auto loaded = loadConfig(options_);
  std::shared_ptr<const Config> old = current_.load();
  std::optional<Config> next;
  if (loaded) {
    next = withReloadable(*old, *loaded);
    // The mix of old and new settings has to pass the cross-field rules as well.
    result.problems = validateConfig(*next);
  } else {
    result.problems = std::move(loaded.error());
  }
  if (!result.problems.empty()) {
    result.status = ReloadResult::Status::Rejected;
    rejected_.inc();
    // The registry gets one stable message per fault (its fingerprint ignores the count); the
    // problems themselves go to the log.
    Error error(kReloadRejected,
                fmt::format("config reload rejected with {} problem(s), keeping the current config",
                            result.problems.size()));
    ErrorRegistry::global().record(error, Recovery::Degrade, true);
    spdlog::default_logger_raw()->error("{}\n{}", error.describe(), formatProblems(result.problems));
    return result;
  }

  std::map<std::string, std::string> before;
  for (auto& [key, text] : detail::flatten(*old, true)) before.emplace(std::move(key), std::move(text));
  std::map<std::string, std::string> after;
  for (auto& [key, text] : detail::flatten(*loaded, true)) after.emplace(std::move(key), std::move(text));
  std::set<std::string> keys;
  for (const auto& [key, text] : before) keys.insert(key);
  for (const auto& [key, text] : after) keys.insert(key);
  std::vector<Concern> concerns;
  for (const auto& key : keys) {
    auto b = before.find(key);
    auto a = after.find(key);
    std::string from = b == before.end() ? "(unset)" : b->second;
    std::string to = a == after.end() ? "(unset)" : a->second;
    if (from == to) continue;
    if (isReloadable(key)) {
      result.applied.push_back(key);
      Concern c = concernOf(key);
      if (std::find(concerns.begin(), concerns.end(), c) == concerns.end()) concerns.push_back(c);
    } else {
      result.restartRequired.push_back(
          {key, fmt::format("changed from {} to {}; requires a restart, not applied", from, to), "",
           &kRestartRequired});
      spdlog::default_logger_raw()->warn("{}: {}: {}", kRestartRequired.code, key,
                                         result.restartRequired.back().reason);
    }
  }

  if (result.applied.empty()) {
    unchanged_.inc();
    return result;
  }
  auto snapshot = std::make_shared<const Config>(std::move(*next));
  current_.store(snapshot);
  result.status = ReloadResult::Status::Applied;
  applied_.inc();
  notify(concerns, snapshot);
  return result;
}

LiveConfig::SubscriptionId LiveConfig::subscribe(Concern concern, Listener listener) {
  std::lock_guard lock(listenersMutex_);
  SubscriptionId id = nextId_++;
  listeners_.emplace(id, std::make_pair(concern, std::move(listener)));
  return id;
}

void LiveConfig::unsubscribe(SubscriptionId id) {
  std::lock_guard lock(listenersMutex_);
  listeners_.erase(id);
}

void LiveConfig::notify(const std::vector<Concern>& concerns,
                        const std::shared_ptr<const Config>& snapshot) {
  // Held while listeners run so that unsubscribe() from another thread waits for them; the lock
  // is recursive so that a listener may subscribe or unsubscribe itself.
  std::lock_guard lock(listenersMutex_);
  std::vector<SubscriptionId> ids;
  for (const auto& [id, entry] : listeners_) {
    if (std::find(concerns.begin(), concerns.end(), entry.first) != concerns.end()) ids.push_back(id);
  }
  for (SubscriptionId id : ids) {
    auto it = listeners_.find(id);
    if (it == listeners_.end()) continue;
    Listener listener = it->second.second;
    try {
      listener(snapshot);
    } catch (const std::exception& e) {
      Error error(kListenerFailed, "a config reload listener threw an exception");
      ErrorRegistry::global().record(error);
      spdlog::default_logger_raw()->error("{} (listener {}) {}", error.describe(), id, e.what());
    }
  }
}

ConfigWatcher::ConfigWatcher(LiveConfig& live, std::chrono::milliseconds interval,
                             Callback onReload)
    : live_(live),
      interval_(interval),
      onReload_(std::move(onReload)),
      files_(configSources(live.options())),
      seen_(stamps()),
      thread_([this](std::stop_token stop) { run(stop); }) {}

ConfigWatcher::~ConfigWatcher() {
  thread_.request_stop();
  wake_.notify_all();
}

std::vector<ConfigWatcher::Stamp> ConfigWatcher::stamps() const {
  std::vector<Stamp> out;
  for (const auto& file : files_) {
    Stamp s;
    std::error_code ec;
    s.exists = std::filesystem::exists(file, ec);
    if (s.exists) {
      s.size = std::filesystem::file_size(file, ec);
      s.mtime = std::filesystem::last_write_time(file, ec);
    }
    out.push_back(s);
  }
  return out;
}

void ConfigWatcher::run(std::stop_token stop) {
  std::unique_lock lock(mutex_);
  while (!stop.stop_requested()) {
    wake_.wait_for(lock, stop, interval_, [] { return false; });
    if (stop.stop_requested()) break;
    std::vector<Stamp> now = stamps();
    if (now == seen_) {
      pending_.clear();
      continue;
    }
    // Editors and cp write in steps (truncate, then write); reload once two polls agree.
    if (now != pending_) {
      pending_ = std::move(now);
      continue;
    }
    // Stamps are taken before reading, so a write that lands during the reload is seen next time.
    seen_ = std::move(now);
    pending_.clear();
    lock.unlock();
    ReloadResult result = live_.reload();
    if (onReload_) onReload_(result);
    lock.lock();
  }
}

}  // namespace ait::config
