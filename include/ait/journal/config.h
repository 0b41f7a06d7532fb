#pragma once
// Settings of the [journal] section. One Journal instance is one stream (a directory under
// data_dir) with one retention class; the application opens "md" for market data and "trading"
// for trading and audit events, so that each class can be kept for its own period.

#include <cstdint>
#include <string>
#include <string_view>

#include "ait/core/error.h"

namespace ait::journal {

/// What retention does with a segment that has aged out.
enum class ArchiveMode : std::uint8_t { Zstd, Delete };

/// Which retention period applies to a stream.
enum class RetentionClass : std::uint8_t { MarketData, Trading };

std::string_view toString(ArchiveMode mode) noexcept;
std::string_view toString(RetentionClass cls) noexcept;
/// Returns the mode named "zstd" or "delete", or an error naming the bad value.
Expected<ArchiveMode> parseArchiveMode(std::string_view text);

struct JournalConfig {
  std::string dataDir = "data/journal";          // data_dir: one subdirectory per stream
  std::uint64_t segmentBytes = 64ull << 20;      // segment_bytes: roll size of a segment file
  std::uint32_t groupCommitMaxBatch = 4096;      // group_commit_max_batch: records per fdatasync
  std::uint32_t groupCommitMaxDelayUs = 0;       // group_commit_max_delay_us: wait to fill a sync
  bool fsync = true;                             // fsync: false skips fdatasync (tests, benches)
  std::uint32_t marketDataDays = 90;             // market_data_days: retention of the md stream
  std::uint32_t tradingDays = 2555;              // trading_days: trading and audit events (7 y)
  ArchiveMode archive = ArchiveMode::Zstd;       // archive: "zstd" keeps a compressed copy
  int archiveZstdLevel = 3;                      // archive_zstd_level: 1 (fast) .. 19 (small)
  std::uint64_t bufferBytes = 16ull << 20;       // buffer_bytes: append buffer (full: appends wait)
  std::uint32_t maxPayloadBytes = 1u << 20;      // max_payload_bytes: largest accepted payload
  std::uint32_t snapshotKeep = 2;                // snapshot_keep: snapshots kept per name

  /// Returns success, or one error listing every invalid field.
  Expected<void> validate() const;
  /// Returns the retention period of a class in days.
  std::uint32_t retentionDays(RetentionClass cls) const noexcept {
    return cls == RetentionClass::MarketData ? marketDataDays : tradingDays;
  }
};

}  // namespace ait::journal
