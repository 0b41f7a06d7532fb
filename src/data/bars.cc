#include "ait/data/bars.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <utility>

#include <date/tz.h>
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

Expected<DailySession> DailySession::parse(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return fail(errors::kConfigInvalid,
                fmt::format("data.bars.d1_session_close: '{}' {} (use \"HH:MM Area/City\", e.g. "
                            "\"17:00 America/New_York\")",
                            text, why));
  };
  const auto space = text.find(' ');
  if (space != 5 || text[2] != ':') return bad("is not a time of day and a zone");
  int hours = -1, minutes = -1;
  auto h = std::from_chars(text.data(), text.data() + 2, hours);
  auto m = std::from_chars(text.data() + 3, text.data() + 5, minutes);
  if (h.ec != std::errc() || h.ptr != text.data() + 2 || m.ec != std::errc() ||
      m.ptr != text.data() + 5 || hours > 23 || minutes > 59 || hours < 0 || minutes < 0) {
    return bad("has no valid HH:MM time");
  }
  DailySession session;
  session.closeMinute_ = hours * 60 + minutes;
  const auto zone = text.substr(space + 1);
  try {
    session.zone_ = date::locate_zone(zone);
  } catch (const std::exception& e) {
    return bad(fmt::format("names an unknown zone ({})", e.what()));
  }
  return session;
}

TimestampNs DailySession::closeOn(std::int64_t days) const {
  using namespace std::chrono;
  const date::local_time<nanoseconds> local{nanoseconds(days * 86'400 * kNsPerSecond +
                                                        closeMinute_ * 60 * kNsPerSecond)};
  // A close inside a DST gap or overlap maps to the earliest instant; nothing throws.
  return zone_->to_sys(local, date::choose::earliest).time_since_epoch().count();
}

DailySession::Span DailySession::around(TimestampNs ts) const {
  using namespace std::chrono;
  const auto info = zone_->get_info(date::sys_time<nanoseconds>(nanoseconds(ts)));
  const TimestampNs local = ts + duration_cast<nanoseconds>(info.offset).count();
  const std::int64_t day = alignDown(local, 86'400 * kNsPerSecond) / (86'400 * kNsPerSecond);
  // The session that ends on this local date's close, or the next one when ts is past it.
  for (std::int64_t d = day - 1; d <= day + 1; ++d) {
    const auto end = closeOn(d + 1);
    const auto start = closeOn(d);
    if (start <= ts && ts < end) return {start, end};
  }
  return {closeOn(day), closeOn(day + 1)};  // not reached: the three spans cover ts
}

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
  if (!config.d1_session_close.empty()) {
    auto session = DailySession::parse(config.d1_session_close);
    if (!session) return Unexpected(std::move(session.error()));
    out.d1Session = *session;
  }
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

DailySession::Span BarBuilder::periodOf(const Slot& slot, model::Timeframe timeframe,
                                        TimestampNs ts) const {
  if (config_.d1Session && timeframe.seconds == 86'400) {
    if (slot.open && slot.bar.start <= ts && ts < slot.end) return {slot.bar.start, slot.end};
    return config_.d1Session->around(ts);  // a zone lookup, once per session, not per tick
  }
  const auto period = periodNs(timeframe);
  const auto start = alignDown(ts, period);
  return {start, start + period};
}

void BarBuilder::close(Slot& slot) {
  slot.bar.header.tsEvent = slot.end;
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
    if (slot.open && slot.end <= now) close(slot);
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
    const auto span = periodOf(slot, timeframe, ts);
    const TimestampNs start = span.start;
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
    slot.end = span.end;
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
