#pragma once
// Turns raw quotes from any source (MT5 terminals, files, the synthetic feed) into model::Tick
// events: prices at the instrument's fixed-point scale, ns UTC timestamps, the tenant of the
// connection. Checks every quote, counts rejections by reason, drops duplicates, flags ticks that
// arrive out of order and reports gaps: silences longer than the symbol's threshold counted in its
// trading session, noticed by the tick that ends them or, for a live source, by checkGaps() on its
// clock, whichever comes first, once per silence.
//
// One Normaliser per source thread: it is not synchronised. normalise() does not allocate, lock
// or throw; adding an instrument does (it happens on first sight of a symbol, not per tick).

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ait/core/clock.h"
#include "ait/core/error.h"
#include "ait/data/instruments.h"
#include "ait/metrics/metrics.h"
#include "ait/model/events.h"

namespace ait::data {

/// A quote as a source delivers it, before any check. Prices and volumes are doubles because
/// that is what terminals and text feeds carry; the normaliser fixes them to the instrument's
/// scale.
struct RawQuote {
  std::string_view symbol;
  double bid = 0.0;
  double ask = 0.0;
  double last = 0.0;
  double bidSize = 0.0;
  double askSize = 0.0;
  double volume = 0.0;
  /// Which of the fields above carry news (model::kTickBid, kTickAsk, kTickLast, kTickVolume);
  /// kTickBuy and kTickSell pass through. Absent fields are neither checked nor set.
  std::uint32_t flags = model::kTickBid | model::kTickAsk;
  /// When the quote happened at the source, ns since the epoch, UTC.
  TimestampNs sourceTime = 0;
  /// When this process received it; 0: the normaliser reads its clock. Also the "now" that the
  /// future-timestamp check compares with.
  TimestampNs recvTime = 0;
  model::TenantId tenant;
};

enum class RejectReason : std::uint8_t {
  UnknownSymbol,
  NoPrice,          // none of bid, ask, last present
  NotFinite,        // NaN or infinity
  NonPositive,      // price <= 0
  OutOfRange,       // does not fit the instrument's scale
  Crossed,          // bid > ask and crossed quotes are not accepted
  NegativeVolume,
  BadTimestamp,     // source time <= 0
  FutureTimestamp,  // beyond the tolerance ahead of the clock
  Duplicate,        // same time, prices and volumes as a recent tick of the symbol
};
inline constexpr std::size_t kRejectReasonCount = 10;

/// Returns the reason's metric label and API name ("unknown_symbol").
std::string_view toString(RejectReason reason) noexcept;

struct NormaliserConfig {
  bool acceptCrossed = false;
  std::int64_t futureToleranceNs = 2'000'000'000;
  /// Sources put quotes back in time order within this window before normalising them
  /// (data::ReorderBuffer); 0: off. The normaliser itself only flags what is still out of order.
  std::int64_t reorderWindowNs = 0;
};

/// Returns the normaliser settings of `[data.validation]`.
NormaliserConfig normaliserConfig(const config::ValidationConfig& config);

/// What normalise() did with one quote.
struct Outcome {
  bool accepted = false;
  /// The tick follows a gap: `gap` was filled and should be published before the tick.
  bool gap = false;
  RejectReason reason = RejectReason::UnknownSymbol;  // when not accepted
  std::string_view field;                             // the field at fault ("bid", "symbol")
};

/// Returns a message naming the rejected field and value, for the client that sent it. Allocates:
/// call it off the hot path or for a sample of rejections.
Error describeRejection(const Outcome& outcome, const RawQuote& quote);

class Normaliser {
 public:
  /// `source` names the feed in metrics ("histdata", "mt5-native", "synthetic").
  Normaliser(std::string source, NormaliserConfig config, const Clock& clock,
             metrics::Registry& registry = metrics::Registry::global());

  /// Adds or replaces an instrument, matched by symbol; refuses an invalid one.
  Expected<void> addInstrument(const InstrumentSpec& spec);
  /// Adds every instrument; stops at the first invalid one.
  Expected<void> addInstruments(const std::vector<InstrumentSpec>& specs);

  /// Checks the quote and, when it passes, fills `tick` (and `gap` when a gap not yet reported
  /// ended with it).
  Outcome normalise(const RawQuote& quote, model::Tick& tick, model::GapDetected& gap) noexcept;

  /// Reports each symbol whose last tick is further behind `now` than its threshold, counting
  /// only time in its session, and that has not been reported for this silence: emit(const
  /// model::GapDetected&) gets gap_start = the last tick's time, gap_end = now. Returns how many.
  /// A live source calls it from its timer with its clock; it does not allocate, and looks up a
  /// zone only for a symbol already quiet for longer than its threshold.
  template <class Emit>
  std::size_t checkGaps(TimestampNs now, Emit&& emit) {
    std::size_t found = 0;
    for (const auto& owned : states_) {
      SymbolState& state = *owned;
      const auto threshold = state.spec.gapThresholdNs;
      if (!state.seen || state.gapReported || threshold <= 0 || now - state.lastTs <= threshold) {
        continue;
      }
      if (state.spec.session.openNs(state.lastTs, now, threshold + 1) <= threshold) continue;
      fillGap(state, now, now, gap_);
      emit(static_cast<const model::GapDetected&>(gap_));
      ++found;
    }
    return found;
  }

  /// Returns the instrument known under `symbol`, or nullptr.
  const model::Instrument* instrument(std::string_view symbol) const noexcept;

  const std::string& source() const noexcept { return source_; }
  std::uint64_t accepted() const noexcept { return accepted_; }
  std::uint64_t rejected(RejectReason reason) const noexcept {
    return rejected_[static_cast<std::size_t>(reason)];
  }
  std::uint64_t rejectedTotal() const noexcept;
  std::uint64_t gaps() const noexcept { return gaps_; }
  std::uint64_t outOfOrder() const noexcept { return outOfOrder_; }

 private:
  static constexpr std::size_t kRecent = 8;  // ticks per symbol remembered for duplicates

  struct Fingerprint {
    TimestampNs ts = std::numeric_limits<TimestampNs>::min();
    std::int64_t bid = 0, ask = 0, last = 0, volume = 0;
    std::uint32_t flags = 0;
    bool operator==(const Fingerprint&) const = default;
  };
  struct SymbolState {
    InstrumentSpec spec;
    TimestampNs lastTs = 0;
    model::TenantId lastTenant;
    bool seen = false;
    bool gapReported = false;  // the silence after lastTs is reported already
    std::array<Fingerprint, kRecent> recent{};
    std::size_t recentNext = 0;
    metrics::Counter* ticksIn = nullptr;
    metrics::Counter* gaps = nullptr;
  };
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };

  Outcome reject(RejectReason reason, std::string_view field) noexcept;
  // Fills `gap` for the silence after the state's last tick up to `end`, marks it reported and
  // counts it.
  void fillGap(SymbolState& state, TimestampNs end, TimestampNs recv,
               model::GapDetected& gap) noexcept;
  SymbolState* find(std::string_view symbol) noexcept;

  std::string source_;
  NormaliserConfig config_;
  const Clock& clock_;
  metrics::Registry& registry_;
  std::vector<std::unique_ptr<SymbolState>> states_;
  std::unordered_map<std::string, SymbolState*, Hash, std::equal_to<>> bySymbol_;
  SymbolState* lastState_ = nullptr;  // consecutive quotes are mostly for the same symbol
  std::array<metrics::Counter*, kRejectReasonCount> rejectedMetric_{};
  metrics::Counter* outOfOrderMetric_ = nullptr;
  std::array<std::uint64_t, kRejectReasonCount> rejected_{};
  std::uint64_t accepted_ = 0;
  std::uint64_t gaps_ = 0;
  std::uint64_t outOfOrder_ = 0;
  model::GapDetected gap_;  // checkGaps()'s event
};

}  // namespace ait::data
