#include "ait/data/instruments.h"

#include <gtest/gtest.h>

namespace ait::data {
namespace {

TEST(InstrumentsFromConfig, BuildsTheDefaultInstruments) {
  config::DataConfig defaults;
  auto specs = instrumentsFromConfig(defaults.instruments);
  ASSERT_TRUE(specs) << specs.error().describe();
  ASSERT_EQ(specs->size(), 3U);
  const auto& jpy = (*specs)[2];
  EXPECT_EQ(jpy.instrument.id.symbol.view(), "USDJPY");
  EXPECT_EQ(jpy.instrument.priceScale, 3);
  EXPECT_EQ(jpy.instrument.tickSize, model::Price::fromRaw(1, 3));
  EXPECT_EQ(jpy.instrument.currency, "JPY");
  EXPECT_EQ(jpy.gapThresholdNs, 60'000'000'000LL);
  EXPECT_EQ(jpy.session.text(), "fx");
  EXPECT_FALSE(jpy.session.alwaysOpen());
}

TEST(InstrumentsFromConfig, ReportsEveryBadEntryAtOnce) {
  std::vector<config::InstrumentConfig> entries(4);
  entries[0].symbol = "EURUSD";
  entries[1].symbol = "EURUSD";  // repeated
  entries[2].symbol = "XAUUSD";
  entries[2].price_scale = 2;
  entries[2].tick_size = 0.005;  // finer than the scale
  entries[3].symbol = "US500";
  entries[3].session = "Mon-Fri 09:30-16:00";  // no zone
  auto specs = instrumentsFromConfig(entries);
  ASSERT_FALSE(specs);
  EXPECT_EQ(specs.error().codeString(), "AIT-DATA-0001");
  const auto& message = specs.error().message();
  EXPECT_NE(message.find("data.instruments[1] (EURUSD): symbol and venue repeat"), std::string::npos)
      << message;
  EXPECT_NE(message.find("data.instruments[2] (XAUUSD): tick_size 0.005"), std::string::npos)
      << message;
  EXPECT_NE(message.find("data.instruments[3] (US500): session 'Mon-Fri 09:30-16:00'"),
            std::string::npos)
      << message;
}

TEST(InstrumentsFromConfig, RefusesASymbolLongerThanEventsCarry) {
  std::vector<config::InstrumentConfig> entries(1);
  entries[0].symbol = "A_VERY_LONG_SYMBOL_NAME";
  auto specs = instrumentsFromConfig(entries);
  ASSERT_FALSE(specs);
  EXPECT_NE(specs.error().message().find("symbol"), std::string::npos);
}

}  // namespace
}  // namespace ait::data
