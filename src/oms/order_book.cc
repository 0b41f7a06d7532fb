#include "ait/oms/order_book.h"

#include <bit>
#include <functional>
#include <string_view>

#include "ait/log/log.h"

namespace ait::oms {

OrderBook::OrderBook(std::uint32_t capacity)
    : capacity_(capacity),
      refusedMetric_(&metrics::Registry::global().counter(
          "ait_oms_transitions_refused_total",
          "Order state transitions refused as impossible (each one is a bug)")) {
  orders_.reserve(capacity);
  live_.reserve(capacity);
  // At most half full, so that probes stay short.
  std::size_t tableSize = std::bit_ceil(std::max<std::size_t>(16, std::size_t{capacity} * 2));
  table_.assign(tableSize, 0);
  mask_ = tableSize - 1;
}

std::size_t OrderBook::slotOf(model::TenantId tenant,
                              const model::ClientOrderId& id) const noexcept {
  std::size_t h = std::hash<std::string_view>{}(id.view());
  h ^= (static_cast<std::size_t>(tenant.value) + 0x9e3779b97f4a7c15ULL) * 0xff51afd7ed558ccdULL;
  std::size_t slot = h & mask_;
  while (table_[slot] != 0) {
    const Order& o = orders_[static_cast<std::size_t>(table_[slot] - 1)];
    if (o.tenant == tenant && o.clientOrderId == id) return slot;
    slot = (slot + 1) & mask_;
  }
  return slot;
}

std::int32_t OrderBook::find(model::TenantId tenant,
                             const model::ClientOrderId& id) const noexcept {
  return table_[slotOf(tenant, id)] - 1;
}

std::int32_t OrderBook::add(const Order& order) noexcept {
  if (full()) return -1;
  std::size_t slot = slotOf(order.tenant, order.clientOrderId);
  if (table_[slot] != 0) return -1;
  orders_.push_back(order);
  auto index = static_cast<std::int32_t>(orders_.size() - 1);
  table_[slot] = index + 1;
  live_.push_back(static_cast<std::uint32_t>(index));
  return index;
}

std::int32_t OrderBook::restore(const Order& order) noexcept {
  const std::int32_t index = add(order);
  if (index >= 0 && isTerminal(order.status)) dropLive(static_cast<std::uint32_t>(index));
  return index;
}

void OrderBook::dropLive(std::uint32_t index) noexcept {
  for (std::size_t i = live_.size(); i-- > 0;) {
    if (live_[i] == index) {
      live_.erase(live_.begin() + static_cast<std::ptrdiff_t>(i));
      return;
    }
  }
}

bool OrderBook::transition(std::uint32_t index, OrderTrigger trigger) noexcept {
  Order& order = orders_[index];
  auto next = nextStatus(order.status, trigger, order.filled > 0);
  if (!next) {
    ++refused_;
    refusedMetric_->inc();
    // A bug, and rare by definition: worth a formatted line off the normal path.
    static auto logger = log::logger("oms");
    log::warn(*logger, "impossible order transition refused",
              {{"client_order_id", order.clientOrderId.view()},
               {"status", toString(order.status)},
               {"trigger", toString(trigger)}});
    return false;
  }
  ++applied_;
  order.status = *next;
  if (isTerminal(*next)) dropLive(index);
  return true;
}

}  // namespace ait::oms
