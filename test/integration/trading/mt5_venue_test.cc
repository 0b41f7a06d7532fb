// The MT5 venue end to end: the trading service on a real runtime sends tenant 7's orders
// through the real Mt5Bridge native server on loopback to the EA-side test client playing the
// tenant's terminal; the client's exec reports come back as the engine's order events (once in
// the journal: the engine's own); a disconnected terminal gives a rejection; after a restart the
// terminal's positions and orders lists correct a fill the engine missed while it was down.
#include <chrono>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ait/model/codec.h"
#include "ait/mt5/bridge.h"
#include "ait/mt5/bus_feed.h"
#include "ait/mt5/ea_client.h"
#include "ait/trading/presets.h"
#include "ait/trading/service.h"
#include "support/trading_service.h"
#include "unit/journal/journal_test_util.h"

namespace ait::trading {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr model::TenantId kTenant{7};

// As [[data.instruments]] configures it: no venue, so the terminal's symbols match.
portfolio::TradableInstrument eurusd() {
  auto fx = presets::eurusd();
  fx.spec.id.venue = model::Venue();
  return fx;
}

bool waitFor(const std::function<bool()>& done, std::chrono::milliseconds timeout = 5s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return done();
}

struct Platform {
  explicit Platform(const std::filesystem::path& dir) {
    runtime = testing::openRuntime(dir);
    data::InstrumentSpec spec;
    spec.instrument = eurusd().spec;
    feeds = std::make_unique<mt5::BusFeeds>(runtime->bus(), std::vector{spec}, data::NormaliserConfig{},
                                            SystemClock::instance(), registry);
    auto reports = std::make_shared<BusTerminalReports>(runtime->bus());
    mt5::Mt5Config config;
    config.native_host = "127.0.0.1";
    config.native_port = 0;
    config.tokens = {{"token-7", 7, ""}};
    bridge = std::make_unique<mt5::Mt5Bridge>(
        config, venue::divertOrderEvents(feeds->native(), {kTenant}, reports),
        venue::divertOrderEvents(feeds->compat(), {kTenant}, reports), SystemClock::instance(),
        registry);

    TradingSettings s;
    s.instruments.push_back(eurusd());
    s.accounts.push_back({kTenant, model::AccountId("ACC1"), model::Currency("USD"),
                          portfolio::PositionMode::Netting, model::Money::fromRaw(100'000, 0)});
    s.limits = presets::unthrottled();
    s.mt5Tenants = {kTenant};
    trading = testing::startTrading(*runtime, router, s, bridge.get());
    EXPECT_TRUE(bridge->start());
    producer = testing::testProducer(*runtime);
  }
  ~Platform() {
    bridge->stop();
    runtime->stop();
    trading->stop();
  }

  http::Response as(http::Method method, std::string path, std::string body = {}) {
    return testing::callAs(router, kTenant, method, std::move(path), std::move(body));
  }
  json order(std::string_view id) {
    auto response = as(http::Method::Get, fmt::format("/api/v1/orders/{}", id));
    return response.status == 200 ? json::parse(response.body) : json();
  }
  json positions() {
    auto response = as(http::Method::Get, "/api/v1/positions");
    EXPECT_EQ(response.status, 200) << response.body;
    return json::parse(response.body)["positions"];
  }
  void quote(std::int64_t bid, std::int64_t ask) {
    model::Tick t{};
    t.header.tsEvent = t.header.tsRecv = SystemClock::instance().now();
    t.instrument = eurusd().spec.id;
    t.bid = model::Price::fromRaw(bid, 5);
    t.ask = model::Price::fromRaw(ask, 5);
    t.flags = model::kTickBid | model::kTickAsk;
    EXPECT_EQ(producer.publish(t), bus::PublishStatus::Ok);
  }
  mt5::EaClient::Options terminal(std::string name) {
    mt5::EaClient::Options o;
    o.port = bridge->native().port();
    o.token = "token-7";
    o.terminal = std::move(name);
    o.account = "50123";
    return o;
  }
  /// Quotes EURUSD at 1.10000/1.10010, then connects `ea` and waits until the bridge counts the
  /// tenant's terminal.
  void quoteAndConnect(mt5::EaClient& ea) {
    quote(110'000, 110'010);
    ASSERT_TRUE(ea.connect());
    ASSERT_TRUE(waitFor([&] { return bridge->native().core().clients(kTenant) == 1; }));
  }
  /// The journal's events of one type.
  template <class E>
  std::vector<E> journalled() {
    std::vector<E> out;
    auto reader = runtime->journal(engine::Stream::Trading).reader({});
    EXPECT_TRUE(reader);
    for (;;) {
      auto record = reader->next();
      if (!record || !*record) break;
      auto event = model::decode((*record)->payload);
      if (event && std::holds_alternative<E>(*event)) out.push_back(std::get<E>(*event));
    }
    return out;
  }

  metrics::Registry registry;
  http::Router router;
  std::unique_ptr<engine::Runtime> runtime;
  std::unique_ptr<mt5::BusFeeds> feeds;
  std::unique_ptr<mt5::Mt5Bridge> bridge;
  std::unique_ptr<TradingService> trading;
  engine::EventBus::Producer producer;
};

/// Reads server messages until one of type `t` (skipping others); nullopt after the timeout.
std::optional<json> next(mt5::EaClient& client, std::string_view t, std::chrono::milliseconds timeout = 5s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto line = client.read(100ms);
    if (!line) return std::nullopt;
    if (*line && (**line).value("t", "") == t) return **line;
  }
  return std::nullopt;
}

json limitOrder(std::string_view id, std::string_view side, std::string_view price, std::string_view qty) {
  return json{{"client_order_id", id}, {"account", "ACC1"},     {"instrument", "EURUSD"},
              {"side", side},          {"order_type", "limit"}, {"time_in_force", "gtc"},
              {"price", price},        {"quantity", qty}};
}

json exec(std::string_view cid, std::uint64_t order, std::uint64_t deal, std::string_view state,
          double price = 0, double volume = 0, double leaves = 0) {
  return json{{"cid", cid},     {"order", order},   {"deal", deal},       {"state", state},
              {"retcode", 0},   {"price", price},   {"volume", volume},   {"leaves", leaves},
              {"side", 0},      {"symbol", "EURUSD"}, {"time_msc", 0},    {"message", ""}};
}

TEST(Mt5VenueIntegration, OrderRoundTripThroughTheTerminalThenDisconnectRejects) {
  journal::testing::TempDir dir;
  Platform p(dir.path());
  mt5::EaClient ea(p.terminal("t1"));
  ASSERT_NO_FATAL_FAILURE(p.quoteAndConnect(ea));

  auto placed = p.as(http::Method::Post, "/api/v1/orders", limitOrder("L1", "buy", "1.09950", "0.30").dump());
  ASSERT_EQ(placed.status, 201) << placed.body;
  EXPECT_EQ(json::parse(placed.body)["status"], "submitted");

  // The terminal gets the exact MT5 request.
  auto order = next(ea, "order");
  ASSERT_TRUE(order);
  EXPECT_EQ((*order)["cid"], "L1");
  EXPECT_EQ((*order)["comment"], "ait:L1");
  EXPECT_EQ((*order)["symbol"], "EURUSD");
  EXPECT_EQ((*order)["order_type"], 2);  // ORDER_TYPE_BUY_LIMIT
  EXPECT_EQ((*order)["order_type_name"], "ORDER_TYPE_BUY_LIMIT");
  EXPECT_EQ((*order)["side"], "buy");
  EXPECT_EQ((*order)["type"], "limit");
  EXPECT_EQ((*order)["volume"].dump(), "0.3");
  EXPECT_EQ((*order)["price"].dump(), "1.0995");
  EXPECT_EQ((*order)["digits"], 5);
  EXPECT_EQ((*order)["type_time"], 0);     // ORDER_TIME_GTC
  EXPECT_EQ((*order)["type_filling"], 2);  // ORDER_FILLING_RETURN
  EXPECT_FALSE(order->contains("expiration"));

  // Accepted, a partial fill, the rest.
  ASSERT_TRUE(ea.sendMessage("exec", exec("L1", 9001, 0, "placed")));
  ASSERT_TRUE(waitFor([&] { return p.order("L1")["status"] == "accepted"; })) << p.order("L1");
  EXPECT_EQ(p.order("L1")["venue_order_id"], "9001");
  ASSERT_TRUE(ea.sendMessage("exec", exec("L1", 9001, 71, "partial", 1.0995, 0.1, 0.2)));
  ASSERT_TRUE(waitFor([&] { return p.order("L1")["status"] == "partially_filled"; })) << p.order("L1");
  EXPECT_EQ(p.order("L1")["filled_quantity"], "0.10");
  ASSERT_TRUE(ea.sendMessage("exec", exec("L1", 9001, 72, "filled", 1.09948, 0.2, 0)));
  ASSERT_TRUE(waitFor([&] { return p.order("L1")["status"] == "filled"; })) << p.order("L1");
  auto filled = p.order("L1");
  EXPECT_EQ(filled["filled_quantity"], "0.30");
  EXPECT_EQ(filled["average_fill_price"], "1.09949");  // (0.1 x 1.0995 + 0.2 x 1.09948) / 0.3
  auto positions = p.positions();
  ASSERT_EQ(positions.size(), 1u) << positions;
  EXPECT_EQ(positions[0]["quantity"], "0.30");

  // The journal holds each fill once, in the engine's terms (its account, not the login).
  auto fills = p.journalled<model::OrderFilled>();
  ASSERT_EQ(fills.size(), 2u);
  EXPECT_EQ(fills[0].account.view(), "ACC1");
  EXPECT_EQ(fills[0].tradeId.view(), "71");
  EXPECT_EQ(fills[1].leavesQuantity.toString(), "0.00");

  // The terminal's lists agree: the answer to the start-up request is recorded as matched; lists
  // the terminal sends unasked that agree leave no record.
  json ticket{{"ticket", 9001}, {"symbol", "EURUSD"}, {"type", 0}, {"volume", 0.3}, {"price_open", 1.09949}};
  auto sendLists = [&] {
    ASSERT_TRUE(ea.sendMessage("positions", {{"positions", json::array({ticket})}}));
    ASSERT_TRUE(ea.sendMessage("orders", {{"orders", json::array()}}));
  };
  sendLists();
  ASSERT_TRUE(waitFor([&] { return !p.journalled<model::ReconciliationResult>().empty(); }));
  EXPECT_EQ(p.journalled<model::ReconciliationResult>()[0].status, model::ReconciliationStatus::Matched);
  sendLists();

  // A cancel of a working order goes by ticket.
  auto second = p.as(http::Method::Post, "/api/v1/orders", limitOrder("L2", "sell", "1.10500", "0.10").dump());
  ASSERT_EQ(second.status, 201) << second.body;
  ASSERT_TRUE(next(ea, "order"));
  ASSERT_TRUE(ea.sendMessage("exec", exec("L2", 9002, 0, "placed")));
  ASSERT_TRUE(waitFor([&] { return p.order("L2")["status"] == "accepted"; }));
  auto cancelling = p.as(http::Method::Delete, "/api/v1/orders/L2?account=ACC1");
  ASSERT_EQ(cancelling.status, 200) << cancelling.body;
  auto cancel = next(ea, "cancel");
  ASSERT_TRUE(cancel);
  EXPECT_EQ((*cancel)["order"], 9002);
  ASSERT_TRUE(ea.sendMessage("exec", exec("L2", 9002, 0, "cancelled")));
  ASSERT_TRUE(waitFor([&] { return p.order("L2")["status"] == "cancelled"; })) << p.order("L2");
  EXPECT_EQ(p.journalled<model::ReconciliationResult>().size(), 1u);  // the second lists came before

  // The terminal is gone: the next order is rejected at once, naming why.
  ea.disconnect();
  ASSERT_TRUE(waitFor([&] { return p.bridge->native().core().clients(kTenant) == 0; }));
  auto offline = p.as(http::Method::Post, "/api/v1/orders", limitOrder("L3", "buy", "1.09000", "0.10").dump());
  ASSERT_EQ(offline.status, 201) << offline.body;
  auto rejected = json::parse(offline.body);
  EXPECT_EQ(rejected["status"], "rejected");
  EXPECT_EQ(rejected["reason_code"], "MT5-DISCONNECTED");
}

TEST(Mt5VenueIntegration, RestartReconcilesAFillMissedWhileDown) {
  journal::testing::TempDir dir;
  {
    Platform p(dir.path());
    mt5::EaClient ea(p.terminal("t1"));
    ASSERT_NO_FATAL_FAILURE(p.quoteAndConnect(ea));
    ASSERT_EQ(p.as(http::Method::Post, "/api/v1/orders", limitOrder("R1", "buy", "1.09900", "0.30").dump()).status, 201);
    ASSERT_TRUE(next(ea, "order"));
    ASSERT_TRUE(ea.sendMessage("exec", exec("R1", 9101, 81, "filled", 1.099, 0.3, 0)));
    ASSERT_TRUE(waitFor([&] { return p.order("R1")["status"] == "filled"; })) << p.order("R1");
    ASSERT_EQ(p.as(http::Method::Post, "/api/v1/orders", limitOrder("R2", "buy", "1.09800", "0.20").dump()).status, 201);
    ASSERT_TRUE(next(ea, "order"));
    ASSERT_TRUE(ea.sendMessage("exec", exec("R2", 9102, 0, "placed")));
    ASSERT_TRUE(waitFor([&] { return p.order("R2")["status"] == "accepted"; }));
  }
  // Down: R2 filled at the terminal. Up again: the engine has 0.30 and R2 working.
  Platform p(dir.path());
  mt5::EaClient ea(p.terminal("t1"));
  ASSERT_TRUE(ea.connect());
  // What the EA sends after every (re)connect: its positions, then its working orders (none).
  json ticket{{"ticket", 555}, {"symbol", "EURUSD"}, {"type", 0}, {"volume", 0.5},
              {"price_open", 1.0986}, {"sl", 0}, {"tp", 0}, {"profit", 0}};
  ASSERT_TRUE(ea.sendMessage("positions", {{"positions", json::array({ticket})}}));
  ASSERT_TRUE(ea.sendMessage("orders", {{"orders", json::array()}}));

  ASSERT_TRUE(waitFor([&] {
    auto positions = p.positions();
    return positions.size() == 1 && positions[0]["quantity"] == "0.50";
  })) << p.positions();
  EXPECT_EQ(p.order("R2")["status"], "cancelled");  // gone from the terminal's list
  auto results = p.journalled<model::ReconciliationResult>();
  ASSERT_FALSE(results.empty());
  EXPECT_EQ(results.back().status, model::ReconciliationStatus::Corrected);
  EXPECT_EQ(results.back().positionsMismatched, 1u);
  EXPECT_EQ(results.back().venue.view(), "MT5");
  // The difference was booked at the terminal's average price: 0.5 @ 1.0986 less 0.3 @ 1.099.
  auto fills = p.journalled<model::OrderFilled>();
  ASSERT_FALSE(fills.empty());
  EXPECT_EQ(fills.back().fillQuantity.toString(), "0.20");
  EXPECT_EQ(fills.back().fillPrice.toString(), "1.09860");
}

}  // namespace
}  // namespace ait::trading
