#include "ait/mt5/bus_feed.h"

#include <fmt/format.h>

#include <cmath>
#include <optional>

#include "ait/data/reorder.h"
#include "ait/mt5/errors.h"

namespace ait::mt5 {

namespace {

// How many decimals a price needs, from its shortest round-trip text (1.1742 -> 4), at most 8.
int decimalsOf(double price) {
  auto text = fmt::format("{}", price);
  auto dot = text.find('.');
  if (dot == std::string::npos || text.find('e') != std::string::npos) return 2;
  return static_cast<int>(std::min<std::size_t>(8, text.size() - dot - 1));
}

data::InstrumentSpec specOnFirstSight(std::string_view symbol, int digits) {
  data::InstrumentSpec spec;
  spec.instrument.id.symbol = model::Symbol::truncated(symbol);
  spec.instrument.priceScale = static_cast<std::uint8_t>(std::clamp(digits, 0, 12));
  spec.instrument.tickSize = model::Price::fromRaw(1, spec.instrument.priceScale);
  spec.instrument.currency = "XXX";  // ISO 4217 "no currency": the terminal does not say
  return spec;
}

}  // namespace

struct BusFeeds::State {
  engine::EventBus& bus;
  std::vector<data::InstrumentSpec> instruments;
  data::NormaliserConfig validation;
  const Clock& clock;
  metrics::Registry& registry;
  std::optional<engine::EventBus::Producer> nativeProducer;
};

// How often a connection looks at the clock for symbols gone quiet: on a quote, and on the
// connection's timer (onTimer), so a connection gone quiet altogether is seen too.
constexpr std::int64_t kGapCheckIntervalNs = 100'000'000;

class BusFeed final : public Feed {
 public:
  using PublishFn = bus::PublishStatus (*)(BusFeeds::State&, const model::Event&);

  BusFeed(std::shared_ptr<BusFeeds::State> state, std::string_view source, bool inferDigits,
          PublishFn publishFn)
      : state_(std::move(state)),
        normaliser_(std::string(source), state_->validation, state_->clock, state_->registry),
        reorder_(state_->validation.reorderWindowNs),
        inferDigits_(inferDigits),
        publish_(publishFn),
        latency_(state_->registry.histogram(
            "ait_data_publish_latency_seconds",
            "Time from a tick's source time (ts_event) to its hand-over to the bus, live sources",
            {{"source", std::string(source)}})),
        reordered_(state_->registry.counter(
            "ait_data_ticks_reordered_total",
            "Quotes that came after a newer one and were put back in time order",
            {{"source", std::string(source)}})),
        late_(state_->registry.counter(
            "ait_data_ticks_late_total",
            "Quotes older than one already released by the reorder window, passed on at once",
            {{"source", std::string(source)}})) {
    for (const auto& spec : state_->instruments) (void)normaliser_.addInstrument(spec);
  }

  // The connection ended: what the window still holds goes out now, in order.
  ~BusFeed() override {
    reorder_.flush([&](const data::RawQuote& r) { (void)process(r); });
  }

  Expected<void> quote(const RawQuote& q) override {
    data::RawQuote raw;
    raw.symbol = q.symbol;
    raw.bid = q.bid;
    raw.ask = q.ask;
    raw.last = q.last;
    raw.volume = q.volume;
    raw.flags = q.flags;
    raw.sourceTime = q.tsEvent;
    raw.recvTime = q.tsRecv;
    raw.tenant = q.tenant;
    checkGaps(q.tsRecv != 0 ? q.tsRecv : state_->clock.now());
    if (!reorder_.enabled()) {
      auto done = process(raw);
      // First sight of a symbol the config does not list: learn it from the terminal.
      if (!done && unknownSymbol_ && learn(q)) return process(raw);
      return done;
    }
    // Learnt before the quote is held: the held copy no longer carries the terminal's digits.
    if (normaliser_.instrument(q.symbol) == nullptr) (void)learn(q);
    const auto reordered = reorder_.reordered();
    const auto late = reorder_.late();
    std::optional<Error> first;
    reorder_.offer(raw, state_->clock.monotonicNs(), [&](const data::RawQuote& r) {
      auto done = process(r);
      if (!done && !first) first = std::move(done.error());
    });
    if (reorder_.reordered() != reordered) reordered_.inc();
    if (reorder_.late() != late) late_.inc();
    if (first) return Unexpected(std::move(*first));
    return {};
  }

  // No quote came: held quotes whose window has passed go out, and quiet symbols are reported.
  void onTimer(TimestampNs now) override {
    // A rejection here has no message to answer: the normaliser counts it.
    reorder_.release(state_->clock.monotonicNs(), [&](const data::RawQuote& r) { (void)process(r); });
    checkGaps(now);
  }

  Expected<void> publish(const model::Event& event) override {
    auto status = publish_(*state_, event);
    if (status == bus::PublishStatus::Ok) return {};
    return fail(errors::kOverloaded,
                fmt::format("the event bus did not take the event ({})", bus::toString(status)));
  }

 private:
  void checkGaps(TimestampNs now) {
    if (now - lastGapCheck_ < kGapCheckIntervalNs) return;
    lastGapCheck_ = now;
    normaliser_.checkGaps(now, [&](const model::GapDetected& gap) {
      (void)publish(model::Event(gap));  // a refusal shows in the bus's own metrics
    });
  }

  // Adds the quote's symbol from the digits the terminal sent (native) or the decimals of its
  // prices (compatibility); false when it cannot.
  bool learn(const RawQuote& q) {
    if (q.symbol.empty() || q.symbol.size() > model::Symbol::kCapacity) return false;
    const int digits = q.digits >= 0  ? q.digits
                       : inferDigits_ ? std::max(decimalsOf(q.bid), decimalsOf(q.ask))
                                      : -1;
    return digits >= 0 && normaliser_.addInstrument(specOnFirstSight(q.symbol, digits));
  }

  // Normalises one quote and publishes the tick (after its gap, if it ends one).
  Expected<void> process(const data::RawQuote& raw) {
    auto outcome = normaliser_.normalise(raw, tick_, gap_);
    unknownSymbol_ = !outcome.accepted && outcome.reason == data::RejectReason::UnknownSymbol;
    if (!outcome.accepted) {
      if (outcome.reason == data::RejectReason::Duplicate) return {};  // dropped, counted
      auto rejection = data::describeRejection(outcome, raw);
      return fail(errors::kRejected, rejection.message());
    }
    if (outcome.gap) {
      if (auto ok = publish(model::Event(gap_)); !ok) return ok;
    }
    auto published = publish(model::Event(tick_));
    // The terminal's clock, not ours: skew between the two shows up here too.
    if (published) latency_.observeNs(state_->clock.now() - tick_.header.tsEvent);
    return published;
  }

  std::shared_ptr<BusFeeds::State> state_;
  data::Normaliser normaliser_;
  data::ReorderBuffer reorder_;
  bool inferDigits_;
  PublishFn publish_;
  metrics::Histogram& latency_;
  metrics::Counter& reordered_;
  metrics::Counter& late_;
  TimestampNs lastGapCheck_ = 0;
  bool unknownSymbol_ = false;  // the last quote processed was for a symbol not known
  model::Tick tick_;
  model::GapDetected gap_;
};

BusFeeds::BusFeeds(engine::EventBus& bus, std::vector<data::InstrumentSpec> instruments,
                   data::NormaliserConfig validation, const Clock& clock,
                   metrics::Registry& registry)
    : state_(std::make_shared<State>(
          State{bus, std::move(instruments), validation, clock, registry, std::nullopt})) {
  bus::ProducerOptions options;
  options.name = "mt5-native";
  // A bounded wait: when the engine is stuck the EA is told and resends later, rather than the
  // I/O thread hanging.
  options.block_timeout = std::chrono::milliseconds(200);
  auto producer = bus.makeProducer(options);
  if (producer) state_->nativeProducer.emplace(std::move(*producer));
}

BusFeeds::~BusFeeds() = default;

FeedFactory BusFeeds::native() {
  return [state = state_](model::TenantId, std::string_view source) -> std::unique_ptr<Feed> {
    return std::make_unique<BusFeed>(state, source, false, [](State& s, const model::Event& e) {
      return s.nativeProducer ? s.nativeProducer->publish(e) : s.bus.publish(e);
    });
  };
}

FeedFactory BusFeeds::compat() {
  return [state = state_](model::TenantId, std::string_view source) -> std::unique_ptr<Feed> {
    return std::make_unique<BusFeed>(
        state, source, true, [](State& s, const model::Event& e) { return s.bus.publish(e); });
  };
}

}  // namespace ait::mt5
