#include "ait/model/events.h"

#include <cmath>
#include <string>
#include <vector>

#include "ait/model/errors.h"
#include "model/text.h"

namespace ait::model {

namespace {

struct TypeInfo {
  EventType type;
  std::uint16_t version;
  std::string_view name;
};

template <std::size_t... I>
constexpr std::array<TypeInfo, kEventTypeCount> makeTypeTable(std::index_sequence<I...>) {
  return {TypeInfo{std::variant_alternative_t<I, Event>::kType,
                   std::variant_alternative_t<I, Event>::kVersion,
                   std::variant_alternative_t<I, Event>::kName}...};
}

constexpr auto kTypes = makeTypeTable(std::make_index_sequence<kEventTypeCount>{});

constexpr bool typeIdsAndNamesAreUnique() {
  for (std::size_t i = 0; i < kTypes.size(); ++i) {
    for (std::size_t j = i + 1; j < kTypes.size(); ++j) {
      if (kTypes[i].type == kTypes[j].type || kTypes[i].name == kTypes[j].name) return false;
    }
  }
  return true;
}
static_assert(typeIdsAndNamesAreUnique(), "two event types share a type id or a name");

const TypeInfo* find(EventType type) noexcept {
  for (const auto& info : kTypes) {
    if (info.type == type) return &info;
  }
  return nullptr;
}

// Collects every violation so that one answer tells the caller all that is wrong.
class Violations {
 public:
  explicit Violations(std::string what) : what_(std::move(what)) {}
  void add(std::string message) { messages_.push_back(std::move(message)); }
  Expected<void> result() const {
    if (messages_.empty()) return {};
    std::string text;
    for (const auto& message : messages_) {
      if (!text.empty()) text += "; ";
      text += message;
    }
    return fail(kInvalidEvent, fmt::format("{}: {}", what_, text));
  }

 private:
  std::string what_;
  std::vector<std::string> messages_;
};

void requirePositive(Violations& v, std::string_view field, const std::optional<Price>& price) {
  if (price && !price->isPositive()) v.add(fmt::format("{} must be positive, is {}", field, *price));
}

void requireOrderNamed(Violations& v, const ClientOrderId& id, const AccountId& account) {
  if (id.empty()) v.add("client_order_id is empty");
  if (account.empty()) v.add("account is empty");
}

}  // namespace

std::string_view nameOf(EventType type) noexcept {
  const auto* info = find(type);
  return info != nullptr ? info->name : std::string_view{};
}

std::uint16_t schemaVersionOf(EventType type) noexcept {
  const auto* info = find(type);
  return info != nullptr ? info->version : 0;
}

std::optional<EventType> eventTypeFromId(std::uint16_t id) noexcept {
  const auto* info = find(static_cast<EventType>(id));
  if (info == nullptr) return std::nullopt;
  return info->type;
}

std::optional<EventType> eventTypeFromName(std::string_view name) noexcept {
  for (const auto& info : kTypes) {
    if (info.name == name) return info.type;
  }
  return std::nullopt;
}

Expected<Timeframe> Timeframe::parse(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return fail(kInvalidEvent, fmt::format("timeframe {}: {}", quoteForMessage(text), why));
  };
  if (text.size() < 2) return bad("expected <number><s|m|h|d|w>, e.g. \"1m\"");
  std::uint64_t count = 0;
  for (std::size_t i = 0; i + 1 < text.size(); ++i) {
    char c = text[i];
    if (c < '0' || c > '9') return bad("expected <number><s|m|h|d|w>, e.g. \"1m\"");
    count = count * 10 + static_cast<std::uint64_t>(c - '0');
    if (count > UINT32_MAX) return bad("too long");
  }
  std::uint64_t unit = 0;
  switch (text.back()) {
    case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    case 'd': unit = 86400; break;
    case 'w': unit = 604800; break;
    default: return bad("the unit must be s, m, h, d or w");
  }
  if (count * unit > UINT32_MAX) return bad("too long");
  return Timeframe{static_cast<std::uint32_t>(count * unit)};
}

std::string Timeframe::toString() const {
  if (seconds != 0) {
    if (seconds % 604800 == 0) return fmt::format("{}w", seconds / 604800);
    if (seconds % 86400 == 0) return fmt::format("{}d", seconds / 86400);
    if (seconds % 3600 == 0) return fmt::format("{}h", seconds / 3600);
    if (seconds % 60 == 0) return fmt::format("{}m", seconds / 60);
  }
  return fmt::format("{}s", seconds);
}

Expected<void> validate(const SubmitOrder& order) {
  Violations v(fmt::format("submit_order {}", quoteForMessage(order.clientOrderId.view())));
  requireOrderNamed(v, order.clientOrderId, order.account);
  if (order.instrument.symbol.empty()) v.add("instrument symbol is empty");
  if (!isValidEnum(order.side)) v.add("side is invalid");
  if (!isValidEnum(order.type)) v.add("type is invalid");
  if (!isValidEnum(order.timeInForce)) v.add("time_in_force is invalid");
  if (!order.quantity.isPositive()) {
    v.add(fmt::format("quantity must be positive, is {}", order.quantity));
  }
  bool needsPrice = order.type == OrderType::Limit || order.type == OrderType::StopLimit;
  bool needsStop = order.type == OrderType::Stop || order.type == OrderType::StopLimit;
  auto typeName = toString(order.type);
  if (needsPrice && !order.price) v.add(fmt::format("a {} order needs a price", typeName));
  if (!needsPrice && order.price) v.add(fmt::format("a {} order takes no price", typeName));
  if (needsStop && !order.stopPrice) v.add(fmt::format("a {} order needs a stop_price", typeName));
  if (!needsStop && order.stopPrice) {
    v.add(fmt::format("a {} order takes no stop_price", typeName));
  }
  requirePositive(v, "price", order.price);
  requirePositive(v, "stop_price", order.stopPrice);
  requirePositive(v, "stop_loss", order.stopLoss);
  requirePositive(v, "take_profit", order.takeProfit);
  if (order.timeInForce == TimeInForce::Gtd && !order.expireTime) {
    v.add("a gtd order needs an expire_time");
  }
  if (order.timeInForce != TimeInForce::Gtd && order.expireTime) {
    v.add(fmt::format("expire_time is only for gtd orders, not {}", toString(order.timeInForce)));
  }
  if (order.confidence && !(*order.confidence >= 0.0 && *order.confidence <= 1.0)) {
    v.add(fmt::format("confidence must be within [0, 1], is {}", *order.confidence));
  }
  if (order.trailingOffset && order.type != OrderType::Stop) {
    v.add(fmt::format("a trailing stop is a stop order, not {}", typeName));
  }
  if (order.trailingUnit && !order.trailingOffset) v.add("trailing_unit needs a trailing_offset");
  if (order.trailingUnit && !isValidEnum(*order.trailingUnit)) v.add("trailing_unit is invalid");
  requirePositive(v, "trailing_offset", order.trailingOffset);
  if (order.trailingOffset && order.trailingUnit == TrailingUnit::Percent &&
      *order.trailingOffset >= Price::fromRaw(100, 0)) {
    v.add(fmt::format("a trailing_offset in percent must be below 100, is {}",
                      *order.trailingOffset));
  }
  return v.result();
}

Expected<void> validate(const CancelOrder& cancel) {
  Violations v(fmt::format("cancel_order {}", quoteForMessage(cancel.clientOrderId.view())));
  requireOrderNamed(v, cancel.clientOrderId, cancel.account);
  return v.result();
}

Expected<void> validate(const ModifyOrder& modify) {
  Violations v(fmt::format("modify_order {}", quoteForMessage(modify.clientOrderId.view())));
  requireOrderNamed(v, modify.clientOrderId, modify.account);
  if (!modify.quantity && !modify.price && !modify.stopPrice && !modify.stopLoss &&
      !modify.takeProfit) {
    v.add("changes nothing (give quantity, price, stop_price, stop_loss or take_profit)");
  }
  if (modify.quantity && !modify.quantity->isPositive()) {
    v.add(fmt::format("quantity must be positive, is {}", *modify.quantity));
  }
  requirePositive(v, "price", modify.price);
  requirePositive(v, "stop_price", modify.stopPrice);
  // Zero removes a stop loss or take profit; only negative values are wrong.
  if (modify.stopLoss && modify.stopLoss->isNegative()) v.add("stop_loss must not be negative");
  if (modify.takeProfit && modify.takeProfit->isNegative()) {
    v.add("take_profit must not be negative");
  }
  return v.result();
}

Expected<void> validateCommand(const Event& event) {
  if (const auto* submit = std::get_if<SubmitOrder>(&event)) return validate(*submit);
  if (const auto* cancel = std::get_if<CancelOrder>(&event)) return validate(*cancel);
  if (const auto* modify = std::get_if<ModifyOrder>(&event)) return validate(*modify);
  return {};
}

}  // namespace ait::model
