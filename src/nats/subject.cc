#include "ait/nats/subject.h"

#include <charconv>
#include <cstring>

#include <fmt/format.h>

#include "ait/model/topic.h"
#include "ait/nats/errors.h"

namespace ait::nats {

namespace {

constexpr std::string_view kKindNames[] = {"md", "orders", "positions", "account", "system"};

}  // namespace

std::string_view toString(StreamKind kind) noexcept {
  const auto index = static_cast<std::size_t>(kind);
  return index < std::size(kKindNames) ? kKindNames[index] : std::string_view{};
}

std::optional<StreamKind> streamKindFromString(std::string_view text) noexcept {
  for (std::size_t i = 0; i < std::size(kKindNames); ++i) {
    if (kKindNames[i] == text) return static_cast<StreamKind>(i);
  }
  return std::nullopt;
}

Expected<StreamSelection> StreamSelection::parse(const std::vector<std::string>& names) {
  StreamSelection selection;
  std::string problems;
  for (const auto& name : names) {
    if (auto kind = streamKindFromString(name)) {
      selection.add(*kind);
    } else {
      problems += fmt::format("{}unknown stream \"{}\" (expected md, orders, positions, account "
                              "or system)",
                              problems.empty() ? "" : "; ", name);
    }
  }
  if (!problems.empty()) return fail(errors::kInvalidConfig, "bus.nats publish: " + problems);
  return selection;
}

Subject subjectOf(const model::Event& event) noexcept {
  char buffer[kSubjectCapacity];
  std::memcpy(buffer, "ait.", 4);
  std::size_t size = 4;
  const auto tenant = model::tenantOf(event).value;
  size = static_cast<std::size_t>(std::to_chars(buffer + size, buffer + 16, tenant).ptr - buffer);
  buffer[size++] = '.';
  const auto kind = streamKindOf(model::typeOf(event));
  // Market data keeps the model's topic ("md.<SYMBOL>", already a valid subject token); the
  // other families collapse to one subject each, as the issue specifies.
  std::string_view tail;
  model::Topic topic;
  if (kind == StreamKind::MarketData) {
    topic = model::topicOf(event);
    tail = topic.view();
  } else {
    tail = toString(kind);
  }
  const auto room = kSubjectCapacity - size;
  if (tail.size() > room) tail = tail.substr(0, room);
  std::memcpy(buffer + size, tail.data(), tail.size());
  size += tail.size();
  return Subject::truncated(std::string_view(buffer, size));
}

std::string streamName(std::string_view prefix) { return fmt::format("{}_EVENTS", prefix); }

}  // namespace ait::nats
