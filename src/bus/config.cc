#include "ait/bus/config.h"

#include <string>
#include <vector>

#include <fmt/format.h>

#include "ait/bus/errors.h"

namespace ait::bus {

std::string_view toString(BusKind kind) noexcept {
  return kind == BusKind::Local ? "local" : "nats";
}

std::string_view toString(Backpressure policy) noexcept {
  switch (policy) {
    case Backpressure::Block: return "block";
    case Backpressure::Drop: return "drop";
    case Backpressure::Fail: return "fail";
  }
  return "?";
}

std::string_view toString(IdleStrategy strategy) noexcept {
  switch (strategy) {
    case IdleStrategy::Spin: return "spin";
    case IdleStrategy::Yield: return "yield";
    case IdleStrategy::Park: return "park";
  }
  return "?";
}

Expected<BusKind> parseBusKind(std::string_view text) {
  if (text == "local") return BusKind::Local;
  if (text == "nats") return BusKind::Nats;
  return fail(errors::kInvalidConfig,
              fmt::format("bus.kind is '{}'; expected \"local\" or \"nats\"", text));
}

Expected<Backpressure> parseBackpressure(std::string_view text) {
  if (text == "block") return Backpressure::Block;
  if (text == "drop") return Backpressure::Drop;
  if (text == "fail") return Backpressure::Fail;
  return fail(errors::kInvalidConfig,
              fmt::format("bus.backpressure is '{}'; expected \"block\", \"drop\" or \"fail\"", text));
}

Expected<IdleStrategy> parseIdleStrategy(std::string_view text) {
  if (text == "spin") return IdleStrategy::Spin;
  if (text == "yield") return IdleStrategy::Yield;
  if (text == "park") return IdleStrategy::Park;
  return fail(errors::kInvalidConfig,
              fmt::format("bus.idle is '{}'; expected \"spin\", \"yield\" or \"park\"", text));
}

Expected<void> validate(const BusConfig& config) {
  std::vector<std::string> problems;
  auto capacity = [&](std::string_view key, std::uint64_t value) {
    if (!isValidCapacity(value)) {
      problems.push_back(
          fmt::format("bus.{} is {}; it must be a power of two from 2 to 67108864", key, value));
    }
  };
  capacity("queue_capacity", config.queue_capacity);
  capacity("shared_queue_capacity", config.shared_queue_capacity);
  capacity("local_queue_capacity", config.local_queue_capacity);
  if (config.batch_size == 0) problems.emplace_back("bus.batch_size is 0; it must be at least 1");
  if (config.max_producers == 0 || config.max_producers > 4096) {
    problems.push_back(
        fmt::format("bus.max_producers is {}; it must be from 1 to 4096", config.max_producers));
  }
  if (config.max_topics == 0 || config.max_topics > (1u << 24)) {
    problems.push_back(
        fmt::format("bus.max_topics is {}; it must be from 1 to 16777216", config.max_topics));
  }
  if (config.park_timeout_us == 0) {
    problems.emplace_back("bus.park_timeout_us is 0; it must be at least 1");
  }
  if (problems.empty()) return {};
  std::string message = problems.front();
  for (std::size_t i = 1; i < problems.size(); ++i) message += "; " + problems[i];
  return fail(errors::kInvalidConfig, message);
}

}  // namespace ait::bus
