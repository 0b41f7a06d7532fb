#include "ait/venue/sim_venue.h"

#include <gtest/gtest.h>

#include "unit/trading/fixtures.h"

namespace ait::venue {
namespace {

using namespace trading::testing;  // the instruments, tick, bar, kT0, kTenant, venueOrder

constexpr TimestampNs kDay = 86'400'000'000'000LL;

class Capture final : public ExecutionSink {
 public:
  void onExecution(const model::Event& event) noexcept override { events.push_back(event); }
  std::vector<model::OrderFilled> fills() const {
    std::vector<model::OrderFilled> out;
    for (const auto& e : events) {
      if (auto* f = std::get_if<model::OrderFilled>(&e)) out.push_back(*f);
    }
    return out;
  }
  template <class E>
  std::size_t count() const {
    std::size_t n = 0;
    for (const auto& e : events) n += std::holds_alternative<E>(e) ? 1 : 0;
    return n;
  }
  std::vector<model::Event> events;
};

class SimVenueTest : public ::testing::Test {
 protected:
  // The venue sizes its tables to the catalog: the instruments go in first.
  static portfolio::Catalog makeCatalog() {
    portfolio::Catalog catalog;
    auto fx = eurusd();
    fx.terms.slippageTicks = 1;
    fx.terms.commissionPerUnit = model::Money::fromRaw(5, 0);  // 5 per lot
    (void)catalog.add(fx);
    (void)catalog.add(stock());
    return catalog;
  }
  oms::Order make(std::string_view id, model::Side side, model::OrderType type, std::int64_t qty,
                  std::int64_t price = 0, std::int64_t stop = 0,
                  model::TimeInForce tif = model::TimeInForce::Gtc, std::uint32_t instrument = 0) {
    auto o = venueOrder(id, side, type, qty, price, stop, tif, catalog_.at(instrument).spec.id,
                        instrument);
    o.createdAt = now_;
    return o;
  }
  void quote(std::int64_t bid, std::int64_t ask, std::int64_t bidSize = 0, std::int64_t askSize = 0) {
    now_ += 1'000'000;
    auto t = tick(now_, bid, ask, trading::testing::eurusdId(), bidSize, askSize);
    catalog_.update(fx_, t);
    venue_.onTick(fx_, t);
  }
  void dailyBar(std::int64_t o, std::int64_t h, std::int64_t l, std::int64_t c) {
    auto b = bar(barStart_, o, h, l, c);
    barStart_ += kDay;
    venue_.onBar(stock_, b);
    catalog_.update(stock_, b);
  }

  portfolio::Catalog catalog_ = makeCatalog();
  Capture sink_;
  SimVenue venue_{catalog_, sink_, SimVenueConfig{}};
  std::uint32_t fx_ = 0;
  std::uint32_t stock_ = 1;
  TimestampNs now_ = kT0;
  TimestampNs barStart_ = kT0 / kDay * kDay;
};

TEST_F(SimVenueTest, MarketOrderFillsAtTheTouchPlusSlippageWithCommission) {
  quote(110'000, 110'002);
  venue_.submit(make("M", model::Side::Buy, model::OrderType::Market, 200));
  ASSERT_EQ(sink_.count<model::OrderAccepted>(), 1U);
  auto fills = sink_.fills();
  ASSERT_EQ(fills.size(), 1U);
  EXPECT_EQ(fills[0].fillPrice, model::Price::fromRaw(110'003, 5));  // ask + 1 tick
  EXPECT_EQ(fills[0].fillQuantity, model::Quantity::fromRaw(200, 2));
  EXPECT_EQ(fills[0].leavesQuantity, model::Quantity::fromRaw(0, 2));
  EXPECT_EQ(fills[0].commission, model::Money::fromRaw(10, 0));
  EXPECT_EQ(fills[0].liquidity, model::Liquidity::Taker);
  venue_.submit(make("S", model::Side::Sell, model::OrderType::Market, 100));
  EXPECT_EQ(sink_.fills().back().fillPrice, model::Price::fromRaw(109'999, 5));  // bid - 1 tick
}

TEST_F(SimVenueTest, MarketOrderWithoutAQuoteWaitsForTheFirstOne) {
  venue_.submit(make("M", model::Side::Buy, model::OrderType::Market, 100));
  EXPECT_TRUE(sink_.fills().empty());
  quote(110'000, 110'002);
  ASSERT_EQ(sink_.fills().size(), 1U);
}

TEST_F(SimVenueTest, RestingLimitFillsAtItsPriceWhenTheQuoteCrosses) {
  quote(110'000, 110'002);
  venue_.submit(make("L", model::Side::Buy, model::OrderType::Limit, 100, 109'950));
  EXPECT_TRUE(sink_.fills().empty());
  quote(109'960, 109'962);
  EXPECT_TRUE(sink_.fills().empty());
  quote(109'900, 109'940);  // ask through the limit
  auto fills = sink_.fills();
  ASSERT_EQ(fills.size(), 1U);
  EXPECT_EQ(fills[0].fillPrice, model::Price::fromRaw(109'950, 5));
  EXPECT_EQ(fills[0].liquidity, model::Liquidity::Maker);
}

TEST_F(SimVenueTest, MarketableLimitTakesTheTouch) {
  quote(110'000, 110'002);
  venue_.submit(make("L", model::Side::Buy, model::OrderType::Limit, 100, 110'050));
  auto fills = sink_.fills();
  ASSERT_EQ(fills.size(), 1U);
  EXPECT_EQ(fills[0].fillPrice, model::Price::fromRaw(110'002, 5));
}

TEST_F(SimVenueTest, StopTriggersOnTheQuoteThenFillsAsMarket) {
  quote(110'000, 110'002);
  venue_.submit(make("ST", model::Side::Sell, model::OrderType::Stop, 100, 0, 109'900));
  quote(109'950, 109'952);
  EXPECT_TRUE(sink_.fills().empty());
  quote(109'880, 109'882);
  auto fills = sink_.fills();
  ASSERT_EQ(fills.size(), 1U);
  EXPECT_EQ(fills[0].fillPrice, model::Price::fromRaw(109'879, 5));  // bid - slippage
}

TEST_F(SimVenueTest, StopLimitTriggersThenWaitsForItsLimit) {
  quote(110'000, 110'002);
  venue_.submit(make("SL", model::Side::Buy, model::OrderType::StopLimit, 100, 110'110, 110'100));
  quote(110'150, 110'152);  // triggers; ask above the limit: rests
  EXPECT_TRUE(sink_.fills().empty());
  quote(110'100, 110'105);
  auto fills = sink_.fills();
  ASSERT_EQ(fills.size(), 1U);
  EXPECT_EQ(fills[0].fillPrice, model::Price::fromRaw(110'110, 5));
}

TEST_F(SimVenueTest, PartialFillsAreLimitedByTheQuoteSize) {
  quote(110'000, 110'002, 100, 30);
  venue_.submit(make("M", model::Side::Buy, model::OrderType::Market, 100));
  auto fills = sink_.fills();
  ASSERT_EQ(fills.size(), 1U);
  EXPECT_EQ(fills[0].fillQuantity, model::Quantity::fromRaw(30, 2));
  EXPECT_EQ(fills[0].leavesQuantity, model::Quantity::fromRaw(70, 2));
  quote(110'000, 110'002, 100, 100);
  fills = sink_.fills();
  ASSERT_EQ(fills.size(), 2U);
  EXPECT_EQ(fills[1].fillQuantity, model::Quantity::fromRaw(70, 2));
  EXPECT_EQ(fills[1].leavesQuantity, model::Quantity::fromRaw(0, 2));
}

TEST_F(SimVenueTest, IocFillsWhatIsThereAndCancelsTheRest) {
  quote(110'000, 110'002, 100, 30);
  venue_.submit(make("I", model::Side::Buy, model::OrderType::Market, 100, 0, 0,
                     model::TimeInForce::Ioc));
  ASSERT_EQ(sink_.fills().size(), 1U);
  EXPECT_EQ(sink_.count<model::OrderCancelled>(), 1U);
  EXPECT_EQ(venue_.workingCount(), 0U);
}

TEST_F(SimVenueTest, FokWithoutEnoughSizeFillsNothing) {
  quote(110'000, 110'002, 100, 30);
  venue_.submit(make("F", model::Side::Buy, model::OrderType::Market, 100, 0, 0,
                     model::TimeInForce::Fok));
  EXPECT_TRUE(sink_.fills().empty());
  EXPECT_EQ(sink_.count<model::OrderCancelled>(), 1U);
}

TEST_F(SimVenueTest, DayOrderExpiresAtMidnightUtc) {
  quote(110'000, 110'002);
  venue_.submit(make("D", model::Side::Buy, model::OrderType::Limit, 100, 109'000, 0,
                     model::TimeInForce::Day));
  venue_.onTime((now_ / kDay + 1) * kDay - 1);
  EXPECT_EQ(sink_.count<model::OrderExpired>(), 0U);
  venue_.onTime((now_ / kDay + 1) * kDay);
  EXPECT_EQ(sink_.count<model::OrderExpired>(), 1U);
}

TEST_F(SimVenueTest, GtdOrderExpiresAtItsTime) {
  quote(110'000, 110'002);
  auto o = make("G", model::Side::Buy, model::OrderType::Limit, 100, 109'000, 0,
                model::TimeInForce::Gtd);
  o.expireTime = now_ + 5'000'000'000;
  venue_.submit(o);
  quote(110'000, 110'002);
  EXPECT_EQ(sink_.count<model::OrderExpired>(), 0U);
  venue_.onTime(o.expireTime);
  EXPECT_EQ(sink_.count<model::OrderExpired>(), 1U);
}

TEST_F(SimVenueTest, OcoFillCancelsTheOtherOrdersOfTheGroup) {
  quote(110'000, 110'002);
  auto sl = make("SL", model::Side::Sell, model::OrderType::Stop, 100, 0, 109'900);
  auto tp = make("TP", model::Side::Sell, model::OrderType::Limit, 100, 110'200);
  sl.ocoGroup = tp.ocoGroup = model::OcoGroupId("B1");
  venue_.submit(sl);
  venue_.submit(tp);
  quote(110'210, 110'212);
  ASSERT_EQ(sink_.fills().size(), 1U);
  EXPECT_EQ(sink_.fills()[0].clientOrderId, model::ClientOrderId("TP"));
  EXPECT_EQ(sink_.count<model::OrderCancelled>(), 1U);
  EXPECT_EQ(venue_.workingCount(), 0U);
}

TEST_F(SimVenueTest, CancelAndModifyReport) {
  quote(110'000, 110'002);
  auto o = make("L", model::Side::Buy, model::OrderType::Limit, 100, 109'000);
  venue_.submit(o);
  venue_.modify(o, Amendment{200, 109'500, 0});
  ASSERT_EQ(sink_.count<model::OrderModified>(), 1U);
  auto modified = std::get<model::OrderModified>(sink_.events.back());
  EXPECT_EQ(modified.quantity, model::Quantity::fromRaw(200, 2));
  EXPECT_EQ(modified.price, model::Price::fromRaw(109'500, 5));
  venue_.modify(o, Amendment{0, 110'010, 0});  // through the market: fills now
  ASSERT_EQ(sink_.fills().size(), 1U);
  venue_.cancel(o);
  EXPECT_EQ(sink_.count<model::OrderCancelled>(), 0U);  // nothing left to cancel
}

TEST_F(SimVenueTest, BarDataFillsMarketOrdersAtTheNextOpen) {
  dailyBar(10'000, 10'100, 9'900, 10'050);
  venue_.submit(make("M", model::Side::Buy, model::OrderType::Market, 10, 0, 0,
                     model::TimeInForce::Gtc, 1));
  EXPECT_TRUE(sink_.fills().empty());
  dailyBar(10'080, 10'200, 10'000, 10'150);
  ASSERT_EQ(sink_.fills().size(), 1U);
  EXPECT_EQ(sink_.fills()[0].fillPrice, model::Price::fromRaw(10'080, 2));
}

TEST_F(SimVenueTest, BarDataCanFillAtThisBarsClose) {
  SimVenue closeVenue(catalog_, sink_, SimVenueConfig{BarFill::ThisClose});
  auto b = bar(barStart_, 10'000, 10'100, 9'900, 10'050);
  closeVenue.onBar(stock_, b);
  catalog_.update(stock_, b);
  closeVenue.submit(make("M", model::Side::Buy, model::OrderType::Market, 10, 0, 0,
                         model::TimeInForce::Gtc, 1));
  ASSERT_EQ(sink_.fills().size(), 1U);
  EXPECT_EQ(sink_.fills()[0].fillPrice, model::Price::fromRaw(10'050, 2));
}

TEST_F(SimVenueTest, BarLimitsAndStopsFillAtTheirPriceOrAtAGappedOpen) {
  dailyBar(10'000, 10'100, 9'900, 10'050);
  venue_.submit(make("L", model::Side::Buy, model::OrderType::Limit, 10, 9'950, 0,
                     model::TimeInForce::Gtc, 1));
  venue_.submit(make("S", model::Side::Sell, model::OrderType::Stop, 10, 0, 9'990,
                     model::TimeInForce::Gtc, 1));
  dailyBar(9'800, 9'900, 9'700, 9'850);  // gaps below both
  auto fills = sink_.fills();
  ASSERT_EQ(fills.size(), 2U);
  EXPECT_EQ(fills[0].fillPrice, model::Price::fromRaw(9'800, 2));  // limit: the better open
  EXPECT_EQ(fills[1].fillPrice, model::Price::fromRaw(9'800, 2));  // stop: the worse open
  venue_.submit(make("L2", model::Side::Buy, model::OrderType::Limit, 10, 9'750, 0,
                     model::TimeInForce::Gtc, 1));
  dailyBar(9'850, 9'900, 9'700, 9'800);
  ASSERT_EQ(sink_.fills().size(), 3U);
  EXPECT_EQ(sink_.fills()[2].fillPrice, model::Price::fromRaw(9'750, 2));
}

TEST_F(SimVenueTest, BarPathDecidesWhichOcoLegFillsFirst) {
  dailyBar(10'000, 10'100, 9'900, 10'050);
  auto sl = make("SL", model::Side::Sell, model::OrderType::Stop, 10, 0, 9'800,
                 model::TimeInForce::Gtc, 1);
  auto tp = make("TP", model::Side::Sell, model::OrderType::Limit, 10, 10'200,
                 0, model::TimeInForce::Gtc, 1);
  sl.ocoGroup = tp.ocoGroup = model::OcoGroupId("B1");
  venue_.submit(sl);
  venue_.submit(tp);
  // Rising bar (close > open): open -> low -> high -> close, so the low (stop) comes first.
  dailyBar(10'000, 10'300, 9'700, 10'250);
  auto fills = sink_.fills();
  ASSERT_EQ(fills.size(), 1U);
  EXPECT_EQ(fills[0].clientOrderId, model::ClientOrderId("SL"));
  EXPECT_EQ(fills[0].fillPrice, model::Price::fromRaw(9'800, 2));
}

TEST_F(SimVenueTest, FallingBarReachesTheHighFirst) {
  dailyBar(10'000, 10'100, 9'900, 10'050);
  auto sl = make("SL", model::Side::Sell, model::OrderType::Stop, 10, 0, 9'800,
                 model::TimeInForce::Gtc, 1);
  auto tp = make("TP", model::Side::Sell, model::OrderType::Limit, 10, 10'200,
                 0, model::TimeInForce::Gtc, 1);
  sl.ocoGroup = tp.ocoGroup = model::OcoGroupId("B1");
  venue_.submit(sl);
  venue_.submit(tp);
  dailyBar(10'000, 10'300, 9'700, 9'750);  // open -> high -> low -> close
  ASSERT_EQ(sink_.fills().size(), 1U);
  EXPECT_EQ(sink_.fills()[0].clientOrderId, model::ClientOrderId("TP"));
}

TEST_F(SimVenueTest, RestoredOrdersKeepWorkingAndIdsContinue) {
  auto o = make("L", model::Side::Buy, model::OrderType::Limit, 100, 109'000);
  o.venueOrderId = model::VenueOrderId("V7");
  venue_.restore(o);
  venue_.restoreCounters(7, 3);
  quote(108'990, 108'995);
  auto fills = sink_.fills();
  ASSERT_EQ(fills.size(), 1U);
  EXPECT_EQ(fills[0].venueOrderId, model::VenueOrderId("V7"));
  EXPECT_EQ(fills[0].tradeId, model::TradeId("T4"));
}

}  // namespace
}  // namespace ait::venue
