// Feeds arbitrary bytes to the binary event decoder. Properties beyond "no crash, no sanitizer
// report": an accepted current-version record re-encodes to exactly the same bytes (the encoding
// is canonical), and its JSON rendering reads back to the same event.

#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>

#include "ait/model/codec.h"
#include "ait/model/json.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ait::model;
  std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  auto header = peekHeader(bytes);
  auto event = decode(bytes);
  if (!event) return 0;
  if (!header) std::abort();  // decode accepted what peekHeader refused

  std::array<std::byte, kMaxEncodedSize> buffer{};
  auto written = encode(*event, buffer);
  if (!written || *written != encodedSize(*event)) std::abort();
  if (header->version == schemaVersionOf(typeOf(*event))) {
    if (*written != size || std::memcmp(buffer.data(), data, size) != 0) std::abort();
  }

  auto json = toJson(*event);
  auto back = fromJson(json);
  if (!back || !(*back == *event)) std::abort();
  return 0;
}
