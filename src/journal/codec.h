#pragma once
// Encoding and decoding of segment and record headers (little-endian, fixed offsets).

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "ait/core/error.h"
#include "ait/journal/format.h"

namespace ait::journal::detail {

inline constexpr std::uint32_t kWrapMarker = 0xFFFFFFFFu;

namespace off {
inline constexpr std::size_t kLength = 0;
inline constexpr std::size_t kCrc = 4;
inline constexpr std::size_t kSeq = 8;
inline constexpr std::size_t kTs = 16;
inline constexpr std::size_t kType = 24;
inline constexpr std::size_t kFlags = 26;
inline constexpr std::size_t kTenant = 28;
inline constexpr std::size_t kPrevHash = 32;
}  // namespace off

template <class T>
inline T loadLe(const std::byte* p) noexcept {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;  // x86-64 and aarch64 are little-endian, as the format
}

template <class T>
inline void storeLe(std::byte* p, T v) noexcept {
  std::memcpy(p, &v, sizeof(T));
}

/// Encodes a segment header into exactly kSegmentHeaderBytes.
void encodeSegmentHeader(const SegmentHeader& header, std::byte* out) noexcept;
/// Decodes and checks a segment header (magic, version, size, CRC); the error names the problem.
Expected<SegmentHeader> decodeSegmentHeader(std::span<const std::byte> bytes);

/// Decodes the fixed 64-byte record header (no validation).
RecordHeader decodeRecordHeader(const std::byte* p) noexcept;

/// Returns the CRC32C of an encoded record, which covers everything but its CRC field.
std::uint32_t recordCrc(std::span<const std::byte> record) noexcept;

}  // namespace ait::journal::detail
