#include "ait/nats/cursor.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "ait/nats/dedup.h"
#include "ait/nats/errors.h"

namespace ait::nats {

namespace {

Expected<void> syncPath(const std::filesystem::path& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) {
    return fail(errors::kCursor, fmt::format("cannot open {}: {}", path.string(), std::strerror(errno)));
  }
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) {
    return fail(errors::kCursor, fmt::format("cannot fsync {}: {}", path.string(), std::strerror(err)));
  }
  return {};
}

}  // namespace

Expected<CursorMap> CursorFile::load() const {
  CursorMap values;
  std::error_code ec;
  if (!std::filesystem::exists(path_, ec)) return values;
  std::ifstream in(path_);
  if (!in) return fail(errors::kCursor, fmt::format("cannot read cursor file {}", path_.string()));
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    const auto space = line.rfind(' ');
    std::optional<std::uint64_t> seq;
    if (space != std::string::npos && space > 0) seq = parseSequence(std::string_view(line).substr(space + 1));
    if (!seq) {
      return fail(errors::kCursor, fmt::format("cursor file {} line {}: expected \"<name> <sequence>\", "
                                               "got \"{}\"",
                                               path_.string(), number, line));
    }
    values[line.substr(0, space)] = *seq;
  }
  return values;
}

Expected<void> CursorFile::store(const CursorMap& values) const {
  std::error_code ec;
  const auto dir = path_.parent_path().empty() ? std::filesystem::path(".") : path_.parent_path();
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return fail(errors::kCursor, fmt::format("cannot create {}: {}", dir.string(), ec.message()));
  }
  std::string text;
  for (const auto& [name, seq] : values) text += fmt::format("{} {}\n", name, seq);
  auto tmp = path_;
  tmp += ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return fail(errors::kCursor, fmt::format("cannot write {}: {}", tmp.string(), std::strerror(errno)));
  }
  std::size_t done = 0;
  while (done < text.size()) {
    const auto n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return fail(errors::kCursor, fmt::format("cannot write {}: {}", tmp.string(), std::strerror(err)));
    }
    done += static_cast<std::size_t>(n);
  }
  const bool synced = ::fdatasync(fd) == 0;
  const int err = errno;
  ::close(fd);
  if (!synced) {
    return fail(errors::kCursor, fmt::format("cannot fsync {}: {}", tmp.string(), std::strerror(err)));
  }
  std::filesystem::rename(tmp, path_, ec);
  if (ec) {
    return fail(errors::kCursor, fmt::format("cannot replace {}: {}", path_.string(), ec.message()));
  }
  return syncPath(dir, O_RDONLY | O_DIRECTORY);
}

}  // namespace ait::nats
