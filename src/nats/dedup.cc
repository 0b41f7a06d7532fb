#include "ait/nats/dedup.h"

#include <cstring>

#include <fmt/format.h>

#include "ait/nats/errors.h"

namespace ait::nats {

std::string_view formatMessageId(std::string_view source, std::uint64_t sequence,
                                 std::span<char> out) noexcept {
  if (out.size() < source.size() + 21) return {};
  std::memcpy(out.data(), source.data(), source.size());
  out[source.size()] = ':';
  char* begin = out.data() + source.size() + 1;
  char* end = std::to_chars(begin, out.data() + out.size(), sequence).ptr;
  return {out.data(), static_cast<std::size_t>(end - out.data())};
}

std::optional<std::uint64_t> parseSequence(std::string_view text) noexcept {
  if (text.empty()) return std::nullopt;
  std::uint64_t value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

Expected<MessageId> parseMessageId(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return fail(errors::kBadMessage,
                fmt::format("message id \"{}\" is not \"<source>:<sequence>\"", text));
  }
  auto sequence = parseSequence(text.substr(colon + 1));
  if (!sequence || *sequence == 0) {
    return fail(errors::kBadMessage,
                fmt::format("message id \"{}\" has no positive sequence after ':'", text));
  }
  return MessageId{text.substr(0, colon), *sequence};
}

std::string_view toString(Verdict verdict) noexcept {
  switch (verdict) {
    case Verdict::Apply: return "apply";
    case Verdict::Duplicate: return "duplicate";
    case Verdict::Early: return "early";
  }
  return {};
}

Verdict Deduplicator::check(std::string_view source, std::uint64_t sequence,
                            std::uint64_t prev) const noexcept {
  const auto last = lastApplied(source);
  if (sequence <= last) return Verdict::Duplicate;
  // prev < last can only follow a change of the publisher's selection; the sequence still moves
  // forward, so applying keeps the order.
  if (prev <= last) return Verdict::Apply;
  return Verdict::Early;
}

void Deduplicator::markApplied(std::string_view source, std::uint64_t sequence) {
  auto it = applied_.find(source);
  if (it == applied_.end()) {
    applied_.emplace(std::string(source), sequence);
  } else if (sequence > it->second) {
    it->second = sequence;
  }
}

std::uint64_t Deduplicator::lastApplied(std::string_view source) const noexcept {
  auto it = applied_.find(source);
  return it == applied_.end() ? 0 : it->second;
}

}  // namespace ait::nats
