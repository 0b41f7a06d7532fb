// The only translation unit that includes Beast and Asio: connections, parsing, WebSocket
// sessions, limits and shutdown all live here so that the rest of the platform compiles fast.
#include "ait/http/server.h"

#include <utility>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/core/detect_ssl.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <future>
#include <limits>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <unordered_map>

#include <fmt/format.h>

#include "ait/core/error_registry.h"
#include "ait/http/errors.h"
#include "ait/log/log.h"

namespace ait::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

// Sessions are templates over their stream, so a plain port runs exactly the code it ran before
// TLS existed: no virtual call or branch per read or write.
using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;
template <class Stream>
inline constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

namespace detail {
struct WebSocketAttach {
  static void attach(WebSocketSession& session, std::shared_ptr<WebSocketChannel> channel) {
    std::lock_guard lock(session.mutex_);
    session.channel_ = std::move(channel);
  }
};
}  // namespace detail

Expected<void> validate(const HttpServerConfig& config) {
  std::vector<std::string> problems;
  auto require = [&](bool ok, std::string_view what) {
    if (!ok) problems.emplace_back(what);
  };
  require(config.ioThreads >= 1 && config.ioThreads <= 256, "io_threads must be 1..256");
  require(config.maxHeaderBytes >= 256, "max_header_bytes must be at least 256");
  require(config.requestTimeout.count() > 0, "request_timeout must be positive");
  require(config.keepAliveTimeout.count() > 0, "keep_alive_timeout must be positive");
  require(config.writeTimeout.count() > 0, "write_timeout must be positive");
  require(config.lingerTimeout.count() >= 0, "linger_timeout must not be negative");
  require(config.maxConnections >= 1, "max_connections must be at least 1");
  require(config.maxConnectionsPerIp >= 1, "max_connections_per_ip must be at least 1");
  require(config.drainTimeout.count() >= 0, "drain_timeout must not be negative");
  require(config.webSocketMaxMessageBytes >= 1, "websocket_max_message_bytes must be positive");
  require(config.webSocketQueueMessages >= 1, "websocket_queue_messages must be positive");
  require(config.webSocketQueueBytes >= 1, "websocket_queue_bytes must be positive");
  require(config.webSocketIdleTimeout.count() > 0, "websocket_idle_timeout must be positive");
  require(config.webSocketCloseTimeout.count() > 0, "websocket_close_timeout must be positive");
  if (problems.empty()) return {};
  std::string message = "invalid HTTP server config: ";
  for (std::size_t i = 0; i < problems.size(); ++i) {
    if (i > 0) message += "; ";
    message += problems[i];
  }
  return fail(kInvalidConfig, message);
}

namespace server_detail {

enum class Reject : std::size_t {
  ConnectionLimit, IpLimit, HeaderTooLarge, BodyTooLarge, BadRequest, Timeout, TlsHandshake,
  PlainHttpOnTls, Count
};
constexpr std::array<std::string_view, static_cast<std::size_t>(Reject::Count)> kRejectNames{
    "connection_limit", "ip_limit", "header_too_large", "body_too_large", "bad_request",
    "timeout", "tls_handshake", "plain_http_on_tls"};

// TLS 1.2 suites: forward-secret AEAD only (Mozilla's "intermediate" profile without DHE, which
// would need configured parameters). TLS 1.3 keeps OpenSSL's defaults, all of them AEAD.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

constexpr std::size_t kMethods = 8;
constexpr int kMinStatus = 100;
constexpr int kStatuses = 500;  // 100..599
// Over-limit connections still get a 503; beyond this many at once they are just closed.
constexpr std::size_t kMaxRejecting = 64;
constexpr std::size_t kMaxLingerBytes = 1024 * 1024;
constexpr std::chrono::milliseconds kAcceptRetry{50};
constexpr std::chrono::milliseconds kForceCloseGrace{200};
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

// Beast 1.74 speaks boost::string_view.
std::string_view sv(beast::string_view s) { return {s.data(), s.size()}; }

std::int64_t monotonicNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string endpointLabel(std::string_view host, std::uint16_t port) {
  if (host.find(':') != std::string_view::npos) return fmt::format("[{}]:{}", host, port);
  return fmt::format("{}:{}", host, port);
}

class EndpointMetrics {
 public:
  EndpointMetrics(metrics::Registry& registry, std::uint16_t port)
      : registry_(registry),
        port_(std::to_string(port)),
        requests_(std::make_unique<std::atomic<metrics::Counter*>[]>(kMethods * kStatuses)),
        duration(registry.histogram("ait_http_request_duration_seconds",
                                    "Time from a request's header to its response written.",
                                    {{"port", port_}})),
        connections(registry.gauge("ait_http_connections",
                                   "Open HTTP and WebSocket connections.", {{"port", port_}})),
        webSockets(registry.gauge("ait_http_websocket_connections", "Open WebSocket connections.",
                                  {{"port", port_}})),
        handlerErrors(registry.counter("ait_http_handler_errors_total",
                                       "Handlers and WebSocket callbacks that threw or returned "
                                       "an invalid response.",
                                       {{"port", port_}})),
        slowConsumers(registry.counter("ait_http_websocket_slow_consumers_total",
                                       "WebSocket connections dropped because their outgoing "
                                       "queue was full.",
                                       {{"port", port_}})),
        acceptErrors(registry.counter("ait_http_accept_errors_total",
                                      "Failed accepts (e.g. out of file descriptors).",
                                      {{"port", port_}})) {
    for (std::size_t i = 0; i < kRejectNames.size(); ++i) {
      rejected_[i] = &registry.counter("ait_http_rejected_total",
                                       "Connections and requests refused, by reason.",
                                       {{"port", port_}, {"reason", std::string(kRejectNames[i])}});
    }
  }

  metrics::Counter& rejected(Reject reason) { return *rejected_[static_cast<std::size_t>(reason)]; }

  // Series are registered on first use of a method/status pair, then updated lock-free.
  metrics::Counter& requests(Method method, int status) {
    if (status < kMinStatus || status >= kMinStatus + kStatuses) status = 500;
    auto& slot = requests_[static_cast<std::size_t>(method) * kStatuses +
                           static_cast<std::size_t>(status - kMinStatus)];
    if (auto* counter = slot.load(std::memory_order_acquire)) return *counter;
    auto* counter = &registry_.counter(
        "ait_http_requests_total", "HTTP requests answered, by port, method and status.",
        {{"port", port_}, {"method", std::string(toString(method))},
         {"status", std::to_string(status)}});
    slot.store(counter, std::memory_order_release);
    return *counter;
  }

  const std::string& port() const { return port_; }

 private:
  metrics::Registry& registry_;
  std::string port_;
  std::unique_ptr<std::atomic<metrics::Counter*>[]> requests_;
  std::array<metrics::Counter*, kRejectNames.size()> rejected_{};

 public:
  metrics::Histogram& duration;
  metrics::Gauge& connections;
  metrics::Gauge& webSockets;
  metrics::Counter& handlerErrors;
  metrics::Counter& slowConsumers;
  metrics::Counter& acceptErrors;
};

struct Listener {
  ListenEndpoint endpoint;
  std::optional<TlsFiles> tlsFiles;
  std::optional<net::ssl::context> tls;  // built by start() from tlsFiles
  Router router;
  std::string label;  // host:port as configured, for errors and logs
  std::uint16_t boundPort = 0;
  std::optional<tcp::acceptor> acceptor;
  std::optional<net::steady_timer> retryTimer;
  std::unique_ptr<EndpointMetrics> metrics;
};

class Connection;
struct ServerCore;

/// The admission of one TCP connection: counted against the limits while it lives.
class ConnectionSlot {
 public:
  ConnectionSlot(ServerCore& server, Listener& listener, std::string ip, std::uint16_t port,
                 bool admitted)
      : server_(server), listener_(listener), ip_(std::move(ip)), port_(port),
        admitted_(admitted) {}
  ConnectionSlot(const ConnectionSlot&) = delete;
  ConnectionSlot& operator=(const ConnectionSlot&) = delete;
  ~ConnectionSlot();

  Listener& listener() const { return listener_; }
  EndpointMetrics& metrics() const { return *listener_.metrics; }
  const std::string& ip() const { return ip_; }
  std::uint16_t port() const { return port_; }

 private:
  ServerCore& server_;
  Listener& listener_;
  std::string ip_;
  std::uint16_t port_;
  bool admitted_;
};

struct ServerCore {
  ServerCore(HttpServerConfig cfg, metrics::Registry& reg)
      : config(std::move(cfg)), registry(reg), log(ait::log::logger("http")) {
    ioc.emplace(static_cast<int>(std::max<std::size_t>(config.ioThreads, 1)));
  }

  HttpServerConfig config;
  metrics::Registry& registry;
  std::shared_ptr<spdlog::logger> log;

  mutable std::mutex mutex;
  std::condition_variable idle;
  std::unordered_map<std::uint64_t, std::weak_ptr<Connection>> connections;
  std::uint64_t nextId = 1;
  std::unordered_map<std::string, std::size_t> perIp;
  std::size_t admitted = 0;
  std::atomic<std::size_t> rejecting{0};
  std::atomic<bool> accepting{false};
  std::atomic<bool> draining{false};

  enum class State { Created, Running, Stopped };
  State state = State::Created;
  bool drained = false;

  // Declared after the bookkeeping above: connections destroyed with the I/O context still
  // find it, and the destructor resets the context before the listeners go.
  std::optional<net::io_context> ioc;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::vector<std::unique_ptr<Listener>> listeners;
  std::vector<std::thread> threads;

  bool onIoThread() { return ioc->get_executor().running_in_this_thread(); }

  std::uint64_t track(std::weak_ptr<Connection> connection) {
    std::lock_guard lock(mutex);
    auto id = nextId++;
    connections.emplace(id, std::move(connection));
    return id;
  }

  void untrack(std::uint64_t id) {
    std::lock_guard lock(mutex);
    connections.erase(id);
    if (connections.empty()) idle.notify_all();
  }

  std::vector<std::shared_ptr<Connection>> snapshot() const {
    std::vector<std::shared_ptr<Connection>> out;
    std::lock_guard lock(mutex);
    out.reserve(connections.size());
    for (const auto& [id, weak] : connections) {
      if (auto strong = weak.lock()) out.push_back(std::move(strong));
    }
    return out;
  }

  std::optional<Reject> admit(Listener& listener, const std::string& ip) {
    std::lock_guard lock(mutex);
    if (admitted >= config.maxConnections) return Reject::ConnectionLimit;
    auto& count = perIp[ip];
    if (count >= config.maxConnectionsPerIp) {
      if (count == 0) perIp.erase(ip);
      return Reject::IpLimit;
    }
    ++count;
    ++admitted;
    listener.metrics->connections.add(1);
    return std::nullopt;
  }

  void release(Listener& listener, const std::string& ip) {
    std::lock_guard lock(mutex);
    --admitted;
    if (auto it = perIp.find(ip); it != perIp.end() && --it->second == 0) perIp.erase(it);
    listener.metrics->connections.add(-1);
  }

  void accept(Listener& listener);
  void onAccept(Listener& listener, const beast::error_code& ec, tcp::socket socket);
  std::string bind(Listener& listener);
  std::string setUpTls(Listener& listener);
  Expected<void> start();
  void closeAcceptor(Listener& listener);
  void stopAccepting();
  bool drain(std::chrono::steady_clock::time_point deadline);
  void stop();
  void reportHandlerFailure(EndpointMetrics& metrics, const ErrorCode& code, std::string message);
};

ConnectionSlot::~ConnectionSlot() {
  if (admitted_) {
    server_.release(listener_, ip_);
  } else {
    server_.rejecting.fetch_sub(1);
  }
}

void ServerCore::reportHandlerFailure(EndpointMetrics& metrics, const ErrorCode& code,
                                      std::string message) {
  metrics.handlerErrors.inc();
  Error error(code, std::move(message));
  ait::log::logError(*log, error, {{"port", metrics.port()}});
  ErrorRegistry::global().record(error);
}

/// Something the server can ask to finish (drain) or kill (forceClose) from another thread.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  explicit Connection(ServerCore& server) : server_(server) {}
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  virtual ~Connection() {
    if (id_ != 0) server_.untrack(id_);
  }
  /// Asks the connection to finish its current work and close; thread-safe.
  virtual void drain() = 0;
  /// Closes the socket now; thread-safe.
  virtual void forceClose() = 0;
  /// Called once the I/O threads have stopped: cut every path from other threads into it.
  virtual void detach() {}

 protected:
  void track() { id_ = server_.track(weak_from_this()); }

  ServerCore& server_;
  std::uint64_t id_ = 0;
};

template <class Conn>
class Channel final : public detail::WebSocketChannel {
 public:
  Channel(net::any_io_executor executor, std::size_t maxMessages, std::size_t maxBytes)
      : executor_(std::move(executor)), maxMessages_(maxMessages), maxBytes_(maxBytes) {}

  void bind(std::weak_ptr<Conn> connection) { connection_ = std::move(connection); }
  bool send(std::string message, bool binary) override;
  void close(std::uint16_t code, std::string reason) override;
  bool isOpen() const override {
    std::lock_guard lock(mutex_);
    return state_ == State::Open;
  }
  std::size_t queued() const override {
    std::lock_guard lock(mutex_);
    return queued_;
  }

  void open() { setState(State::Open); }
  void markClosing() {
    std::lock_guard lock(mutex_);
    if (state_ == State::Open) state_ = State::Closing;
  }
  // After this nothing is posted to the connection's executor any more, and the executor (a
  // strand, which refers into the I/O context) is dropped: sessions that the application keeps
  // may outlive the server.
  void markClosed() {
    net::any_io_executor executor;
    std::lock_guard lock(mutex_);
    state_ = State::Closed;
    executor = std::move(executor_);
    executor_ = net::any_io_executor();
  }
  void release(std::size_t bytes) {
    std::lock_guard lock(mutex_);
    if (queued_ > 0) --queued_;
    queuedBytes_ -= std::min(queuedBytes_, bytes);
  }

 private:
  enum class State : std::uint8_t { Pending, Open, Closing, Closed };
  void setState(State state) {
    std::lock_guard lock(mutex_);
    state_ = state;
  }

  mutable std::mutex mutex_;
  State state_ = State::Pending;
  std::size_t queued_ = 0;
  std::size_t queuedBytes_ = 0;
  net::any_io_executor executor_;
  std::size_t maxMessages_;
  std::size_t maxBytes_;
  std::weak_ptr<Conn> connection_;
};

template <class Stream>
class WsConnection final : public Connection {
 public:
  WsConnection(ServerCore& server, std::unique_ptr<ConnectionSlot> slot, Stream stream,
               std::shared_ptr<WebSocketSession> session)
      : Connection(server),
        slot_(std::move(slot)),
        ws_(std::move(stream)),
        closeTimer_(ws_.get_executor()),
        session_(std::move(session)),
        channel_(std::make_shared<Channel<WsConnection>>(ws_.get_executor(),
                                                         server.config.webSocketQueueMessages,
                                                         server.config.webSocketQueueBytes)) {}

  ~WsConnection() override { channel_->markClosed(); }

  void start(bhttp::request<bhttp::string_body> request) {
    track();
    channel_->bind(std::static_pointer_cast<WsConnection>(shared_from_this()));
    upgradeRequest_ = std::move(request);
    const auto& config = server_.config;
    beast::get_lowest_layer(ws_).expires_never();
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = config.requestTimeout;
    timeouts.idle_timeout = config.webSocketIdleTimeout;
    timeouts.keep_alive_pings = true;
    ws_.set_option(timeouts);
    ws_.read_message_max(config.webSocketMaxMessageBytes);
    // One frame per message, written in one call: Beast's default cuts outgoing messages into
    // 4 KiB frames, a system call each, which dominated stream fan-out.
    ws_.auto_fragment(false);
    ws_.async_accept(upgradeRequest_,
                     [self = self()](beast::error_code ec) { self->onAccept(ec); });
  }

  void drain() override {
    net::post(ws_.get_executor(), [self = self()] {
      if (!self->opened_) {
        self->closeSocket();
      } else {
        self->startClose(close_code::kGoingAway, "server shutting down");
      }
    });
  }

  void forceClose() override {
    net::post(ws_.get_executor(), [self = self()] { self->closeSocket(); });
  }

  void detach() override { channel_->markClosed(); }

  void enqueue(std::string message, bool binary) {
    if (closing_ || finished_) {
      channel_->release(message.size());
      return;
    }
    queue_.push_back({std::move(message), binary});
    if (!writing_) writeNext();
  }

  void startClose(std::uint16_t code, std::string reason) {
    if (closing_ || finished_) return;
    closing_ = true;
    channel_->markClosing();
    if (!closeInfo_) closeInfo_ = WebSocketCloseInfo{code, reason, false};
    // Unsent messages are dropped; the one being written must stay alive until its write ends.
    while (queue_.size() > (writing_ ? 1U : 0U)) {
      channel_->release(queue_.back().data.size());
      queue_.pop_back();
    }
    closeTimer_.expires_after(server_.config.webSocketCloseTimeout);
    closeTimer_.async_wait([self = self()](beast::error_code ec) {
      if (!ec && !self->finished_) self->closeSocket();
    });
    if (reason.size() > 120) reason.resize(120);  // a close frame's reason is at most 123 bytes
    ws_.async_close(websocket::close_reason(static_cast<websocket::close_code>(code), reason), [self = self()](beast::error_code ec) {
      if (ec && !self->finished_) self->closeSocket();
    });
  }

  void onSlowConsumer() {
    if (closing_ || finished_) return;
    slot_->metrics().slowConsumers.inc();
    ait::log::warn(*server_.log, "websocket client too slow, dropping it",
                   {{"port", slot_->metrics().port()}, {"remote", slot_->ip()},
                    {"code", kSlowConsumer.code}});
    startClose(close_code::kPolicyViolation, "slow consumer: outgoing queue full");
  }

 private:
  struct Outgoing {
    std::string data;
    bool binary;
  };

  std::shared_ptr<WsConnection> self() {
    return std::static_pointer_cast<WsConnection>(shared_from_this());
  }

  void closeSocket() {
    beast::error_code ignored;
    auto& socket = beast::get_lowest_layer(ws_).socket();
    if (socket.is_open()) socket.shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(ws_).close();
  }

  template <class F>
  void invoke(std::string_view callback, F&& f) {
    try {
      f();
      return;
    } catch (const std::exception& e) {
      server_.reportHandlerFailure(slot_->metrics(), kWebSocketFailed,
                                   fmt::format("websocket {} threw '{}'", callback, e.what()));
    } catch (...) {
      server_.reportHandlerFailure(slot_->metrics(), kWebSocketFailed,
                                   fmt::format("websocket {} threw", callback));
    }
    startClose(close_code::kInternalError, "internal error");
  }

  void onAccept(beast::error_code ec) {
    upgradeRequest_ = {};
    if (ec) {
      ait::log::debug(*server_.log, "websocket handshake failed",
                      {{"remote", slot_->ip()}, {"error", ec.message()}});
      finished_ = true;
      channel_->markClosed();
      closeSocket();
      return;
    }
    opened_ = true;
    slot_->metrics().webSockets.add(1);
    channel_->open();
    detail::WebSocketAttach::attach(*session_, channel_);
    if (server_.draining.load()) {
      startClose(close_code::kGoingAway, "server shutting down");
    } else {
      invoke("onOpen", [&] { session_->onOpen(); });
    }
    read();
  }

  void read() {
    ws_.async_read(buffer_, [self = self()](beast::error_code ec, std::size_t) {
      self->onRead(ec);
    });
  }

  void onRead(beast::error_code ec) {
    if (ec) return onReadEnded(ec);
    auto data = buffer_.data();
    std::string_view message(static_cast<const char*>(data.data()), data.size());
    if (!closing_) {
      if (ws_.got_text()) {
        invoke("onText", [&] { session_->onText(message); });
      } else {
        invoke("onBinary", [&] { session_->onBinary(message); });
      }
    }
    buffer_.consume(buffer_.size());
    if (!finished_) read();
  }

  void onReadEnded(beast::error_code ec) {
    if (!closeInfo_) {
      if (ec == websocket::error::closed) {
        const auto& reason = ws_.reason();
        closeInfo_ = WebSocketCloseInfo{static_cast<std::uint16_t>(reason.code),
                                        std::string(reason.reason.data(), reason.reason.size()),
                                        true};
      } else if (ec == websocket::error::message_too_big) {
        closeInfo_ = WebSocketCloseInfo{close_code::kTooBig, "message too big", false};
      } else {
        closeInfo_ = WebSocketCloseInfo{0, ec.message(), true};
      }
    }
    finish();
  }

  void writeNext() {
    writing_ = true;
    const auto& front = queue_.front();
    ws_.text(!front.binary);
    ws_.async_write(net::buffer(front.data), [self = self()](beast::error_code ec, std::size_t) {
      self->onWrite(ec);
    });
  }

  void onWrite(beast::error_code ec) {
    writing_ = false;
    if (!queue_.empty()) {
      channel_->release(queue_.front().data.size());
      queue_.pop_front();
    }
    if (ec) {
      if (!finished_) closeSocket();
      return;
    }
    if (!queue_.empty() && !closing_ && !finished_) writeNext();
  }

  void finish() {
    if (finished_) return;
    finished_ = true;
    closeTimer_.cancel();
    channel_->markClosed();
    while (queue_.size() > (writing_ ? 1U : 0U)) queue_.pop_back();
    if (opened_) {
      slot_->metrics().webSockets.add(-1);
      auto info = closeInfo_.value_or(WebSocketCloseInfo{0, "connection lost", true});
      try {
        session_->onClose(info);
      } catch (const std::exception& e) {
        server_.reportHandlerFailure(slot_->metrics(), kWebSocketFailed,
                                     fmt::format("websocket onClose threw '{}'", e.what()));
      } catch (...) {
        server_.reportHandlerFailure(slot_->metrics(), kWebSocketFailed,
                                     "websocket onClose threw");
      }
    }
    closeSocket();
  }

  std::unique_ptr<ConnectionSlot> slot_;
  websocket::stream<Stream> ws_;
  net::steady_timer closeTimer_;
  beast::flat_buffer buffer_;
  bhttp::request<bhttp::string_body> upgradeRequest_;
  std::shared_ptr<WebSocketSession> session_;
  std::shared_ptr<Channel<WsConnection>> channel_;
  std::deque<Outgoing> queue_;
  std::optional<WebSocketCloseInfo> closeInfo_;
  bool opened_ = false;
  bool writing_ = false;
  bool closing_ = false;
  bool finished_ = false;
};

template <class Conn>
bool Channel<Conn>::send(std::string message, bool binary) {
  std::lock_guard lock(mutex_);
  if (state_ != State::Open) return false;
  if (queued_ + 1 > maxMessages_ || queuedBytes_ + message.size() > maxBytes_) {
    state_ = State::Closing;
    net::post(executor_, [weak = connection_] {
      if (auto connection = weak.lock()) connection->onSlowConsumer();
    });
    return false;
  }
  ++queued_;
  queuedBytes_ += message.size();
  net::post(executor_, [weak = connection_, message = std::move(message), binary]() mutable {
    if (auto connection = weak.lock()) connection->enqueue(std::move(message), binary);
  });
  return true;
}

template <class Conn>
void Channel<Conn>::close(std::uint16_t code, std::string reason) {
  std::lock_guard lock(mutex_);
  if (state_ != State::Open) return;
  net::post(executor_, [weak = connection_, code, reason = std::move(reason)]() mutable {
    if (auto connection = weak.lock()) connection->startClose(code, std::move(reason));
  });
}

template <class Stream>
class HttpSession final : public Connection {
 public:
  HttpSession(ServerCore& server, std::unique_ptr<ConnectionSlot> slot, tcp::socket socket,
              std::optional<Reject> reject, net::ssl::context* tls)
      : Connection(server),
        slot_(std::move(slot)),
        stream_(makeStream(std::move(socket), tls)),
        executor_(stream_.get_executor()),
        requestTimer_(executor_),
        reject_(reject) {}

  void start() {
    track();
    net::dispatch(executor_, [self = self()] {
      if constexpr (kTls<Stream>) {
        self->detectTls();
      } else {
        self->begin();
      }
    });
  }

  // Both post to the saved executor: after an upgrade stream_ is moved from.
  void drain() override {
    net::post(executor_, [self = self()] {
      if (self->state_ == State::Idle) self->lowest().cancel();
    });
  }

  void forceClose() override {
    net::post(executor_, [self = self()] { self->closeNow(); });
  }

 private:
  enum class State : std::uint8_t { Idle, Reading, Handling, Closing };

  std::shared_ptr<HttpSession> self() {
    return std::static_pointer_cast<HttpSession>(shared_from_this());
  }
  EndpointMetrics& metrics() { return slot_->metrics(); }
  const HttpServerConfig& config() const { return server_.config; }
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  static Stream makeStream(tcp::socket socket, net::ssl::context* tls) {
    if constexpr (kTls<Stream>) {
      return Stream(std::move(socket), *tls);
    } else {
      (void)tls;
      return Stream(std::move(socket));
    }
  }

  void begin() {
    if (reject_) {
      refuse(*reject_);
    } else {
      waitForRequest();
    }
  }

  // The first bytes tell a TLS ClientHello from plain HTTP, so a client that used the wrong
  // scheme gets a readable 400 instead of a failed handshake.
  void detectTls() {
    lowest().expires_after(config().requestTimeout);
    beast::async_detect_ssl(lowest(), buffer_,
                            [self = self()](beast::error_code ec, bool isTls) {
                              if (ec) return self->closeNow();
                              if (!isTls) return self->refusePlainHttp();
                              self->handshake();
                            });
  }

  void handshake() {
    if constexpr (kTls<Stream>) {
      stream_.async_handshake(
          net::ssl::stream_base::server, buffer_.data(),
          [self = self()](beast::error_code ec, std::size_t used) {
            if (ec) {
              self->metrics().rejected(Reject::TlsHandshake).inc();
              ait::log::debug(*self->server_.log, "TLS handshake failed",
                              {{"port", self->metrics().port()}, {"remote", self->slot_->ip()},
                               {"error", ec.message()}});
              return self->closeNow();
            }
            self->buffer_.consume(used);
            self->tlsUp_ = true;
            self->begin();
          });
    }
  }

  // Written on the raw socket, as nginx does: the client speaks no TLS.
  void refusePlainHttp() {
    metrics().rejected(Reject::PlainHttpOnTls).inc();
    auto response = problem(400, kPlainHttpOnTls,
                            "this port speaks TLS only: use https:// or wss://");
    plainRefusal_ = fmt::format(
        "HTTP/1.1 400 Bad Request\r\nContent-Type: {}\r\nContent-Length: {}\r\n"
        "Connection: close\r\n\r\n{}",
        response.contentType, response.body.size(), response.body);
    state_ = State::Closing;
    buffer_.consume(buffer_.size());
    lowest().expires_after(config().writeTimeout);
    net::async_write(lowest(), net::buffer(plainRefusal_),
                     [self = self()](beast::error_code ec, std::size_t) {
                       if (ec) return self->closeNow();
                       self->lingerClose();
                     });
  }

  void refuse(Reject reason) {
    auto detail = reason == Reject::IpLimit
                      ? fmt::format("too many connections from {}", slot_->ip())
                      : std::string("too many connections");
    auto response = problem(503, kOverloaded, detail);
    response.setHeader("Retry-After", "1");
    sendResponse(std::move(response), Method::Other, 11, false, false);
  }

  void waitForRequest() {
    state_ = State::Idle;
    if (server_.draining.load()) return closeNow();
    if (buffer_.size() > 0) return readHeader();
    lowest().expires_after(firstRequest_ ? config().requestTimeout : config().keepAliveTimeout);
    stream_.async_read_some(buffer_.prepare(4096),
                            [self = self()](beast::error_code ec, std::size_t n) {
                              if (ec) return self->closeNow();
                              self->buffer_.commit(n);
                              self->readHeader();
                            });
  }

  void readHeader() {
    state_ = State::Reading;
    timedOut_ = false;
    requestStartNs_ = monotonicNs();
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(
        std::min<std::size_t>(config().maxHeaderBytes, std::numeric_limits<std::uint32_t>::max())));
    parser_->body_limit(config().maxBodyBytes);
    // The request deadline cancels the read instead of closing the socket (as the stream's own
    // timeout would), so the client still gets its 408.
    lowest().expires_never();
    requestTimer_.expires_after(config().requestTimeout);
    requestTimer_.async_wait([self = self()](beast::error_code ec) {
      if (ec || self->state_ != State::Reading) return;
      self->timedOut_ = true;
      beast::error_code ignored;
      self->lowest().socket().cancel(ignored);
    });
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             [self = self()](beast::error_code ec, std::size_t) {
                               self->onHeader(ec);
                             });
  }

  void onHeader(beast::error_code ec) {
    if (ec) return onReadError(ec);
    const auto& request = parser_->get();
    if (!parser_->is_done() && request.version() >= 11 &&
        iequals(sv(request[bhttp::field::expect]), "100-continue")) {
      net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                       [self = self()](beast::error_code writeEc, std::size_t) {
                         if (writeEc) return self->closeNow();
                         self->readBody();
                       });
      return;
    }
    readBody();
  }

  void readBody() {
    if (parser_->is_done()) return handle();
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = self()](beast::error_code ec, std::size_t) {
                        if (ec) return self->onReadError(ec);
                        self->handle();
                      });
  }

  Method parsedMethod() const {
    if (!parser_ || !parser_->is_header_done()) return Method::Other;
    return parseMethod(sv(parser_->get().method_string()));
  }

  void onReadError(beast::error_code ec) {
    requestTimer_.cancel();
    if (timedOut_) {
      return sendError(408, kRequestTimeout,
                       fmt::format("the request did not arrive within {} ms",
                                   config().requestTimeout.count()),
                       Reject::Timeout);
    }
    if (ec == bhttp::error::header_limit || ec == bhttp::error::buffer_overflow) {
      return sendError(431, kHeaderTooLarge,
                       fmt::format("the request header exceeds {} bytes", config().maxHeaderBytes),
                       Reject::HeaderTooLarge);
    }
    if (ec == bhttp::error::body_limit) {
      return sendError(413, kBodyTooLarge,
                       fmt::format("the request body exceeds {} bytes", config().maxBodyBytes),
                       Reject::BodyTooLarge);
    }
    if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
        ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message &&
        ec != bhttp::error::need_more) {
      return sendError(400, kBadRequest, fmt::format("malformed request: {}", ec.message()),
                       Reject::BadRequest);
    }
    closeNow();  // the client went away or the socket failed: nobody to answer
  }

  void sendError(int status, const ErrorCode& code, std::string detail, Reject reason) {
    metrics().rejected(reason).inc();
    ait::log::debug(*server_.log, "request refused",
                    {{"port", metrics().port()}, {"remote", slot_->ip()},
                     {"status", std::to_string(status)}, {"detail", detail}});
    sendResponse(problem(status, code, detail), parsedMethod(), 11, false, true);
  }

  Request makeRequest(bhttp::request<bhttp::string_body>& message) {
    Request request;
    request.methodName = std::string(message.method_string());
    request.method = parseMethod(request.methodName);
    request.target = std::string(message.target());
    std::string_view target = request.target;
    if (target.starts_with("http://") || target.starts_with("https://")) {
      // Absolute form, as sent to proxies: route on its path.
      auto authority = target.find("//") + 2;
      auto slash = target.find('/', authority);
      target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
    }
    auto question = target.find('?');
    request.path = std::string(target.substr(0, question));
    if (question != std::string_view::npos) {
      request.queryParams = parseQuery(target.substr(question + 1));
    }
    request.headers.reserve(16);
    for (const auto& field : message) {
      request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    request.body = std::move(message.body());
    request.remoteAddress = slot_->ip();
    request.remotePort = slot_->port();
    request.localPort = slot_->listener().boundPort;
    request.version = message.version();
    return request;
  }

  void handle() {
    state_ = State::Handling;
    requestTimer_.cancel();
    auto message = parser_->release();
    parser_.reset();
    bool keepAlive = message.keep_alive();
    auto request = makeRequest(message);
    if (request.path.empty() || (request.path.front() != '/' && request.path != "*")) {
      return sendError(400, kBadRequest, "the request target must be a path",
                       Reject::BadRequest);
    }
    auto& router = slot_->listener().router;
    if (websocket::is_upgrade(message)) {
      auto match = router.resolve(request, true);
      if (match.kind == RouteMatch::Kind::WebSocket) {
        return upgrade(*match.factory, request, std::move(message));
      }
    }
    DispatchInfo info;
    auto response = router.handle(request, &info);
    if (info.handlerThrew) {
      server_.reportHandlerFailure(
          metrics(), kHandlerFailed,
          fmt::format("handler for {} {} threw '{}'", request.methodName,
                      request.route.empty() ? request.path : request.route, info.error));
    }
    debugLog(request, response.status);
    sendResponse(std::move(response), request.method, message.version(),
                 keepAlive && !server_.draining.load(), true);
  }

  void debugLog(const Request& request, int status) {
    if (!server_.log->should_log(spdlog::level::debug)) return;
    ait::log::debug(*server_.log, "request",
                    {{"port", metrics().port()}, {"method", request.methodName},
                     {"path", request.path}, {"status", std::to_string(status)},
                     {"remote", request.remoteAddress}});
  }

  void upgrade(const WebSocketFactory& factory, const Request& request,
               bhttp::request<bhttp::string_body> message) {
    auto version = message.version();
    std::optional<WebSocketAccept> accepted;
    try {
      accepted.emplace(factory(request));
    } catch (const std::exception& e) {
      server_.reportHandlerFailure(metrics(), kHandlerFailed,
                                   fmt::format("websocket factory for {} threw '{}'",
                                               request.route, e.what()));
    } catch (...) {
      server_.reportHandlerFailure(metrics(), kHandlerFailed,
                                   fmt::format("websocket factory for {} threw", request.route));
    }
    if (!accepted) {
      return sendResponse(
          problem(500, kHandlerFailed, "the upgrade could not be handled", request.path),
          Method::Get, version, false, true);
    }
    if (accepted->rejection()) {
      return sendResponse(*accepted->rejection(), Method::Get, version, false, true);
    }
    if (!accepted->session()) {
      return sendResponse(problem(403, kUpgradeRequired, "the upgrade was refused", request.path),
                          Method::Get, version, false, true);
    }
    if (server_.draining.load()) {
      return sendResponse(problem(503, kShuttingDown, "the server is shutting down", request.path),
                          Method::Get, version, false, true);
    }
    metrics().requests(Method::Get, 101).inc();
    debugLog(request, 101);
    state_ = State::Closing;
    upgraded_ = true;
    auto connection = std::make_shared<WsConnection<Stream>>(
        server_, std::move(slot_), std::move(stream_), accepted->session());
    connection->start(std::move(message));
  }

  static bool safeHeader(std::string_view name, std::string_view value) {
    if (name.empty()) return false;
    auto bad = [](char c) { return c == '\r' || c == '\n' || c == '\0'; };
    if (std::any_of(name.begin(), name.end(), bad) || std::any_of(value.begin(), value.end(), bad)) {
      return false;
    }
    return !iequals(name, "Content-Length") && !iequals(name, "Transfer-Encoding") &&
           !iequals(name, "Connection") && !iequals(name, "Content-Type");
  }

  void sendResponse(Response response, Method method, unsigned version, bool keepAlive,
                    bool countRequest) {
    if (response.status < 100 || response.status > 599) {
      server_.reportHandlerFailure(
          metrics(), kHandlerFailed,
          fmt::format("handler returned invalid HTTP status {}", response.status));
      response = problem(500, kHandlerFailed, "the request could not be handled");
    }
    response_ = {};
    response_.version(version == 10 ? 10 : 11);
    response_.result(static_cast<unsigned>(response.status));
    if (bhttp::int_to_status(static_cast<unsigned>(response.status)) == bhttp::status::unknown) {
      auto phrase = reasonPhrase(response.status);
      response_.reason(beast::string_view(phrase.data(), phrase.size()));
    }
    for (auto& [name, value] : response.headers) {
      if (safeHeader(name, value)) {
        response_.insert(name, value);
      } else if (!iequals(name, "Content-Type")) {
        ait::log::warn(*server_.log, "dropped a response header",
                       {{"port", metrics().port()}, {"header", name}});
      }
    }
    auto status = response.status;
    bool noBody = status < 200 || status == 204 || status == 304;
    if (!noBody) {
      if (!response.contentType.empty()) {
        response_.set(bhttp::field::content_type, response.contentType);
      }
      response_.content_length(response.body.size());
      if (method != Method::Head) response_.body() = std::move(response.body);
    }
    response_.keep_alive(keepAlive);
    if (countRequest) metrics().requests(method, status).inc();
    state_ = State::Handling;
    lowest().expires_after(config().writeTimeout);
    bhttp::async_write(stream_, response_,
                       [self = self(), keepAlive, countRequest](beast::error_code ec, std::size_t) {
                         self->onWrite(ec, keepAlive, countRequest);
                       });
  }

  void onWrite(beast::error_code ec, bool keepAlive, bool measured) {
    if (measured && requestStartNs_ != 0) {
      metrics().duration.observeNs(monotonicNs() - requestStartNs_);
    }
    response_ = {};
    if (ec) return closeNow();
    if (!keepAlive) return lingerClose();
    firstRequest_ = false;
    waitForRequest();
  }

  // Closing right after a response with unread request bytes in the kernel would send a reset
  // that can destroy the response before the client reads it; so: half-close, drain, close.
  // Over TLS the close_notify alert goes first (the peer's answer is awaited as long as a linger).
  void lingerClose() {
    state_ = State::Closing;
    if constexpr (kTls<Stream>) {
      if (tlsUp_) {
        lowest().expires_after(config().lingerTimeout.count() > 0 ? config().lingerTimeout
                                                                  : kForceCloseGrace);
        stream_.async_shutdown([self = self()](beast::error_code) { self->closeNow(); });
        return;
      }
    }
    beast::error_code ec;
    lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec || config().lingerTimeout.count() == 0) return closeNow();
    lowest().expires_after(config().lingerTimeout);
    readDiscard();
  }

  // Reads the raw socket: only used on plain connections and before a TLS handshake.
  void readDiscard() {
    lowest().async_read_some(net::buffer(discard_),
                            [self = self()](beast::error_code ec, std::size_t n) {
                              self->lingered_ += n;
                              if (ec || self->lingered_ > kMaxLingerBytes) return self->closeNow();
                              self->readDiscard();
                            });
  }

  void closeNow() {
    if (upgraded_) return;  // the socket now belongs to the WebSocket connection
    state_ = State::Closing;
    requestTimer_.cancel();
    beast::error_code ignored;
    if (lowest().socket().is_open()) lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    lowest().close();
  }

  std::unique_ptr<ConnectionSlot> slot_;
  Stream stream_;
  net::any_io_executor executor_;
  net::steady_timer requestTimer_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bhttp::response<bhttp::string_body> response_;
  std::optional<Reject> reject_;
  State state_ = State::Idle;
  bool firstRequest_ = true;
  bool timedOut_ = false;
  bool upgraded_ = false;
  bool tlsUp_ = false;
  std::int64_t requestStartNs_ = 0;
  std::size_t lingered_ = 0;
  std::array<char, 4096> discard_{};
  std::string plainRefusal_;
};

void ServerCore::accept(Listener& listener) {
  listener.acceptor->async_accept(
      net::make_strand(*ioc), [this, &listener](beast::error_code ec, tcp::socket socket) {
        onAccept(listener, ec, std::move(socket));
      });
}

void ServerCore::onAccept(Listener& listener, const beast::error_code& ec, tcp::socket socket) {
  if (!accepting.load() || ec == net::error::operation_aborted) return;
  if (ec) {
    // Typically out of file descriptors: back off instead of spinning on the error.
    listener.metrics->acceptErrors.inc();
    ait::log::warn(*log, "accept failed",
                   {{"endpoint", listener.label}, {"error", ec.message()},
                    {"code", kAcceptFailed.code}});
    listener.retryTimer->expires_after(kAcceptRetry);
    listener.retryTimer->async_wait([this, &listener](beast::error_code timerEc) {
      if (!timerEc && accepting.load()) accept(listener);
    });
    return;
  }
  beast::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  auto remote = socket.remote_endpoint(ignored);
  auto address = remote.address();
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    address = net::ip::make_address_v4(net::ip::v4_mapped, address.to_v6());
  }
  auto ip = address.to_string();
  auto launch = [&](std::unique_ptr<ConnectionSlot> slot, std::optional<Reject> rejected) {
    if (listener.tls) {
      std::make_shared<HttpSession<TlsStream>>(*this, std::move(slot), std::move(socket), rejected,
                                               &*listener.tls)
          ->start();
    } else {
      std::make_shared<HttpSession<PlainStream>>(*this, std::move(slot), std::move(socket),
                                                 rejected, nullptr)
          ->start();
    }
  };
  auto reason = admit(listener, ip);
  if (reason) {
    listener.metrics->rejected(*reason).inc();
    if (rejecting.fetch_add(1) >= kMaxRejecting) {
      rejecting.fetch_sub(1);
      socket.close(ignored);
    } else {
      launch(std::make_unique<ConnectionSlot>(*this, listener, ip, remote.port(), false), reason);
    }
  } else {
    launch(std::make_unique<ConnectionSlot>(*this, listener, ip, remote.port(), true),
           std::nullopt);
  }
  accept(listener);
}

std::string ServerCore::bind(Listener& listener) {
  const auto& endpoint = listener.endpoint;
  beast::error_code ec;
  auto address = net::ip::make_address(endpoint.host, ec);
  if (ec) {
    tcp::resolver resolver(*ioc);
    auto results = resolver.resolve(endpoint.host, std::to_string(endpoint.port),
                                    tcp::resolver::passive, ec);
    if (ec || results.empty()) {
      return fmt::format("{}: cannot resolve host: {}", listener.label,
                         ec ? ec.message() : "no address");
    }
    address = results.begin()->endpoint().address();
  }
  tcp::endpoint local(address, endpoint.port);
  listener.acceptor.emplace(net::make_strand(*ioc));
  auto& acceptor = *listener.acceptor;
  auto failed = [&](std::string_view step) {
    beast::error_code ignored;
    acceptor.close(ignored);
    return fmt::format("{}: {}{}", listener.label, step, ec.message());
  };
  if (acceptor.open(local.protocol(), ec); ec) return failed("cannot open socket: ");
  if (acceptor.set_option(net::socket_base::reuse_address(true), ec); ec) {
    return failed("cannot set SO_REUSEADDR: ");
  }
  if (acceptor.bind(local, ec); ec) return failed("");
  if (acceptor.listen(net::socket_base::max_listen_connections, ec); ec) {
    return failed("cannot listen: ");
  }
  listener.boundPort = acceptor.local_endpoint(ec).port();
  listener.retryTimer.emplace(acceptor.get_executor());
  return {};
}

namespace {

// The first queued OpenSSL error as text (the queue is cleared), for start-up messages.
std::string takeOpenSslError() {
  unsigned long first = ERR_get_error();
  ERR_clear_error();
  if (first == 0) return "unknown OpenSSL error";
  std::array<char, 256> text{};
  ERR_error_string_n(first, text.data(), text.size());
  return text.data();
}

// Never prompts on the terminal for a passphrase: an encrypted key is refused.
int noPassphrase(char*, int, int, void*) { return -1; }

std::string unreadable(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) return std::strerror(errno);
  std::fclose(file);
  return {};
}

}  // namespace

std::string ServerCore::setUpTls(Listener& listener) {
  const auto& cert = listener.tlsFiles->certificateChainFile;
  const auto& key = listener.tlsFiles->privateKeyFile;
  auto where = fmt::format("endpoint '{}' ({})", listener.endpoint.name, listener.label);
  if (cert.empty()) return where + ": TLS needs a certificate chain file";
  if (key.empty()) return where + ": TLS needs a private key file";
  if (auto why = unreadable(cert); !why.empty()) {
    return fmt::format("{}: cannot read the TLS certificate chain '{}': {}", where, cert, why);
  }
  if (auto why = unreadable(key); !why.empty()) {
    return fmt::format("{}: cannot read the TLS private key '{}': {}", where, key, why);
  }
  net::ssl::context context(net::ssl::context::tls_server);
  SSL_CTX* ctx = context.native_handle();
  ERR_clear_error();
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_cipher_list(ctx, kTls12Ciphers) != 1) {
    return fmt::format("{}: cannot set the TLS policy: {}", where, takeOpenSslError());
  }
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  if (SSL_CTX_use_certificate_chain_file(ctx, cert.c_str()) != 1) {
    return fmt::format("{}: '{}' is not a PEM certificate chain: {}", where, cert,
                       takeOpenSslError());
  }
  // Parsed apart from installing it, so "not a key" and "not this certificate's key" differ.
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_file(key.c_str(), "r"), &BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pkey(
      bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, noPassphrase, nullptr) : nullptr,
      &EVP_PKEY_free);
  if (!pkey) {
    return fmt::format("{}: '{}' is not an unencrypted PEM private key: {}", where, key,
                       takeOpenSslError());
  }
  if (SSL_CTX_use_PrivateKey(ctx, pkey.get()) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
    ERR_clear_error();
    return fmt::format("{}: the TLS private key '{}' does not match the certificate in '{}'",
                       where, key, cert);
  }
  listener.tls.emplace(std::move(context));
  return {};
}

Expected<void> ServerCore::start() {
  if (state != State::Created) {
    return fail(kLifecycle, "the HTTP server was already started; it cannot start twice");
  }
  if (auto valid = validate(config); !valid) return std::unexpected(valid.error());
  if (listeners.empty()) return fail(kInvalidConfig, "the HTTP server has no endpoints");

  std::vector<std::string> problems;
  for (std::size_t i = 0; i < listeners.size(); ++i) {
    auto& listener = *listeners[i];
    if (auto routes = listener.router.check(); !routes) {
      problems.push_back(fmt::format("endpoint '{}' ({}): {}", listener.endpoint.name,
                                     listener.label, routes.error().message()));
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (listeners[j]->endpoint.name == listener.endpoint.name) {
        problems.push_back(fmt::format("endpoint name '{}' is used twice", listener.endpoint.name));
      }
    }
  }
  if (!problems.empty()) return fail(kInvalidRoute, fmt::format("{}", fmt::join(problems, "; ")));

  for (auto& listener : listeners) {
    if (!listener->tlsFiles) continue;
    if (auto problem = setUpTls(*listener); !problem.empty()) problems.push_back(std::move(problem));
  }
  if (!problems.empty()) {
    for (auto& listener : listeners) listener->tls.reset();
    return fail(kTlsSetup, fmt::format("{}", fmt::join(problems, "; ")));
  }

  for (auto& listener : listeners) {
    if (auto problem = bind(*listener); !problem.empty()) problems.push_back(std::move(problem));
  }
  if (!problems.empty()) {
    for (auto& listener : listeners) {
      beast::error_code ignored;
      if (listener->acceptor) listener->acceptor->close(ignored);
      listener->acceptor.reset();
      listener->retryTimer.reset();
    }
    return fail(kBindFailed, fmt::format("{}", fmt::join(problems, "; ")));
  }

  for (auto& listener : listeners) {
    listener->metrics = std::make_unique<EndpointMetrics>(registry, listener->boundPort);
  }
  accepting = true;
  work.emplace(net::make_work_guard(*ioc));
  for (auto& listener : listeners) accept(*listener);
  for (std::size_t i = 0; i < config.ioThreads; ++i) {
    threads.emplace_back([this] {
      for (;;) {
        try {
          ioc->run();
          return;
        } catch (const std::exception& e) {
          ait::log::error(*log, "I/O thread caught an exception", {{"error", e.what()}});
        }
      }
    });
  }
  state = State::Running;
  for (auto& listener : listeners) {
    ait::log::info(*log, "listening",
                   {{"endpoint", listener->endpoint.name},
                    {"address", endpointLabel(listener->endpoint.host, listener->boundPort)},
                    {"scheme", listener->tls ? "https" : "http"}});
  }
  return {};
}

void ServerCore::closeAcceptor(Listener& listener) {
  beast::error_code ignored;
  if (listener.acceptor && listener.acceptor->is_open()) {
    listener.acceptor->cancel(ignored);
    listener.acceptor->close(ignored);
  }
  if (listener.retryTimer) listener.retryTimer->cancel();
}

void ServerCore::stopAccepting() {
  accepting = false;
  bool threadsRunning = state == State::Running && !threads.empty();
  bool fromIoThread = threadsRunning && onIoThread();
  for (auto& listener : listeners) {
    if (!listener->acceptor) continue;
    auto* target = listener.get();
    if (!threadsRunning) {
      closeAcceptor(*target);
    } else if (fromIoThread) {
      net::post(target->acceptor->get_executor(), [this, target] { closeAcceptor(*target); });
    } else {
      // Wait, so that a connect after stopAccepting() returns is refused.
      std::promise<void> done;
      auto closed = done.get_future();
      net::post(target->acceptor->get_executor(), [this, target, &done] {
        closeAcceptor(*target);
        done.set_value();
      });
      closed.wait();
    }
  }
}

bool ServerCore::drain(std::chrono::steady_clock::time_point deadline) {
  if (state != State::Running) return true;
  stopAccepting();
  draining = true;
  for (const auto& connection : snapshot()) connection->drain();
  {
    std::unique_lock lock(mutex);
    if (idle.wait_until(lock, deadline, [this] { return connections.empty(); })) {
      drained = true;
      return true;
    }
    ait::log::warn(*log, "drain deadline passed, closing the remaining connections",
                   {{"connections", std::to_string(connections.size())}});
  }
  for (const auto& connection : snapshot()) connection->forceClose();
  {
    std::unique_lock lock(mutex);
    idle.wait_for(lock, kForceCloseGrace, [this] { return connections.empty(); });
  }
  drained = true;
  return false;
}

void ServerCore::stop() {
  if (state != State::Running) return;
  if (onIoThread()) {
    ait::log::error(*log, "HttpServer::stop() called from an I/O thread; ignored",
                    {{"code", kLifecycle.code}});
    return;
  }
  if (!drained) drain(std::chrono::steady_clock::now() + config.drainTimeout);
  work.reset();
  ioc->stop();
  for (auto& thread : threads) thread.join();
  threads.clear();
  for (const auto& connection : snapshot()) connection->detach();
  state = State::Stopped;
  ait::log::info(*log, "stopped", {});
}

}  // namespace server_detail

struct HttpServer::Impl : server_detail::ServerCore {
  using ServerCore::ServerCore;
  ~Impl() {
    stop();
    for (auto& listener : listeners) {
      listener->acceptor.reset();
      listener->retryTimer.reset();
    }
    ioc.reset();
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
};

HttpServer::HttpServer(HttpServerConfig config, metrics::Registry& registry)
    : impl_(std::make_unique<Impl>(std::move(config), registry)) {}

HttpServer::~HttpServer() = default;

Router& HttpServer::addEndpoint(ListenEndpoint endpoint) {
  auto listener = std::make_unique<server_detail::Listener>();
  listener->label = server_detail::endpointLabel(endpoint.host, endpoint.port);
  listener->endpoint = std::move(endpoint);
  auto& router = listener->router;
  impl_->listeners.push_back(std::move(listener));
  return router;
}

Router& HttpServer::addEndpoint(ListenEndpoint endpoint, TlsFiles tls) {
  auto& router = addEndpoint(std::move(endpoint));
  impl_->listeners.back()->tlsFiles = std::move(tls);
  return router;
}

Expected<void> HttpServer::start() { return impl_->start(); }

std::uint16_t HttpServer::port(std::string_view name) const {
  for (const auto& listener : impl_->listeners) {
    if (listener->endpoint.name == name) return listener->boundPort;
  }
  return 0;
}

std::uint16_t HttpServer::port(std::size_t index) const {
  return index < impl_->listeners.size() ? impl_->listeners[index]->boundPort : 0;
}

std::size_t HttpServer::connectionCount() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->connections.size();
}

void HttpServer::stopAccepting() {
  if (impl_->state == server_detail::ServerCore::State::Running) impl_->stopAccepting();
}

bool HttpServer::drain(std::chrono::steady_clock::time_point deadline) {
  return impl_->drain(deadline);
}

void HttpServer::stop() { impl_->stop(); }

bool HttpServer::running() const noexcept {
  return impl_->state == server_detail::ServerCore::State::Running;
}

const HttpServerConfig& HttpServer::config() const noexcept { return impl_->config; }

}  // namespace ait::http
