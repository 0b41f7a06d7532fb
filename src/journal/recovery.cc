#include "journal/recovery.h"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include "ait/journal/errors.h"
#include "journal/codec.h"
#include "journal/io.h"
#include "journal/scan.h"
#include "journal/sha256.h"

namespace ait::journal::detail {

namespace {

std::string_view statusText(RecordStatus status) {
  switch (status) {
    case RecordStatus::Ok: return "valid";
    case RecordStatus::End: return "end of file";
    case RecordStatus::Incomplete: return "incomplete";
    case RecordStatus::BadLength: return "impossible length";
    case RecordStatus::BadCrc: return "CRC mismatch";
  }
  return "bad";
}

std::uint64_t removeTempFiles(const std::filesystem::path& dir) {
  std::uint64_t removed = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    auto name = entry.path().filename().string();
    if (name.starts_with("segment-") && name.ends_with(".ajl.tmp")) {
      if (std::filesystem::remove(entry.path(), ec)) ++removed;
    }
  }
  return removed;
}

Expected<std::string> quarantineCopy(const std::filesystem::path& dir,
                                     const std::filesystem::path& segment) {
  auto qdir = dir / "quarantine";
  std::error_code ec;
  std::filesystem::create_directories(qdir, ec);
  if (ec) {
    return fail(errors::kIo, fmt::format("cannot create {}: {}", qdir.string(), ec.message()));
  }
  auto target = qdir / (segment.filename().string() + ".damaged");
  for (int n = 1; std::filesystem::exists(target); ++n) {
    target = qdir / fmt::format("{}.damaged.{}", segment.filename().string(), n);
  }
  std::filesystem::copy_file(segment, target, ec);
  if (ec) {
    return fail(errors::kIo, fmt::format("cannot copy {} to {}: {}", segment.string(),
                                         target.string(), ec.message()));
  }
  return target.string();
}

Expected<void> truncateFile(const std::filesystem::path& path, std::uint64_t size, bool sync) {
  auto fd = openFile(path, O_WRONLY);
  if (!fd) return std::unexpected(fd.error());
  if (::ftruncate(fd->get(), static_cast<off_t>(size)) < 0) {
    return fail(errors::kIo, errnoMessage("cannot truncate", path));
  }
  if (sync) return syncData(fd->get(), path);
  return {};
}

}  // namespace

Expected<RecoveredState> recoverStream(const std::filesystem::path& dir, const std::string& stream,
                                       bool repair, bool sync) {
  RecoveredState state;
  state.report.removedTempFiles = removeTempFiles(dir);
  auto segments = listSegments(dir);
  if (!segments) return std::unexpected(segments.error());
  state.report.segments = segments->size();
  state.lastHash = genesisHash();
  if (segments->empty()) return state;

  SegmentHeader lastHeader;
  std::uint64_t previousFirst = 0;
  for (const auto& seg : *segments) {
    auto file = SegmentFile::open(seg.path);
    if (!file) return std::unexpected(file.error());
    auto bytes = file->fetch(0, kSegmentHeaderBytes);
    if (!bytes) return std::unexpected(bytes.error());
    auto header = decodeSegmentHeader(*bytes);
    if (!header) {
      return fail(errors::kBadSegmentHeader,
                  fmt::format("segment {} offset 0: {}", seg.path.filename().string(),
                              header.error().message()));
    }
    if (header->firstSeq != seg.firstSeq) {
      return fail(errors::kBadSegmentHeader,
                  fmt::format("segment {} offset 0: header says first sequence {} but the file "
                              "name says {}",
                              seg.path.filename().string(), header->firstSeq, seg.firstSeq));
    }
    if (!header->stream.empty() && header->stream != stream.substr(0, kStreamNameBytes)) {
      return fail(errors::kBadSegmentHeader,
                  fmt::format("segment {} belongs to stream '{}', not '{}'",
                              seg.path.filename().string(), header->stream, stream));
    }
    if (previousFirst != 0 && header->firstSeq <= previousFirst) {
      return fail(errors::kBadSegmentHeader,
                  fmt::format("segment {} does not start after the previous segment",
                              seg.path.filename().string()));
    }
    previousFirst = header->firstSeq;
    lastHeader = *header;
  }

  const auto& active = segments->back();
  auto file = SegmentFile::open(active.path);
  if (!file) return std::unexpected(file.error());
  const auto name = active.path.filename().string();

  std::uint64_t offset = kSegmentHeaderBytes;
  std::uint64_t expected = lastHeader.firstSeq;
  std::uint64_t lastRecordOffset = 0;
  std::uint64_t lastRecordBytes = 0;
  std::uint64_t records = 0;
  for (;;) {
    auto rec = readRecord(*file, offset);
    if (!rec) return std::unexpected(rec.error());
    if (rec->status == RecordStatus::End) break;
    if (rec->status == RecordStatus::Ok) {
      if (rec->header.seq != expected) {
        return fail(errors::kSequenceGap,
                    fmt::format("segment {} offset {}: record has sequence {} where {} was "
                                "expected; the journal was altered (run `aitrading audit verify`)",
                                name, offset, rec->header.seq, expected));
      }
      lastRecordOffset = offset;
      lastRecordBytes = rec->bytes.size();
      offset += rec->bytes.size();
      ++expected;
      ++records;
      continue;
    }
    auto analysis = analyseBadSpot(*file, offset, expected);
    if (!analysis) return std::unexpected(analysis.error());
    if (analysis->corrupt && !repair) {
      return fail(errors::kCorrupt,
                  fmt::format("segment {} offset {} seq {}: {} but a valid record (seq {}) "
                              "follows at offset {}; the journal is damaged in the middle and "
                              "will not be opened for writing (run `aitrading audit verify`; "
                              "repair cuts the journal here)",
                              name, offset, expected, statusText(rec->status),
                              analysis->validRecordSeq, analysis->validRecordOffset));
    }
    auto size = file->size();
    if (!size) return std::unexpected(size.error());
    if (analysis->corrupt) {
      auto copy = quarantineCopy(dir, active.path);
      if (!copy) return std::unexpected(copy.error());
      state.report.repaired = true;
      state.report.quarantined = *copy;
    }
    state.report.droppedBytes = *size - offset;
    state.report.droppedRecords = analysis->corrupt ? 0 : analysis->droppedRecords;
    state.report.droppedFirstSeq = expected;
    state.report.droppedLastSeq =
        expected + (state.report.droppedRecords > 0 ? state.report.droppedRecords - 1 : 0);
    state.report.truncatedSegment = name;
    state.report.truncatedAtOffset = offset;
    file->dropBuffer();
    if (auto ok = truncateFile(active.path, offset, sync); !ok) return std::unexpected(ok.error());
    break;
  }

  state.activeSegment = active.path;
  state.activeFirstSeq = lastHeader.firstSeq;
  state.writeOffset = offset;
  state.activeRecords = records;
  state.lastSeq = expected - 1;
  if (records == 0) {
    state.lastHash = lastHeader.prevHash;
  } else {
    auto bytes = file->fetch(lastRecordOffset, lastRecordBytes);
    if (!bytes) return std::unexpected(bytes.error());
    Sha256 sha;
    state.lastHash = sha.recordHash(*bytes);
  }
  state.report.lastSeq = state.lastSeq;
  return state;
}

}  // namespace ait::journal::detail
