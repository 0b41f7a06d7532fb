#pragma once
// A small durable map of name -> sequence in one text file ("<name> <seq>" per line), replaced
// atomically (write a temporary file, fsync, rename, fsync the directory) so a crash leaves
// either the old or the new cursor, never a torn one. The publisher keeps its last published
// journal sequence here; the consumer keeps the last applied sequence of every source.

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

#include "ait/core/error.h"

namespace ait::nats {

using CursorMap = std::map<std::string, std::uint64_t, std::less<>>;

class CursorFile {
 public:
  explicit CursorFile(std::filesystem::path path) : path_(std::move(path)) {}

  /// Returns the stored map; an empty map when the file does not exist; AIT-NATS-0008 naming the
  /// file and line when it is unreadable or malformed.
  Expected<CursorMap> load() const;
  /// Replaces the file with values, creating its directory if needed.
  Expected<void> store(const CursorMap& values) const;

  const std::filesystem::path& path() const noexcept { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace ait::nats
