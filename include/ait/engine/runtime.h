#pragma once
// The event backbone of one process: the bus whose engine thread runs every handler in order,
// the journal that every event is written to before any handler sees it, and, for split
// deployments, the NATS JetStream bridge that carries the journal to other processes.
//
// Services get the runtime through their constructors (src/app/wiring.cc). They subscribe while
// being built, before start(); I/O threads hand events in through bus producers; handlers that
// create events call record() so the event is journaled and its sequence known at once.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "ait/bus/bus.h"
#include "ait/core/clock.h"
#include "ait/core/error.h"
#include "ait/hub/service.h"
#include "ait/journal/config.h"
#include "ait/journal/journal.h"
#include "ait/metrics/metrics.h"
#include "ait/model/events.h"
#include "ait/model/topic.h"
#include "ait/nats/config.h"

namespace ait::nats {
class JetStreamPublisher;
class JetStreamConsumer;
}  // namespace ait::nats

namespace ait::engine {

using EventBus = bus::Bus<model::Event>;

/// The journal stream an event class is kept in; each has its own retention.
enum class Stream : std::uint8_t { MarketData, Trading };
inline constexpr std::size_t kStreamCount = 2;

/// Returns "md" or "trading", the stream's directory under journal.data_dir.
std::string_view toString(Stream stream) noexcept;
/// Market data (ticks, bars, gaps) goes to "md"; commands, orders, positions, accounts and
/// system events to "trading".
Stream streamOf(model::EventType type) noexcept;

struct RuntimeSettings {
  bus::BusConfig bus{};
  journal::JournalConfig journal{};
  /// Set: publish both journals to JetStream and apply other processes' events to the bus.
  std::optional<nats::NatsConfig> nats{};
  const Clock* clock = nullptr;  // nullptr: the system clock
};

struct RuntimeStats {
  std::array<std::uint64_t, kStreamCount> journaled{};  // events appended per stream
  std::array<std::uint64_t, kStreamCount> durable{};    // durable sequence per stream
  std::uint64_t journalFailures = 0;  // events that could not be appended (the journal failed)
  std::uint64_t remote = 0;           // events from other processes (NATS), not journaled here
  bool natsConnected = false;         // every publisher and the consumer are connected
};

class Runtime {
 public:
  /// Opens the journals (recovering their tails), creates the bus and, when settings.nats is
  /// set, the JetStream bridge; nothing runs until start().
  static Expected<std::unique_ptr<Runtime>> open(const RuntimeSettings& settings);
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  EventBus& bus() noexcept { return *bus_; }
  journal::Journal& journal(Stream stream) noexcept {
    return *journals_[static_cast<std::size_t>(stream)];
  }

  /// On the engine thread (from a handler): journals event at once, stamps its sequence, then
  /// publishes it to the local subscribers (after the current handler returns). Returns the
  /// sequence in streamOf(event); fails when called off the engine thread or the journal failed.
  Expected<std::uint64_t> record(model::Event event) noexcept;

  /// Blocks the calling (I/O) thread until seq of stream is durable (fdatasynced).
  Expected<void> waitDurable(Stream stream, std::uint64_t seq,
                             std::chrono::nanoseconds timeout) const;

  /// Starts the engine thread and the NATS bridge.
  Expected<void> start();
  /// Lets the engine drain what is queued (until drainDeadline from now), stops the bridge and
  /// closes the journals, making every appended event durable. Idempotent.
  void stop(std::chrono::nanoseconds drainDeadline = std::chrono::seconds(5));

  RuntimeStats stats() const;
  /// Down when a journal failed; degraded while NATS is configured but unreachable.
  hub::Health health() const;

 private:
  explicit Runtime(const RuntimeSettings& settings);
  void journalEvent(model::Event& event) noexcept;

  RuntimeSettings settings_;
  std::unique_ptr<EventBus> bus_;
  std::array<std::unique_ptr<journal::Journal>, kStreamCount> journals_;
  std::array<std::unique_ptr<nats::JetStreamPublisher>, kStreamCount> publishers_;
  std::unique_ptr<nats::JetStreamConsumer> consumer_;
  // Process-wide counters: one runtime per process (tests open several in turn).
  std::array<metrics::Counter*, kStreamCount> journaled_;
  metrics::Counter* journalFailures_;
  metrics::Counter* remote_;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace ait::engine
