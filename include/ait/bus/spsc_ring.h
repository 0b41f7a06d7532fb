#pragma once
// A bounded single-producer single-consumer ring: power-of-two capacity, head and tail on their
// own cache lines, each side caching the other's index so that it touches the shared line only
// when the cached view says full (producer) or empty (consumer); the consumer takes batches in
// place and publishes the freed space once per batch.

#include <atomic>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <span>
#include <type_traits>

#include "ait/bus/config.h"

namespace ait::bus {

/// Separation that keeps two hot variables off each other's cache lines, including the line pair
/// that adjacent-line prefetchers fetch together.
inline constexpr std::size_t kFalseSharingRange = 128;

template <class T>
class SpscRing {
  static_assert(std::is_trivially_copyable_v<T>, "the ring copies slots as raw bytes");

 public:
  /// Builds an empty ring; capacity must satisfy isValidCapacity() (callers validate it).
  explicit SpscRing(std::size_t capacity)
      : mask_(capacity - 1),
        capacity_(capacity),
        slots_(static_cast<T*>(::operator new(capacity * sizeof(T), std::align_val_t{kAlign}))) {
    assert(isValidCapacity(capacity));
    // Touch every page now so that the first lap around the ring does not page-fault.
    std::memset(static_cast<void*>(slots_), 0, capacity * sizeof(T));
  }
  ~SpscRing() { ::operator delete(static_cast<void*>(slots_), std::align_val_t{kAlign}); }
  SpscRing(const SpscRing&) = delete;
  SpscRing& operator=(const SpscRing&) = delete;

  /// Producer: copies value in; returns false when the ring is full.
  bool tryPush(const T& value) noexcept {
    return tryEmplace([&](void* slot) { ::new (slot) T(value); });
  }

  /// Producer: calls fill(void* slot) to construct the element in place; false when full.
  template <class Fill>
  bool tryEmplace(Fill&& fill) noexcept {
    const std::uint64_t tail = tail_.load(std::memory_order_relaxed);
    if (tail - headCache_ >= capacity_) {
      headCache_ = head_.load(std::memory_order_acquire);
      if (tail - headCache_ >= capacity_) return false;
    }
    fill(static_cast<void*>(slots_ + (tail & mask_)));
    tail_.store(tail + 1, std::memory_order_release);
    return true;
  }

  /// Producer: pushes as many leading values as fit with one index update; returns how many.
  std::size_t tryPushBatch(std::span<const T> values) noexcept {
    const std::uint64_t tail = tail_.load(std::memory_order_relaxed);
    std::uint64_t free = capacity_ - (tail - headCache_);
    if (free < values.size()) {
      headCache_ = head_.load(std::memory_order_acquire);
      free = capacity_ - (tail - headCache_);
    }
    const std::size_t n = values.size() < free ? values.size() : static_cast<std::size_t>(free);
    for (std::size_t i = 0; i < n; ++i) ::new (static_cast<void*>(slots_ + ((tail + i) & mask_))) T(values[i]);
    if (n != 0) tail_.store(tail + n, std::memory_order_release);
    return n;
  }

  /// Consumer: calls f(T&) on up to max elements in order, in place, then frees their slots at
  /// once; returns how many it consumed. If f returns bool, false stops after that element.
  template <class F>
  std::size_t consume(std::size_t max, F&& f) noexcept(noexcept(f(std::declval<T&>()))) {
    const std::uint64_t head = head_.load(std::memory_order_relaxed);
    std::uint64_t available = tailCache_ - head;
    if (available < max) {
      tailCache_ = tail_.load(std::memory_order_acquire);
      available = tailCache_ - head;
      if (available == 0) return 0;
    }
    const std::size_t n = available < max ? static_cast<std::size_t>(available) : max;
    std::size_t done = 0;
    while (done < n) {
      T& slot = slots_[(head + done) & mask_];
      ++done;
      if constexpr (std::is_same_v<decltype(f(slot)), bool>) {
        if (!f(slot)) break;
      } else {
        f(slot);
      }
    }
    head_.store(head + done, std::memory_order_release);
    return done;
  }

  /// Consumer: moves the oldest element into out; false when empty.
  bool tryPop(T& out) noexcept {
    return consume(1, [&](T& value) { out = value; }) == 1;
  }

  /// Either side: true when the consumer has something to take (a snapshot).
  bool empty() const noexcept {
    return tail_.load(std::memory_order_acquire) == head_.load(std::memory_order_acquire);
  }
  /// Any thread: elements queued at the moment of the call (a snapshot).
  std::size_t sizeApprox() const noexcept {
    const auto head = head_.load(std::memory_order_acquire);
    const auto tail = tail_.load(std::memory_order_acquire);
    return tail >= head ? static_cast<std::size_t>(tail - head) : 0;
  }
  std::size_t capacity() const noexcept { return capacity_; }
  /// Any thread: elements ever pushed (the tail index).
  std::uint64_t pushed() const noexcept { return tail_.load(std::memory_order_relaxed); }
  /// Any thread: elements ever consumed (the head index).
  std::uint64_t consumed() const noexcept { return head_.load(std::memory_order_relaxed); }

 private:
  static constexpr std::size_t kAlign = alignof(T) > 64 ? alignof(T) : 64;

  // Producer's line: its own index and its view of the consumer's.
  alignas(kFalseSharingRange) std::atomic<std::uint64_t> tail_{0};
  std::uint64_t headCache_ = 0;
  // Consumer's line.
  alignas(kFalseSharingRange) std::atomic<std::uint64_t> head_{0};
  std::uint64_t tailCache_ = 0;
  // Read-only after construction, shared by both sides.
  alignas(kFalseSharingRange) const std::uint64_t mask_;
  const std::uint64_t capacity_;
  T* const slots_;
};

}  // namespace ait::bus
