#pragma once
// Reading records out of a segment file and deciding, at a bad spot, whether it is a torn tail
// (an unfinished last write: safe to drop) or corruption (valid records follow it).

#include <cstdint>
#include <span>

#include "ait/core/error.h"
#include "ait/journal/format.h"
#include "journal/io.h"

namespace ait::journal::detail {

/// No payload may be larger than this, whatever the configuration says; a longer length field is
/// damage.
inline constexpr std::uint32_t kMaxPayloadLimit = 256u << 20;

enum class RecordStatus : std::uint8_t {
  Ok,          // complete record, CRC correct
  End,         // exactly at the end of the file
  Incomplete,  // the file ends inside the header or the payload
  BadLength,   // the length field is impossible
  BadCrc,      // complete but the CRC does not match
};

struct ScannedRecord {
  RecordStatus status = RecordStatus::End;
  std::uint64_t offset = 0;
  RecordHeader header;
  std::span<const std::byte> bytes;  // header + payload; valid until the file is read again
};

/// Reads the record at offset and checks its length and CRC (not its sequence or chain).
Expected<ScannedRecord> readRecord(SegmentFile& file, std::uint64_t offset, bool checkCrc = true);

struct TailAnalysis {
  bool corrupt = false;               // a valid record follows the bad spot
  std::uint64_t validRecordOffset = 0;  // where, if corrupt
  std::uint64_t validRecordSeq = 0;
  std::uint64_t droppedRecords = 0;   // if torn: records (whole or partial) from the bad spot on
  std::uint64_t droppedBytes = 0;
};

/// Looks past a bad record at `offset` (where `expectedSeq` should have started): if any record
/// with a correct CRC and a sequence >= expectedSeq starts after it, the damage is in the middle
/// (corruption); otherwise everything from offset to the end is a torn tail.
Expected<TailAnalysis> analyseBadSpot(SegmentFile& file, std::uint64_t offset,
                                      std::uint64_t expectedSeq);

}  // namespace ait::journal::detail
