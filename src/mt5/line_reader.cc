#include "ait/mt5/line_reader.h"

#include <cstring>

namespace ait::mt5 {

namespace {
constexpr std::size_t kMinRead = 4096;
}

LineReader::LineReader(std::size_t maxLine)
    : maxLine_(maxLine), buffer_(2 * (maxLine + 1) + kMinRead + kLinePadding) {}

void LineReader::reset() noexcept {
  begin_ = end_ = scanned_ = 0;
  discarding_ = false;
}

std::span<char> LineReader::prepare() {
  // Move the unread tail to the front when the free space runs short; a pending line is at most
  // maxLine_ bytes (longer ones are being discarded), so the room is always there.
  std::size_t usable = buffer_.size() - kLinePadding;
  if (usable - end_ < kMinRead || begin_ > usable / 2) {
    std::size_t pending = end_ - begin_;
    if (pending > 0 && begin_ > 0) std::memmove(buffer_.data(), buffer_.data() + begin_, pending);
    begin_ = 0;
    end_ = pending;
  }
  return {buffer_.data() + end_, usable - end_};
}

void LineReader::commit(std::size_t bytes) noexcept { end_ += bytes; }

LineReader::Status LineReader::next(std::string_view& line) {
  while (true) {
    const char* start = buffer_.data() + begin_;
    std::size_t available = end_ - begin_;
    const void* found =
        scanned_ < available ? std::memchr(start + scanned_, '\n', available - scanned_) : nullptr;
    if (found == nullptr) {
      scanned_ = available;
      if (available > maxLine_) {
        // Too long: drop what is buffered and the rest of the line as it arrives.
        bool first = !discarding_;
        discarding_ = true;
        begin_ = end_ = scanned_ = 0;
        if (first) return Status::TooLong;
      }
      return Status::NeedMore;
    }
    std::size_t length = static_cast<const char*>(found) - start;
    begin_ += length + 1;
    scanned_ = 0;
    if (discarding_) {
      discarding_ = false;  // the newline ending the overlong line
      continue;
    }
    if (length > maxLine_) return Status::TooLong;
    if (length > 0 && start[length - 1] == '\r') --length;
    line = std::string_view(start, length);
    return Status::Line;
  }
}

}  // namespace ait::mt5
