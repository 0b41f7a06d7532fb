#include "ait/data/bars.h"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "ait/data/errors.h"

namespace ait::data {

namespace {
constexpr std::int64_t kNsPerSecond = 1'000'000'000;

std::int64_t periodNs(const model::Timeframe& timeframe) noexcept {
  return static_cast<std::int64_t>(timeframe.seconds) * kNsPerSecond;
}

// Floor division, so that times before 1970 still align down.
TimestampNs alignDown(TimestampNs ts, std::int64_t period) noexcept {
  auto q = ts / period;
  if (ts % period < 0) --q;
  return q * period;
}
}  // namespace

std::string_view toString(PriceBasis basis) noexcept {
  switch (basis) {
    case PriceBasis::Bid: return "bid";
    case PriceBasis::Ask: return "ask";
    case PriceBasis::Mid: return "mid";
  }
  return {};
}

Expected<PriceBasis> priceBasisFromString(std::string_view name) {
  for (auto basis : {PriceBasis::Bid, PriceBasis::Ask, PriceBasis::Mid}) {
    if (toString(basis) == name) return basis;
  }
  return fail(errors::kBadArgument, fmt::format("bar price '{}': use bid, ask or mid", name));
}

std::optional<model::Price> priceOn(const model::Tick& tick, PriceBasis basis) noexcept {
  const bool hasBid = (tick.flags & model::kTickBid) != 0;
  const bool hasAsk = (tick.flags & model::kTickAsk) != 0;
  switch (basis) {
    case PriceBasis::Bid:
      if (hasBid) return tick.bid;
      break;
    case PriceBasis::Ask:
      if (hasAsk) return tick.ask;
      break;
    case PriceBasis::Mid: {
      if (!hasBid || !hasAsk || tick.bid.scale() != tick.ask.scale()) break;
      std::int64_t sum = 0;
      if (__builtin_add_overflow(tick.bid.mantissa(), tick.ask.mantissa(), &sum)) break;
      // Half away from zero: an odd sum of positive prices rounds up.
      const std::int64_t mid = sum / 2 + (sum % 2 != 0 ? (sum > 0 ? 1 : -1) : 0);
      return model::Price::fromRaw(mid, tick.bid.scale());
    }
  }
  return std::nullopt;
}

Expected<BarBuilderConfig> barBuilderConfig(const config::BarsConfig& config) {
  BarBuilderConfig out;
  out.timeframes.clear();
  for (const auto& text : config.timeframes) {
    auto timeframe = model::Timeframe::parse(text);
    if (!timeframe || timeframe->seconds == 0 || 86'400 % timeframe->seconds != 0) {
      return fail(errors::kConfigInvalid,
                  fmt::format("data.bars.timeframes: '{}' is not a period dividing a day", text));
    }
    out.timeframes.push_back(*timeframe);
  }
  auto basis = priceBasisFromString(config.price);
  if (!basis) return Unexpected(std::move(basis.error()));
  out.basis = *basis;
  out.graceNs = config.grace_ms * 1'000'000;
  return out;
}

BarBuilder::BarBuilder(BarBuilderConfig config, const Clock& clock, Sink sink)
    : config_(std::move(config)), clock_(clock), sink_(std::move(sink)) {}

TimestampNs BarBuilder::marketNow() const noexcept {
  if (newestTick_ == 0) return 0;
  return newestTick_ + (clock_.monotonicNs() - newestTickMonotonic_);
}

void BarBuilder::add(model::Bar& bar, model::Price price, const model::Tick& tick) noexcept {
  if (bar.tickCount == 0) {
    bar.open = bar.high = bar.low = bar.close = price;
  } else {
    if (price > bar.high) bar.high = price;
    if (price < bar.low) bar.low = price;
    bar.close = price;
  }
  if (auto sum = bar.volume.plus(tick.volume)) bar.volume = *sum;
  ++bar.tickCount;
}

void BarBuilder::close(Slot& slot) {
  slot.bar.header.tsEvent = slot.bar.start + periodNs(slot.bar.timeframe);
  slot.bar.header.tsRecv = clock_.now();
  slot.bar.revision = 0;
  slot.last = slot.bar;
  slot.hasClosed = true;
  slot.open = false;
  ++closed_;
  sink_(slot.last);
}

void BarBuilder::closeDue(Series& series, TimestampNs now) {
  for (auto& slot : series.slots) {
    if (slot.open && slot.bar.start + periodNs(slot.bar.timeframe) <= now) close(slot);
  }
}

void BarBuilder::onTick(const model::Tick& tick) {
  const auto price = priceOn(tick, config_.basis);
  if (!price) {
    ++withoutPrice_;
    return;
  }
  const TimestampNs ts = tick.header.tsEvent;
  if (ts >= newestTick_) {
    newestTick_ = ts;
    newestTickMonotonic_ = clock_.monotonicNs();
  }
  const TimestampNs now = marketNow();

  auto it = series_.find(tick.instrument);
  if (it == series_.end()) {
    auto series = std::make_unique<Series>();
    series->slots.resize(config_.timeframes.size());
    it = series_.emplace(tick.instrument, std::move(series)).first;
  }
  Series& series = *it->second;
  closeDue(series, now);

  bool late = false;
  for (std::size_t i = 0; i < series.slots.size(); ++i) {
    Slot& slot = series.slots[i];
    const auto timeframe = config_.timeframes[i];
    const auto period = periodNs(timeframe);
    const TimestampNs start = alignDown(ts, period);
    if (slot.open && start == slot.bar.start) {
      add(slot.bar, *price, tick);
      continue;
    }
    const bool olderThanOpen = slot.open && start < slot.bar.start;
    const bool olderThanClosed = slot.hasClosed && start <= slot.last.start;
    if (olderThanOpen || olderThanClosed) {
      // A late tick: it may still amend the most recent closed bar within the grace.
      if (slot.hasClosed && start == slot.last.start &&
          now - slot.last.header.tsEvent <= config_.graceNs) {
        add(slot.last, *price, tick);
        ++slot.last.revision;
        slot.last.header.tsRecv = clock_.now();
        ++amended_;
        sink_(slot.last);
      } else {
        late = true;
      }
      continue;
    }
    if (slot.open) close(slot);
    slot.bar = model::Bar{};
    slot.bar.header.tenant = tick.header.tenant;
    slot.bar.instrument = tick.instrument;
    slot.bar.timeframe = timeframe;
    slot.bar.start = start;
    slot.bar.volume = model::Quantity::fromRaw(0, tick.volume.scale());
    slot.open = true;
    add(slot.bar, *price, tick);
  }
  if (late) ++tooLate_;
}

void BarBuilder::onClock() {
  const TimestampNs now = marketNow();
  if (now == 0) return;
  for (auto& [id, series] : series_) closeDue(*series, now);
}

void BarBuilder::flush() {
  for (auto& [id, series] : series_) {
    for (auto& slot : series->slots) {
      if (slot.open) close(slot);
    }
  }
}

}  // namespace ait::data
