#include "ait/venue/sim_venue.h"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "ait/portfolio/portfolio.h"

namespace ait::venue {

namespace {

constexpr TimestampNs kDayNs = 86'400'000'000'000LL;

template <class IdType>
IdType numberedId(char prefix, std::uint64_t n) noexcept {
  std::array<char, 24> buffer{};
  auto end = fmt::format_to_n(buffer.data(), buffer.size(), "{}{}", prefix, n);
  return IdType::truncated(std::string_view(buffer.data(), end.out));
}

bool isBuy(model::Side side) noexcept { return side == model::Side::Buy; }

/// The instrument's tick size as a mantissa at its price scale.
std::int64_t tickOf(const portfolio::TradableInstrument& instrument) noexcept {
  const auto& spec = instrument.spec;
  return spec.tickSize.mantissa() * model::kPowersOfTen[spec.priceScale - spec.tickSize.scale()];
}

/// A taker's price: `slip` worse than `price` for its side, never below one tick.
std::int64_t slipped(bool buy, std::int64_t price, std::int64_t slip, std::int64_t tick) noexcept {
  return buy ? price + slip : std::max<std::int64_t>(price - slip, tick);
}

}  // namespace

SimVenue::SimVenue(const portfolio::Catalog& catalog, ExecutionSink& sink, SimVenueConfig config)
    : catalog_(catalog), sink_(sink), config_(config) {
  working_.reserve(config_.maxWorkingOrders);
  barMode_.assign(catalog_.size(), 0);
}

std::size_t SimVenue::workingCount() const noexcept {
  return static_cast<std::size_t>(
      std::count_if(working_.begin(), working_.end(), [](const Working& w) { return w.active; }));
}

template <class E>
E SimVenue::report(const Working& w) const noexcept {
  E e{};
  e.header.tenant = w.tenant;
  e.header.tsEvent = now_;
  e.header.tsRecv = now_;
  e.clientOrderId = w.clientOrderId;
  e.venueOrderId = w.venueOrderId;
  e.account = w.account;
  e.instrument = catalog_.at(w.instrument).spec.id;
  return e;
}

std::int32_t SimVenue::findWorking(model::TenantId tenant,
                                   const model::ClientOrderId& id) const noexcept {
  for (std::size_t i = 0; i < working_.size(); ++i) {
    const Working& w = working_[i];
    if (w.active && w.tenant == tenant && w.clientOrderId == id) return static_cast<std::int32_t>(i);
  }
  return -1;
}

std::int32_t SimVenue::take(const oms::Order& order, bool accepted) noexcept {
  std::int32_t slot = -1;
  for (std::size_t i = 0; i < working_.size(); ++i) {
    if (!working_[i].active) {
      slot = static_cast<std::int32_t>(i);
      break;
    }
  }
  if (slot < 0) {
    if (working_.size() >= config_.maxWorkingOrders) return -1;
    working_.emplace_back();
    slot = static_cast<std::int32_t>(working_.size() - 1);
  }
  Working& w = working_[static_cast<std::size_t>(slot)];
  w = Working{};
  w.tenant = order.tenant;
  w.clientOrderId = order.clientOrderId;
  w.venueOrderId = accepted ? order.venueOrderId
                            : numberedId<model::VenueOrderId>('V', nextOrderId_++);
  w.account = order.account;
  w.ocoGroup = order.ocoGroup;
  w.closesPosition = order.closesPosition;
  w.instrument = order.instrumentIndex;
  w.side = order.side;
  w.type = order.type;
  w.tif = order.timeInForce;
  w.quantity = order.quantity;
  w.leaves = order.leaves();
  w.price = order.price;
  w.stopPrice = order.stopPrice;
  w.triggered = order.triggered;
  w.resting = accepted;
  if (order.timeInForce == model::TimeInForce::Gtd) w.expireTime = order.expireTime;
  if (order.timeInForce == model::TimeInForce::Day) {
    w.expireTime = (order.createdAt / kDayNs + 1) * kDayNs;
  }
  w.active = true;
  return slot;
}

void SimVenue::submit(const oms::Order& order) noexcept {
  if (order.createdAt > now_) now_ = order.createdAt;
  if (order.instrumentIndex >= barMode_.size()) {
    auto rejected = model::OrderRejected{};
    rejected.header.tenant = order.tenant;
    rejected.header.tsEvent = rejected.header.tsRecv = now_;
    rejected.clientOrderId = order.clientOrderId;
    rejected.account = order.account;
    rejected.instrument = order.instrument;
    rejected.reasonCode = model::ReasonCode("AIT-VEN-0001");
    rejected.reason = model::Text("instrument not traded on this venue");
    sink_.onExecution(rejected);
    return;
  }
  std::int32_t slot = take(order, false);
  if (slot < 0) {
    auto rejected = model::OrderRejected{};
    rejected.header.tenant = order.tenant;
    rejected.header.tsEvent = rejected.header.tsRecv = now_;
    rejected.clientOrderId = order.clientOrderId;
    rejected.account = order.account;
    rejected.instrument = order.instrument;
    rejected.reasonCode = model::ReasonCode("AIT-VEN-0002");
    rejected.reason = model::Text("venue order book full");
    sink_.onExecution(rejected);
    return;
  }
  Working& w = working_[static_cast<std::size_t>(slot)];
  sink_.onExecution(report<model::OrderAccepted>(w));

  const portfolio::Quote& quote = catalog_.quote(w.instrument);
  bool waitForBar = barMode_[w.instrument] != 0 && config_.barFill == BarFill::NextOpen;
  bool filled = false;
  if (quote.valid && !waitForBar) {
    std::int64_t bidLeft = quote.bidSize;
    std::int64_t askLeft = quote.askSize;
    filled = matchQuote(w, bidLeft, askLeft);
  }
  // IOC and FOK take what the market offers on arrival and cancel the rest.
  if (w.active && (w.tif == model::TimeInForce::Ioc || w.tif == model::TimeInForce::Fok) &&
      !(waitForBar && !filled)) {
    sink_.onExecution(report<model::OrderCancelled>(w));
    close(w);
    return;
  }
  if (w.active) w.resting = true;
}

void SimVenue::cancel(const oms::Order& order) noexcept {
  std::int32_t slot = findWorking(order.tenant, order.clientOrderId);
  if (slot < 0) return;
  Working& w = working_[static_cast<std::size_t>(slot)];
  sink_.onExecution(report<model::OrderCancelled>(w));
  close(w);
}

void SimVenue::modify(const oms::Order& order, const Amendment& amendment) noexcept {
  std::int32_t slot = findWorking(order.tenant, order.clientOrderId);
  if (slot < 0) return;
  Working& w = working_[static_cast<std::size_t>(slot)];
  std::int64_t filledSoFar = w.quantity - w.leaves;
  if (amendment.quantity != 0 && amendment.quantity <= filledSoFar) {
    auto rejected = report<model::OrderRejected>(w);
    rejected.reasonCode = model::ReasonCode("AIT-VEN-0003");
    rejected.reason = model::Text("new quantity not above the filled quantity");
    sink_.onExecution(rejected);
    return;
  }
  if (amendment.quantity != 0) {
    w.quantity = amendment.quantity;
    w.leaves = amendment.quantity - filledSoFar;
  }
  if (amendment.price != 0) w.price = amendment.price;
  if (amendment.stopPrice != 0) w.stopPrice = amendment.stopPrice;
  const auto& spec = catalog_.at(w.instrument).spec;
  auto modified = report<model::OrderModified>(w);
  modified.quantity = model::Quantity::fromRaw(w.quantity, spec.quantityScale);
  if (w.price != 0) modified.price = model::Price::fromRaw(w.price, spec.priceScale);
  if (w.stopPrice != 0) modified.stopPrice = model::Price::fromRaw(w.stopPrice, spec.priceScale);
  sink_.onExecution(modified);
  // A limit moved through the market executes now.
  const portfolio::Quote& quote = catalog_.quote(w.instrument);
  if (quote.valid && barMode_[w.instrument] == 0) {
    std::int64_t bidLeft = quote.bidSize;
    std::int64_t askLeft = quote.askSize;
    w.resting = false;
    matchQuote(w, bidLeft, askLeft);
    if (w.active) w.resting = true;
  }
}

void SimVenue::fill(Working& w, std::int64_t quantity, std::int64_t price,
                    model::Liquidity liquidity) noexcept {
  const auto& instrument = catalog_.at(w.instrument);
  const auto& spec = instrument.spec;
  w.leaves -= quantity;
  auto filled = report<model::OrderFilled>(w);
  filled.tradeId = numberedId<model::TradeId>('T', nextTradeId_++);
  filled.positionId = w.closesPosition;
  filled.side = w.side;
  filled.liquidity = liquidity;
  filled.fillQuantity = model::Quantity::fromRaw(quantity, spec.quantityScale);
  filled.fillPrice = model::Price::fromRaw(price, spec.priceScale);
  filled.leavesQuantity = model::Quantity::fromRaw(w.leaves, spec.quantityScale);
  filled.commission =
      portfolio::money(portfolio::commissionFor(instrument, quantity, price));
  filled.commissionCurrency = model::Currency::truncated(spec.currency);
  sink_.onExecution(filled);
  if (!w.ocoGroup.empty()) cancelOcoSiblings(w);
  if (w.leaves == 0) close(w);
}

void SimVenue::cancelOcoSiblings(const Working& w) noexcept {
  for (Working& other : working_) {
    if (!other.active || &other == &w || other.tenant != w.tenant || other.account != w.account ||
        other.ocoGroup != w.ocoGroup) {
      continue;
    }
    sink_.onExecution(report<model::OrderCancelled>(other));
    close(other);
  }
}

void SimVenue::close(Working& w) noexcept { w.active = false; }

bool SimVenue::matchQuote(Working& w, std::int64_t& bidLeft, std::int64_t& askLeft) noexcept {
  const auto& instrument = catalog_.at(w.instrument);
  const portfolio::Quote& q = catalog_.quote(w.instrument);
  const bool buy = isBuy(w.side);
  const std::int64_t touch = buy ? q.ask : q.bid;
  const std::int64_t tick = tickOf(instrument);
  const std::int64_t slip = instrument.terms.slippageTicks * tick;

  if ((w.type == model::OrderType::Stop || w.type == model::OrderType::StopLimit) && !w.triggered) {
    bool hit = buy ? q.ask >= w.stopPrice : q.bid <= w.stopPrice;
    if (!hit) return false;
    w.triggered = true;
    w.resting = false;  // a triggered stop-limit meets the market as a taker first
  }
  bool marketLike = w.type == model::OrderType::Market || w.type == model::OrderType::Stop;
  std::int64_t price = 0;
  model::Liquidity liquidity = model::Liquidity::Taker;
  if (marketLike) {
    price = slipped(buy, touch, slip, tick);
  } else {
    bool crosses = buy ? q.ask <= w.price : q.bid >= w.price;
    if (!crosses) return false;
    if (w.resting) {
      price = w.price;
      liquidity = model::Liquidity::Maker;
    } else {
      price = touch;
    }
  }
  std::int64_t& available = buy ? askLeft : bidLeft;
  std::int64_t quantity = w.leaves;
  bool sized = config_.limitToQuoteSize && available > 0;
  if (sized && available < quantity) {
    if (w.tif == model::TimeInForce::Fok) return false;
    quantity = available;
  }
  if (sized) available -= quantity;
  fill(w, quantity, price, liquidity);
  return true;
}

void SimVenue::expireDue(TimestampNs now) noexcept {
  for (Working& w : working_) {
    if (w.active && w.expireTime != 0 && now >= w.expireTime) {
      sink_.onExecution(report<model::OrderExpired>(w));
      close(w);
    }
  }
}

void SimVenue::onTime(TimestampNs now) noexcept {
  if (now > now_) now_ = now;
  expireDue(now_);
}

void SimVenue::onTick(std::uint32_t instrument, const model::Tick& tick) noexcept {
  if (instrument >= barMode_.size()) return;
  if (tick.header.tsEvent > now_) now_ = tick.header.tsEvent;
  barMode_[instrument] = 0;
  expireDue(now_);
  const portfolio::Quote& q = catalog_.quote(instrument);
  if (!q.valid) return;
  std::int64_t bidLeft = q.bidSize;
  std::int64_t askLeft = q.askSize;
  // Index loop: a fill may close OCO siblings, never add entries.
  for (std::size_t i = 0; i < working_.size(); ++i) {
    Working& w = working_[i];
    if (!w.active || w.instrument != instrument) continue;
    matchQuote(w, bidLeft, askLeft);
    if (w.active) w.resting = true;
  }
}

void SimVenue::onBar(std::uint32_t instrument, const model::Bar& bar) noexcept {
  if (instrument >= barMode_.size()) return;
  const auto& instr = catalog_.at(instrument);
  const auto& spec = instr.spec;
  std::int64_t o = 0, h = 0, l = 0, c = 0;
  if (!portfolio::mantissaAt(bar.open.decimal(), spec.priceScale, o) ||
      !portfolio::mantissaAt(bar.high.decimal(), spec.priceScale, h) ||
      !portfolio::mantissaAt(bar.low.decimal(), spec.priceScale, l) ||
      !portfolio::mantissaAt(bar.close.decimal(), spec.priceScale, c)) {
    return;
  }
  barMode_[instrument] = 1;
  // The bar's trades happened between its start and close: expiries before the open first.
  if (bar.start > now_) now_ = bar.start;
  expireDue(now_);

  const std::array<std::int64_t, 4> path =
      c >= o ? std::array<std::int64_t, 4>{o, l, h, c} : std::array<std::int64_t, 4>{o, h, l, c};
  const std::int64_t tick = tickOf(instr);
  const std::int64_t slip = instr.terms.slippageTicks * tick;

  // Where along the path each working order executes: (point index, price). Orders then fill in
  // path order, so that of a stop loss and a take profit in one bar the one reached first wins.
  struct Hit {
    std::uint32_t slot;
    int point;
    std::int64_t price;
    bool maker;
  };
  std::array<Hit, 64> hits{};
  std::size_t hitCount = 0;
  for (std::size_t i = 0; i < working_.size() && hitCount < hits.size(); ++i) {
    Working& w = working_[i];
    if (!w.active || w.instrument != instrument) continue;
    const bool buy = isBuy(w.side);
    int start = 0;
    if ((w.type == model::OrderType::Stop || w.type == model::OrderType::StopLimit) &&
        !w.triggered) {
      int at = -1;
      for (int k = 0; k < 4; ++k) {
        if (buy ? path[k] >= w.stopPrice : path[k] <= w.stopPrice) {
          at = k;
          break;
        }
      }
      if (at < 0) continue;
      w.triggered = true;
      // Gapped through: the open; reached inside the bar: the stop price.
      const std::int64_t triggerPrice = at == 0 ? o : w.stopPrice;
      // A stop fills as a taker with slippage; a stop-limit marketable at the trigger, at it.
      const bool marketable = buy ? triggerPrice <= w.price : triggerPrice >= w.price;
      if (w.type == model::OrderType::Stop || marketable) {
        const std::int64_t px = w.type == model::OrderType::Stop
                                    ? slipped(buy, triggerPrice, slip, tick)
                                    : triggerPrice;
        hits[hitCount++] = {static_cast<std::uint32_t>(i), at, px, false};
        continue;
      }
      start = at + 1;
    }
    if (w.type == model::OrderType::Market) {
      hits[hitCount++] = {static_cast<std::uint32_t>(i), 0, slipped(buy, o, slip, tick), false};
      continue;
    }
    // Limit (or triggered stop-limit): the first point at or through the limit; the open when
    // the bar opens through it, the limit price when the bar reaches it later.
    for (int k = start; k < 4; ++k) {
      bool reach = buy ? path[k] <= w.price : path[k] >= w.price;
      if (!reach) continue;
      bool atOpen = k == 0;
      hits[hitCount++] = {static_cast<std::uint32_t>(i), k, atOpen ? o : w.price, !atOpen};
      break;
    }
  }
  std::stable_sort(hits.begin(), hits.begin() + static_cast<std::ptrdiff_t>(hitCount),
                   [](const Hit& a, const Hit& b) { return a.point < b.point; });
  for (std::size_t k = 0; k < hitCount; ++k) {
    Working& w = working_[hits[k].slot];
    if (!w.active) continue;  // an OCO sibling filled first
    fill(w, w.leaves, hits[k].price,
         hits[k].maker ? model::Liquidity::Maker : model::Liquidity::Taker);
  }
  if (bar.header.tsEvent > now_) now_ = bar.header.tsEvent;
}

void SimVenue::restore(const oms::Order& order) noexcept {
  if (order.instrumentIndex >= barMode_.size()) return;
  if (findWorking(order.tenant, order.clientOrderId) >= 0) return;
  take(order, true);
}

std::optional<VenueReport> SimVenue::report() const {
  VenueReport out;
  for (const auto& w : working_) {
    if (!w.active) continue;
    const auto& spec = catalog_.at(w.instrument).spec;
    OrderReport r;
    r.tenant = w.tenant;
    r.account = w.account;
    r.clientOrderId = w.clientOrderId;
    r.venueOrderId = w.venueOrderId;
    r.instrument = spec.id;
    r.side = w.side;
    r.type = w.type;
    r.quantity = model::Quantity::fromRaw(w.quantity, spec.quantityScale);
    r.filled = model::Quantity::fromRaw(w.quantity - w.leaves, spec.quantityScale);
    if (w.price != 0) r.price = model::Price::fromRaw(w.price, spec.priceScale);
    if (w.stopPrice != 0) r.stopPrice = model::Price::fromRaw(w.stopPrice, spec.priceScale);
    out.orders.push_back(r);
  }
  return out;
}

void SimVenue::restoreCounters(std::uint64_t orders, std::uint64_t trades) noexcept {
  nextOrderId_ = std::max(nextOrderId_, orders + 1);
  nextTradeId_ = std::max(nextTradeId_, trades + 1);
}

}  // namespace ait::venue
