#include "ait/journal/retention.h"

#include <fcntl.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <memory>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "ait/journal/errors.h"
#include "ait/metrics/metrics.h"
#include "journal/io.h"
#include "journal/scan.h"

namespace ait::journal {

namespace {

constexpr std::int64_t kNsPerDay = 86'400'000'000'000;

struct CctxFree {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
struct DctxFree {
  void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
};

// Returns the newest record timestamp of a segment, nullopt if it holds no complete record.
Expected<std::optional<TimestampNs>> newestTimestamp(const std::filesystem::path& path) {
  auto file = detail::SegmentFile::open(path);
  if (!file) return std::unexpected(file.error());
  std::optional<TimestampNs> newest;
  std::uint64_t offset = kSegmentHeaderBytes;
  for (;;) {
    auto rec = detail::readRecord(*file, offset, false);
    if (!rec) return std::unexpected(rec.error());
    if (rec->status != detail::RecordStatus::Ok) break;
    newest = std::max(newest.value_or(rec->header.ts), rec->header.ts);
    offset += rec->bytes.size();
  }
  return newest;
}

Expected<void> compressFile(const std::filesystem::path& in, const std::filesystem::path& out,
                            int level, bool sync) {
  auto src = detail::SegmentFile::open(in);
  if (!src) return std::unexpected(src.error());
  auto temp = out;
  temp += ".tmp";
  auto dst = detail::openFile(temp, O_WRONLY | O_CREAT | O_TRUNC);
  if (!dst) return std::unexpected(dst.error());
  std::unique_ptr<ZSTD_CCtx, CctxFree> cctx(ZSTD_createCCtx());
  ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_compressionLevel, level);
  ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_checksumFlag, 1);
  std::vector<std::byte> outBuf(ZSTD_CStreamOutSize());
  std::uint64_t readOffset = 0;
  std::uint64_t writeOffset = 0;
  const std::size_t chunk = ZSTD_CStreamInSize() * 8;
  for (;;) {
    auto bytes = src->fetch(readOffset, chunk);
    if (!bytes) return std::unexpected(bytes.error());
    const bool last = bytes->size() < chunk;
    ZSTD_inBuffer input{bytes->data(), bytes->size(), 0};
    readOffset += bytes->size();
    bool finished = false;
    while (!finished) {
      ZSTD_outBuffer output{outBuf.data(), outBuf.size(), 0};
      std::size_t left =
          ZSTD_compressStream2(cctx.get(), &output, &input, last ? ZSTD_e_end : ZSTD_e_continue);
      if (ZSTD_isError(left)) {
        return fail(errors::kArchiveFailed, fmt::format("zstd failed on {}: {}", in.string(),
                                                        ZSTD_getErrorName(left)));
      }
      if (output.pos > 0) {
        auto ok = detail::pwriteAll(dst->get(), std::span(outBuf.data(), output.pos),
                                    writeOffset, temp);
        if (!ok) return ok;
        writeOffset += output.pos;
      }
      finished = last ? left == 0 : input.pos == input.size;
    }
    if (last) break;
  }
  if (sync) {
    if (auto ok = detail::syncData(dst->get(), temp); !ok) return ok;
  }
  if (::rename(temp.c_str(), out.c_str()) < 0) {
    return fail(errors::kArchiveFailed, detail::errnoMessage("cannot rename archive to", out));
  }
  if (sync) return detail::syncDirectory(out.parent_path());
  return {};
}

}  // namespace

Expected<RetentionReport> runRetention(const std::filesystem::path& dir,
                                       const JournalConfig& config, RetentionClass cls,
                                       TimestampNs now) {
  auto segments = detail::listSegments(dir);
  if (!segments) return std::unexpected(segments.error());
  RetentionReport report;
  const TimestampNs cutoff = now - static_cast<std::int64_t>(config.retentionDays(cls)) * kNsPerDay;
  metrics::Labels labels{{"stream", dir.filename().string()}};
  std::size_t removed = 0;
  // The last segment is the active one; the oldest go first and removal stops at the first
  // segment to keep, so no hole can open in the chain.
  for (std::size_t i = 0; i + 1 < segments->size(); ++i) {
    const auto& seg = (*segments)[i];
    auto newest = newestTimestamp(seg.path);
    if (!newest) return std::unexpected(newest.error());
    if (*newest && **newest >= cutoff) break;
    std::error_code ec;
    auto size = std::filesystem::file_size(seg.path, ec);
    const auto name = seg.path.filename().string();
    if (config.archive == ArchiveMode::Zstd) {
      auto archiveDir = dir / "archive";
      std::filesystem::create_directories(archiveDir, ec);
      if (ec) {
        return fail(errors::kArchiveFailed, fmt::format("cannot create {}: {}",
                                                        archiveDir.string(), ec.message()));
      }
      auto ok = compressFile(seg.path, archiveDir / (name + ".zst"), config.archiveZstdLevel,
                             config.fsync);
      if (!ok) return std::unexpected(ok.error());
    }
    if (!std::filesystem::remove(seg.path, ec) || ec) {
      return fail(errors::kArchiveFailed,
                  fmt::format("cannot delete aged segment {}: {}", seg.path.string(),
                              ec ? ec.message() : "already gone"));
    }
    if (config.fsync) {
      if (auto ok = detail::syncDirectory(dir); !ok) return std::unexpected(ok.error());
    }
    if (config.archive == ArchiveMode::Zstd) {
      ++report.segmentsArchived;
    } else {
      ++report.segmentsDeleted;
    }
    metrics::Registry::global()
        .counter("ait_journal_retention_segments_total",
                 "Segments removed by retention, by action (archived or deleted).",
                 {{"stream", labels[0].second},
                  {"action", config.archive == ArchiveMode::Zstd ? "archived" : "deleted"}})
        .inc();
    report.bytesRemoved += size;
    report.files.push_back(name);
    ++removed;
    spdlog::default_logger()->info("journal retention: {} {} (newest record older than {} days)",
                                   config.archive == ArchiveMode::Zstd ? "archived" : "deleted",
                                   seg.path.string(), config.retentionDays(cls));
  }
  if (removed < segments->size()) report.firstRemainingSeq = (*segments)[removed].firstSeq;
  return report;
}

Expected<void> restoreArchivedSegment(const std::filesystem::path& archive,
                                      const std::filesystem::path& out) {
  auto src = detail::SegmentFile::open(archive);
  if (!src) return std::unexpected(src.error());
  auto dst = detail::openFile(out, O_WRONLY | O_CREAT | O_TRUNC);
  if (!dst) return std::unexpected(dst.error());
  std::unique_ptr<ZSTD_DCtx, DctxFree> dctx(ZSTD_createDCtx());
  std::vector<std::byte> outBuf(ZSTD_DStreamOutSize());
  std::uint64_t readOffset = 0;
  std::uint64_t writeOffset = 0;
  std::size_t lastResult = 0;
  const std::size_t chunk = ZSTD_DStreamInSize();
  for (;;) {
    auto bytes = src->fetch(readOffset, chunk);
    if (!bytes) return std::unexpected(bytes.error());
    if (bytes->empty()) break;
    readOffset += bytes->size();
    ZSTD_inBuffer input{bytes->data(), bytes->size(), 0};
    while (input.pos < input.size) {
      ZSTD_outBuffer output{outBuf.data(), outBuf.size(), 0};
      lastResult = ZSTD_decompressStream(dctx.get(), &output, &input);
      if (ZSTD_isError(lastResult)) {
        return fail(errors::kArchiveFailed, fmt::format("archive {} is damaged: {}",
                                                        archive.string(),
                                                        ZSTD_getErrorName(lastResult)));
      }
      if (output.pos > 0) {
        auto ok = detail::pwriteAll(dst->get(), std::span(outBuf.data(), output.pos),
                                    writeOffset, out);
        if (!ok) return ok;
        writeOffset += output.pos;
      }
    }
  }
  if (lastResult != 0) {
    return fail(errors::kArchiveFailed,
                fmt::format("archive {} ends before its zstd frame does", archive.string()));
  }
  return {};
}

}  // namespace ait::journal
