#include "ait/journal/config.h"

#include <vector>

#include <fmt/format.h>

#include "ait/journal/errors.h"
#include "journal/scan.h"

namespace ait::journal {

std::string_view toString(ArchiveMode mode) noexcept {
  return mode == ArchiveMode::Zstd ? "zstd" : "delete";
}

std::string_view toString(RetentionClass cls) noexcept {
  return cls == RetentionClass::MarketData ? "market_data" : "trading";
}

Expected<ArchiveMode> parseArchiveMode(std::string_view text) {
  if (text == "zstd") return ArchiveMode::Zstd;
  if (text == "delete") return ArchiveMode::Delete;
  return fail(errors::kConfigInvalid,
              fmt::format("journal.archive = \"{}\": expected \"zstd\" or \"delete\"", text));
}

Expected<void> JournalConfig::validate() const {
  std::vector<std::string> problems;
  if (dataDir.empty()) problems.emplace_back("journal.data_dir is empty");
  if (segmentBytes < 4096 || segmentBytes > (1ull << 40)) {
    problems.push_back(fmt::format("journal.segment_bytes = {}: must be 4096 .. 1 TiB",
                                   segmentBytes));
  }
  if (groupCommitMaxBatch == 0 || groupCommitMaxBatch > (1u << 20)) {
    problems.push_back(fmt::format("journal.group_commit_max_batch = {}: must be 1 .. 1048576",
                                   groupCommitMaxBatch));
  }
  if (groupCommitMaxDelayUs > 1'000'000) {
    problems.push_back(fmt::format(
        "journal.group_commit_max_delay_us = {}: must be at most 1000000 (1 s)",
        groupCommitMaxDelayUs));
  }
  if (marketDataDays == 0) problems.emplace_back("journal.market_data_days must be at least 1");
  if (tradingDays == 0) problems.emplace_back("journal.trading_days must be at least 1");
  if (archiveZstdLevel < 1 || archiveZstdLevel > 19) {
    problems.push_back(
        fmt::format("journal.archive_zstd_level = {}: must be 1 .. 19", archiveZstdLevel));
  }
  if (maxPayloadBytes == 0 || maxPayloadBytes > detail::kMaxPayloadLimit) {
    problems.push_back(fmt::format("journal.max_payload_bytes = {}: must be 1 .. {}",
                                   maxPayloadBytes, detail::kMaxPayloadLimit));
  }
  if (bufferBytes < 2 * (static_cast<std::uint64_t>(maxPayloadBytes) + kRecordHeaderBytes) ||
      bufferBytes > (16ull << 30)) {
    problems.push_back(fmt::format(
        "journal.buffer_bytes = {}: must hold two of the largest records (2 x (max_payload_bytes "
        "+ {})) and be at most 16 GiB",
        bufferBytes, kRecordHeaderBytes));
  }
  if (snapshotKeep == 0) problems.emplace_back("journal.snapshot_keep must be at least 1");
  if (problems.empty()) return {};
  std::string message = fmt::format("{} invalid journal setting(s): ", problems.size());
  for (std::size_t i = 0; i < problems.size(); ++i) {
    if (i > 0) message += "; ";
    message += problems[i];
  }
  return fail(errors::kConfigInvalid, message);
}

}  // namespace ait::journal
