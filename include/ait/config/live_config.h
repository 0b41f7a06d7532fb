#pragma once
// The configuration of a running process. Readers take an immutable snapshot (a shared_ptr load,
// no lock held while they use it); reload() re-reads the same sources and swaps in a new snapshot
// when the reloadable settings changed: risk.*, rate_limits.*, log.level and log.components.
// A change to any other setting is reported as needing a restart and is not applied.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "ait/config/config.h"
#include "ait/config/load.h"

namespace ait::metrics {
class Counter;
}

namespace ait::config {

/// The groups of reloadable settings a component can subscribe to.
enum class Concern { Risk, RateLimits, Log };

struct ReloadResult {
  enum class Status { Applied, Unchanged, Rejected };
  Status status = Status::Unchanged;
  Problems problems;                 // Rejected: why; the old config stays
  Problems restartRequired;          // changed settings that are not reloadable, not applied
  std::vector<std::string> applied;  // reloadable keys whose new values took effect
};

class LiveConfig {
 public:
  using Listener = std::function<void(const std::shared_ptr<const Config>&)>;
  using SubscriptionId = std::uint64_t;

  /// Starts from `initial`, normally the result of loadConfig(options); reload() re-reads the
  /// sources `options` names.
  LiveConfig(LoadOptions options, Config initial);
  ~LiveConfig();
  LiveConfig(const LiveConfig&) = delete;
  LiveConfig& operator=(const LiveConfig&) = delete;

  /// Returns the current configuration (never null); cheap enough to call per request.
  std::shared_ptr<const Config> current() const noexcept { return current_.load(); }

  /// Re-reads and validates the sources. Applies the reloadable settings that changed and calls
  /// their subscribers, or, when anything is wrong, keeps the current config and returns why.
  /// Safe to call from any thread (SIGHUP handler thread, the file watcher); calls serialise.
  ReloadResult reload();

  /// Calls `listener` with the new snapshot after each reload that changes a setting of
  /// `concern`, on the thread that called reload().
  SubscriptionId subscribe(Concern concern, Listener listener);
  /// Removes a subscription; when it returns, the listener is not running and will not run
  /// again (so do not call it from another thread while holding a lock the listener takes).
  void unsubscribe(SubscriptionId id);

  const LoadOptions& options() const noexcept { return options_; }

 private:
  void notify(const std::vector<Concern>& concerns, const std::shared_ptr<const Config>& snapshot);

  LoadOptions options_;
  std::atomic<std::shared_ptr<const Config>> current_;
  std::mutex reloadMutex_;
  std::recursive_mutex listenersMutex_;
  std::map<SubscriptionId, std::pair<Concern, Listener>> listeners_;
  SubscriptionId nextId_ = 1;
  metrics::Counter& applied_;
  metrics::Counter& unchanged_;
  metrics::Counter& rejected_;
};

/// Watches the files a LiveConfig loads from (size and modification time, polled) and calls
/// reload() when one changes, appears or disappears and then stays the same for one more poll.
class ConfigWatcher {
 public:
  using Callback = std::function<void(const ReloadResult&)>;

  /// Starts the polling thread; `onReload`, when given, receives every reload's result.
  ConfigWatcher(LiveConfig& live, std::chrono::milliseconds interval, Callback onReload = {});
  /// Stops and joins the polling thread.
  ~ConfigWatcher();
  ConfigWatcher(const ConfigWatcher&) = delete;
  ConfigWatcher& operator=(const ConfigWatcher&) = delete;

 private:
  struct Stamp {
    bool exists = false;
    std::uintmax_t size = 0;
    std::filesystem::file_time_type mtime{};
    bool operator==(const Stamp&) const = default;
  };
  std::vector<Stamp> stamps() const;
  void run(std::stop_token stop);

  LiveConfig& live_;
  std::chrono::milliseconds interval_;
  Callback onReload_;
  std::vector<std::filesystem::path> files_;
  std::vector<Stamp> seen_;     // taken before the thread starts, so no early change is missed
  std::vector<Stamp> pending_;  // a change seen once, applied when the next poll agrees
  std::mutex mutex_;
  std::condition_variable_any wake_;
  std::jthread thread_;
};

}  // namespace ait::config
