#include "config/rules.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace ait::config::detail {
namespace {

bool isAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

bool isIpv4(const std::string& text) {
  in_addr addr{};
  return inet_pton(AF_INET, text.c_str(), &addr) == 1;
}

bool isIpv6(const std::string& text) {
  in6_addr addr{};
  return inet_pton(AF_INET6, text.c_str(), &addr) == 1;
}

bool isHostName(std::string_view text) {
  if (text.empty() || text.size() > 253) return false;
  std::string_view lastLabel;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t dot = text.find('.', start);
    if (dot == std::string_view::npos) dot = text.size();
    std::string_view label = text.substr(start, dot - start);
    if (label.empty() || label.size() > 63) return false;
    if (label.front() == '-' || label.back() == '-') return false;
    for (char c : label) {
      if (!isAlnum(c) && c != '-') return false;
    }
    lastLabel = label;
    start = dot + 1;
  }
  // An all-digit last label means a malformed IPv4 address such as 999.1.1.1, not a name.
  return !std::all_of(lastLabel.begin(), lastLabel.end(),
                      [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; });
}

bool isPort(std::string_view text) {
  if (text.empty() || text.size() > 5) return false;
  int port = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  return ec == std::errc{} && end == text.data() + text.size() && port >= 1 && port <= 65535;
}

}  // namespace

bool isHost(std::string_view text) {
  if (text.empty()) return false;
  std::string s(text);
  if (s.size() > 2 && s.front() == '[' && s.back() == ']') return isIpv6(s.substr(1, s.size() - 2));
  if (s.find(':') != std::string::npos) return isIpv6(s);
  if (isIpv4(s)) return true;
  return isHostName(s);
}

bool isHostPort(std::string_view text) {
  if (!text.empty() && text.front() == '[') {
    std::size_t close = text.find("]:");
    if (close == std::string_view::npos) return false;
    return isIpv6(std::string(text.substr(1, close - 1))) && isPort(text.substr(close + 2));
  }
  std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  std::string_view host = text.substr(0, colon);
  if (host.find(':') != std::string_view::npos) return false;  // IPv6 needs brackets
  return isHost(host) && isPort(text.substr(colon + 1));
}

bool isNatsUrl(std::string_view text) {
  std::size_t sep = text.find("://");
  if (sep == std::string_view::npos) return false;
  std::string_view scheme = text.substr(0, sep);
  if (scheme != "nats" && scheme != "tls" && scheme != "ws" && scheme != "wss") return false;
  std::string_view rest = text.substr(sep + 3);
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (std::size_t at = rest.rfind('@'); at != std::string_view::npos) rest = rest.substr(at + 1);
  if (rest.find('/') != std::string_view::npos) return false;
  if (isHostPort(rest)) return true;
  return isHost(rest);
}

bool isName(std::string_view text, std::size_t maxLength) {
  if (text.empty() || text.size() > maxLength) return false;
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return isAlnum(c) || c == '_' || c == '-'; });
}

bool isSymbol(std::string_view text) {
  if (text.empty() || text.size() > 32) return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return isAlnum(c) || c == '.' || c == '_' || c == '-' || c == '/' || c == '#';
  });
}

std::size_t editDistance(std::string_view a, std::string_view b) {
  // Three rolling rows: the transposition step looks two rows back.
  const std::size_t m = b.size();
  std::vector<std::size_t> prev2(m + 1), prev(m + 1), row(m + 1);
  for (std::size_t j = 0; j <= m; ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    row[0] = i;
    for (std::size_t j = 1; j <= m; ++j) {
      std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      row[j] = std::min({prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        row[j] = std::min(row[j], prev2[j - 2] + 1);
      }
    }
    std::swap(prev2, prev);
    std::swap(prev, row);
  }
  return prev[m];
}

std::string tomlString(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\f': out += "\\f"; break;
      case '\r': out += "\\r"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          out += fmt::format("\\u{:04X}", static_cast<unsigned>(static_cast<unsigned char>(c)));
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

Reason BarTimeframes::operator()(const std::vector<std::string>& v) const {
  for (const auto& text : v) {
    std::int64_t seconds = 0;
    if (text.size() >= 2) {
      std::int64_t n = 0;
      bool digits = true;
      for (std::size_t i = 0; i + 1 < text.size(); ++i) {
        if (text[i] < '0' || text[i] > '9' || n > 1'000'000) {
          digits = false;
          break;
        }
        n = n * 10 + (text[i] - '0');
      }
      const char unit = text.back();
      if (digits) seconds = n * (unit == 'm' ? 60 : unit == 'h' ? 3600 : unit == 'd' ? 86400 : 0);
    }
    if (seconds <= 0 || 86400 % seconds != 0) {
      return fmt::format("each must be <n>m, <n>h or <n>d dividing a day (\"1m\", \"4h\", \"1d\"), got {}",
                         tomlString(text));
    }
  }
  return std::nullopt;
}

}  // namespace ait::config::detail
