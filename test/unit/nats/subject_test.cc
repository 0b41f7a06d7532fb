#include "ait/nats/subject.h"

#include <gtest/gtest.h>

namespace ait::nats {
namespace {

model::InstrumentId instrument(std::string_view symbol) {
  model::InstrumentId id;
  id.symbol = model::Symbol::truncated(symbol);
  return id;
}

TEST(NatsSubject, MapsTickToTenantMarketDataSubjectWithSanitisedSymbol) {
  model::Tick tick;
  tick.header.tenant = model::TenantId{42};
  tick.instrument = instrument("BTC/USDT");
  EXPECT_EQ(subjectOf(model::Event(tick)).view(), "ait.42.md.BTC_USDT");
}

TEST(NatsSubject, MapsBarOfSystemTenantToTenantZero) {
  model::Bar bar;
  bar.instrument = instrument("EURUSD");
  EXPECT_EQ(subjectOf(model::Event(bar)).view(), "ait.0.md.EURUSD");
}

TEST(NatsSubject, CollapsesOrderCommandsAndEventsIntoOrdersSubject) {
  model::OrderFilled filled;
  filled.header.tenant = model::TenantId{7};
  model::SubmitOrder submit;
  submit.header.tenant = model::TenantId{7};
  EXPECT_EQ(subjectOf(model::Event(filled)).view(), "ait.7.orders");
  EXPECT_EQ(subjectOf(model::Event(submit)).view(), "ait.7.orders");
}

TEST(NatsSubject, MapsPositionsAccountAndSystemFamilies) {
  model::PositionClosed closed;
  closed.header.tenant = model::TenantId{4294967295U};
  model::AccountState account;
  account.header.tenant = model::TenantId{3};
  model::GapDetected gap;
  EXPECT_EQ(subjectOf(model::Event(closed)).view(), "ait.4294967295.positions");
  EXPECT_EQ(subjectOf(model::Event(account)).view(), "ait.3.account");
  EXPECT_EQ(subjectOf(model::Event(gap)).view(), "ait.0.system");
}

TEST(NatsSubject, SelectionContainsOnlyNamedStreams) {
  auto selection = StreamSelection::parse({"orders", "account"});
  ASSERT_TRUE(selection.has_value());
  EXPECT_TRUE(selection->contains(model::EventType::OrderFilled));
  EXPECT_TRUE(selection->contains(model::EventType::AccountState));
  EXPECT_FALSE(selection->contains(model::EventType::Tick));
  EXPECT_FALSE(selection->contains(model::EventType::PositionOpened));
  EXPECT_FALSE(selection->contains(model::EventType::ServiceStatus));
}

TEST(NatsSubject, RejectsUnknownStreamNamesNamingEach) {
  auto selection = StreamSelection::parse({"md", "quotes", "trades"});
  ASSERT_FALSE(selection.has_value());
  EXPECT_EQ(selection.error().codeString(), "AIT-NATS-0001");
  EXPECT_NE(selection.error().message().find("\"quotes\""), std::string::npos);
  EXPECT_NE(selection.error().message().find("\"trades\""), std::string::npos);
}

TEST(NatsSubject, NamesStreamFromPrefix) { EXPECT_EQ(streamName("AIT"), "AIT_EVENTS"); }

}  // namespace
}  // namespace ait::nats
