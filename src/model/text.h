#pragma once
// Helpers for putting untrusted text into error messages: quoted, cut short and with
// non-printable bytes made visible, so that a garbage input cannot flood or corrupt a log line.

#include <string>
#include <string_view>

#include <fmt/format.h>

namespace ait::model {

inline bool isPrintableAscii(char c) { return c >= 0x20 && c <= 0x7e; }

inline std::string quoteForMessage(std::string_view text, std::size_t limit = 48) {
  std::string out = "'";
  std::size_t shown = text.size() < limit ? text.size() : limit;
  for (std::size_t i = 0; i < shown; ++i) {
    char c = text[i];
    if (isPrintableAscii(c)) {
      out += c;
    } else {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    }
  }
  if (shown < text.size()) out += "...";
  out += '\'';
  return out;
}

inline std::string quoteCharForMessage(char c) {
  return quoteForMessage(std::string_view(&c, 1));
}

}  // namespace ait::model
