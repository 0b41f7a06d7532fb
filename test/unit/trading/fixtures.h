#pragma once
// Shared set-up for the trading tests: an FX instrument (EURUSD, 5 price places, 0.01 lots of
// 100000), a stock-like instrument (1 share, 2 price places), orders as the engine and the venues
// see them, and a recorder that keeps events.

#include <variant>
#include <vector>

#include "ait/model/events.h"
#include "ait/oms/order.h"
#include "ait/portfolio/catalog.h"
#include "ait/trading/engine.h"

namespace ait::trading::testing {

inline constexpr TimestampNs kT0 = 1'700'000'000'000'000'000;  // 2023-11-14T22:13:20Z
inline constexpr model::TenantId kTenant{7};

inline model::InstrumentId eurusdId() { return {model::Symbol("EURUSD"), model::Venue("SIM")}; }
inline model::InstrumentId stockId() { return {model::Symbol("GOOG"), model::Venue("SIM")}; }

inline portfolio::TradableInstrument eurusd() {
  portfolio::TradableInstrument t;
  auto& s = t.spec;
  s.id = eurusdId();
  s.priceScale = 5;
  s.quantityScale = 2;
  s.tickSize = model::Price::fromRaw(1, 5);
  s.lotStep = model::Quantity::fromRaw(1, 2);
  s.minQuantity = model::Quantity::fromRaw(1, 2);
  s.maxQuantity = model::Quantity::fromRaw(10'000, 2);
  s.contractSize = model::Quantity::fromRaw(100'000, 0);
  s.currency = "USD";
  t.terms.marginPpm = 10'000;  // 1:100
  return t;
}

inline portfolio::TradableInstrument stock() {
  portfolio::TradableInstrument t;
  auto& s = t.spec;
  s.id = stockId();
  s.priceScale = 2;
  s.quantityScale = 0;
  s.tickSize = model::Price::fromRaw(1, 2);
  s.lotStep = model::Quantity::fromRaw(1, 0);
  s.minQuantity = model::Quantity::fromRaw(1, 0);
  s.maxQuantity = model::Quantity::fromRaw(1'000'000, 0);
  s.contractSize = model::Quantity::fromRaw(1, 0);
  s.currency = "USD";
  return t;
}

inline model::Tick tick(TimestampNs ts, std::int64_t bid, std::int64_t ask,
                        const model::InstrumentId& id = eurusdId(), std::int64_t bidSize = 0,
                        std::int64_t askSize = 0, std::uint8_t priceScale = 5) {
  model::Tick t{};
  t.header.tsEvent = ts;
  t.instrument = id;
  t.bid = model::Price::fromRaw(bid, priceScale);
  t.ask = model::Price::fromRaw(ask, priceScale);
  t.bidSize = model::Quantity::fromRaw(bidSize, 2);
  t.askSize = model::Quantity::fromRaw(askSize, 2);
  t.flags = model::kTickBid | model::kTickAsk;
  return t;
}

inline model::Bar bar(TimestampNs start, std::int64_t o, std::int64_t h, std::int64_t l,
                      std::int64_t c, const model::InstrumentId& id = stockId(),
                      std::uint8_t priceScale = 2) {
  model::Bar b{};
  b.start = start;
  b.header.tsEvent = start + 86'400'000'000'000LL - 1;
  b.instrument = id;
  b.timeframe = model::Timeframe{86'400};
  b.open = model::Price::fromRaw(o, priceScale);
  b.high = model::Price::fromRaw(h, priceScale);
  b.low = model::Price::fromRaw(l, priceScale);
  b.close = model::Price::fromRaw(c, priceScale);
  return b;
}

/// Builds an order command; prices are mantissas at 5 places (EURUSD) unless priceScale says.
inline model::SubmitOrder order(std::string_view id, model::Side side, std::int64_t lots100,
                                model::OrderType type = model::OrderType::Market,
                                std::int64_t price = 0, std::int64_t stop = 0,
                                const model::InstrumentId& instrument = eurusdId(),
                                std::uint8_t priceScale = 5, std::uint8_t quantityScale = 2) {
  model::SubmitOrder o{};
  o.header.tenant = kTenant;
  o.clientOrderId = *model::ClientOrderId::from(id);
  o.account = model::AccountId("ACC1");
  o.instrument = instrument;
  o.side = side;
  o.type = type;
  o.quantity = model::Quantity::fromRaw(lots100, quantityScale);
  if (price != 0) o.price = model::Price::fromRaw(price, priceScale);
  if (stop != 0) o.stopPrice = model::Price::fromRaw(stop, priceScale);
  return o;
}

/// An order as the engine hands it to a venue: account ACC1 of kTenant, quantity and prices as
/// mantissas at the instrument's scales.
inline oms::Order venueOrder(std::string_view id, model::Side side, model::OrderType type,
                             std::int64_t qty, std::int64_t price, std::int64_t stop,
                             model::TimeInForce tif, const model::InstrumentId& instrument,
                             std::uint32_t instrumentIndex = 0) {
  oms::Order o;
  o.tenant = kTenant;
  o.clientOrderId = *model::ClientOrderId::from(id);
  o.account = model::AccountId("ACC1");
  o.instrumentIndex = instrumentIndex;
  o.instrument = instrument;
  o.side = side;
  o.type = type;
  o.timeInForce = tif;
  o.quantity = qty;
  o.price = price;
  o.stopPrice = stop;
  return o;
}

/// The events of one type, in order.
template <class E>
std::vector<E> eventsOf(const std::vector<model::Event>& events) {
  std::vector<E> out;
  for (const auto& e : events) {
    if (const auto* typed = std::get_if<E>(&e)) out.push_back(*typed);
  }
  return out;
}

/// Keeps every recorded event, numbering them like a journal would.
class ListRecorder final : public EventRecorder {
 public:
  bool record(model::Event& event) noexcept override {
    if (failing) return false;
    model::headerOf(event).sequence = ++sequence;
    events.push_back(event);
    return true;
  }
  template <class E>
  std::vector<E> all() const { return eventsOf<E>(events); }
  std::vector<model::Event> events;
  std::uint64_t sequence = 0;
  bool failing = false;
};

}  // namespace ait::trading::testing
