#pragma once
// Snapshots: a component stores its state blob as of a sequence number and, at restart, loads the
// newest valid one and replays only the journal after it. Files `<name>.<seq>.snap` in the
// stream's snapshots/ directory, written to a temp file, fsynced and renamed into place.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "ait/core/error.h"

namespace ait::journal {

struct Snapshot {
  std::uint64_t seq = 0;          // the state includes every event up to and including seq
  std::vector<std::byte> bytes;
};

class SnapshotStore {
 public:
  /// Keeps the newest `keep` snapshots per name; sync = false skips fsync (tests).
  explicit SnapshotStore(std::filesystem::path dir, std::uint32_t keep = 2, bool sync = true);

  /// Writes a snapshot atomically; name is 1-64 of [A-Za-z0-9_-].
  Expected<void> save(std::string_view name, std::uint64_t seq, std::span<const std::byte> bytes);
  /// Returns the newest snapshot of name whose checksum is intact, nullopt if there is none.
  Expected<std::optional<Snapshot>> loadLatest(std::string_view name) const;

  const std::filesystem::path& directory() const noexcept { return dir_; }

 private:
  std::filesystem::path dir_;
  std::uint32_t keep_;
  bool sync_;
};

}  // namespace ait::journal
