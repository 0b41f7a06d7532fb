#include "ait/model/ids.h"

#include <type_traits>
#include <unordered_set>

#include <gtest/gtest.h>

#include "ait/model/errors.h"
#include "ait/model/events.h"
#include "ait/model/topic.h"
#include "unit/model/samples.h"

namespace ait::model {
namespace {

TEST(FixedStringFrom, AcceptsUpToItsCapacity) {
  auto symbol = Symbol::from("ABCDEFGHIJKLMNOP");
  ASSERT_TRUE(symbol.has_value());
  EXPECT_EQ(symbol->view(), "ABCDEFGHIJKLMNOP");
  EXPECT_EQ(symbol->view().size(), Symbol::kCapacity);
  auto empty = Symbol::from("");
  ASSERT_TRUE(empty.has_value());
  EXPECT_TRUE(empty->empty());
}

TEST(FixedStringFrom, RejectsOneCharacterTooMany) {
  auto symbol = Symbol::from("ABCDEFGHIJKLMNOPQ");
  ASSERT_FALSE(symbol.has_value());
  EXPECT_EQ(symbol.error().codeString(), kBadIdentifier.code);
  EXPECT_EQ(symbol.error().message(), "symbol 'ABCDEFGHIJKLMNOPQ': 17 characters, at most 16");
}

TEST(FixedStringFrom, RejectsControlAndNonAsciiBytes) {
  auto withTab = ClientOrderId::from("c\t1");
  ASSERT_FALSE(withTab.has_value());
  EXPECT_EQ(withTab.error().message(),
            "client order id 'c\\x091': byte 0x09 at position 1 is not printable ASCII");
  EXPECT_FALSE(AccountId::from("caf\xc3\xa9").has_value());
  EXPECT_FALSE(AccountId::from(std::string_view("a\0b", 3)).has_value());
}

TEST(FixedStringTruncated, CutsAndMasksFreeText) {
  auto text = FixedString<8>::truncated("r\xe9jet\n: no money");
  EXPECT_EQ(text.view(), "r?jet?: ");
}

TEST(FixedStringCompare, ComparesAsStrings) {
  EXPECT_EQ(Symbol("EURUSD"), *Symbol::from("EURUSD"));
  EXPECT_LT(Symbol("AUDUSD"), Symbol("EURUSD"));
  EXPECT_LT(Symbol("EUR"), Symbol("EURUSD"));
  std::unordered_set<Symbol> set{Symbol("A"), Symbol("B"), Symbol("A")};
  EXPECT_EQ(set.size(), 2U);
  EXPECT_EQ(fmt::format("{}", Symbol("GBPUSD")), "GBPUSD");
}

TEST(InstrumentIdParse, SplitsSymbolAndVenueAtTheLastAt) {
  auto id = InstrumentId::parse("EURUSD@MT5");
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(id->symbol.view(), "EURUSD");
  EXPECT_EQ(id->venue.view(), "MT5");
  EXPECT_EQ(id->toString(), "EURUSD@MT5");
  auto noVenue = InstrumentId::parse("BTC/USDT");
  ASSERT_TRUE(noVenue.has_value());
  EXPECT_TRUE(noVenue->venue.empty());
  EXPECT_EQ(noVenue->toString(), "BTC/USDT");
  EXPECT_FALSE(InstrumentId::parse("@MT5").has_value());
  EXPECT_FALSE(InstrumentId::parse("EURUSD@VENUE-NAME-TOO-LONG").has_value());
  EXPECT_EQ(fmt::format("{}", *id), "EURUSD@MT5");
  auto atInSymbol = InstrumentId{Symbol("MMS@"), Venue()};
  EXPECT_EQ(atInSymbol.toString(), "MMS@@");
  EXPECT_EQ(InstrumentId::parse(atInSymbol.toString()), atInSymbol);
}

TEST(TenantIdValue, ZeroIsTheSystem) {
  EXPECT_TRUE(kSystemTenant.isSystem());
  EXPECT_FALSE(TenantId{3}.isSystem());
  EXPECT_LT(TenantId{1}, TenantId{2});
}

TEST(EventLayout, IsTriviallyCopyableAndCompact) {
  static_assert(std::is_trivially_copyable_v<Event>);
  static_assert(std::is_trivially_copyable_v<SubmitOrder>);
  static_assert(std::is_trivially_copyable_v<Tick>);
  ::testing::Test::RecordProperty("sizeof_Event", static_cast<int>(sizeof(Event)));
  ::testing::Test::RecordProperty("sizeof_Tick", static_cast<int>(sizeof(Tick)));
  EXPECT_LE(sizeof(Event), 384U);
  EXPECT_LE(sizeof(Tick), 192U);
}

TEST(EventTypes, HaveUniqueIdsNamesAndKnownVersions) {
  auto samples = test::sampleEvents();
  ASSERT_EQ(samples.size(), kEventTypeCount);
  std::unordered_set<std::uint16_t> ids;
  for (const auto& event : samples) {
    EventType type = typeOf(event);
    ids.insert(typeIdOf(event));
    EXPECT_EQ(eventTypeFromId(typeIdOf(event)), type);
    EXPECT_EQ(eventTypeFromName(nameOf(type)), type);
    EXPECT_GE(schemaVersionOf(type), 1);
  }
  EXPECT_EQ(ids.size(), kEventTypeCount);
  EXPECT_EQ(nameOf(EventType::OrderFilled), "order_filled");
  EXPECT_EQ(schemaVersionOf(EventType::SubmitOrder), 3);
  EXPECT_EQ(schemaVersionOf(EventType::OrderFilled), 2);
  EXPECT_FALSE(eventTypeFromId(999).has_value());
  EXPECT_FALSE(eventTypeFromName("fill").has_value());
}

TEST(EventHeaderAccess, ExposesTenantAndTimesOfAnyEvent) {
  Event event = test::sampleOrderFilled();
  EXPECT_EQ(tenantOf(event), TenantId{7});
  EXPECT_EQ(typeIdOf(event), 204);
  headerOf(event).sequence = 42;
  EXPECT_EQ(std::get<OrderFilled>(event).header.sequence, 42U);
}

TEST(TopicOf, RoutesEachEventKind) {
  auto topic = [](const Event& event) { return std::string(topicOf(event).view()); };
  EXPECT_EQ(topic(test::sampleTick()), "md.EURUSD");
  EXPECT_EQ(topic(test::sampleSubmitOrder()), "orders.submit");
  EXPECT_EQ(topic(test::sampleOrderFilled()), "orders.filled");
  EXPECT_EQ(topic(test::samplePosition<PositionClosed>(0)), "positions");
  EXPECT_EQ(topic(AccountState{}), "account");
  EXPECT_EQ(topic(GapDetected{}), "system.gap_detected");
  EXPECT_EQ(topic(TradingStateChanged{}), "system.trading_state");
  EXPECT_EQ(topic(Alert{}), "system.alert");
  EXPECT_EQ(topic(ServiceStatus{}), "system.service_status");
  EXPECT_EQ(topic(CancelOrder{}), "orders.cancel");
  EXPECT_EQ(topic(OrderDenied{}), "orders.denied");
  EXPECT_EQ(topic(test::sampleDecision()), "ai.decisions");
}

TEST(TopicOf, MakesSymbolsSafeForSubjects) {
  Tick tick;
  tick.instrument.symbol = Symbol("BTC/USDT.P*>");
  EXPECT_EQ(topicOf(tick).view(), "md.BTC_USDT_P__");
  Bar bar;
  bar.instrument.symbol = Symbol("ABCDEFGHIJKLMNOP");
  EXPECT_EQ(topicOf(bar).view(), "md.ABCDEFGHIJKLMNOP");
}

TEST(EnumNames, RoundTripAndRejectUnknown) {
  EXPECT_EQ(toString(OrderType::StopLimit), "stop_limit");
  EXPECT_EQ(enumFromString<TimeInForce>("gtd"), TimeInForce::Gtd);
  EXPECT_FALSE(enumFromString<Side>("long").has_value());
  EXPECT_FALSE(isValidEnum(static_cast<Side>(9)));
}

TEST(TimeframeText, ParsesAndPrintsUnits) {
  EXPECT_EQ(Timeframe::parse("1m")->seconds, 60U);
  EXPECT_EQ(Timeframe::parse("4h")->seconds, 14400U);
  EXPECT_EQ(Timeframe::parse("1w")->seconds, 604800U);
  EXPECT_EQ(Timeframe{90}.toString(), "90s");
  EXPECT_EQ(Timeframe{86400}.toString(), "1d");
  EXPECT_EQ(Timeframe{900}.toString(), "15m");
  EXPECT_EQ(Timeframe::parse("0s")->seconds, 0U);
  EXPECT_EQ(Timeframe::parse(Timeframe{}.toString())->seconds, 0U);
  EXPECT_FALSE(Timeframe::parse("m").has_value());
  EXPECT_FALSE(Timeframe::parse("5y").has_value());
  EXPECT_FALSE(Timeframe::parse("99999999999s").has_value());
}

}  // namespace
}  // namespace ait::model
