#pragma once
// Value rules of single settings. A rule returns the reason a value is wrong, or nothing.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace ait::config::detail {

using Reason = std::optional<std::string>;

bool isHost(std::string_view text);
bool isHostPort(std::string_view text);
bool isNatsUrl(std::string_view text);
/// Letters, digits, '_' and '-': tenants, stream prefixes, component names.
bool isName(std::string_view text, std::size_t maxLength);
bool isSymbol(std::string_view text);

/// Returns the optimal-string-alignment distance (Levenshtein plus adjacent transpositions).
std::size_t editDistance(std::string_view a, std::string_view b);

/// Returns `text` in double quotes with TOML escapes.
std::string tomlString(std::string_view text);

struct NoRule {
  template <class T>
  Reason operator()(const T&) const {
    return std::nullopt;
  }
};

template <class T>
struct Between {
  T lo;
  T hi;
  Reason operator()(T v) const {
    if (v < lo || v > hi) return fmt::format("must be between {} and {}, got {}", lo, hi, v);
    return std::nullopt;
  }
};

template <class T>
struct AtLeast {
  T lo;
  Reason operator()(T v) const {
    if (v < lo) return fmt::format("must be at least {}, got {}", lo, v);
    return std::nullopt;
  }
};

/// A float that must be strictly positive and at most `hi`.
struct PositiveUpTo {
  double hi;
  Reason operator()(double v) const {
    if (v <= 0.0 || v > hi) return fmt::format("must be greater than 0 and at most {}, got {}", hi, v);
    return std::nullopt;
  }
};

struct Port {
  Reason operator()(int v) const {
    if (v < 1 || v > 65535) return fmt::format("must be a port number between 1 and 65535, got {}", v);
    return std::nullopt;
  }
};

struct PowerOfTwo {
  std::int64_t lo;
  std::int64_t hi;
  Reason operator()(std::int64_t v) const {
    if (v < lo || v > hi || (v & (v - 1)) != 0) {
      return fmt::format("must be a power of two between {} and {}, got {}", lo, hi, v);
    }
    return std::nullopt;
  }
};

/// An integer duration in `unit` (ms, us, s); the file may also spell it as "250ms", "5s", "2m".
struct Duration {
  std::string_view unit;
  std::int64_t lo;
  std::int64_t hi;
  Reason operator()(std::int64_t v) const {
    if (v < lo || v > hi) {
      return fmt::format("must be a duration between {} and {} {}, got {}", lo, hi, unit, v);
    }
    return std::nullopt;
  }
};

struct Host {
  bool allowEmpty = false;
  Reason operator()(const std::string& v) const {
    if (v.empty() && allowEmpty) return std::nullopt;
    if (!isHost(v)) return fmt::format("must be a host name or IP address, got {}", tomlString(v));
    return std::nullopt;
  }
};

/// An IANA time zone name in form ("UTC", "Europe/Athens", "America/New_York"); whether the
/// zone exists is checked against the system's zone database by the component that uses it.
struct TimeZoneName {
  bool allowEmpty = false;
  Reason operator()(const std::string& v) const {
    if (v.empty() && allowEmpty) return std::nullopt;
    bool ok = !v.empty() && v.size() <= 64 && v.front() != '/' && v.back() != '/' &&
              v.find("..") == std::string::npos;
    for (char ch : v) {
      bool allowed = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                     (ch >= '0' && ch <= '9') || ch == '/' || ch == '_' || ch == '-' || ch == '+';
      ok = ok && allowed;
    }
    if (ok) return std::nullopt;
    return fmt::format("must be an IANA time zone name such as \"Europe/Athens\", got {}",
                       tomlString(v));
  }
};

struct HostPort {
  Reason operator()(const std::string& v) const {
    if (v.empty()) return std::nullopt;
    if (!isHostPort(v)) {
      return fmt::format("must be empty or host:port (e.g. \"10.0.0.2:8007\"), got {}", tomlString(v));
    }
    return std::nullopt;
  }
};

struct Name {
  std::size_t maxLength = 64;
  Reason operator()(const std::string& v) const {
    if (!isName(v, maxLength)) {
      return fmt::format("must be 1 to {} letters, digits, '_' or '-', got {}", maxLength, tomlString(v));
    }
    return std::nullopt;
  }
};

struct Symbol {
  Reason operator()(const std::string& v) const {
    if (!isSymbol(v)) {
      return fmt::format("must be 1 to 32 letters, digits or . _ - / #, got {}", tomlString(v));
    }
    return std::nullopt;
  }
};

/// A non-empty list of distinct symbols.
struct Symbols {
  Reason operator()(const std::vector<std::string>& v) const {
    if (v.empty()) return "must name at least one symbol";
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (auto bad = Symbol{}(v[i])) return fmt::format("entry {} {}", i, *bad);
      for (std::size_t j = 0; j < i; ++j) {
        if (v[j] == v[i]) return fmt::format("lists {} twice", tomlString(v[i]));
      }
    }
    return std::nullopt;
  }
};

struct NonEmpty {
  Reason operator()(const std::string& v) const {
    if (v.empty()) return "must not be empty";
    return std::nullopt;
  }
};

/// A secret is optional here, but when present it must be long enough for HMAC-SHA256. The value
/// itself never appears in a message.
struct SecretRule {
  std::size_t minLength = 32;
  Reason operator()(const std::string& v) const {
    if (!v.empty() && v.size() < minLength) {
      return fmt::format("must be at least {} characters when set, got {} characters", minLength,
                         v.size());
    }
    return std::nullopt;
  }
};

struct NatsUrls {
  Reason operator()(const std::vector<std::string>& urls) const {
    for (std::size_t i = 0; i < urls.size(); ++i) {
      if (!isNatsUrl(urls[i])) {
        return fmt::format("entry {} must be a NATS URL such as \"nats://10.0.0.5:4222\", got {}",
                           i, tomlString(urls[i]));
      }
    }
    return std::nullopt;
  }
};

/// A string that must be one of a fixed set of words.
struct OneOf {
  std::vector<std::string_view> words;
  Reason operator()(const std::string& v) const {
    for (auto w : words) {
      if (v == w) return std::nullopt;
    }
    return fmt::format("must be one of {}, got {}", fmt::join(words, ", "), tomlString(v));
  }
};

/// Bar timeframes: each "<n>m", "<n>h" or "<n>d" dividing a day ("1m", "4h", "1d").
struct BarTimeframes {
  Reason operator()(const std::vector<std::string>& v) const;
};

}  // namespace ait::config::detail
