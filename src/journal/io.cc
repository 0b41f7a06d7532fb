#include "journal/io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "ait/journal/errors.h"
#include "ait/journal/format.h"

namespace ait::journal::detail {

namespace {
constexpr std::size_t kReadChunk = 1u << 20;
}

void UniqueFd::reset() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

std::string errnoMessage(std::string_view what, const std::filesystem::path& path) {
  return fmt::format("{} {}: {}", what, path.string(), std::strerror(errno));
}

Expected<UniqueFd> openFile(const std::filesystem::path& path, int flags, int mode) {
  int fd;
  do {
    fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    return fail(errno == ENOENT ? errors::kNotFound : errors::kIo,
                errnoMessage("cannot open", path));
  }
  return UniqueFd(fd);
}

Expected<void> pwritevAll(int fd, std::span<iovec> iov, std::uint64_t offset,
                          const std::filesystem::path& path) {
  std::size_t first = 0;
  while (first < iov.size()) {
    int count = static_cast<int>(std::min<std::size_t>(iov.size() - first, IOV_MAX));
    ssize_t n = ::pwritev(fd, &iov[first], count, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(errors::kIo, errnoMessage("cannot write", path));
    }
    offset += static_cast<std::uint64_t>(n);
    auto left = static_cast<std::size_t>(n);
    while (first < iov.size() && left >= iov[first].iov_len) {
      left -= iov[first].iov_len;
      ++first;
    }
    if (left > 0) {
      iov[first].iov_base = static_cast<char*>(iov[first].iov_base) + left;
      iov[first].iov_len -= left;
    }
  }
  return {};
}

Expected<void> pwriteAll(int fd, std::span<const std::byte> data, std::uint64_t offset,
                         const std::filesystem::path& path) {
  iovec one{const_cast<std::byte*>(data.data()), data.size()};
  return pwritevAll(fd, std::span(&one, 1), offset, path);
}

Expected<void> syncData(int fd, const std::filesystem::path& path) {
  int rc;
  do {
    rc = ::fdatasync(fd);
  } while (rc < 0 && errno == EINTR);
  if (rc < 0) return fail(errors::kIo, errnoMessage("fdatasync failed on", path));
  return {};
}

Expected<void> syncDirectory(const std::filesystem::path& dir) {
  auto fd = openFile(dir, O_RDONLY | O_DIRECTORY);
  if (!fd) return std::unexpected(fd.error());
  if (::fsync(fd->get()) < 0) {
    return fail(errors::kIo, errnoMessage("fsync failed on directory", dir));
  }
  return {};
}

Expected<void> writeFileAtomically(const std::filesystem::path& path,
                                   std::span<const std::span<const std::byte>> parts, bool sync) {
  auto temp = path;
  temp += ".tmp";
  {
    auto fd = openFile(temp, O_WRONLY | O_CREAT | O_TRUNC);
    if (!fd) return std::unexpected(fd.error());
    std::uint64_t offset = 0;
    for (auto part : parts) {
      if (auto ok = pwriteAll(fd->get(), part, offset, temp); !ok) return ok;
      offset += part.size();
    }
    if (sync) {
      if (auto ok = syncData(fd->get(), temp); !ok) return ok;
    }
  }
  if (::rename(temp.c_str(), path.c_str()) < 0) {
    return fail(errors::kIo, errnoMessage("cannot rename temp file to", path));
  }
  if (sync) return syncDirectory(path.parent_path());
  return {};
}

Expected<std::vector<SegmentEntry>> listSegments(const std::filesystem::path& dir) {
  std::error_code ec;
  std::vector<SegmentEntry> out;
  std::filesystem::directory_iterator it(dir, ec);
  if (ec) {
    return fail(ec == std::errc::no_such_file_or_directory ? errors::kNotFound : errors::kIo,
                fmt::format("cannot list journal directory {}: {}", dir.string(), ec.message()));
  }
  for (const auto& entry : it) {
    auto seq = parseSegmentFileName(entry.path().filename().string());
    if (seq && entry.is_regular_file(ec)) out.push_back({*seq, entry.path()});
  }
  std::sort(out.begin(), out.end(),
            [](const SegmentEntry& a, const SegmentEntry& b) { return a.firstSeq < b.firstSeq; });
  return out;
}

Expected<SegmentFile> SegmentFile::open(const std::filesystem::path& path) {
  auto fd = openFile(path, O_RDONLY);
  if (!fd) return std::unexpected(fd.error());
  SegmentFile file;
  file.path_ = path;
  file.fd_ = std::move(*fd);
  return file;
}

Expected<std::span<const std::byte>> SegmentFile::fetch(std::uint64_t offset, std::size_t n) {
  if (offset >= bufferStart_ && offset + n <= bufferStart_ + bufferLength_) {
    return std::span<const std::byte>(buffer_.data() + (offset - bufferStart_), n);
  }
  std::size_t want = std::max(n, kReadChunk);
  if (buffer_.size() < want) buffer_.resize(want);
  std::size_t got = 0;
  while (got < want) {
    ssize_t r = ::pread(fd_.get(), buffer_.data() + got, want - got,
                        static_cast<off_t>(offset + got));
    if (r < 0) {
      if (errno == EINTR) continue;
      bufferLength_ = 0;
      return fail(errors::kIo, errnoMessage("cannot read", path_));
    }
    if (r == 0) break;
    got += static_cast<std::size_t>(r);
  }
  bufferStart_ = offset;
  bufferLength_ = got;
  return std::span<const std::byte>(buffer_.data(), std::min(n, got));
}

Expected<std::uint64_t> SegmentFile::size() const {
  struct stat st{};
  if (::fstat(fd_.get(), &st) < 0) return fail(errors::kIo, errnoMessage("cannot stat", path_));
  return static_cast<std::uint64_t>(st.st_size);
}

}  // namespace ait::journal::detail
