#include "ait/venue/mt5_venue.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>

#include "ait/portfolio/fixed.h"

namespace ait::venue {

namespace {

// MT5 order comments hold 31 characters; "ait:" leaves 27 for the client order id.
constexpr std::size_t kCommentCapacity = 31;
constexpr std::string_view kCommentPrefix = "ait:";

constexpr Mt5Refusal kDisconnected{"MT5-DISCONNECTED", "no MT5 terminal of the tenant is connected"};
constexpr Mt5Refusal kCompatType{
    "MT5-COMPAT-TYPE",
    "the compatibility protocol places market orders only; limit and stop orders need the EA"};
constexpr Mt5Refusal kCompatFilling{
    "MT5-COMPAT-TIF", "the compatibility protocol cannot choose a filling mode (IOC, FOK)"};
constexpr Mt5Refusal kCompatCancel{"MT5-COMPAT-CXL",
                                   "the compatibility protocol cannot cancel an order"};
constexpr Mt5Refusal kCompatChange{"MT5-COMPAT-CHG",
                                   "the compatibility protocol cannot change an order"};
constexpr Mt5Refusal kVolumeStep{"MT5-VOLUME-STEP",
                                 "the quantity is not a positive multiple of the volume step"};
constexpr Mt5Refusal kPriceTick{"MT5-PRICE-TICK",
                                "a price is missing, not positive or off the tick grid"};
constexpr Mt5Refusal kExpiration{"MT5-EXPIRATION", "a GTD order needs an expire time"};
constexpr Mt5Refusal kComment{"MT5-COMMENT",
                              "the client order id is longer than the 27 characters an MT5 "
                              "order comment leaves for it"};
constexpr Mt5Refusal kCapacity{"MT5-CAPACITY", "too many orders in flight to the terminal"};
constexpr Mt5Refusal kChangeVolume{"MT5-CHG-VOLUME",
                                   "MT5 cannot change a pending order's volume; cancel and "
                                   "place a new order"};
constexpr Mt5Refusal kNoTicket{"MT5-NO-TICKET", "the terminal has not acknowledged the order yet"};
constexpr Mt5Refusal kUnknown{"MT5-UNKNOWN", "the order is not working at the terminal"};

/// The mantissa of a step (lot step, tick size) at the instrument's scale; 0 when it does not
/// fit (then no grid is checked: Instrument::validate() refuses such steps anyway).
template <class Tag>
std::int64_t stepAt(const model::FixedPoint<Tag>& step, std::uint8_t scale) noexcept {
  std::int64_t out = 0;
  return portfolio::mantissaAt(step.decimal(), scale, out) ? out : 0;
}

bool onGrid(std::int64_t value, std::int64_t step) noexcept {
  return value > 0 && (step <= 0 || value % step == 0);
}

}  // namespace

std::string_view toString(Mt5OrderType type) noexcept {
  switch (type) {
    case Mt5OrderType::Buy: return "ORDER_TYPE_BUY";
    case Mt5OrderType::Sell: return "ORDER_TYPE_SELL";
    case Mt5OrderType::BuyLimit: return "ORDER_TYPE_BUY_LIMIT";
    case Mt5OrderType::SellLimit: return "ORDER_TYPE_SELL_LIMIT";
    case Mt5OrderType::BuyStop: return "ORDER_TYPE_BUY_STOP";
    case Mt5OrderType::SellStop: return "ORDER_TYPE_SELL_STOP";
    case Mt5OrderType::BuyStopLimit: return "ORDER_TYPE_BUY_STOP_LIMIT";
    case Mt5OrderType::SellStopLimit: return "ORDER_TYPE_SELL_STOP_LIMIT";
  }
  return "?";
}

std::optional<Mt5Refusal> mapOrder(const oms::Order& order, const model::Instrument& spec,
                                   Mt5Route route, Mt5Order& out) noexcept {
  using model::OrderType;
  using model::TimeInForce;
  const bool fillingMode = order.timeInForce == TimeInForce::Ioc || order.timeInForce == TimeInForce::Fok;
  if (route == Mt5Route::None) return kDisconnected;
  if (route == Mt5Route::Compat) {
    if (order.type != OrderType::Market) return kCompatType;
    if (fillingMode) return kCompatFilling;
  }
  if (kCommentPrefix.size() + order.clientOrderId.view().size() > kCommentCapacity) return kComment;
  if (!onGrid(order.quantity, stepAt(spec.lotStep, spec.quantityScale))) return kVolumeStep;
  const std::int64_t tick = stepAt(spec.tickSize, spec.priceScale);
  const bool buy = order.side == model::Side::Buy;
  out = Mt5Order{};
  out.tenant = order.tenant;
  out.clientOrderId = order.clientOrderId;
  out.symbol = order.instrument.symbol;
  out.side = order.side;
  out.kind = order.type;
  out.volume = model::Quantity::fromRaw(order.quantity, spec.quantityScale);
  out.digits = spec.priceScale;
  const bool needsPrice = order.type == OrderType::Limit || order.type == OrderType::StopLimit;
  const bool needsStop = order.type == OrderType::Stop || order.type == OrderType::StopLimit;
  if (needsPrice) {
    if (!onGrid(order.price, tick)) return kPriceTick;
    out.price = model::Price::fromRaw(order.price, spec.priceScale);
  }
  if (needsStop) {
    if (!onGrid(order.stopPrice, tick)) return kPriceTick;
    out.stopPrice = model::Price::fromRaw(order.stopPrice, spec.priceScale);
  }
  switch (order.type) {
    case OrderType::Market: out.type = buy ? Mt5OrderType::Buy : Mt5OrderType::Sell; break;
    case OrderType::Limit: out.type = buy ? Mt5OrderType::BuyLimit : Mt5OrderType::SellLimit; break;
    case OrderType::Stop: out.type = buy ? Mt5OrderType::BuyStop : Mt5OrderType::SellStop; break;
    case OrderType::StopLimit:
      out.type = buy ? Mt5OrderType::BuyStopLimit : Mt5OrderType::SellStopLimit;
      break;
  }
  switch (order.timeInForce) {
    case TimeInForce::Gtc: out.typeTime = Mt5TimeType::Gtc; break;
    case TimeInForce::Day: out.typeTime = Mt5TimeType::Day; break;
    case TimeInForce::Gtd:
      if (order.expireTime <= 0) return kExpiration;
      out.typeTime = Mt5TimeType::Specified;
      // MT5 expirations are whole seconds: rounded up, so the order never ends early.
      out.expiration = (order.expireTime + 999'999'999) / 1'000'000'000;
      break;
    case TimeInForce::Ioc:
      out.typeTime = Mt5TimeType::Gtc;
      out.filling = Mt5Filling::Ioc;
      break;
    case TimeInForce::Fok:
      out.typeTime = Mt5TimeType::Gtc;
      out.filling = Mt5Filling::Fok;
      break;
  }
  // A pending order waits in the book with what is left: ORDER_FILLING_RETURN.
  if (!out.filling && order.type != OrderType::Market) out.filling = Mt5Filling::Return;
  std::array<char, kCommentCapacity> comment{};
  std::copy(kCommentPrefix.begin(), kCommentPrefix.end(), comment.begin());
  auto id = order.clientOrderId.view();
  std::copy(id.begin(), id.end(), comment.begin() + kCommentPrefix.size());
  out.comment = model::Text::truncated(std::string_view(comment.data(), kCommentPrefix.size() + id.size()));
  return std::nullopt;
}

Mt5Venue::Mt5Venue(const portfolio::Catalog& catalog, ExecutionSink& sink, Mt5Commands& commands,
                   Mt5VenueConfig config)
    : catalog_(catalog), sink_(sink), commands_(commands), config_(config) {
  tracked_.resize(config_.maxWorkingOrders);
  positionsSeen_.reserve(config_.maxWorkingOrders);
  ordersSeen_.reserve(config_.maxWorkingOrders);
  positions_.reserve(config_.maxWorkingOrders);
  orders_.reserve(config_.maxWorkingOrders);
}

std::size_t Mt5Venue::workingCount() const noexcept {
  return static_cast<std::size_t>(std::count_if(
      tracked_.begin(), tracked_.end(), [](const Tracked& t) { return t.state != State::Free; }));
}

std::int32_t Mt5Venue::find(const model::ClientOrderId& id) const noexcept {
  if (id.empty()) return -1;
  for (std::size_t i = 0; i < tracked_.size(); ++i) {
    if (tracked_[i].state != State::Free && tracked_[i].clientOrderId == id) {
      return static_cast<std::int32_t>(i);
    }
  }
  return -1;
}

std::int32_t Mt5Venue::findTicket(const model::VenueOrderId& ticket) const noexcept {
  if (ticket.empty()) return -1;
  for (std::size_t i = 0; i < tracked_.size(); ++i) {
    if (tracked_[i].state != State::Free && tracked_[i].venueOrderId == ticket) {
      return static_cast<std::int32_t>(i);
    }
  }
  return -1;
}

std::int32_t Mt5Venue::track(const oms::Order& order, State state) noexcept {
  std::int32_t slot = find(order.clientOrderId);
  for (std::size_t i = 0; slot < 0 && i < tracked_.size(); ++i) {
    if (tracked_[i].state == State::Free) slot = static_cast<std::int32_t>(i);
  }
  if (slot < 0) return -1;
  Tracked& t = tracked_[static_cast<std::size_t>(slot)];
  t = Tracked{};
  t.clientOrderId = order.clientOrderId;
  t.venueOrderId = order.venueOrderId;
  t.account = order.account;
  t.instrument = catalog_.at(order.instrumentIndex).spec.id;
  t.instrumentIndex = order.instrumentIndex;
  t.side = order.side;
  t.type = order.type;
  t.quantity = order.quantity;
  t.filled = order.filled;
  t.price = order.price;
  t.stopPrice = order.stopPrice;
  t.state = state;
  return slot;
}

template <class E>
E Mt5Venue::event(const Tracked& t) const noexcept {
  E e{};
  e.header.tenant = config_.tenant;
  e.header.tsEvent = now_;
  e.header.tsRecv = now_;
  e.clientOrderId = t.clientOrderId;
  e.venueOrderId = t.venueOrderId;
  e.account = t.account;
  e.instrument = t.instrument;
  return e;
}

void Mt5Venue::reject(const oms::Order& order, std::string_view code, std::string_view reason) noexcept {
  model::OrderRejected e{};
  e.header.tenant = order.tenant;
  e.header.tsEvent = std::max(now_, order.updatedAt);
  e.header.tsRecv = e.header.tsEvent;
  e.clientOrderId = order.clientOrderId;
  e.venueOrderId = order.venueOrderId;
  e.account = order.account;
  e.instrument = order.instrument;
  e.reasonCode = model::ReasonCode::truncated(code);
  e.reason = model::Text::truncated(reason);
  sink_.onExecution(e);
}

void Mt5Venue::refuseRequest(const oms::Order& order, std::string_view code,
                             std::string_view reason) noexcept {
  // The engine reads a rejection of an order with a pending cancel or change as "refused".
  reject(order, code, reason);
}

void Mt5Venue::submit(const oms::Order& order) noexcept {
  if (order.instrumentIndex >= catalog_.size()) {
    reject(order, kUnknown.code, "the instrument is not in the catalog");
    return;
  }
  Mt5Order request;
  if (auto refusal = mapOrder(order, catalog_.at(order.instrumentIndex).spec,
                              commands_.route(order.tenant), request)) {
    reject(order, refusal->code, refusal->reason);
    return;
  }
  std::int32_t slot = track(order, State::Placing);
  if (slot < 0) {
    reject(order, kCapacity.code, kCapacity.reason);
    return;
  }
  if (!commands_.order(request)) {
    tracked_[static_cast<std::size_t>(slot)].state = State::Free;
    reject(order, kDisconnected.code, kDisconnected.reason);
  }
}

void Mt5Venue::cancel(const oms::Order& order) noexcept {
  std::int32_t slot = find(order.clientOrderId);
  if (slot < 0) {
    // Finished at the terminal already: its report is on the way or was applied.
    return;
  }
  Tracked& t = tracked_[static_cast<std::size_t>(slot)];
  const Mt5Route route = commands_.route(order.tenant);
  std::optional<Mt5Refusal> refusal;
  if (route == Mt5Route::None) refusal = kDisconnected;
  else if (route == Mt5Route::Compat) refusal = kCompatCancel;
  else if (t.venueOrderId.empty()) refusal = kNoTicket;
  if (!refusal && !commands_.cancel(order.tenant, t.clientOrderId, t.venueOrderId)) refusal = kDisconnected;
  if (refusal) {
    refuseRequest(order, refusal->code, refusal->reason);
    return;
  }
  t.state = State::Cancelling;
}

void Mt5Venue::modify(const oms::Order& order, const Amendment& amendment) noexcept {
  std::int32_t slot = find(order.clientOrderId);
  if (slot < 0) {
    refuseRequest(order, kUnknown.code, kUnknown.reason);
    return;
  }
  Tracked& t = tracked_[static_cast<std::size_t>(slot)];
  const auto& spec = catalog_.at(t.instrumentIndex).spec;
  const std::int64_t tick = stepAt(spec.tickSize, spec.priceScale);
  const Mt5Route route = commands_.route(order.tenant);
  const std::int64_t price = amendment.price != 0 ? amendment.price : t.price;
  const std::int64_t stopPrice = amendment.stopPrice != 0 ? amendment.stopPrice : t.stopPrice;
  std::optional<Mt5Refusal> refusal;
  if (route == Mt5Route::None) refusal = kDisconnected;
  else if (route == Mt5Route::Compat) refusal = kCompatChange;
  else if (amendment.quantity != 0 && amendment.quantity != t.quantity) refusal = kChangeVolume;
  else if (t.venueOrderId.empty()) refusal = kNoTicket;
  else if ((amendment.price != 0 && !onGrid(price, tick)) ||
           (amendment.stopPrice != 0 && !onGrid(stopPrice, tick))) refusal = kPriceTick;
  if (!refusal) {
    Mt5Change change;
    change.tenant = order.tenant;
    change.clientOrderId = t.clientOrderId;
    change.ticket = t.venueOrderId;
    if (t.type == model::OrderType::Limit || t.type == model::OrderType::StopLimit) {
      change.price = model::Price::fromRaw(price, spec.priceScale);
    }
    if (t.type == model::OrderType::Stop || t.type == model::OrderType::StopLimit) {
      change.stopPrice = model::Price::fromRaw(stopPrice, spec.priceScale);
    }
    if (!commands_.change(change)) refusal = kDisconnected;
  }
  if (refusal) {
    refuseRequest(order, refusal->code, refusal->reason);
    return;
  }
  t.newPrice = price;
  t.newStopPrice = stopPrice;
  t.state = State::Changing;
}

void Mt5Venue::restore(const oms::Order& order) noexcept {
  if (order.instrumentIndex >= catalog_.size()) return;
  // Working at the terminal before the restart; PendingCancel is re-sent by the engine.
  track(order, State::Working);
}

bool Mt5Venue::seenDeal(const model::TradeId& deal) const noexcept {
  return std::ranges::find(deals_, deal) != deals_.end();
}

void Mt5Venue::rememberDeal(const model::TradeId& deal) noexcept {
  deals_[nextDeal_] = deal;
  nextDeal_ = (nextDeal_ + 1) % deals_.size();
}

void Mt5Venue::noteDeal(const model::TradeId& deal) noexcept {
  if (!deal.empty() && !seenDeal(deal)) rememberDeal(deal);
}

void Mt5Venue::onFill(Tracked& t, const model::OrderFilled& fill) noexcept {
  if (!fill.tradeId.empty() && seenDeal(fill.tradeId)) {
    ++repeatedDeals_;  // a report resent after a reconnect or restart: applied already
    return;
  }
  const auto& spec = catalog_.at(t.instrumentIndex).spec;
  // The terminal's doubles at the instrument's scales: lots to the quantity scale, the deal
  // price to `digits`, both rounded half away from zero.
  auto quantity = fill.fillQuantity.rounded(spec.quantityScale);
  auto price = fill.fillPrice.rounded(spec.priceScale);
  if (!quantity || !price || quantity->mantissa() <= 0 || price->mantissa() <= 0) {
    ++dropped_;
    return;
  }
  if (t.state == State::Placing) {
    // The fill came before (or instead of) the acknowledgement: the order was accepted.
    if (!fill.venueOrderId.empty()) t.venueOrderId = fill.venueOrderId;
    sink_.onExecution(event<model::OrderAccepted>(t));
    t.state = State::Working;
  }
  t.filled += quantity->mantissa();
  // The leaves are ours (quantity less fills), not the terminal's rounded double.
  const std::int64_t leaves = std::max<std::int64_t>(0, t.quantity - t.filled);
  auto e = event<model::OrderFilled>(t);
  e.tradeId = fill.tradeId;
  e.positionId = fill.positionId;
  e.side = t.side;
  e.fillQuantity = *quantity;
  e.fillPrice = *price;
  e.leavesQuantity = model::Quantity::fromRaw(leaves, spec.quantityScale);
  e.commission = fill.commission;
  e.commissionCurrency = fill.commissionCurrency;
  if (!fill.tradeId.empty()) rememberDeal(fill.tradeId);  // checked unseen on entry
  sink_.onExecution(e);
  if (leaves == 0) t.state = State::Free;
}

void Mt5Venue::onTerminal(const model::Event& event) noexcept {
  const auto& header = model::headerOf(event);
  if (header.tenant != config_.tenant) return;
  now_ = std::max(now_, header.tsEvent);
  std::visit(
      [&](const auto& e) {
        using E = std::remove_cvref_t<decltype(e)>;
        if constexpr (std::is_same_v<E, model::PositionChanged> ||
                      std::is_same_v<E, model::PositionClosed>) {
          if (positionsSeen_.size() == positionsSeen_.capacity()) {
            positionsOverflow_ = true;
          } else {
            model::PositionChanged p{};
            p.header = e.header;
            p.positionId = e.positionId;
            p.instrument = e.instrument;
            p.quantity = e.quantity;
            p.averagePrice = e.averagePrice;
            positionsSeen_.push_back(p);
          }
        } else if constexpr (std::is_same_v<E, model::OrderAccepted> ||
                             std::is_same_v<E, model::OrderRejected> ||
                             std::is_same_v<E, model::OrderFilled> ||
                             std::is_same_v<E, model::OrderCancelled> ||
                             std::is_same_v<E, model::OrderExpired> ||
                             std::is_same_v<E, model::OrderModified>) {
          if constexpr (std::is_same_v<E, model::OrderAccepted>) {
            // A working order the terminal lists, or the acknowledgement of a new one.
            if (ordersSeen_.size() == ordersSeen_.capacity()) {
              ordersOverflow_ = true;
            } else {
              ordersSeen_.push_back(e);
            }
          }
          std::int32_t slot = find(e.clientOrderId);
          if (slot < 0) slot = findTicket(e.venueOrderId);
          if (slot < 0) {
            ++dropped_;  // not this engine's order (placed by hand), or finished already
            return;
          }
          onOrderEvent(tracked_[static_cast<std::size_t>(slot)], event);
        }
      },
      event);
}

void Mt5Venue::onOrderEvent(Tracked& t, const model::Event& event) noexcept {
  if (const auto* fill = std::get_if<model::OrderFilled>(&event)) {
    onFill(t, *fill);
  } else if (const auto* accepted = std::get_if<model::OrderAccepted>(&event)) {
    if (t.state != State::Placing) return;  // a repeat, or a snapshot entry
    if (!accepted->venueOrderId.empty()) t.venueOrderId = accepted->venueOrderId;
    t.state = State::Working;
    sink_.onExecution(this->event<model::OrderAccepted>(t));
  } else if (const auto* rejected = std::get_if<model::OrderRejected>(&event)) {
    if (t.state == State::Working) return;  // nothing was asked of it
    auto e = this->event<model::OrderRejected>(t);
    e.reasonCode = rejected->reasonCode;
    e.reason = rejected->reason;
    sink_.onExecution(e);
    t.state = t.state == State::Placing ? State::Free : State::Working;
  } else if (std::holds_alternative<model::OrderCancelled>(event) ||
             std::holds_alternative<model::OrderExpired>(event)) {
    if (t.state == State::Placing) {
      // Placed and gone before its acknowledgement arrived: the order existed there.
      sink_.onExecution(this->event<model::OrderAccepted>(t));
    }
    if (std::holds_alternative<model::OrderCancelled>(event)) {
      sink_.onExecution(this->event<model::OrderCancelled>(t));
    } else {
      sink_.onExecution(this->event<model::OrderExpired>(t));
    }
    t.state = State::Free;
  } else if (std::holds_alternative<model::OrderModified>(event)) {
    if (t.state != State::Changing) return;  // the terminal reports other updates too
    const auto& spec = catalog_.at(t.instrumentIndex).spec;
    t.price = t.newPrice;
    t.stopPrice = t.newStopPrice;
    // The new values are the ones asked for (exact), not the terminal's doubles.
    auto e = this->event<model::OrderModified>(t);
    e.quantity = model::Quantity::fromRaw(t.quantity, spec.quantityScale);
    if (t.price != 0) e.price = model::Price::fromRaw(t.price, spec.priceScale);
    if (t.stopPrice != 0) e.stopPrice = model::Price::fromRaw(t.stopPrice, spec.priceScale);
    sink_.onExecution(e);
    t.state = State::Working;
  }
}

bool Mt5Venue::requestReport() {
  requested_ = true;
  // The answers arrive as the terminal's lists; not connected: the lists it sends when it
  // (re)connects will do.
  return commands_.requestData(config_.tenant, "positions") &&
         commands_.requestData(config_.tenant, "orders");
}

void Mt5Venue::onSnapshotEnd(std::string_view what, std::size_t entries,
                             std::size_t published) noexcept {
  // A list counts only when every entry was published and all of them arrived while
  // collecting: the last `published` events of its kind are then exactly the list.
  // Events dropped for want of room may have been entries: then the list does not count.
  auto take = [&](auto& seen, bool& overflow, auto& list, bool& in) {
    if (!in && !overflow && entries == published && seen.size() >= published) {
      list.assign(seen.end() - static_cast<std::ptrdiff_t>(published), seen.end());
      in = true;
    }
    seen.clear();
    overflow = false;
  };
  if (what == "positions") {
    positionsIn_ = ordersIn_ = false;  // the orders list that follows completes the pair
    take(positionsSeen_, positionsOverflow_, positions_, positionsIn_);
    ordersSeen_.clear();
    ordersOverflow_ = false;
  } else if (what == "orders" && positionsIn_) {
    take(ordersSeen_, ordersOverflow_, orders_, ordersIn_);
  } else if (what == "orders") {
    ordersSeen_.clear();
    ordersOverflow_ = false;
  }
}

std::optional<VenueReport> Mt5Venue::takeReport(Mt5ReportNotes* notes) {
  if (!positionsIn_ || !ordersIn_) return std::nullopt;
  positionsIn_ = ordersIn_ = false;
  // An order in flight may have filled at the terminal before its list was sent and not yet be
  // reported here: the lists would book that fill once more. They are set aside (an asked
  // report stays requested; see postponed()).
  const bool inFlight = std::ranges::any_of(tracked_, [](const Tracked& t) {
    return t.state == State::Placing || t.state == State::Cancelling || t.state == State::Changing;
  });
  if (inFlight) {
    ++postponed_;
    return std::nullopt;
  }
  requested_ = false;
  Mt5ReportNotes n;
  VenueReport report;
  report.positionsReported = true;

  // Positions: net per instrument (a hedging account has several tickets per symbol).
  struct Net {
    std::int64_t quantity = 0;
    double cost = 0;   // sum of |quantity| x price, for the average
    double volume = 0;
  };
  std::map<std::uint32_t, Net> nets;
  for (const auto& p : positions_) {
    ++n.positions;
    std::int32_t index = catalog_.find(p.instrument);
    if (index < 0) continue;
    const auto& spec = catalog_.at(static_cast<std::uint32_t>(index)).spec;
    auto quantity = p.quantity.rounded(spec.quantityScale);
    if (!quantity) continue;
    Net& net = nets[static_cast<std::uint32_t>(index)];
    net.quantity += quantity->mantissa();
    const double lots = std::abs(quantity->toDouble());
    net.cost += lots * p.averagePrice.toDouble();
    net.volume += lots;
  }
  for (const auto& [index, net] : nets) {
    const auto& spec = catalog_.at(index).spec;
    PositionReport r;
    r.tenant = config_.tenant;
    r.account = config_.account;
    r.instrument = spec.id;
    r.quantity = model::Quantity::fromRaw(net.quantity, spec.quantityScale);
    auto average = model::Price::fromDouble(net.volume > 0 ? net.cost / net.volume : 0.0, spec.priceScale);
    r.averagePrice = average ? *average : model::Price::fromRaw(0, spec.priceScale);
    report.positions.push_back(r);
  }

  // Orders: the terminal's list carries tickets and client order ids, not volumes; an order of
  // this engine it lists is working as the engine knows it, one it no longer lists is done.
  auto listed = [&](const Tracked& t) {
    return std::ranges::any_of(orders_, [&](const model::OrderAccepted& o) {
      return o.clientOrderId == t.clientOrderId ||
             (!t.venueOrderId.empty() && o.venueOrderId == t.venueOrderId);
    });
  };
  n.terminalOrders = static_cast<std::uint32_t>(orders_.size());
  for (const auto& o : orders_) {
    if (find(o.clientOrderId) < 0 && findTicket(o.venueOrderId) < 0) ++n.unknownOrders;
  }
  for (auto& t : tracked_) {
    if (t.state == State::Free) continue;
    const auto& spec = catalog_.at(t.instrumentIndex).spec;
    OrderReport r;
    r.tenant = config_.tenant;
    r.account = t.account;
    r.clientOrderId = t.clientOrderId;
    r.venueOrderId = t.venueOrderId;
    r.instrument = t.instrument;
    r.side = t.side;
    r.type = t.type;
    r.quantity = model::Quantity::fromRaw(t.quantity, spec.quantityScale);
    r.filled = model::Quantity::fromRaw(t.filled, spec.quantityScale);
    r.averagePrice = model::Price::fromRaw(0, spec.priceScale);
    if (t.price != 0) r.price = model::Price::fromRaw(t.price, spec.priceScale);
    if (t.stopPrice != 0) r.stopPrice = model::Price::fromRaw(t.stopPrice, spec.priceScale);
    // A market order never rests in the terminal's list; one still being placed may not yet.
    const bool pending = t.type != model::OrderType::Market && t.state != State::Placing;
    if (pending && !listed(t)) {
      r.status = OrderReport::Status::Cancelled;
      t.state = State::Free;
      ++n.goneOrders;
    }
    report.orders.push_back(r);
  }
  if (notes != nullptr) *notes = n;
  return report;
}

}  // namespace ait::venue
