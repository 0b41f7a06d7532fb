#include "ait/portfolio/portfolio.h"

#include <fmt/format.h>

#include "ait/portfolio/errors.h"

namespace ait::portfolio {

namespace {

bool fits(Int128 v) noexcept { return v <= INT64_MAX && v >= INT64_MIN; }

Int128 absolute(Int128 v) noexcept { return v < 0 ? -v : v; }

}  // namespace

Portfolio::Portfolio(const Catalog& catalog, std::uint32_t maxPositionsPerAccount)
    : catalog_(catalog), maxPositions_(maxPositionsPerAccount) {}

Expected<std::uint32_t> Portfolio::addAccount(model::TenantId tenant, model::AccountId id,
                                              model::Currency currency, PositionMode mode,
                                              model::Money startingBalance) {
  if (findAccount(tenant, id) >= 0) {
    return fail(errors::kDuplicate,
                fmt::format("account {} of tenant {} declared twice", id, tenant));
  }
  Account account;
  account.tenant = tenant;
  account.id = id;
  account.currency = currency;
  account.mode = mode;
  if (!mantissaAt(startingBalance.decimal(), kMoneyScale, account.startingBalance)) {
    return fail(errors::kBadInstrument,
                fmt::format("account {}: balance {} does not fit {} decimal places", id,
                            startingBalance, kMoneyScale));
  }
  account.balance = account.startingBalance;
  account.fx.reserve(catalog_.size());
  for (std::uint32_t i = 0; i < catalog_.size(); ++i) {
    account.fx.push_back(findLink(catalog_.at(i).spec.currency, currency.view(), i));
  }
  account.positions.reserve(maxPositions_);
  accounts_.push_back(std::move(account));
  return static_cast<std::uint32_t>(accounts_.size() - 1);
}

std::int32_t Portfolio::findAccount(model::TenantId tenant,
                                    const model::AccountId& id) const noexcept {
  for (std::size_t i = 0; i < accounts_.size(); ++i) {
    if (accounts_[i].tenant == tenant && accounts_[i].id == id) return static_cast<std::int32_t>(i);
  }
  return -1;
}

bool Portfolio::pnlToMoney(std::uint32_t instrument, Int128 amount,
                           std::int64_t& out) const noexcept {
  const auto& spec = catalog_.at(instrument).spec;
  Int128 value = amount * spec.contractSize.mantissa();
  return toMoney(value, spec.priceScale + spec.quantityScale + spec.contractSize.scale(), out);
}

FxLink Portfolio::findLink(std::string_view profit, std::string_view account,
                           std::uint32_t instrument) const noexcept {
  FxLink link;
  if (profit.empty() || account.empty() || profit == account) return link;
  link.kind = FxLink::Kind::Missing;
  // A pair is a symbol that starts with its base currency followed by its quote currency (the
  // instrument's currency): "GBPUSD", "USDJPY.m". The instrument itself is preferred.
  auto linkOf = [&](std::uint32_t i) {
    const auto& spec = catalog_.at(i).spec;
    std::string_view symbol = spec.id.symbol.view();
    if (symbol.size() < 6 || symbol.substr(3, 3) != spec.currency) return false;
    std::string_view base = symbol.substr(0, 3);
    if (base == profit && spec.currency == account) {
      link.kind = FxLink::Kind::Multiply;
    } else if (base == account && spec.currency == profit) {
      link.kind = FxLink::Kind::Divide;
    } else {
      return false;
    }
    link.pair = i;
    link.self = i == instrument;
    return true;
  };
  if (instrument < catalog_.size() && linkOf(instrument)) return link;
  for (std::uint32_t i = 0; i < catalog_.size(); ++i) {
    if (linkOf(i)) return link;
  }
  return link;
}

FxLink Portfolio::fxLink(std::uint32_t accountIndex, std::uint32_t instrument) const noexcept {
  const Account& account = accounts_[accountIndex];
  if (instrument < account.fx.size()) return account.fx[instrument];
  // An instrument added after the account: look it up (no allocation).
  return findLink(catalog_.at(instrument).spec.currency, account.currency.view(), instrument);
}

std::optional<model::Price> Portfolio::fxRate(const FxLink& link, std::int64_t own) const noexcept {
  if (link.kind == FxLink::Kind::Same || link.kind == FxLink::Kind::Missing) return std::nullopt;
  const auto& spec = catalog_.at(link.pair).spec;
  if (link.self && own > 0) return model::Price::fromRaw(own, spec.priceScale);
  const Quote& q = catalog_.quote(link.pair);
  if (!q.valid || q.bid <= 0 || q.ask <= 0) return std::nullopt;
  // The exact mid: (bid + ask) / 2 is (bid + ask) x 5 at one more decimal.
  if (spec.priceScale < model::kMaxScale && q.bid <= INT64_MAX / 10 && q.ask <= INT64_MAX / 10) {
    return model::Price::fromRaw((q.bid + q.ask) * 5, static_cast<std::uint8_t>(spec.priceScale + 1));
  }
  return model::Price::fromRaw(static_cast<std::int64_t>(roundDiv(Int128(q.bid) + q.ask, 2)),
                               spec.priceScale);
}

bool Portfolio::convert(Int128 amount, int scale, const FxLink& link,
                        const std::optional<model::Price>& rate, std::int64_t& out) noexcept {
  if (link.kind == FxLink::Kind::Same) return toMoney(amount, scale, out);
  if (link.kind == FxLink::Kind::Missing || !rate || !rate->isPositive()) return false;
  const Int128 r = rate->mantissa();
  const int s = rate->scale();
  constexpr Int128 kMax = ~(Int128(1) << 127);
  if (link.kind == FxLink::Kind::Multiply) {
    // amount x rate, at scale + s.
    if (absolute(amount) > kMax / r) return false;
    return toMoney(amount * r, scale + s, out);
  }
  // amount / rate = amount x 10^s / r, at `scale`; money = that x 10^(8 - scale).
  int up = s + kMoneyScale - scale;
  Int128 num = amount;
  Int128 den = r;
  if (up >= 0) {
    if (up > 36 || absolute(num) > kMax / pow10(up)) return false;
    num *= pow10(up);
  } else {
    if (-up > 36 || den > kMax / pow10(-up)) return false;
    den *= pow10(-up);
  }
  Int128 q = roundDiv(num, den);
  if (!fits(q)) return false;
  out = static_cast<std::int64_t>(q);
  return true;
}

bool Portfolio::pnlToAccount(std::uint32_t instrument, Int128 amount, const FxLink& link,
                             const std::optional<model::Price>& rate,
                             std::int64_t& out) const noexcept {
  const auto& spec = catalog_.at(instrument).spec;
  Int128 value = amount * spec.contractSize.mantissa();
  return convert(value, spec.priceScale + spec.quantityScale + spec.contractSize.scale(), link,
                 rate, out);
}

std::int32_t Portfolio::freeSlot(Account& account) noexcept {
  for (std::size_t i = 0; i < account.positions.size(); ++i) {
    if (!account.positions[i].isOpen()) return static_cast<std::int32_t>(i);
  }
  if (account.positions.size() >= maxPositions_) return -1;
  account.positions.emplace_back();  // within the reserved capacity: no allocation
  return static_cast<std::int32_t>(account.positions.size() - 1);
}

FillResult Portfolio::applyFill(std::uint32_t accountIndex, std::uint32_t instrument,
                                model::Side side, std::int64_t quantity, std::int64_t price,
                                std::int64_t commission, const model::PositionId& closes,
                                const model::PositionId& opensAs, TimestampNs ts,
                                std::optional<model::Price> fxRate,
                                const model::Currency& commissionCurrency) noexcept {
  FillResult result;
  Account& account = accounts_[accountIndex];
  const FxLink link = fxLink(accountIndex, instrument);
  // A commission in the profit currency (commissionFor's) is the terms' per-unit part, account
  // money already, plus the notional part in the profit currency: that part converts at the
  // fill's rate, rounded once like the PnL; without a rate it waits beside the unconverted PnL
  // instead of being charged at face value.
  std::int64_t unconvertedCommission = 0;
  if (link.kind != FxLink::Kind::Same && !commissionCurrency.empty() &&
      commissionCurrency != account.currency &&
      commissionCurrency.view() == catalog_.at(instrument).spec.currency) {
    const std::int64_t perUnit = perUnitCommission(catalog_.at(instrument), quantity);
    std::int64_t variable = commission - perUnit;
    if (fxRate) {
      if (!convert(variable, kMoneyScale, link, fxRate, variable)) return result;
    } else {
      unconvertedCommission = variable;
      variable = 0;
    }
    commission = perUnit + variable;
  }
  const Int128 signedFill = side == model::Side::Buy ? quantity : -static_cast<Int128>(quantity);

  // The position this fill works on: the instrument's one (netting) or the named one (hedging).
  std::int32_t target = -1;
  if (account.mode == PositionMode::Netting) {
    for (std::size_t i = 0; i < account.positions.size(); ++i) {
      const Position& p = account.positions[i];
      if (p.isOpen() && p.instrument == instrument) {
        target = static_cast<std::int32_t>(i);
        break;
      }
    }
  } else if (!closes.empty()) {
    target = findPosition(accountIndex, closes);
    if (target >= 0 && account.positions[target].instrument != instrument) target = -1;
  }

  Int128 closeQty = 0;  // signed like the position
  Int128 costRemoved = 0;
  if (target >= 0) {
    const Position& p = account.positions[target];
    if ((p.quantity > 0) != (signedFill > 0)) {
      Int128 posQty = p.quantity;
      closeQty = absolute(signedFill) < absolute(posQty) ? -signedFill : posQty;
      // The share of the exact cost that leaves with closeQty; a full close takes all of it, so
      // rounding never outlives the position.
      costRemoved =
          closeQty == posQty ? Int128(p.cost) : roundDiv(Int128(p.cost) * closeQty, posQty);
    }
  }
  const Int128 remaining = signedFill + closeQty;

  std::int64_t realized = 0;
  std::int64_t unconverted = 0;  // profit currency, when no rate converts it
  if (closeQty != 0) {
    Int128 proceeds = static_cast<Int128>(price) * closeQty;
    if (link.kind == FxLink::Kind::Same || fxRate) {
      if (!pnlToAccount(instrument, proceeds - costRemoved, link, fxRate, realized)) return result;
    } else if (!pnlToMoney(instrument, proceeds - costRemoved, unconverted)) {
      return result;
    }
  }

  // The opening part: adds to the target, reuses the netting slot after a flip, or takes a slot.
  std::int32_t openSlot = -1;
  if (remaining != 0) {
    if (target >= 0 && (closeQty == 0 || account.mode == PositionMode::Netting)) {
      openSlot = target;
    } else {
      openSlot = freeSlot(account);
      if (openSlot < 0) return result;
    }
  }
  const Int128 addCost = static_cast<Int128>(price) * remaining;
  std::int64_t balance = 0;
  if (!fits(addCost) || __builtin_add_overflow(account.balance, realized - commission, &balance)) {
    return result;
  }

  result.ok = true;
  result.realizedDelta = realized;
  result.unconverted = (closeQty != 0 && link.kind != FxLink::Kind::Same && !fxRate) ||
                       unconvertedCommission != 0;
  if (result.unconverted) ++account.unconvertedFills;
  account.balance = balance;
  account.realizedPnl += realized;
  account.commission += commission;

  if (closeQty != 0) {
    Position& p = account.positions[target];
    p.quantity -= static_cast<std::int64_t>(closeQty);
    p.cost -= static_cast<std::int64_t>(costRemoved);
    p.realizedPnl += realized;
    p.unconvertedPnl += unconverted - unconvertedCommission;
    p.commission += commission;
    result.position = target;
    if (!p.isOpen()) {
      result.closed = true;
      result.closedPosition = p;
      --account.openPositions;
    }
  }
  if (openSlot >= 0) {
    Position& p = account.positions[openSlot];
    if (!p.isOpen()) {
      p = Position{};
      p.instrument = instrument;
      p.fx = link;
      p.openedAt = ts;
      p.id = account.mode == PositionMode::Netting
                 ? model::PositionId(model::PositionId::Text::truncated(
                       catalog_.at(instrument).spec.id.symbol.view()))
                 : opensAs;
      ++account.openPositions;
      result.opened = true;
    }
    if (closeQty == 0) {
      p.commission += commission;
      p.unconvertedPnl -= unconvertedCommission;
    }
    p.quantity += static_cast<std::int64_t>(remaining);
    p.cost += static_cast<std::int64_t>(addCost);
    result.position = openSlot;
  }
  return result;
}

bool Portfolio::unrealized(const Position& position, std::int64_t& out) const noexcept {
  out = 0;
  const Quote& q = catalog_.quote(position.instrument);
  if (!position.isOpen() || !q.valid) return false;
  const std::int64_t close = q.closePrice(position.quantity);
  Int128 value = static_cast<Int128>(close) * position.quantity - position.cost;
  // The instrument's own pair converts at the price the position is marked at.
  return pnlToAccount(position.instrument, value, position.fx, fxRate(position.fx, close), out);
}

std::int64_t Portfolio::unrealizedPnl(const Position& position) const noexcept {
  std::int64_t out = 0;
  return unrealized(position, out) ? out : 0;
}

std::uint32_t Portfolio::unconvertedPositions(std::uint32_t accountIndex) const noexcept {
  std::uint32_t count = 0;
  for (const Position& p : accounts_[accountIndex].positions) {
    if (p.isOpen() && p.fx.kind != FxLink::Kind::Same && !fxRate(p.fx, 0)) ++count;
  }
  return count;
}

std::int64_t Portfolio::equity(std::uint32_t accountIndex) const noexcept {
  const Account& account = accounts_[accountIndex];
  std::int64_t equity = account.balance;
  if (account.openPositions == 0) return equity;
  for (const Position& p : account.positions) {
    if (p.isOpen()) equity += unrealizedPnl(p);
  }
  return equity;
}

std::int64_t Portfolio::marginFor(std::uint32_t instrument, std::int64_t quantity,
                                  std::int64_t price) const noexcept {
  Int128 notional = absolute(static_cast<Int128>(quantity) * price);
  Int128 margin = roundDiv(notional * catalog_.at(instrument).terms.marginPpm, 1'000'000);
  std::int64_t out = 0;
  return pnlToMoney(instrument, margin, out) ? out : INT64_MAX;
}

std::int64_t Portfolio::marginFor(std::uint32_t account, std::uint32_t instrument,
                                  std::int64_t quantity, std::int64_t price) const noexcept {
  Int128 notional = absolute(static_cast<Int128>(quantity) * price);
  Int128 margin = roundDiv(notional * catalog_.at(instrument).terms.marginPpm, 1'000'000);
  const FxLink link = fxLink(account, instrument);
  std::int64_t out = 0;
  return pnlToAccount(instrument, margin, link, fxRate(link, 0), out) ? out : INT64_MAX;
}

bool Portfolio::valueInAccount(std::uint32_t account, std::uint32_t instrument,
                               Int128 priceTimesQuantity, std::int64_t& out) const noexcept {
  const FxLink link = fxLink(account, instrument);
  return pnlToAccount(instrument, priceTimesQuantity, link, fxRate(link, 0), out);
}

std::int64_t Portfolio::marginUsed(std::uint32_t accountIndex) const noexcept {
  const Account& account = accounts_[accountIndex];
  std::int64_t used = 0;
  for (const Position& p : account.positions) {
    if (!p.isOpen()) continue;
    Int128 margin = roundDiv(absolute(p.cost) * catalog_.at(p.instrument).terms.marginPpm, 1'000'000);
    std::int64_t m = 0;
    // At the pair's mid, also for the instrument's own pair (the margin is not marked to a side).
    if (!pnlToAccount(p.instrument, margin, p.fx, fxRate(p.fx, 0), m)) return INT64_MAX;
    used += m;
  }
  return used;
}

std::int64_t Portfolio::netQuantity(std::uint32_t accountIndex,
                                    std::uint32_t instrument) const noexcept {
  std::int64_t net = 0;
  for (const Position& p : accounts_[accountIndex].positions) {
    if (p.isOpen() && p.instrument == instrument) net += p.quantity;
  }
  return net;
}

std::int32_t Portfolio::findPosition(std::uint32_t accountIndex,
                                     const model::PositionId& id) const noexcept {
  const auto& positions = accounts_[accountIndex].positions;
  for (std::size_t i = 0; i < positions.size(); ++i) {
    if (positions[i].isOpen() && positions[i].id == id) return static_cast<std::int32_t>(i);
  }
  return -1;
}

model::Price Portfolio::averagePrice(const Position& position) const noexcept {
  const auto& spec = catalog_.at(position.instrument).spec;
  if (!position.isOpen()) return model::Price::fromRaw(0, spec.priceScale);
  Int128 avg = roundDiv(position.cost, position.quantity);
  return model::Price::fromRaw(static_cast<std::int64_t>(avg), spec.priceScale);
}

std::int64_t Portfolio::rollover(std::uint32_t accountIndex, std::int64_t days) noexcept {
  Account& account = accounts_[accountIndex];
  std::int64_t total = 0;
  for (Position& p : account.positions) {
    if (!p.isOpen()) continue;
    const auto& instrument = catalog_.at(p.instrument);
    const auto& rate = p.quantity > 0 ? instrument.terms.swapLongPerUnit
                                      : instrument.terms.swapShortPerUnit;
    std::int64_t perUnit = 0;
    mantissaAt(rate.decimal(), kMoneyScale, perUnit);
    Int128 amount = static_cast<Int128>(perUnit) * absolute(p.quantity) * days;
    std::int64_t swap = 0;
    if (!toMoney(amount, kMoneyScale + instrument.spec.quantityScale, swap)) continue;
    p.swap += swap;
    total += swap;
  }
  account.swap += total;
  account.balance += total;
  return total;
}

std::int64_t perUnitCommission(const TradableInstrument& instrument, std::int64_t quantity) noexcept {
  std::int64_t perUnit = 0;
  mantissaAt(instrument.terms.commissionPerUnit.decimal(), kMoneyScale, perUnit);
  std::int64_t fixed = 0;
  toMoney(static_cast<Int128>(perUnit) * quantity, kMoneyScale + instrument.spec.quantityScale, fixed);
  return fixed;
}

std::int64_t commissionFor(const TradableInstrument& instrument, std::int64_t quantity,
                           std::int64_t price) noexcept {
  const auto& spec = instrument.spec;
  const auto& terms = instrument.terms;
  const std::int64_t fixed = perUnitCommission(instrument, quantity);
  std::int64_t variable = 0;
  if (terms.commissionPpm != 0) {
    Int128 notional = static_cast<Int128>(price) * quantity * spec.contractSize.mantissa();
    Int128 scaled = roundDiv(notional * terms.commissionPpm, 1'000'000);
    toMoney(scaled, spec.priceScale + spec.quantityScale + spec.contractSize.scale(), variable);
  }
  return fixed + variable;
}

}  // namespace ait::portfolio
