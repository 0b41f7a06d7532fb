#include "ait/data/bars.h"

#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ait/data/files.h"
#include "ait/data/normaliser.h"
#include "ait/model/time.h"

namespace ait::data {
namespace {

constexpr TimestampNs kSecond = 1'000'000'000;
constexpr TimestampNs kMinute = 60 * kSecond;
// 2024-01-02T03:04:00Z, a minute boundary.
constexpr TimestampNs kT0 = 1'704'164'640'000'000'000;

model::Tick tick(TimestampNs at, std::int64_t bid, std::int64_t ask, std::int64_t volume = 0) {
  model::Tick t;
  t.header.tsEvent = at;
  t.header.tenant = model::TenantId{3};
  t.instrument.symbol = model::Symbol("EURUSD");
  t.bid = model::Price::fromRaw(bid, 5);
  t.ask = model::Price::fromRaw(ask, 5);
  t.volume = model::Quantity::fromRaw(volume, 2);
  t.flags = model::kTickBid | model::kTickAsk;
  return t;
}

class BarBuilderTest : public ::testing::Test {
 protected:
  explicit BarBuilderTest(BarBuilderConfig config = {})
      : clock_(kT0), builder_(std::move(config), clock_, [this](const model::Bar& b) {
          bars_.push_back(b);
        }) {}

  FakeClock clock_;
  std::vector<model::Bar> bars_;
  BarBuilder builder_;
};

TEST_F(BarBuilderTest, ClosesABarWhenATickOfTheNextPeriodArrives) {
  builder_.onTick(tick(kT0 + 1 * kSecond, 110'000, 110'010, 100));
  builder_.onTick(tick(kT0 + 20 * kSecond, 110'050, 110'060, 50));
  builder_.onTick(tick(kT0 + 30 * kSecond, 109'990, 110'000));
  builder_.onTick(tick(kT0 + 59 * kSecond, 110'020, 110'030));
  EXPECT_TRUE(bars_.empty());
  builder_.onTick(tick(kT0 + kMinute, 110'100, 110'110));
  ASSERT_EQ(bars_.size(), 1U);
  const auto& bar = bars_[0];
  EXPECT_EQ(bar.start, kT0);
  EXPECT_EQ(bar.header.tsEvent, kT0 + kMinute);
  EXPECT_EQ(bar.header.tenant, model::TenantId{3});
  EXPECT_EQ(bar.timeframe, model::Timeframe{60});
  EXPECT_EQ(bar.open, model::Price::fromRaw(110'000, 5));
  EXPECT_EQ(bar.high, model::Price::fromRaw(110'050, 5));
  EXPECT_EQ(bar.low, model::Price::fromRaw(109'990, 5));
  EXPECT_EQ(bar.close, model::Price::fromRaw(110'020, 5));
  EXPECT_EQ(bar.volume, model::Quantity::fromRaw(150, 2));
  EXPECT_EQ(bar.tickCount, 4U);
  EXPECT_EQ(bar.revision, 0U);
}

TEST_F(BarBuilderTest, TheClockClosesTheBarOfAQuietMarket) {
  clock_.set(kT0 + 10 * kSecond);
  builder_.onTick(tick(kT0 + 10 * kSecond, 110'000, 110'010));
  clock_.advance(std::chrono::seconds(49));
  builder_.onClock();
  EXPECT_TRUE(bars_.empty());
  EXPECT_EQ(builder_.marketNow(), kT0 + 59 * kSecond);
  clock_.advance(std::chrono::seconds(1));
  builder_.onClock();
  ASSERT_EQ(bars_.size(), 1U);
  EXPECT_EQ(bars_[0].close, model::Price::fromRaw(110'000, 5));
  builder_.onClock();
  EXPECT_EQ(bars_.size(), 1U);  // closed once
}

TEST_F(BarBuilderTest, ALateTickWithinTheGraceAmendsTheClosedBar) {
  builder_.onTick(tick(kT0 + 10 * kSecond, 110'000, 110'010));
  builder_.onTick(tick(kT0 + kMinute + 1 * kSecond, 110'100, 110'110));  // closes minute 0
  ASSERT_EQ(bars_.size(), 1U);
  builder_.onTick(tick(kT0 + 50 * kSecond, 109'000, 109'010));  // late, 1 s after the close
  ASSERT_EQ(bars_.size(), 2U);
  const auto& amended = bars_[1];
  EXPECT_EQ(amended.start, kT0);
  EXPECT_EQ(amended.revision, 1U);
  EXPECT_EQ(amended.low, model::Price::fromRaw(109'000, 5));
  EXPECT_EQ(amended.close, model::Price::fromRaw(109'000, 5));
  EXPECT_EQ(amended.tickCount, 2U);
  EXPECT_EQ(builder_.amended(), 1U);

  builder_.onTick(tick(kT0 + kMinute + 5 * kSecond, 110'100, 110'110));  // now 3 s past the close
  builder_.onTick(tick(kT0 + 55 * kSecond, 108'000, 108'010));  // beyond the 2 s grace
  EXPECT_EQ(bars_.size(), 2U);
  EXPECT_EQ(builder_.tooLate(), 1U);
}

TEST(BarBuilderAlignment, AlignsEveryTimeframeToUtcBoundaries) {
  FakeClock clock(kT0);
  std::vector<model::Bar> bars;
  BarBuilderConfig config;
  config.timeframes = {model::Timeframe{300}, model::Timeframe{3600}, model::Timeframe{86400}};
  BarBuilder builder(config, clock, [&](const model::Bar& b) { bars.push_back(b); });
  builder.onTick(tick(kT0, 110'000, 110'010));  // 03:04:00
  builder.onTick(tick(kT0 + 86400 * kSecond, 110'000, 110'010));  // next day closes all three
  ASSERT_EQ(bars.size(), 3U);
  EXPECT_EQ(model::toIso8601(bars[0].start), "2024-01-02T03:00:00Z");
  EXPECT_EQ(model::toIso8601(bars[1].start), "2024-01-02T03:00:00Z");
  EXPECT_EQ(model::toIso8601(bars[2].start), "2024-01-02T00:00:00Z");
  EXPECT_EQ(model::toIso8601(bars[2].header.tsEvent), "2024-01-03T00:00:00Z");
}

TimestampNs at(std::string_view text) { return *model::parseIso8601(text); }

// New York moved to daylight saving on 2024-03-10 at 02:00 local: the FX day closing at
// 17:00 New York ends at 22:00 UTC before and at 21:00 UTC after, so the day of the change is
// 23 hours long.
TEST(BarBuilderSession, D1BarsFollowASessionCloseAcrossADaylightSavingChange) {
  auto session = DailySession::parse("17:00 America/New_York");
  ASSERT_TRUE(session) << session.error().describe();
  auto friday = session->around(at("2024-03-08T12:00:00Z"));
  EXPECT_EQ(model::toIso8601(friday.start), "2024-03-07T22:00:00Z");
  EXPECT_EQ(model::toIso8601(friday.end), "2024-03-08T22:00:00Z");
  auto sunday = session->around(at("2024-03-10T12:00:00Z"));
  EXPECT_EQ(model::toIso8601(sunday.start), "2024-03-09T22:00:00Z");
  EXPECT_EQ(model::toIso8601(sunday.end), "2024-03-10T21:00:00Z");
  auto monday = session->around(at("2024-03-10T21:00:00Z"));  // exactly the close: next session
  EXPECT_EQ(model::toIso8601(monday.start), "2024-03-10T21:00:00Z");
  EXPECT_EQ(model::toIso8601(monday.end), "2024-03-11T21:00:00Z");
  // And back in November: 2024-11-03 is 25 hours long.
  auto fall = session->around(at("2024-11-03T12:00:00Z"));
  EXPECT_EQ(fall.end - fall.start, 25 * 3600 * kSecond);

  FakeClock clock(at("2024-03-09T23:00:00Z"));
  std::vector<model::Bar> bars;
  BarBuilderConfig config;
  config.timeframes = {model::Timeframe{3600}, model::Timeframe{86400}};
  config.d1Session = *session;
  BarBuilder builder(config, clock, [&](const model::Bar& b) { bars.push_back(b); });
  builder.onTick(tick(at("2024-03-09T23:00:00Z"), 110'000, 110'010));
  builder.onTick(tick(at("2024-03-10T20:59:59Z"), 110'500, 110'510));
  auto d1 = [&] {
    std::vector<model::Bar> out;
    for (const auto& b : bars) {
      if (b.timeframe.seconds == 86400) out.push_back(b);
    }
    return out;
  };
  EXPECT_TRUE(d1().empty());
  // The clock reaching 21:00 UTC closes the 23-hour session bar of a quiet market.
  clock.set(at("2024-03-10T21:00:00Z") + 1);
  builder.onClock();
  ASSERT_EQ(d1().size(), 1U);
  EXPECT_EQ(model::toIso8601(d1()[0].start), "2024-03-09T22:00:00Z");
  EXPECT_EQ(model::toIso8601(d1()[0].header.tsEvent), "2024-03-10T21:00:00Z");
  EXPECT_EQ(d1()[0].tickCount, 2U);
  EXPECT_EQ(d1()[0].close, model::Price::fromRaw(110'500, 5));
  // Hourly bars stay on UTC hours.
  EXPECT_EQ(model::toIso8601(bars.front().start), "2024-03-09T23:00:00Z");
  builder.onTick(tick(at("2024-03-11T20:00:00Z"), 111'000, 111'010));
  builder.flush();
  ASSERT_EQ(d1().size(), 2U);
  EXPECT_EQ(model::toIso8601(d1()[1].start), "2024-03-10T21:00:00Z");
  EXPECT_EQ(model::toIso8601(d1()[1].header.tsEvent), "2024-03-11T21:00:00Z");
}

TEST(BarBuilderSession, ASessionCloseIsATimeAndAKnownZone) {
  config::BarsConfig bars;
  bars.d1_session_close = "17:00 America/New_York";
  auto config = barBuilderConfig(bars);
  ASSERT_TRUE(config) << config.error().describe();
  EXPECT_TRUE(config->d1Session.has_value());
  for (const char* bad : {"17:00", "5pm America/New_York", "25:00 America/New_York",
                          "17:00 Mars/Olympus"}) {
    bars.d1_session_close = bad;
    auto refused = barBuilderConfig(bars);
    ASSERT_FALSE(refused) << bad;
    EXPECT_EQ(refused.error().code().code, std::string_view("AIT-DATA-0001"));
    EXPECT_NE(refused.error().message().find("data.bars.d1_session_close"), std::string::npos);
  }
}

TEST(BarPrices, MidRoundsHalfAwayFromZeroAndTradesHaveNoBid) {
  auto t = tick(kT0, 110'001, 110'004);
  EXPECT_EQ(*priceOn(t, PriceBasis::Mid), model::Price::fromRaw(110'003, 5));
  EXPECT_EQ(*priceOn(t, PriceBasis::Ask), model::Price::fromRaw(110'004, 5));
  t.flags = model::kTickLast;
  EXPECT_FALSE(priceOn(t, PriceBasis::Bid).has_value());
}

TEST(BarConfig, ReadsTimeframesAndRefusesAPeriodNotDividingADay) {
  config::BarsConfig bars;
  auto config = barBuilderConfig(bars);
  ASSERT_TRUE(config);
  EXPECT_EQ(config->timeframes.size(), 7U);
  EXPECT_EQ(config->timeframes.back(), model::Timeframe{86400});
  EXPECT_EQ(config->graceNs, 2 * kSecond);
  bars.timeframes = {"7m"};
  auto bad = barBuilderConfig(bars);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("'7m'"), std::string::npos);
}

// The reference: bars of the HistData sample computed a different way, straight from the text
// (group lines by their "YYYYMMDD HHMM" prefix, prices as doubles, time via timegm).
struct Reference {
  TimestampNs start = 0;
  long long open = 0, high = 0, low = 0, close = 0;  // in 1e-5 units
  std::uint32_t count = 0;
};

std::vector<Reference> referenceBars(const std::filesystem::path& file, int priceColumn,
                                     int minutes) {
  std::ifstream in(file);
  std::map<std::string, Reference> groups;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::string day = line.substr(0, 8);
    int hour = std::stoi(line.substr(9, 2));
    int minute = std::stoi(line.substr(11, 2)) / minutes * minutes;
    std::vector<std::string> cells;
    std::size_t from = 0;
    for (std::size_t comma; (comma = line.find(',', from)) != std::string::npos; from = comma + 1) {
      cells.push_back(line.substr(from, comma - from));
    }
    cells.push_back(line.substr(from));
    auto points = [&](int column) {
      return std::llround(std::stod(cells[static_cast<std::size_t>(column)]) * 100'000);
    };
    // Mid: the half-point rounds up (half away from zero for positive prices).
    long long price = priceColumn == 3 ? (points(1) + points(2) + 1) / 2 : points(priceColumn);
    char key[32];
    std::snprintf(key, sizeof key, "%s %02d%02d", day.c_str(), hour, minute);
    auto& g = groups[key];
    if (g.count == 0) {
      std::tm tm{};
      tm.tm_year = std::stoi(day.substr(0, 4)) - 1900;
      tm.tm_mon = std::stoi(day.substr(4, 2)) - 1;
      tm.tm_mday = std::stoi(day.substr(6, 2));
      tm.tm_hour = hour + 5;  // EST to UTC; timegm normalises an hour past 23
      tm.tm_min = minute;
      g.start = static_cast<TimestampNs>(timegm(&tm)) * kSecond;
      g.open = g.high = g.low = price;
    }
    g.high = std::max(g.high, price);
    g.low = std::min(g.low, price);
    g.close = price;
    ++g.count;
  }
  std::vector<Reference> out;
  for (auto& [key, g] : groups) out.push_back(g);
  return out;
}

void compareWithReference(PriceBasis basis, int priceColumn, std::uint32_t seconds) {
  const auto file =
      std::filesystem::path(AIT_SHARED_DATA_DIR) / "market/nautilus_trader/quote_tick_data.csv";
  FakeClock clock;
  metrics::Registry registry;
  Normaliser normaliser("bars-test", {}, clock, registry);
  ASSERT_TRUE(normaliser.addInstruments(*instrumentsFromConfig(config::DataConfig{}.instruments)));
  std::vector<model::Bar> bars;
  BarBuilderConfig config;
  config.timeframes = {model::Timeframe{seconds}};
  config.basis = basis;
  BarBuilder builder(config, clock, [&](const model::Bar& b) { bars.push_back(b); });
  FileOptions options;
  options.symbol = "EURUSD";
  model::Tick t;
  model::GapDetected gap;
  auto report = readMarketFile(file, options, [&](const RawQuote& q) {
    if (normaliser.normalise(q, t, gap).accepted) builder.onTick(t);
  });
  ASSERT_TRUE(report);
  builder.flush();

  const auto expected = referenceBars(file, priceColumn, static_cast<int>(seconds / 60));
  ASSERT_GT(expected.size(), 10U);
  ASSERT_EQ(bars.size(), expected.size());
  std::uint64_t ticks = 0;
  for (std::size_t i = 0; i < bars.size(); ++i) {
    SCOPED_TRACE(model::toIso8601(expected[i].start));
    EXPECT_EQ(bars[i].start, expected[i].start);
    EXPECT_EQ(bars[i].tickCount, expected[i].count);
    EXPECT_EQ(bars[i].open.mantissa(), expected[i].open);
    EXPECT_EQ(bars[i].high.mantissa(), expected[i].high);
    EXPECT_EQ(bars[i].low.mantissa(), expected[i].low);
    EXPECT_EQ(bars[i].close.mantissa(), expected[i].close);
    EXPECT_EQ(bars[i].open.scale(), 5);
    ticks += bars[i].tickCount;
  }
  EXPECT_EQ(ticks + normaliser.rejectedTotal(), 9500U);
}

TEST(BarsFromHistData, M1BidMatchesAnIndependentComputation) {
  compareWithReference(PriceBasis::Bid, 1, 60);
}
TEST(BarsFromHistData, M5AskMatchesAnIndependentComputation) {
  compareWithReference(PriceBasis::Ask, 2, 300);
}
TEST(BarsFromHistData, M15MidMatchesAnIndependentComputation) {
  compareWithReference(PriceBasis::Mid, 3, 900);
}

}  // namespace
}  // namespace ait::data
