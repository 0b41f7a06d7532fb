#pragma once
// What the crash child writes, so that the parent can check every record it gets back.

#include <cstdint>
#include <string>
#include <vector>

#include "ait/journal/config.h"

namespace ait::journal::crashtest {

inline JournalConfig config(const std::string& dir) {
  JournalConfig config;
  config.dataDir = dir;
  config.segmentBytes = 256 << 10;  // rolls often, so kills also land around segment creation
  config.groupCommitMaxDelayUs = 0;
  config.fsync = true;
  config.bufferBytes = 1 << 20;
  config.maxPayloadBytes = 4096;
  return config;
}

inline std::uint16_t typeOf(std::uint64_t seq) { return static_cast<std::uint16_t>(seq % 7); }
inline std::uint32_t tenantOf(std::uint64_t seq) { return static_cast<std::uint32_t>(seq % 5); }

inline std::vector<std::byte> payloadOf(std::uint64_t seq) {
  std::vector<std::byte> out((seq * 2654435761u) % 700);
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<std::byte>((seq ^ (i * 31)) & 0xFF);
  }
  return out;
}

}  // namespace ait::journal::crashtest
