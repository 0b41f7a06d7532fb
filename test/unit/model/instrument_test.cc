#include "ait/model/instrument.h"

#include <gtest/gtest.h>

#include "ait/model/errors.h"

namespace ait::model {
namespace {

Instrument eurusd() {
  Instrument instrument;
  instrument.id = InstrumentId{Symbol("EURUSD"), Venue("MT5")};
  instrument.priceScale = 5;
  instrument.quantityScale = 2;
  instrument.tickSize = Price::fromRaw(1, 5);
  instrument.lotStep = Quantity::fromRaw(1, 2);
  instrument.minQuantity = Quantity::fromRaw(1, 2);
  instrument.maxQuantity = Quantity::fromRaw(10'000, 2);
  instrument.contractSize = Quantity::fromRaw(100'000, 0);
  instrument.currency = "USD";
  return instrument;
}

TEST(InstrumentValidate, AcceptsAConsistentDefinition) {
  auto valid = eurusd().validate();
  EXPECT_TRUE(valid.has_value()) << valid.error().describe();
}

TEST(InstrumentValidate, ReportsEveryProblemAtOnce) {
  Instrument bad = eurusd();
  bad.tickSize = Price::fromRaw(5, 6);
  bad.lotStep = Quantity::fromRaw(0, 2);
  bad.maxQuantity = Quantity::fromRaw(0, 2);
  bad.currency = "";
  auto result = bad.validate();
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().codeString(), kBadInstrument.code);
  const auto& message = result.error().message();
  EXPECT_NE(message.find("tick_size 0.000005 has more decimal places than price_scale 5"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("lot_step must be positive"), std::string::npos) << message;
  EXPECT_NE(message.find("max_quantity 0.00 is below min_quantity 0.01"), std::string::npos)
      << message;
  EXPECT_NE(message.find("currency is empty"), std::string::npos) << message;
}

TEST(InstrumentPrices, ParseAtTheInstrumentScale) {
  Instrument instrument = eurusd();
  auto price = instrument.parsePrice("1.1");
  ASSERT_TRUE(price.has_value());
  EXPECT_EQ(price->toString(), "1.10000");
  EXPECT_FALSE(instrument.parsePrice("1.123456").has_value());
  auto fromFeed = instrument.priceFromDouble(1.102355);
  ASSERT_TRUE(fromFeed.has_value());
  EXPECT_EQ(fromFeed->toString(), "1.10236");
  auto lots = instrument.quantityFromDouble(0.105);
  ASSERT_TRUE(lots.has_value());
  EXPECT_EQ(lots->toString(), "0.11");
}

TEST(InstrumentPrices, CheckTheTickGrid) {
  Instrument instrument = eurusd();
  instrument.tickSize = Price::fromRaw(5, 5);
  EXPECT_TRUE(instrument.checkPrice(Price::fromRaw(110'235, 5)).has_value());
  auto offGrid = instrument.checkPrice(Price::fromRaw(110'236, 5));
  ASSERT_FALSE(offGrid.has_value());
  EXPECT_NE(offGrid.error().message().find("not a multiple of the tick size 0.00005"),
            std::string::npos);
  EXPECT_FALSE(instrument.checkPrice(Price::fromRaw(1'102'355, 6)).has_value());
  EXPECT_FALSE(instrument.checkPrice(Price::fromRaw(0, 5)).has_value());
  auto rounded = instrument.roundToTick(Price::fromRaw(1'102'375, 6));
  ASSERT_TRUE(rounded.has_value());
  EXPECT_EQ(rounded->toString(), "1.10240");
  auto down = instrument.roundToTick(Price::fromRaw(110'237, 5));
  ASSERT_TRUE(down.has_value());
  EXPECT_EQ(down->toString(), "1.10235");
}

TEST(InstrumentQuantities, CheckLimitsAndStep) {
  Instrument instrument = eurusd();
  instrument.lotStep = Quantity::fromRaw(5, 2);
  instrument.minQuantity = Quantity::fromRaw(5, 2);
  EXPECT_TRUE(instrument.checkQuantity(Quantity::fromRaw(15, 2)).has_value());
  EXPECT_TRUE(instrument.checkQuantity(Quantity::fromRaw(1, 0)).has_value());
  EXPECT_FALSE(instrument.checkQuantity(Quantity::fromRaw(12, 2)).has_value());
  EXPECT_FALSE(instrument.checkQuantity(Quantity::fromRaw(1, 2)).has_value());
  auto tooBig = instrument.checkQuantity(Quantity::fromRaw(101, 0));
  ASSERT_FALSE(tooBig.has_value());
  EXPECT_NE(tooBig.error().message().find("quantity 101 outside [0.05, 100.00]"),
            std::string::npos)
      << tooBig.error().message();
}

TEST(InstrumentNotional, IncludesTheContractSize) {
  auto value = eurusd().notional(Price::fromRaw(110'235, 5), Quantity::fromRaw(50, 2));
  ASSERT_TRUE(value.has_value());
  EXPECT_EQ(*value, Money::fromRaw(55'117'5, 1));
}

TEST(InstrumentRegistryAccess, AddsFindsAndRefusesDuplicates) {
  InstrumentRegistry registry;
  ASSERT_TRUE(registry.add(eurusd()).has_value());
  auto duplicate = registry.add(eurusd());
  ASSERT_FALSE(duplicate.has_value());
  EXPECT_NE(duplicate.error().message().find("EURUSD@MT5 is already registered"),
            std::string::npos);
  const Instrument* found = registry.find(InstrumentId{Symbol("EURUSD"), Venue("MT5")});
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->currency, "USD");
  EXPECT_EQ(registry.find(InstrumentId{Symbol("EURUSD"), Venue("SIM")}), nullptr);
  auto missing = registry.get(InstrumentId{Symbol("GBPUSD"), Venue("MT5")});
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().codeString(), kUnknownInstrument.code);

  Instrument changed = eurusd();
  changed.currency = "EUR";
  ASSERT_TRUE(registry.put(changed).has_value());
  EXPECT_EQ(found->currency, "EUR");
  Instrument invalid = eurusd();
  invalid.priceScale = 30;
  EXPECT_FALSE(registry.put(invalid).has_value());
  EXPECT_EQ(registry.size(), 1U);
}

}  // namespace
}  // namespace ait::model
