#pragma once
// Bus topics for events, computed without allocation.

#include "ait/model/events.h"
#include "ait/model/fixed_string.h"

namespace ait::model {

inline constexpr std::size_t kTopicCapacity = 48;
using Topic = FixedString<kTopicCapacity>;

/// Returns the event's topic: "md.<SYMBOL>" for ticks and bars, "orders.<kind>" for order
/// commands and events ("orders.submit", "orders.filled"), "positions", "account", and
/// "system.<kind>" ("system.service_status"). Symbol characters other than letters, digits, '_'
/// and '-' become '_' so the topic is a valid NATS subject ("BTC/USDT" -> "md.BTC_USDT").
Topic topicOf(const Event& event) noexcept;

}  // namespace ait::model
