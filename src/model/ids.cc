#include "ait/model/ids.h"

#include "ait/model/errors.h"
#include "model/text.h"

namespace ait::model {

namespace detail {

Expected<void> checkFixedText(std::string_view text, std::size_t capacity, std::string_view what) {
  if (text.size() > capacity) {
    return fail(kBadIdentifier, fmt::format("{} {}: {} characters, at most {}", what,
                                            quoteForMessage(text), text.size(), capacity));
  }
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!isPrintableAscii(text[i])) {
      return fail(kBadIdentifier,
                  fmt::format("{} {}: byte 0x{:02x} at position {} is not printable ASCII", what,
                              quoteForMessage(text), static_cast<unsigned char>(text[i]), i));
    }
  }
  return {};
}

}  // namespace detail

Expected<InstrumentId> InstrumentId::parse(std::string_view text) {
  auto at = text.rfind('@');
  std::string_view symbolText = at == std::string_view::npos ? text : text.substr(0, at);
  std::string_view venueText = at == std::string_view::npos ? std::string_view{} : text.substr(at + 1);
  if (symbolText.empty()) {
    return fail(kBadIdentifier,
                fmt::format("instrument {}: the symbol is empty", quoteForMessage(text)));
  }
  auto symbol = Symbol::from(symbolText);
  if (!symbol) return Unexpected(std::move(symbol.error()));
  auto venue = Venue::from(venueText);
  if (!venue) return Unexpected(std::move(venue.error()));
  return InstrumentId{*symbol, *venue};
}

std::string InstrumentId::toString() const {
  // A symbol holding '@' keeps the separator, so that parse (which splits at the last '@')
  // reads the same id back.
  if (venue.empty() && symbol.view().find('@') == std::string_view::npos) {
    return std::string(symbol.view());
  }
  return fmt::format("{}@{}", symbol.view(), venue.view());
}

}  // namespace ait::model
