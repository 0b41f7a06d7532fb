#pragma once
// The mapping from an event to its JetStream subject, computed without allocation:
//   ait.<tenant>.md.<SYMBOL>   ticks and bars
//   ait.<tenant>.orders        order commands and order events
//   ait.<tenant>.positions     position events
//   ait.<tenant>.account       account state
//   ait.<tenant>.system        service status, gaps, reconciliation results
// The tenant is its decimal id (0 is the platform itself).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ait/core/error.h"
#include "ait/model/events.h"
#include "ait/model/fixed_string.h"

namespace ait::nats {

inline constexpr std::size_t kSubjectCapacity = 64;
using Subject = model::FixedString<kSubjectCapacity>;

/// The event streams a publisher may select, one subject family each.
enum class StreamKind : std::uint8_t { MarketData = 0, Orders = 1, Positions = 2, Account = 3, System = 4 };

/// Returns "md", "orders", "positions", "account" or "system".
std::string_view toString(StreamKind kind) noexcept;
/// Returns the kind named by text, or nullopt.
std::optional<StreamKind> streamKindFromString(std::string_view text) noexcept;
/// Returns the stream an event type belongs to.
constexpr StreamKind streamKindOf(model::EventType type) noexcept {
  using model::EventType;
  switch (type) {
    case EventType::Tick:
    case EventType::Bar: return StreamKind::MarketData;
    case EventType::PositionOpened:
    case EventType::PositionChanged:
    case EventType::PositionClosed: return StreamKind::Positions;
    case EventType::AccountState: return StreamKind::Account;
    case EventType::ServiceStatus:
    case EventType::GapDetected:
    case EventType::ReconciliationResult:
    case EventType::TradingStateChanged:
    case EventType::Alert: return StreamKind::System;
    case EventType::Decision: return StreamKind::System;
    default: return StreamKind::Orders;
  }
}

/// A set of StreamKinds as a bit mask, checked per event without allocation.
class StreamSelection {
 public:
  constexpr StreamSelection() noexcept = default;
  /// Returns every stream.
  static constexpr StreamSelection all() noexcept { return StreamSelection(0x1f); }
  /// Returns the streams named ("md", "orders", ...), or AIT-NATS-0001 naming each unknown name.
  static Expected<StreamSelection> parse(const std::vector<std::string>& names);

  constexpr void add(StreamKind kind) noexcept { bits_ |= bit(kind); }
  constexpr bool contains(StreamKind kind) const noexcept { return (bits_ & bit(kind)) != 0; }
  constexpr bool contains(model::EventType type) const noexcept { return contains(streamKindOf(type)); }
  constexpr bool empty() const noexcept { return bits_ == 0; }

 private:
  constexpr explicit StreamSelection(std::uint8_t bits) noexcept : bits_(bits) {}
  static constexpr std::uint8_t bit(StreamKind kind) noexcept {
    return static_cast<std::uint8_t>(1U << static_cast<unsigned>(kind));
  }
  std::uint8_t bits_ = 0;
};

/// Returns the event's subject (see the table above); never allocates.
Subject subjectOf(const model::Event& event) noexcept;

/// Returns the name of the JetStream stream: "<prefix>_EVENTS".
std::string streamName(std::string_view prefix);

}  // namespace ait::nats
