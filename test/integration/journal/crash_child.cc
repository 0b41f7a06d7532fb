// Appends events to a journal for ever, and after each group of appends is durable writes the
// last acknowledged sequence (8 bytes, native order) to stdout. The crash test kills it with
// SIGKILL at random moments.
//
// usage: journal_crash_child DATA_DIR SEED

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>

#include "ait/journal/journal.h"
#include "crash_common.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s DATA_DIR SEED\n", argv[0]);
    return 2;
  }
  auto config = ait::journal::crashtest::config(argv[1]);
  auto journal = ait::journal::Journal::open(config);
  if (!journal) {
    std::fprintf(stderr, "open failed: %s\n", journal.error().describe().c_str());
    return 1;
  }
  std::mt19937_64 rng(std::strtoull(argv[2], nullptr, 10));
  for (;;) {
    const auto group = 1 + rng() % 40;
    std::uint64_t last = 0;
    for (std::uint64_t i = 0; i < group; ++i) {
      const auto seq = (*journal)->lastSequence() + 1;
      auto appended = (*journal)->append(ait::journal::crashtest::typeOf(seq),
                                         ait::journal::crashtest::tenantOf(seq),
                                         static_cast<std::int64_t>(seq),
                                         ait::journal::crashtest::payloadOf(seq));
      if (!appended || *appended != seq) {
        std::fprintf(stderr, "append failed at %llu\n", static_cast<unsigned long long>(seq));
        return 1;
      }
      last = seq;
    }
    if (auto ok = (*journal)->waitDurable(last, std::chrono::seconds(10)); !ok) {
      std::fprintf(stderr, "waitDurable: %s\n", ok.error().describe().c_str());
      return 1;
    }
    if (::write(STDOUT_FILENO, &last, sizeof last) != static_cast<ssize_t>(sizeof last)) return 1;
  }
}
