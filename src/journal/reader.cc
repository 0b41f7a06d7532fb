#include "ait/journal/reader.h"

#include <algorithm>
#include <limits>
#include <thread>

#include <fmt/format.h>

#include "ait/journal/errors.h"
#include "journal/codec.h"
#include "journal/io.h"
#include "journal/live_state.h"
#include "journal/scan.h"

namespace ait::journal {

namespace {
constexpr auto kOfflinePoll = std::chrono::milliseconds(2);
}

struct JournalReader::Impl {
  std::filesystem::path dir;
  ReadOptions options;
  std::shared_ptr<detail::LiveState> live;  // null for an offline reader
  std::vector<std::uint64_t> typeBits;      // empty: every type passes
  std::optional<detail::SegmentFile> file;
  std::uint64_t segmentFirstSeq = 0;
  std::uint64_t offset = 0;
  std::uint64_t nextSeq = 0;
  std::optional<TimestampNs> timeGate;      // skip records older than this until one passes

  bool matches(const RecordHeader& h) const noexcept {
    if (!typeBits.empty() && ((typeBits[h.type >> 6] >> (h.type & 63)) & 1u) == 0) return false;
    if (options.tenant && *options.tenant != h.tenant) return false;
    return true;
  }

  std::uint64_t bound() const noexcept {
    return live ? live->durable.load(std::memory_order_acquire)
                : std::numeric_limits<std::uint64_t>::max();
  }

  Expected<void> openSegment(std::uint64_t firstSeq, const std::filesystem::path& path) {
    auto f = detail::SegmentFile::open(path);
    if (!f) return std::unexpected(f.error());
    auto bytes = f->fetch(0, kSegmentHeaderBytes);
    if (!bytes) return std::unexpected(bytes.error());
    auto header = detail::decodeSegmentHeader(*bytes);
    if (!header) {
      return fail(errors::kBadSegmentHeader, fmt::format("segment {} offset 0: {}",
                                                         path.filename().string(),
                                                         header.error().message()));
    }
    if (header->firstSeq != firstSeq) {
      return fail(errors::kBadSegmentHeader,
                  fmt::format("segment {} offset 0: header says first sequence {}",
                              path.filename().string(), header->firstSeq));
    }
    file = std::move(*f);
    segmentFirstSeq = firstSeq;
    offset = kSegmentHeaderBytes;
    nextSeq = firstSeq;
    return {};
  }

  // Finds the segment to start from; false when the journal has no segment yet.
  Expected<bool> position() {
    auto segments = detail::listSegments(dir);
    if (!segments) return std::unexpected(segments.error());
    if (segments->empty()) return false;
    std::size_t pick = 0;
    if (options.fromTime) {
      timeGate = options.fromTime;
      for (std::size_t i = 0; i < segments->size(); ++i) {
        auto f = detail::SegmentFile::open((*segments)[i].path);
        if (!f) return std::unexpected(f.error());
        auto rec = detail::readRecord(*f, kSegmentHeaderBytes);
        if (!rec) return std::unexpected(rec.error());
        if (rec->status != detail::RecordStatus::Ok || rec->header.ts >= *options.fromTime) break;
        pick = i;
      }
    } else {
      for (std::size_t i = 0; i < segments->size(); ++i) {
        if ((*segments)[i].firstSeq <= options.fromSeq) pick = i;
      }
    }
    if (auto ok = openSegment((*segments)[pick].firstSeq, (*segments)[pick].path); !ok) {
      return std::unexpected(ok.error());
    }
    return true;
  }

  Expected<bool> isLastSegment() const {
    auto segments = detail::listSegments(dir);
    if (!segments) return std::unexpected(segments.error());
    return segments->empty() || segments->back().firstSeq <= segmentFirstSeq;
  }

  Expected<std::optional<RecordView>> next() {
    if (!file) {
      auto positioned = position();
      if (!positioned) return std::unexpected(positioned.error());
      if (!*positioned) return std::optional<RecordView>();
    }
    for (;;) {
      if (nextSeq > bound()) return std::optional<RecordView>();
      auto rec = detail::readRecord(*file, offset);
      if (!rec) return std::unexpected(rec.error());
      const auto name = file->path().filename().string();
      if (rec->status == detail::RecordStatus::End) {
        if (nextSeq == segmentFirstSeq) return std::optional<RecordView>();  // empty segment
        auto nextPath = dir / segmentFileName(nextSeq);
        std::error_code ec;
        if (!std::filesystem::exists(nextPath, ec)) return std::optional<RecordView>();
        if (auto ok = openSegment(nextSeq, nextPath); !ok) return std::unexpected(ok.error());
        continue;
      }
      if (rec->status != detail::RecordStatus::Ok) {
        bool mustBeValid = live != nullptr;  // below the durable bound
        if (!mustBeValid) {
          auto last = isLastSegment();
          if (!last) return std::unexpected(last.error());
          if (*last) {
            auto analysis = detail::analyseBadSpot(*file, offset, nextSeq);
            if (!analysis) return std::unexpected(analysis.error());
            if (!analysis->corrupt) return std::optional<RecordView>();  // unfinished write
          }
        }
        return fail(errors::kCorrupt,
                    fmt::format("segment {} offset {} seq {}: record is damaged (length or CRC)",
                                name, offset, nextSeq));
      }
      if (rec->header.seq != nextSeq) {
        return fail(errors::kSequenceGap,
                    fmt::format("segment {} offset {}: record has sequence {} where {} was "
                                "expected",
                                name, offset, rec->header.seq, nextSeq));
      }
      const std::uint64_t at = offset;
      offset += rec->bytes.size();
      ++nextSeq;
      if (rec->header.seq < options.fromSeq && !options.fromTime) continue;
      if (timeGate) {
        if (rec->header.ts < *timeGate) continue;
        timeGate.reset();
      }
      if (!matches(rec->header)) continue;
      RecordView view;
      view.seq = rec->header.seq;
      view.ts = rec->header.ts;
      view.type = rec->header.type;
      view.tenant = rec->header.tenant;
      view.payload = rec->bytes.subspan(kRecordHeaderBytes);
      view.prevHash = rec->header.prevHash;
      view.segmentFirstSeq = segmentFirstSeq;
      view.offset = at;
      return std::optional<RecordView>(view);
    }
  }
};

JournalReader::JournalReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
JournalReader::JournalReader(JournalReader&& other) noexcept = default;
JournalReader& JournalReader::operator=(JournalReader&& other) noexcept = default;
JournalReader::~JournalReader() = default;

Expected<JournalReader> JournalReader::open(const std::filesystem::path& dir,
                                            ReadOptions options) {
  return openLive(dir, std::move(options), nullptr);
}

Expected<JournalReader> JournalReader::openLive(const std::filesystem::path& dir,
                                                ReadOptions options,
                                                std::shared_ptr<detail::LiveState> live) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return fail(errors::kNotFound,
                fmt::format("journal directory {} does not exist", dir.string()));
  }
  auto impl = std::make_unique<Impl>();
  impl->dir = dir;
  impl->live = std::move(live);
  if (!options.types.empty()) {
    impl->typeBits.assign(1024, 0);
    for (auto t : options.types) impl->typeBits[t >> 6] |= std::uint64_t{1} << (t & 63);
  }
  impl->options = std::move(options);
  impl->nextSeq = impl->options.fromSeq;
  return JournalReader(std::move(impl));
}

Expected<std::optional<RecordView>> JournalReader::next() { return impl_->next(); }

Expected<std::optional<RecordView>> JournalReader::next(std::chrono::nanoseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto rec = impl_->next();
    if (!rec || *rec) return rec;
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return rec;
    auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline - now);
    if (impl_->live) {
      if (impl_->live->closed.load() || impl_->live->failed.load()) return rec;
      impl_->live->waitFor(impl_->nextSeq, left);
    } else {
      std::this_thread::sleep_for(std::min<std::chrono::nanoseconds>(left, kOfflinePoll));
    }
  }
}

std::uint64_t JournalReader::position() const noexcept { return impl_->nextSeq; }

}  // namespace ait::journal
