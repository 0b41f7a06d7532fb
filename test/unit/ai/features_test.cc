// The feature spec parser, the pipeline's fixed layout, and the bar file reader's errors.

#include <cmath>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "ait/ai/bars.h"
#include "ait/ai/errors.h"
#include "ait/ai/features.h"

namespace ait::ai {
namespace {

TEST(FeatureSpec, ParsesKindsDefaultsAndColumns) {
  auto pipeline = FeaturePipeline::create("sma:30, rsi ,macd:12:26:9,bbands:20:2.5,stoch,tod");
  ASSERT_TRUE(pipeline) << pipeline.error().describe();
  EXPECT_EQ(pipeline->columns(),
            (std::vector<std::string>{"sma_30", "rsi_14", "macd_12_26_9", "macd_signal_12_26_9",
                                      "macd_hist_12_26_9", "bb_upper_20_2.5", "bb_middle_20_2.5",
                                      "bb_lower_20_2.5", "stoch_k_5_3_3", "stoch_d_5_3_3", "hour",
                                      "weekday"}));
  EXPECT_EQ(pipeline->lookback(), 33);
  EXPECT_EQ(pipeline->columnIndex("rsi_14"), 1);
  EXPECT_EQ(pipeline->columnIndex("nope"), -1);
}

TEST(FeatureSpec, ReportsEveryMistakeAtOnce) {
  auto bad = parseFeatureSpecs("sma:0,foo:3,,rsi:14:2,ema:2.5,sma:30,sma:30");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code().code, kBadFeatureSpec.code);
  const auto& msg = bad.error().message();
  for (const char* part : {"'sma:0': parameter 1 '0'", "unknown feature 'foo'", "an empty item",
                           "rsi takes at most 1 parameters", "'ema:2.5'",
                           "column 'sma_30' appears twice"}) {
    EXPECT_NE(msg.find(part), std::string::npos) << part << " in: " << msg;
  }
}

TEST(FeaturePipeline, FillsTheVectorInPlaceWithNanUntilReady) {
  auto pipeline = FeaturePipeline::create("close,sma:3,ret:1,tod");
  ASSERT_TRUE(pipeline);
  auto values = pipeline->values();
  const double* data = values.data();
  // 2024-01-01 was a Monday.
  Bar bar{*parseTimestamp("2024-01-01 13:30:00"), 1, 1, 1, 10, 0};
  pipeline->update(bar);
  EXPECT_EQ(pipeline->values().data(), data) << "the vector must not move";
  EXPECT_EQ(pipeline->values()[0], 10);
  EXPECT_TRUE(std::isnan(pipeline->values()[1]));
  EXPECT_DOUBLE_EQ(pipeline->values()[3], 13.5);
  EXPECT_EQ(pipeline->values()[4], 0);
  EXPECT_FALSE(pipeline->ready());
  bar.close = 11;
  pipeline->update(bar);
  bar.close = 12;
  pipeline->update(bar);
  EXPECT_TRUE(pipeline->ready());
  EXPECT_DOUBLE_EQ(pipeline->values()[1], 11);
  EXPECT_DOUBLE_EQ(pipeline->values()[2], 12.0 / 11 - 1);
}

TEST(Bars, ReadsHeadersTimesAndResamples) {
  auto t = parseTimestamp("2021-12-31 23:01:00.500000");
  ASSERT_TRUE(t);
  EXPECT_EQ(formatTimestamp(*t), "2021-12-31T23:01:00.500000000Z");
  EXPECT_EQ(*parseTimestamp("2013-02-01 00:00:00+00:00"), *parseTimestamp("2013-02-01"));
  EXPECT_FALSE(parseTimestamp("2013-02-30"));
  EXPECT_FALSE(parseTimestamp("01/02/2013"));
  EXPECT_EQ(*parseTimeframe("5m"), 300'000'000'000);
  EXPECT_EQ(*parseTimeframe("raw"), 0);
  EXPECT_EQ(parseTimeframe("5x").error().code().code, kBadTimeframe.code);

  auto bars = readBars(std::string(AIT_SHARED_DATA_DIR) +
                           "/market/nautilus_trader/btc-perp-20211231-20220201_1m.csv",
                       BarFormat::Csv);
  ASSERT_TRUE(bars) << bars.error().describe();
  EXPECT_EQ(bars->size(), 45031u);
  auto fiveMinutes = resample(*bars, *parseTimeframe("5m"));
  ASSERT_GT(fiveMinutes.size(), 9000u);
  // The first bucket 23:00-23:05 holds the 23:01..23:04 bars.
  EXPECT_EQ(formatTimestamp(fiveMinutes[0].ts), "2021-12-31T23:00:00Z");
  EXPECT_EQ(fiveMinutes[0].open, (*bars)[0].open);
  EXPECT_EQ(fiveMinutes[0].close, (*bars)[3].close);
  double high = 0, volume = 0;
  for (int i = 0; i < 4; ++i) {
    high = std::max(high, (*bars)[i].high);
    volume += (*bars)[i].volume;
  }
  EXPECT_EQ(fiveMinutes[0].high, high);
  EXPECT_DOUBLE_EQ(fiveMinutes[0].volume, volume);
}

TEST(Bars, NamesTheBadLineAndField) {
  auto path = std::filesystem::temp_directory_path() / "ait-ai-bad-bars.csv";
  std::ofstream(path) << "Date,Open,High,Low,Close\n2020-01-01,1,2,0.5,1.5\n2020-01-02,1,x,0.5,1\n";
  auto bars = readBars(path.string(), BarFormat::Csv);
  ASSERT_FALSE(bars);
  EXPECT_NE(bars.error().message().find(":3: high 'x' is not a number"), std::string::npos)
      << bars.error().message();
  std::ofstream(path) << "a,b,c\n1,2,3\n";
  EXPECT_NE(readBars(path.string(), BarFormat::Csv).error().message().find("does not name open"),
            std::string::npos);
  std::filesystem::remove(path);
  EXPECT_FALSE(readBars("/nonexistent/bars.csv", BarFormat::Csv));
}

// Spread, tick-rate and session features on real quotes (TrueFX USDJPY, 1000 ticks): ticks
// are fed one by one, 1-minute bars built from them, and every feature value is compared with
// a batch computation over the raw ticks written here.
TEST(TickFeatures, SpreadAndTickRateOnRealTicks) {
  const std::string path =
      std::string(AIT_SHARED_DATA_DIR) + "/market/nautilus_trader/truefx_usdjpy-ticks.csv";
  std::ifstream in(path);
  ASSERT_TRUE(in) << path;
  struct Quote {
    std::int64_t ts;
    double bid, ask;
  };
  std::vector<Quote> quotes;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    auto c1 = line.find(','), c2 = line.find(',', c1 + 1);
    auto ts = parseTimestamp(line.substr(0, c1));
    ASSERT_TRUE(ts) << line;
    quotes.push_back({*ts, std::stod(line.substr(c1 + 1, c2 - c1 - 1)), std::stod(line.substr(c2 + 1))});
  }
  ASSERT_EQ(quotes.size(), 1000u);

  auto pipeline = FeaturePipeline::create("close,spread,tickrate:30,session");
  ASSERT_TRUE(pipeline) << pipeline.error().describe();
  EXPECT_EQ(pipeline->columns(),
            (std::vector<std::string>{"close", "spread", "spread_bps", "tick_rate_30",
                                      "session_asia", "session_london", "session_newyork"}));
  constexpr std::int64_t kMinute = 60'000'000'000;
  constexpr std::int64_t kSecond = 1'000'000'000;
  std::size_t bars = 0, first = 0;
  auto closeBar = [&](std::size_t end) {  // quotes [first, end) form one bar
    const std::int64_t open = quotes[first].ts / kMinute * kMinute;
    const Quote& last = quotes[end - 1];
    pipeline->update(Bar{open, 0, 0, 0, (last.bid + last.ask) / 2, 0});
    auto v = pipeline->values();
    double spread = 0, mid = 0;
    for (std::size_t i = first; i < end; ++i) {
      spread += quotes[i].ask - quotes[i].bid;
      mid += (quotes[i].ask + quotes[i].bid) / 2;
    }
    const double n = static_cast<double>(end - first);
    EXPECT_NEAR(v[1], spread / n, 1e-9) << "bar " << bars;
    EXPECT_NEAR(v[2], spread / mid * 1e4, 1e-6) << "bar " << bars;
    // Ticks in the 30 whole seconds ending with the newest tick's second.
    const std::int64_t newest = last.ts / kSecond;
    int inWindow = 0;
    for (std::size_t i = 0; i < end; ++i) inWindow += quotes[i].ts / kSecond > newest - 30;
    EXPECT_NEAR(v[3], inWindow / 30.0, 1e-12) << "bar " << bars;
    // 22:00-22:35 UTC: outside all three sessions.
    EXPECT_EQ(v[4] + v[5] + v[6], 0.0);
    EXPECT_TRUE(pipeline->ready());
    ++bars;
    first = end;
  };
  for (std::size_t i = 0; i < quotes.size(); ++i) {
    if (i > first && quotes[i].ts / kMinute != quotes[first].ts / kMinute) closeBar(i);
    pipeline->onTick(quotes[i].ts, quotes[i].bid, quotes[i].ask);
  }
  closeBar(quotes.size());
  EXPECT_GT(bars, 20u);

  // A bar without ticks keeps the last spread; the tick rate decays as the window moves on.
  const double lastSpread = pipeline->values()[1];
  pipeline->update(Bar{quotes.back().ts + 10 * kMinute, 0, 0, 0, 1, 0});
  EXPECT_EQ(pipeline->values()[1], lastSpread);
  EXPECT_EQ(pipeline->values()[3], 0.0);
}

TEST(TickFeatures, SessionsFollowTheUtcHourAndSpreadWaitsForAQuote) {
  auto pipeline = FeaturePipeline::create("spread,session");
  ASSERT_TRUE(pipeline);
  constexpr std::int64_t kHour = 3'600'000'000'000;
  const std::int64_t day = 19'000 * 24 * kHour;
  pipeline->update(Bar{day + 8 * kHour, 0, 0, 0, 1, 0});
  EXPECT_TRUE(std::isnan(pipeline->values()[0])) << "no quote yet";
  EXPECT_FALSE(pipeline->ready());
  EXPECT_EQ((std::vector<double>(pipeline->values().begin() + 2, pipeline->values().end())),
            (std::vector<double>{1, 1, 0}));
  pipeline->update(Bar{day + 13 * kHour + 59 * 60'000'000'000LL, 0, 0, 0, 1, 0});
  EXPECT_EQ((std::vector<double>(pipeline->values().begin() + 2, pipeline->values().end())),
            (std::vector<double>{0, 1, 1}));
  pipeline->update(Bar{day + 21 * kHour, 0, 0, 0, 1, 0});
  EXPECT_EQ((std::vector<double>(pipeline->values().begin() + 2, pipeline->values().end())),
            (std::vector<double>{0, 0, 0}));
  pipeline->onTick(day, -1, 2);  // a broken quote is ignored
  pipeline->onTick(day, 1.25, 1.5);
  pipeline->update(Bar{day, 0, 0, 0, 1, 0});
  EXPECT_DOUBLE_EQ(pipeline->values()[0], 0.25);
  EXPECT_TRUE(pipeline->ready());
}

}  // namespace
}  // namespace ait::ai
