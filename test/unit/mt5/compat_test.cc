#include "ait/mt5/compat.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "ait/model/time.h"
#include "mocks/mt5/recording_feed.h"

namespace ait::mt5 {
namespace {

using nlohmann::json;

class CompatConnectionTest : public ::testing::Test {
 protected:
  CompatConnectionTest() : stats(registry, "ws") {}

  std::unique_ptr<CompatConnection> open(std::string_view zone = "UTC",
                                         std::uint32_t maxErrors = 100) {
    return std::make_unique<CompatConnection>(model::TenantId{7}, *ClientZone::make(zone),
                                              std::make_unique<test::RecordingFeed>(recorder),
                                              clock, stats, maxErrors);
  }

  // Sends one frame and returns the replies parsed.
  std::vector<json> send(CompatConnection& connection, std::string_view frame,
                         bool* keep = nullptr) {
    std::vector<std::string> replies;
    bool open = connection.handle(frame, replies);
    if (keep != nullptr) *keep = open;
    std::vector<json> parsed;
    for (const auto& r : replies) parsed.push_back(json::parse(r));
    return parsed;
  }

  metrics::Registry registry;
  ProtocolStats stats;
  FakeClock clock;
  std::shared_ptr<test::Recorder> recorder = std::make_shared<test::Recorder>();
};

TEST_F(CompatConnectionTest, AnswersConnectionAndHeartbeatAsThePythonBridgeExpects) {
  auto c = open();
  auto r = send(*c, R"({"type":"connection","client":"mt5_bridge","status":"connected",
                       "timestamp":"2025-09-20T10:15:30.123456"})");
  ASSERT_EQ(r.size(), 1U);
  EXPECT_EQ(r[0]["type"], "connection_established");
  EXPECT_EQ(r[0]["status"], "success");
  EXPECT_EQ(r[0]["data"]["tenant"], 7);
  r = send(*c, R"({"type":"heartbeat","client":"mt5_bridge","status":"alive"})");
  ASSERT_EQ(r.size(), 1U);
  EXPECT_EQ(r[0]["type"], "heartbeat_response");
}

TEST_F(CompatConnectionTest, PublishesTickReadingZoneLessTimeInTheClientZone) {
  auto c = open("Europe/Athens");
  auto r = send(*c, R"({"type":"tick_data","timestamp":"2025-09-20T10:15:30.123456",
      "data":{"symbol":"EURUSD","bid":1.17412,"ask":1.17425,"spread":13,
              "time":"2025-09-20T13:15:30.500","volume":3,"last":0,"source":"mt5"}})");
  ASSERT_EQ(r.size(), 1U);
  EXPECT_EQ(r[0]["type"], "tick_data_processed");
  EXPECT_EQ(r[0]["data"]["symbol"], "EURUSD");
  auto quotes = recorder->quotesCopy();
  ASSERT_EQ(quotes.size(), 1U);
  // Athens is UTC+3 in September: 13:15:30.5 local is 10:15:30.5 UTC.
  EXPECT_EQ(quotes[0].tsEvent, *model::parseIso8601("2025-09-20T10:15:30.500Z"));
  EXPECT_EQ(quotes[0].tenant, 7U);
  EXPECT_DOUBLE_EQ(quotes[0].bid, 1.17412);
  EXPECT_EQ(quotes[0].source, "mt5-ws");
  EXPECT_EQ(quotes[0].flags, model::kTickBid | model::kTickAsk | model::kTickVolume);
}

TEST_F(CompatConnectionTest, KeepsAnExplicitZoneAsSent) {
  auto c = open("Europe/Athens");
  send(*c, R"({"type":"tick_data","data":{"symbol":"EURUSD","bid":1.1,"ask":1.2,
               "time":"2025-09-20T13:15:30Z"}})");
  auto quotes = recorder->quotesCopy();
  ASSERT_EQ(quotes.size(), 1U);
  EXPECT_EQ(quotes[0].tsEvent, *model::parseIso8601("2025-09-20T13:15:30Z"));
}

TEST_F(CompatConnectionTest, AnswersErrorNamingTheProblemAndStaysOpen) {
  auto c = open();
  bool keep = false;
  auto r = send(*c, "{not json", &keep);
  ASSERT_EQ(r.size(), 1U);
  EXPECT_EQ(r[0]["type"], "error");
  EXPECT_EQ(r[0]["data"]["code"], "AIT-MT5-0001");
  EXPECT_TRUE(keep);

  r = send(*c, R"({"type":"tick_data","data":{"symbol":"EURUSD","bid":"x","ask":1.2}})");
  EXPECT_EQ(r[0]["type"], "error");
  EXPECT_EQ(r[0]["data"]["field"], "bid");
  EXPECT_NE(r[0]["data"]["message"].get<std::string>().find("'bid' must be a number"),
            std::string::npos);

  r = send(*c, R"({"type":"tick_data","data":{"symbol":"EURUSD","bid":1.3,"ask":1.2}})");
  EXPECT_EQ(r[0]["type"], "error");
  EXPECT_EQ(r[0]["data"]["code"], "AIT-MT5-0010");

  r = send(*c, R"({"type":"launch_rockets","data":{}})");
  EXPECT_EQ(r[0]["type"], "error");
  EXPECT_EQ(r[0]["data"]["code"], "AIT-MT5-0003");
  r = send(*c, R"([1,2,3])");
  EXPECT_EQ(r[0]["type"], "error");
  r = send(*c, R"({"type":42})");
  EXPECT_EQ(r[0]["data"]["field"], "type");
  r = send(*c, R"({"type":"tick_data"})");
  EXPECT_EQ(r[0]["data"]["field"], "data");
  r = send(
      *c,
      R"({"type":"tick_data","data":{"symbol":"EURUSD","bid":1.1,"ask":1.2,"time":"yesterday"}})");
  EXPECT_EQ(r[0]["data"]["field"], "time");

  // Still working after all that.
  r = send(*c, R"({"type":"tick_data","data":{"symbol":"EURUSD","bid":1.1,"ask":1.2}})");
  EXPECT_EQ(r[0]["type"], "tick_data_processed");
  EXPECT_EQ(recorder->quotesCopy().size(), 1U);
  EXPECT_EQ(stats.badJson.value(), 1U);
  EXPECT_EQ(stats.unknownType.value(), 1U);
  EXPECT_EQ(stats.ticksRejected.value(), 1U);
}

TEST_F(CompatConnectionTest, ClosesAfterTooManyBadMessagesInARow) {
  auto c = open("UTC", 3);
  bool keep = true;
  send(*c, "x", &keep);
  EXPECT_TRUE(keep);
  send(*c, "x", &keep);
  EXPECT_TRUE(keep);
  send(*c, "x", &keep);
  EXPECT_FALSE(keep);
}

TEST_F(CompatConnectionTest, TurnsAccountPositionsAndOrdersIntoEvents) {
  auto c = open();
  auto r = send(*c, R"({"type":"account_info","data":{"login":5012345,"balance":10000.5,
      "equity":10100.25,"margin":200,"free_margin":9900.25,"margin_level":5050.1,
      "currency":"USD","server":"Demo","company":"Broker","leverage":100}})");
  ASSERT_EQ(r.size(), 1U);
  EXPECT_EQ(r[0]["type"], "account_info_processed");
  r = send(*c, R"({"type":"positions","data":{"positions":[
      {"ticket":111,"symbol":"EURUSD","type":1,"volume":0.5,"price_open":1.1,"price_current":1.09,
       "profit":50,"swap":0,"commission":-1,"time":"2025-09-20T10:00:00","comment":""},
      {"ticket":112,"symbol":"GBPUSD","type":0,"volume":"lots","price_open":1.3}],"count":2}})");
  ASSERT_EQ(r.size(), 2U);
  EXPECT_EQ(r[0]["type"], "error");
  EXPECT_NE(r[0]["data"]["message"].get<std::string>().find("positions[1]"), std::string::npos);
  EXPECT_EQ(r[1]["type"], "positions_processed");
  EXPECT_EQ(r[1]["data"]["count"], 1);
  r = send(*c, R"({"type":"orders","data":{"orders":[{"ticket":222,"symbol":"EURUSD","type":2,
      "volume":0.1,"price_open":1.05,"sl":1.04,"tp":1.07,"time_setup":"2025-09-20T10:00:00",
      "comment":"ait:S-1","magic":42}],"count":1}})");
  EXPECT_EQ(r[0]["type"], "orders_processed");
  r = send(*c, R"({"type":"trade_result","data":{"signal_id":"S-2","success":false,"ticket":0,
      "message":"not enough money","retcode":10019}})");
  EXPECT_EQ(r[0]["type"], "trade_result_processed");
  r = send(*c, R"({"type":"deals_history","data":{"deals":[{"ticket":1}],"count":1}})");
  EXPECT_EQ(r[0]["type"], "deals_history_processed");
  r = send(*c, R"({"type":"orders_history","data":{"orders":[],"count":0}})");
  EXPECT_EQ(r[0]["type"], "orders_history_processed");
  r = send(*c, R"({"type":"error","data":{"message":"MT5 not initialised","code":1,
      "timestamp":"2025-09-20T10:00:00"}})");
  EXPECT_EQ(r[0]["type"], "error_processed");

  auto events = recorder->eventsCopy();
  ASSERT_EQ(events.size(), 4U);
  const auto& account = std::get<model::AccountState>(events[0]);
  EXPECT_EQ(account.account.view(), "5012345");
  EXPECT_EQ(account.balance, model::Money::fromRaw(1000050, 2));
  EXPECT_EQ(account.header.tenant.value, 7U);
  const auto& position = std::get<model::PositionChanged>(events[1]);
  EXPECT_EQ(position.positionId.view(), "111");
  EXPECT_EQ(position.quantity, model::Quantity::fromRaw(-50, 2));  // a sell is short
  EXPECT_EQ(position.account.view(), "5012345");
  EXPECT_EQ(position.currency.view(), "USD");
  const auto& order = std::get<model::OrderAccepted>(events[2]);
  EXPECT_EQ(order.clientOrderId.view(), "S-1");
  EXPECT_EQ(order.venueOrderId.view(), "222");
  const auto& rejected = std::get<model::OrderRejected>(events[3]);
  EXPECT_EQ(rejected.clientOrderId.view(), "S-2");
  EXPECT_EQ(rejected.reasonCode.view(), "MT5-10019");
  EXPECT_EQ(rejected.reason.view(), "not enough money");
}

TEST_F(CompatConnectionTest, ReportsAnOverloadedPlatformAsAnError) {
  auto c = open();
  recorder->acceptBeforeOverload = 0;
  auto r = send(*c, R"({"type":"tick_data","data":{"symbol":"EURUSD","bid":1.1,"ask":1.2}})");
  EXPECT_EQ(r[0]["type"], "error");
  EXPECT_EQ(r[0]["data"]["code"], "AIT-MT5-0011");
  EXPECT_EQ(stats.overloaded.value(), 1U);
}

}  // namespace
}  // namespace ait::mt5
