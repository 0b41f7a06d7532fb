#include "ait/bus/bus.h"

#include <spdlog/spdlog.h>

#include "ait/core/error_registry.h"

namespace ait::bus {

std::string_view toString(PublishStatus status) noexcept {
  switch (status) {
    case PublishStatus::Ok: return "ok";
    case PublishStatus::Dropped: return "dropped";
    case PublishStatus::Full: return "full";
    case PublishStatus::TimedOut: return "timed_out";
    case PublishStatus::Stopped: return "stopped";
  }
  return "?";
}

const ErrorCode& errorCodeOf(PublishStatus status) noexcept {
  switch (status) {
    case PublishStatus::Dropped: return errors::kDropped;
    case PublishStatus::Stopped: return errors::kStopped;
    case PublishStatus::Ok:
    case PublishStatus::Full:
    case PublishStatus::TimedOut: break;
  }
  return errors::kQueueFull;
}

std::string_view toString(BusState state) noexcept {
  switch (state) {
    case BusState::Created: return "created";
    case BusState::Running: return "running";
    case BusState::Stopping: return "stopping";
    case BusState::Stopped: return "stopped";
  }
  return "?";
}

namespace detail {

QueueMetrics QueueMetrics::make(std::string_view bus, std::string_view queue) {
  auto& registry = metrics::Registry::global();
  const metrics::Labels labels{{"bus", std::string(bus)}, {"producer", std::string(queue)}};
  QueueMetrics out;
  out.published = &registry.counter("ait_bus_published_total",
                                    "Events accepted into a bus queue, per producer", labels);
  out.dropped = &registry.counter(
      "ait_bus_dropped_total", "Events discarded because the queue was full (drop policy)", labels);
  out.rejected = &registry.counter(
      "ait_bus_rejected_total",
      "Events refused and reported to the publisher (fail policy, block timeout, bus stopped)",
      labels);
  out.depth = &registry.gauge("ait_bus_queue_depth", "Events waiting in a bus queue", labels);
  return out;
}

EngineMetrics EngineMetrics::make(std::string_view bus) {
  auto& registry = metrics::Registry::global();
  const metrics::Labels labels{{"bus", std::string(bus)}};
  EngineMetrics out;
  out.dispatched = &registry.counter("ait_bus_events_dispatched_total",
                                     "Events and requests dispatched by the engine thread", labels);
  out.requests = &registry.counter("ait_bus_requests_total",
                                   "Requests answered (or failed) by the engine thread", labels);
  out.undelivered = &registry.counter(
      "ait_bus_undelivered_total", "Events still queued when the bus stopped", labels);
  return out;
}

void reportUndelivered(std::string_view bus, std::uint64_t count) {
  Error error(errors::kUndelivered,
              fmt::format("bus '{}' stopped with {} events still queued; they were not "
                          "dispatched", bus, count));
  ErrorRegistry::global().record(error, Recovery::Fail, false);
  spdlog::default_logger()->warn("{}", error.describe());
}

}  // namespace detail

}  // namespace ait::bus
