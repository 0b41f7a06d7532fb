#pragma once
// Recovery at open: check every segment header, scan the last segment, truncate a torn tail and
// refuse mid-file damage (unless repairing).

#include <cstdint>
#include <filesystem>
#include <string>

#include "ait/core/error.h"
#include "ait/journal/format.h"
#include "ait/journal/journal.h"

namespace ait::journal::detail {

struct RecoveredState {
  RecoveryReport report;
  std::uint64_t lastSeq = 0;
  Hash lastHash{};
  std::filesystem::path activeSegment;  // empty when the directory holds no segment yet
  std::uint64_t activeFirstSeq = 0;
  std::uint64_t writeOffset = 0;        // end of the last valid record of the active segment
  std::uint64_t activeRecords = 0;
};

Expected<RecoveredState> recoverStream(const std::filesystem::path& dir, const std::string& stream,
                                       bool repair, bool sync);

}  // namespace ait::journal::detail
