#pragma once
// An order as the engine tracks it, and the strict state machine of its lifecycle.
//
//   Initialized -> Submitted | Denied
//   Submitted -> Accepted | Rejected
//   Accepted | PartiallyFilled -> PartiallyFilled | Filled | Cancelled | Expired
//                                 | PendingCancel | PendingModify | (modified: same state)
//   PendingCancel -> Cancelled | PartiallyFilled | Filled | Expired | Accepted/PartiallyFilled
//                    (the venue refused the cancel)
//   PendingModify -> Accepted/PartiallyFilled (modified or refused) | PartiallyFilled | Filled
//                    | Cancelled | Expired
//   Filled, Denied, Rejected, Cancelled, Expired: terminal.
// Any other transition is a bug: OrderBook logs it, counts it and leaves the order unchanged.

#include <cstdint>
#include <optional>
#include <string_view>

#include "ait/model/events.h"

namespace ait::oms {

enum class OrderStatus : std::uint8_t {
  Initialized,
  Submitted,
  Denied,
  Accepted,
  Rejected,
  PartiallyFilled,
  Filled,
  PendingCancel,
  PendingModify,
  Cancelled,
  Expired,
};
inline constexpr std::size_t kOrderStatusCount = 11;

/// What happens to an order; each event or command maps to one trigger.
enum class OrderTrigger : std::uint8_t {
  Submit,         // passed risk, sent to the venue
  Deny,           // refused by risk
  Accept,         // the venue took it
  Reject,         // the venue refused it
  PartialFill,    // a fill that leaves quantity
  Fill,           // the fill that completes it
  RequestCancel,  // a cancel was asked for
  Cancel,         // the venue cancelled it
  Expire,         // its time in force ran out
  RequestModify,  // a change was asked for
  Modify,         // the venue applied the change
  RefuseRequest,  // the venue refused a pending cancel or modify
};
inline constexpr std::size_t kOrderTriggerCount = 12;

std::string_view toString(OrderStatus status) noexcept;
std::string_view toString(OrderTrigger trigger) noexcept;

/// Returns the state after the trigger, or nullopt when the transition is impossible.
/// `hasFills` says whether the order already has fills (where a refused request returns to).
std::optional<OrderStatus> nextStatus(OrderStatus status, OrderTrigger trigger,
                                      bool hasFills) noexcept;

constexpr bool isTerminal(OrderStatus s) noexcept {
  return s == OrderStatus::Filled || s == OrderStatus::Denied || s == OrderStatus::Rejected ||
         s == OrderStatus::Cancelled || s == OrderStatus::Expired;
}
/// Working at the venue (can still fill).
constexpr bool isWorking(OrderStatus s) noexcept {
  return s == OrderStatus::Accepted || s == OrderStatus::PartiallyFilled ||
         s == OrderStatus::PendingCancel || s == OrderStatus::PendingModify;
}

/// Decimal places of Order::trailPercent (0.25 % is 250'000).
inline constexpr std::uint8_t kTrailPercentScale = 6;

/// An order: the command that created it plus what happened since. Prices and quantities are
/// mantissas at the instrument's scales (0 when absent); trivially copyable, no heap.
struct Order {
  model::TenantId tenant;
  model::ClientOrderId clientOrderId;
  model::VenueOrderId venueOrderId;
  model::AccountId account;
  model::InstrumentId instrument;
  model::StrategyId strategy;
  model::OcoGroupId ocoGroup;
  /// Hedging: the position this order closes (bracket legs); empty opens a new one.
  model::PositionId closesPosition;
  model::ReasonCode reasonCode;  // of a denial or rejection
  std::uint32_t instrumentIndex = 0;
  std::uint32_t accountIndex = 0;
  model::Side side = model::Side::Buy;
  model::OrderType type = model::OrderType::Market;
  model::TimeInForce timeInForce = model::TimeInForce::Gtc;
  OrderStatus status = OrderStatus::Initialized;
  std::int64_t quantity = 0;
  std::int64_t filled = 0;
  std::int64_t price = 0;      // limit price
  std::int64_t stopPrice = 0;  // trigger price
  std::int64_t stopLoss = 0;
  std::int64_t takeProfit = 0;
  /// Sum of fill price x fill quantity, for the average fill price.
  std::int64_t filledCost = 0;
  TimestampNs expireTime = 0;
  TimestampNs createdAt = 0;
  TimestampNs updatedAt = 0;
  /// A trailing stop (a stop order): the distance its stop price keeps from the quote, in
  /// price mantissas, or in percent of the quote at kTrailPercentScale decimals; 0 when not.
  std::int64_t trailOffset = 0;
  std::int64_t trailPercent = 0;
  double confidence = -1.0;  // < 0: not an AI signal
  /// Index of the parent order of a bracket leg, or -1.
  std::int32_t parent = -1;
  bool bracketPlaced = false;  // the SL/TP legs of this order exist
  bool triggered = false;      // a stop has triggered (the venue's view)

  std::int64_t leaves() const noexcept { return quantity - filled; }
  bool hasStopLoss() const noexcept { return stopLoss != 0; }
  bool hasTakeProfit() const noexcept { return takeProfit != 0; }
  bool isTrailing() const noexcept { return trailOffset != 0 || trailPercent != 0; }
};

}  // namespace ait::oms
