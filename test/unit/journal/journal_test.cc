#include "ait/journal/journal.h"

#include <atomic>
#include <chrono>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "ait/journal/errors.h"
#include "ait/journal/verify.h"
#include "journal_test_util.h"

namespace ait::journal {
namespace {

using namespace std::chrono_literals;
using testing::TempDir;
using testing::payloadFor;
using testing::readAll;
using testing::testConfig;

constexpr TimestampNs kT0 = 1'700'000'000'000'000'000;

std::unique_ptr<Journal> openOrDie(const JournalConfig& config, JournalOptions options = {}) {
  auto journal = Journal::open(config, std::move(options));
  if (!journal) ADD_FAILURE() << journal.error().describe();
  return journal ? std::move(*journal) : nullptr;
}

// Appends n records: type = seq % 4, tenant = seq % 3, ts = kT0 + seq ms.
void appendMany(Journal& journal, std::uint64_t n) {
  for (std::uint64_t i = 0; i < n; ++i) {
    const std::uint64_t seq = journal.lastSequence() + 1;
    auto payload = payloadFor(seq, 50 + seq % 150);
    auto got = journal.append(static_cast<std::uint16_t>(seq % 4),
                              static_cast<std::uint32_t>(seq % 3),
                              kT0 + static_cast<TimestampNs>(seq) * 1'000'000, payload);
    ASSERT_TRUE(got) << got.error().describe();
    ASSERT_EQ(*got, seq);
  }
}

TEST(Journal, RoundTripsRecordsAcrossSegmentRolls) {
  TempDir tmp;
  auto config = testConfig(tmp.path());
  auto journal = openOrDie(config);
  ASSERT_TRUE(journal);
  appendMany(*journal, 500);
  ASSERT_TRUE(journal->waitDurable(500, 5s));
  ASSERT_TRUE(journal->close());

  auto records = readAll(tmp.path() / "trading");
  ASSERT_EQ(records.size(), 500u);
  std::set<std::uint64_t> segments;
  for (std::uint64_t i = 0; i < records.size(); ++i) {
    const auto& r = records[i];
    EXPECT_EQ(r.seq, i + 1);
    EXPECT_EQ(r.type, r.seq % 4);
    EXPECT_EQ(r.tenant, r.seq % 3);
    EXPECT_EQ(r.ts, kT0 + static_cast<TimestampNs>(r.seq) * 1'000'000);
    EXPECT_EQ(r.payload, payloadFor(r.seq, 50 + r.seq % 150));
    segments.insert(r.segmentFirstSeq);
  }
  EXPECT_GT(segments.size(), 10u) << "4 KiB segments must have rolled many times";
  auto report = verifyJournal(tmp.path() / "trading");
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->intact) << report->describe();
  EXPECT_EQ(report->records, 500u);
}

TEST(Journal, SyncsEveryRecordAcrossSegmentRollsWithFsync) {
  TempDir tmp;
  auto config = testConfig(tmp.path());
  config.fsync = true;  // writer and syncer threads, roll syncs the old segment first
  std::atomic<std::uint64_t> lastCallback{0};
  JournalOptions options;
  options.onDurable = [&](std::uint64_t seq) { lastCallback.store(seq); };
  auto journal = openOrDie(config, options);
  ASSERT_TRUE(journal);
  for (int round = 0; round < 4; ++round) {
    appendMany(*journal, 50);
    ASSERT_TRUE(journal->waitDurable(journal->lastSequence(), 10s));
    // The callback follows the publication that woke waitDurable.
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (lastCallback.load() < journal->lastSequence() &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(100us);
    }
    EXPECT_EQ(lastCallback.load(), journal->lastSequence());
  }
  ASSERT_TRUE(journal->close());
  auto report = verifyJournal(tmp.path() / "trading");
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->intact) << report->describe();
  EXPECT_EQ(report->lastSeq, 200u);
  EXPECT_GT(report->segments, 5u);
}

TEST(Journal, ReopenContinuesSequenceAndChain) {
  TempDir tmp;
  auto config = testConfig(tmp.path());
  for (int round = 0; round < 3; ++round) {
    auto journal = openOrDie(config);
    ASSERT_TRUE(journal);
    EXPECT_EQ(journal->lastSequence(), static_cast<std::uint64_t>(round) * 40);
    EXPECT_EQ(journal->durableSequence(), static_cast<std::uint64_t>(round) * 40);
    appendMany(*journal, 40);
    ASSERT_TRUE(journal->close());
  }
  auto report = verifyJournal(tmp.path() / "trading");
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->intact) << report->describe();
  EXPECT_EQ(report->lastSeq, 120u);
  EXPECT_FALSE(report->anchored);
}

TEST(Journal, ReplaysFromSequence) {
  TempDir tmp;
  auto journal = openOrDie(testConfig(tmp.path()));
  ASSERT_TRUE(journal);
  appendMany(*journal, 300);
  ASSERT_TRUE(journal->close());
  ReadOptions options;
  options.fromSeq = 257;
  auto records = readAll(tmp.path() / "trading", options);
  ASSERT_EQ(records.size(), 44u);
  EXPECT_EQ(records.front().seq, 257u);
  EXPECT_EQ(records.back().seq, 300u);
}

TEST(Journal, ReplaysFromTimestamp) {
  TempDir tmp;
  auto journal = openOrDie(testConfig(tmp.path()));
  ASSERT_TRUE(journal);
  appendMany(*journal, 300);
  ASSERT_TRUE(journal->close());
  ReadOptions options;
  options.fromTime = kT0 + 200 * 1'000'000 - 500'000;  // between seq 199 and 200
  auto records = readAll(tmp.path() / "trading", options);
  ASSERT_EQ(records.size(), 101u);
  EXPECT_EQ(records.front().seq, 200u);
}

TEST(Journal, FiltersByTypeAndTenant) {
  TempDir tmp;
  auto journal = openOrDie(testConfig(tmp.path()));
  ASSERT_TRUE(journal);
  appendMany(*journal, 240);
  ASSERT_TRUE(journal->close());

  ReadOptions byType;
  byType.types = {1, 3};
  auto typed = readAll(tmp.path() / "trading", byType);
  ASSERT_EQ(typed.size(), 120u);
  for (const auto& r : typed) EXPECT_TRUE(r.type == 1 || r.type == 3);

  ReadOptions byTenant;
  byTenant.tenant = 2;
  auto tenants = readAll(tmp.path() / "trading", byTenant);
  ASSERT_EQ(tenants.size(), 80u);
  for (const auto& r : tenants) EXPECT_EQ(r.tenant, 2u);

  ReadOptions both;
  both.types = {0};
  both.tenant = 0;
  auto combined = readAll(tmp.path() / "trading", both);
  ASSERT_EQ(combined.size(), 20u);  // seq divisible by 12
  for (const auto& r : combined) EXPECT_EQ(r.seq % 12, 0u);
}

TEST(Journal, TailingReaderSeesNewAppends) {
  TempDir tmp;
  auto journal = openOrDie(testConfig(tmp.path()));
  ASSERT_TRUE(journal);
  auto reader = journal->reader();
  ASSERT_TRUE(reader);
  auto none = reader->next(1ms);
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);

  std::atomic<std::uint64_t> seen{0};
  std::thread tail([&] {
    while (seen.load() < 200) {
      auto rec = reader->next(2s);
      ASSERT_TRUE(rec) << rec.error().describe();
      ASSERT_TRUE(*rec) << "tailing reader timed out at " << seen.load();
      EXPECT_EQ((*rec)->seq, seen.load() + 1);
      EXPECT_LE((*rec)->seq, journal->durableSequence()) << "reader exposed a non-durable record";
      seen.store((*rec)->seq);
    }
  });
  for (int i = 0; i < 200; ++i) {
    appendMany(*journal, 1);
    if (i % 50 == 0) std::this_thread::sleep_for(1ms);
  }
  tail.join();
  EXPECT_EQ(seen.load(), 200u);
  ASSERT_TRUE(journal->close());
}

TEST(Journal, ReaderOfAnEmptyJournalReturnsNothing) {
  TempDir tmp;
  auto journal = openOrDie(testConfig(tmp.path()));
  ASSERT_TRUE(journal);
  ASSERT_TRUE(journal->close());
  EXPECT_TRUE(readAll(tmp.path() / "trading").empty());
}

TEST(Journal, LiveReaderExposesOnlyDurableRecords) {
  TempDir tmp;
  auto config = testConfig(tmp.path());
  config.fsync = true;
  config.segmentBytes = 1 << 20;
  config.groupCommitMaxDelayUs = 200'000;  // the first commit waits up to 200 ms for more
  config.groupCommitMaxBatch = 1000;
  auto journal = openOrDie(config);
  ASSERT_TRUE(journal);
  auto reader = journal->reader();
  ASSERT_TRUE(reader);
  appendMany(*journal, 5);
  auto early = reader->next();
  ASSERT_TRUE(early);
  std::uint64_t expected = 1;
  if (journal->durableSequence() == 0) {
    EXPECT_FALSE(*early) << "a record was exposed before it was durable";
  } else if (*early) {
    EXPECT_EQ((*early)->seq, 1u);
    expected = 2;
  }
  ASSERT_TRUE(journal->waitDurable(5, 5s));
  for (std::uint64_t seq = expected; seq <= 5; ++seq) {
    auto rec = reader->next();
    ASSERT_TRUE(rec && *rec);
    EXPECT_EQ((*rec)->seq, seq);
  }
}

TEST(Journal, WaitDurableReturnsOnceCommitted) {
  TempDir tmp;
  auto config = testConfig(tmp.path());
  config.fsync = true;  // the real path: fdatasync per group commit
  config.segmentBytes = 1 << 20;
  auto journal = openOrDie(config);
  ASSERT_TRUE(journal);
  auto seq = journal->append(7, 1, kT0, payloadFor(1));
  ASSERT_TRUE(seq);
  ASSERT_TRUE(journal->waitDurable(*seq, 5s));
  EXPECT_GE(journal->durableSequence(), *seq);
  auto far = journal->waitDurable(*seq + 10, 1ms);
  ASSERT_FALSE(far);
  EXPECT_EQ(far.error().codeString(), errors::kDurableTimeout.code);
}

TEST(Journal, DurableCallbackReportsEverySequenceInOrder) {
  TempDir tmp;
  std::atomic<std::uint64_t> last{0};
  std::atomic<bool> monotonic{true};
  JournalOptions options;
  options.onDurable = [&](std::uint64_t seq) {
    if (seq <= last.load()) monotonic = false;
    last.store(seq);
  };
  auto journal = openOrDie(testConfig(tmp.path()), options);
  ASSERT_TRUE(journal);
  appendMany(*journal, 1000);
  ASSERT_TRUE(journal->waitDurable(1000, 5s));
  ASSERT_TRUE(journal->close());
  EXPECT_EQ(last.load(), 1000u);
  EXPECT_TRUE(monotonic.load());
}

TEST(Journal, BlocksAppenderWhenBufferIsFullAndLosesNothing) {
  TempDir tmp;
  auto config = testConfig(tmp.path());
  config.bufferBytes = 64 << 10;  // rounded to 64 KiB: a few hundred records
  config.maxPayloadBytes = 1000;
  config.segmentBytes = 256 << 10;
  auto journal = openOrDie(config);
  ASSERT_TRUE(journal);
  appendMany(*journal, 20'000);
  ASSERT_TRUE(journal->close());
  auto records = readAll(tmp.path() / "trading");
  ASSERT_EQ(records.size(), 20'000u);
  EXPECT_EQ(records.back().payload, payloadFor(20'000, 50 + 20'000 % 150));
}

TEST(Journal, StoresLargeAndEmptyPayloadsAcrossBufferWrap) {
  TempDir tmp;
  auto config = testConfig(tmp.path());
  config.bufferBytes = 64 << 10;
  config.maxPayloadBytes = 30 << 10;
  auto journal = openOrDie(config);
  ASSERT_TRUE(journal);
  std::vector<std::size_t> sizes;
  for (int i = 0; i < 60; ++i) sizes.push_back(static_cast<std::size_t>((i * 7919) % (30 << 10)));
  sizes[3] = 0;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    ASSERT_TRUE(journal->append(1, 1, kT0, payloadFor(i + 1, sizes[i])));
  }
  ASSERT_TRUE(journal->close());
  auto records = readAll(tmp.path() / "trading");
  ASSERT_EQ(records.size(), sizes.size());
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    EXPECT_EQ(records[i].payload, payloadFor(i + 1, sizes[i])) << "record " << i + 1;
  }
}

TEST(Journal, RejectsPayloadLargerThanConfigured) {
  TempDir tmp;
  auto config = testConfig(tmp.path());
  config.maxPayloadBytes = 1000;
  auto journal = openOrDie(config);
  ASSERT_TRUE(journal);
  auto got = journal->append(1, 1, kT0, payloadFor(1, 1001));
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().codeString(), errors::kPayloadTooLarge.code);
  EXPECT_EQ(journal->lastSequence(), 0u);
}

TEST(Journal, RefusesAppendAfterClose) {
  TempDir tmp;
  auto journal = openOrDie(testConfig(tmp.path()));
  ASSERT_TRUE(journal);
  ASSERT_TRUE(journal->close());
  auto got = journal->append(1, 1, kT0, payloadFor(1));
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().codeString(), errors::kClosed.code);
}

TEST(Journal, RefusesSecondWriterOnSameStream) {
  TempDir tmp;
  auto first = openOrDie(testConfig(tmp.path()));
  ASSERT_TRUE(first);
  auto second = Journal::open(testConfig(tmp.path()));
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().codeString(), errors::kLocked.code);
  JournalOptions md;
  md.stream = "md";
  EXPECT_TRUE(Journal::open(testConfig(tmp.path()), md)) << "another stream is independent";
}

TEST(Journal, ConfigValidationReportsEveryProblem) {
  JournalConfig config;
  config.segmentBytes = 10;
  config.groupCommitMaxBatch = 0;
  config.tradingDays = 0;
  auto ok = config.validate();
  ASSERT_FALSE(ok);
  EXPECT_EQ(ok.error().codeString(), errors::kConfigInvalid.code);
  EXPECT_NE(ok.error().message().find("segment_bytes"), std::string::npos);
  EXPECT_NE(ok.error().message().find("group_commit_max_batch"), std::string::npos);
  EXPECT_NE(ok.error().message().find("trading_days"), std::string::npos);
  EXPECT_TRUE(JournalConfig{}.validate());
  EXPECT_TRUE(parseArchiveMode("zstd"));
  EXPECT_FALSE(parseArchiveMode("gzip"));
}

TEST(Journal, RejectsBadStreamName) {
  TempDir tmp;
  JournalOptions options;
  options.stream = "../escape";
  auto journal = Journal::open(testConfig(tmp.path()), options);
  ASSERT_FALSE(journal);
  EXPECT_EQ(journal.error().codeString(), errors::kInvalidArgument.code);
}

}  // namespace
}  // namespace ait::journal
