#include "ait/bus/topic.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include <fmt/format.h>

#include "ait/bus/errors.h"
#include "ait/core/error_registry.h"

namespace ait::bus {

namespace {

bool isTokenChar(char c) noexcept {
  const auto u = static_cast<unsigned char>(c);
  return u >= 0x21 && u <= 0x7E && c != '.' && c != '*' && c != '>';
}

// Splits off the token that starts at `from`; sets `from` past its dot (or to npos at the end).
std::string_view nextToken(std::string_view text, std::size_t& from) noexcept {
  const auto dot = text.find('.', from);
  std::string_view token = text.substr(from, dot == std::string_view::npos ? text.npos : dot - from);
  from = dot == std::string_view::npos ? std::string_view::npos : dot + 1;
  return token;
}

// Returns an empty string when text is valid, else what is wrong with it.
std::string_view syntaxProblem(std::string_view text, bool allowWildcards) noexcept {
  if (text.empty()) return "it is empty";
  if (text.size() > kMaxTopicLength) return "it is longer than 255 bytes";
  std::size_t from = 0;
  while (from != std::string_view::npos) {
    const auto token = nextToken(text, from);
    if (token.empty()) return "it has an empty token (leading, trailing or double '.')";
    if (token == "*") {
      if (!allowWildcards) return "it contains the wildcard '*'";
      continue;
    }
    if (token == ">") {
      if (!allowWildcards) return "it contains the wildcard '>'";
      if (from != std::string_view::npos) return "'>' is allowed only as the last token";
      continue;
    }
    for (char c : token) {
      if (c == '*' || c == '>') return "a wildcard must be a whole token";
      if (!isTokenChar(c)) return "it contains a space or a non-printable or non-ASCII byte";
    }
  }
  return {};
}

std::uint64_t mix(std::uint64_t x) noexcept {
  x ^= x >> 32;
  x *= 0xd6e8feb86659fd93ULL;
  x ^= x >> 32;
  return x;
}

std::string printable(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 80)) out.push_back(static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7F ? c : '?');
  return out;
}

}  // namespace

bool isValidTopic(std::string_view text) noexcept { return syntaxProblem(text, false).empty(); }

bool isValidPattern(std::string_view text) noexcept { return syntaxProblem(text, true).empty(); }

Expected<void> checkPattern(std::string_view pattern) {
  const auto problem = syntaxProblem(pattern, true);
  if (problem.empty()) return {};
  return fail(errors::kInvalidPattern,
              fmt::format("subscription pattern '{}' is invalid: {}", printable(pattern), problem));
}

bool topicMatches(std::string_view pattern, std::string_view topic) noexcept {
  std::size_t p = 0;
  std::size_t t = 0;
  for (;;) {
    const auto want = nextToken(pattern, p);
    if (want == ">") return t != std::string_view::npos;
    if (t == std::string_view::npos) return false;
    const auto have = nextToken(topic, t);
    if (want != "*" && want != have) return false;
    if (p == std::string_view::npos) return t == std::string_view::npos;
  }
}

namespace {

std::uint64_t load64(const char* p) noexcept {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

// All of 1..7 bytes as one word (fixed-size loads only: no library call).
std::uint64_t loadShort(const char* p, std::size_t n) noexcept {
  if (n >= 4) {
    std::uint32_t a;
    std::uint32_t b;
    std::memcpy(&a, p, 4);
    std::memcpy(&b, p + n - 4, 4);
    return a | (std::uint64_t{b} << 32);
  }
  return std::uint64_t{static_cast<unsigned char>(p[0])} |
         std::uint64_t{static_cast<unsigned char>(p[n / 2])} << 8 |
         std::uint64_t{static_cast<unsigned char>(p[n - 1])} << 16;
}

// Equality of two strings of the same length n, a word at a time.
bool sameBytes(const char* a, const char* b, std::size_t n) noexcept {
  if (n < 8) return n == 0 || loadShort(a, n) == loadShort(b, n);
  for (std::size_t i = 0; i + 8 < n; i += 8) {
    if (load64(a + i) != load64(b + i)) return false;
  }
  return load64(a + n - 8) == load64(b + n - 8);
}

}  // namespace

std::uint64_t hashTopic(std::string_view topic) noexcept {
  const char* data = topic.data();
  const std::size_t size = topic.size();
  std::uint64_t h = 0x9E3779B97F4A7C15ULL ^ (size * 0xff51afd7ed558ccdULL);
  if (size < 8) return mix(h ^ (size == 0 ? 0 : loadShort(data, size)));
  for (std::size_t i = 0; i + 8 < size; i += 8) h = mix(h ^ load64(data + i)) + 0x2545F4914F6CDD1DULL;
  return mix(h ^ load64(data + size - 8));
}

Router::Router(std::uint32_t maxTopics) : maxTopics_(std::max<std::uint32_t>(maxTopics, 1)) {
  const std::uint64_t slots = std::bit_ceil(std::uint64_t{maxTopics_} * 2);
  slots_.resize(slots);
  mask_ = slots - 1;
  order_.reserve(maxTopics_);
}

Expected<void> Router::add(std::uint32_t subscription, std::string_view pattern, bool responder) {
  if (auto ok = checkPattern(pattern); !ok) return ok;
  patterns_.push_back(Pattern{std::string(pattern), subscription, responder});
  scratch_.reserve(patterns_.size());
  dirty_ = true;
  return {};
}

bool Router::remove(std::uint32_t subscription) {
  const auto before = patterns_.size();
  std::erase_if(patterns_, [&](const Pattern& p) { return p.subscription == subscription; });
  if (patterns_.size() == before) return false;
  dirty_ = true;
  return true;
}

void Router::fill(std::string_view topic, std::vector<std::uint32_t>& out,
                  std::int32_t& responder) const {
  responder = -1;
  for (const auto& pattern : patterns_) {
    if (!topicMatches(pattern.text, topic)) continue;
    if (!pattern.responder) {
      out.push_back(pattern.subscription);
    } else if (responder < 0) {
      responder = static_cast<std::int32_t>(pattern.subscription);
    }
  }
}

void Router::rebuild() {
  lists_.clear();
  for (auto index : order_) {
    Slot& slot = slots_[index];
    if (!slot.valid) continue;
    slot.begin = static_cast<std::uint32_t>(lists_.size());
    fill(std::string_view(names_).substr(slot.nameOffset, slot.nameLength), lists_, slot.responder);
    slot.count = static_cast<std::uint32_t>(lists_.size()) - slot.begin;
  }
  dirty_ = false;
}

Router::Route Router::resolve(std::string_view topic) {
  if (dirty_) rebuild();
  const std::uint64_t hash = hashTopic(topic);
  std::uint64_t index = hash & mask_;
  while (slots_[index].used) {
    const Slot& slot = slots_[index];
    if (slot.hash == hash && slot.nameLength == topic.size() &&
        sameBytes(names_.data() + slot.nameOffset, topic.data(), topic.size())) {
      if (!slot.valid) ++invalidTopics_;
      return Route{slot.begin, slot.count, slot.responder, slot.valid, false};
    }
    index = (index + 1) & mask_;
  }

  const bool valid = isValidTopic(topic);
  if (!valid) ++invalidTopics_;
  if (topics_ >= maxTopics_) {
    ++uncachedResolves_;
    if (!valid) return Route{0, 0, -1, false, true};
    scratch_.clear();
    Route route{0, 0, -1, true, true};
    fill(topic, scratch_, route.responder);
    route.count = static_cast<std::uint32_t>(scratch_.size());
    return route;
  }

  if (!valid) {
    ErrorRegistry::global().record(Error(
        errors::kInvalidTopic,
        fmt::format("event topic '{}' is not a valid topic ({}); it was not dispatched",
                    printable(topic), syntaxProblem(topic, false))));
  }
  Slot& slot = slots_[index];
  slot.used = true;
  slot.hash = hash;
  slot.valid = valid;
  slot.nameOffset = static_cast<std::uint32_t>(names_.size());
  slot.nameLength = static_cast<std::uint32_t>(topic.size());
  names_.append(topic);
  slot.begin = static_cast<std::uint32_t>(lists_.size());
  slot.responder = -1;
  if (valid) fill(topic, lists_, slot.responder);
  slot.count = static_cast<std::uint32_t>(lists_.size()) - slot.begin;
  order_.push_back(static_cast<std::uint32_t>(index));
  ++topics_;
  return Route{slot.begin, slot.count, slot.responder, slot.valid, false};
}

}  // namespace ait::bus
