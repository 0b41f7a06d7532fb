#include "ait/journal/snapshot.h"

#include <fcntl.h>

#include <algorithm>
#include <cstring>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "ait/journal/errors.h"
#include "journal/codec.h"
#include "journal/io.h"
#include "journal/sha256.h"

namespace ait::journal {

namespace {

constexpr char kMagic[8] = {'A', 'I', 'T', 'S', 'N', 'A', 'P', '\0'};
constexpr std::size_t kHeaderBytes = 64;
constexpr std::size_t kDigestOffset = 32;
constexpr std::string_view kSuffix = ".snap";

bool validName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-';
  });
}

std::string fileName(std::string_view name, std::uint64_t seq) {
  return fmt::format("{}.{:020d}{}", name, seq, kSuffix);
}

// Returns the sequence of `<name>.<20 digits>.snap`, or nullopt for any other file.
std::optional<std::uint64_t> parseFileName(std::string_view file, std::string_view name) {
  if (file.size() != name.size() + 1 + 20 + kSuffix.size()) return std::nullopt;
  if (!file.starts_with(name) || file[name.size()] != '.' || !file.ends_with(kSuffix)) {
    return std::nullopt;
  }
  std::uint64_t seq = 0;
  for (char c : file.substr(name.size() + 1, 20)) {
    if (c < '0' || c > '9') return std::nullopt;
    seq = seq * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return seq;
}

Hash digestOf(std::span<const std::byte> header, std::span<const std::byte> payload) {
  detail::Sha256 sha;
  sha.update(header.first(kDigestOffset));
  sha.update(payload);
  return sha.finish();
}

std::vector<std::pair<std::uint64_t, std::filesystem::path>> listFor(
    const std::filesystem::path& dir, std::string_view name) {
  std::vector<std::pair<std::uint64_t, std::filesystem::path>> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (auto seq = parseFileName(entry.path().filename().string(), name)) {
      out.emplace_back(*seq, entry.path());
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  return out;
}

Expected<Snapshot> readSnapshot(const std::filesystem::path& path, std::uint64_t seq) {
  auto file = detail::SegmentFile::open(path);
  if (!file) return std::unexpected(file.error());
  auto size = file->size();
  if (!size) return std::unexpected(size.error());
  auto bytes = file->fetch(0, static_cast<std::size_t>(*size));
  if (!bytes) return std::unexpected(bytes.error());
  const auto name = path.filename().string();
  if (bytes->size() < kHeaderBytes || std::memcmp(bytes->data(), kMagic, sizeof(kMagic)) != 0) {
    return fail(errors::kSnapshotInvalid, fmt::format("snapshot {} has no valid header", name));
  }
  auto headerSeq = detail::loadLe<std::uint64_t>(bytes->data() + 16);
  auto length = detail::loadLe<std::uint64_t>(bytes->data() + 24);
  if (headerSeq != seq || length != bytes->size() - kHeaderBytes) {
    return fail(errors::kSnapshotInvalid,
                fmt::format("snapshot {} header (seq {}, {} bytes) disagrees with the file", name,
                            headerSeq, length));
  }
  auto payload = bytes->subspan(kHeaderBytes);
  auto digest = digestOf(*bytes, payload);
  if (std::memcmp(digest.data(), bytes->data() + kDigestOffset, digest.size()) != 0) {
    return fail(errors::kSnapshotInvalid, fmt::format("snapshot {} checksum mismatch", name));
  }
  Snapshot snap;
  snap.seq = seq;
  snap.bytes.assign(payload.begin(), payload.end());
  return snap;
}

}  // namespace

SnapshotStore::SnapshotStore(std::filesystem::path dir, std::uint32_t keep, bool sync)
    : dir_(std::move(dir)), keep_(std::max<std::uint32_t>(keep, 1)), sync_(sync) {}

Expected<void> SnapshotStore::save(std::string_view name, std::uint64_t seq,
                                   std::span<const std::byte> bytes) {
  if (!validName(name)) {
    return fail(errors::kSnapshotInvalid,
                fmt::format("snapshot name '{}' must be 1-64 of [A-Za-z0-9_-]", name));
  }
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) {
    return fail(errors::kIo, fmt::format("cannot create snapshot directory {}: {}", dir_.string(),
                                         ec.message()));
  }
  std::array<std::byte, kHeaderBytes> header{};
  std::memcpy(header.data(), kMagic, sizeof(kMagic));
  detail::storeLe<std::uint16_t>(header.data() + 8, 1);
  detail::storeLe<std::uint16_t>(header.data() + 10, static_cast<std::uint16_t>(kHeaderBytes));
  detail::storeLe<std::uint64_t>(header.data() + 16, seq);
  detail::storeLe<std::uint64_t>(header.data() + 24, bytes.size());
  auto digest = digestOf(header, bytes);
  std::memcpy(header.data() + kDigestOffset, digest.data(), digest.size());
  std::array<std::span<const std::byte>, 2> parts{std::span<const std::byte>(header), bytes};
  if (auto ok = detail::writeFileAtomically(dir_ / fileName(name, seq), parts, sync_); !ok) {
    return ok;
  }
  auto all = listFor(dir_, name);
  for (std::size_t i = keep_; i < all.size(); ++i) std::filesystem::remove(all[i].second, ec);
  return {};
}

Expected<std::optional<Snapshot>> SnapshotStore::loadLatest(std::string_view name) const {
  if (!validName(name)) {
    return fail(errors::kSnapshotInvalid,
                fmt::format("snapshot name '{}' must be 1-64 of [A-Za-z0-9_-]", name));
  }
  for (const auto& [seq, path] : listFor(dir_, name)) {
    auto snap = readSnapshot(path, seq);
    if (snap) return std::optional<Snapshot>(std::move(*snap));
    // A damaged newest snapshot falls back to an older one: replay covers the difference.
    spdlog::default_logger()->warn("journal: skipping snapshot: {}", snap.error().describe());
  }
  return std::optional<Snapshot>();
}

}  // namespace ait::journal
