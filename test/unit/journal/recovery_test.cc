#include <chrono>

#include <gtest/gtest.h>

#include "ait/journal/errors.h"
#include "ait/journal/journal.h"
#include "ait/journal/verify.h"
#include "journal_test_util.h"

namespace ait::journal {
namespace {

using namespace std::chrono_literals;
using testing::TempDir;
using testing::payloadFor;
using testing::readAll;
using testing::readFile;
using testing::testConfig;
using testing::writeFile;

constexpr TimestampNs kT0 = 1'700'000'000'000'000'000;

void fill(const JournalConfig& config, std::uint64_t n, std::size_t payloadBytes = 100) {
  auto journal = Journal::open(config);
  ASSERT_TRUE(journal) << journal.error().describe();
  for (std::uint64_t i = 0; i < n; ++i) {
    auto seq = (*journal)->lastSequence() + 1;
    ASSERT_TRUE((*journal)->append(3, 9, kT0 + static_cast<TimestampNs>(seq),
                                   payloadFor(seq, payloadBytes)));
  }
  ASSERT_TRUE((*journal)->close());
}

void expectIntact(const std::filesystem::path& dir, std::uint64_t lastSeq) {
  auto report = verifyJournal(dir);
  ASSERT_TRUE(report) << report.error().describe();
  EXPECT_TRUE(report->intact) << report->describe();
  EXPECT_FALSE(report->tornTail) << report->describe();
  EXPECT_EQ(report->lastSeq, lastSeq) << report->describe();
}

TEST(Recovery, TruncatesTornLastRecordAtEveryByteOffset) {
  TempDir tmp;
  auto config = testConfig(tmp.path());
  config.segmentBytes = 1 << 20;
  fill(config, 20);
  const auto dir = tmp.path() / "trading";
  const auto segment = testing::segmentPath(dir, 1);
  const auto original = readFile(segment);
  const auto records = readAll(dir);
  ASSERT_EQ(records.size(), 20u);
  const std::size_t lastOffset = records.back().offset;
  ASSERT_EQ(original.size(), lastOffset + kRecordHeaderBytes + 100);

  for (std::size_t cut = lastOffset + 1; cut < original.size(); ++cut) {
    SCOPED_TRACE("file cut at " + std::to_string(cut));
    writeFile(segment,
              std::vector<char>(original.begin(), original.begin() + static_cast<long>(cut)));
    auto journal = Journal::open(config);
    ASSERT_TRUE(journal) << journal.error().describe();
    const auto& rec = (*journal)->recovery();
    EXPECT_EQ(rec.droppedRecords, 1u);
    EXPECT_EQ(rec.droppedFirstSeq, 20u);
    EXPECT_EQ(rec.droppedLastSeq, 20u);
    EXPECT_EQ(rec.droppedBytes, cut - lastOffset);
    EXPECT_EQ(rec.truncatedAtOffset, lastOffset);
    EXPECT_EQ(rec.lastSeq, 19u);
    EXPECT_EQ((*journal)->lastSequence(), 19u);
    // The chain continues from record 19: the rewritten record 20 verifies.
    auto seq = (*journal)->append(3, 9, kT0 + 20, payloadFor(20));
    ASSERT_TRUE(seq);
    EXPECT_EQ(*seq, 20u);
    ASSERT_TRUE((*journal)->close());
    expectIntact(dir, 20);
    EXPECT_EQ(readFile(segment), original) << "the re-appended record must be byte-identical";
  }
}

TEST(Recovery, DropsZeroFilledTailAfterLastRecord) {
  TempDir tmp;
  auto config = testConfig(tmp.path());
  config.segmentBytes = 1 << 20;
  fill(config, 10);
  const auto segment = testing::segmentPath(tmp.path() / "trading", 1);
  auto bytes = readFile(segment);
  const auto cleanSize = bytes.size();
  bytes.resize(bytes.size() + 4096, 0);
  writeFile(segment, bytes);
  auto journal = Journal::open(config);
  ASSERT_TRUE(journal) << journal.error().describe();
  EXPECT_EQ((*journal)->recovery().droppedBytes, 4096u);
  EXPECT_EQ((*journal)->recovery().droppedRecords, 1u);
  EXPECT_EQ((*journal)->lastSequence(), 10u);
  ASSERT_TRUE((*journal)->close());
  EXPECT_EQ(std::filesystem::file_size(segment), cleanSize);
  expectIntact(tmp.path() / "trading", 10);
}

TEST(Recovery, RefusesToOpenWhenACrcIsBadInTheMiddle) {
  TempDir tmp;
  auto config = testConfig(tmp.path());
  config.segmentBytes = 1 << 20;
  fill(config, 50);
  const auto dir = tmp.path() / "trading";
  const auto segment = testing::segmentPath(dir, 1);
  const auto records = readAll(dir);
  auto bytes = readFile(segment);
  const auto victim = records[9];  // seq 10
  bytes[victim.offset + kRecordHeaderBytes + 5] ^= 0x01;
  writeFile(segment, bytes);

  auto journal = Journal::open(config);
  ASSERT_FALSE(journal);
  EXPECT_EQ(journal.error().codeString(), errors::kCorrupt.code);
  const auto& message = journal.error().message();
  EXPECT_NE(message.find(segmentFileName(1)), std::string::npos) << message;
  EXPECT_NE(message.find("offset " + std::to_string(victim.offset)), std::string::npos) << message;
  EXPECT_NE(message.find("seq 10"), std::string::npos) << message;

  auto report = verifyJournal(dir);
  ASSERT_TRUE(report);
  EXPECT_FALSE(report->intact);
  ASSERT_TRUE(report->problem);
  EXPECT_EQ(report->problem->kind, ProblemKind::Corrupt);
  EXPECT_EQ(report->problem->segment, segmentFileName(1));
  EXPECT_EQ(report->problem->offset, victim.offset);
  EXPECT_EQ(report->problem->seq, 10u);
}

TEST(Recovery, RepairCutsAtMidFileDamageAndKeepsACopy) {
  TempDir tmp;
  auto config = testConfig(tmp.path());
  config.segmentBytes = 1 << 20;
  fill(config, 50);
  const auto dir = tmp.path() / "trading";
  const auto segment = testing::segmentPath(dir, 1);
  const auto records = readAll(dir);
  auto bytes = readFile(segment);
  bytes[records[29].offset + 2] ^= 0x40;  // the length field of seq 30
  writeFile(segment, bytes);

  JournalOptions options;
  options.repair = true;
  auto journal = Journal::open(config, options);
  ASSERT_TRUE(journal) << journal.error().describe();
  EXPECT_TRUE((*journal)->recovery().repaired);
  EXPECT_EQ((*journal)->lastSequence(), 29u);
  EXPECT_TRUE(std::filesystem::exists((*journal)->recovery().quarantined));
  EXPECT_EQ(readFile((*journal)->recovery().quarantined), bytes);
  ASSERT_TRUE((*journal)->close());
  expectIntact(dir, 29);
}

TEST(Recovery, RemovesUnfinishedSegmentCreation) {
  TempDir tmp;
  auto config = testConfig(tmp.path());
  fill(config, 5);
  const auto dir = tmp.path() / "trading";
  writeFile(dir / (segmentFileName(6) + ".tmp"), std::vector<char>(40, 'x'));
  auto journal = Journal::open(config);
  ASSERT_TRUE(journal) << journal.error().describe();
  EXPECT_EQ((*journal)->recovery().removedTempFiles, 1u);
  EXPECT_FALSE(std::filesystem::exists(dir / (segmentFileName(6) + ".tmp")));
  EXPECT_EQ((*journal)->lastSequence(), 5u);
}

TEST(Recovery, ContinuesFromAnEmptyLastSegment) {
  TempDir tmp;
  auto config = testConfig(tmp.path());
  fill(config, 100);
  const auto dir = tmp.path() / "trading";
  const auto records = readAll(dir);
  const auto lastFirst = records.back().segmentFirstSeq;
  ASSERT_GT(lastFirst, 1u);
  std::filesystem::resize_file(testing::segmentPath(dir, lastFirst), kSegmentHeaderBytes);
  auto journal = Journal::open(config);
  ASSERT_TRUE(journal) << journal.error().describe();
  EXPECT_EQ((*journal)->lastSequence(), lastFirst - 1);
  ASSERT_TRUE((*journal)->append(1, 1, kT0, payloadFor(lastFirst)));
  ASSERT_TRUE((*journal)->close());
  expectIntact(dir, lastFirst);
}

TEST(Recovery, RefusesSegmentWithBadHeader) {
  TempDir tmp;
  auto config = testConfig(tmp.path());
  fill(config, 100);
  const auto dir = tmp.path() / "trading";
  auto bytes = readFile(testing::segmentPath(dir, 1));
  bytes[0] = 'X';
  writeFile(testing::segmentPath(dir, 1), bytes);
  auto journal = Journal::open(config);
  ASSERT_FALSE(journal);
  EXPECT_EQ(journal.error().codeString(), errors::kBadSegmentHeader.code);
  EXPECT_NE(journal.error().message().find(segmentFileName(1)), std::string::npos);
}

}  // namespace
}  // namespace ait::journal
