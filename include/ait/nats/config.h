#pragma once
// Settings of the NATS JetStream bridge, named as the keys of the [bus] section of the config
// file (bus.kind = "nats" selects it); every field has a working default for a local server.

#include <cstdint>
#include <string>
#include <vector>

#include "ait/core/error.h"
#include "ait/resilience/circuit_breaker.h"
#include "ait/resilience/retry.h"

namespace ait::nats {

struct NatsConfig {
  std::vector<std::string> urls{"nats://127.0.0.1:4222"};  // servers, tried in order
  std::string stream_prefix = "AIT";         // the stream is <stream_prefix>_EVENTS on "ait.>"
  std::string source = "node1";              // this publisher's id, unique per journal; in msg ids
  std::vector<std::string> publish{"md", "orders", "positions", "account", "system"};  // streams sent
  std::string state_dir = "data/nats";       // cursor files of publishers and consumers
  std::int64_t duplicate_window_ms = 120000; // JetStream drops a repeated Nats-Msg-Id this long
  std::int64_t max_age_ms = 0;               // stream retention; 0 keeps messages forever
  std::int64_t connect_timeout_ms = 2000;    // one connection attempt
  std::int64_t reconnect_wait_ms = 250;      // between the client's reconnection attempts
  std::int64_t publish_timeout_ms = 5000;    // wait for a publish acknowledgement
  std::uint32_t cursor_flush_every = 256;    // publishes between cursor file writes
  std::int64_t cursor_flush_ms = 200;        // longest time an advanced cursor stays unwritten
  std::uint32_t fetch_batch = 256;           // messages per consumer fetch
  std::int64_t fetch_timeout_ms = 500;       // wait of one fetch when the stream is idle
  std::int64_t ack_wait_ms = 5000;           // unacknowledged messages are redelivered after this
  std::uint32_t gap_redeliveries = 5;        // deliveries of an out-of-order message before skipping
  resilience::CircuitBreakerConfig breaker{50, 100, 5000, 10, 3, 2000, 1};  // guards NATS calls
  resilience::RetryConfig retry{1000000, 50, 2000, 2.0, 1.0, 1000.0, 10000};  // reconnect backoff

  /// Returns success, or one AIT-NATS-0001 error listing every invalid field.
  Expected<void> validate() const;
};

}  // namespace ait::nats
