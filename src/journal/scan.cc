#include "journal/scan.h"

#include "journal/codec.h"

namespace ait::journal::detail {

Expected<ScannedRecord> readRecord(SegmentFile& file, std::uint64_t offset, bool checkCrc) {
  ScannedRecord rec;
  rec.offset = offset;
  auto head = file.fetch(offset, kRecordHeaderBytes);
  if (!head) return std::unexpected(head.error());
  if (head->empty()) {
    rec.status = RecordStatus::End;
    return rec;
  }
  if (head->size() < kRecordHeaderBytes) {
    rec.status = RecordStatus::Incomplete;
    return rec;
  }
  rec.header = decodeRecordHeader(head->data());
  if (rec.header.length > kMaxPayloadLimit || rec.header.length == kWrapMarker) {
    rec.status = RecordStatus::BadLength;
    return rec;
  }
  std::size_t total = kRecordHeaderBytes + rec.header.length;
  auto whole = file.fetch(offset, total);
  if (!whole) return std::unexpected(whole.error());
  if (whole->size() < total) {
    rec.status = RecordStatus::Incomplete;
    return rec;
  }
  rec.bytes = *whole;
  if (checkCrc && recordCrc(rec.bytes) != rec.header.crc) {
    rec.status = RecordStatus::BadCrc;
    return rec;
  }
  rec.status = RecordStatus::Ok;
  return rec;
}

Expected<TailAnalysis> analyseBadSpot(SegmentFile& file, std::uint64_t offset,
                                      std::uint64_t expectedSeq) {
  TailAnalysis out;
  auto size = file.size();
  if (!size) return std::unexpected(size.error());
  std::uint64_t end = *size;
  std::uint64_t maxSeq = expectedSeq + (end - offset) / kRecordHeaderBytes + 1;

  for (std::uint64_t pos = offset + 1; pos + kRecordHeaderBytes <= end; ++pos) {
    auto head = file.fetch(pos, kRecordHeaderBytes);
    if (!head) return std::unexpected(head.error());
    if (head->size() < kRecordHeaderBytes) break;
    auto length = loadLe<std::uint32_t>(head->data() + off::kLength);
    auto seq = loadLe<std::uint64_t>(head->data() + off::kSeq);
    // Cheap filters first: most offsets fail them, so the CRC is rarely computed.
    if (seq < expectedSeq || seq > maxSeq) continue;
    if (length > kMaxPayloadLimit || pos + kRecordHeaderBytes + length > end) continue;
    auto crc = loadLe<std::uint32_t>(head->data() + off::kCrc);
    auto whole = file.fetch(pos, kRecordHeaderBytes + length);
    if (!whole) return std::unexpected(whole.error());
    if (whole->size() == kRecordHeaderBytes + length && recordCrc(*whole) == crc) {
      out.corrupt = true;
      out.validRecordOffset = pos;
      out.validRecordSeq = seq;
      return out;
    }
  }

  out.droppedBytes = end - offset;
  // Count the records in the torn region as far as their headers still make sense; whatever is
  // left of a single unfinished write counts as one record.
  std::uint64_t pos = offset;
  while (pos < end) {
    auto head = file.fetch(pos, kRecordHeaderBytes);
    if (!head) return std::unexpected(head.error());
    if (head->size() < kRecordHeaderBytes) {
      ++out.droppedRecords;
      break;
    }
    auto length = loadLe<std::uint32_t>(head->data() + off::kLength);
    auto seq = loadLe<std::uint64_t>(head->data() + off::kSeq);
    if (seq != expectedSeq + out.droppedRecords || length > kMaxPayloadLimit) break;
    ++out.droppedRecords;
    pos += kRecordHeaderBytes + length;
  }
  if (out.droppedRecords == 0 && end > offset) out.droppedRecords = 1;
  return out;
}

}  // namespace ait::journal::detail
