#pragma once
// Puts a source's quotes back in time order before they are normalised and published. Feeds
// (a file merged from several recorders, a terminal resending after a hiccup) sometimes deliver a
// quote after a newer one; within a window, the buffer holds quotes and releases them in source
// time order. A quote older than one already released is beyond the window: it is handed on at
// once and counted as late (the normaliser then flags it kTickOutOfOrder when it is older than its
// symbol's last tick).
//
// A held quote is released when the source's clock has passed its time by the window. The
// source's clock is the newest source time seen plus the monotonic time since that quote came,
// so a live feed releases on time even when it goes quiet (call release() from the source's
// timer) and a replay at any speed releases by the file's own times.
//
// One buffer per source thread; not synchronised. offer() and release() do not allocate (the
// buffer is sized once); when it is full the oldest quote is released early.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "ait/core/clock.h"
#include "ait/data/normaliser.h"
#include "ait/model/ids.h"

namespace ait::data {

class ReorderBuffer {
 public:
  /// `windowNs` 0 turns reordering off: offer() hands every quote on at once.
  explicit ReorderBuffer(std::int64_t windowNs, std::size_t capacity = 4096)
      : windowNs_(windowNs), capacity_(capacity) {
    if (windowNs_ > 0) held_.reserve(capacity_);
  }

  bool enabled() const noexcept { return windowNs_ > 0; }
  std::int64_t windowNs() const noexcept { return windowNs_; }

  /// Takes a quote that arrived at `monotonicNs`; emit(const RawQuote&) receives every quote
  /// released by it, in source time order (and the quote itself when it is late).
  template <class Emit>
  void offer(const RawQuote& quote, std::int64_t monotonicNs, Emit&& emit) {
    if (!enabled() || quote.symbol.size() > model::Symbol::kCapacity) {
      emit(quote);  // off, or a symbol no instrument has: the normaliser rejects it as it is
      return;
    }
    if (released_ && quote.sourceTime < releasedTs_) {
      ++late_;
      emit(quote);
      return;
    }
    if (seen_ && quote.sourceTime < newestTs_) ++reordered_;
    if (!seen_ || quote.sourceTime >= newestTs_) {
      newestTs_ = quote.sourceTime;
      newestMonotonic_ = monotonicNs;
      seen_ = true;
    }
    if (held_.size() == capacity_) pop(emit);
    Held held{quote, model::Symbol::truncated(quote.symbol), order_++};
    held_.push_back(held);
    std::push_heap(held_.begin(), held_.end(), Later{});
    release(monotonicNs, emit);
  }

  /// Releases the quotes whose time the source's clock has passed by the window.
  template <class Emit>
  void release(std::int64_t monotonicNs, Emit&& emit) {
    if (held_.empty()) return;
    const TimestampNs due = newestTs_ + (monotonicNs - newestMonotonic_) - windowNs_;
    while (!held_.empty() && held_.front().quote.sourceTime <= due) pop(emit);
  }

  /// Releases every held quote (end of a file, the source stopping).
  template <class Emit>
  void flush(Emit&& emit) {
    while (!held_.empty()) pop(emit);
  }

  std::size_t held() const noexcept { return held_.size(); }
  /// Quotes that arrived after a newer one and were put back in order.
  std::uint64_t reordered() const noexcept { return reordered_; }
  /// Quotes older than one already released: beyond the window, handed on out of order.
  std::uint64_t late() const noexcept { return late_; }

 private:
  struct Held {
    RawQuote quote;        // its symbol view is re-pointed at `symbol` when released
    model::Symbol symbol;  // the text the quote's view pointed at, which the caller reuses
    std::uint64_t order = 0;
  };
  // A min-heap on (source time, arrival): equal times leave in the order they came.
  struct Later {
    bool operator()(const Held& a, const Held& b) const noexcept {
      if (a.quote.sourceTime != b.quote.sourceTime) return a.quote.sourceTime > b.quote.sourceTime;
      return a.order > b.order;
    }
  };

  template <class Emit>
  void pop(Emit& emit) {
    std::pop_heap(held_.begin(), held_.end(), Later{});
    Held held = held_.back();
    held_.pop_back();
    held.quote.symbol = held.symbol.view();
    releasedTs_ = held.quote.sourceTime;
    released_ = true;
    emit(held.quote);
  }

  std::int64_t windowNs_;
  std::size_t capacity_;
  std::vector<Held> held_;
  TimestampNs newestTs_ = 0;
  std::int64_t newestMonotonic_ = 0;
  TimestampNs releasedTs_ = 0;
  bool seen_ = false;
  bool released_ = false;
  std::uint64_t order_ = 0;
  std::uint64_t reordered_ = 0;
  std::uint64_t late_ = 0;
};

}  // namespace ait::data
