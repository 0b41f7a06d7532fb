#pragma once
// The data bridge's query index: the newest ticks and bars of every feed owner and symbol, in
// memory, written by one thread (the engine's, as the journal's events go by, or at start-up from the journal)
// and read by any number of HTTP threads without locks (a sequence lock per slot: a reader that
// races the writer sees the slot change and skips it).

#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "ait/core/clock.h"
#include "ait/core/error.h"
#include "ait/data/visibility.h"
#include "ait/model/events.h"

namespace ait::data {

/// A bounded ring of trivially copyable values: one writer, lock-free readers.
template <class T>
class SeqRing {
  static_assert(std::is_trivially_copyable_v<T>);
  static constexpr std::size_t kWords = (sizeof(T) + 7) / 8;

 public:
  /// `capacity` is rounded up to a power of two.
  explicit SeqRing(std::size_t capacity) {
    std::size_t n = 1;
    while (n < capacity) n <<= 1;
    slots_ = std::make_unique<Slot[]>(n);
    mask_ = n - 1;
  }

  /// Appends value, overwriting the oldest when full. Writer thread only.
  void push(const T& value) noexcept {
    const auto n = head_.load(std::memory_order_relaxed);
    Slot& slot = slots_[n & mask_];
    std::array<std::uint64_t, kWords> words{};
    std::memcpy(words.data(), &value, sizeof(T));
    slot.seq.store(0, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_release);
    for (std::size_t i = 0; i < kWords; ++i) slot.words[i].store(words[i], std::memory_order_relaxed);
    slot.seq.store(n + 1, std::memory_order_release);
    head_.store(n + 1, std::memory_order_release);
  }

  /// Returns the number of values ever pushed; the ring holds [head - capacity, head).
  std::uint64_t head() const noexcept { return head_.load(std::memory_order_acquire); }
  std::uint64_t capacity() const noexcept { return mask_ + 1; }
  /// Returns the oldest index still held.
  std::uint64_t tail() const noexcept {
    const auto h = head();
    return h > capacity() ? h - capacity() : 0;
  }

  /// Copies the value with this index into out; false when it was overwritten meanwhile.
  bool read(std::uint64_t index, T& out) const noexcept {
    const Slot& slot = slots_[index & mask_];
    const auto before = slot.seq.load(std::memory_order_acquire);
    if (before != index + 1) return false;
    std::array<std::uint64_t, kWords> words;
    for (std::size_t i = 0; i < kWords; ++i) words[i] = slot.words[i].load(std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_acquire);
    if (slot.seq.load(std::memory_order_relaxed) != before) return false;
    std::memcpy(static_cast<void*>(&out), words.data(), sizeof(T));
    return true;
  }

 private:
  struct Slot {
    std::atomic<std::uint64_t> seq{0};  // index + 1 when complete, 0 while being written
    std::array<std::atomic<std::uint64_t>, kWords> words{};
  };
  std::unique_ptr<Slot[]> slots_;
  std::uint64_t mask_ = 0;
  std::atomic<std::uint64_t> head_{0};
};

struct MarketIndexConfig {
  std::size_t ticksPerSymbol = 65536;
  std::size_t barsPerSeries = 4096;
  std::vector<model::Timeframe> timeframes;  // the bar series kept per symbol
  std::size_t maxSymbols = 256;
};

/// Series are kept apart per owner (the event's tenant) and symbol, so two tenants' EURUSD feeds
/// never mix; every query names its viewer and sees what visibleTo() allows: the viewer's own
/// series merged with the public ones.
class MarketIndex {
 public:
  /// Creates the index with room for the public series of `symbols` now; others are added on
  /// first sight up to config.maxSymbols series.
  MarketIndex(MarketIndexConfig config, const std::vector<model::InstrumentId>& symbols);

  /// Adds a tick or a bar (other events are ignored). Writer thread only; allocates only on the
  /// first sight of an owner's symbol.
  void add(const model::Event& event);

  /// Returns up to `limit` ticks of symbol visible to `viewer` with from <= ts_event < to,
  /// oldest first (the viewer's own and the public ones merged by time).
  std::vector<model::Tick> ticks(model::TenantId viewer, std::string_view symbol, TimestampNs from,
                                 TimestampNs to, std::size_t limit) const;
  /// Returns the bars of symbol and timeframe visible to `viewer` with from <= start < to,
  /// oldest first, each in its latest revision; fails for a timeframe the index does not keep.
  Expected<std::vector<model::Bar>> bars(model::TenantId viewer, std::string_view symbol,
                                         model::Timeframe timeframe, TimestampNs from,
                                         TimestampNs to, std::size_t limit) const;
  /// Returns the symbols with a series visible to `viewer`, each once.
  std::vector<std::string> symbols(model::TenantId viewer) const;
  /// Events the index could not keep (a series beyond maxSymbols).
  std::uint64_t overflow() const noexcept { return overflow_.load(std::memory_order_relaxed); }

 private:
  struct Entry {
    model::TenantId owner;
    model::InstrumentId id;
    SeqRing<model::Tick> ticks;
    std::vector<std::unique_ptr<SeqRing<model::Bar>>> bars;  // one per config timeframe
    Entry(model::TenantId tenant, model::InstrumentId instrument, const MarketIndexConfig& config);
  };

  Entry* find(model::TenantId owner, std::string_view symbol) const noexcept;
  Entry* findOrAdd(model::TenantId owner, const model::InstrumentId& id);
  /// The series of symbol a viewer sees: its own (if any) and the public one (if any).
  std::vector<const Entry*> visible(model::TenantId viewer, std::string_view symbol) const;
  std::vector<model::Tick> ticksOf(const Entry& entry, TimestampNs from, TimestampNs to,
                                   std::size_t limit) const;
  std::vector<model::Bar> barsOf(const Entry& entry, std::size_t series, TimestampNs from,
                                 TimestampNs to, std::size_t limit) const;

  MarketIndexConfig config_;
  std::unique_ptr<std::unique_ptr<Entry>[]> entries_;  // fixed array: readers never see it move
  std::atomic<std::size_t> count_{0};
  std::atomic<std::uint64_t> overflow_{0};
};

}  // namespace ait::data
