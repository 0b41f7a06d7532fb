#include "ait/log/log.h"

#include <chrono>
#include <filesystem>
#include <mutex>
#include <vector>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <spdlog/async.h>
#include <spdlog/async_logger.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include "ait/log/errors.h"

namespace ait::log {

namespace {

// Separates the message from its pre-rendered JSON fields inside an spdlog payload.
constexpr char kFieldSeparator = '\x1f';

void appendEscaped(std::string& out, std::string_view text) {
  for (unsigned char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += fmt::format("\\u{:04x}", c);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
}

class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(msg.time.time_since_epoch());
    auto line = renderJson(std::string_view(msg.logger_name.data(), msg.logger_name.size()),
                           msg.level, ns.count(),
                           std::string_view(msg.payload.data(), msg.payload.size()));
    dest.append(line.data(), line.data() + line.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }
};

// Text lines: the fields follow the message as key=value pairs.
class TextFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    std::string_view payload(msg.payload.data(), msg.payload.size());
    std::string_view fields;
    if (auto cut = payload.find(kFieldSeparator); cut != std::string_view::npos) {
      fields = payload.substr(cut + 1);
      payload = payload.substr(0, cut);
    }
    auto line = fmt::format("{:%Y-%m-%dT%H:%M:%S} {:<5} [{}] {}{}{}\n", msg.time,
                            spdlog::level::to_string_view(msg.level),
                            std::string_view(msg.logger_name.data(), msg.logger_name.size()),
                            payload, fields.empty() ? "" : " ", fields);
    dest.append(line.data(), line.data() + line.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<TextFormatter>();
  }
};

struct State {
  std::mutex mutex;
  std::vector<spdlog::sink_ptr> sinks;
  LogSettings settings;
  bool initialised = false;
};

State& state() {
  static State s;
  return s;
}

spdlog::level::level_enum levelFor(const LogSettings& settings, std::string_view component) {
  auto it = settings.components.find(std::string(component));
  auto name = it != settings.components.end() ? it->second : settings.level;
  return parseLevel(name).value_or(spdlog::level::info);
}

}  // namespace

Expected<spdlog::level::level_enum> parseLevel(std::string_view name) {
  static constexpr std::pair<std::string_view, spdlog::level::level_enum> kLevels[] = {
      {"trace", spdlog::level::trace}, {"debug", spdlog::level::debug},
      {"info", spdlog::level::info},   {"warn", spdlog::level::warn},
      {"error", spdlog::level::err},   {"critical", spdlog::level::critical},
      {"off", spdlog::level::off}};
  for (const auto& [text, level] : kLevels) {
    if (text == name) return level;
  }
  return fail(kUnknownLevel,
              fmt::format("unknown log level '{}' (expected trace, debug, info, warn, error, "
                          "critical or off)",
                          name));
}

std::string withFields(std::string_view msg, Fields fields) {
  std::string out(msg);
  if (fields.size() == 0) return out;
  out += kFieldSeparator;
  bool first = true;
  for (const auto& [key, value] : fields) {
    if (!first) out += ',';
    first = false;
    out += '"';
    appendEscaped(out, key);
    out += "\":\"";
    appendEscaped(out, value);
    out += '"';
  }
  return out;
}

std::string renderJson(std::string_view loggerName, spdlog::level::level_enum level,
                       std::int64_t epochNs, std::string_view payload) {
  std::string_view fields;
  if (auto cut = payload.find(kFieldSeparator); cut != std::string_view::npos) {
    fields = payload.substr(cut + 1);
    payload = payload.substr(0, cut);
  }
  auto seconds = std::chrono::sys_seconds(std::chrono::seconds(epochNs / 1'000'000'000));
  std::string out = fmt::format("{{\"ts\":\"{:%Y-%m-%dT%H:%M:%S}.{:09d}Z\",\"level\":\"", seconds,
                                epochNs % 1'000'000'000);
  auto levelName = spdlog::level::to_string_view(level);
  out.append(levelName.data(), levelName.size());
  out += "\",\"component\":\"";
  appendEscaped(out, loggerName);
  out += "\",\"msg\":\"";
  appendEscaped(out, payload);
  out += '"';
  if (!fields.empty()) {
    out += ',';
    out.append(fields);
  }
  out += "}\n";
  return out;
}

Expected<void> init(const LogSettings& settings) {
  for (const auto& [component, level] : settings.components) {
    if (auto parsed = parseLevel(level); !parsed) return Unexpected(parsed.error());
  }
  if (auto parsed = parseLevel(settings.level); !parsed) return Unexpected(parsed.error());

  std::vector<spdlog::sink_ptr> sinks;
  try {
    if (settings.toStderr) sinks.push_back(std::make_shared<spdlog::sinks::stderr_sink_mt>());
    if (!settings.file.empty()) {
      auto parent = std::filesystem::path(settings.file).parent_path();
      if (!parent.empty()) std::filesystem::create_directories(parent);
      sinks.push_back(std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
          settings.file, settings.maxFileBytes, settings.maxFiles));
    }
  } catch (const std::exception& e) {
    return fail(kSinkFailed, fmt::format("cannot open log file '{}': {}", settings.file, e.what()));
  }
  for (auto& sink : sinks) {
    if (settings.format == Format::Json) {
      sink->set_formatter(std::make_unique<JsonFormatter>());
    } else {
      sink->set_formatter(std::make_unique<TextFormatter>());
    }
  }

  auto& s = state();
  std::lock_guard lock(s.mutex);
  spdlog::drop_all();
  spdlog::init_thread_pool(settings.asyncQueueSize, 1);
  s.sinks = std::move(sinks);
  s.settings = settings;
  s.initialised = true;
  spdlog::set_default_logger(std::make_shared<spdlog::async_logger>(
      "aitrading", s.sinks.begin(), s.sinks.end(), spdlog::thread_pool(),
      spdlog::async_overflow_policy::block));
  spdlog::default_logger()->set_level(levelFor(settings, "aitrading"));
  spdlog::flush_on(spdlog::level::warn);
  // Info lines reach the file within a second, so `tail -f` and log shippers see them promptly.
  spdlog::flush_every(std::chrono::seconds(1));
  return {};
}

Expected<void> applyLevels(const LogSettings& settings) {
  for (const auto& [component, level] : settings.components) {
    if (auto parsed = parseLevel(level); !parsed) return Unexpected(parsed.error());
  }
  if (auto parsed = parseLevel(settings.level); !parsed) return Unexpected(parsed.error());
  auto& s = state();
  std::lock_guard lock(s.mutex);
  s.settings.level = settings.level;
  s.settings.components = settings.components;
  spdlog::apply_all([&](const std::shared_ptr<spdlog::logger>& l) {
    l->set_level(levelFor(s.settings, l->name()));
  });
  return {};
}

std::shared_ptr<spdlog::logger> logger(std::string_view component) {
  auto& s = state();
  std::lock_guard lock(s.mutex);
  std::string name(component);
  if (auto existing = spdlog::get(name)) return existing;
  std::shared_ptr<spdlog::logger> created;
  if (s.initialised) {
    created = std::make_shared<spdlog::async_logger>(name, s.sinks.begin(), s.sinks.end(),
                                                     spdlog::thread_pool(),
                                                     spdlog::async_overflow_policy::block);
  } else {
    auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    sink->set_formatter(std::make_unique<JsonFormatter>());
    created = std::make_shared<spdlog::logger>(name, std::move(sink));
  }
  created->set_level(levelFor(s.settings, name));
  created->flush_on(spdlog::level::warn);
  spdlog::register_logger(created);
  return created;
}

void logError(spdlog::logger& log, const Error& error, Fields fields) {
  auto level = spdlog::level::warn;
  if (error.severity() == Severity::Critical || error.severity() == Severity::High) {
    level = spdlog::level::err;
  } else if (error.severity() == Severity::Info) {
    level = spdlog::level::info;
  }
  if (!log.should_log(level)) return;
  auto fingerprint = error.fingerprint();
  std::string payload = withFields(error.message(), {{"code", error.codeString()},
                                                     {"category", toString(error.category())},
                                                     {"severity", toString(error.severity())},
                                                     {"fingerprint", fingerprint}});
  auto extra = withFields("", fields);
  if (!extra.empty()) {
    payload += ',';
    payload.append(extra.substr(1));  // drop the separator: the fields continue the list
  }
  log.log(level, "{}", payload);
}

void shutdown() {
  spdlog::apply_all([](const std::shared_ptr<spdlog::logger>& l) { l->flush(); });
  spdlog::shutdown();
  auto& s = state();
  std::lock_guard lock(s.mutex);
  s.initialised = false;
  s.sinks.clear();
}

}  // namespace ait::log
