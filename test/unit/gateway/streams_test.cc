// The stream fan-out against real WebSocket clients on loopback: acks, snapshots and sequences,
// per-tenant private channels, conflation of market data for a client that stops reading, and
// the error + disconnect of a private subscriber that falls too far behind.

#include "ait/gateway/streams.h"

#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ait/auth/secrets.h"
#include "ait/gateway/auth_routes.h"
#include "ait/gateway/identity.h"
#include "ait/http/server.h"

namespace ait::gateway {
namespace {

namespace beast = boost::beast;
namespace net = boost::asio;
using Json = nlohmann::json;
using WsClient = beast::websocket::stream<beast::tcp_stream>;

class GatewayStreams : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / fmt::format("ait-gw-streams-{}", ::getpid());
    std::filesystem::remove_all(dir_);
    IdentitySettings settings;
    settings.jwtSecret = "q8Vw3LrT0xYz9KpN2mB7cD4fG6hJ1sA5eR0tU3iO8pW";
    settings.dbPath = dir_ / "identity.db";
    auto identity = Identity::open(settings);
    ASSERT_TRUE(identity.has_value()) << identity.error().describe();
    identity_ = std::move(*identity);
    gate_ = std::make_unique<Gatekeeper>(identity_->authenticator(), SystemClock::instance(), RateLimitSettings{});
    StreamSettings streams;
    streams.ringCapacity = 1 << 12;
    streams.conflateAfter = 8;
    streams.privateQueueLimit = 64;
    hub_ = std::make_unique<StreamHub>(streams);
    auto& router = server_.addEndpoint({"gw", "127.0.0.1", 0});
    hub_->addRoutes(router, *gate_, nullptr);
    ASSERT_TRUE(server_.start().has_value());
    hub_->start();
  }
  void TearDown() override {
    hub_->stop();
    server_.stop();
    std::filesystem::remove_all(dir_);
  }

  // A client of `tenant` with a small receive buffer, so that not reading fills the server's queue.
  std::unique_ptr<WsClient> connect(std::uint32_t tenant, std::string token = {}) {
    if (token.empty()) {
      auth::Principal p;
      p.userId = 1;
      p.tenant = tenant;
      p.role = auth::Role::Trader;
      token = *identity_->authenticator().issueWsToken(p, gate_->unixNow());
    }
    auto ws = std::make_unique<WsClient>(io_);
    auto& socket = beast::get_lowest_layer(*ws).socket();
    socket.open(net::ip::tcp::v4());
    socket.set_option(net::socket_base::receive_buffer_size(4096));
    timeval timeout{5, 0};
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    socket.connect({net::ip::make_address("127.0.0.1"), server_.port("gw")});
    ws->handshake("127.0.0.1", "/api/v1/ws?token=" + token);
    return ws;
  }
  static Json next(WsClient& ws) {
    beast::flat_buffer buffer;
    ws.read(buffer);
    return Json::parse(beast::buffers_to_string(buffer.data()));
  }
  // The next message that is not a heartbeat.
  static Json nextData(WsClient& ws) {
    for (;;) {
      Json m = next(ws);
      if (m.value("type", "") != "heartbeat") return m;
    }
  }
  void publishUntil(const std::function<model::Event(int)>& make, int count) {
    for (int i = 0; i < count; ++i) {
      auto event = make(i);
      // The ring is small in this test: wait for room rather than overflow it.
      while (!tryPublish(event)) std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }
  bool tryPublish(const model::Event& event) {
    // publish() never blocks; pace it so the ring (4096) rarely fills, and retry when it did.
    if (++published_ % 1024 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return hub_->publish(event);
  }
  static model::Tick tick(int i, const char* symbol = "EURUSD") {
    model::Tick t{};
    t.instrument = *model::InstrumentId::parse(symbol);
    t.header.tsEvent = 1'000'000 + i;
    t.bid = model::Price::fromRaw(108500 + i, 5);
    t.ask = model::Price::fromRaw(108510 + i, 5);
    return t;
  }
  static model::OrderAccepted accepted(std::uint32_t tenant, int i) {
    model::OrderAccepted e{};
    e.header.tenant = model::TenantId{tenant};
    e.clientOrderId = *model::ClientOrderId::from(fmt::format("t{}-{}", tenant, i));
    e.account = *model::AccountId::from("PAPER");
    e.instrument = *model::InstrumentId::parse("EURUSD");
    return e;
  }

  std::filesystem::path dir_;
  std::unique_ptr<Identity> identity_;
  std::unique_ptr<Gatekeeper> gate_;
  http::HttpServer server_;
  std::unique_ptr<StreamHub> hub_;
  net::io_context io_;
  int published_ = 0;
};

TEST_F(GatewayStreams, SubscribersGetAckSnapshotAndOnlyTheirTenantsEvents) {
  auto one = connect(1);
  auto two = connect(2);
  for (auto* ws : {one.get(), two.get()}) {
    ws->write(net::buffer(std::string(R"({"method":"subscribe","params":{"channel":"orders"},"id":7})")));
    auto ack = nextData(*ws);
    EXPECT_EQ(ack["id"], 7);
    auto snapshot = nextData(*ws);
    EXPECT_EQ(snapshot["type"], "snapshot");
    EXPECT_EQ(snapshot["channel"], "orders");
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // subscriptions applied
  publishUntil([](int i) -> model::Event { return accepted(i % 2 == 0 ? 1 : 2, i); }, 10);
  std::uint64_t last = 0;
  for (int i = 0; i < 5; ++i) {
    auto m = nextData(*one);
    EXPECT_EQ(m["channel"], "orders");
    EXPECT_EQ(m["data"]["tenant_id"], 1) << m.dump();
    EXPECT_EQ(m["seq"].get<std::uint64_t>(), last + 1) << "no gaps for a client that keeps up";
    last = m["seq"];
  }
  auto m = nextData(*two);
  EXPECT_EQ(m["data"]["tenant_id"], 2);
  EXPECT_EQ(m["seq"], 1) << "sequences are per tenant";

  one->write(net::buffer(std::string(R"({"method":"subscribe","params":{"channel":"nope"},"id":8})")));
  auto refused = nextData(*one);
  EXPECT_EQ(refused["id"], 8);
  EXPECT_EQ(refused["error"]["code"], "AIT-GW-0007");
  one->write(net::buffer(std::string(R"({"method":"ping","id":9})")));
  EXPECT_EQ(nextData(*one)["result"], "pong");
  // A resumed subscription replays what came after `since`.
  auto again = connect(1);
  again->write(net::buffer(std::string(R"({"method":"subscribe","params":{"channel":"orders","since":2},"id":1})")));
  EXPECT_EQ(nextData(*again)["id"], 1);
  auto replayed = nextData(*again);
  EXPECT_EQ(replayed["seq"], 3) << replayed.dump();
  EXPECT_EQ(replayed["type"], "update");
}

TEST_F(GatewayStreams, DecisionsAndAlertsReachOnlyTheirTenant) {
  auto one = connect(1);
  for (const char* channel : {"decisions", "alerts"}) {
    one->write(net::buffer(fmt::format(R"({{"method":"subscribe","params":{{"channel":"{}"}},"id":3}})", channel)));
    auto ack = nextData(*one);
    ASSERT_EQ(ack["id"], 3) << ack.dump();
    ASSERT_FALSE(ack.contains("error")) << ack.dump();
    EXPECT_EQ(nextData(*one)["type"], "snapshot");
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // subscriptions applied
  publishUntil([](int i) -> model::Event {
    const auto tenant = model::TenantId{i % 2 == 0 ? 2U : 1U};
    if (i < 2) {
      model::Decision d{};
      d.header.tenant = tenant;
      d.instrument = *model::InstrumentId::parse("EURUSD");
      d.signal = model::DecisionSignal::Buy;
      return d;
    }
    model::Alert a{};
    a.header.tenant = tenant;
    a.text = model::Text::truncated(fmt::format("alert {}", i));
    return a;
  }, 4);
  auto decision = nextData(*one);
  EXPECT_EQ(decision["channel"], "decisions") << decision.dump();
  EXPECT_EQ(decision["data"]["tenant_id"], 1);
  EXPECT_EQ(decision["data"]["signal"], "buy");
  auto alert = nextData(*one);
  EXPECT_EQ(alert["channel"], "alerts") << alert.dump();
  EXPECT_EQ(alert["data"]["tenant_id"], 1);
  EXPECT_EQ(alert["data"]["text"], "alert 3") << "tenant 2's alert 2 never reaches tenant 1";
}

TEST_F(GatewayStreams, ABadTokenClosesWith1008) {
  auto ws = connect(1, "not-a-token");
  beast::flat_buffer buffer;
  beast::error_code ec;
  ws->read(buffer, ec);
  EXPECT_EQ(ec, beast::websocket::error::closed);
  EXPECT_EQ(ws->reason().code, 1008);
}

TEST_F(GatewayStreams, ASlowClientGetsTheLatestMarketDataConflated) {
  auto ws = connect(1);
  ws->write(net::buffer(std::string(R"({"method":"subscribe","params":{"channel":"ticks","symbols":["EURUSD"]},"id":1})")));
  EXPECT_EQ(nextData(*ws)["id"], 1);
  EXPECT_EQ(nextData(*ws)["type"], "snapshot");
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const int count = 20000;
  publishUntil([](int i) -> model::Event { return tick(i); }, count);  // the client reads nothing
  for (int i = 0; i < 200 && hub_->conflated() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_GT(hub_->conflated(), 0U);
  // Reading again, the client catches up to the very last tick, having skipped some.
  std::uint64_t seen = 0;
  std::int64_t lastTs = 0;
  while (lastTs != 1'000'000 + count - 1) {
    auto m = nextData(*ws);
    ASSERT_EQ(m["channel"], "ticks");
    lastTs = m["data"]["ts_event_ns"];
    ++seen;
  }
  EXPECT_LT(seen, static_cast<std::uint64_t>(count));
}

TEST_F(GatewayStreams, APrivateSubscriberTooFarBehindGetsAnErrorAndIsDisconnected) {
  auto ws = connect(1);
  ws->write(net::buffer(std::string(R"({"method":"subscribe","params":{"channel":"orders"},"id":1})")));
  EXPECT_EQ(nextData(*ws)["id"], 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  publishUntil([](int i) -> model::Event { return accepted(1, i); }, 3000);
  bool error = false;
  std::uint64_t last = 0;
  beast::error_code ec;
  for (;;) {
    beast::flat_buffer buffer;
    ws->read(buffer, ec);
    if (ec) break;
    auto m = Json::parse(beast::buffers_to_string(buffer.data()));
    if (m.value("type", "") == "error") {
      EXPECT_EQ(m["code"], "AIT-GW-0008");
      error = true;
    } else if (m.value("type", "") == "update") {
      EXPECT_EQ(m["seq"].get<std::uint64_t>(), last + 1) << "nothing is dropped before the error";
      last = m["seq"];
    }
  }
  EXPECT_TRUE(error);
  EXPECT_EQ(ws->reason().code, 1008);
  EXPECT_LT(last, 3000U);
  // It resumes from its last sequence on a new connection and gets the rest.
  auto again = connect(1);
  again->write(net::buffer(fmt::format(R"({{"method":"subscribe","params":{{"channel":"orders","since":{}}},"id":2}})", last)));
  EXPECT_EQ(nextData(*again)["id"], 2);
  EXPECT_EQ(nextData(*again)["seq"], last + 1);
}

}  // namespace
}  // namespace ait::gateway
