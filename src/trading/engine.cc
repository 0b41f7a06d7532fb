#include "ait/trading/engine.h"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "ait/portfolio/errors.h"

namespace ait::trading {

namespace {

constexpr TimestampNs kDayNs = 86'400'000'000'000LL;
constexpr std::string_view kStopLossSuffix = ":SL";
constexpr std::string_view kTakeProfitSuffix = ":TP";

template <class IdType>
IdType numbered(char prefix, std::uint64_t n) noexcept {
  std::array<char, 24> buffer{};
  auto end = fmt::format_to_n(buffer.data(), buffer.size(), "{}{}", prefix, n);
  return IdType::truncated(std::string_view(buffer.data(), end.out));
}

model::OcoGroupId bracketGroup(std::uint32_t parent) noexcept {
  return numbered<model::OcoGroupId>('B', parent);
}

model::PositionId hedgePosition(std::uint32_t opener) noexcept {
  return numbered<model::PositionId>('P', opener);
}

model::Side opposite(model::Side side) noexcept {
  return side == model::Side::Buy ? model::Side::Sell : model::Side::Buy;
}

/// Reads a command's trailing fields into the order; false when they do not fit (not a stop
/// order, a unit without a distance, not positive, more decimals than the price scale or than
/// kTrailPercentScale, a percent of 100 or more).
bool trailingOf(const model::SubmitOrder& command, const model::Instrument& spec,
                oms::Order& order) noexcept {
  if (!command.trailingOffset) return !command.trailingUnit.has_value();
  if (command.type != model::OrderType::Stop) return false;
  if (command.trailingUnit.value_or(model::TrailingUnit::PriceUnits) == model::TrailingUnit::PriceUnits) {
    return portfolio::mantissaAt(command.trailingOffset->decimal(), spec.priceScale,
                                 order.trailOffset) &&
           order.trailOffset > 0;
  }
  return command.trailingUnit == model::TrailingUnit::Percent &&
         portfolio::mantissaAt(command.trailingOffset->decimal(), oms::kTrailPercentScale,
                               order.trailPercent) &&
         order.trailPercent > 0 &&
         order.trailPercent < 100 * portfolio::pow10(oms::kTrailPercentScale);
}

}  // namespace

TradingEngine::TradingEngine(portfolio::Catalog& catalog, EventRecorder& recorder,
                             EngineConfig config, risk::RiskLimits limits)
    : catalog_(catalog),
      recorder_(recorder),
      config_(config),
      portfolio_(catalog, config.maxPositionsPerAccount),
      risk_(catalog, portfolio_, limits),
      book_(config.maxOrders) {
  pending_.reserve(1024);
}

Expected<std::uint32_t> TradingEngine::addAccount(model::TenantId tenant, model::AccountId id,
                                                  model::Currency currency,
                                                  portfolio::PositionMode mode,
                                                  model::Money startingBalance) {
  auto index = portfolio_.addAccount(tenant, id, currency, mode, startingBalance);
  if (index) risk_.accountRisk(*index);
  return index;
}

void TradingEngine::advanceClock(TimestampNs ts) noexcept {
  if (ts > now_) now_ = ts;
}

void TradingEngine::rollover(TimestampNs ts) noexcept {
  // Swaps follow the clock of journalled events only, so that a replay charges the same days.
  std::int64_t day = ts / kDayNs;
  if (swapDay_ < 0 || ts <= 0) {
    if (ts > 0) swapDay_ = day;
    return;
  }
  if (day <= swapDay_) return;
  std::int64_t days = day - swapDay_;
  swapDay_ = day;
  for (std::uint32_t a = 0; a < portfolio_.accountCount(); ++a) {
    if (portfolio_.account(a).openPositions > 0) {
      const_cast<portfolio::Portfolio&>(portfolio_).rollover(a, days);
    }
  }
}

void TradingEngine::emit(model::Event event) noexcept {
  auto& header = model::headerOf(event);
  if (header.tsEvent == 0) header.tsEvent = now_;
  if (config_.wallClock != nullptr) {
    header.tsRecv = config_.wallClock->now();
  } else if (header.tsRecv == 0) {
    header.tsRecv = now_;
  }
  header.sequence = 0;
  if (auto* fill = std::get_if<model::OrderFilled>(&event); fill != nullptr && !fill->fxRate) {
    stampFxRate(*fill);
  }
  if (!recorder_.record(event)) {
    // Without a journal nothing new may be promised: stop new orders everywhere.
    ++recordFailures_;
    for (std::uint32_t a = 0; a < portfolio_.accountCount(); ++a) {
      risk_.setState(a, risk::TradingState::Halted, risk::HaltCause::Journal);
    }
  }
  apply(event);
}

void TradingEngine::stampFxRate(model::OrderFilled& fill) const noexcept {
  std::int32_t index = indexOf(fill.header.tenant, fill.clientOrderId);
  if (index < 0) return;
  const oms::Order& order = book_.at(static_cast<std::uint32_t>(index));
  if (order.accountIndex >= portfolio_.accountCount() || order.instrumentIndex >= catalog_.size()) {
    return;
  }
  const portfolio::FxLink link = portfolio_.fxLink(order.accountIndex, order.instrumentIndex);
  std::int64_t price = 0;
  if (!portfolio::mantissaAt(fill.fillPrice.decimal(),
                             catalog_.at(order.instrumentIndex).spec.priceScale, price)) {
    return;
  }
  // Journalled with the fill, so that a replay converts at the same rate without the quotes.
  fill.fxRate = portfolio_.fxRate(link, price);
}

SubmitResult TradingEngine::submit(const model::SubmitOrder& command) noexcept {
  SubmitResult result;
  advanceClock(command.header.tsEvent);
  if (std::int32_t existing = indexOf(command.header.tenant, command.clientOrderId);
      existing >= 0) {
    result.order = existing;
    result.duplicate = true;
    return result;
  }
  if (book_.full()) {
    risk_.countDenial(risk::DenyReason::Capacity);
    model::OrderDenied denied{};
    denied.header.tenant = command.header.tenant;
    denied.clientOrderId = command.clientOrderId;
    denied.account = command.account;
    denied.instrument = command.instrument;
    denied.reasonCode = model::ReasonCode::truncated(risk::errors::kCapacity.code);
    denied.reason = model::Text::truncated(risk::errors::kCapacity.title);
    emit(denied);
    result.denied = risk::DenyReason::Capacity;
    return result;
  }
  if (command.header.sequence == 0) {
    model::Event recorded = command;
    if (model::headerOf(recorded).tsEvent == 0) model::headerOf(recorded).tsEvent = now_;
    if (!recorder_.record(recorded)) ++recordFailures_;
    apply(recorded);
  } else {
    apply(command);
  }
  std::int32_t index = indexOf(command.header.tenant, command.clientOrderId);
  if (index < 0) return result;
  result.order = index;
  oms::Order& order = book_.at(static_cast<std::uint32_t>(index));

  oms::Order scratch;
  risk::DenyReason reason = risk_.prepare(command, scratch);
  bool bracket = command.stopLoss || command.takeProfit;
  if (reason == risk::DenyReason::None && bracket &&
      command.clientOrderId.view().size() + kStopLossSuffix.size() >
          model::ClientOrderId::kCapacity) {
    reason = risk::DenyReason::InvalidOrder;  // no room for the legs' ids
  }
  if (reason == risk::DenyReason::None && command.clientOrderId.view().find(':') !=
                                              std::string_view::npos) {
    reason = risk::DenyReason::InvalidOrder;  // ':' is reserved for bracket legs
  }
  if (reason == risk::DenyReason::None &&
      !trailingOf(command, catalog_.at(order.instrumentIndex).spec, scratch)) {
    reason = risk::DenyReason::InvalidOrder;
  }
  if (reason != risk::DenyReason::None) {
    risk_.countDenial(reason);
  } else {
    const risk::TradingState before = risk_.accountRisk(order.accountIndex).state;
    reason = risk_.check(order, now_);
    reportBreach(order.accountIndex, before);
  }
  result.denied = reason;
  if (reason != risk::DenyReason::None) {
    auto denied = orderEvent<model::OrderDenied>(order);
    const ErrorCode& code = risk::codeOf(reason);
    denied.reasonCode = model::ReasonCode::truncated(code.code);
    denied.reason = model::Text::truncated(code.title);
    emit(denied);
    return result;
  }
  emit(orderEvent<model::OrderSubmitted>(order));
  if (venue_ != nullptr) venue_->submit(book_.at(static_cast<std::uint32_t>(index)));
  drain();
  return result;
}

CommandResult TradingEngine::cancel(const model::CancelOrder& command) noexcept {
  advanceClock(command.header.tsEvent);
  std::int32_t index = indexOf(command.header.tenant, command.clientOrderId);
  if (index < 0) return CommandResult::UnknownOrder;
  const oms::Order& order = book_.at(static_cast<std::uint32_t>(index));
  if (order.status != oms::OrderStatus::Accepted &&
      order.status != oms::OrderStatus::PartiallyFilled) {
    return CommandResult::NotWorking;
  }
  if (command.header.sequence == 0) {
    emit(command);
  } else {
    apply(command);
  }
  if (venue_ != nullptr) venue_->cancel(book_.at(static_cast<std::uint32_t>(index)));
  drain();
  return CommandResult::Done;
}

bool TradingEngine::amendmentOf(const oms::Order& order, const model::ModifyOrder& command,
                                venue::Amendment& amendment) const noexcept {
  if (order.instrumentIndex >= catalog_.size()) return false;
  const auto& spec = catalog_.at(order.instrumentIndex).spec;
  bool ok = true;
  std::int64_t unused = 0;
  if (command.quantity) {
    ok &= portfolio::mantissaAt(command.quantity->decimal(), spec.quantityScale,
                                amendment.quantity) &&
          amendment.quantity > 0;
  }
  if (command.price) {
    ok &= portfolio::mantissaAt(command.price->decimal(), spec.priceScale, amendment.price) &&
          amendment.price > 0;
  }
  if (command.stopPrice) {
    ok &= portfolio::mantissaAt(command.stopPrice->decimal(), spec.priceScale,
                                amendment.stopPrice) &&
          amendment.stopPrice > 0;
  }
  if (command.stopLoss) ok &= portfolio::mantissaAt(command.stopLoss->decimal(), spec.priceScale, unused);
  if (command.takeProfit) {
    ok &= portfolio::mantissaAt(command.takeProfit->decimal(), spec.priceScale, unused);
  }
  bool changes = command.quantity || command.price || command.stopPrice || command.stopLoss ||
                 command.takeProfit;
  return ok && changes;
}

CommandResult TradingEngine::modify(const model::ModifyOrder& command) noexcept {
  advanceClock(command.header.tsEvent);
  std::int32_t index = indexOf(command.header.tenant, command.clientOrderId);
  if (index < 0) return CommandResult::UnknownOrder;
  const oms::Order& order = book_.at(static_cast<std::uint32_t>(index));
  if (order.status != oms::OrderStatus::Accepted &&
      order.status != oms::OrderStatus::PartiallyFilled) {
    return CommandResult::NotWorking;
  }
  venue::Amendment amendment;
  if (!amendmentOf(order, command, amendment)) return CommandResult::Invalid;
  if (command.header.sequence == 0) {
    emit(command);
  } else {
    apply(command);
  }
  if (venue_ != nullptr) venue_->modify(book_.at(static_cast<std::uint32_t>(index)), amendment);
  drain();
  return CommandResult::Done;
}

void TradingEngine::onTick(const model::Tick& tick) noexcept {
  advanceClock(tick.header.tsEvent);
  std::int32_t index = catalog_.find(tick.instrument);
  if (index < 0) return;
  if (!catalog_.update(static_cast<std::uint32_t>(index), tick)) return;
  if (venue_ != nullptr) venue_->onTick(static_cast<std::uint32_t>(index), tick);
  drain();
  // The stop in force when the quote came decided a trigger; survivors now follow the quote.
  trail(static_cast<std::uint32_t>(index));
}

void TradingEngine::onBar(const model::Bar& bar) noexcept {
  advanceClock(bar.start);
  std::int32_t index = catalog_.find(bar.instrument);
  if (index < 0) return;
  if (venue_ != nullptr) venue_->onBar(static_cast<std::uint32_t>(index), bar);
  advanceClock(bar.header.tsEvent);
  catalog_.update(static_cast<std::uint32_t>(index), bar);
  drain();
  trail(static_cast<std::uint32_t>(index));
}

void TradingEngine::trail(std::uint32_t instrument) noexcept {
  if (venue_ == nullptr || replaying_) return;
  const portfolio::Quote& q = catalog_.quote(instrument);
  if (!q.valid) return;
  const auto& spec = catalog_.at(instrument).spec;
  std::int64_t tick = 0;  // the tick size, found at the first trailing stop (most ticks have none)
  // Moves only change states between working ones: the live list stays as it is meanwhile.
  for (std::uint32_t i : book_.live()) {
    const oms::Order& o = book_.at(i);
    if (o.instrumentIndex != instrument || !o.isTrailing() ||
        (o.status != oms::OrderStatus::Accepted && o.status != oms::OrderStatus::PartiallyFilled)) {
      continue;
    }
    if (tick == 0 && (!portfolio::mantissaAt(spec.tickSize.decimal(), spec.priceScale, tick) || tick <= 0)) {
      tick = 1;
    }
    const bool sell = o.side == model::Side::Sell;
    // A sell stop trails below the bid, a buy stop above the ask; a percent distance and the
    // tick grid round away from the market, never towards it.
    const std::int64_t reference = sell ? q.bid : q.ask;
    std::int64_t distance = o.trailOffset;
    if (distance == 0) {
      const portfolio::Int128 den = 100 * portfolio::pow10(oms::kTrailPercentScale);
      distance = static_cast<std::int64_t>(
          (static_cast<portfolio::Int128>(reference) * o.trailPercent + den - 1) / den);
    }
    std::int64_t stop = sell ? reference - distance : reference + distance;
    std::int64_t off = stop % tick;
    if (off != 0) stop += sell ? -off : tick - off;
    if (stop <= 0 || (sell ? stop <= o.stopPrice : stop >= o.stopPrice)) continue;
    auto command = orderEvent<model::ModifyOrder>(o);
    command.stopPrice = model::Price::fromRaw(stop, spec.priceScale);
    emit(command);
    venue::Amendment amendment;
    amendment.stopPrice = stop;
    venue_->modify(book_.at(i), amendment);
  }
  drain();
}

void TradingEngine::onTime(TimestampNs now) noexcept {
  advanceClock(now);
  if (venue_ != nullptr) venue_->onTime(now_);
  drain();
}

void TradingEngine::onExecution(const model::Event& event) noexcept { pending_.push_back(event); }

void TradingEngine::drain() noexcept {
  if (draining_) return;
  draining_ = true;
  while (pendingHead_ < pending_.size()) {
    model::Event event = pending_[pendingHead_++];
    emit(event);
    afterVenueEvent(event);
  }
  pending_.clear();
  pendingHead_ = 0;
  draining_ = false;
}

void TradingEngine::apply(const model::Event& event) noexcept {
  ++applied_;
  const auto& header = model::headerOf(event);
  advanceClock(header.tsEvent);
  rollover(header.tsEvent);
  std::visit(
      [&](const auto& e) {
        using E = std::remove_cvref_t<decltype(e)>;
        if constexpr (std::is_same_v<E, model::SubmitOrder>) {
          applySubmit(e);
        } else if constexpr (std::is_same_v<E, model::TradingStateChanged>) {
          applyState(e);
        } else if constexpr (std::is_same_v<E, model::OrderFilled>) {
          applyFill(e);
        } else if constexpr (std::is_same_v<E, model::OrderSubmitted> ||
                             std::is_same_v<E, model::OrderDenied> ||
                             std::is_same_v<E, model::OrderAccepted> ||
                             std::is_same_v<E, model::OrderRejected> ||
                             std::is_same_v<E, model::OrderCancelled> ||
                             std::is_same_v<E, model::OrderExpired> ||
                             std::is_same_v<E, model::OrderModified> ||
                             std::is_same_v<E, model::CancelOrder> ||
                             std::is_same_v<E, model::ModifyOrder>) {
          std::int32_t index = indexOf(e.header.tenant, e.clientOrderId);
          if (index < 0) return;
          auto i = static_cast<std::uint32_t>(index);
          oms::Order& order = book_.at(i);
          // A command for an order that was not working was answered "not working" and
          // changed nothing; it is in the journal all the same.
          if constexpr (std::is_same_v<E, model::CancelOrder> ||
                        std::is_same_v<E, model::ModifyOrder>) {
            if (order.status != oms::OrderStatus::Accepted &&
                order.status != oms::OrderStatus::PartiallyFilled) {
              return;
            }
          }
          if constexpr (std::is_same_v<E, model::OrderSubmitted>) {
            book_.transition(i, oms::OrderTrigger::Submit);
          } else if constexpr (std::is_same_v<E, model::OrderDenied>) {
            if (book_.transition(i, oms::OrderTrigger::Deny)) order.reasonCode = e.reasonCode;
          } else if constexpr (std::is_same_v<E, model::OrderAccepted>) {
            if (book_.transition(i, oms::OrderTrigger::Accept)) order.venueOrderId = e.venueOrderId;
            ++venueOrders_;
          } else if constexpr (std::is_same_v<E, model::OrderRejected>) {
            bool pending = order.status == oms::OrderStatus::PendingCancel ||
                           order.status == oms::OrderStatus::PendingModify;
            if (book_.transition(i, pending ? oms::OrderTrigger::RefuseRequest
                                            : oms::OrderTrigger::Reject) &&
                !pending) {
              order.reasonCode = e.reasonCode;
            }
          } else if constexpr (std::is_same_v<E, model::OrderCancelled>) {
            book_.transition(i, oms::OrderTrigger::Cancel);
          } else if constexpr (std::is_same_v<E, model::OrderExpired>) {
            book_.transition(i, oms::OrderTrigger::Expire);
          } else if constexpr (std::is_same_v<E, model::CancelOrder>) {
            book_.transition(i, oms::OrderTrigger::RequestCancel);
          } else if constexpr (std::is_same_v<E, model::ModifyOrder>) {
            venue::Amendment amendment;
            if (!amendmentOf(order, e, amendment)) return;  // answered "invalid", no change
            if (!book_.transition(i, oms::OrderTrigger::RequestModify)) return;
            const auto& spec = catalog_.at(order.instrumentIndex).spec;
            // Stop loss and take profit live in the engine (bracket legs), not at the venue.
            if (e.stopLoss) portfolio::mantissaAt(e.stopLoss->decimal(), spec.priceScale, order.stopLoss);
            if (e.takeProfit) {
              portfolio::mantissaAt(e.takeProfit->decimal(), spec.priceScale, order.takeProfit);
            }
          } else if constexpr (std::is_same_v<E, model::OrderModified>) {
            if (!book_.transition(i, oms::OrderTrigger::Modify)) return;
            const auto& spec = catalog_.at(order.instrumentIndex).spec;
            portfolio::mantissaAt(e.quantity.decimal(), spec.quantityScale, order.quantity);
            if (e.price) portfolio::mantissaAt(e.price->decimal(), spec.priceScale, order.price);
            if (e.stopPrice) {
              portfolio::mantissaAt(e.stopPrice->decimal(), spec.priceScale, order.stopPrice);
            }
          }
          order.updatedAt = e.header.tsEvent;
        }
        // Market data, position and account events are derived or read elsewhere.
      },
      event);
}

void TradingEngine::applySubmit(const model::SubmitOrder& command) noexcept {
  if (indexOf(command.header.tenant, command.clientOrderId) >= 0) return;  // idempotent
  oms::Order order;
  risk_.prepare(command, order);
  if (std::int32_t instrument = catalog_.find(command.instrument); instrument >= 0) {
    oms::Order trailing;
    if (trailingOf(command, catalog_.at(static_cast<std::uint32_t>(instrument)).spec, trailing)) {
      order.trailOffset = trailing.trailOffset;
      order.trailPercent = trailing.trailPercent;
    }
  }
  // A bracket leg names its parent: "<parent id>:SL" or ":TP" in the parent's group.
  std::string_view id = command.clientOrderId.view();
  if (id.ends_with(kStopLossSuffix) || id.ends_with(kTakeProfitSuffix)) {
    auto parentId = model::ClientOrderId::truncated(id.substr(0, id.size() - 3));
    std::int32_t parent = indexOf(command.header.tenant, parentId);
    if (parent >= 0 && command.ocoGroup == bracketGroup(static_cast<std::uint32_t>(parent))) {
      order.parent = parent;
      book_.at(static_cast<std::uint32_t>(parent)).bracketPlaced = true;
      if (order.accountIndex < portfolio_.accountCount() &&
          portfolio_.account(order.accountIndex).mode == portfolio::PositionMode::Hedging) {
        order.closesPosition = hedgePosition(static_cast<std::uint32_t>(parent));
      }
    }
  }
  order.updatedAt = command.header.tsEvent;
  book_.add(order);
}

void TradingEngine::applyFill(const model::OrderFilled& fill) noexcept {
  lastFill_ = portfolio::FillResult{};
  ++venueTrades_;
  std::int32_t index = indexOf(fill.header.tenant, fill.clientOrderId);
  if (index < 0) return;  // a fill for an order this engine never placed: reconciliation's job
  auto i = static_cast<std::uint32_t>(index);
  oms::Order& order = book_.at(i);
  if (order.instrumentIndex >= catalog_.size() || order.accountIndex >= portfolio_.accountCount()) {
    return;
  }
  const auto& spec = catalog_.at(order.instrumentIndex).spec;
  std::int64_t quantity = 0, price = 0, leaves = 0, commission = 0;
  if (!portfolio::mantissaAt(fill.fillQuantity.decimal(), spec.quantityScale, quantity) ||
      !portfolio::mantissaAt(fill.fillPrice.decimal(), spec.priceScale, price) ||
      !portfolio::mantissaAt(fill.leavesQuantity.decimal(), spec.quantityScale, leaves) ||
      !portfolio::mantissaAt(fill.commission.decimal(), portfolio::kMoneyScale, commission)) {
    return;
  }
  book_.transition(i, leaves == 0 ? oms::OrderTrigger::Fill : oms::OrderTrigger::PartialFill);
  order.filled += quantity;
  order.filledCost += quantity * price;
  order.updatedAt = fill.header.tsEvent;
  // Money moved at the venue: the portfolio takes the fill even if the order's state refused it.
  lastFill_ = portfolio_.applyFill(order.accountIndex, order.instrumentIndex, fill.side, quantity,
                                   price, commission, fill.positionId, hedgePosition(i),
                                   fill.header.tsEvent, fill.fxRate, fill.commissionCurrency);
}

void TradingEngine::afterVenueEvent(const model::Event& event) noexcept {
  const auto* fill = std::get_if<model::OrderFilled>(&event);
  const model::EventHeader& header = model::headerOf(event);
  std::int32_t index = -1;
  std::visit(
      [&](const auto& e) {
        if constexpr (requires { e.clientOrderId; }) index = indexOf(header.tenant, e.clientOrderId);
      },
      event);
  if (index < 0) return;
  auto i = static_cast<std::uint32_t>(index);
  const oms::Order& order = book_.at(i);

  if (fill != nullptr && lastFill_.ok) {
    const portfolio::FillResult result = lastFill_;
    const auto& account = portfolio_.account(order.accountIndex);
    auto positionEvent = [&](auto e, const portfolio::Position& p) {
      e.header.tenant = order.tenant;
      e.positionId = p.id;
      e.account = order.account;
      e.instrument = order.instrument;
      e.quantity = model::Quantity::fromRaw(p.quantity, catalog_.at(p.instrument).spec.quantityScale);
      e.averagePrice = portfolio_.averagePrice(p);
      e.realizedPnl = portfolio::money(p.realizedPnl);
      e.currency = account.currency;
      emit(e);
    };
    if (config_.positionEvents) {
      if (result.closed) positionEvent(model::PositionClosed{}, result.closedPosition);
      if (result.position >= 0) {
        const auto& p = account.positions[static_cast<std::size_t>(result.position)];
        if (p.isOpen()) {
          if (result.opened) {
            positionEvent(model::PositionOpened{}, p);
          } else {
            positionEvent(model::PositionChanged{}, p);
          }
        }
      }
      // The account after the fill: analytics builds equity curves from these.
      model::AccountState state{};
      state.header.tenant = order.tenant;
      state.account = order.account;
      state.currency = account.currency;
      const std::int64_t equity = portfolio_.equity(order.accountIndex);
      const std::int64_t margin = portfolio_.marginUsed(order.accountIndex);
      state.balance = portfolio::money(account.balance);
      state.equity = portfolio::money(equity);
      state.margin = portfolio::money(margin);
      state.freeMargin = portfolio::money(equity - margin);
      emit(state);
    }
    if (result.unconverted) {
      // Booked at the venue all the same: the PnL waits on the position, named, not guessed.
      const auto& spec = catalog_.at(order.instrumentIndex).spec;
      model::Alert a{};
      a.header.tenant = order.tenant;
      a.severity = model::AlertSeverity::Warning;
      a.source = model::ServiceName("trading-engine");
      a.code = model::ReasonCode::truncated(portfolio::errors::kNoFxRate.code);
      std::array<char, model::Text::kCapacity> text{};
      auto written = fmt::format_to_n(text.data(), text.size(),
                                      "{}: no {}->{} rate for a fill of {}; PnL kept unconverted",
                                      account.id.view(), spec.currency, account.currency.view(),
                                      order.clientOrderId.view());
      a.text = model::Text::truncated(
          std::string_view(text.data(), std::min(written.size, text.size())));
      emit(a);
    }
    const risk::TradingState before = risk_.accountRisk(order.accountIndex).state;
    risk_.observe(order.accountIndex, now_);
    reportBreach(order.accountIndex, before);
    // OCO where the venue lacks it: the first fill cancels the rest of the group.
    if (!order.ocoGroup.empty() && venue_ != nullptr && !venue_->capabilities().oco) {
      for (std::uint32_t other : book_.live()) {
        const oms::Order& o = book_.at(other);
        if (other != i && o.tenant == order.tenant && o.account == order.account &&
            o.ocoGroup == order.ocoGroup) {
          cancelWorking(other);
        }
      }
    }
    // Bracket legs left behind by a closed position would open a new one: cancel them.
    if (result.closed) {
      bool hedging = account.mode == portfolio::PositionMode::Hedging;
      // Copy: cancelling changes the live list.
      std::array<std::uint32_t, 64> orphans{};
      std::size_t count = 0;
      for (std::uint32_t other : book_.live()) {
        const oms::Order& o = book_.at(other);
        if (other == i || o.parent < 0 || o.accountIndex != order.accountIndex) continue;
        bool sameTarget = hedging ? o.closesPosition == result.closedPosition.id
                                  : o.instrumentIndex == order.instrumentIndex;
        if (sameTarget && count < orphans.size()) orphans[count++] = other;
      }
      for (std::size_t k = 0; k < count; ++k) cancelWorking(orphans[k]);
    }
  }
  // Stop loss and take profit go in once the parent is done filling.
  const oms::Order& now = book_.at(i);
  if (now.parent < 0 && now.filled > 0 && !now.bracketPlaced &&
      (now.hasStopLoss() || now.hasTakeProfit()) && oms::isTerminal(now.status)) {
    placeBracket(i);
  }
}

void TradingEngine::cancelWorking(std::uint32_t index) noexcept {
  const oms::Order& order = book_.at(index);
  if (order.status != oms::OrderStatus::Accepted &&
      order.status != oms::OrderStatus::PartiallyFilled) {
    return;
  }
  auto command = orderEvent<model::CancelOrder>(order);
  emit(command);
  if (venue_ != nullptr) venue_->cancel(book_.at(index));
}

void TradingEngine::placeBracket(std::uint32_t parentIndex) noexcept {
  const oms::Order parent = book_.at(parentIndex);
  const auto& spec = catalog_.at(parent.instrumentIndex).spec;
  auto leg = [&](std::string_view suffix, model::OrderType type, std::int64_t price) {
    model::SubmitOrder command{};
    command.header.tenant = parent.tenant;
    std::array<char, model::ClientOrderId::kCapacity> buffer{};
    std::string_view base = parent.clientOrderId.view();
    std::size_t n = 0;
    for (char c : base) buffer[n++] = c;
    for (char c : suffix) buffer[n++] = c;
    command.clientOrderId = model::ClientOrderId::truncated(std::string_view(buffer.data(), n));
    command.account = parent.account;
    command.instrument = parent.instrument;
    command.side = opposite(parent.side);
    command.type = type;
    command.timeInForce = model::TimeInForce::Gtc;
    command.quantity = model::Quantity::fromRaw(parent.filled, spec.quantityScale);
    if (type == model::OrderType::Stop) {
      command.stopPrice = model::Price::fromRaw(price, spec.priceScale);
    } else {
      command.price = model::Price::fromRaw(price, spec.priceScale);
    }
    command.ocoGroup = bracketGroup(parentIndex);
    command.strategyId = parent.strategy;
    emit(command);
    std::int32_t index = indexOf(parent.tenant, command.clientOrderId);
    if (index < 0) return;
    // Legs only ever reduce the parent's position: they skip the pre-trade checks.
    emit(orderEvent<model::OrderSubmitted>(book_.at(static_cast<std::uint32_t>(index))));
    if (venue_ != nullptr) venue_->submit(book_.at(static_cast<std::uint32_t>(index)));
  };
  if (parent.hasStopLoss()) leg(kStopLossSuffix, model::OrderType::Stop, parent.stopLoss);
  if (parent.hasTakeProfit()) leg(kTakeProfitSuffix, model::OrderType::Limit, parent.takeProfit);
}

void TradingEngine::replay(const model::Event& event) noexcept {
  replaying_ = true;
  apply(event);
}

void TradingEngine::finishReplay() noexcept {
  replaying_ = false;
  if (venue_ != nullptr) {
    venue_->restoreCounters(venueOrders_, venueTrades_);
    // Copy the indexes: re-submitting may change the live list.
    std::vector<std::uint32_t> live(book_.live().begin(), book_.live().end());
    for (std::uint32_t index : live) {
      const oms::Order& order = book_.at(index);
      if (order.status == oms::OrderStatus::Submitted) {
        venue_->submit(order);  // never reached the venue before the restart
      } else if (oms::isWorking(order.status)) {
        venue_->restore(order);
        if (order.status == oms::OrderStatus::PendingCancel) venue_->cancel(order);
      }
    }
  }
  for (std::uint32_t a = 0; a < portfolio_.accountCount(); ++a) {
    const risk::TradingState before = risk_.accountRisk(a).state;
    risk_.observe(a, now_);
    reportBreach(a, before);
  }
  drain();
  // A parent that finished filling just before the restart may still miss its legs.
  for (std::uint32_t i = 0; i < book_.size(); ++i) {
    const oms::Order& o = book_.at(i);
    if (o.parent < 0 && o.filled > 0 && !o.bracketPlaced &&
        (o.hasStopLoss() || o.hasTakeProfit()) && oms::isTerminal(o.status)) {
      placeBracket(i);
    }
  }
  drain();
}

void TradingEngine::reportBreach(std::uint32_t account, risk::TradingState before) noexcept {
  const risk::AccountRisk& r = risk_.accountRisk(account);
  if (replaying_ || r.state == before ||
      (r.cause != risk::HaltCause::DailyLoss && r.cause != risk::HaltCause::Drawdown)) {
    return;
  }
  const auto& a = portfolio_.account(account);
  const bool daily = r.cause == risk::HaltCause::DailyLoss;
  model::TradingStateChanged change{};
  change.header.tenant = a.tenant;
  change.account = a.id;
  change.state = model::TradingMode::ReducingOnly;
  change.cause = daily ? model::StateCause::DailyLoss : model::StateCause::Drawdown;
  change.detail = model::Text::truncated(daily ? "daily loss limit reached" : "drawdown limit reached");
  emit(change);
  model::Alert alert{};
  alert.header.tenant = a.tenant;
  alert.severity = model::AlertSeverity::Critical;
  alert.source = model::ServiceName("trading-engine");
  const ErrorCode& code = daily ? risk::errors::kDailyLoss : risk::errors::kDrawdown;
  alert.code = model::ReasonCode::truncated(code.code);
  std::array<char, model::Text::kCapacity> text{};
  auto written = fmt::format_to_n(text.data(), text.size(), "{}: {} is reducing-only",
                                  code.title, a.id.view());
  alert.text = model::Text::truncated(std::string_view(text.data(), std::min(written.size, text.size())));
  emit(alert);
}

void TradingEngine::applyState(const model::TradingStateChanged& change) noexcept {
  for (std::uint32_t a = 0; a < portfolio_.accountCount(); ++a) {
    const auto& account = portfolio_.account(a);
    if (account.tenant != change.header.tenant) continue;
    if (!change.account.empty() && account.id != change.account) continue;
    switch (change.state) {
      case model::TradingMode::Active: risk_.resume(a, change.header.tsEvent); break;
      case model::TradingMode::ReducingOnly:
      case model::TradingMode::Halted: {
        const risk::HaltCause cause = change.cause == model::StateCause::DailyLoss ? risk::HaltCause::DailyLoss
                                      : change.cause == model::StateCause::Drawdown
                                          ? risk::HaltCause::Drawdown
                                          : risk::HaltCause::Manual;
        risk_.setState(a, change.state == model::TradingMode::Halted ? risk::TradingState::Halted
                                                                    : risk::TradingState::ReducingOnly,
                       cause);
        break;
      }
    }
  }
}

void TradingEngine::setTradingState(model::TenantId tenant, risk::TradingState state) noexcept {
  for (std::uint32_t a = 0; a < portfolio_.accountCount(); ++a) {
    const auto& account = portfolio_.account(a);
    if (account.tenant != tenant) continue;
    model::TradingStateChanged change{};
    change.header.tenant = tenant;
    change.account = account.id;
    change.state = state == risk::TradingState::Halted         ? model::TradingMode::Halted
                   : state == risk::TradingState::ReducingOnly ? model::TradingMode::ReducingOnly
                                                               : model::TradingMode::Active;
    change.cause = model::StateCause::Manual;
    emit(change);
  }
}

void TradingEngine::resume(model::TenantId tenant) noexcept {
  setTradingState(tenant, risk::TradingState::Active);
}

}  // namespace ait::trading
