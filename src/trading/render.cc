#include "trading/render.h"

#include "ait/model/time.h"
#include "ait/portfolio/fixed.h"

namespace ait::trading::render {

namespace {

using nlohmann::json;

bool visible(model::TenantId viewer, model::TenantId owner) {
  return viewer.isSystem() || viewer == owner;
}

std::string money(std::int64_t mantissa) { return portfolio::money(mantissa).toString(); }

}  // namespace

json order(const TradingEngine& engine, const oms::Order& o) {
  json out{{"client_order_id", o.clientOrderId.view()},
           {"tenant_id", o.tenant.value},
           {"account", o.account.view()},
           {"instrument", o.instrument.toString()},
           {"side", model::toString(o.side)},
           {"order_type", model::toString(o.type)},
           {"time_in_force", model::toString(o.timeInForce)},
           {"status", oms::toString(o.status)},
           {"created_at", model::toIso8601(o.createdAt)}};
  if (!o.venueOrderId.empty()) out["venue_order_id"] = o.venueOrderId.view();
  if (!o.reasonCode.empty()) out["reason_code"] = o.reasonCode.view();
  if (!o.strategy.empty()) out["strategy_id"] = o.strategy.view();
  if (!o.ocoGroup.empty()) out["oco_group"] = o.ocoGroup.view();
  if (o.instrumentIndex < engine.catalog().size()) {
    const auto& spec = engine.catalog().at(o.instrumentIndex).spec;
    auto qty = [&](std::int64_t m) { return model::Quantity::fromRaw(m, spec.quantityScale).toString(); };
    auto px = [&](std::int64_t m) { return model::Price::fromRaw(m, spec.priceScale).toString(); };
    out["quantity"] = qty(o.quantity);
    out["filled_quantity"] = qty(o.filled);
    if (o.price != 0) out["price"] = px(o.price);
    if (o.stopPrice != 0) out["stop_price"] = px(o.stopPrice);
    if (o.stopLoss != 0) out["stop_loss"] = px(o.stopLoss);
    if (o.takeProfit != 0) out["take_profit"] = px(o.takeProfit);
    // A trailing stop shows its distance as submitted; stop_price is where the stop is now.
    if (o.trailOffset != 0) {
      out["trailing_offset"] = px(o.trailOffset);
      out["trailing_unit"] = "price";
    } else if (o.trailPercent != 0) {
      out["trailing_offset"] = model::Price::fromRaw(o.trailPercent, oms::kTrailPercentScale).toString();
      out["trailing_unit"] = "percent";
    }
    if (o.filled > 0) {
      auto avg = portfolio::roundDiv(o.filledCost, o.filled);
      out["average_fill_price"] = px(static_cast<std::int64_t>(avg));
    }
  }
  if (o.parent >= 0) {
    out["parent"] = engine.orders().at(static_cast<std::uint32_t>(o.parent)).clientOrderId.view();
  }
  return out;
}

json orders(const TradingEngine& engine, model::TenantId tenant, bool openOnly) {
  json list = json::array();
  const auto& book = engine.orders();
  if (openOnly) {
    for (std::uint32_t i : book.live()) {
      if (visible(tenant, book.at(i).tenant)) list.push_back(order(engine, book.at(i)));
    }
  } else {
    for (std::uint32_t i = 0; i < book.size(); ++i) {
      if (visible(tenant, book.at(i).tenant)) list.push_back(order(engine, book.at(i)));
    }
  }
  return json{{"orders", std::move(list)}};
}

json positions(const TradingEngine& engine, model::TenantId tenant) {
  json list = json::array();
  const auto& portfolio = engine.portfolio();
  for (std::uint32_t a = 0; a < portfolio.accountCount(); ++a) {
    const auto& account = portfolio.account(a);
    if (!visible(tenant, account.tenant)) continue;
    for (const auto& p : account.positions) {
      if (!p.isOpen()) continue;
      const auto& spec = engine.catalog().at(p.instrument).spec;
      // Without an FX rate into the account currency the PnL is unknown, not 0.
      std::int64_t unrealized = 0;
      const bool converted = portfolio.unrealized(p, unrealized);
      list.push_back({{"position_id", p.id.view()},
                      {"tenant_id", account.tenant.value},
                      {"account", account.id.view()},
                      {"instrument", spec.id.toString()},
                      {"quantity", model::Quantity::fromRaw(p.quantity, spec.quantityScale).toString()},
                      {"average_price", portfolio.averagePrice(p).toString()},
                      {"realized_pnl", money(p.realizedPnl)},
                      {"unrealized_pnl", converted ? json(money(unrealized)) : json(nullptr)},
                      {"commission", money(p.commission)},
                      {"swap", money(p.swap)},
                      {"opened_at", model::toIso8601(p.openedAt)}});
    }
  }
  return json{{"positions", std::move(list)}};
}

json accounts(const TradingEngine& engine, model::TenantId tenant) {
  json list = json::array();
  const auto& portfolio = engine.portfolio();
  for (std::uint32_t a = 0; a < portfolio.accountCount(); ++a) {
    const auto& account = portfolio.account(a);
    if (!visible(tenant, account.tenant)) continue;
    std::int64_t equity = portfolio.equity(a);
    std::int64_t margin = portfolio.marginUsed(a);
    // INT64_MAX: a position's margin cannot be valued in the account currency yet (no FX rate).
    const bool valued = margin != INT64_MAX;
    list.push_back({{"tenant_id", account.tenant.value},
                    {"account", account.id.view()},
                    {"currency", account.currency.view()},
                    {"position_mode", account.mode == portfolio::PositionMode::Netting ? "netting" : "hedging"},
                    {"starting_balance", money(account.startingBalance)},
                    {"balance", money(account.balance)},
                    {"equity", money(equity)},
                    {"margin", valued ? json(money(margin)) : json(nullptr)},
                    {"free_margin", valued ? json(money(equity - margin)) : json(nullptr)},
                    {"unconverted_positions", portfolio.unconvertedPositions(a)},
                    {"realized_pnl", money(account.realizedPnl)},
                    {"commission", money(account.commission)},
                    {"swap", money(account.swap)},
                    {"open_positions", account.openPositions}});
  }
  return json{{"accounts", std::move(list)}};
}

json risk(TradingEngine& engine, model::TenantId tenant) {
  json list = json::array();
  const auto& portfolio = engine.portfolio();
  for (std::uint32_t a = 0; a < portfolio.accountCount(); ++a) {
    const auto& account = portfolio.account(a);
    if (!visible(tenant, account.tenant)) continue;
    const auto& r = engine.risk().accountRisk(a);
    list.push_back({{"tenant_id", account.tenant.value},
                    {"account", account.id.view()},
                    {"state", risk::toString(r.state)},
                    {"cause", risk::toString(r.cause)},
                    {"day_start_equity", money(r.dayStartEquity)},
                    {"peak_equity", money(r.peakEquity)}});
  }
  const auto& limits = engine.risk().limitsFor(tenant);
  json decisions = json::object();
  for (std::size_t i = 0; i < risk::kDenyReasonCount; ++i) {
    auto reason = static_cast<risk::DenyReason>(i);
    decisions[std::string(risk::nameOf(reason))] = engine.risk().decisions(reason);
  }
  return json{{"accounts", std::move(list)},
              {"limits",
               {{"max_open_positions", limits.maxOpenPositions},
                {"max_risk_per_trade_pct", static_cast<double>(limits.maxRiskPerTradePpm) / 1e4},
                {"max_daily_loss_pct", static_cast<double>(limits.maxDailyLossPpm) / 1e4},
                {"max_drawdown_pct", static_cast<double>(limits.maxDrawdownPpm) / 1e4},
                {"min_confidence", limits.minConfidence},
                {"max_orders_per_second", limits.maxOrdersPerSecond},
                {"max_orders_per_minute", limits.maxOrdersPerMinute},
                {"max_order_notional", money(limits.maxOrderNotional)},
                {"max_position_per_instrument", limits.maxPositionPerInstrument.toString()},
                {"price_collar_pct", static_cast<double>(limits.priceCollarPpm) / 1e4}}},
              {"decisions", std::move(decisions)}};
}

}  // namespace ait::trading::render
