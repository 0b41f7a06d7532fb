#include <string>

#include <gtest/gtest.h>

#include "ait/portfolio/catalog.h"
#include "ait/trading/presets.h"

namespace ait::portfolio {
namespace {

model::InstrumentId id(const std::string& symbol) { return {*model::Symbol::from(symbol), model::Venue("SIM")}; }

TradableInstrument fx(const std::string& symbol) {
  auto instrument = trading::presets::eurusd();
  instrument.spec.id = id(symbol);
  return instrument;
}

TEST(Catalog, FindsEachInstrumentByIdInSmallAndLargeCatalogs) {
  // Up to four instruments are compared one by one, more are hashed: both answer alike.
  const std::string symbols[] = {"EURUSD", "GBPUSD", "USDJPY", "AUDUSD", "USDCHF", "NZDUSD"};
  for (std::size_t size : {1U, 4U, 6U}) {
    Catalog catalog;
    for (std::size_t i = 0; i < size; ++i) ASSERT_TRUE(catalog.add(fx(symbols[i])).has_value());
    for (std::size_t i = 0; i < size; ++i) {
      EXPECT_EQ(catalog.find(id(symbols[i])), static_cast<std::int32_t>(i));
    }
    EXPECT_EQ(catalog.find({model::Symbol("EURUSD"), model::Venue("LMAX")}), -1) << size;
    EXPECT_EQ(catalog.find({model::Symbol("XAUUSD"), model::Venue("SIM")}), -1) << size;
  }
}

TEST(Catalog, TickAtAnotherScaleIsRescaledAndOneThatDoesNotFitIsRefused) {
  Catalog catalog;
  ASSERT_TRUE(catalog.add(fx("EURUSD")).has_value());
  model::Tick tick{};
  tick.header.tsEvent = 1'000;
  tick.flags = model::kTickBid | model::kTickAsk;
  tick.bid = model::Price::fromRaw(11, 1);            // 1.1 at 5 places: 110000
  tick.ask = model::Price::fromRaw(110'002, 5);       // already at 5 places
  tick.bidSize = model::Quantity::fromRaw(15, 1);     // 1.5 lots at 2 places: 150
  tick.askSize = model::Quantity::fromRaw(0, 7);      // not given
  ASSERT_TRUE(catalog.update(0, tick));
  const Quote& q = catalog.quote(0);
  EXPECT_EQ(q.bid, 110'000);
  EXPECT_EQ(q.ask, 110'002);
  EXPECT_EQ(q.bidSize, 150);
  EXPECT_EQ(q.askSize, 0);
  EXPECT_EQ(q.ts, 1'000);

  tick.header.tsEvent = 2'000;
  tick.bid = model::Price::fromRaw(1'100'005, 6);     // 1.100005: finer than the 5 places
  EXPECT_FALSE(catalog.update(0, tick));
  EXPECT_EQ(catalog.quote(0).bid, 110'000);           // the last good quote stays
  EXPECT_EQ(catalog.quote(0).ts, 1'000);
}

}  // namespace
}  // namespace ait::portfolio
