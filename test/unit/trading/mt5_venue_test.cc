// The MT5 venue with a recording command double: the exact mapping of every order type, side
// and time in force, what the compatibility protocol refuses, a terminal that is not connected,
// the terminal's reports in engine terms, and reconciliation from the terminal's lists.
#include "ait/venue/mt5_venue.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "ait/mt5/errors.h"
#include "unit/trading/fixtures.h"

namespace ait::venue {
namespace {

using namespace trading::testing;  // the instruments, kT0, kTenant, venueOrder, eventsOf
using model::OrderType;
using model::Side;
using model::TimeInForce;

class RecordingCommands final : public Mt5Commands {
 public:
  Mt5Route route(model::TenantId) const noexcept override { return via; }
  Expected<void> order(const Mt5Order& o) noexcept override {
    if (failSends) return fail(mt5::errors::kNotConnected, "gone");
    orders.push_back(o);
    return {};
  }
  Expected<void> cancel(model::TenantId, const model::ClientOrderId& id,
                        const model::VenueOrderId& ticket) noexcept override {
    if (failSends) return fail(mt5::errors::kNotConnected, "gone");
    cancels.emplace_back(id, ticket);
    return {};
  }
  Expected<void> change(const Mt5Change& c) noexcept override {
    if (failSends) return fail(mt5::errors::kNotConnected, "gone");
    changes.push_back(c);
    return {};
  }
  Expected<void> requestData(model::TenantId, std::string_view what) noexcept override {
    if (via == Mt5Route::None) return fail(mt5::errors::kNotConnected, "gone");
    requests.emplace_back(what);
    return {};
  }
  Mt5Route via = Mt5Route::Native;
  bool failSends = false;
  std::vector<Mt5Order> orders;
  std::vector<std::pair<model::ClientOrderId, model::VenueOrderId>> cancels;
  std::vector<Mt5Change> changes;
  std::vector<std::string> requests;
};

class Capture final : public ExecutionSink {
 public:
  void onExecution(const model::Event& event) noexcept override { events.push_back(event); }
  template <class E>
  std::vector<E> all() const { return eventsOf<E>(events); }
  std::vector<model::Event> events;
};

oms::Order make(std::string_view id, Side side, OrderType type, std::int64_t qty,
                std::int64_t price = 0, std::int64_t stop = 0, TimeInForce tif = TimeInForce::Gtc) {
  return venueOrder(id, side, type, qty, price, stop, tif, eurusdId());
}

TEST(Mt5Mapping, EveryOrderTypeAndSideMapsToItsMt5Type) {
  const auto spec = eurusd().spec;
  struct Case {
    OrderType type;
    Side side;
    Mt5OrderType expected;
  };
  const Case cases[] = {
      {OrderType::Market, Side::Buy, Mt5OrderType::Buy},
      {OrderType::Market, Side::Sell, Mt5OrderType::Sell},
      {OrderType::Limit, Side::Buy, Mt5OrderType::BuyLimit},
      {OrderType::Limit, Side::Sell, Mt5OrderType::SellLimit},
      {OrderType::Stop, Side::Buy, Mt5OrderType::BuyStop},
      {OrderType::Stop, Side::Sell, Mt5OrderType::SellStop},
      {OrderType::StopLimit, Side::Buy, Mt5OrderType::BuyStopLimit},
      {OrderType::StopLimit, Side::Sell, Mt5OrderType::SellStopLimit},
  };
  for (const auto& c : cases) {
    Mt5Order out;
    auto refusal = mapOrder(make("A1", c.side, c.type, 25, 110'250, 110'300), spec, Mt5Route::Native, out);
    ASSERT_FALSE(refusal) << refusal->reason;
    EXPECT_EQ(out.type, c.expected) << toString(c.expected);
    EXPECT_EQ(static_cast<int>(out.type), static_cast<int>(c.expected));
    const bool limitPrice = c.type == OrderType::Limit || c.type == OrderType::StopLimit;
    const bool stopPrice = c.type == OrderType::Stop || c.type == OrderType::StopLimit;
    EXPECT_EQ(out.price.has_value(), limitPrice);
    EXPECT_EQ(out.stopPrice.has_value(), stopPrice);
    if (limitPrice) {
      EXPECT_EQ(out.price->toString(), "1.10250");
    }
    if (stopPrice) {
      EXPECT_EQ(out.stopPrice->toString(), "1.10300");
    }
    // Pending orders wait with what is left; market orders take the symbol's filling mode.
    EXPECT_EQ(out.filling.has_value(), c.type != OrderType::Market);
    if (c.type != OrderType::Market) {
      EXPECT_EQ(*out.filling, Mt5Filling::Return);
    }
  }
  EXPECT_EQ(static_cast<int>(Mt5OrderType::SellStopLimit), 7);  // ENUM_ORDER_TYPE value
}

TEST(Mt5Mapping, LotsDigitsAndCommentAreExact) {
  Mt5Order out;
  auto spec = eurusd().spec;
  ASSERT_FALSE(mapOrder(make("ORD-7", Side::Buy, OrderType::Limit, 13, 109'871), spec, Mt5Route::Native, out));
  EXPECT_EQ(out.volume.toString(), "0.13");
  EXPECT_DOUBLE_EQ(out.volume.toDouble(), 0.13);
  EXPECT_EQ(out.digits, 5);
  EXPECT_EQ(out.price->toString(), "1.09871");
  EXPECT_EQ(out.comment.view(), "ait:ORD-7");
  EXPECT_EQ(out.symbol.view(), "EURUSD");

  // A stock: whole lots, two digits.
  auto shares = stock().spec;
  oms::Order o = make("S1", Side::Sell, OrderType::Stop, 40, 0, 12'345);
  o.instrument = shares.id;
  ASSERT_FALSE(mapOrder(o, shares, Mt5Route::Native, out));
  EXPECT_EQ(out.volume.toString(), "40");
  EXPECT_EQ(out.digits, 2);
  EXPECT_EQ(out.stopPrice->toString(), "123.45");
}

TEST(Mt5Mapping, RefusesVolumesOffTheStepAndPricesOffTheTickGrid) {
  Mt5Order out;
  auto spec = eurusd().spec;
  spec.lotStep = model::Quantity::fromRaw(10, 2);  // 0.10 lots
  spec.tickSize = model::Price::fromRaw(5, 5);      // half pips
  auto volume = mapOrder(make("V", Side::Buy, OrderType::Market, 15), spec, Mt5Route::Native, out);
  ASSERT_TRUE(volume);
  EXPECT_EQ(volume->code, "MT5-VOLUME-STEP");
  EXPECT_FALSE(mapOrder(make("V", Side::Buy, OrderType::Market, 30), spec, Mt5Route::Native, out));
  auto price = mapOrder(make("P", Side::Buy, OrderType::Limit, 10, 110'002), spec, Mt5Route::Native, out);
  ASSERT_TRUE(price);
  EXPECT_EQ(price->code, "MT5-PRICE-TICK");
  EXPECT_FALSE(mapOrder(make("P", Side::Buy, OrderType::Limit, 10, 110'005), spec, Mt5Route::Native, out));
  auto noStop = mapOrder(make("S", Side::Buy, OrderType::StopLimit, 10, 110'005, 0), spec, Mt5Route::Native, out);
  ASSERT_TRUE(noStop);
  EXPECT_EQ(noStop->code, "MT5-PRICE-TICK");
  auto longId = mapOrder(make("a-client-order-id-of-28-char", Side::Buy, OrderType::Market, 10), spec,
                         Mt5Route::Native, out);
  ASSERT_TRUE(longId);
  EXPECT_EQ(longId->code, "MT5-COMMENT");
  EXPECT_FALSE(mapOrder(make("a-client-order-id-of-27-cha", Side::Buy, OrderType::Market, 10), spec,
                        Mt5Route::Native, out));
  EXPECT_EQ(out.comment.view().size(), 31u);
}

TEST(Mt5Mapping, TimeInForceMapsToTimeTypeAndFillingMode) {
  Mt5Order out;
  const auto spec = eurusd().spec;
  ASSERT_FALSE(mapOrder(make("T", Side::Buy, OrderType::Limit, 10, 110'000, 0, TimeInForce::Gtc), spec, Mt5Route::Native, out));
  EXPECT_EQ(out.typeTime, Mt5TimeType::Gtc);
  ASSERT_FALSE(mapOrder(make("T", Side::Buy, OrderType::Limit, 10, 110'000, 0, TimeInForce::Day), spec, Mt5Route::Native, out));
  EXPECT_EQ(out.typeTime, Mt5TimeType::Day);
  EXPECT_EQ(out.expiration, 0);

  auto gtd = make("T", Side::Buy, OrderType::Limit, 10, 110'000, 0, TimeInForce::Gtd);
  gtd.expireTime = kT0 + 1;  // a nanosecond past a whole second: rounded up, never early
  ASSERT_FALSE(mapOrder(gtd, spec, Mt5Route::Native, out));
  EXPECT_EQ(out.typeTime, Mt5TimeType::Specified);
  EXPECT_EQ(out.expiration, kT0 / 1'000'000'000 + 1);
  gtd.expireTime = kT0;
  ASSERT_FALSE(mapOrder(gtd, spec, Mt5Route::Native, out));
  EXPECT_EQ(out.expiration, kT0 / 1'000'000'000);
  gtd.expireTime = 0;
  auto noExpiry = mapOrder(gtd, spec, Mt5Route::Native, out);
  ASSERT_TRUE(noExpiry);
  EXPECT_EQ(noExpiry->code, "MT5-EXPIRATION");

  ASSERT_FALSE(mapOrder(make("T", Side::Sell, OrderType::Market, 10, 0, 0, TimeInForce::Ioc), spec, Mt5Route::Native, out));
  EXPECT_EQ(out.typeTime, Mt5TimeType::Gtc);
  EXPECT_EQ(out.filling, Mt5Filling::Ioc);
  ASSERT_FALSE(mapOrder(make("T", Side::Sell, OrderType::Limit, 10, 110'000, 0, TimeInForce::Fok), spec, Mt5Route::Native, out));
  EXPECT_EQ(out.filling, Mt5Filling::Fok);
}

TEST(Mt5Mapping, CompatibilityProtocolTakesPlainMarketOrdersOnly) {
  Mt5Order out;
  const auto spec = eurusd().spec;
  EXPECT_FALSE(mapOrder(make("C", Side::Buy, OrderType::Market, 10), spec, Mt5Route::Compat, out));
  for (auto type : {OrderType::Limit, OrderType::Stop, OrderType::StopLimit}) {
    auto refusal = mapOrder(make("C", Side::Buy, type, 10, 110'000, 110'100), spec, Mt5Route::Compat, out);
    ASSERT_TRUE(refusal);
    EXPECT_EQ(refusal->code, "MT5-COMPAT-TYPE");
  }
  for (auto tif : {TimeInForce::Ioc, TimeInForce::Fok}) {
    auto refusal = mapOrder(make("C", Side::Buy, OrderType::Market, 10, 0, 0, tif), spec, Mt5Route::Compat, out);
    ASSERT_TRUE(refusal);
    EXPECT_EQ(refusal->code, "MT5-COMPAT-TIF");
  }
  auto none = mapOrder(make("C", Side::Buy, OrderType::Market, 10), spec, Mt5Route::None, out);
  ASSERT_TRUE(none);
  EXPECT_EQ(none->code, "MT5-DISCONNECTED");
}

class Mt5VenueTest : public ::testing::Test {
 protected:
  Mt5VenueTest() {
    (void)catalog.add(eurusd());
    venue = std::make_unique<Mt5Venue>(catalog, sink, commands,
                                       Mt5VenueConfig{kTenant, model::AccountId("ACC1"), 16});
  }
  template <class E>
  E terminal(std::string_view cid, std::string_view ticket = "") {
    E e{};
    e.header.tenant = kTenant;
    e.header.tsEvent = kT0;
    e.clientOrderId = model::ClientOrderId::truncated(cid);
    e.venueOrderId = model::VenueOrderId::truncated(ticket);
    e.account = model::AccountId("50123");  // the terminal's login, not the engine's account
    return e;
  }
  model::OrderFilled terminalFill(std::string_view cid, double lots, double price, std::string_view deal) {
    auto f = terminal<model::OrderFilled>(cid, "9001");
    f.fillQuantity = *model::Quantity::fromDouble(lots, 2);
    f.fillPrice = *model::Price::fromDouble(price);
    f.tradeId = model::TradeId::truncated(deal);
    f.side = Side::Sell;  // a confused terminal: the order's own side wins
    return f;
  }

  portfolio::Catalog catalog;
  Capture sink;
  RecordingCommands commands;
  std::unique_ptr<Mt5Venue> venue;
};

TEST_F(Mt5VenueTest, DisconnectedTerminalRejectsAtOnce) {
  commands.via = Mt5Route::None;
  venue->submit(make("N1", Side::Buy, OrderType::Market, 10));
  auto rejected = sink.all<model::OrderRejected>();
  ASSERT_EQ(rejected.size(), 1u);
  EXPECT_EQ(rejected[0].reasonCode.view(), "MT5-DISCONNECTED");
  EXPECT_TRUE(commands.orders.empty());
  EXPECT_EQ(venue->workingCount(), 0u);

  // Connected when asked, gone when sent: the same rejection, nothing left in flight.
  commands.via = Mt5Route::Native;
  commands.failSends = true;
  venue->submit(make("N2", Side::Buy, OrderType::Market, 10));
  ASSERT_EQ(sink.all<model::OrderRejected>().size(), 2u);
  EXPECT_EQ(sink.all<model::OrderRejected>()[1].reasonCode.view(), "MT5-DISCONNECTED");
  EXPECT_EQ(venue->workingCount(), 0u);
}

TEST_F(Mt5VenueTest, TerminalReportsBecomeEngineEventsOfTheOrder) {
  venue->submit(make("E1", Side::Buy, OrderType::Limit, 30, 110'000));
  ASSERT_EQ(commands.orders.size(), 1u);
  venue->onTerminal(terminal<model::OrderAccepted>("E1", "9001"));
  venue->onTerminal(terminal<model::OrderAccepted>("E1", "9001"));  // repeated (snapshot): once
  venue->onTerminal(terminalFill("E1", 0.1, 1.099996, "D1"));        // price rounded to 5 digits
  venue->onTerminal(terminalFill("E1", 0.2, 1.1, "D2"));
  venue->onTerminal(terminalFill("OTHER", 0.2, 1.1, "D3"));           // placed by hand: dropped
  auto accepted = sink.all<model::OrderAccepted>();
  ASSERT_EQ(accepted.size(), 1u);
  EXPECT_EQ(accepted[0].venueOrderId.view(), "9001");
  EXPECT_EQ(accepted[0].account.view(), "ACC1");
  EXPECT_EQ(accepted[0].instrument, eurusdId());
  auto fills = sink.all<model::OrderFilled>();
  ASSERT_EQ(fills.size(), 2u);
  EXPECT_EQ(fills[0].fillQuantity.toString(), "0.10");
  EXPECT_EQ(fills[0].fillPrice.toString(), "1.10000");
  EXPECT_EQ(fills[0].leavesQuantity.toString(), "0.20");
  EXPECT_EQ(fills[0].side, Side::Buy);
  EXPECT_EQ(fills[0].tradeId.view(), "D1");
  EXPECT_EQ(fills[1].leavesQuantity.toString(), "0.00");
  EXPECT_EQ(venue->workingCount(), 0u);
  EXPECT_EQ(venue->dropped(), 1u);
}

TEST_F(Mt5VenueTest, ADealReportedAgainFillsNothing) {
  venue->submit(make("R1", Side::Buy, OrderType::Limit, 30, 110'000));
  venue->onTerminal(terminal<model::OrderAccepted>("R1", "9001"));
  venue->onTerminal(terminalFill("R1", 0.1, 1.1, "D7"));
  venue->onTerminal(terminalFill("R1", 0.1, 1.1, "D7"));  // resent after a reconnect
  ASSERT_EQ(sink.all<model::OrderFilled>().size(), 1u);
  EXPECT_EQ(venue->repeatedDeals(), 1u);

  // After a restart the service notes the journalled deals: the EA's resend of one is dropped,
  // a new deal still fills.
  Capture restarted;
  Mt5Venue again(catalog, restarted, commands, Mt5VenueConfig{kTenant, model::AccountId("ACC1"), 16});
  auto order = make("R1", Side::Buy, OrderType::Limit, 30, 110'000);
  order.filled = 10;
  again.restore(order);
  again.noteDeal(model::TradeId::truncated("D7"));
  again.onTerminal(terminalFill("R1", 0.1, 1.1, "D7"));
  EXPECT_TRUE(restarted.all<model::OrderFilled>().empty()) << "the journalled deal was applied again";
  again.onTerminal(terminalFill("R1", 0.2, 1.1, "D8"));
  ASSERT_EQ(restarted.all<model::OrderFilled>().size(), 1u);
  EXPECT_EQ(restarted.all<model::OrderFilled>()[0].tradeId.view(), "D8");
}

TEST_F(Mt5VenueTest, ListsThatEndWhileAnOrderIsInFlightAreSetAside) {
  venue->submit(make("F1", Side::Buy, OrderType::Market, 10));  // sent, not yet acknowledged
  venue->onSnapshotEnd("positions", 0, 0);
  venue->onSnapshotEnd("orders", 0, 0);
  EXPECT_FALSE(venue->takeReport().has_value()) << "the order may have filled before the lists";
  EXPECT_EQ(venue->postponed(), 1u);
  venue->onTerminal(terminalFill("F1", 0.1, 1.1, "D9"));  // done: nothing in flight any more
  venue->onSnapshotEnd("positions", 0, 0);
  venue->onSnapshotEnd("orders", 0, 0);
  EXPECT_TRUE(venue->takeReport().has_value());
}

TEST_F(Mt5VenueTest, CancelAndChangeGoByTicketAndMt5RefusesAVolumeChange) {
  venue->submit(make("M1", Side::Sell, OrderType::Stop, 20, 0, 109'500));
  venue->onTerminal(terminal<model::OrderAccepted>("M1", "777"));
  oms::Order working = make("M1", Side::Sell, OrderType::Stop, 20, 0, 109'500);
  working.venueOrderId = model::VenueOrderId("777");

  venue->modify(working, Amendment{30, 0, 0});
  auto refused = sink.all<model::OrderRejected>();
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0].reasonCode.view(), "MT5-CHG-VOLUME");
  EXPECT_TRUE(commands.changes.empty());

  venue->modify(working, Amendment{0, 0, 109'400});
  ASSERT_EQ(commands.changes.size(), 1u);
  EXPECT_EQ(commands.changes[0].ticket.view(), "777");
  EXPECT_EQ(commands.changes[0].stopPrice->toString(), "1.09400");
  EXPECT_FALSE(commands.changes[0].price);
  auto modified = terminal<model::OrderModified>("M1", "777");
  modified.quantity = model::Quantity::fromRaw(0, 2);  // the terminal's own fields do not count
  venue->onTerminal(modified);
  auto applied = sink.all<model::OrderModified>();
  ASSERT_EQ(applied.size(), 1u);
  EXPECT_EQ(applied[0].quantity.toString(), "0.20");
  EXPECT_EQ(applied[0].stopPrice->toString(), "1.09400");

  venue->cancel(working);
  ASSERT_EQ(commands.cancels.size(), 1u);
  EXPECT_EQ(commands.cancels[0].second.view(), "777");
  venue->onTerminal(terminal<model::OrderCancelled>("M1", "777"));
  EXPECT_EQ(sink.all<model::OrderCancelled>().size(), 1u);
  EXPECT_EQ(venue->workingCount(), 0u);

  // The compatibility protocol has no cancel: refused, the order stays.
  venue->submit(make("M2", Side::Buy, OrderType::Market, 10));
  venue->onTerminal(terminal<model::OrderAccepted>("M2", "778"));
  commands.via = Mt5Route::Compat;
  venue->cancel(make("M2", Side::Buy, OrderType::Market, 10));
  EXPECT_EQ(sink.all<model::OrderRejected>().back().reasonCode.view(), "MT5-COMPAT-CXL");
  EXPECT_EQ(venue->workingCount(), 1u);
}

TEST_F(Mt5VenueTest, ReportComesFromAPositionsListAndTheOrdersListAfterIt) {
  venue->submit(make("R1", Side::Buy, OrderType::Limit, 10, 109'000));
  venue->submit(make("R2", Side::Buy, OrderType::Limit, 10, 108'000));
  venue->onTerminal(terminal<model::OrderAccepted>("R1", "501"));
  venue->onTerminal(terminal<model::OrderAccepted>("R2", "502"));
  ASSERT_TRUE(venue->requestReport());
  EXPECT_EQ(commands.requests, (std::vector<std::string>{"positions", "orders"}));

  auto position = [&](std::string_view ticket, double lots, double price) {
    model::PositionChanged p{};
    p.header.tenant = kTenant;
    p.positionId = model::PositionId::truncated(ticket);
    p.instrument = {model::Symbol("EURUSD"), model::Venue("SIM")};
    p.quantity = *model::Quantity::fromDouble(lots, 2);
    p.averagePrice = *model::Price::fromDouble(price);
    return model::Event(p);
  };
  // A list with a malformed entry does not count.
  venue->onTerminal(position("1", 0.3, 1.1));
  venue->onSnapshotEnd("positions", 2, 1);
  venue->onTerminal(terminal<model::OrderAccepted>("R1", "501"));
  venue->onSnapshotEnd("orders", 1, 1);
  EXPECT_FALSE(venue->takeReport());

  // Two tickets (hedging) net to 0.2 at their weighted average; R2 is no longer listed.
  venue->onTerminal(position("1", 0.3, 1.1));
  venue->onTerminal(position("2", -0.1, 1.2));
  venue->onSnapshotEnd("positions", 2, 2);
  EXPECT_FALSE(venue->takeReport());
  venue->onTerminal(terminal<model::OrderAccepted>("R1", "501"));
  venue->onTerminal(terminal<model::OrderAccepted>("mt5-600", "600"));  // placed by hand
  venue->onSnapshotEnd("orders", 2, 2);
  Mt5ReportNotes notes;
  auto report = venue->takeReport(&notes);
  ASSERT_TRUE(report);
  EXPECT_FALSE(venue->takeReport());  // once
  ASSERT_EQ(report->positions.size(), 1u);
  EXPECT_EQ(report->positions[0].quantity.toString(), "0.20");
  EXPECT_EQ(report->positions[0].averagePrice.toString(), "1.12500");
  EXPECT_EQ(report->positions[0].account.view(), "ACC1");
  EXPECT_TRUE(report->positionsReported);
  ASSERT_EQ(report->orders.size(), 2u);
  for (const auto& o : report->orders) {
    EXPECT_EQ(o.status, o.clientOrderId.view() == "R1" ? OrderReport::Status::Working
                                                       : OrderReport::Status::Cancelled)
        << o.clientOrderId.view();
  }
  EXPECT_EQ(notes.unknownOrders, 1u);
  EXPECT_EQ(notes.goneOrders, 1u);
  EXPECT_EQ(venue->workingCount(), 1u);
}

TEST_F(Mt5VenueTest, AnOrdersListWhoseEntriesMayHaveBeenDroppedDoesNotCount) {
  venue->onSnapshotEnd("positions", 0, 0);
  // More acknowledgements than the venue keeps room for (16 here) before the list ends: the
  // list's own entries may be among those dropped.
  for (int i = 0; i < 17; ++i) {
    venue->onTerminal(terminal<model::OrderAccepted>(fmt::format("X{}", i), fmt::format("{}", i)));
  }
  venue->onSnapshotEnd("orders", 1, 1);
  EXPECT_FALSE(venue->takeReport());
  // The next pair counts again.
  venue->onSnapshotEnd("positions", 0, 0);
  venue->onTerminal(terminal<model::OrderAccepted>("X1", "1"));
  venue->onSnapshotEnd("orders", 1, 1);
  auto report = venue->takeReport();
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->positions.empty());  // flat at the terminal
  EXPECT_TRUE(report->positionsReported);
}

}  // namespace
}  // namespace ait::venue
