#pragma once
// File helpers for the journal: an owned descriptor, whole-buffer positional writes, directory
// syncs, segment listing, and a buffered positional reader for scanning segments.

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "ait/core/error.h"

namespace ait::journal::detail {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }
  int get() const noexcept { return fd_; }
  explicit operator bool() const noexcept { return fd_ >= 0; }
  void reset() noexcept;

 private:
  int fd_ = -1;
};

/// Returns "<what> <path>: <strerror(errno)>" for error messages.
std::string errnoMessage(std::string_view what, const std::filesystem::path& path);

Expected<UniqueFd> openFile(const std::filesystem::path& path, int flags, int mode = 0644);
/// Writes every byte of the iovecs at offset, retrying short writes and EINTR.
Expected<void> pwritevAll(int fd, std::span<iovec> iov, std::uint64_t offset,
                          const std::filesystem::path& path);
Expected<void> pwriteAll(int fd, std::span<const std::byte> data, std::uint64_t offset,
                         const std::filesystem::path& path);
Expected<void> syncData(int fd, const std::filesystem::path& path);
/// Makes renames and unlinks in a directory durable.
Expected<void> syncDirectory(const std::filesystem::path& dir);
/// Writes bytes to `path` atomically: temp file, fsync, rename, directory fsync.
Expected<void> writeFileAtomically(const std::filesystem::path& path,
                                   std::span<const std::span<const std::byte>> parts, bool sync);

struct SegmentEntry {
  std::uint64_t firstSeq = 0;
  std::filesystem::path path;
};

/// Lists segment files in a directory by ascending first sequence.
Expected<std::vector<SegmentEntry>> listSegments(const std::filesystem::path& dir);

/// A read-only segment file read through a sliding buffer of positional reads, so scanning
/// costs few system calls and sees the file grow.
class SegmentFile {
 public:
  static Expected<SegmentFile> open(const std::filesystem::path& path);

  /// Returns up to n bytes at offset (fewer at the end of the file); valid until the next call.
  Expected<std::span<const std::byte>> fetch(std::uint64_t offset, std::size_t n);
  /// Returns the current size of the file.
  Expected<std::uint64_t> size() const;
  const std::filesystem::path& path() const noexcept { return path_; }
  int fd() const noexcept { return fd_.get(); }
  void dropBuffer() noexcept { bufferLength_ = 0; }

 private:
  std::filesystem::path path_;
  UniqueFd fd_;
  std::vector<std::byte> buffer_;
  std::uint64_t bufferStart_ = 0;
  std::size_t bufferLength_ = 0;
};

}  // namespace ait::journal::detail
