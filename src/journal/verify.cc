#include "ait/journal/verify.h"

#include <algorithm>

#include <fmt/format.h>

#include "ait/journal/errors.h"
#include "journal/codec.h"
#include "journal/io.h"
#include "journal/scan.h"
#include "journal/sha256.h"

namespace ait::journal {

std::string_view toString(ProblemKind kind) noexcept {
  switch (kind) {
    case ProblemKind::BadSegmentHeader: return "bad-segment-header";
    case ProblemKind::Corrupt: return "corrupt-record";
    case ProblemKind::SequenceGap: return "sequence-gap";
    case ProblemKind::ChainBroken: return "chain-broken";
    case ProblemKind::HeadMismatch: return "head-mismatch";
    case ProblemKind::TornTail: return "torn-tail";
  }
  return "unknown";
}

std::string VerifyReport::describe() const {
  std::string out;
  out += fmt::format("journal {} (stream '{}'): {}\n", directory.string(), stream,
                     intact ? "INTACT" : "DAMAGED");
  if (problem) {
    out += fmt::format(
        "  stopped at the first problem after reading {} record(s) in {} segment(s)\n", records,
        segments);
  } else if (records == 0) {
    out += fmt::format("  {} segment(s), no records\n", segments);
  } else {
    out += fmt::format("  {} segment(s), {} record(s), {} bytes, sequences {}..{}\n", segments,
                       records, bytes, firstSeq, lastSeq);
  }
  if (anchored) {
    out += fmt::format(
        "  chain anchored at seq {} hash {} (from the first segment header; older segments were "
        "removed by retention)\n",
        anchorSeq, toHex(anchorHash));
  } else if (segments > 0) {
    out += "  chain starts from the genesis hash\n";
  }
  if (records > 0 && !problem) {
    out += fmt::format("  head: seq {} hash {}\n", lastSeq, toHex(headHash));
  }
  if (tornTail) {
    out += fmt::format(
        "  torn tail: {} bytes at offset {} of {} (seq {} unfinished; opening the journal "
        "truncates it)\n",
        tornTail->bytes, tornTail->offset, tornTail->segment, tornTail->seq);
  }
  if (problem) {
    out += fmt::format("  FIRST BAD RECORD: {} in {} at offset {}, seq {}: {}\n",
                       toString(problem->kind), problem->segment, problem->offset, problem->seq,
                       problem->message);
  }
  return out;
}

namespace {

struct Location {
  std::string segment;
  std::uint64_t offset = 0;
  std::uint64_t seq = 0;
};

class Verifier {
 public:
  Verifier(const std::filesystem::path& dir, const VerifyOptions& options)
      : dir_(dir), options_(options) {
    report_.directory = dir;
  }

  Expected<VerifyReport> run() {
    auto segments = detail::listSegments(dir_);
    if (!segments) return std::unexpected(segments.error());
    progress_.segmentsTotal = segments->size();
    for (const auto& seg : *segments) {
      std::error_code ec;
      progress_.bytesTotal += std::filesystem::file_size(seg.path, ec);
    }
    for (std::size_t i = 0; i < segments->size() && !report_.problem; ++i) {
      auto ok = verifySegment((*segments)[i], i == 0, i + 1 == segments->size());
      if (!ok) return std::unexpected(ok.error());
      ++progress_.segmentsDone;
      ++report_.segments;
      if (options_.onProgress) options_.onProgress(progress_);
    }
    report_.bytes = progress_.bytesDone;
    if (report_.records > 0) {
      report_.lastSeq = expected_ - 1;
      report_.headHash = prevHash_;
    }
    if (!report_.problem && options_.expectHead) checkHead();
    report_.intact = !report_.problem;
    return report_;
  }

 private:
  void problem(ProblemKind kind, const std::string& segment, std::uint64_t offset,
               std::uint64_t seq, std::string message) {
    report_.problem = VerifyProblem{kind, segment, offset, seq, std::move(message)};
  }

  void checkHead() {
    const auto& head = *options_.expectHead;
    if (report_.records == 0 || head.seq > report_.lastSeq) {
      problem(ProblemKind::HeadMismatch, "", 0, head.seq,
              fmt::format("the journal ends at seq {} but the expected head is seq {}: records "
                          "were truncated",
                          report_.lastSeq, head.seq));
    } else if (!anchorFound_) {
      problem(ProblemKind::HeadMismatch, "", 0, head.seq,
              fmt::format("seq {} is no longer in the journal (first seq {}); cannot check it",
                          head.seq, report_.firstSeq));
    } else if (anchorHashSeen_ != head.hash) {
      problem(ProblemKind::HeadMismatch, anchorLocation_.segment, anchorLocation_.offset,
              head.seq,
              fmt::format("record hash {} differs from the expected {}: the journal was "
                          "rewritten",
                          toHex(anchorHashSeen_), toHex(head.hash)));
    }
  }

  Expected<void> verifySegment(const detail::SegmentEntry& seg, bool first, bool last) {
    const auto name = seg.path.filename().string();
    auto file = detail::SegmentFile::open(seg.path);
    if (!file) return std::unexpected(file.error());
    auto bytes = file->fetch(0, kSegmentHeaderBytes);
    if (!bytes) return std::unexpected(bytes.error());
    auto header = detail::decodeSegmentHeader(*bytes);
    if (!header) {
      problem(ProblemKind::BadSegmentHeader, name, 0, seg.firstSeq, header.error().message());
      return {};
    }
    if (header->firstSeq != seg.firstSeq) {
      problem(ProblemKind::BadSegmentHeader, name, 0, seg.firstSeq,
              fmt::format("header says first sequence {} but the file name says {}",
                          header->firstSeq, seg.firstSeq));
      return {};
    }
    if (first) {
      report_.stream = header->stream;
      report_.firstSeq = header->firstSeq;
      if (header->prevSeq == 0) {
        if (header->prevHash != genesisHash()) {
          problem(ProblemKind::ChainBroken, name, 0, header->firstSeq,
                  "the first segment does not chain from the genesis hash");
          return {};
        }
      } else {
        report_.anchored = true;
        report_.anchorSeq = header->prevSeq;
        report_.anchorHash = header->prevHash;
      }
      prevHash_ = header->prevHash;
      expected_ = header->firstSeq;
    } else {
      if (header->stream != report_.stream) {
        problem(ProblemKind::BadSegmentHeader, name, 0, header->firstSeq,
                fmt::format("segment belongs to stream '{}', the journal to '{}'", header->stream,
                            report_.stream));
        return {};
      }
      if (header->prevSeq != expected_ - 1) {
        problem(ProblemKind::SequenceGap, name, 0, header->firstSeq,
                header->firstSeq > expected_
                    ? fmt::format("segment starts at seq {} but the previous segment ends at seq "
                                  "{}: records {}..{} are missing",
                                  header->firstSeq, expected_ - 1, expected_,
                                  header->firstSeq - 1)
                    : fmt::format("segment starts at seq {} but the previous segment already "
                                  "reaches seq {}",
                                  header->firstSeq, expected_ - 1));
        return {};
      }
      if (header->prevHash != prevHash_) {
        chainBroken(Location{name, 0, header->firstSeq}, "header of segment " + name);
        return {};
      }
    }
    progress_.bytesDone += kSegmentHeaderBytes;

    std::uint64_t offset = kSegmentHeaderBytes;
    std::uint64_t sinceProgress = 0;
    for (;;) {
      auto rec = detail::readRecord(*file, offset);
      if (!rec) return std::unexpected(rec.error());
      if (rec->status == detail::RecordStatus::End) break;
      if (rec->status != detail::RecordStatus::Ok) {
        if (last) {
          auto analysis = detail::analyseBadSpot(*file, offset, expected_);
          if (!analysis) return std::unexpected(analysis.error());
          if (!analysis->corrupt) {
            report_.tornTail = TornTail{name, offset, analysis->droppedBytes, expected_};
            progress_.bytesDone += analysis->droppedBytes;
            if (options_.failOnTornTail) {
              problem(ProblemKind::TornTail, name, offset, expected_,
                      fmt::format("the last {} bytes are an unfinished record",
                                  analysis->droppedBytes));
            }
            return {};
          }
        }
        problem(ProblemKind::Corrupt, name, offset, expected_,
                rec->status == detail::RecordStatus::BadCrc
                    ? fmt::format("CRC mismatch (stored {:08x}, computed {:08x})",
                                  rec->header.crc, detail::recordCrc(rec->bytes))
                    : std::string("length field is impossible or the record is cut short, and "
                                  "more data follows"));
        return {};
      }
      const auto& h = rec->header;
      if (h.seq != expected_) {
        problem(ProblemKind::SequenceGap, name, offset, h.seq,
                h.seq > expected_
                    ? fmt::format("record has seq {} where {} was expected: records {}..{} are "
                                  "missing",
                                  h.seq, expected_, expected_, h.seq - 1)
                    : fmt::format("record has seq {} where {} was expected (duplicate or "
                                  "reordered)",
                                  h.seq, expected_));
        return {};
      }
      if (h.prevHash != prevHash_) {
        if (previous_.segment.empty()) {
          problem(ProblemKind::ChainBroken, name, offset, h.seq,
                  fmt::format("the record's previous-hash {} differs from the chain start {} in "
                              "the segment header",
                              toHex(h.prevHash), toHex(prevHash_)));
        } else {
          chainBroken(Location{name, offset, h.seq}, fmt::format("record seq {}", h.seq));
        }
        return {};
      }
      prevHash_ = sha_.recordHash(rec->bytes);
      if (options_.expectHead && options_.expectHead->seq == h.seq) {
        anchorFound_ = true;
        anchorHashSeen_ = prevHash_;
        anchorLocation_ = Location{name, offset, h.seq};
      }
      previous_ = Location{name, offset, h.seq};
      ++expected_;
      ++report_.records;
      ++progress_.records;
      progress_.bytesDone += rec->bytes.size();
      sinceProgress += rec->bytes.size();
      offset += rec->bytes.size();
      if (options_.onProgress && sinceProgress >= options_.progressEveryBytes) {
        sinceProgress = 0;
        options_.onProgress(progress_);
      }
    }
    return {};
  }

  // The previous record's content no longer hashes to what its successor recorded: it (or the
  // successor's link) was altered. The previous record is named as the bad one.
  void chainBroken(const Location& successor, const std::string& successorName) {
    if (previous_.segment.empty()) {
      problem(ProblemKind::ChainBroken, successor.segment, successor.offset, successor.seq,
              fmt::format("{} does not chain from the start of the journal", successorName));
      return;
    }
    problem(ProblemKind::ChainBroken, previous_.segment, previous_.offset, previous_.seq,
            fmt::format("record seq {} does not hash to the previous-hash stored in {} ({} offset "
                        "{}): record {} was altered after it was written (or that link was)",
                        previous_.seq, successorName, successor.segment, successor.offset,
                        previous_.seq));
  }

  std::filesystem::path dir_;
  const VerifyOptions& options_;
  VerifyReport report_;
  VerifyProgress progress_;
  detail::Sha256 sha_;
  Hash prevHash_{};
  std::uint64_t expected_ = 1;
  Location previous_;
  bool anchorFound_ = false;
  Hash anchorHashSeen_{};
  Location anchorLocation_;
};

}  // namespace

Expected<VerifyReport> verifyJournal(const std::filesystem::path& dir,
                                     const VerifyOptions& options) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return fail(errors::kNotFound,
                fmt::format("journal directory {} does not exist", dir.string()));
  }
  Verifier verifier(dir, options);
  return verifier.run();
}

Expected<std::vector<std::filesystem::path>> listStreams(const std::filesystem::path& dataDir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dataDir, ec)) {
    return fail(errors::kNotFound,
                fmt::format("journal data directory {} does not exist", dataDir.string()));
  }
  std::vector<std::filesystem::path> out;
  auto holdsSegments = [](const std::filesystem::path& dir) {
    auto segments = detail::listSegments(dir);
    return segments && !segments->empty();
  };
  if (holdsSegments(dataDir)) out.push_back(dataDir);
  for (const auto& entry : std::filesystem::directory_iterator(dataDir, ec)) {
    if (entry.is_directory(ec) && holdsSegments(entry.path())) out.push_back(entry.path());
  }
  std::sort(out.begin() + (out.empty() || out[0] != dataDir ? 0 : 1), out.end());
  return out;
}

}  // namespace ait::journal
