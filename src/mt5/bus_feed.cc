#include "ait/mt5/bus_feed.h"

#include <fmt/format.h>

#include <cmath>

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

class BusFeed final : public Feed {
 public:
  using PublishFn = bus::PublishStatus (*)(BusFeeds::State&, const model::Event&);

  BusFeed(std::shared_ptr<BusFeeds::State> state, std::string_view source, bool inferDigits,
          PublishFn publishFn)
      : state_(std::move(state)),
        normaliser_(std::string(source), state_->validation, state_->clock, state_->registry),
        inferDigits_(inferDigits),
        publish_(publishFn),
        latency_(state_->registry.histogram(
            "ait_data_publish_latency_seconds",
            "Time from a tick's source time (ts_event) to its hand-over to the bus, live sources",
            {{"source", std::string(source)}})) {
    for (const auto& spec : state_->instruments) (void)normaliser_.addInstrument(spec);
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
    auto outcome = normaliser_.normalise(raw, tick_, gap_);
    if (!outcome.accepted && outcome.reason == data::RejectReason::UnknownSymbol &&
        !q.symbol.empty() && q.symbol.size() <= model::Symbol::kCapacity) {
      // First sight of a symbol the config does not list: learn it from the terminal.
      int digits = q.digits >= 0  ? q.digits
                   : inferDigits_ ? std::max(decimalsOf(q.bid), decimalsOf(q.ask))
                                  : -1;
      if (digits >= 0 && normaliser_.addInstrument(specOnFirstSight(q.symbol, digits))) {
        outcome = normaliser_.normalise(raw, tick_, gap_);
      }
    }
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

  Expected<void> publish(const model::Event& event) override {
    auto status = publish_(*state_, event);
    if (status == bus::PublishStatus::Ok) return {};
    return fail(errors::kOverloaded,
                fmt::format("the event bus did not take the event ({})", bus::toString(status)));
  }

 private:
  std::shared_ptr<BusFeeds::State> state_;
  data::Normaliser normaliser_;
  bool inferDigits_;
  PublishFn publish_;
  metrics::Histogram& latency_;
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
