#pragma once
// Shared helpers for the journal tests: a temporary directory, payload builders and raw file
// surgery for the damage scenarios.

#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <span>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ait/journal/config.h"
#include "ait/journal/crc32c.h"
#include "ait/journal/format.h"
#include "ait/journal/journal.h"
#include "ait/journal/reader.h"

namespace ait::journal::testing {

class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("ait-journal-test-" + std::to_string(::getpid()) + "-" +
             std::to_string(counter.fetch_add(1)));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// A deterministic payload for a sequence: checkable after a round trip.
inline std::vector<std::byte> payloadFor(std::uint64_t seq, std::size_t size = 100) {
  std::vector<std::byte> out(size);
  for (std::size_t i = 0; i < size; ++i) {
    out[i] = static_cast<std::byte>((seq * 131 + i * 7) & 0xFF);
  }
  return out;
}

inline std::vector<std::byte> bytesOf(std::string_view text) {
  auto span = std::as_bytes(std::span(text.data(), text.size()));
  return {span.begin(), span.end()};
}

inline JournalConfig testConfig(const std::filesystem::path& dir) {
  JournalConfig config;
  config.dataDir = dir.string();
  config.segmentBytes = 4096;
  config.fsync = false;
  config.groupCommitMaxDelayUs = 0;
  config.bufferBytes = 1 << 20;
  config.maxPayloadBytes = 64 << 10;
  return config;
}

inline std::vector<char> readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void writeFile(const std::filesystem::path& path, const std::vector<char>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

/// Recomputes the CRC of the record at offset in a file image (after deliberate tampering).
inline void fixRecordCrc(std::vector<char>& file, std::size_t offset) {
  std::uint32_t length;
  std::memcpy(&length, file.data() + offset, 4);
  auto* p = reinterpret_cast<const std::byte*>(file.data() + offset);
  std::uint32_t crc = crc32c(std::span(p + 8, kRecordHeaderBytes - 8 + length),
                             crc32c(std::span(p, 4)));
  std::memcpy(file.data() + offset + 4, &crc, 4);
}

struct StoredRecord {
  std::uint64_t seq;
  TimestampNs ts;
  std::uint16_t type;
  std::uint32_t tenant;
  std::vector<std::byte> payload;
  std::uint64_t segmentFirstSeq;
  std::uint64_t offset;
};

/// Reads every record an offline reader returns for these options.
inline std::vector<StoredRecord> readAll(const std::filesystem::path& dir,
                                         ReadOptions options = {}) {
  std::vector<StoredRecord> out;
  auto reader = JournalReader::open(dir, std::move(options));
  EXPECT_TRUE(reader.has_value()) << (reader ? "" : reader.error().describe());
  if (!reader) return out;
  for (;;) {
    auto rec = reader->next();
    EXPECT_TRUE(rec.has_value()) << (rec ? "" : rec.error().describe());
    if (!rec || !*rec) break;
    const auto& r = **rec;
    out.push_back({r.seq, r.ts, r.type, r.tenant, {r.payload.begin(), r.payload.end()},
                   r.segmentFirstSeq, r.offset});
  }
  return out;
}

inline std::filesystem::path segmentPath(const std::filesystem::path& dir, std::uint64_t first) {
  return dir / segmentFileName(first);
}

}  // namespace ait::journal::testing
