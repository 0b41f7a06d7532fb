#pragma once
// The consuming half of the bridge: a durable JetStream pull consumer whose I/O thread hands
// every event exactly once, in each source's order, to a sink (typically the local bus), and
// acknowledges a message only after the sink took it. Duplicates (redeliveries, resends) are
// dropped by the Deduplicator; its state is kept in a cursor file so a restarted consumer does
// not apply again what it applied before.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ait/bus/bus.h"
#include "ait/core/clock.h"
#include "ait/core/error.h"
#include "ait/model/events.h"
#include "ait/nats/config.h"

namespace ait::nats {

namespace detail {
class ConsumerImpl;
}

/// Takes one event; returns false to refuse it for now (it is redelivered later). Called on the
/// consumer's I/O thread.
using EventSink = std::function<bool(const model::Event&)>;

/// Returns a sink that publishes into a local bus (any ait::bus::Bus<model::Event, ...>).
template <class BusT>
EventSink busSink(BusT& bus) {
  return [&bus](const model::Event& event) { return bus.publish(event) == bus::PublishStatus::Ok; };
}

struct ConsumerOptions {
  std::string durable = "ait-consumer";  // durable consumer name; one per consuming process
  std::string filter = "ait.>";          // subjects it receives ("ait.7.>" for one tenant)
  /// Publisher sources whose messages are acknowledged and skipped: a process that publishes
  /// and consumes the same stream names its own sources here, so its events do not come back.
  std::vector<std::string> ignore_sources{};
};

struct ConsumerStats {
  std::uint64_t consumed = 0;    // applied to the sink
  std::uint64_t duplicates = 0;  // dropped as already applied
  std::uint64_t early = 0;       // held back until their predecessor arrived
  std::uint64_t gaps = 0;        // applied past a predecessor that never came
  std::uint64_t invalid = 0;     // terminated: no valid id or payload
  std::uint64_t ignored = 0;     // from an ignored source (this process's own events)
  std::uint64_t refused = 0;     // the sink refused them (redelivered later)
  std::uint64_t reconnects = 0;
  bool connected = false;
};

class JetStreamConsumer {
 public:
  /// Returns a consumer, or AIT-NATS-0001 / -0008 when the config or names are invalid or the
  /// dedup state file is unreadable. Does not connect yet.
  static Expected<std::unique_ptr<JetStreamConsumer>> create(
      const NatsConfig& config, ConsumerOptions options, EventSink sink,
      const Clock& clock = SystemClock::instance());
  ~JetStreamConsumer();
  JetStreamConsumer(const JetStreamConsumer&) = delete;
  JetStreamConsumer& operator=(const JetStreamConsumer&) = delete;

  /// Starts the I/O thread; it connects, creates the stream and the durable consumer, fetches.
  Expected<void> start();
  /// Stops the thread and writes the dedup state; idempotent.
  void stop();

  /// Returns the last sequence applied from source, 0 if none; any thread.
  std::uint64_t lastApplied(std::string_view source) const;
  ConsumerStats stats() const;

 private:
  explicit JetStreamConsumer(std::unique_ptr<detail::ConsumerImpl> impl);
  std::unique_ptr<detail::ConsumerImpl> impl_;
};

}  // namespace ait::nats
