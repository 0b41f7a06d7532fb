#pragma once
// CRC32C (Castagnoli): the SSE4.2 crc32 instruction when the CPU has it (checked at run time),
// otherwise a slicing-by-8 table.

#include <cstddef>
#include <cstdint>
#include <span>

namespace ait::journal {

/// Returns the CRC32C of data continued from `crc` (the CRC of the bytes before; 0 to start).
std::uint32_t crc32c(std::span<const std::byte> data, std::uint32_t crc = 0) noexcept;
/// Same result as crc32c(), always computed with the table.
std::uint32_t crc32cPortable(std::span<const std::byte> data, std::uint32_t crc = 0) noexcept;
/// Same result as crc32c(), computed with SSE4.2; only call when crc32cHardwareAvailable().
std::uint32_t crc32cHardware(std::span<const std::byte> data, std::uint32_t crc = 0) noexcept;
/// Returns whether this CPU has the SSE4.2 crc32 instruction.
bool crc32cHardwareAvailable() noexcept;

}  // namespace ait::journal
