#include "ait/data/normaliser.h"

#include <cmath>
#include <utility>

#include <fmt/format.h>

#include "ait/data/errors.h"

namespace ait::data {

namespace {

constexpr std::array<std::string_view, kRejectReasonCount> kReasonNames{
    "unknown_symbol", "no_price",         "not_finite", "non_positive", "out_of_range",
    "crossed",        "negative_volume", "bad_timestamp", "future_timestamp", "duplicate"};

// Converts one present price; returns the reason it cannot be used, or nothing.
inline bool fixPrice(double value, std::uint8_t scale, model::Price& out,
                     RejectReason& reason) noexcept {
  if (!std::isfinite(value)) {
    reason = RejectReason::NotFinite;
    return false;
  }
  if (value <= 0.0) {
    reason = RejectReason::NonPositive;
    return false;
  }
  auto price = model::Price::fromDouble(value, scale);
  if (!price) {
    reason = RejectReason::OutOfRange;
    return false;
  }
  out = *price;
  return true;
}

inline bool fixVolume(double value, std::uint8_t scale, model::Quantity& out,
                      RejectReason& reason) noexcept {
  if (value == 0.0) return true;  // most quotes carry no sizes: out is already 0 at the scale
  if (!std::isfinite(value)) {
    reason = RejectReason::NotFinite;
    return false;
  }
  if (value < 0.0) {
    reason = RejectReason::NegativeVolume;
    return false;
  }
  auto quantity = model::Quantity::fromDouble(value, scale);
  if (!quantity) {
    reason = RejectReason::OutOfRange;
    return false;
  }
  out = *quantity;
  return true;
}

}  // namespace

std::string_view toString(RejectReason reason) noexcept {
  auto i = static_cast<std::size_t>(reason);
  return i < kReasonNames.size() ? kReasonNames[i] : std::string_view{};
}

NormaliserConfig normaliserConfig(const config::ValidationConfig& config) {
  return {.acceptCrossed = config.accept_crossed,
          .futureToleranceNs = config.future_tolerance_ms * 1'000'000,
          .reorderWindowNs = config.reorder_window_ms * 1'000'000};
}

Error describeRejection(const Outcome& outcome, const RawQuote& quote) {
  double value = 0.0;
  if (outcome.field == "bid") value = quote.bid;
  if (outcome.field == "ask") value = quote.ask;
  if (outcome.field == "last") value = quote.last;
  if (outcome.field == "bid_size") value = quote.bidSize;
  if (outcome.field == "ask_size") value = quote.askSize;
  if (outcome.field == "volume") value = quote.volume;
  std::string shown;
  if (outcome.field == "symbol") {
    shown = fmt::format("'{}'", quote.symbol);
  } else if (outcome.field == "time") {
    shown = fmt::format("{} ns", quote.sourceTime);
  } else if (outcome.reason == RejectReason::Crossed) {
    shown = fmt::format("bid {} > ask {}", quote.bid, quote.ask);
  } else if (!outcome.field.empty()) {
    shown = fmt::format("{}", value);
  }
  return Error(errors::kQuoteRejected,
               fmt::format("{} {}: {} ({})", quote.symbol, outcome.field, toString(outcome.reason),
                           shown));
}

Normaliser::Normaliser(std::string source, NormaliserConfig config, const Clock& clock,
                       metrics::Registry& registry)
    : source_(std::move(source)), config_(config), clock_(clock), registry_(registry) {
  for (std::size_t i = 0; i < kRejectReasonCount; ++i) {
    rejectedMetric_[i] = &registry_.counter("ait_data_ticks_rejected_total",
                                            "Quotes rejected by validation, by source and reason",
                                            {{"source", source_}, {"reason", std::string(kReasonNames[i])}});
  }
  outOfOrderMetric_ = &registry_.counter(
      "ait_data_ticks_out_of_order_total",
      "Ticks older than one already published for their symbol, passed on flagged out_of_order",
      {{"source", source_}});
}

Expected<void> Normaliser::addInstrument(const InstrumentSpec& spec) {
  if (auto valid = spec.instrument.validate(); !valid) return valid;
  std::string symbol(spec.instrument.id.symbol.view());
  auto it = bySymbol_.find(symbol);
  if (it != bySymbol_.end()) {
    it->second->spec = spec;
    return {};
  }
  auto state = std::make_unique<SymbolState>();
  state->spec = spec;
  state->ticksIn = &registry_.counter("ait_data_ticks_in_total",
                                      "Ticks accepted, by source and symbol",
                                      {{"source", source_}, {"symbol", symbol}});
  state->gaps = &registry_.counter("ait_data_gaps_total", "Gaps detected, by source and symbol",
                                   {{"source", source_}, {"symbol", symbol}});
  bySymbol_.emplace(std::move(symbol), state.get());
  states_.push_back(std::move(state));
  lastState_ = nullptr;
  return {};
}

Expected<void> Normaliser::addInstruments(const std::vector<InstrumentSpec>& specs) {
  for (const auto& spec : specs) {
    if (auto added = addInstrument(spec); !added) return added;
  }
  return {};
}

const model::Instrument* Normaliser::instrument(std::string_view symbol) const noexcept {
  auto it = bySymbol_.find(symbol);
  return it == bySymbol_.end() ? nullptr : &it->second->spec.instrument;
}

std::uint64_t Normaliser::rejectedTotal() const noexcept {
  std::uint64_t total = 0;
  for (auto n : rejected_) total += n;
  return total;
}

Normaliser::SymbolState* Normaliser::find(std::string_view symbol) noexcept {
  if (lastState_ != nullptr && lastState_->spec.instrument.id.symbol.view() == symbol) {
    return lastState_;
  }
  auto it = bySymbol_.find(symbol);
  if (it == bySymbol_.end()) return nullptr;
  lastState_ = it->second;
  return lastState_;
}

Outcome Normaliser::reject(RejectReason reason, std::string_view field) noexcept {
  auto i = static_cast<std::size_t>(reason);
  ++rejected_[i];
  rejectedMetric_[i]->inc();
  return {.accepted = false, .gap = false, .reason = reason, .field = field};
}

void Normaliser::fillGap(SymbolState& state, TimestampNs end, TimestampNs recv,
                         model::GapDetected& gap) noexcept {
  gap = model::GapDetected{};
  gap.header.tenant = state.lastTenant;
  gap.header.tsEvent = end;
  gap.header.tsRecv = recv;
  gap.instrument = state.spec.instrument.id;
  gap.gapStart = state.lastTs;
  gap.gapEnd = end;
  state.gapReported = true;
  ++gaps_;
  state.gaps->inc();
}

Outcome Normaliser::normalise(const RawQuote& quote, model::Tick& tick,
                              model::GapDetected& gap) noexcept {
  SymbolState* state = find(quote.symbol);
  if (state == nullptr) return reject(RejectReason::UnknownSymbol, "symbol");
  const auto& instrument = state->spec.instrument;
  const std::uint32_t present = quote.flags;
  if ((present & (model::kTickBid | model::kTickAsk | model::kTickLast)) == 0) {
    return reject(RejectReason::NoPrice, "bid");
  }

  model::Tick out;
  RejectReason reason{};
  const auto scale = instrument.priceScale;
  if ((present & model::kTickBid) != 0 && !fixPrice(quote.bid, scale, out.bid, reason)) {
    return reject(reason, "bid");
  }
  if ((present & model::kTickAsk) != 0 && !fixPrice(quote.ask, scale, out.ask, reason)) {
    return reject(reason, "ask");
  }
  if ((present & model::kTickLast) != 0 && !fixPrice(quote.last, scale, out.last, reason)) {
    return reject(reason, "last");
  }
  const auto qscale = instrument.quantityScale;
  out.bidSize = model::Quantity::fromRaw(0, qscale);
  out.askSize = model::Quantity::fromRaw(0, qscale);
  out.volume = model::Quantity::fromRaw(0, qscale);
  if (!fixVolume(quote.bidSize, qscale, out.bidSize, reason)) return reject(reason, "bid_size");
  if (!fixVolume(quote.askSize, qscale, out.askSize, reason)) return reject(reason, "ask_size");
  if (!fixVolume(quote.volume, qscale, out.volume, reason)) return reject(reason, "volume");

  std::uint32_t flags = present;
  if ((present & model::kTickBid) != 0 && (present & model::kTickAsk) != 0 &&
      out.bid.mantissa() > out.ask.mantissa()) {
    if (!config_.acceptCrossed) return reject(RejectReason::Crossed, "ask");
    flags |= model::kTickCrossed;
  }

  if (quote.sourceTime <= 0) return reject(RejectReason::BadTimestamp, "time");
  // A receive time the source stamped is "now" for the future check: it spares a clock read per
  // tick on fast paths that stamp a batch at once.
  const TimestampNs now = quote.recvTime != 0 ? quote.recvTime : clock_.now();
  if (quote.sourceTime > now + config_.futureToleranceNs) {
    return reject(RejectReason::FutureTimestamp, "time");
  }

  const Fingerprint print{quote.sourceTime, out.bid.mantissa(), out.ask.mantissa(),
                          out.last.mantissa(), out.volume.mantissa(), present};
  for (const auto& seen : state->recent) {
    if (seen == print) return reject(RejectReason::Duplicate, "time");
  }
  state->recent[state->recentNext] = print;
  state->recentNext = (state->recentNext + 1) % kRecent;

  Outcome outcome;
  outcome.accepted = true;
  if (state->seen && quote.sourceTime < state->lastTs) {
    flags |= model::kTickOutOfOrder;
    ++outOfOrder_;
    outOfOrderMetric_->inc();
  } else {
    const auto threshold = state->spec.gapThresholdNs;
    // The session is looked at only when the plain distance is already past the threshold.
    if (state->seen && !state->gapReported && threshold > 0 &&
        quote.sourceTime - state->lastTs > threshold &&
        state->spec.session.openNs(state->lastTs, quote.sourceTime, threshold + 1) > threshold) {
      state->lastTenant = quote.tenant;
      fillGap(*state, quote.sourceTime, quote.recvTime != 0 ? quote.recvTime : now, gap);
      outcome.gap = true;
    }
    state->lastTs = quote.sourceTime;
    state->lastTenant = quote.tenant;
    state->seen = true;
    state->gapReported = false;
  }

  out.header.tenant = quote.tenant;
  out.header.tsEvent = quote.sourceTime;
  out.header.tsRecv = quote.recvTime != 0 ? quote.recvTime : now;
  out.instrument = instrument.id;
  out.flags = flags;
  tick = out;
  ++accepted_;
  state->ticksIn->inc();
  return outcome;
}

}  // namespace ait::data
