#include "ait/data/files.h"

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ait/model/time.h"

namespace ait::data {
namespace {

const std::filesystem::path kMarket = std::filesystem::path(AIT_SHARED_DATA_DIR) / "market";

TimestampNs iso(std::string_view text) { return *model::parseIso8601(text); }

TEST(HistDataTicks, ReadsTheWholeSampleInUtc) {
  FileOptions options;
  options.symbol = "EURUSD";
  std::vector<RawQuote> quotes;
  auto report = readMarketFile(kMarket / "nautilus_trader/quote_tick_data.csv", options,
                               [&](const RawQuote& q) { quotes.push_back(q); });
  ASSERT_TRUE(report) << report.error().describe();
  EXPECT_EQ(report->badLines, 0U);
  EXPECT_EQ(report->records, 9500U);
  ASSERT_EQ(quotes.size(), 9500U);
  // 20200101 170000065 EST (UTC-5, no daylight saving) is 22:00:00.065 UTC.
  EXPECT_EQ(quotes.front().sourceTime, iso("2020-01-01T22:00:00.065Z"));
  EXPECT_EQ(quotes.front().symbol, "EURUSD");
  EXPECT_DOUBLE_EQ(quotes.front().bid, 1.1212);
  EXPECT_DOUBLE_EQ(quotes.front().ask, 1.12172);
  EXPECT_EQ(quotes.back().sourceTime, iso("2020-01-02T04:00:52.125Z"));
  EXPECT_DOUBLE_EQ(quotes.back().bid, 1.1213);
}

TEST(HistDataTicks, ReportsBadLinesByNumberAndLoadsTheGoodOnes) {
  const std::string text =
      "20200101 170000065,1.121200,1.121720,0\n"
      "20200101 17000006,1.1212,1.1217,0\n"      // 2: short time
      "20200101 170001000,abc,1.1217,0\n"        // 3: bid
      "\n"                                        // 4: blank, ignored
      "20200230 170001000,1.1212,1.1217,0\n"     // 5: no such date
      "20200101 170002000,1.1212\n"              // 6: too few fields
      "20200101 250002000,1.1212,1.1217,0\n"     // 7: hour 25
      "20200101 170003000,1.121300,1.121800,0\r\n"
      "20200101 170004000,1.1213,1.1218,x\n";    // 9: volume
  FileOptions options;
  options.symbol = "EURUSD";
  std::vector<RawQuote> quotes;
  auto report = parseHistDataTicks(text, options, [&](const RawQuote& q) { quotes.push_back(q); });
  EXPECT_EQ(report.records, 2U);
  ASSERT_EQ(quotes.size(), 2U);
  EXPECT_DOUBLE_EQ(quotes[1].ask, 1.1218);
  EXPECT_EQ(report.badLines, 6U);
  ASSERT_EQ(report.errors.size(), 6U);
  const std::vector<std::uint64_t> lines{2, 3, 5, 6, 7, 9};
  for (std::size_t i = 0; i < lines.size(); ++i) EXPECT_EQ(report.errors[i].line, lines[i]);
  EXPECT_EQ(report.errors[0].message, "time must be 'YYYYMMDD HHMMSSmmm', got '20200101 17000006'");
  EXPECT_EQ(report.errors[1].message, "bid 'abc' is not a number");
  EXPECT_EQ(report.errors[2].message, "date is not a calendar date, got '20200230 170001000'");
  auto summary = report.summary("ticks.csv");
  EXPECT_EQ(summary.codeString(), "AIT-DATA-0004");
  EXPECT_NE(summary.message().find("6 bad lines in ticks.csv: line 2: time must be"),
            std::string::npos)
      << summary.message();
}

TEST(HistDataBars, ReadsTheM1SampleAndChecksEachBar) {
  FileOptions options;
  options.format = FileFormat::HistDataBars;
  options.symbol = "EURUSD";
  std::vector<RawBar> bars;
  auto report = readMarketFile(kMarket / "btgym/DAT_ASCII_EURUSD_M1_201703.csv", options, {},
                               [&](const RawBar& b) { bars.push_back(b); });
  ASSERT_TRUE(report) << report.error().describe();
  EXPECT_EQ(report->badLines, 0U);
  EXPECT_EQ(bars.size(), 32660U);
  EXPECT_EQ(bars.front().start, iso("2017-03-01T05:00:00Z"));
  EXPECT_DOUBLE_EQ(bars.front().open, 1.05522);
  EXPECT_DOUBLE_EQ(bars.front().high, 1.05529);

  std::vector<RawBar> few;
  auto bad = parseHistDataBars("20170301 000000;1.1;1.0;1.05;1.05;0\n20170301 000100;1;1;1;1\n",
                               options, [&](const RawBar& b) { few.push_back(b); });
  EXPECT_TRUE(few.empty());
  ASSERT_EQ(bad.errors.size(), 2U);
  EXPECT_EQ(bad.errors[0].message, "high 1 and low 1.05 do not bound open 1.1 and close 1.05");
  EXPECT_EQ(bad.errors[1].line, 2U);
}

TEST(CsvFile, ReadsTrueFxTicksWithAZonedIsoTimestamp) {
  FileOptions options;
  options.format = FileFormat::Csv;
  options.symbol = "USDJPY";
  std::vector<RawQuote> quotes;
  auto report = readMarketFile(kMarket / "nautilus_trader/truefx_usdjpy-ticks.csv", options,
                               [&](const RawQuote& q) { quotes.push_back(q); });
  ASSERT_TRUE(report) << report.error().describe();
  EXPECT_EQ(report->badLines, 0U);
  ASSERT_EQ(quotes.size(), 1000U);
  EXPECT_EQ(quotes.front().sourceTime, iso("2013-01-01T22:00:00.295Z"));
  EXPECT_DOUBLE_EQ(quotes.front().ask, 86.728);
  EXPECT_EQ(quotes.front().flags, model::kTickBid | model::kTickAsk);
}

TEST(CsvFile, MapsColumnsByIndexWithEpochMillisAndReportsBadRows) {
  FileOptions options;
  options.format = FileFormat::Csv;
  options.csv.header = false;
  options.csv.delimiter = ';';
  options.csv.timestamp = "2";
  options.csv.timestampFormat = TimestampFormat::EpochMs;
  options.csv.symbol = "0";
  options.csv.bid = "";
  options.csv.ask = "";
  options.csv.last = "1";
  options.csv.volume = "3";
  std::vector<RawQuote> quotes;
  std::vector<std::string> symbols;
  auto report = parseCsv("BTCUSDT;61000.5;1723161255342;0.25\nBTCUSDT;oops;1723161255343;1\n"
                         "ETHUSDT;3000;-5;1\nETHUSDT;3000\n",
                         options, [&](const RawQuote& q) {
                           quotes.push_back(q);
                           symbols.emplace_back(q.symbol);
                         });
  ASSERT_TRUE(report);
  ASSERT_EQ(quotes.size(), 1U);
  EXPECT_EQ(symbols[0], "BTCUSDT");
  EXPECT_EQ(quotes[0].sourceTime, 1723161255342LL * 1'000'000);
  EXPECT_DOUBLE_EQ(quotes[0].last, 61000.5);
  EXPECT_DOUBLE_EQ(quotes[0].volume, 0.25);
  EXPECT_EQ(quotes[0].flags, model::kTickLast | model::kTickVolume);
  ASSERT_EQ(report->errors.size(), 3U);
  EXPECT_EQ(report->errors[0].message, "last 'oops' is not a number");
  EXPECT_EQ(report->errors[1].message, "timestamp '-5' is not a non-negative integer");
  EXPECT_EQ(report->errors[2].message, "expected at least 4 fields, got 2");
}

TEST(CsvFile, RefusesAMappingNamingAColumnTheHeaderLacks) {
  FileOptions options;
  options.csv.bid = "Bid";
  auto report = parseCsv("timestamp,bid,ask\n", options, [](const RawQuote&) {});
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().message(), "CSV bid column 'Bid' is not in the header");
}

TEST(CsvFile, ReadsLocalIsoTimesInTheFileZone) {
  FileOptions options;
  options.symbol = "EURUSD";
  options.utcOffsetNs = -5LL * 3600 * 1'000'000'000;
  std::vector<RawQuote> quotes;
  auto report = parseCsv("timestamp,bid,ask\n2020-01-01 17:00:00.5,1.1,1.2\n", options,
                         [&](const RawQuote& q) { quotes.push_back(q); });
  ASSERT_TRUE(report);
  ASSERT_EQ(quotes.size(), 1U);
  EXPECT_EQ(quotes[0].sourceTime, iso("2020-01-01T22:00:00.5Z"));
}

TEST(BinanceDump, ReadsBookTickersAndTradesFromTheGzipSample) {
  FileOptions options;
  options.format = FileFormat::Binance;
  std::size_t books = 0, trades = 0, sells = 0;
  RawQuote firstTrade;
  auto report = readMarketFile(kMarket / "hftbacktest/binance_spot_btcusdt_20240808.gz", options,
                               [&](const RawQuote& q) {
                                 EXPECT_EQ(q.symbol, "BTCUSDT");
                                 if ((q.flags & model::kTickLast) != 0) {
                                   if (trades++ == 0) firstTrade = q;
                                   if ((q.flags & model::kTickSell) != 0) ++sells;
                                 } else {
                                   ++books;
                                   EXPECT_EQ(q.sourceTime, q.recvTime);
                                 }
                               });
  ASSERT_TRUE(report) << report.error().describe();
  EXPECT_EQ(report->badLines, 0U);
  EXPECT_EQ(books, 28040U);
  EXPECT_EQ(trades, 9757U);
  EXPECT_EQ(report->skipped, 3452U);  // 3451 depth updates and one REST depth snapshot
  EXPECT_GT(sells, 0U);
  EXPECT_LT(sells, trades);
  // The first trade: p 61837.63, q 0.02, T 1723161255342 ms, buyer was maker (a sell).
  EXPECT_DOUBLE_EQ(firstTrade.last, 61837.63);
  EXPECT_DOUBLE_EQ(firstTrade.volume, 0.02);
  EXPECT_EQ(firstTrade.sourceTime, 1723161255342LL * 1'000'000);
  EXPECT_EQ(firstTrade.recvTime, 1723161254087896568LL);
  EXPECT_NE(firstTrade.flags & model::kTickSell, 0U);
}

TEST(BinanceDump, ReportsBrokenLines) {
  FileOptions options;
  std::size_t n = 0;
  auto report = parseBinance(
      "17 {\"stream\":\"x@bookTicker\",\"data\":{\"s\":\"BTCUSDT\",\"b\":\"1\",\"B\":\"1\","
      "\"a\":\"2\",\"A\":\"1\"}}\n"
      "nonsense\n"
      "18 {\"stream\":\"x@trade\",\"data\":{\"s\":\"BTCUSDT\",\"p\":\"1\"}}\n"
      "19 {not json\n",
      options, [&](const RawQuote&) { ++n; });
  EXPECT_EQ(n, 1U);
  ASSERT_EQ(report.errors.size(), 3U);
  EXPECT_EQ(report.errors[0].line, 2U);
  EXPECT_EQ(report.errors[1].message, "trade needs p, q (strings), T (ms) and m");
  EXPECT_EQ(report.errors[2].message, "the JSON does not parse");
}

TEST(MarketFile, NamesAMissingFile) {
  auto report = readMarketFile("/nonexistent/ticks.csv", FileOptions{}, [](const RawQuote&) {});
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().codeString(), "AIT-DATA-0003");
  EXPECT_NE(report.error().message().find("/nonexistent/ticks.csv: cannot open"), std::string::npos);
}

TEST(UtcOffset, ParsesTheZonesFilesUse) {
  constexpr std::int64_t kHour = 3'600'000'000'000;
  EXPECT_EQ(*parseUtcOffset("UTC"), 0);
  EXPECT_EQ(*parseUtcOffset("EST"), -5 * kHour);
  EXPECT_EQ(*parseUtcOffset("UTC+02:30"), 2 * kHour + kHour / 2);
  EXPECT_EQ(*parseUtcOffset("UTC-03"), -3 * kHour);
  EXPECT_FALSE(parseUtcOffset("CET"));
  EXPECT_FALSE(parseUtcOffset("UTC+2"));
}

TEST(ReplayPacer, SpacesEventsAtTheirRecordedPaceScaledBySpeed) {
  FakeClock clock(1'000);
  ReplayPacer recorded(1.0, clock);
  EXPECT_EQ(recorded.delayNs(5'000'000'000), 0);
  EXPECT_EQ(recorded.delayNs(5'000'000'100), 100);
  clock.advance(std::chrono::nanoseconds(40));
  EXPECT_EQ(recorded.delayNs(5'000'000'100), 60);
  clock.advance(std::chrono::nanoseconds(1'000));
  EXPECT_EQ(recorded.delayNs(5'000'000'500), 0);  // behind schedule: no wait

  FakeClock clock2(0);
  ReplayPacer tenTimes(10.0, clock2);
  tenTimes.delayNs(0);
  EXPECT_EQ(tenTimes.delayNs(1'000'000'000), 100'000'000);

  ReplayPacer flat(0.0, clock2);
  flat.delayNs(0);
  EXPECT_EQ(flat.delayNs(1'000'000'000), 0);
}

}  // namespace
}  // namespace ait::data
