#pragma once
// Retention: segments whose newest record is older than the stream's retention period are
// archived (zstd copy in <dir>/archive/) or deleted, oldest first, never the last (active)
// segment and never leaving a hole, so the rest of the chain stays verifiable from the first
// remaining segment's header.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "ait/core/clock.h"
#include "ait/core/error.h"
#include "ait/journal/config.h"

namespace ait::journal {

struct RetentionReport {
  std::uint64_t segmentsDeleted = 0;     // removed without a copy
  std::uint64_t segmentsArchived = 0;    // removed after a verified zstd copy
  std::uint64_t bytesRemoved = 0;
  std::uint64_t firstRemainingSeq = 0;   // first sequence still in the journal (0: empty)
  std::vector<std::string> files;        // segment file names removed
};

/// Applies retention to one stream directory as of `now`; the period is the class's in config.
Expected<RetentionReport> runRetention(const std::filesystem::path& dir,
                                       const JournalConfig& config, RetentionClass cls,
                                       TimestampNs now);

/// Decompresses an archived segment (`*.ajl.zst`) to `out`, for audits of archived history.
Expected<void> restoreArchivedSegment(const std::filesystem::path& archive,
                                      const std::filesystem::path& out);

}  // namespace ait::journal
