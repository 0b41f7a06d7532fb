#pragma once
// A bounded multi-producer single-consumer queue for casual publishers (Vyukov's bounded queue:
// one sequence number per cell, producers claim a position with one CAS). Each producer's events
// stay in the order it pushed them; a producer preempted between claim and commit holds back the
// consumer (not the other producers) until it commits.

#include <atomic>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <type_traits>

#include "ait/bus/config.h"
#include "ait/bus/spsc_ring.h"

namespace ait::bus {

template <class T>
class MpscQueue {
  static_assert(std::is_trivially_copyable_v<T>, "the queue copies cells as raw bytes");

 public:
  /// Builds an empty queue; capacity must satisfy isValidCapacity() (callers validate it).
  explicit MpscQueue(std::size_t capacity)
      : mask_(capacity - 1), cells_(std::make_unique<Cell[]>(capacity)) {
    assert(isValidCapacity(capacity));
    for (std::size_t i = 0; i < capacity; ++i) cells_[i].sequence.store(i, std::memory_order_relaxed);
  }

  /// Any producer thread: calls fill(void* slot) to construct the element; false when full.
  template <class Fill>
  bool tryEmplace(Fill&& fill) noexcept {
    std::uint64_t position = enqueue_.load(std::memory_order_relaxed);
    for (;;) {
      Cell& cell = cells_[position & mask_];
      const std::uint64_t sequence = cell.sequence.load(std::memory_order_acquire);
      const auto lag = static_cast<std::int64_t>(sequence - position);
      if (lag == 0) {
        if (enqueue_.compare_exchange_weak(position, position + 1, std::memory_order_relaxed)) {
          fill(static_cast<void*>(&cell.storage));
          cell.sequence.store(position + 1, std::memory_order_release);
          return true;
        }
      } else if (lag < 0) {
        return false;
      } else {
        position = enqueue_.load(std::memory_order_relaxed);
      }
    }
  }

  /// Any producer thread: copies value in; false when full.
  bool tryPush(const T& value) noexcept {
    return tryEmplace([&](void* slot) { ::new (slot) T(value); });
  }

  /// Consumer: calls f(T&) on up to max committed elements in order, in place; returns how many.
  /// If f returns bool, false stops after that element.
  template <class F>
  std::size_t consume(std::size_t max, F&& f) noexcept(noexcept(f(std::declval<T&>()))) {
    std::size_t n = 0;
    while (n < max) {
      Cell& cell = cells_[dequeue_ & mask_];
      if (cell.sequence.load(std::memory_order_acquire) != dequeue_ + 1) break;
      T& value = *std::launder(reinterpret_cast<T*>(&cell.storage));
      bool more = true;
      if constexpr (std::is_same_v<decltype(f(value)), bool>) {
        more = f(value);
      } else {
        f(value);
      }
      cell.sequence.store(dequeue_ + mask_ + 1, std::memory_order_release);
      ++dequeue_;
      ++n;
      if (!more) break;
    }
    if (n != 0) consumed_.store(dequeue_, std::memory_order_relaxed);
    return n;
  }

  /// Consumer: true when the next element is committed (a snapshot).
  bool readable() const noexcept {
    return cells_[dequeue_ & mask_].sequence.load(std::memory_order_acquire) == dequeue_ + 1;
  }
  /// Any thread: positions claimed minus elements consumed (a snapshot).
  std::size_t sizeApprox() const noexcept {
    const auto done = consumed_.load(std::memory_order_relaxed);
    const auto claimed = enqueue_.load(std::memory_order_relaxed);
    return claimed >= done ? static_cast<std::size_t>(claimed - done) : 0;
  }
  std::size_t capacity() const noexcept { return static_cast<std::size_t>(mask_ + 1); }
  /// Any thread: elements ever consumed.
  std::uint64_t consumed() const noexcept { return consumed_.load(std::memory_order_relaxed); }

 private:
  struct Cell {
    std::atomic<std::uint64_t> sequence{0};
    alignas(T) unsigned char storage[sizeof(T)];
  };

  const std::uint64_t mask_;
  std::unique_ptr<Cell[]> cells_;
  alignas(kFalseSharingRange) std::atomic<std::uint64_t> enqueue_{0};
  alignas(kFalseSharingRange) std::uint64_t dequeue_ = 0;
  std::atomic<std::uint64_t> consumed_{0};
};

}  // namespace ait::bus
