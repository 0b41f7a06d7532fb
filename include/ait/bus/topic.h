#pragma once
// Topics and subscription patterns (NATS-like).
//
// A topic is one or more tokens joined by '.', e.g. "md.EURUSD" or "orders.7.new". A token is a
// non-empty run of printable ASCII other than '.', '*' and '>'. A pattern is a topic whose tokens
// may also be "*" (exactly one token, any value) or, as the last token only, ">" (one or more
// remaining tokens). So "md.*" matches "md.EURUSD" but not "md" or "md.EURUSD.l2"; "orders.>"
// matches "orders.new" and "orders.7.new" but not "orders". Topics and patterns are at most
// kMaxTopicLength bytes.
//
// The Router resolves a topic to the subscriptions that match it once per distinct topic and
// caches the answer, so that dispatch costs one hash lookup and allocates nothing.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ait/core/error.h"

namespace ait::bus {

inline constexpr std::size_t kMaxTopicLength = 255;

/// Returns true when text is a literal topic (no wildcards) within the syntax above.
bool isValidTopic(std::string_view text) noexcept;
/// Returns true when text is a topic or a pattern within the syntax above.
bool isValidPattern(std::string_view text) noexcept;
/// Returns nothing when pattern is valid, or AIT-BUS-0002 saying what is wrong with it.
Expected<void> checkPattern(std::string_view pattern);
/// Returns true when the (valid) pattern matches the (valid) topic.
bool topicMatches(std::string_view pattern, std::string_view topic) noexcept;

/// Returns a 64-bit hash of the topic bytes (not stable across versions; in-process use only).
std::uint64_t hashTopic(std::string_view topic) noexcept;

/// Engine-thread routing table: patterns registered by subscription index, and per distinct topic
/// the cached list of matching subscriptions. Not thread-safe; the engine thread owns it.
class Router {
 public:
  /// The subscriptions for one topic; read the indices with Router::at() before the next call
  /// that changes the router.
  struct Route {
    std::uint32_t begin = 0;
    std::uint32_t count = 0;
    std::int32_t responder = -1;  // the first matching responder's subscription, or -1
    bool valid = true;            // false: the topic breaks the syntax; nothing matches it
    bool uncached = false;        // the cache was full; the list lives in a scratch buffer
  };

  /// Caches at most maxTopics distinct topics; beyond that topics are matched on every event.
  explicit Router(std::uint32_t maxTopics);

  /// Registers a pattern for subscription (a subscriber, or a responder for requests); marks the
  /// cache for a rebuild at the next resolve(), so that it is safe during dispatch.
  Expected<void> add(std::uint32_t subscription, std::string_view pattern, bool responder);
  /// Unregisters subscription; false if it was not registered.
  bool remove(std::uint32_t subscription);

  /// Returns the route of topic; allocates only on the first sight of a distinct topic (and
  /// reports an invalid topic to the ErrorRegistry then).
  Route resolve(std::string_view topic);
  /// Returns the i-th subscription index of route.
  std::uint32_t at(const Route& route, std::uint32_t i) const noexcept {
    return route.uncached ? scratch_[route.begin + i] : lists_[route.begin + i];
  }

  /// Distinct topics cached.
  std::size_t topicCount() const noexcept { return topics_; }
  /// Resolutions done without the cache because it was full.
  std::uint64_t uncachedResolves() const noexcept { return uncachedResolves_; }
  /// Events seen with a topic that breaks the syntax.
  std::uint64_t invalidTopics() const noexcept { return invalidTopics_; }

 private:
  struct Pattern {
    std::string text;
    std::uint32_t subscription;
    bool responder;
  };
  struct Slot {
    std::uint64_t hash = 0;
    std::uint32_t nameOffset = 0;
    std::uint32_t nameLength = 0;
    std::uint32_t begin = 0;
    std::uint32_t count = 0;
    std::int32_t responder = -1;
    bool used = false;
    bool valid = true;
  };

  void fill(std::string_view topic, std::vector<std::uint32_t>& out, std::int32_t& responder) const;
  void rebuild();

  std::vector<Pattern> patterns_;
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> order_;  // used slots in insertion order, for rebuilds
  std::uint64_t mask_;
  std::string names_;
  std::vector<std::uint32_t> lists_;
  std::vector<std::uint32_t> scratch_;
  std::uint32_t maxTopics_;
  std::uint32_t topics_ = 0;
  bool dirty_ = false;
  std::uint64_t uncachedResolves_ = 0;
  std::uint64_t invalidTopics_ = 0;
};

}  // namespace ait::bus
