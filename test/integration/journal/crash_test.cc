#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "ait/journal/journal.h"
#include "ait/journal/verify.h"
#include "crash_common.h"
#include "unit/journal/journal_test_util.h"

namespace ait::journal {
namespace {

constexpr int kRounds = 60;

struct Child {
  pid_t pid = -1;
  int out = -1;
};

Child spawn(const std::string& dataDir, std::uint64_t seed) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return {};
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    auto seedText = std::to_string(seed);
    ::execl(JOURNAL_CRASH_CHILD, JOURNAL_CRASH_CHILD, dataDir.c_str(), seedText.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(fds[1]);
  return {pid, fds[0]};
}

// Reads acknowledgements (8-byte sequences) until the deadline, or until EOF if deadline is
// negative; returns the highest one seen.
std::uint64_t readAcks(int fd, std::chrono::milliseconds runFor, std::uint64_t highest,
                       std::string& partial) {
  const auto deadline = std::chrono::steady_clock::now() + runFor;
  char buf[4096];
  for (;;) {
    int timeout = -1;
    if (runFor.count() >= 0) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      timeout = static_cast<int>(left.count());
    }
    pollfd p{fd, POLLIN, 0};
    int ready = ::poll(&p, 1, timeout);
    if (ready == 0) break;
    if (ready < 0) continue;
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    partial.append(buf, static_cast<std::size_t>(n));
    while (partial.size() >= 8) {
      std::uint64_t seq;
      std::memcpy(&seq, partial.data(), 8);
      highest = std::max(highest, seq);
      partial.erase(0, 8);
    }
  }
  return highest;
}

TEST(JournalCrash, KeepsEveryAcknowledgedRecordAcrossSigkill) {
  testing::TempDir tmp;
  const auto config = crashtest::config(tmp.path().string());
  const auto dir = tmp.path() / "trading";
  std::mt19937_64 rng(20240611);
  std::uint64_t acknowledged = 0;
  std::uint64_t tornRecoveries = 0;
  std::uint64_t checkedUpTo = 0;

  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    Child child = spawn(tmp.path().string(), rng());
    ASSERT_GT(child.pid, 0);
    std::string partial;
    if (round % 5 == 4) {
      // Some kills land during start-up and recovery, before anything is acknowledged.
      acknowledged = readAcks(child.out, std::chrono::milliseconds(rng() % 30), acknowledged,
                              partial);
    } else {
      // Otherwise kill at a random moment after the child started acknowledging, however slow
      // this machine (or a sanitizer build) makes start-up.
      const auto before = acknowledged;
      for (int waited = 0; waited < 200 && acknowledged == before; ++waited) {
        acknowledged = readAcks(child.out, std::chrono::milliseconds(50), acknowledged, partial);
      }
      acknowledged = readAcks(child.out, std::chrono::milliseconds(rng() % 60), acknowledged,
                              partial);
    }
    ::kill(child.pid, SIGKILL);
    int status = 0;
    ::waitpid(child.pid, &status, 0);
    acknowledged = readAcks(child.out, std::chrono::milliseconds(-1), acknowledged, partial);
    ::close(child.out);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "the child exited by itself (status " << status << ")";

    auto journal = Journal::open(config);
    ASSERT_TRUE(journal) << journal.error().describe();
    if ((*journal)->recovery().droppedBytes > 0) ++tornRecoveries;
    ASSERT_GE((*journal)->lastSequence(), acknowledged)
        << "an acknowledged record was lost; " << (*journal)->recovery().describe();
    const auto last = (*journal)->lastSequence();
    ASSERT_TRUE((*journal)->close());

    auto report = verifyJournal(dir);
    ASSERT_TRUE(report) << report.error().describe();
    ASSERT_TRUE(report->intact) << report->describe();
    ASSERT_FALSE(report->tornTail) << report->describe();
    ASSERT_EQ(report->lastSeq, last);

    // Every record the parent has not checked yet carries exactly what the child appended.
    ReadOptions from;
    from.fromSeq = checkedUpTo + 1;
    auto records = testing::readAll(dir, from);
    ASSERT_EQ(records.size(), last - checkedUpTo);
    for (const auto& r : records) {
      ASSERT_EQ(r.type, crashtest::typeOf(r.seq));
      ASSERT_EQ(r.tenant, crashtest::tenantOf(r.seq));
      ASSERT_EQ(r.ts, static_cast<TimestampNs>(r.seq));
      ASSERT_EQ(r.payload, crashtest::payloadOf(r.seq)) << "seq " << r.seq;
    }
    checkedUpTo = last;
  }
  EXPECT_GT(acknowledged, 0u);
  std::printf("crash test: %d kills, %llu acknowledged, %llu records kept, %llu recoveries "
              "truncated a torn tail\n",
              kRounds, static_cast<unsigned long long>(acknowledged),
              static_cast<unsigned long long>(checkedUpTo),
              static_cast<unsigned long long>(tornRecoveries));
}

}  // namespace
}  // namespace ait::journal
