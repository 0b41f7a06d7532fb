#pragma once
// Every order of the engine, by (tenant, client order id), in storage sized at construction so
// that creating, finding and updating an order never allocates. A client order id seen once is
// remembered for the book's life: a repeated submit finds the first order (idempotence). Owned
// by the engine thread; not synchronised.

#include <cstdint>
#include <memory>
#include <vector>

#include "ait/metrics/metrics.h"
#include "ait/oms/order.h"

namespace ait::oms {

class OrderBook {
 public:
  /// Holds up to `capacity` orders over its life.
  explicit OrderBook(std::uint32_t capacity);

  /// Returns the index of the order, or -1.
  std::int32_t find(model::TenantId tenant, const model::ClientOrderId& id) const noexcept;
  /// Adds an Initialized order and returns its index; -1 when the id exists or the book is full.
  std::int32_t add(const Order& order) noexcept;

  /// Adds an order in whatever state it is (restoring a snapshot); -1 as add().
  std::int32_t restore(const Order& order) noexcept;
  Order& at(std::uint32_t index) noexcept { return orders_[index]; }
  const Order& at(std::uint32_t index) const noexcept { return orders_[index]; }
  std::uint32_t size() const noexcept { return static_cast<std::uint32_t>(orders_.size()); }
  std::uint32_t capacity() const noexcept { return capacity_; }
  bool full() const noexcept { return orders_.size() >= capacity_; }

  /// Moves the order through the state machine; an impossible transition is logged, counted
  /// and refused (returns false, the order is unchanged).
  bool transition(std::uint32_t index, OrderTrigger trigger) noexcept;

  /// Indexes of the orders that are not terminal yet (submitted or working), in creation order.
  const std::vector<std::uint32_t>& live() const noexcept { return live_; }
  /// Counts of applied and refused transitions (also exported as metrics).
  std::uint64_t refusedTransitions() const noexcept { return refused_; }
  std::uint64_t appliedTransitions() const noexcept { return applied_; }

 private:
  std::size_t slotOf(model::TenantId tenant, const model::ClientOrderId& id) const noexcept;
  void dropLive(std::uint32_t index) noexcept;

  std::uint32_t capacity_;
  std::vector<Order> orders_;
  std::vector<std::int32_t> table_;  // open addressing: order index + 1, 0 empty
  std::size_t mask_;
  std::vector<std::uint32_t> live_;
  std::uint64_t refused_ = 0;
  std::uint64_t applied_ = 0;
  metrics::Counter* refusedMetric_;
};

}  // namespace ait::oms
