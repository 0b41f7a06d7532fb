#include "ait/data/reorder.h"

#include <algorithm>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ait/data/files.h"
#include "ait/data/normaliser.h"

namespace ait::data {
namespace {

constexpr std::int64_t kMs = 1'000'000;

// The HistData EURUSD sample, every quote with its own copy of the symbol.
struct Quote {
  RawQuote raw;
  std::string symbol;
};

std::vector<Quote> histDataQuotes() {
  FileOptions options;
  options.symbol = "EURUSD";
  std::vector<Quote> quotes;
  auto report = readMarketFile(
      std::filesystem::path(AIT_SHARED_DATA_DIR) / "market/nautilus_trader/quote_tick_data.csv",
      options, [&](const RawQuote& q) { quotes.push_back({q, std::string(q.symbol)}); });
  EXPECT_TRUE(report) << report.error().describe();
  for (auto& q : quotes) q.raw.symbol = q.symbol;
  return quotes;
}

// The order the quotes arrive in: each one delayed by a random jitter up to `maxDelayNs`.
std::vector<Quote> shuffled(std::vector<Quote> quotes, std::int64_t maxDelayNs, unsigned seed) {
  std::mt19937_64 random(seed);
  std::uniform_int_distribution<std::int64_t> delay(0, maxDelayNs);
  std::vector<std::pair<std::int64_t, std::size_t>> arrival;
  for (std::size_t i = 0; i < quotes.size(); ++i) {
    arrival.emplace_back(quotes[i].raw.sourceTime + delay(random), i);
  }
  std::stable_sort(arrival.begin(), arrival.end());
  std::vector<Quote> out;
  for (const auto& [when, i] : arrival) out.push_back(quotes[i]);
  for (auto& q : out) q.raw.symbol = q.symbol;
  return out;
}

// A normaliser that knows the default instruments (EURUSD at 5 decimals), its clock in 2033.
struct NormaliserFixture {
  FakeClock clock{2'000'000'000'000'000'000};
  metrics::Registry registry;
  Normaliser normaliser{"reorder-test", {}, clock, registry};
  NormaliserFixture() {
    auto specs = instrumentsFromConfig(config::DataConfig{}.instruments);
    EXPECT_TRUE(specs && normaliser.addInstruments(*specs));
  }
};

std::vector<TimestampNs> timesOf(const std::vector<Quote>& quotes) {
  std::vector<TimestampNs> out;
  for (const auto& q : quotes) out.push_back(q.raw.sourceTime);
  return out;
}

TEST(ReorderBuffer, PutsShuffledRealTicksBackInOrderWithinTheWindow) {
  const auto original = histDataQuotes();
  ASSERT_EQ(original.size(), 9500U);
  const auto arriving = shuffled(original, 500 * kMs, 7);
  ASSERT_NE(timesOf(arriving), timesOf(original)) << "the shuffle must disorder something";

  ReorderBuffer buffer(500 * kMs, 16384);
  std::vector<RawQuote> out;
  std::vector<std::string> symbols;
  auto emit = [&](const RawQuote& q) {
    out.push_back(q);
    symbols.emplace_back(q.symbol);
  };
  // A replay as fast as possible: the monotonic clock stands still, the file's times drive it.
  for (const auto& q : arriving) buffer.offer(q.raw, 0, emit);
  buffer.flush(emit);

  ASSERT_EQ(out.size(), original.size());
  EXPECT_EQ(buffer.late(), 0U);
  EXPECT_GT(buffer.reordered(), 0U);
  EXPECT_TRUE(std::is_sorted(out.begin(), out.end(), [](const RawQuote& a, const RawQuote& b) {
    return a.sourceTime < b.sourceTime;
  }));
  // The same quotes: every price with its time, and the symbol text survived the buffer.
  auto key = [](const RawQuote& q) { return std::tuple(q.sourceTime, q.bid, q.ask); };
  std::vector<std::tuple<TimestampNs, double, double>> got, want;
  for (const auto& q : out) got.push_back(key(q));
  for (const auto& q : original) want.push_back(key(q.raw));
  std::sort(got.begin(), got.end());
  std::sort(want.begin(), want.end());
  EXPECT_EQ(got, want);
  EXPECT_TRUE(std::all_of(symbols.begin(), symbols.end(), [](const auto& s) { return s == "EURUSD"; }));

  // Normalised after the buffer, nothing is out of order any more.
  NormaliserFixture n;
  auto& normaliser = n.normaliser;
  model::Tick tick;
  model::GapDetected gap;
  for (const auto& q : out) normaliser.normalise(q, tick, gap);
  EXPECT_EQ(normaliser.outOfOrder(), 0U);
}

TEST(ReorderBuffer, QuotesLaterThanTheWindowPassOnFlaggedAndNothingIsLost) {
  const auto original = histDataQuotes();
  const auto arriving = shuffled(original, 2'000 * kMs, 11);
  ReorderBuffer buffer(100 * kMs, 16384);
  NormaliserFixture n;
  auto& normaliser = n.normaliser;
  model::Tick tick;
  model::GapDetected gap;
  std::size_t out = 0, flagged = 0, duplicates = 0;
  TimestampNs newest = 0;
  std::size_t olderThanNewest = 0;
  auto emit = [&](const RawQuote& q) {
    ++out;
    if (q.sourceTime < newest) ++olderThanNewest;
    newest = std::max(newest, q.sourceTime);
    auto outcome = normaliser.normalise(q, tick, gap);
    if (!outcome.accepted) {
      duplicates += outcome.reason == RejectReason::Duplicate ? 1 : 0;
      return;
    }
    if ((tick.flags & model::kTickOutOfOrder) != 0) ++flagged;
  };
  for (const auto& q : arriving) buffer.offer(q.raw, 0, emit);
  buffer.flush(emit);
  EXPECT_EQ(out, original.size());
  EXPECT_GT(buffer.late(), 0U);
  // Exactly the quotes that still came out behind a newer one are flagged (none is dropped: the
  // sample has no exact repeats).
  EXPECT_EQ(duplicates, 0U);
  EXPECT_EQ(flagged, olderThanNewest);
  EXPECT_EQ(normaliser.outOfOrder(), flagged);
  EXPECT_GT(flagged, 0U);
  EXPECT_LE(flagged, buffer.late());
}

TEST(ReorderBuffer, AQuietLiveFeedIsReleasedByTheClock) {
  ReorderBuffer buffer(50 * kMs);
  std::vector<TimestampNs> out;
  auto emit = [&](const RawQuote& q) { out.push_back(q.sourceTime); };
  RawQuote q;
  q.symbol = "EURUSD";
  q.sourceTime = 1'000 * kMs;
  buffer.offer(q, 0, emit);
  q.sourceTime = 990 * kMs;  // 10 ms older: put before the first
  buffer.offer(q, 1 * kMs, emit);
  EXPECT_TRUE(out.empty());
  buffer.release(49 * kMs, emit);  // the source's clock is at 1049 ms: 990 is due, 1000 not yet
  ASSERT_EQ(out.size(), 1U);
  EXPECT_EQ(out[0], 990 * kMs);
  buffer.release(50 * kMs, emit);
  ASSERT_EQ(out.size(), 2U);
  EXPECT_EQ(out[1], 1'000 * kMs);
  q.sourceTime = 995 * kMs;  // older than one released: beyond the window, at once
  buffer.offer(q, 60 * kMs, emit);
  ASSERT_EQ(out.size(), 3U);
  EXPECT_EQ(buffer.late(), 1U);
  EXPECT_EQ(buffer.reordered(), 1U);
}

TEST(ReorderBuffer, OffHandsEveryQuoteOnAtOnce) {
  ReorderBuffer buffer(0);
  std::size_t n = 0;
  RawQuote q;
  q.symbol = "EURUSD";
  for (TimestampNs t : {3, 1, 2}) {
    q.sourceTime = t;
    buffer.offer(q, 0, [&](const RawQuote&) { ++n; });
  }
  EXPECT_EQ(n, 3U);
  EXPECT_EQ(buffer.held(), 0U);
}

TEST(ReorderBuffer, AFullBufferReleasesItsOldestEarly) {
  ReorderBuffer buffer(1'000'000 * kMs, 4);
  std::vector<TimestampNs> out;
  RawQuote q;
  q.symbol = "EURUSD";
  for (TimestampNs t : {5, 3, 4, 1, 2}) {
    q.sourceTime = t;
    buffer.offer(q, 0, [&](const RawQuote& r) { out.push_back(r.sourceTime); });
  }
  EXPECT_EQ(out, std::vector<TimestampNs>{1});  // the fifth quote pushed out the oldest held
  EXPECT_EQ(buffer.held(), 4U);
}

}  // namespace
}  // namespace ait::data
