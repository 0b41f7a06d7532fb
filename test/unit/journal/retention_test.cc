#include "ait/journal/retention.h"

#include <zstd.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "ait/core/clock.h"
#include "ait/journal/journal.h"
#include "ait/journal/verify.h"
#include "journal_test_util.h"

namespace ait::journal {
namespace {

using testing::TempDir;
using testing::payloadFor;
using testing::readAll;
using testing::readFile;
using testing::testConfig;

constexpr std::int64_t kDay = 86'400'000'000'000;

// Writes 100 records dated 200 days before now, then 100 records dated today, into a stream.
void fillAged(const JournalConfig& config, const std::string& stream, RetentionClass cls,
              const FakeClock& clock) {
  JournalOptions options;
  options.stream = stream;
  options.retentionClass = cls;
  options.clock = &clock;
  auto journal = Journal::open(config, options);
  ASSERT_TRUE(journal) << journal.error().describe();
  for (std::uint64_t seq = 1; seq <= 200; ++seq) {
    TimestampNs ts = seq <= 100 ? clock.now() - 200 * kDay : clock.now();
    ASSERT_TRUE((*journal)->append(1, 1, ts, payloadFor(seq)));
  }
  ASSERT_TRUE((*journal)->close());
}

std::vector<char> decompress(const std::vector<char>& compressed) {
  auto size = ZSTD_getFrameContentSize(compressed.data(), compressed.size());
  EXPECT_NE(size, ZSTD_CONTENTSIZE_ERROR);
  std::vector<char> out(size == ZSTD_CONTENTSIZE_UNKNOWN ? (1 << 20) : size);
  auto n = ZSTD_decompress(out.data(), out.size(), compressed.data(), compressed.size());
  EXPECT_FALSE(ZSTD_isError(n)) << ZSTD_getErrorName(n);
  out.resize(ZSTD_isError(n) ? 0 : n);
  return out;
}

TEST(Retention, ArchivesOldMarketDataAndKeepsTradingEvents) {
  TempDir tmp;
  FakeClock clock;
  auto config = testConfig(tmp.path());
  fillAged(config, "md", RetentionClass::MarketData, clock);
  fillAged(config, "trading", RetentionClass::Trading, clock);
  const auto md = tmp.path() / "md";
  const auto trading = tmp.path() / "trading";

  auto mdRecords = readAll(md);
  std::map<std::uint64_t, std::vector<char>> originals;
  for (const auto& r : mdRecords) {
    if (!originals.contains(r.segmentFirstSeq)) {
      originals[r.segmentFirstSeq] = readFile(testing::segmentPath(md, r.segmentFirstSeq));
    }
  }

  JournalOptions mdOptions;
  mdOptions.stream = "md";
  mdOptions.retentionClass = RetentionClass::MarketData;
  auto mdJournal = Journal::open(config, mdOptions);
  ASSERT_TRUE(mdJournal);
  auto report = (*mdJournal)->runRetention(clock.now());
  ASSERT_TRUE(report) << report.error().describe();
  EXPECT_GT(report->segmentsArchived, 0u);
  EXPECT_EQ(report->segmentsDeleted, 0u);

  // Exactly the segments whose newest record is old went, oldest first.
  for (const auto& [first, bytes] : originals) {
    const auto path = testing::segmentPath(md, first);
    const bool removed =
        std::find(report->files.begin(), report->files.end(), segmentFileName(first)) !=
        report->files.end();
    EXPECT_NE(std::filesystem::exists(path), removed) << segmentFileName(first);
    if (!removed) continue;
    EXPECT_LT(first, 100u) << "a segment with recent records was removed";
    auto archive = md / "archive" / (segmentFileName(first) + ".zst");
    ASSERT_TRUE(std::filesystem::exists(archive));
    EXPECT_EQ(decompress(readFile(archive)), bytes) << "archive must restore the exact segment";
    auto restored = tmp.path() / "restored.ajl";
    ASSERT_TRUE(restoreArchivedSegment(archive, restored));
    EXPECT_EQ(readFile(restored), bytes);
  }
  EXPECT_EQ(report->firstRemainingSeq, readAll(md).front().seq);
  EXPECT_LE(report->firstRemainingSeq, 101u);

  auto verified = verifyJournal(md);
  ASSERT_TRUE(verified);
  EXPECT_TRUE(verified->intact) << verified->describe();
  EXPECT_TRUE(verified->anchored);
  EXPECT_EQ(verified->anchorSeq, report->firstRemainingSeq - 1);
  EXPECT_NE(verified->describe().find("anchored"), std::string::npos);

  JournalOptions tradingOptions;
  auto tradingJournal = Journal::open(config, tradingOptions);
  ASSERT_TRUE(tradingJournal);
  auto kept = (*tradingJournal)->runRetention(clock.now());
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->segmentsArchived + kept->segmentsDeleted, 0u);
  EXPECT_EQ(readAll(trading).size(), 200u);
}

TEST(Retention, DeleteModeLeavesNoArchive) {
  TempDir tmp;
  FakeClock clock;
  auto config = testConfig(tmp.path());
  config.archive = ArchiveMode::Delete;
  fillAged(config, "md", RetentionClass::MarketData, clock);
  auto report = runRetention(tmp.path() / "md", config, RetentionClass::MarketData, clock.now());
  ASSERT_TRUE(report);
  EXPECT_GT(report->segmentsDeleted, 0u);
  EXPECT_FALSE(std::filesystem::exists(tmp.path() / "md" / "archive"));
  auto verified = verifyJournal(tmp.path() / "md");
  ASSERT_TRUE(verified);
  EXPECT_TRUE(verified->intact) << verified->describe();
}

TEST(Retention, NeverRemovesTheActiveSegment) {
  TempDir tmp;
  FakeClock clock;
  auto config = testConfig(tmp.path());
  fillAged(config, "md", RetentionClass::MarketData, clock);
  clock.advance(std::chrono::hours(24 * 400));  // now everything is old
  auto report = runRetention(tmp.path() / "md", config, RetentionClass::MarketData, clock.now());
  ASSERT_TRUE(report);
  auto remaining = readAll(tmp.path() / "md");
  ASSERT_FALSE(remaining.empty());
  EXPECT_EQ(remaining.back().seq, 200u);
  std::set<std::uint64_t> segments;
  for (const auto& r : remaining) segments.insert(r.segmentFirstSeq);
  EXPECT_EQ(segments.size(), 1u);

  JournalOptions md;
  md.stream = "md";
  auto journal = Journal::open(config, md);
  ASSERT_TRUE(journal) << journal.error().describe();
  EXPECT_EQ((*journal)->lastSequence(), 200u);
  ASSERT_TRUE((*journal)->append(1, 1, clock.now(), payloadFor(201)));
  ASSERT_TRUE((*journal)->close());
  auto verified = verifyJournal(tmp.path() / "md");
  ASSERT_TRUE(verified);
  EXPECT_TRUE(verified->intact) << verified->describe();
}

}  // namespace
}  // namespace ait::journal
