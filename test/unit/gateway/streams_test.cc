// The stream fan-out against real WebSocket clients on loopback: acks, snapshots and sequences,
// per-tenant private channels, market data feeds seen only by their tenant (or by everyone when
// public), conflation of market data for a client that stops reading, the error + disconnect of
// a private subscriber that falls too far behind, and batched frames (arrays of messages).

#include "ait/gateway/streams.h"

#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <set>
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
    // Loopback socket buffers take tens of thousands of events before a client that reads
    // nothing is behind: the history must reach back past them for the resume tests.
    streams.historyPerTenant = 1 << 17;
    streams.batchFrameMessages = 16;
    streams.batchQueueLimit = 4;
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
  std::unique_ptr<WsClient> connect(std::uint32_t tenant, std::string token = {}, std::string query = {}) {
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
    ws->handshake("127.0.0.1", "/api/v1/ws?token=" + token + query);
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
  // Publishes private events to a subscriber that reads nothing until the hub tells it it fell
  // too far behind (its socket buffers fill first, then its queue: how long depends on the
  // machine's speed, so no fixed count is right everywhere); returns how many were published.
  // The client must then read at once: a kicked client that reads nothing for 5 s is closed
  // without its error.
  int publishUntilKicked(const std::function<model::Event(int)>& make, int cap = 200'000) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    const auto kickedBefore = hub_->kicked();
    int i = 0;
    while (i < cap && hub_->kicked() == kickedBefore && std::chrono::steady_clock::now() < deadline) {
      for (int n = 0; n < 32; ++n, ++i) {
        auto event = make(i);
        while (!tryPublish(event)) std::this_thread::sleep_for(std::chrono::microseconds(200));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));  // the fan-out keeps up: no ring overflow
    }
    return i;
  }
  bool tryPublish(const model::Event& event) {
    // publish() never blocks; pace it so the ring (4096) rarely fills, and retry when it did.
    if (++published_ % 1024 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return hub_->publish(event);
  }
  static model::Tick tick(int i, const char* symbol = "EURUSD", std::uint32_t tenant = 0) {
    model::Tick t{};
    t.header.tenant = model::TenantId{tenant};
    t.instrument = *model::InstrumentId::parse(symbol);
    t.header.tsEvent = 1'000'000 + i;
    t.bid = model::Price::fromRaw(108500 + i, 5);
    t.ask = model::Price::fromRaw(108510 + i, 5);
    return t;
  }
  static model::Bar bar(int i, std::uint32_t tenant) {
    model::Bar b{};
    b.header.tenant = model::TenantId{tenant};
    b.header.tsEvent = 2'000'000 + i;
    b.instrument = *model::InstrumentId::parse("EURUSD");
    b.timeframe = *model::Timeframe::parse("M1");
    b.open = b.high = b.low = b.close = model::Price::fromRaw(108500 + i, 5);
    return b;
  }
  void subscribe(WsClient& ws, std::string_view channel) {
    ws.write(net::buffer(fmt::format(R"({{"method":"subscribe","params":{{"channel":"{}","symbols":["EURUSD"]}},"id":1}})", channel)));
  }
  // Reads a client's market data updates until it has the tick and the bar stamped `tickTs` and
  // `barTs`; counts them per channel and feed owner.
  static void updatesUntil(WsClient& ws, std::int64_t tickTs, std::int64_t barTs,
                           std::map<std::pair<std::string, std::uint32_t>, int>& perFeed) {
    bool tickSeen = false, barSeen = false;
    while (!tickSeen || !barSeen) {
      auto m = nextData(ws);
      if (m.value("type", "") != "update") continue;
      const std::string channel = m["channel"];
      ++perFeed[{channel, m["data"]["tenant_id"].get<std::uint32_t>()}];
      tickSeen = tickSeen || (channel == "ticks" && m["data"]["ts_event_ns"] == tickTs);
      barSeen = barSeen || (channel == "bars" && m["data"]["ts_event_ns"] == barTs);
    }
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

TEST_F(GatewayStreams, MarketDataFeedsAreSeenByTheirTenantOrByEveryoneWhenPublic) {
  // Feeds of EURUSD: public (tenant 0) and the private feeds of tenants 1 and 2 (their terminals).
  const std::uint32_t owners[] = {0, 1, 2};
  publishUntil([&](int n) -> model::Event { return tick(n, "EURUSD", owners[n % 3]); }, 3);
  publishUntil([&](int n) -> model::Event { return bar(n, owners[n % 3]); }, 3);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // fanned out (kept for snapshots)
  auto one = connect(1);
  auto two = connect(2);
  std::map<std::uint32_t, WsClient*> clients{{1, one.get()}, {2, two.get()}};
  for (auto [tenant, ws] : clients) {
    for (const char* channel : {"ticks", "bars"}) {
      subscribe(*ws, channel);
      EXPECT_EQ(nextData(*ws)["id"], 1);
      auto snapshot = nextData(*ws);
      ASSERT_EQ(snapshot["type"], "snapshot") << snapshot.dump();
      std::set<std::uint32_t> feeds;
      for (const auto& d : snapshot["data"]) feeds.insert(d["tenant_id"].get<std::uint32_t>());
      EXPECT_EQ(feeds, (std::set<std::uint32_t>{0, tenant})) << channel << " snapshot of tenant " << tenant << ": " << snapshot.dump();
    }
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // subscriptions applied
  // Updates: rounds of one tick and one bar of each feed, the public ones last, which every
  // client waits for (few enough per round that nothing is conflated).
  const int rounds = 5;
  std::map<std::uint32_t, std::map<std::pair<std::string, std::uint32_t>, int>> perFeed;
  for (int r = 0; r < rounds; ++r) {
    const int n = 100 + 3 * r;
    publishUntil([&](int k) -> model::Event { return tick(n + k, "EURUSD", owners[(k + 1) % 3]); }, 3);
    publishUntil([&](int k) -> model::Event { return bar(n + k, owners[(k + 1) % 3]); }, 3);
    for (auto [tenant, ws] : clients) updatesUntil(*ws, 1'000'000 + n + 2, 2'000'000 + n + 2, perFeed[tenant]);
  }
  for (auto [tenant, ws] : clients) {
    const std::uint32_t other = 3 - tenant;
    for (std::string channel : {"ticks", "bars"}) {
      auto& seen = perFeed[tenant];
      const std::pair<std::string, std::uint32_t> publicFeed{channel, 0}, ownFeed{channel, tenant}, otherFeed{channel, other};
      EXPECT_EQ(seen[publicFeed], rounds) << "every public " << channel << " reaches tenant " << tenant;
      EXPECT_EQ(seen[ownFeed], rounds) << "tenant " << tenant << " gets all of its own " << channel;
      EXPECT_EQ(seen.count(otherFeed), 0U) << "tenant " << other << "'s private " << channel
                                           << " never reach tenant " << tenant;
    }
  }
}

TEST_F(GatewayStreams, ABatchingClientGetsArraysOfMessagesInOrderWithNothingDropped) {
  auto ws = connect(1, {}, "&batch=1");
  ws->write(net::buffer(std::string(R"({"method":"subscribe","params":{"channel":"orders"},"id":5})")));
  // Every frame is an array, the ack and the snapshot too.
  std::vector<Json> messages;
  auto read = [&] {
    auto frame = next(*ws);
    ASSERT_TRUE(frame.is_array()) << frame.dump();
    ASSERT_FALSE(frame.empty());
    for (auto& m : frame) {
      if (m.value("type", "") != "heartbeat") messages.push_back(std::move(m));
    }
  };
  while (messages.size() < 2) read();
  EXPECT_EQ(messages[0]["id"], 5);
  EXPECT_EQ(messages[1]["type"], "snapshot");
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // subscription applied
  // A burst faster than one frame can be written: later frames gather several messages.
  const int count = 40;
  for (int i = 0; i < count; ++i) ASSERT_TRUE(hub_->publish(accepted(1, i)));
  messages.clear();
  std::size_t frames = 0;
  while (messages.size() < count) {
    read();
    ++frames;
  }
  for (int i = 0; i < count; ++i) {
    EXPECT_EQ(messages[i]["seq"], i + 1) << "in order, none dropped";
    EXPECT_EQ(messages[i]["data"]["client_order_id"], fmt::format("t1-{}", i));
  }
  EXPECT_LT(frames, static_cast<std::size_t>(count)) << "several messages share a frame";

  auto refused = connect(1, {}, "&batch=yes");
  beast::flat_buffer buffer;
  beast::error_code ec;
  refused->read(buffer, ec);
  EXPECT_EQ(ec, beast::websocket::error::closed);
  EXPECT_EQ(refused->reason().code, 1008);
  EXPECT_NE(std::string(refused->reason().reason.c_str()).find("batch"), std::string::npos);
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
  const int published = publishUntilKicked([](int i) -> model::Event { return accepted(1, i); });
  ASSERT_EQ(hub_->kicked(), 1U) << "never told it fell behind after " << published << " events";
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
  EXPECT_LT(last, static_cast<std::uint64_t>(published));
  // It resumes from its last sequence on a new connection and gets the rest.
  auto again = connect(1);
  again->write(net::buffer(fmt::format(R"({{"method":"subscribe","params":{{"channel":"orders","since":{}}},"id":2}})", last)));
  EXPECT_EQ(nextData(*again)["id"], 2);
  EXPECT_EQ(nextData(*again)["seq"], last + 1);
}

TEST_F(GatewayStreams, ABatchingPrivateSubscriberTooFarBehindGetsAnErrorAfterEverythingBefore) {
  auto ws = connect(1, {}, "&batch=1");
  ws->write(net::buffer(std::string(R"({"method":"subscribe","params":{"channel":"orders"},"id":1})")));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const int published = publishUntilKicked([](int i) -> model::Event { return accepted(1, i); });
  ASSERT_EQ(hub_->kicked(), 1U) << "never told it fell behind after " << published << " events";
  bool error = false;
  std::uint64_t last = 0;
  beast::error_code ec;
  for (;;) {
    beast::flat_buffer buffer;
    ws->read(buffer, ec);
    if (ec) break;
    auto frame = Json::parse(beast::buffers_to_string(buffer.data()));
    ASSERT_TRUE(frame.is_array()) << frame.dump();
    for (const auto& m : frame) {
      if (m.value("type", "") == "error") {
        EXPECT_EQ(m["code"], "AIT-GW-0008");
        error = true;
      } else if (m.value("type", "") == "update") {
        EXPECT_FALSE(error) << "the error comes last";
        EXPECT_EQ(m["seq"].get<std::uint64_t>(), last + 1) << "nothing is dropped before the error";
        last = m["seq"];
      }
    }
  }
  EXPECT_TRUE(error);
  EXPECT_EQ(ws->reason().code, 1008);
  EXPECT_LT(last, static_cast<std::uint64_t>(published));
  auto again = connect(1, {}, "&batch=1");
  again->write(net::buffer(fmt::format(R"({{"method":"subscribe","params":{{"channel":"orders","since":{}}},"id":2}})", last)));
  std::vector<Json> messages;
  while (messages.size() < 2) {
    for (auto& m : next(*again)) {
      if (m.value("type", "") != "heartbeat") messages.push_back(std::move(m));
    }
  }
  EXPECT_EQ(messages[0]["id"], 2);
  EXPECT_EQ(messages[1]["seq"], last + 1) << "it resumes where it stopped";
}

}  // namespace
}  // namespace ait::gateway
