// Feeds arbitrary text to the scalar parsers (decimals, doubles, ISO 8601, timeframes,
// instrument ids). Accepted values must print to text that parses back to the same
// representation.

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "ait/model/events.h"
#include "ait/model/time.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ait::model;
  if (size < 2) return 0;
  const std::uint8_t mode = data[0] % 6;
  const std::uint8_t scale = data[1] % (kMaxScale + 1);
  std::string_view text(reinterpret_cast<const char*>(data + 2), size - 2);
  auto samePrice = [](Price a, const ait::Expected<Price>& b) {
    return b && b->mantissa() == a.mantissa() && b->scale() == a.scale();
  };
  switch (mode) {
    case 0:
      if (auto price = Price::parse(text); price && !samePrice(*price, Price::parse(price->toString()))) {
        std::abort();
      }
      break;
    case 1:
      if (auto price = Price::parse(text, scale)) {
        if (price->scale() != scale || !samePrice(*price, Price::parse(price->toString(), scale))) {
          std::abort();
        }
      }
      break;
    case 2: {
      double value = 0;
      if (text.size() < sizeof(value)) return 0;
      std::memcpy(&value, text.data(), sizeof(value));
      if (auto price = Price::fromDouble(value, scale); price && price->scale() != scale) std::abort();
      if (auto price = Price::fromDouble(value); price && !samePrice(*price, Price::parse(price->toString()))) {
        std::abort();
      }
      break;
    }
    case 3:
      if (auto ts = parseIso8601(text)) {
        auto back = parseIso8601(toIso8601(*ts));
        if (!back || *back != *ts) std::abort();
      }
      break;
    case 4:
      if (auto timeframe = Timeframe::parse(text)) {
        auto back = Timeframe::parse(timeframe->toString());
        if (!back || *back != *timeframe) std::abort();
      }
      break;
    case 5:
      if (auto id = InstrumentId::parse(text)) {
        auto back = InstrumentId::parse(id->toString());
        if (!back || *back != *id) std::abort();
      }
      break;
  }
  return 0;
}
