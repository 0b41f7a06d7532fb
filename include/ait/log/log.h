#pragma once
// Structured logging: asynchronous spdlog, JSON lines (or text) to stderr and a rotating file,
// one named logger per component with its own level.
//
// Fields such as tenant, request and order ids go in as key/value pairs and come out as JSON
// members:  ait::log::info(log, "order accepted", {{"tenant", "7"}, {"order_id", id}});

#include <cstddef>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include <spdlog/spdlog.h>

#include "ait/core/error.h"

namespace ait::log {

enum class Format { Json, Text };

struct LogSettings {
  std::string level = "info";                       // default level of every component
  std::map<std::string, std::string> components;    // component -> level overrides
  std::string file = "var/log/aitrading.log";       // empty: no file
  std::size_t maxFileBytes = 50 * 1024 * 1024;
  std::size_t maxFiles = 5;
  bool toStderr = true;
  Format format = Format::Json;
  std::size_t asyncQueueSize = 8192;
};

/// Returns an error naming the first unknown level name, so config validation can report it.
Expected<spdlog::level::level_enum> parseLevel(std::string_view name);

/// Sets up the sinks and the async thread pool. Call it at start-up before components take
/// their loggers: loggers handed out earlier keep writing to stderr only.
Expected<void> init(const LogSettings& settings);

/// Applies new levels (default and per component) to every logger; used by config reload.
Expected<void> applyLevels(const LogSettings& settings);

/// Returns the logger of a component, creating it on first use with the configured level.
std::shared_ptr<spdlog::logger> logger(std::string_view component);

/// Flushes and stops the async thread; the last call before exit.
void shutdown();

using Fields = std::initializer_list<std::pair<std::string_view, std::string_view>>;

/// Returns the payload that carries msg plus fields to the JSON formatter.
std::string withFields(std::string_view msg, Fields fields);

inline void write(spdlog::logger& log, spdlog::level::level_enum level, std::string_view msg,
           Fields fields = {}) {
  if (!log.should_log(level)) return;
  log.log(level, "{}", withFields(msg, fields));
}
inline void debug(spdlog::logger& l, std::string_view m, Fields f = {}) { write(l, spdlog::level::debug, m, f); }
inline void info(spdlog::logger& l, std::string_view m, Fields f = {}) { write(l, spdlog::level::info, m, f); }
inline void warn(spdlog::logger& l, std::string_view m, Fields f = {}) { write(l, spdlog::level::warn, m, f); }
inline void error(spdlog::logger& l, std::string_view m, Fields f = {}) { write(l, spdlog::level::err, m, f); }

/// Logs an ErrorDNA error with its code, category, severity and fingerprint as fields.
void logError(spdlog::logger& log, const Error& error, Fields fields = {});

/// Renders one record as a JSON line (exposed for tests of the format).
std::string renderJson(std::string_view loggerName, spdlog::level::level_enum level,
                       std::int64_t epochNs, std::string_view payload);

}  // namespace ait::log
