#include "ait/journal/verify.h"

#include <set>

#include <gtest/gtest.h>

#include "ait/journal/errors.h"
#include "ait/journal/journal.h"
#include "journal_test_util.h"

namespace ait::journal {
namespace {

using testing::TempDir;
using testing::fixRecordCrc;
using testing::payloadFor;
using testing::readAll;
using testing::readFile;
using testing::testConfig;
using testing::writeFile;

constexpr TimestampNs kT0 = 1'700'000'000'000'000'000;

class Verify : public ::testing::Test {
 protected:
  void SetUp() override {
    auto journal = Journal::open(testConfig(tmp_.path()));
    ASSERT_TRUE(journal) << journal.error().describe();
    for (std::uint64_t seq = 1; seq <= 200; ++seq) {
      ASSERT_TRUE((*journal)->append(2, 5, kT0 + static_cast<TimestampNs>(seq), payloadFor(seq)));
    }
    ASSERT_TRUE((*journal)->close());
    records_ = readAll(dir());
    ASSERT_EQ(records_.size(), 200u);
  }

  std::filesystem::path dir() const { return tmp_.path() / "trading"; }
  std::filesystem::path fileOf(const testing::StoredRecord& r) const {
    return testing::segmentPath(dir(), r.segmentFirstSeq);
  }
  VerifyReport verify(const VerifyOptions& options = {}) {
    auto report = verifyJournal(dir(), options);
    EXPECT_TRUE(report) << report.error().describe();
    return report ? *report : VerifyReport{};
  }

  TempDir tmp_;
  std::vector<testing::StoredRecord> records_;
};

TEST_F(Verify, ReportsIntactJournalWithHeadAndProgress) {
  std::vector<VerifyProgress> progress;
  VerifyOptions options;
  options.progressEveryBytes = 1024;
  options.onProgress = [&](const VerifyProgress& p) { progress.push_back(p); };
  auto report = verify(options);
  EXPECT_TRUE(report.intact) << report.describe();
  EXPECT_EQ(report.records, 200u);
  EXPECT_EQ(report.firstSeq, 1u);
  EXPECT_EQ(report.lastSeq, 200u);
  EXPECT_EQ(report.stream, "trading");
  EXPECT_FALSE(report.anchored);
  EXPECT_GT(report.segments, 5u);
  ASSERT_FALSE(progress.empty());
  EXPECT_EQ(progress.back().segmentsDone, progress.back().segmentsTotal);
  EXPECT_EQ(progress.back().bytesDone, progress.back().bytesTotal);
  EXPECT_EQ(progress.back().records, 200u);
  EXPECT_NE(report.describe().find("INTACT"), std::string::npos);
}

TEST_F(Verify, NamesRecordWhosePayloadWasAlteredWithAFixedCrc) {
  const auto victim = records_[77];  // seq 78, in the middle of some segment
  ASSERT_EQ(victim.seq, 78u);
  auto bytes = readFile(fileOf(victim));
  bytes[victim.offset + kRecordHeaderBytes + 10] ^= 0x55;
  fixRecordCrc(bytes, victim.offset);
  writeFile(fileOf(victim), bytes);

  auto report = verify();
  EXPECT_FALSE(report.intact);
  ASSERT_TRUE(report.problem);
  EXPECT_EQ(report.problem->kind, ProblemKind::ChainBroken);
  EXPECT_EQ(report.problem->seq, 78u);
  EXPECT_EQ(report.problem->segment, segmentFileName(victim.segmentFirstSeq));
  EXPECT_EQ(report.problem->offset, victim.offset);
  EXPECT_NE(report.describe().find("DAMAGED"), std::string::npos);
}

TEST_F(Verify, NamesAlteredLastRecordOfASegmentThroughTheNextHeader) {
  std::size_t i = 0;
  while (records_[i + 1].segmentFirstSeq == records_[i].segmentFirstSeq) ++i;
  const auto victim = records_[i];
  auto bytes = readFile(fileOf(victim));
  bytes[victim.offset + 16] ^= 0x01;  // the timestamp
  fixRecordCrc(bytes, victim.offset);
  writeFile(fileOf(victim), bytes);

  auto report = verify();
  ASSERT_TRUE(report.problem) << report.describe();
  EXPECT_EQ(report.problem->kind, ProblemKind::ChainBroken);
  EXPECT_EQ(report.problem->seq, victim.seq);
  EXPECT_EQ(report.problem->offset, victim.offset);
}

TEST_F(Verify, DetectsDeletedRecord) {
  const auto victim = records_[120];
  const auto next = records_[121];
  ASSERT_EQ(victim.segmentFirstSeq, next.segmentFirstSeq) << "pick two records in one segment";
  auto bytes = readFile(fileOf(victim));
  bytes.erase(bytes.begin() + static_cast<long>(victim.offset),
              bytes.begin() + static_cast<long>(next.offset));
  writeFile(fileOf(victim), bytes);

  auto report = verify();
  ASSERT_TRUE(report.problem) << report.describe();
  EXPECT_EQ(report.problem->kind, ProblemKind::SequenceGap);
  EXPECT_EQ(report.problem->seq, next.seq);
  EXPECT_EQ(report.problem->offset, victim.offset);
  EXPECT_NE(report.problem->message.find("missing"), std::string::npos);
}

TEST_F(Verify, DetectsDeletedSegment) {
  std::set<std::uint64_t> segments;
  for (const auto& r : records_) segments.insert(r.segmentFirstSeq);
  auto it = std::next(segments.begin(), 2);
  std::filesystem::remove(testing::segmentPath(dir(), *it));
  auto report = verify();
  ASSERT_TRUE(report.problem) << report.describe();
  EXPECT_EQ(report.problem->kind, ProblemKind::SequenceGap);
  EXPECT_EQ(report.problem->segment, segmentFileName(*std::next(it)));
}

TEST_F(Verify, NamesBadCrcInAnEarlierSegment) {
  const auto victim = records_[3];
  auto bytes = readFile(fileOf(victim));
  bytes[victim.offset + kRecordHeaderBytes + 1] ^= 0x10;
  writeFile(fileOf(victim), bytes);
  auto report = verify();
  ASSERT_TRUE(report.problem);
  EXPECT_EQ(report.problem->kind, ProblemKind::Corrupt);
  EXPECT_EQ(report.problem->seq, 4u);
  EXPECT_EQ(report.problem->offset, victim.offset);
  EXPECT_NE(report.problem->message.find("CRC"), std::string::npos);
}

TEST_F(Verify, TreatsUnfinishedLastRecordAsWarningUnlessStrict) {
  const auto last = records_.back();
  std::filesystem::resize_file(fileOf(last), last.offset + 30);
  auto report = verify();
  EXPECT_TRUE(report.intact) << report.describe();
  ASSERT_TRUE(report.tornTail);
  EXPECT_EQ(report.tornTail->seq, 200u);
  EXPECT_EQ(report.lastSeq, 199u);
  VerifyOptions strict;
  strict.failOnTornTail = true;
  auto strictReport = verify(strict);
  EXPECT_FALSE(strictReport.intact);
  ASSERT_TRUE(strictReport.problem);
  EXPECT_EQ(strictReport.problem->kind, ProblemKind::TornTail);
}

TEST_F(Verify, ExpectedHeadDetectsTruncationAtARecordBoundary) {
  auto before = verify();
  ASSERT_TRUE(before.intact);
  VerifyOptions options;
  options.expectHead = ChainAnchor{before.lastSeq, before.headHash};
  EXPECT_TRUE(verify(options).intact);

  const auto last = records_.back();
  std::filesystem::resize_file(fileOf(last), last.offset);  // cleanly drop seq 200
  EXPECT_TRUE(verify().intact) << "without an anchor a clean cut looks like fewer appends";
  auto report = verify(options);
  EXPECT_FALSE(report.intact);
  ASSERT_TRUE(report.problem);
  EXPECT_EQ(report.problem->kind, ProblemKind::HeadMismatch);
}

TEST_F(Verify, FailsClearlyOnMissingDirectory) {
  auto report = verifyJournal(tmp_.path() / "nope");
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().codeString(), errors::kNotFound.code);
}

TEST_F(Verify, ListsStreamsUnderDataDir) {
  JournalOptions md;
  md.stream = "md";
  auto journal = Journal::open(testConfig(tmp_.path()), md);
  ASSERT_TRUE(journal);
  ASSERT_TRUE((*journal)->close());
  auto streams = listStreams(tmp_.path());
  ASSERT_TRUE(streams);
  ASSERT_EQ(streams->size(), 2u);
  EXPECT_EQ((*streams)[0].filename(), "md");
  EXPECT_EQ((*streams)[1].filename(), "trading");
}

TEST_F(Verify, DumpReaderGivesMetadataAndPayload) {
  ReadOptions options;
  options.fromSeq = 150;
  options.types = {2};
  auto reader = JournalReader::open(dir(), options);
  ASSERT_TRUE(reader);
  auto rec = reader->next();
  ASSERT_TRUE(rec && *rec);
  EXPECT_EQ((*rec)->seq, 150u);
  EXPECT_EQ((*rec)->type, 2u);
  EXPECT_EQ((*rec)->tenant, 5u);
  auto expected = payloadFor(150);
  EXPECT_TRUE(std::equal((*rec)->payload.begin(), (*rec)->payload.end(), expected.begin(),
                         expected.end()));
}

}  // namespace
}  // namespace ait::journal
