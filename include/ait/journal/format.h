#pragma once
// The on-disk format of journal segments (docs/journal.md describes it byte by byte). All
// integers are little-endian.
//
// Segment file `segment-<first seq, 20 digits>.ajl` = a 128-byte header, then records back to
// back. Record = a 64-byte header, then the payload:
//   0 u32 payload length   4 u32 CRC32C   8 u64 sequence   16 i64 timestamp (ns)
//   24 u16 type   26 u16 flags (0)   28 u32 tenant   32 [32] SHA-256 of the previous record
// The CRC32C covers the record without its CRC field: bytes [0,4) followed by [8, 64 + length).
// The record's hash, which the next record stores, is SHA-256 of bytes [8, 64 + length).

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ait::journal {

using Hash = std::array<std::uint8_t, 32>;

inline constexpr std::size_t kSegmentHeaderBytes = 128;
inline constexpr std::size_t kRecordHeaderBytes = 64;
inline constexpr std::uint16_t kFormatVersion = 1;
inline constexpr char kSegmentMagic[8] = {'A', 'I', 'T', 'J', 'R', 'N', 'L', '\0'};
inline constexpr std::size_t kStreamNameBytes = 16;

/// Returns the hash the first record of a journal chains from:
/// SHA-256("aitrading-journal-genesis").
const Hash& genesisHash();

/// Returns the lower-case hex form of a hash.
std::string toHex(const Hash& hash);
/// Parses 64 hex digits; nullopt if malformed.
std::optional<Hash> hashFromHex(std::string_view hex);

/// Returns "segment-00000000000000000042.ajl" for first sequence 42.
std::string segmentFileName(std::uint64_t firstSeq);
/// Returns the first sequence encoded in a segment file name, or nullopt if not a segment name.
std::optional<std::uint64_t> parseSegmentFileName(std::string_view name);

struct SegmentHeader {
  std::uint16_t version = kFormatVersion;
  std::uint32_t flags = 0;
  std::uint64_t firstSeq = 1;
  std::uint64_t prevSeq = 0;   // the last sequence of the previous segment (0: none)
  Hash prevHash{};             // the hash of that record (genesis for the first segment)
  std::int64_t createdNs = 0;
  std::string stream;          // at most 16 bytes
};

struct RecordHeader {
  std::uint32_t length = 0;    // payload bytes
  std::uint32_t crc = 0;
  std::uint64_t seq = 0;
  std::int64_t ts = 0;
  std::uint16_t type = 0;
  std::uint16_t flags = 0;
  std::uint32_t tenant = 0;
  Hash prevHash{};
};

}  // namespace ait::journal
