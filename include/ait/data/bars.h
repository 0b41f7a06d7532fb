#pragma once
// Time bars from ticks: M1..D1 (any period dividing a day) on bid, ask or mid, aligned to UTC;
// D1 bars optionally run from one broker session close to the next (17:00 New York for FX).
// A bar closes when its period ends, by the next tick or by the clock (onClock), so a quiet
// market still closes its bars; a late tick within the grace period amends the closed bar, which
// is published again with the next revision.
//
// The builder's notion of "now" is the market's: the newest tick time it has seen plus the
// monotonic time elapsed since that tick arrived. Live, that is the wall clock; in a replay it
// follows the file's times, so replaying history at any speed builds the same bars.
//
// One builder per source thread; not synchronised. onTick and onClock do not allocate once an
// instrument has been seen.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ait/config/config.h"
#include "ait/core/clock.h"
#include "ait/core/error.h"
#include "ait/model/events.h"

namespace date {
class time_zone;
}

namespace ait::data {

/// A trading day that ends at a local time of day in a zone, daylight saving included: with
/// 17:00 America/New_York a day ends at 22:00 UTC in winter and 21:00 UTC in summer, and the days
/// the clocks change last 23 or 25 hours.
class DailySession {
 public:
  /// Parses "HH:MM Area/City" (an IANA zone); names the problem otherwise.
  static Expected<DailySession> parse(std::string_view text);

  /// The session containing ts: [start, end) in ns UTC.
  struct Span {
    TimestampNs start = 0;
    TimestampNs end = 0;
  };
  Span around(TimestampNs ts) const;

 private:
  // The close of the session of local date `days` (days since 1970-01-01), in ns UTC.
  TimestampNs closeOn(std::int64_t days) const;

  const date::time_zone* zone_ = nullptr;
  std::int64_t closeMinute_ = 0;  // minutes after local midnight
};

enum class PriceBasis : std::uint8_t { Bid, Ask, Mid };

/// Returns "bid", "ask" or "mid".
std::string_view toString(PriceBasis basis) noexcept;
Expected<PriceBasis> priceBasisFromString(std::string_view name);

/// Returns the tick's price on `basis`, or nullopt when the tick lacks it. Mid is (bid + ask) / 2
/// at the quote's scale, rounded half away from zero.
std::optional<model::Price> priceOn(const model::Tick& tick, PriceBasis basis) noexcept;

struct BarBuilderConfig {
  std::vector<model::Timeframe> timeframes{model::Timeframe{60}};
  PriceBasis basis = PriceBasis::Bid;
  std::int64_t graceNs = 2'000'000'000;
  /// D1 bars follow this session instead of 00:00 UTC (data.bars.d1_session_close).
  std::optional<DailySession> d1Session;
};

/// Returns the builder settings of `[data.bars]`, or an error naming the bad value.
Expected<BarBuilderConfig> barBuilderConfig(const config::BarsConfig& config);

class BarBuilder {
 public:
  using Sink = std::function<void(const model::Bar&)>;

  /// Emits closed and amended bars through `sink`, on the caller's thread.
  BarBuilder(BarBuilderConfig config, const Clock& clock, Sink sink);

  /// Adds a tick; closes the bars it ends and amends a closed bar it belongs to within the grace.
  void onTick(const model::Tick& tick);
  /// Closes every bar whose period has ended by the market's now.
  void onClock();
  /// Closes every open bar now (end of a file).
  void flush();

  /// The market's now: newest tick time + monotonic time since it arrived; 0 before any tick.
  TimestampNs marketNow() const noexcept;

  std::uint64_t closed() const noexcept { return closed_; }
  std::uint64_t amended() const noexcept { return amended_; }
  /// Ticks too late to amend their bar (beyond the grace, or older than the last closed bar).
  std::uint64_t tooLate() const noexcept { return tooLate_; }
  /// Ticks without the basis price (a trade for bid bars).
  std::uint64_t withoutPrice() const noexcept { return withoutPrice_; }

 private:
  struct Slot {
    bool open = false;       // `bar` is the current, unclosed bar
    bool hasClosed = false;  // `last` is the most recent closed bar
    TimestampNs end = 0;     // when `bar`'s period ends (D1 session bars are not all 24 h)
    model::Bar bar;
    model::Bar last;
  };
  struct Series {
    std::vector<Slot> slots;  // one per timeframe
  };

  void add(model::Bar& bar, model::Price price, const model::Tick& tick) noexcept;
  /// The period of `timeframe` containing ts; `slot` caches the current one.
  DailySession::Span periodOf(const Slot& slot, model::Timeframe timeframe, TimestampNs ts) const;
  void close(Slot& slot);
  void closeDue(Series& series, TimestampNs now);

  BarBuilderConfig config_;
  const Clock& clock_;
  Sink sink_;
  std::unordered_map<model::InstrumentId, std::unique_ptr<Series>> series_;
  TimestampNs newestTick_ = 0;
  std::int64_t newestTickMonotonic_ = 0;
  std::uint64_t closed_ = 0;
  std::uint64_t amended_ = 0;
  std::uint64_t tooLate_ = 0;
  std::uint64_t withoutPrice_ = 0;
};

}  // namespace ait::data
