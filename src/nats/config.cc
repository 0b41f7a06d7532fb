#include "ait/nats/config.h"

#include <fmt/format.h>

#include "ait/nats/errors.h"
#include "ait/nats/subject.h"

namespace ait::nats {

Expected<void> NatsConfig::validate() const {
  std::vector<std::string> problems;
  if (urls.empty()) problems.emplace_back("urls is empty (name at least one nats:// server)");
  for (const auto& url : urls) {
    if (url.empty()) problems.emplace_back("urls holds an empty entry");
  }
  if (stream_prefix.empty()) problems.emplace_back("stream_prefix is empty");
  for (char c : stream_prefix) {
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) {
      problems.push_back(fmt::format("stream_prefix \"{}\" may hold only letters, digits, '_' and '-'", stream_prefix));
      break;
    }
  }
  if (source.empty()) problems.emplace_back("source is empty");
  for (char c : source) {
    if (c <= ' ' || c > '~' || c == ':') {
      problems.push_back(fmt::format("source \"{}\" must be printable ASCII without spaces or ':'", source));
      break;
    }
  }
  if (auto selection = StreamSelection::parse(publish); !selection) {
    problems.push_back(selection.error().message());
  }
  auto positive = [&problems](std::string_view key, std::int64_t value) {
    if (value <= 0) problems.push_back(fmt::format("{} must be > 0 (got {})", key, value));
  };
  positive("duplicate_window_ms", duplicate_window_ms);
  if (max_age_ms < 0) problems.push_back(fmt::format("max_age_ms must be >= 0 (got {})", max_age_ms));
  positive("connect_timeout_ms", connect_timeout_ms);
  positive("reconnect_wait_ms", reconnect_wait_ms);
  positive("publish_timeout_ms", publish_timeout_ms);
  positive("cursor_flush_every", cursor_flush_every);
  positive("cursor_flush_ms", cursor_flush_ms);
  positive("fetch_batch", fetch_batch);
  positive("fetch_timeout_ms", fetch_timeout_ms);
  positive("ack_wait_ms", ack_wait_ms);
  // The resilience validators name their own section; these settings live under bus.nats.
  for (auto& p : breaker.validate()) problems.push_back("breaker: " + p);
  for (auto& p : retry.validate()) problems.push_back("retry: " + p);
  if (problems.empty()) return {};
  std::string text = "invalid [bus] NATS settings: ";
  for (std::size_t i = 0; i < problems.size(); ++i) text += (i == 0 ? "" : "; ") + problems[i];
  return fail(errors::kInvalidConfig, std::move(text));
}

}  // namespace ait::nats
