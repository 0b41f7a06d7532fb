#pragma once
// The durable journal: the event store and tamper-evident audit trail.
//
// One writer (the engine thread) appends; append() copies the event into a bounded in-memory
// buffer, assigns the next sequence and returns without touching the disk. A writer thread
// drains the buffer in batches (up to group_commit_max_batch records), chains and checksums each
// record and writes the batch to the active segment; a syncer thread fdatasyncs and then
// publishes the durable sequence, each sync covering everything written while the previous one
// ran (group commit; after an idle moment it may wait group_commit_max_delay_us to gather more).
// When the buffer is full the appender blocks until the writer frees space (back-pressure), so
// memory stays bounded and no event is dropped.
//
// Callers that must not acknowledge before durability (orders, fills) use waitDurable(), poll
// durableSequence(), or get the onDurable callback (called on the syncer thread, or on the
// writer thread when fsync is off).

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "ait/core/clock.h"
#include "ait/core/error.h"
#include "ait/journal/config.h"
#include "ait/journal/reader.h"
#include "ait/journal/retention.h"
#include "ait/journal/snapshot.h"

namespace ait::journal {

namespace detail {
class JournalImpl;
}

/// What recovery found and did when the journal was opened.
struct RecoveryReport {
  std::uint64_t segments = 0;
  std::uint64_t lastSeq = 0;            // the last sequence kept; appends continue after it
  std::uint64_t droppedRecords = 0;     // unfinished records truncated from the tail
  std::uint64_t droppedFirstSeq = 0;
  std::uint64_t droppedLastSeq = 0;
  std::uint64_t droppedBytes = 0;
  std::string truncatedSegment;         // file name; empty when nothing was dropped
  std::uint64_t truncatedAtOffset = 0;
  std::uint64_t removedTempFiles = 0;   // leftovers of interrupted segment creation
  bool repaired = false;                // mid-file damage cut off under JournalOptions::repair
  std::string quarantined;              // where the damaged original was copied, if repaired

  /// Returns one line saying what was dropped, or that the journal was clean.
  std::string describe() const;
};

struct JournalOptions {
  std::string stream = "trading";     // subdirectory of data_dir; also written in segment headers
  RetentionClass retentionClass = RetentionClass::Trading;
  const Clock* clock = nullptr;       // segment creation times; nullptr: the system clock
  /// Called after each group commit (syncer thread) with the new durable sequence; must not
  /// block (post to an event loop, write an eventfd).
  std::function<void(std::uint64_t durableSeq)> onDurable;
  /// Cut the journal at mid-file damage in the last segment instead of refusing to open (the
  /// damaged file is first copied to <dir>/quarantine/); records after the damage are lost.
  bool repair = false;
};

class Journal {
 public:
  /// Opens (creating if needed) <data_dir>/<stream>, recovers the tail and starts the writer.
  /// Fails with the segment, offset and sequence when the journal is damaged in the middle.
  static Expected<std::unique_ptr<Journal>> open(const JournalConfig& config,
                                                 JournalOptions options = {});

  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  /// Buffers one event and returns its sequence; never does I/O but blocks while the buffer is
  /// full. Only one thread may append. Fails when closed, failed, or the payload is too large.
  Expected<std::uint64_t> append(std::uint16_t type, std::uint32_t tenant, TimestampNs ts,
                                 std::span<const std::byte> payload);

  /// Returns the last sequence assigned by append() (appender thread only).
  std::uint64_t lastSequence() const noexcept;
  /// Returns the highest sequence that is durable (written and fdatasynced); never blocks.
  std::uint64_t durableSequence() const noexcept;
  /// Waits until seq is durable; fails on timeout, when closed first, or when the writer failed.
  Expected<void> waitDurable(std::uint64_t seq, std::chrono::nanoseconds timeout) const;
  /// Makes every appended record durable, stops the threads and releases the directory; called
  /// by the appender thread or once it no longer appends (the destructor closes too).
  Expected<void> close();
  /// Returns whether the writer hit an I/O error (the journal then refuses appends).
  bool failed() const noexcept;

  const RecoveryReport& recovery() const noexcept;
  const std::filesystem::path& directory() const noexcept;
  const std::string& stream() const noexcept;

  /// Returns a reader that sees only durable records and can follow new appends.
  Expected<JournalReader> reader(ReadOptions options = {}) const;

  /// Stores a state snapshot as of seq, which must already be durable.
  Expected<void> saveSnapshot(std::string_view name, std::uint64_t seq,
                              std::span<const std::byte> bytes);
  /// Returns the newest intact snapshot of name, nullopt if none.
  Expected<std::optional<Snapshot>> loadLatestSnapshot(std::string_view name) const;

  /// Archives or deletes the segments that aged out of this stream's retention as of now.
  Expected<RetentionReport> runRetention(TimestampNs now);

 private:
  explicit Journal(std::unique_ptr<detail::JournalImpl> impl);
  std::unique_ptr<detail::JournalImpl> impl_;
};

}  // namespace ait::journal
