#include "ait/oms/order.h"

namespace ait::oms {

std::string_view toString(OrderStatus status) noexcept {
  switch (status) {
    case OrderStatus::Initialized: return "initialized";
    case OrderStatus::Submitted: return "submitted";
    case OrderStatus::Denied: return "denied";
    case OrderStatus::Accepted: return "accepted";
    case OrderStatus::Rejected: return "rejected";
    case OrderStatus::PartiallyFilled: return "partially_filled";
    case OrderStatus::Filled: return "filled";
    case OrderStatus::PendingCancel: return "pending_cancel";
    case OrderStatus::PendingModify: return "pending_modify";
    case OrderStatus::Cancelled: return "cancelled";
    case OrderStatus::Expired: return "expired";
  }
  return "unknown";
}

std::string_view toString(OrderTrigger trigger) noexcept {
  switch (trigger) {
    case OrderTrigger::Submit: return "submit";
    case OrderTrigger::Deny: return "deny";
    case OrderTrigger::Accept: return "accept";
    case OrderTrigger::Reject: return "reject";
    case OrderTrigger::PartialFill: return "partial_fill";
    case OrderTrigger::Fill: return "fill";
    case OrderTrigger::RequestCancel: return "request_cancel";
    case OrderTrigger::Cancel: return "cancel";
    case OrderTrigger::Expire: return "expire";
    case OrderTrigger::RequestModify: return "request_modify";
    case OrderTrigger::Modify: return "modify";
    case OrderTrigger::RefuseRequest: return "refuse_request";
  }
  return "unknown";
}

std::optional<OrderStatus> nextStatus(OrderStatus status, OrderTrigger trigger,
                                      bool hasFills) noexcept {
  using S = OrderStatus;
  using T = OrderTrigger;
  const S working = hasFills ? S::PartiallyFilled : S::Accepted;
  switch (status) {
    case S::Initialized:
      if (trigger == T::Submit) return S::Submitted;
      if (trigger == T::Deny) return S::Denied;
      return std::nullopt;
    case S::Submitted:
      if (trigger == T::Accept) return S::Accepted;
      if (trigger == T::Reject) return S::Rejected;
      return std::nullopt;
    case S::Accepted:
    case S::PartiallyFilled:
      switch (trigger) {
        case T::PartialFill: return S::PartiallyFilled;
        case T::Fill: return S::Filled;
        case T::Cancel: return S::Cancelled;
        case T::Expire: return S::Expired;
        case T::RequestCancel: return S::PendingCancel;
        case T::RequestModify: return S::PendingModify;
        case T::Modify: return status;
        default: return std::nullopt;
      }
    case S::PendingCancel:
      switch (trigger) {
        case T::Cancel: return S::Cancelled;
        case T::Expire: return S::Expired;
        case T::Fill: return S::Filled;
        case T::PartialFill: return S::PendingCancel;  // still waiting for the cancel
        case T::RefuseRequest: return working;
        default: return std::nullopt;
      }
    case S::PendingModify:
      switch (trigger) {
        case T::Modify: return working;
        case T::RefuseRequest: return working;
        case T::PartialFill: return S::PendingModify;
        case T::Fill: return S::Filled;
        case T::Cancel: return S::Cancelled;
        case T::Expire: return S::Expired;
        default: return std::nullopt;
      }
    case S::Denied:
    case S::Rejected:
    case S::Filled:
    case S::Cancelled:
    case S::Expired:
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace ait::oms
