#pragma once
// Reading the journal back: replay from a sequence or a time, filtered by event type and tenant,
// and tailing (following new appends). A reader attached to a live Journal sees only durable
// records; an offline reader (a tool, another process) sees every complete record whose CRC is
// correct. The same reader is the iterator behind `aitrading journal dump`.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "ait/core/clock.h"
#include "ait/core/error.h"
#include "ait/journal/format.h"

namespace ait::journal {

namespace detail {
struct LiveState;
}

struct ReadOptions {
  std::uint64_t fromSeq = 1;             // first sequence to return
  std::optional<TimestampNs> fromTime;   // if set: start at the first record with ts >= fromTime
  std::vector<std::uint16_t> types;      // empty: every type
  std::optional<std::uint32_t> tenant;   // unset: every tenant
};

struct RecordView {
  std::uint64_t seq = 0;
  TimestampNs ts = 0;
  std::uint16_t type = 0;
  std::uint32_t tenant = 0;
  std::span<const std::byte> payload;    // valid until the next call on the reader
  Hash prevHash{};
  std::uint64_t segmentFirstSeq = 0;     // which segment file holds it
  std::uint64_t offset = 0;              // and where in that file
};

class JournalReader {
 public:
  /// Opens a reader over a stream directory without a writer; fails if the directory is missing.
  static Expected<JournalReader> open(const std::filesystem::path& dir, ReadOptions options = {});

  JournalReader(JournalReader&& other) noexcept;
  JournalReader& operator=(JournalReader&& other) noexcept;
  ~JournalReader();

  /// Returns the next matching record, or nullopt when none is available yet; an error when the
  /// journal is damaged where it reads (the message names segment, offset and sequence).
  Expected<std::optional<RecordView>> next();
  /// Like next(), but waits up to timeout for a matching record to become available.
  Expected<std::optional<RecordView>> next(std::chrono::nanoseconds timeout);
  /// Returns the sequence the reader looks at next.
  std::uint64_t position() const noexcept;

 private:
  friend class Journal;
  struct Impl;
  explicit JournalReader(std::unique_ptr<Impl> impl);
  static Expected<JournalReader> openLive(const std::filesystem::path& dir, ReadOptions options,
                                          std::shared_ptr<detail::LiveState> live);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ait::journal
