#pragma once
// One NATS connection with its JetStream context, shared by the publisher and the consumer.
// The client library reconnects by itself after a loss; a Connection is rebuilt only when the
// first connect fails or the library gives up.

#include <nats/nats.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>

#include "ait/core/error.h"
#include "ait/metrics/metrics.h"
#include "ait/nats/config.h"

namespace ait::nats::detail {

/// Returns "<what>: <status text> (<last error>)" for a failed client call.
std::string describeStatus(std::string_view what, natsStatus status, jsErrCode jsError = static_cast<jsErrCode>(0));

class Connection {
 public:
  /// Connects to the first reachable server of config.urls; reconnects count into reconnects.
  static Expected<std::unique_ptr<Connection>> open(const NatsConfig& config,
                                                    metrics::Counter& reconnects,
                                                    std::atomic<std::uint64_t>& reconnectCount);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /// Creates the stream <prefix>_EVENTS on "ait.>" (file storage, duplicate window), or updates
  /// it when it exists.
  Expected<void> ensureStream(const NatsConfig& config);
  /// Returns whether the connection is up (not reconnecting or closed).
  bool connected() const;

  natsConnection* nc() const noexcept { return nc_; }
  jsCtx* js() const noexcept { return js_; }

 private:
  Connection() = default;
  static void onReconnected(natsConnection* nc, void* closure);
  static void onClosed(natsConnection* nc, void* closure);

  natsOptions* opts_ = nullptr;
  natsConnection* nc_ = nullptr;
  jsCtx* js_ = nullptr;
  metrics::Counter* reconnects_ = nullptr;
  std::atomic<std::uint64_t>* reconnectCount_ = nullptr;
  // libnats calls back on its own thread: the destructor waits for the closed callback, after
  // which no callback of this connection can still reach the object.
  std::mutex closedMutex_;
  std::condition_variable closedCv_;
  bool closed_ = false;
};

}  // namespace ait::nats::detail
