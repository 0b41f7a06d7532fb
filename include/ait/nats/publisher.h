#pragma once
// The publishing half of the bridge: an I/O thread that reads the local journal (the source of
// truth) from its persistent cursor and publishes the selected events to JetStream, in journal
// order, one acknowledged publish at a time. Each message carries Nats-Msg-Id
// "<source>:<journal seq>" (JetStream drops a resend inside its duplicate window) and Ait-Prev,
// the previous sequence this source published (the consumer's ordering check).
//
// When NATS is unreachable nothing is lost: the engine keeps appending to the journal, the
// publisher retries the same record with backoff behind a circuit breaker, and once NATS is
// back it catches up from the cursor in order.

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>

#include "ait/core/clock.h"
#include "ait/core/error.h"
#include "ait/journal/journal.h"
#include "ait/nats/config.h"
#include "ait/resilience/circuit_breaker.h"

namespace ait::nats {

namespace detail {
class PublisherImpl;
}

struct PublisherStats {
  std::uint64_t published = 0;      // acknowledged by JetStream (duplicates included)
  std::uint64_t duplicates = 0;     // acknowledged as duplicates (a resend JetStream dropped)
  std::uint64_t skipped = 0;        // journal records outside the selection
  std::uint64_t failures = 0;       // publish or connect attempts that failed
  std::uint64_t reconnects = 0;     // connections re-established after a loss
  std::uint64_t cursor = 0;         // last journal sequence published
  std::uint64_t backlog = 0;        // durable journal head - cursor
  bool connected = false;
};

class JetStreamPublisher {
 public:
  /// Returns a publisher over journal (which must outlive it), or AIT-NATS-0001 / -0008 when the
  /// config is invalid or the cursor file is unreadable. Does not connect yet.
  static Expected<std::unique_ptr<JetStreamPublisher>> create(
      const NatsConfig& config, const journal::Journal& journal,
      const Clock& clock = SystemClock::instance());
  ~JetStreamPublisher();
  JetStreamPublisher(const JetStreamPublisher&) = delete;
  JetStreamPublisher& operator=(const JetStreamPublisher&) = delete;

  /// Starts the I/O thread; it connects, creates or updates the stream, then publishes.
  Expected<void> start();
  /// Stops the thread and writes the cursor; idempotent.
  void stop();

  /// Returns the last journal sequence JetStream acknowledged.
  std::uint64_t cursor() const noexcept;
  /// Returns the counters; any thread.
  PublisherStats stats() const;
  /// Returns the state of the breaker guarding NATS.
  resilience::CircuitState circuitState();

 private:
  explicit JetStreamPublisher(std::unique_ptr<detail::PublisherImpl> impl);
  std::unique_ptr<detail::PublisherImpl> impl_;
};

}  // namespace ait::nats
