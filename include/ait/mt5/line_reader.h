#pragma once
// Splits a byte stream into newline-terminated lines of bounded length. The buffer keeps
// kLinePadding readable bytes after every line it returns, so a line can go straight to
// simdjson without a copy.

#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

namespace ait::mt5 {

/// Readable bytes kept after each line (simdjson's SIMDJSON_PADDING).
inline constexpr std::size_t kLinePadding = 64;

class LineReader {
 public:
  enum class Status { Line, NeedMore, TooLong };

  /// Lines longer than maxLine bytes (newline excluded) are dropped whole and reported TooLong.
  explicit LineReader(std::size_t maxLine);

  /// Returns where the next read may write (at least 4 KiB, at most what the buffer has room
  /// for); then call commit() with the count written.
  std::span<char> prepare();
  void commit(std::size_t bytes) noexcept;

  /// Returns the next complete line (without "\n" or "\r\n") in `line`, valid until the next
  /// prepare(); NeedMore when no complete line is buffered; TooLong once for each line that
  /// exceeded the limit (its bytes are skipped up to its newline).
  Status next(std::string_view& line);

  /// Drops everything buffered (a new connection).
  void reset() noexcept;
  std::size_t buffered() const noexcept { return end_ - begin_; }

 private:
  std::size_t maxLine_;
  std::vector<char> buffer_;
  std::size_t begin_ = 0;    // first unread byte
  std::size_t end_ = 0;      // one past the last byte read
  std::size_t scanned_ = 0;  // bytes from begin_ already known to hold no newline
  bool discarding_ = false;  // inside a line that was too long
};

}  // namespace ait::mt5
