// Feeds arbitrary text to the JSON event and command readers. Properties beyond "no crash, no
// exception, no sanitizer report": an accepted event encodes (JSON cannot carry a value the binary
// encoding refuses), decodes back equal, and renders to JSON that reads back equal.

#include <array>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "ait/model/codec.h"
#include "ait/model/json.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ait::model;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto event = fromJsonText(text);
  if (!event) return 0;

  auto parsed = nlohmann::json::parse(text, nullptr, false);
  auto command = commandFromJson(parsed);
  if (command && !(*command == *event)) std::abort();

  std::array<std::byte, kMaxEncodedSize> buffer{};
  auto written = encode(*event, buffer);
  if (!written) std::abort();
  auto decoded = decode(std::span(buffer).first(*written));
  if (!decoded) std::abort();
  // The binary encoding leaves the journal's sequence out.
  Event expected = *event;
  headerOf(expected).sequence = 0;
  if (!(*decoded == expected)) std::abort();

  auto again = fromJson(toJson(*event));
  if (!again || !(*again == *event)) std::abort();
  return 0;
}
