#include "ait/model/json.h"

#include <gtest/gtest.h>

#include "ait/model/errors.h"
#include "unit/model/samples.h"

namespace ait::model {
namespace {

using nlohmann::json;

json apiSubmit() {
  return {{"type", "submit_order"},       {"client_order_id", "c-1"},
          {"account", "ACC-1"},           {"instrument", "EURUSD@MT5"},
          {"side", "buy"},                {"order_type", "limit"},
          {"time_in_force", "gtc"},       {"quantity", "0.10"},
          {"price", "1.10000"}};
}

std::string errorOf(const Expected<Event>& result) {
  EXPECT_FALSE(result.has_value());
  return result ? std::string() : result.error().message();
}

TEST(JsonRender, ShowsAFillWithExactDecimalStrings) {
  json out = toJson(test::sampleOrderFilled());
  EXPECT_EQ(out["type"], "order_filled");
  EXPECT_EQ(out["type_id"], 204);
  EXPECT_EQ(out["version"], 2);
  EXPECT_FALSE(out.contains("fx_rate"));  // absent: no conversion
  EXPECT_EQ(out["tenant_id"], 7);
  EXPECT_EQ(out["fill_price"], "1.10235");
  EXPECT_EQ(out["fill_quantity"], "0.04");
  EXPECT_EQ(out["leaves_quantity"], "0.06");
  EXPECT_EQ(out["commission"], "-3.50");
  EXPECT_EQ(out["commission_currency"], "USD");
  EXPECT_EQ(out["side"], "sell");
  EXPECT_EQ(out["liquidity"], "taker");
  EXPECT_EQ(out["instrument"], json({{"symbol", "EURUSD"}, {"venue", "MT5"}}));
  EXPECT_EQ(out["ts_event"], "2024-01-02T03:04:05.123456789Z");
  EXPECT_EQ(out["ts_event_ns"], 1'704'164'645'123'456'789);
  EXPECT_EQ(out["ts_recv"], "2024-01-02T03:04:05.123999Z");
}

TEST(JsonRender, LeavesOutAbsentOptionalsAndShowsTimes) {
  SubmitOrder order = test::sampleSubmitOrder();
  order.stopLoss.reset();
  order.confidence.reset();
  json out = toJson(order);
  EXPECT_FALSE(out.contains("stop_loss"));
  EXPECT_FALSE(out.contains("confidence"));
  EXPECT_EQ(out["expire_time"], "2024-01-03T00:00:00Z");
  EXPECT_EQ(out["expire_time_ns"], 1'704'240'000'000'000'000);
  EXPECT_EQ(out["order_type"], "stop_limit");
  EXPECT_EQ(out["time_in_force"], "gtd");
  EXPECT_EQ(toJson(test::sampleEvents()[1])["timeframe"], "1m");
}

TEST(JsonRoundTrip, EveryEventTypeReadsBackEqual) {
  for (Event event : test::sampleEvents()) {
    SCOPED_TRACE(std::string(nameOf(typeOf(event))));
    headerOf(event).sequence = 17;
    json out = toJson(event);
    auto back = fromJson(out);
    ASSERT_TRUE(back.has_value()) << back.error().describe() << "\n" << out.dump(2);
    EXPECT_EQ(*back, event);
    auto fromText = fromJsonText(out.dump());
    ASSERT_TRUE(fromText.has_value()) << fromText.error().describe();
    EXPECT_EQ(*fromText, event);
  }
}

TEST(JsonRoundTrip, UnsetInstrumentAndTimeframeReadBack) {
  for (Event event : {Event(PositionOpened{}), Event(Bar{})}) {
    auto back = fromJson(toJson(event));
    ASSERT_TRUE(back.has_value()) << back.error().describe();
    EXPECT_EQ(*back, event);
  }
  json body = apiSubmit();
  body["instrument"] = {{"venue", "MT5"}};
  EXPECT_NE(errorOf(commandFromJson(body)).find("instrument symbol is empty"), std::string::npos);
}

TEST(JsonCommands, ReadsASubmitOrderInTheApiShape) {
  auto event = commandFromJson(apiSubmit());
  ASSERT_TRUE(event.has_value()) << event.error().describe();
  const auto& order = std::get<SubmitOrder>(*event);
  EXPECT_EQ(order.clientOrderId.view(), "c-1");
  EXPECT_EQ(order.instrument, (InstrumentId{Symbol("EURUSD"), Venue("MT5")}));
  EXPECT_EQ(order.side, Side::Buy);
  EXPECT_EQ(order.type, OrderType::Limit);
  EXPECT_EQ(order.quantity.mantissa(), 10);
  EXPECT_EQ(order.quantity.scale(), 2);
  ASSERT_TRUE(order.price.has_value());
  EXPECT_EQ(order.price->toString(), "1.10000");
  EXPECT_FALSE(order.confidence.has_value());
  EXPECT_EQ(order.header.tenant, kSystemTenant);
}

TEST(JsonCommands, RoundTripCancelAndModify) {
  for (const Event& event : test::sampleEvents()) {
    if (!isCommand(typeOf(event))) continue;
    auto back = commandFromJson(json::parse(toJson(event).dump()));
    ASSERT_TRUE(back.has_value()) << back.error().describe();
    EXPECT_EQ(*back, event);
  }
}

TEST(JsonCommands, AcceptsNumbersAndTimestampsInEitherForm) {
  json body = apiSubmit();
  body["price"] = 1.1;
  body["quantity"] = 2;
  body["time_in_force"] = "gtd";
  body["expire_time"] = "2024-01-03T01:00:00+01:00";
  body["confidence"] = 0.75;
  auto event = commandFromJson(body);
  ASSERT_TRUE(event.has_value()) << event.error().describe();
  const auto& order = std::get<SubmitOrder>(*event);
  EXPECT_EQ(order.price->toString(), "1.1");
  EXPECT_EQ(order.quantity.toString(), "2");
  EXPECT_EQ(order.expireTime, 1'704'240'000'000'000'000);
  EXPECT_EQ(order.confidence, 0.75);

  body.erase("expire_time");
  body["expire_time_ns"] = 1'704'240'000'000'000'000;
  EXPECT_TRUE(commandFromJson(body).has_value());
  body["expire_time"] = "2024-01-03T00:00:01Z";
  EXPECT_NE(errorOf(commandFromJson(body)).find("'expire_time' and 'expire_time_ns' disagree"),
            std::string::npos);
}

TEST(JsonCommands, NameTheBadField) {
  json body = apiSubmit();
  body["price"] = "1.2.3";
  EXPECT_EQ(errorOf(commandFromJson(body)),
            "submit_order: field 'price': price '1.2.3': more than one decimal point");

  body = apiSubmit();
  body["side"] = "long";
  EXPECT_EQ(errorOf(commandFromJson(body)),
            "submit_order: field 'side': 'long' is not one of buy, sell");

  body = apiSubmit();
  body.erase("quantity");
  EXPECT_EQ(errorOf(commandFromJson(body)), "submit_order: field 'quantity': missing");

  body = apiSubmit();
  body["prise"] = "1.1";
  EXPECT_EQ(errorOf(commandFromJson(body)), "submit_order: field 'prise': unknown field");

  body = apiSubmit();
  body["quantity"] = true;
  EXPECT_NE(errorOf(commandFromJson(body)).find("expected a decimal string"), std::string::npos);

  body = apiSubmit();
  body["client_order_id"] = std::string(41, 'c');
  EXPECT_NE(errorOf(commandFromJson(body)).find("41 characters, at most 40"), std::string::npos);

  body = apiSubmit();
  body["instrument"] = {{"symbol", "EURUSD"}, {"exchange", "X"}};
  EXPECT_NE(errorOf(commandFromJson(body)).find("unknown key 'exchange'"), std::string::npos);

  body = apiSubmit();
  body["tenant_id"] = -1;
  EXPECT_NE(errorOf(commandFromJson(body)).find("field 'tenant_id': -1 is out of range"),
            std::string::npos);

  body = apiSubmit();
  body["type_id"] = 1;
  EXPECT_NE(errorOf(commandFromJson(body)).find("does not match"), std::string::npos);
}

TEST(JsonCommands, ReportEveryViolationOfAnOrder) {
  json body = apiSubmit();
  body.erase("price");
  body["quantity"] = "0";
  body["stop_price"] = "1.2";
  body["confidence"] = 1.5;
  auto message = errorOf(commandFromJson(body));
  EXPECT_NE(message.find("quantity must be positive, is 0"), std::string::npos) << message;
  EXPECT_NE(message.find("a limit order needs a price"), std::string::npos) << message;
  EXPECT_NE(message.find("a limit order takes no stop_price"), std::string::npos) << message;
  EXPECT_NE(message.find("confidence must be within [0, 1], is 1.5"), std::string::npos)
      << message;
}

TEST(JsonCommands, RefuseEventsThatAreNotCommands) {
  auto message = errorOf(commandFromJson(toJson(test::sampleTick())));
  EXPECT_EQ(message,
            "tick is not a command (expected submit_order, cancel_order or modify_order)");
  json modify = {{"type", "modify_order"}, {"client_order_id", "c-1"}, {"account", "A"}};
  EXPECT_NE(errorOf(commandFromJson(modify)).find("changes nothing"), std::string::npos);
}

TEST(JsonText, MalformedInputIsAnErrorNotAnException) {
  auto message = errorOf(fromJsonText(R"({"type": "submit_order", "quantity": tru})"));
  EXPECT_NE(message.find("malformed JSON"), std::string::npos) << message;
  EXPECT_NE(message.find("column"), std::string::npos) << message;
  EXPECT_EQ(errorOf(fromJsonText("[1,2]")), "event: expected a JSON object, found array");
  EXPECT_EQ(errorOf(fromJsonText(R"({"type": "fill"})")), "event: unknown type 'fill'");
  EXPECT_EQ(errorOf(fromJsonText(R"({"kind": "tick"})")),
            "event: field 'type' is missing or not a string");
  EXPECT_FALSE(fromJsonText("").has_value());
  EXPECT_FALSE(fromJsonText(std::string(100000, '[')).has_value());
}

}  // namespace
}  // namespace ait::model
