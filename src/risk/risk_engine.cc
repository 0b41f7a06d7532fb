#include "ait/risk/risk_engine.h"

#include <cmath>
#include <string>
#include <vector>

#include <fmt/format.h>

namespace ait::risk {

namespace {

using portfolio::Int128;
using portfolio::mantissaAt;
using portfolio::pow10;

constexpr TimestampNs kSecondNs = 1'000'000'000LL;
constexpr TimestampNs kDayNs = 86'400 * kSecondNs;

struct ReasonInfo {
  DenyReason reason;
  const ErrorCode* code;
  std::string_view name;
};

constexpr std::array<ReasonInfo, kDenyReasonCount> kReasons{{
    {DenyReason::None, &errors::kInvalidOrder, "allowed"},
    {DenyReason::UnknownAccount, &errors::kUnknownAccount, "unknown_account"},
    {DenyReason::Halted, &errors::kHalted, "halted"},
    {DenyReason::ReducingOnly, &errors::kReducingOnly, "reducing_only"},
    {DenyReason::UnknownInstrument, &errors::kUnknownInstrument, "unknown_instrument"},
    {DenyReason::NotTradable, &errors::kNotTradable, "not_tradable"},
    {DenyReason::InvalidOrder, &errors::kInvalidOrder, "invalid_order"},
    {DenyReason::LowConfidence, &errors::kLowConfidence, "low_confidence"},
    {DenyReason::QuantityBelowMin, &errors::kQuantityBelowMin, "quantity_below_min"},
    {DenyReason::QuantityAboveMax, &errors::kQuantityAboveMax, "quantity_above_max"},
    {DenyReason::QuantityOffStep, &errors::kQuantityOffStep, "quantity_off_step"},
    {DenyReason::PriceOffTick, &errors::kPriceOffTick, "price_off_tick"},
    {DenyReason::NoMarketPrice, &errors::kNoMarketPrice, "no_market_price"},
    {DenyReason::PriceOutsideCollar, &errors::kPriceOutsideCollar, "price_outside_collar"},
    {DenyReason::MaxNotional, &errors::kMaxNotional, "max_notional"},
    {DenyReason::MaxPosition, &errors::kMaxPosition, "max_position"},
    {DenyReason::MaxOpenPositions, &errors::kMaxOpenPositions, "max_open_positions"},
    {DenyReason::NoStopLoss, &errors::kNoStopLoss, "no_stop_loss"},
    {DenyReason::MaxRiskPerTrade, &errors::kMaxRiskPerTrade, "max_risk_per_trade"},
    {DenyReason::DailyLoss, &errors::kDailyLoss, "daily_loss"},
    {DenyReason::Drawdown, &errors::kDrawdown, "drawdown"},
    {DenyReason::RateLimitSecond, &errors::kRateLimitSecond, "rate_limit_second"},
    {DenyReason::RateLimitMinute, &errors::kRateLimitMinute, "rate_limit_minute"},
    {DenyReason::InsufficientMargin, &errors::kInsufficientMargin, "insufficient_margin"},
    {DenyReason::Capacity, &errors::kCapacity, "capacity"},
}};

Int128 absolute(Int128 v) noexcept { return v < 0 ? -v : v; }

/// Compares a x 10^-sa with b x 10^-sb exactly.
int compareScaled(Int128 a, int sa, Int128 b, int sb) noexcept {
  Int128 left = a * pow10(sb);
  Int128 right = b * pow10(sa);
  return left < right ? -1 : (left > right ? 1 : 0);
}

bool onGrid(std::int64_t value, std::int64_t step) noexcept { return step > 0 && value % step == 0; }

std::int64_t stepAt(model::Decimal step, std::uint8_t scale) noexcept {
  std::int64_t out = 0;
  return mantissaAt(step, scale, out) ? out : 0;
}

/// Reads an optional price at the instrument's scale; false when it has more decimal places.
bool priceAt(const std::optional<model::Price>& price, std::uint8_t scale, std::int64_t& out) {
  out = 0;
  if (!price) return true;
  return mantissaAt(price->decimal(), scale, out);
}

}  // namespace

const ErrorCode& codeOf(DenyReason reason) noexcept {
  return *kReasons[static_cast<std::size_t>(reason)].code;
}

DenyReason reasonFromCode(std::string_view code) noexcept {
  for (const auto& info : kReasons) {
    if (info.reason != DenyReason::None && info.code->code == code) return info.reason;
  }
  return DenyReason::None;
}

std::string_view nameOf(DenyReason reason) noexcept {
  return kReasons[static_cast<std::size_t>(reason)].name;
}

std::string_view toString(TradingState state) noexcept {
  switch (state) {
    case TradingState::Active: return "active";
    case TradingState::ReducingOnly: return "reducing_only";
    case TradingState::Halted: return "halted";
  }
  return "unknown";
}

std::string_view toString(HaltCause cause) noexcept {
  switch (cause) {
    case HaltCause::None: return "none";
    case HaltCause::Manual: return "manual";
    case HaltCause::DailyLoss: return "daily_loss";
    case HaltCause::Drawdown: return "drawdown";
    case HaltCause::Journal: return "journal";
  }
  return "unknown";
}

Expected<RiskLimits> RiskLimits::fromConfig(const config::RiskConfig& c) {
  RiskLimits limits;
  std::vector<std::string> problems;
  auto ppm = [&](double pct, std::string_view name, std::int64_t& out) {
    if (!(pct >= 0.0 && pct <= 100.0)) {
      problems.push_back(fmt::format("risk.{} = {} is not a percentage", name, pct));
      return;
    }
    out = std::llround(pct * 10'000.0);
  };
  limits.maxOpenPositions = c.max_open_positions;
  ppm(c.max_risk_per_trade_pct, "max_risk_per_trade_pct", limits.maxRiskPerTradePpm);
  ppm(c.max_daily_loss_pct, "max_daily_loss_pct", limits.maxDailyLossPpm);
  ppm(c.max_drawdown_pct, "max_drawdown_pct", limits.maxDrawdownPpm);
  ppm(c.price_collar_pct, "price_collar_pct", limits.priceCollarPpm);
  limits.minConfidence = c.min_confidence;
  limits.maxOrdersPerSecond = c.max_orders_per_second;
  limits.maxOrdersPerMinute = c.max_orders_per_minute;
  auto notional = model::Money::fromDouble(c.max_order_notional, portfolio::kMoneyScale);
  if (!notional) {
    problems.push_back(fmt::format("risk.max_order_notional: {}", notional.error().message()));
  } else {
    limits.maxOrderNotional = notional->mantissa();
  }
  auto position = model::Quantity::fromDouble(c.max_position_per_instrument);
  if (!position) {
    problems.push_back(
        fmt::format("risk.max_position_per_instrument: {}", position.error().message()));
  } else {
    limits.maxPositionPerInstrument = *position;
  }
  if (c.max_open_positions < 0) problems.emplace_back("risk.max_open_positions is negative");
  if (!problems.empty()) {
    std::string text;
    for (const auto& p : problems) text += (text.empty() ? "" : "; ") + p;
    return fail(errors::kBadLimits, text);
  }
  return limits;
}

RiskEngine::RiskEngine(const portfolio::Catalog& catalog, const portfolio::Portfolio& portfolio,
                       RiskLimits limits)
    : catalog_(catalog), portfolio_(portfolio), defaults_(limits) {
  auto& registry = metrics::Registry::global();
  for (const auto& info : kReasons) {
    metrics_[static_cast<std::size_t>(info.reason)] =
        &registry.counter("ait_risk_decisions_total", "Pre-trade risk decisions by outcome",
                          {{"reason", std::string(info.name)}});
  }
  accounts_.reserve(64);
}

void RiskEngine::setTenantLimits(model::TenantId tenant, const RiskLimits& limits) {
  for (auto& [t, l] : tenantLimits_) {
    if (t == tenant) {
      l = limits;
      return;
    }
  }
  tenantLimits_.emplace_back(tenant, limits);
}

const RiskLimits& RiskEngine::limitsFor(model::TenantId tenant) const noexcept {
  for (const auto& [t, l] : tenantLimits_) {
    if (t == tenant) return l;
  }
  return defaults_;
}

AccountRisk& RiskEngine::state(std::uint32_t account) noexcept {
  // Grows only when an account is used for the first time (start-up), not per order.
  if (account >= accounts_.size()) accounts_.resize(account + 1);
  return accounts_[account];
}

const AccountRisk& RiskEngine::accountRisk(std::uint32_t account) noexcept {
  return state(account);
}

DenyReason RiskEngine::prepare(const model::SubmitOrder& c, oms::Order& o) const noexcept {
  o.tenant = c.header.tenant;
  o.clientOrderId = c.clientOrderId;
  o.account = c.account;
  o.instrument = c.instrument;
  o.strategy = c.strategyId;
  o.ocoGroup = c.ocoGroup;
  o.side = c.side;
  o.type = c.type;
  o.timeInForce = c.timeInForce;
  o.expireTime = c.expireTime.value_or(0);
  o.createdAt = c.header.tsEvent;
  o.confidence = c.confidence.value_or(-1.0);
  o.instrumentIndex = UINT32_MAX;
  o.accountIndex = UINT32_MAX;

  std::int32_t account = portfolio_.findAccount(c.header.tenant, c.account);
  if (account < 0) return DenyReason::UnknownAccount;
  o.accountIndex = static_cast<std::uint32_t>(account);
  std::int32_t instrument = catalog_.find(c.instrument);
  if (instrument < 0) return DenyReason::UnknownInstrument;
  o.instrumentIndex = static_cast<std::uint32_t>(instrument);
  const auto& spec = catalog_.at(o.instrumentIndex).spec;

  // The model's own consistency rules (prices the type needs, GTD expiry, confidence range).
  bool needsPrice = c.type == model::OrderType::Limit || c.type == model::OrderType::StopLimit;
  bool needsStop = c.type == model::OrderType::Stop || c.type == model::OrderType::StopLimit;
  if (c.clientOrderId.empty() || c.account.empty() || needsPrice != c.price.has_value() ||
      needsStop != c.stopPrice.has_value() ||
      (c.timeInForce == model::TimeInForce::Gtd) != c.expireTime.has_value() ||
      !model::isValidEnum(c.side) || !model::isValidEnum(c.type) ||
      !model::isValidEnum(c.timeInForce) ||
      (c.confidence && !(*c.confidence >= 0.0 && *c.confidence <= 1.0)) ||
      !c.quantity.isPositive()) {
    return DenyReason::InvalidOrder;
  }
  if (!mantissaAt(c.quantity.decimal(), spec.quantityScale, o.quantity)) {
    return DenyReason::QuantityOffStep;
  }
  if (!priceAt(c.price, spec.priceScale, o.price) ||
      !priceAt(c.stopPrice, spec.priceScale, o.stopPrice) ||
      !priceAt(c.stopLoss, spec.priceScale, o.stopLoss) ||
      !priceAt(c.takeProfit, spec.priceScale, o.takeProfit)) {
    return DenyReason::PriceOffTick;
  }
  if ((c.price && o.price <= 0) || (c.stopPrice && o.stopPrice <= 0) ||
      (c.stopLoss && o.stopLoss <= 0) || (c.takeProfit && o.takeProfit <= 0)) {
    return DenyReason::InvalidOrder;
  }
  return DenyReason::None;
}

void RiskEngine::countDenial(DenyReason reason) noexcept {
  ++counts_[static_cast<std::size_t>(reason)];
  metrics_[static_cast<std::size_t>(reason)]->inc();
}

DenyReason RiskEngine::check(const oms::Order& order, TimestampNs now) noexcept {
  DenyReason reason = run(order, now);
  countDenial(reason);
  return reason;
}

void RiskEngine::observe(std::uint32_t account, TimestampNs now) noexcept {
  AccountRisk& r = state(account);
  const RiskLimits& limits = limitsFor(portfolio_.account(account).tenant);
  std::int64_t equity = portfolio_.equity(account);
  std::int64_t day = now / kDayNs;
  if (r.dayIndex != day) {
    r.dayIndex = day;
    r.dayStartEquity = equity;
  }
  if (equity > r.peakEquity) r.peakEquity = equity;
  if (r.state != TradingState::Active) return;
  Int128 dailyLoss = static_cast<Int128>(r.dayStartEquity) - equity;
  if (r.dayStartEquity > 0 && dailyLoss > 0 &&
      dailyLoss * 1'000'000 >= static_cast<Int128>(limits.maxDailyLossPpm) * r.dayStartEquity) {
    r.state = TradingState::ReducingOnly;
    r.cause = HaltCause::DailyLoss;
    return;
  }
  Int128 drawdown = static_cast<Int128>(r.peakEquity) - equity;
  if (r.peakEquity > 0 && drawdown > 0 &&
      drawdown * 1'000'000 >= static_cast<Int128>(limits.maxDrawdownPpm) * r.peakEquity) {
    r.state = TradingState::ReducingOnly;
    r.cause = HaltCause::Drawdown;
  }
}

void RiskEngine::setState(std::uint32_t account, TradingState s, HaltCause cause) noexcept {
  AccountRisk& r = state(account);
  r.state = s;
  r.cause = s == TradingState::Active ? HaltCause::None : cause;
}

void RiskEngine::setTenantState(model::TenantId tenant, TradingState s, HaltCause cause) noexcept {
  for (std::uint32_t i = 0; i < portfolio_.accountCount(); ++i) {
    if (portfolio_.account(i).tenant == tenant) setState(i, s, cause);
  }
}

void RiskEngine::resume(std::uint32_t account, TimestampNs now) noexcept {
  AccountRisk& r = state(account);
  r.state = TradingState::Active;
  r.cause = HaltCause::None;
  std::int64_t equity = portfolio_.equity(account);
  r.peakEquity = equity;
  r.dayStartEquity = equity;
  r.dayIndex = now / kDayNs;
}

DenyReason RiskEngine::run(const oms::Order& o, TimestampNs now) noexcept {
  if (o.accountIndex >= portfolio_.accountCount()) return DenyReason::UnknownAccount;
  if (o.instrumentIndex >= catalog_.size()) return DenyReason::UnknownInstrument;
  const auto& account = portfolio_.account(o.accountIndex);
  const RiskLimits& limits = limitsFor(o.tenant);
  const auto& instrument = catalog_.at(o.instrumentIndex);
  const auto& spec = instrument.spec;
  const std::int64_t signedQty = o.side == model::Side::Buy ? o.quantity : -o.quantity;

  observe(o.accountIndex, now);
  AccountRisk& r = state(o.accountIndex);

  // Reducing: in netting mode, against the net position and no larger than it; in hedging
  // mode, an order that names the position it closes.
  const std::int64_t net = portfolio_.netQuantity(o.accountIndex, o.instrumentIndex);
  bool reducing = account.mode == portfolio::PositionMode::Netting
                      ? (net != 0 && (net > 0) != (signedQty > 0) &&
                         absolute(signedQty) <= absolute(net))
                      : !o.closesPosition.empty();

  if (r.state == TradingState::Halted) return DenyReason::Halted;
  if (r.state == TradingState::ReducingOnly && !reducing) {
    if (r.cause == HaltCause::DailyLoss) return DenyReason::DailyLoss;
    if (r.cause == HaltCause::Drawdown) return DenyReason::Drawdown;
    return DenyReason::ReducingOnly;
  }
  if (!instrument.terms.tradable) return DenyReason::NotTradable;
  if (o.confidence >= 0.0 && o.confidence < limits.minConfidence) return DenyReason::LowConfidence;

  // Volume: within [min, max] and on the lot step.
  std::int64_t minQ = stepAt(spec.minQuantity.decimal(), spec.quantityScale);
  std::int64_t maxQ = stepAt(spec.maxQuantity.decimal(), spec.quantityScale);
  std::int64_t lot = stepAt(spec.lotStep.decimal(), spec.quantityScale);
  if (o.quantity < minQ) return DenyReason::QuantityBelowMin;
  if (maxQ > 0 && o.quantity > maxQ) return DenyReason::QuantityAboveMax;
  if (!onGrid(o.quantity, lot)) return DenyReason::QuantityOffStep;

  // Prices on the tick grid.
  std::int64_t tick = stepAt(spec.tickSize.decimal(), spec.priceScale);
  for (std::int64_t p : {o.price, o.stopPrice, o.stopLoss, o.takeProfit}) {
    if (p != 0 && !onGrid(p, tick)) return DenyReason::PriceOffTick;
  }

  // A reference price from the market; limits and stops within the collar around it.
  const auto& quote = catalog_.quote(o.instrumentIndex);
  if (!quote.valid) return DenyReason::NoMarketPrice;
  const std::int64_t mid = quote.mid();
  for (std::int64_t p : {o.price, o.stopPrice}) {
    if (p == 0) continue;
    if (absolute(static_cast<Int128>(p) - mid) * 1'000'000 >
        static_cast<Int128>(limits.priceCollarPpm) * mid) {
      return DenyReason::PriceOutsideCollar;
    }
  }
  std::int64_t entry = o.side == model::Side::Buy ? quote.ask : quote.bid;
  if (o.type == model::OrderType::Limit || o.type == model::OrderType::StopLimit) entry = o.price;
  if (o.type == model::OrderType::Stop) entry = o.stopPrice;

  // Notional in account money (FX-converted at the pair's mid); an order that would add risk
  // and cannot be valued yet (no FX rate) is not taken, a reducing one is.
  std::int64_t notional = 0;
  if (portfolio_.valueInAccount(o.accountIndex, o.instrumentIndex,
                                static_cast<Int128>(entry) * o.quantity, notional)) {
    if (notional > limits.maxOrderNotional) return DenyReason::MaxNotional;
  } else if (!reducing) {
    return DenyReason::InsufficientMargin;
  }

  // Rate limits count every order that reaches this point, fixed one-second and one-minute
  // windows.
  std::int64_t second = now / kSecondNs;
  std::int64_t minute = now / (60 * kSecondNs);
  std::int32_t perSecond = r.secondWindow == second ? r.secondCount : 0;
  std::int32_t perMinute = r.minuteWindow == minute ? r.minuteCount : 0;
  if (perSecond >= limits.maxOrdersPerSecond) return DenyReason::RateLimitSecond;
  if (perMinute >= limits.maxOrdersPerMinute) return DenyReason::RateLimitMinute;

  if (!reducing) {
    Int128 resulting = absolute(static_cast<Int128>(net) + signedQty);
    const auto& maxPos = limits.maxPositionPerInstrument;
    if (compareScaled(resulting, spec.quantityScale, maxPos.mantissa(), maxPos.scale()) > 0) {
      return DenyReason::MaxPosition;
    }
    bool opensNew = account.mode == portfolio::PositionMode::Hedging || net == 0 ||
                    (net > 0) != (signedQty > 0);
    if (opensNew && static_cast<std::int32_t>(account.openPositions) >= limits.maxOpenPositions) {
      return DenyReason::MaxOpenPositions;
    }
    std::int64_t equity = portfolio_.equity(o.accountIndex);
    if (limits.maxRiskPerTradePpm < 1'000'000) {
      if (o.stopLoss == 0) return DenyReason::NoStopLoss;
      // The loss at the stop, in the account's money (FX-converted when the instrument's profit
      // currency differs); an order that cannot be valued yet cannot pass.
      std::int64_t risk = 0;
      if (!portfolio_.valueInAccount(o.accountIndex, o.instrumentIndex,
                                     absolute(static_cast<Int128>(entry) - o.stopLoss) * o.quantity,
                                     risk)) {
        return DenyReason::InsufficientMargin;
      }
      // risk / equity <= ppm / 1e6, both in account money.
      if (equity <= 0 || static_cast<Int128>(risk) * 1'000'000 >
                             static_cast<Int128>(limits.maxRiskPerTradePpm) * equity) {
        return DenyReason::MaxRiskPerTrade;
      }
    }
    // In the account's money; INT64_MAX while the FX rate it needs is unknown.
    std::int64_t margin = portfolio_.marginFor(o.accountIndex, o.instrumentIndex, o.quantity, entry);
    if (margin == INT64_MAX) return DenyReason::InsufficientMargin;
    Int128 used = static_cast<Int128>(portfolio_.marginUsed(o.accountIndex)) + margin;
    if (used > equity) return DenyReason::InsufficientMargin;
  }

  r.secondWindow = second;
  r.secondCount = perSecond + 1;
  r.minuteWindow = minute;
  r.minuteCount = perMinute + 1;
  return DenyReason::None;
}

}  // namespace ait::risk
