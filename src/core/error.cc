#include "ait/core/error.h"

#include <cctype>
#include <cstdio>

#include <fmt/format.h>

namespace ait {

std::string_view toString(Category category) noexcept {
  switch (category) {
    case Category::Network: return "network";
    case Category::Database: return "database";
    case Category::Validation: return "validation";
    case Category::Auth: return "auth";
    case Category::Risk: return "risk";
    case Category::Venue: return "venue";
    case Category::Model: return "model";
    case Category::Config: return "config";
    case Category::Internal: return "internal";
    case Category::Io: return "io";
    case Category::Data: return "data";
    case Category::Resource: return "resource";
  }
  return "internal";
}

std::string_view toString(Severity severity) noexcept {
  switch (severity) {
    case Severity::Critical: return "critical";
    case Severity::High: return "high";
    case Severity::Medium: return "medium";
    case Severity::Low: return "low";
    case Severity::Info: return "info";
  }
  return "info";
}

std::string_view toString(Recovery recovery) noexcept {
  switch (recovery) {
    case Recovery::None: return "none";
    case Recovery::Retry: return "retry";
    case Recovery::CircuitOpen: return "circuit-open";
    case Recovery::Degrade: return "degrade";
    case Recovery::Fail: return "fail";
  }
  return "none";
}

Error::Error(const ErrorCode& code, std::string message, std::source_location where)
    : code_(&code), message_(std::move(message)), where_(where) {}

std::string Error::describe() const { return fmt::format("{}: {}", code_->code, message_); }

namespace {

bool isHexDigit(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }
bool isWordChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
}

// A token is variable (an id, a number, an address) when it holds a digit: "order-123",
// "0x7ffd", "3fa85f64-5717-...". Words without digits ("connection refused") are kept.
bool isVariableToken(std::string_view token) {
  for (char c : token) {
    if (std::isdigit(static_cast<unsigned char>(c)) != 0) return true;
  }
  return false;
}

std::uint64_t fnv1a(std::string_view text, std::uint64_t hash = 1469598103934665603ULL) {
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return hash;
}

}  // namespace

std::string normaliseMessage(std::string_view message) {
  std::string out;
  out.reserve(message.size());
  std::size_t i = 0;
  while (i < message.size()) {
    char c = message[i];
    if (c == '\'' || c == '"' || c == '`') {
      // Quoted values are data, not the shape of the fault.
      auto end = message.find(c, i + 1);
      if (end != std::string_view::npos) {
        out += c;
        out += '*';
        out += c;
        i = end + 1;
        continue;
      }
    }
    if (isWordChar(c) || c == '.' || c == ':') {
      std::size_t j = i;
      while (j < message.size() && (isWordChar(message[j]) || message[j] == '.' ||
                                    (message[j] == ':' && j + 1 < message.size() &&
                                     isHexDigit(message[j + 1])))) {
        ++j;
      }
      if (j == i) {
        // A lone ':' or '.' ("postgres: refused") is punctuation, not a token.
        out += c;
        ++i;
        continue;
      }
      auto token = message.substr(i, j - i);
      if (isVariableToken(token)) {
        out += '#';
      } else {
        out.append(token);
      }
      i = j;
      continue;
    }
    out += c;
    ++i;
  }
  return out;
}

std::string Error::fingerprint() const {
  auto hash = fnv1a(code_->code);
  hash = fnv1a("|", hash);
  // The file's base name only, so fingerprints do not depend on where the tree was built.
  std::string_view file = where_.file_name();
  if (auto slash = file.rfind('/'); slash != std::string_view::npos) file.remove_prefix(slash + 1);
  hash = fnv1a(file, hash);
  hash = fnv1a(fmt::format(":{}|", where_.line()), hash);
  hash = fnv1a(normaliseMessage(message_), hash);
  return fmt::format("{:016x}", hash);
}

}  // namespace ait
