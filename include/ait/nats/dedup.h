#pragma once
// Exactly-once application on the consuming side. Every message carries its source (the
// publisher's id), its journal sequence and the sequence of the previous message that source
// published ("prev"). The consumer applies a message only when it follows the last one applied
// from its source, drops what it already applied, and holds back (negative-acknowledges) a
// message whose predecessor has not arrived yet, so redeliveries after a server restart can
// neither duplicate nor reorder events.

#include <charconv>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "ait/core/error.h"

namespace ait::nats {

/// The id published in the Nats-Msg-Id header: "<source>:<sequence>".
struct MessageId {
  std::string_view source;
  std::uint64_t sequence = 0;
};

/// Writes "<source>:<sequence>" into out (at least source.size() + 21 bytes) and returns it.
std::string_view formatMessageId(std::string_view source, std::uint64_t sequence,
                                 std::span<char> out) noexcept;
/// Returns the parsed id, or AIT-NATS-0007 naming the bad text.
Expected<MessageId> parseMessageId(std::string_view text);
/// Returns the decimal number in text, or nullopt unless text is all digits.
std::optional<std::uint64_t> parseSequence(std::string_view text) noexcept;

/// What to do with one delivered message.
enum class Verdict : std::uint8_t {
  Apply,      // the next one from its source: apply, then acknowledge
  Duplicate,  // applied before: acknowledge without applying
  Early,      // its predecessor is missing: hold back so it is redelivered after the predecessor
};

std::string_view toString(Verdict verdict) noexcept;

/// Last applied sequence per source. Not thread-safe: one consumer thread owns it.
class Deduplicator {
 public:
  using State = std::map<std::string, std::uint64_t, std::less<>>;

  Deduplicator() = default;
  explicit Deduplicator(State state) : applied_(std::move(state)) {}

  /// Returns the verdict for message `sequence` from source whose predecessor is prev.
  Verdict check(std::string_view source, std::uint64_t sequence, std::uint64_t prev) const noexcept;
  /// Records that the message was applied; a sequence at or below the last is ignored.
  void markApplied(std::string_view source, std::uint64_t sequence);
  /// Returns the last sequence applied from source, 0 if none.
  std::uint64_t lastApplied(std::string_view source) const noexcept;
  const State& state() const noexcept { return applied_; }

 private:
  State applied_;
};

}  // namespace ait::nats
