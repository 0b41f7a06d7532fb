#pragma once
// The platform's one HTTP/1.1 + WebSocket server: one I/O context run by a few threads, listening
// on several endpoints (one per service port), each with its own Router. The network library
// stays behind this header, so services that include it compile fast.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ait/core/error.h"
#include "ait/http/message.h"
#include "ait/http/router.h"
#include "ait/http/websocket.h"
#include "ait/metrics/metrics.h"

namespace ait::http {

struct HttpServerConfig {
  std::size_t ioThreads = 2;                   // threads running the I/O context (and handlers)
  std::size_t maxHeaderBytes = 16 * 1024;      // request line + headers; beyond: 431
  std::size_t maxBodyBytes = 1024 * 1024;      // beyond: 413
  std::chrono::milliseconds requestTimeout{15'000};    // first byte to whole request; then 408
  std::chrono::milliseconds keepAliveTimeout{60'000};  // idle between requests, then closed
  std::chrono::milliseconds writeTimeout{30'000};      // to send one response
  std::chrono::milliseconds lingerTimeout{1'000};  // reading leftovers after an error response
  std::size_t maxConnections = 4096;               // across all endpoints; beyond: 503
  std::size_t maxConnectionsPerIp = 256;           // per client address; beyond: 503
  std::chrono::milliseconds drainTimeout{10'000};  // stop() without an earlier drain()
  std::size_t webSocketMaxMessageBytes = 1024 * 1024;         // incoming; beyond: close 1009
  std::size_t webSocketQueueMessages = 1024;                  // outgoing, per connection
  std::size_t webSocketQueueBytes = 8 * 1024 * 1024;          // outgoing, per connection
  std::chrono::milliseconds webSocketIdleTimeout{60'000};     // pings at half; then dropped
  std::chrono::milliseconds webSocketCloseTimeout{2'000};     // close handshake, then dropped
};

/// Returns an error listing every invalid field of the config, or success.
Expected<void> validate(const HttpServerConfig& config);

/// One address the server listens on; `name` identifies it in logs and port lookups.
struct ListenEndpoint {
  std::string name;
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;  // 0: an ephemeral port, see HttpServer::port()
};

/// TLS on an endpoint: PEM files of the certificate chain (leaf first) and of its unencrypted
/// private key. The server speaks TLS 1.2 and 1.3 only, with forward-secret AEAD ciphers.
struct TlsFiles {
  std::string certificateChainFile;
  std::string privateKeyFile;
};

/// Lifecycle: addEndpoint()... start() ... stopAccepting(), drain(deadline), stop().
/// start/stopAccepting/drain/stop are called from one controlling thread, never from a
/// handler. Routers must be complete before start(); they are not changed afterwards.
class HttpServer {
 public:
  explicit HttpServer(HttpServerConfig config = {},
                      metrics::Registry& registry = metrics::Registry::global());
  /// Stops the server (as stop()) if it is still running.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Adds an endpoint before start(); returns its router, valid for the server's lifetime.
  Router& addEndpoint(ListenEndpoint endpoint);
  /// Adds an endpoint that speaks only HTTPS and WSS; start() fails with kTlsSetup naming the
  /// file when the certificate chain or key cannot be read, parsed, or do not match. A plain
  /// HTTP request on it is answered 400 (kPlainHttpOnTls) and the connection closed.
  Router& addEndpoint(ListenEndpoint endpoint, TlsFiles tls);

  /// Validates config and routes, binds every endpoint and starts the I/O threads. Returns an
  /// error naming each endpoint that could not bind ("127.0.0.1:8001: Address already in use");
  /// on error nothing stays bound.
  Expected<void> start();

  /// Returns the bound port of the endpoint with this name (or index), 0 before start().
  std::uint16_t port(std::string_view name) const;
  std::uint16_t port(std::size_t index) const;

  /// Returns the number of open connections (HTTP and WebSocket) across all endpoints.
  std::size_t connectionCount() const;

  /// Closes the listening sockets: new connections are refused, open ones carry on.
  void stopAccepting();

  /// Stops accepting, lets in-flight requests finish (answered with Connection: close), closes
  /// idle keep-alive connections and WebSockets (1001), and waits until none is left or the
  /// deadline passes, when the rest are closed forcibly. Returns true if all closed in time.
  bool drain(std::chrono::steady_clock::time_point deadline);

  /// Drains (within config.drainTimeout, if drain() was not called), stops the I/O threads
  /// and joins them. Idempotent.
  void stop();

  /// Returns true between a successful start() and stop().
  bool running() const noexcept;

  const HttpServerConfig& config() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ait::http
