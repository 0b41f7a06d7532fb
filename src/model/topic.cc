#include "ait/model/topic.h"

#include <cstring>

namespace ait::model {

namespace {

bool isSubjectChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

Topic marketData(const InstrumentId& instrument) {
  char buffer[kTopicCapacity];
  std::memcpy(buffer, "md.", 3);
  std::size_t size = 3;
  for (char c : instrument.symbol.view()) buffer[size++] = isSubjectChar(c) ? c : '_';
  return Topic::truncated(std::string_view(buffer, size));
}

std::string_view fixedTopic(EventType type) {
  switch (type) {
    case EventType::SubmitOrder: return "orders.submit";
    case EventType::CancelOrder: return "orders.cancel";
    case EventType::ModifyOrder: return "orders.modify";
    case EventType::OrderSubmitted: return "orders.submitted";
    case EventType::OrderDenied: return "orders.denied";
    case EventType::OrderAccepted: return "orders.accepted";
    case EventType::OrderRejected: return "orders.rejected";
    case EventType::OrderFilled: return "orders.filled";
    case EventType::OrderCancelled: return "orders.cancelled";
    case EventType::OrderExpired: return "orders.expired";
    case EventType::OrderModified: return "orders.modified";
    case EventType::PositionOpened:
    case EventType::PositionChanged:
    case EventType::PositionClosed: return "positions";
    case EventType::AccountState: return "account";
    case EventType::ServiceStatus: return "system.service_status";
    case EventType::GapDetected: return "system.gap_detected";
    case EventType::ReconciliationResult: return "system.reconciliation_result";
    case EventType::TradingStateChanged: return "system.trading_state";
    case EventType::Alert: return "system.alert";
    case EventType::Decision: return "ai.decisions";
    case EventType::Tick:
    case EventType::Bar: break;
  }
  return "unknown";
}

}  // namespace

Topic topicOf(const Event& event) noexcept {
  if (const auto* tick = std::get_if<Tick>(&event)) return marketData(tick->instrument);
  if (const auto* bar = std::get_if<Bar>(&event)) return marketData(bar->instrument);
  return Topic::truncated(fixedTopic(typeOf(event)));
}

}  // namespace ait::model
