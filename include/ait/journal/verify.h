#pragma once
// The audit check behind `aitrading audit verify`: every segment header, every record CRC, the
// sequence (no gaps) and the whole SHA-256 chain, naming the first bad record.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ait/core/error.h"
#include "ait/journal/format.h"

namespace ait::journal {

enum class ProblemKind : std::uint8_t {
  BadSegmentHeader,  // magic, version, CRC, or header fields disagree with the file name
  Corrupt,           // a record's CRC or length is wrong and valid records follow
  SequenceGap,       // a record or a whole segment is missing
  ChainBroken,       // a record's hash differs from what its successor recorded (altered)
  HeadMismatch,      // the journal does not contain the expected head (truncated or rewritten)
  TornTail,          // the last record is unfinished (only a problem with failOnTornTail)
};

std::string_view toString(ProblemKind kind) noexcept;

struct VerifyProblem {
  ProblemKind kind = ProblemKind::Corrupt;
  std::string segment;       // file name
  std::uint64_t offset = 0;  // byte offset in that file
  std::uint64_t seq = 0;     // sequence of the bad record (expected sequence if unreadable)
  std::string message;
};

struct VerifyProgress {
  std::uint64_t segmentsDone = 0;
  std::uint64_t segmentsTotal = 0;
  std::uint64_t bytesDone = 0;
  std::uint64_t bytesTotal = 0;
  std::uint64_t records = 0;
};

/// A point of the chain known from elsewhere (a previous audit, an external log).
struct ChainAnchor {
  std::uint64_t seq = 0;
  Hash hash{};
};

struct VerifyOptions {
  std::function<void(const VerifyProgress&)> onProgress;  // after each segment and every N bytes
  std::uint64_t progressEveryBytes = 64ull << 20;
  std::optional<ChainAnchor> expectHead;  // fail unless the record `seq` exists with this hash
  bool failOnTornTail = false;            // an unfinished last record is normally a warning
};

struct TornTail {
  std::string segment;
  std::uint64_t offset = 0;
  std::uint64_t bytes = 0;
  std::uint64_t seq = 0;  // the sequence the unfinished record would have had
};

struct VerifyReport {
  bool intact = false;
  std::filesystem::path directory;
  std::string stream;
  std::uint64_t segments = 0;
  std::uint64_t records = 0;
  std::uint64_t bytes = 0;
  std::uint64_t firstSeq = 0;  // 0 when empty
  std::uint64_t lastSeq = 0;
  Hash headHash{};             // hash of the last record (record it elsewhere to detect truncation)
  bool anchored = false;       // older segments were removed: the chain starts from a header
  std::uint64_t anchorSeq = 0;
  Hash anchorHash{};
  std::optional<VerifyProblem> problem;  // the first one found; verification stops there
  std::optional<TornTail> tornTail;

  /// Returns a few human-readable lines: the verdict, counts, anchor, head, problem.
  std::string describe() const;
};

/// Verifies one stream directory; an error only when it cannot be read at all.
Expected<VerifyReport> verifyJournal(const std::filesystem::path& dir,
                                     const VerifyOptions& options = {});

/// Returns the stream directories (those holding segment files) directly under data_dir, sorted;
/// data_dir itself if it holds segments.
Expected<std::vector<std::filesystem::path>> listStreams(const std::filesystem::path& dataDir);

}  // namespace ait::journal
