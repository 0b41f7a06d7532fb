#include "journal/codec.h"

#include <algorithm>

#include <fmt/format.h>

#include "ait/journal/crc32c.h"
#include "ait/journal/errors.h"
#include "journal/sha256.h"

namespace ait::journal {

const Hash& genesisHash() {
  static const Hash hash = [] {
    detail::Sha256 sha;
    constexpr std::string_view kSeed = "aitrading-journal-genesis";
    sha.update(std::as_bytes(std::span(kSeed.data(), kSeed.size())));
    return sha.finish();
  }();
  return hash;
}

std::string toHex(const Hash& hash) {
  std::string out;
  out.reserve(64);
  for (auto b : hash) out += fmt::format("{:02x}", b);
  return out;
}

std::optional<Hash> hashFromHex(std::string_view hex) {
  if (hex.size() != 64) return std::nullopt;
  Hash out{};
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < 32; ++i) {
    int hi = nibble(hex[2 * i]);
    int lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return out;
}

std::string segmentFileName(std::uint64_t firstSeq) {
  return fmt::format("segment-{:020d}.ajl", firstSeq);
}

std::optional<std::uint64_t> parseSegmentFileName(std::string_view name) {
  constexpr std::string_view kPrefix = "segment-";
  constexpr std::string_view kSuffix = ".ajl";
  if (name.size() != kPrefix.size() + 20 + kSuffix.size()) return std::nullopt;
  if (!name.starts_with(kPrefix) || !name.ends_with(kSuffix)) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : name.substr(kPrefix.size(), 20)) {
    if (c < '0' || c > '9') return std::nullopt;
    std::uint64_t next = value * 10 + static_cast<std::uint64_t>(c - '0');
    if (next / 10 != value) return std::nullopt;
    value = next;
  }
  return value;
}

namespace detail {

namespace {
constexpr std::size_t kHdrVersion = 8;
constexpr std::size_t kHdrSize = 10;
constexpr std::size_t kHdrFlags = 12;
constexpr std::size_t kHdrFirstSeq = 16;
constexpr std::size_t kHdrPrevSeq = 24;
constexpr std::size_t kHdrPrevHash = 32;
constexpr std::size_t kHdrCreated = 64;
constexpr std::size_t kHdrStream = 72;
constexpr std::size_t kHdrCrc = 124;
}  // namespace

void encodeSegmentHeader(const SegmentHeader& header, std::byte* out) noexcept {
  std::memset(out, 0, kSegmentHeaderBytes);
  std::memcpy(out, kSegmentMagic, sizeof(kSegmentMagic));
  storeLe<std::uint16_t>(out + kHdrVersion, header.version);
  storeLe<std::uint16_t>(out + kHdrSize, static_cast<std::uint16_t>(kSegmentHeaderBytes));
  storeLe<std::uint32_t>(out + kHdrFlags, header.flags);
  storeLe<std::uint64_t>(out + kHdrFirstSeq, header.firstSeq);
  storeLe<std::uint64_t>(out + kHdrPrevSeq, header.prevSeq);
  std::memcpy(out + kHdrPrevHash, header.prevHash.data(), 32);
  storeLe<std::int64_t>(out + kHdrCreated, header.createdNs);
  std::memcpy(out + kHdrStream, header.stream.data(),
              std::min(header.stream.size(), kStreamNameBytes));
  storeLe<std::uint32_t>(out + kHdrCrc,
                         crc32c(std::span<const std::byte>(out, kHdrCrc)));
}

Expected<SegmentHeader> decodeSegmentHeader(std::span<const std::byte> bytes) {
  if (bytes.size() < kSegmentHeaderBytes) {
    return fail(errors::kBadSegmentHeader,
                fmt::format("segment header is {} bytes, expected {}", bytes.size(),
                            kSegmentHeaderBytes));
  }
  const std::byte* p = bytes.data();
  if (std::memcmp(p, kSegmentMagic, sizeof(kSegmentMagic)) != 0) {
    return fail(errors::kBadSegmentHeader, "segment magic is not AITJRNL (not a journal segment)");
  }
  auto storedCrc = loadLe<std::uint32_t>(p + kHdrCrc);
  auto actualCrc = crc32c(std::span<const std::byte>(p, kHdrCrc));
  if (storedCrc != actualCrc) {
    return fail(errors::kBadSegmentHeader,
                fmt::format("segment header CRC mismatch (stored {:08x}, computed {:08x})",
                            storedCrc, actualCrc));
  }
  SegmentHeader h;
  h.version = loadLe<std::uint16_t>(p + kHdrVersion);
  if (h.version != kFormatVersion) {
    return fail(errors::kBadSegmentHeader,
                fmt::format("segment format version {} is not supported (this build reads {})",
                            h.version, kFormatVersion));
  }
  auto size = loadLe<std::uint16_t>(p + kHdrSize);
  if (size != kSegmentHeaderBytes) {
    return fail(errors::kBadSegmentHeader,
                fmt::format("segment header size {} is not {}", size, kSegmentHeaderBytes));
  }
  h.flags = loadLe<std::uint32_t>(p + kHdrFlags);
  h.firstSeq = loadLe<std::uint64_t>(p + kHdrFirstSeq);
  h.prevSeq = loadLe<std::uint64_t>(p + kHdrPrevSeq);
  if (h.firstSeq != h.prevSeq + 1) {
    return fail(errors::kBadSegmentHeader,
                fmt::format("segment header first sequence {} does not follow previous sequence {}",
                            h.firstSeq, h.prevSeq));
  }
  std::memcpy(h.prevHash.data(), p + kHdrPrevHash, 32);
  h.createdNs = loadLe<std::int64_t>(p + kHdrCreated);
  const char* name = reinterpret_cast<const char*>(p + kHdrStream);
  h.stream.assign(name, strnlen(name, kStreamNameBytes));
  return h;
}

RecordHeader decodeRecordHeader(const std::byte* p) noexcept {
  RecordHeader h;
  h.length = loadLe<std::uint32_t>(p + off::kLength);
  h.crc = loadLe<std::uint32_t>(p + off::kCrc);
  h.seq = loadLe<std::uint64_t>(p + off::kSeq);
  h.ts = loadLe<std::int64_t>(p + off::kTs);
  h.type = loadLe<std::uint16_t>(p + off::kType);
  h.flags = loadLe<std::uint16_t>(p + off::kFlags);
  h.tenant = loadLe<std::uint32_t>(p + off::kTenant);
  std::memcpy(h.prevHash.data(), p + off::kPrevHash, 32);
  return h;
}

std::uint32_t recordCrc(std::span<const std::byte> record) noexcept {
  return crc32c(record.subspan(8), crc32c(record.first(4)));
}

}  // namespace detail
}  // namespace ait::journal
