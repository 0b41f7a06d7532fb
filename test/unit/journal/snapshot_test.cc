#include "ait/journal/snapshot.h"

#include <chrono>

#include <gtest/gtest.h>

#include "ait/journal/errors.h"
#include "ait/journal/journal.h"
#include "journal_test_util.h"

namespace ait::journal {
namespace {

using namespace std::chrono_literals;
using testing::TempDir;
using testing::bytesOf;
using testing::payloadFor;
using testing::testConfig;

TEST(Snapshot, LoadsTheNewestSnapshot) {
  TempDir tmp;
  SnapshotStore store(tmp.path() / "snaps", 3, false);
  ASSERT_TRUE(store.save("positions", 10, bytesOf("state at 10")));
  ASSERT_TRUE(store.save("positions", 20, bytesOf("state at 20")));
  ASSERT_TRUE(store.save("orders", 30, bytesOf("orders at 30")));
  auto snap = store.loadLatest("positions");
  ASSERT_TRUE(snap);
  ASSERT_TRUE(*snap);
  EXPECT_EQ((*snap)->seq, 20u);
  EXPECT_EQ((*snap)->bytes, bytesOf("state at 20"));
}

TEST(Snapshot, ReturnsNothingWhenNoneWasSaved) {
  TempDir tmp;
  SnapshotStore store(tmp.path() / "snaps");
  auto snap = store.loadLatest("positions");
  ASSERT_TRUE(snap);
  EXPECT_FALSE(*snap);
}

TEST(Snapshot, KeepsOnlyTheConfiguredNumber) {
  TempDir tmp;
  SnapshotStore store(tmp.path() / "snaps", 2, false);
  for (std::uint64_t seq = 1; seq <= 5; ++seq) ASSERT_TRUE(store.save("s", seq, payloadFor(seq)));
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(tmp.path() / "snaps")) {
    (void)entry;
    ++files;
  }
  EXPECT_EQ(files, 2u);
  auto snap = store.loadLatest("s");
  ASSERT_TRUE(snap && *snap);
  EXPECT_EQ((*snap)->seq, 5u);
}

TEST(Snapshot, FallsBackToOlderWhenNewestIsDamaged) {
  TempDir tmp;
  SnapshotStore store(tmp.path() / "snaps", 2, false);
  ASSERT_TRUE(store.save("s", 7, payloadFor(7, 1000)));
  ASSERT_TRUE(store.save("s", 9, payloadFor(9, 1000)));
  auto newest = tmp.path() / "snaps" / "s.00000000000000000009.snap";
  auto bytes = testing::readFile(newest);
  bytes[500] ^= 1;
  testing::writeFile(newest, bytes);
  auto snap = store.loadLatest("s");
  ASSERT_TRUE(snap && *snap);
  EXPECT_EQ((*snap)->seq, 7u);
  EXPECT_EQ((*snap)->bytes, payloadFor(7, 1000));
}

TEST(Snapshot, RejectsNamesThatCouldEscapeTheDirectory) {
  TempDir tmp;
  SnapshotStore store(tmp.path() / "snaps");
  for (auto name : {"", "../x", "a.b", "a/b"}) {
    auto ok = store.save(name, 1, bytesOf("x"));
    ASSERT_FALSE(ok) << name;
    EXPECT_EQ(ok.error().codeString(), errors::kSnapshotInvalid.code);
  }
}

TEST(Snapshot, JournalReplaysOnlyWhatFollowsTheSnapshot) {
  TempDir tmp;
  auto journal = Journal::open(testConfig(tmp.path()));
  ASSERT_TRUE(journal);
  auto& j = **journal;
  for (std::uint64_t seq = 1; seq <= 100; ++seq) ASSERT_TRUE(j.append(1, 1, 0, payloadFor(seq)));
  ASSERT_TRUE(j.waitDurable(60, 5s));

  auto ahead = j.saveSnapshot("engine", j.lastSequence() + 1, bytesOf("future"));
  ASSERT_FALSE(ahead);
  EXPECT_EQ(ahead.error().codeString(), errors::kSnapshotInvalid.code);
  ASSERT_TRUE(j.saveSnapshot("engine", 60, bytesOf("sum of 1..60")));
  ASSERT_TRUE(j.close());

  auto reopened = Journal::open(testConfig(tmp.path()));
  ASSERT_TRUE(reopened);
  auto snap = (*reopened)->loadLatestSnapshot("engine");
  ASSERT_TRUE(snap && *snap);
  EXPECT_EQ((*snap)->seq, 60u);
  ReadOptions after;
  after.fromSeq = (*snap)->seq + 1;
  auto reader = (*reopened)->reader(after);
  ASSERT_TRUE(reader);
  std::uint64_t count = 0;
  std::uint64_t first = 0;
  while (auto rec = reader->next()) {
    if (!*rec) break;
    if (count == 0) first = (*rec)->seq;
    ++count;
  }
  EXPECT_EQ(first, 61u);
  EXPECT_EQ(count, 40u);
}

}  // namespace
}  // namespace ait::journal
