#include <utility>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <condition_variable>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "ait/http/errors.h"
#include "ait/http/server.h"
#include "unit/http/test_client.h"

namespace ait::http {
namespace {

using namespace std::chrono_literals;
namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

/// A WebSocket client whose every operation gives up after a timeout instead of hanging a test.
class WsClient {
 public:
  explicit WsClient(std::uint16_t port, std::string target = "/ws") {
    beast::error_code ec;
    ws_.next_layer().connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), ec);
    if (ec) {
      error_ = ec;
      return;
    }
    run([&](auto done) { ws_.async_handshake("127.0.0.1", target, done); });
  }

  bool ok() const { return !error_; }
  beast::error_code error() const { return error_; }

  bool write(const std::string& text, bool binary = false) {
    ws_.binary(binary);
    return run([&](auto done) {
      ws_.async_write(net::buffer(text), [done](beast::error_code ec, std::size_t) { done(ec); });
    });
  }

  /// Returns the next message, or nullopt when the connection closes or the read times out.
  std::optional<std::string> read(std::chrono::milliseconds timeout = 5s) {
    buffer_.consume(buffer_.size());
    bool done = run(
        [&](auto finish) {
          ws_.async_read(buffer_, [finish](beast::error_code ec, std::size_t) { finish(ec); });
        },
        timeout);
    if (!done) return std::nullopt;
    return beast::buffers_to_string(buffer_.data());
  }

  bool close(std::uint16_t code, const std::string& reason) {
    return run([&](auto done) {
      ws_.async_close(websocket::close_reason(static_cast<websocket::close_code>(code), reason),
                      done);
    });
  }

  std::uint16_t closeCode() const { return static_cast<std::uint16_t>(ws_.reason().code); }
  std::string closeReason() const {
    return std::string(ws_.reason().reason.data(), ws_.reason().reason.size());
  }
  tcp::socket& socket() { return ws_.next_layer(); }

 private:
  template <class Start>
  bool run(Start start, std::chrono::milliseconds timeout = 5s) {
    bool finished = false;
    beast::error_code result;
    start([&](beast::error_code ec) {
      finished = true;
      result = ec;
    });
    ioc_.restart();
    ioc_.run_for(timeout);
    if (!finished) {
      beast::error_code ignored;
      ws_.next_layer().cancel(ignored);
      ioc_.restart();
      ioc_.run();
      result = net::error::timed_out;
    }
    error_ = result;
    return !result;
  }

  net::io_context ioc_;
  websocket::stream<tcp::socket> ws_{ioc_};
  beast::flat_buffer buffer_;
  beast::error_code error_;
};

/// Records what the server told a session, for tests to wait on.
struct Events {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::string> log;
  std::optional<WebSocketCloseInfo> closed;
  int opened = 0;
  int closes = 0;

  void add(std::string entry) {
    std::lock_guard lock(mutex);
    log.push_back(std::move(entry));
    changed.notify_all();
  }
  template <class F>
  bool waitFor(F condition, std::chrono::milliseconds timeout = 5s) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, timeout, [&] { return condition(); });
  }
};

class EchoSession : public WebSocketSession {
 public:
  explicit EchoSession(std::shared_ptr<Events> events) : events_(std::move(events)) {}
  void onOpen() override {
    std::lock_guard lock(events_->mutex);
    ++events_->opened;
    events_->changed.notify_all();
  }
  void onText(std::string_view message) override {
    if (message == "throw") throw std::runtime_error("callback failed");
    events_->add("text:" + std::string(message));
    send("echo:" + std::string(message));
  }
  void onBinary(std::string_view message) override {
    events_->add("binary:" + std::string(message));
    sendBinary(std::string(message));
  }
  void onClose(const WebSocketCloseInfo& info) override {
    std::lock_guard lock(events_->mutex);
    events_->closed = info;
    ++events_->closes;
    events_->changed.notify_all();
  }

 private:
  std::shared_ptr<Events> events_;
};

class WebSocketTest : public ::testing::Test {
 protected:
  void start(HttpServerConfig config = {}) {
    config.ioThreads = 2;
    config.lingerTimeout = 100ms;
    server_ = std::make_unique<HttpServer>(config, registry_);
    auto& router = server_->addEndpoint({"ws", "127.0.0.1", 0});
    router.addWebSocket("/ws", [this](const Request& request) -> WebSocketAccept {
      if (request.query("token") == "bad") {
        return problem(401, kNotFound, "token rejected");
      }
      auto session = std::make_shared<EchoSession>(events_);
      std::lock_guard lock(sessionsMutex_);
      sessions_.push_back(session);
      return session;
    });
    router.addWebSocket("/ws/{channel}", [this](const Request& request) -> WebSocketAccept {
      events_->add("channel:" + std::string(request.param("channel")));
      return std::make_shared<EchoSession>(events_);
    });
    auto started = server_->start();
    ASSERT_TRUE(started) << started.error().describe();
    port_ = server_->port("ws");
  }

  std::shared_ptr<WebSocketSession> session(std::size_t i = 0) {
    std::lock_guard lock(sessionsMutex_);
    return i < sessions_.size() ? sessions_[i] : nullptr;
  }

  bool waitOpened(int count = 1) {
    return events_->waitFor([&] { return events_->opened >= count; });
  }
  bool waitClosed() {
    return events_->waitFor([&] { return events_->closed.has_value(); });
  }

  metrics::Registry registry_;
  std::shared_ptr<Events> events_ = std::make_shared<Events>();
  std::mutex sessionsMutex_;
  std::vector<std::shared_ptr<WebSocketSession>> sessions_;
  std::unique_ptr<HttpServer> server_;
  std::uint16_t port_ = 0;
};

TEST_F(WebSocketTest, EchoesTextAndBinaryMessages) {
  start();
  WsClient client(port_);
  ASSERT_TRUE(client.ok()) << client.error().message();
  ASSERT_TRUE(client.write("hello"));
  EXPECT_EQ(client.read(), "echo:hello");
  ASSERT_TRUE(client.write(std::string("\x00\x01\x02", 3), true));
  EXPECT_EQ(client.read(), std::string("\x00\x01\x02", 3));
  EXPECT_EQ(events_->log.at(0), "text:hello");
}

TEST_F(WebSocketTest, PushesMessagesSentFromAnotherThreadInOrder) {
  start();
  WsClient client(port_);
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE(waitOpened());
  auto pushed = session();
  ASSERT_TRUE(pushed);
  EXPECT_TRUE(pushed->isOpen());
  std::thread producer([&] {
    for (int i = 0; i < 50; ++i) EXPECT_TRUE(pushed->send("tick " + std::to_string(i)));
  });
  producer.join();
  for (int i = 0; i < 50; ++i) EXPECT_EQ(client.read(), "tick " + std::to_string(i));
}

TEST_F(WebSocketTest, ClientCloseReachesOnCloseOnce) {
  start();
  WsClient client(port_);
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE(waitOpened());
  ASSERT_TRUE(client.close(4001, "bye"));
  ASSERT_TRUE(waitClosed());
  EXPECT_EQ(events_->closed->code, 4001);
  EXPECT_EQ(events_->closed->reason, "bye");
  EXPECT_TRUE(events_->closed->byPeer);
  auto closedSession = session();
  EXPECT_FALSE(closedSession->isOpen());
  EXPECT_FALSE(closedSession->send("too late"));
  auto deadline = std::chrono::steady_clock::now() + 2s;
  while (server_->connectionCount() != 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_EQ(server_->connectionCount(), 0U);
  EXPECT_EQ(events_->closes, 1);
}

TEST_F(WebSocketTest, ServerCloseSendsCodeAndReasonToClient) {
  start();
  WsClient client(port_);
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE(waitOpened());
  session()->close(4000, "kicked");
  EXPECT_FALSE(client.read());
  EXPECT_EQ(client.error(), websocket::error::closed);
  EXPECT_EQ(client.closeCode(), 4000);
  EXPECT_EQ(client.closeReason(), "kicked");
  ASSERT_TRUE(waitClosed());
  EXPECT_EQ(events_->closed->code, 4000);
  EXPECT_FALSE(events_->closed->byPeer);
}

TEST_F(WebSocketTest, FactoryGetsPathParametersAndCanRefuse) {
  start();
  WsClient channel(port_, "/ws/eurusd");
  ASSERT_TRUE(channel.ok());
  EXPECT_TRUE(events_->waitFor([&] {
    return std::find(events_->log.begin(), events_->log.end(), "channel:eurusd") !=
           events_->log.end();
  }));

  testing::TestClient raw(port_);
  auto response = raw.request("GET", "/ws?token=bad", {},
                              "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                              "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                              "Sec-WebSocket-Version: 13\r\n");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 401);

  testing::TestClient plain(port_);
  auto notUpgraded = plain.request("GET", "/ws");
  ASSERT_TRUE(notUpgraded);
  EXPECT_EQ(notUpgraded->status, 426);
}

TEST_F(WebSocketTest, DropsSlowConsumerWithCloseReason) {
  HttpServerConfig config;
  config.webSocketQueueMessages = 4;
  config.webSocketQueueBytes = 1024 * 1024;
  config.webSocketCloseTimeout = 300ms;
  start(config);
  WsClient client(port_);  // connects and then never reads
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE(waitOpened());
  auto pushed = session();
  std::string chunk(64 * 1024, 'x');
  int accepted = 0;
  while (pushed->send(chunk) && accepted < 100'000) ++accepted;
  ASSERT_TRUE(waitClosed());
  EXPECT_EQ(events_->closed->code, close_code::kPolicyViolation);
  EXPECT_EQ(events_->closed->reason, "slow consumer: outgoing queue full");
  EXPECT_FALSE(pushed->send("after"));
  EXPECT_EQ(registry_
                .counter("ait_http_websocket_slow_consumers_total", "",
                         {{"port", std::to_string(port_)}})
                .value(),
            1U);
}

TEST_F(WebSocketTest, CallbackExceptionClosesWithInternalError) {
  start();
  WsClient client(port_);
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE(client.write("throw"));
  EXPECT_FALSE(client.read());
  EXPECT_EQ(client.closeCode(), close_code::kInternalError);
  ASSERT_TRUE(waitClosed());
  EXPECT_EQ(events_->closed->code, close_code::kInternalError);
  EXPECT_EQ(registry_.counter("ait_http_handler_errors_total", "", {{"port", std::to_string(port_)}})
                .value(),
            1U);
}

TEST_F(WebSocketTest, ClosesOnOversizedMessage) {
  HttpServerConfig config;
  config.webSocketMaxMessageBytes = 1024;
  start(config);
  WsClient client(port_);
  ASSERT_TRUE(client.ok());
  client.write(std::string(4096, 'a'));
  EXPECT_FALSE(client.read());
  ASSERT_TRUE(waitClosed());
  EXPECT_EQ(events_->closed->code, close_code::kTooBig);
}

TEST_F(WebSocketTest, DrainClosesWebSocketsWithGoingAway) {
  start();
  WsClient client(port_);
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE(waitOpened());
  std::thread reader([&] {
    EXPECT_FALSE(client.read());
    EXPECT_EQ(client.closeCode(), close_code::kGoingAway);
  });
  EXPECT_TRUE(server_->drain(std::chrono::steady_clock::now() + 3s));
  reader.join();
  ASSERT_TRUE(waitClosed());
  EXPECT_EQ(events_->closed->code, close_code::kGoingAway);
  server_->stop();
  EXPECT_FALSE(session()->send("after stop"));
}

}  // namespace
}  // namespace ait::http
