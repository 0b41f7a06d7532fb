// Reconciliation: the engine's orders and positions against what the venue reports. The venue
// is authoritative for what it reports; every correction is an ordinary journalled event (so a
// replay reaches the same state) plus an Alert saying what was found.
#include <map>
#include <set>

#include <fmt/format.h>

#include "ait/portfolio/fixed.h"
#include "ait/trading/engine.h"
#include "ait/trading/errors.h"

namespace ait::trading {

void TradingEngine::alert(model::TenantId tenant, const ErrorCode& code, const std::string& text) {
  model::Alert a{};
  a.header.tenant = tenant;
  a.severity = code.severity == Severity::Critical ? model::AlertSeverity::Critical
                                                   : model::AlertSeverity::Warning;
  a.source = model::ServiceName("trading-engine");
  a.code = model::ReasonCode::truncated(code.code);
  a.text = model::Text::truncated(text);
  emit(a);
}

void TradingEngine::reconcileFill(std::uint32_t i, std::int64_t quantity, std::int64_t price,
                                  std::int64_t leaves) {
  const oms::Order& order = book_.at(i);
  const auto& spec = catalog_.at(order.instrumentIndex).spec;
  auto fill = orderEvent<model::OrderFilled>(order);
  // Unique across restarts: the engine clock and a counter.
  fill.tradeId = model::TradeId::truncated(fmt::format("RECON-{}-{}", now_, ++reconcileTrades_));
  fill.side = order.side;
  fill.fillQuantity = model::Quantity::fromRaw(quantity, spec.quantityScale);
  fill.fillPrice = model::Price::fromRaw(price, spec.priceScale);
  fill.leavesQuantity = model::Quantity::fromRaw(leaves, spec.quantityScale);
  fill.commission = model::Money::fromRaw(0, portfolio::kMoneyScale);
  fill.commissionCurrency = portfolio_.account(order.accountIndex).currency;
  model::Event event = fill;
  emit(event);
  afterVenueEvent(event);
}

void TradingEngine::adopt(const venue::OrderReport& report, const model::ClientOrderId& id) {
  model::SubmitOrder command{};
  command.header.tenant = report.tenant;
  command.clientOrderId = id;
  command.account = report.account;
  command.instrument = report.instrument;
  command.side = report.side;
  command.type = report.type;
  command.timeInForce = model::TimeInForce::Gtc;
  command.quantity = report.quantity;
  if (report.type == model::OrderType::Limit || report.type == model::OrderType::StopLimit) {
    command.price = report.price;
  }
  if (report.type == model::OrderType::Stop || report.type == model::OrderType::StopLimit) {
    command.stopPrice = report.stopPrice;
  }
  emit(command);
  std::int32_t index = indexOf(report.tenant, id);
  if (index < 0) return;
  auto i = static_cast<std::uint32_t>(index);
  emit(orderEvent<model::OrderSubmitted>(book_.at(i)));
  auto accepted = orderEvent<model::OrderAccepted>(book_.at(i));
  accepted.venueOrderId = report.venueOrderId;
  emit(accepted);
  const auto& spec = catalog_.at(book_.at(i).instrumentIndex).spec;
  std::int64_t quantity = 0, filled = 0, price = 0;
  if (!portfolio::mantissaAt(report.quantity.decimal(), spec.quantityScale, quantity) ||
      !portfolio::mantissaAt(report.filled.decimal(), spec.quantityScale, filled) ||
      !portfolio::mantissaAt(report.averagePrice.decimal(), spec.priceScale, price)) {
    return;
  }
  if (filled > 0) reconcileFill(i, filled, price, quantity - filled);
  if (report.status == venue::OrderReport::Status::Cancelled && oms::isWorking(book_.at(i).status)) {
    emit(orderEvent<model::OrderCancelled>(book_.at(i)));
  }
}

ReconcileSummary TradingEngine::reconcile(const venue::VenueReport& report) {
  ReconcileSummary summary;
  struct AccountCounts {
    std::uint32_t ordersChecked = 0, ordersMismatched = 0;
    std::uint32_t positionsChecked = 0, positionsMismatched = 0;
    std::string first;
  };
  std::map<std::uint32_t, AccountCounts> counts;
  std::set<std::uint32_t> seen;
  auto note = [&](std::uint32_t account, model::TenantId tenant, const ErrorCode& code,
                  std::string text) {
    alert(tenant, code, text);
    if (counts[account].first.empty()) counts[account].first = text;
    summary.findings.push_back(std::move(text));
  };
  using Status = venue::OrderReport::Status;

  for (const auto& r : report.orders) {
    std::int32_t accountIndex = portfolio_.findAccount(r.tenant, r.account);
    std::int32_t instrument = catalog_.find(r.instrument);
    ++summary.ordersChecked;
    if (accountIndex < 0 || instrument < 0) {
      ++summary.ordersMismatched;
      summary.findings.push_back(fmt::format("venue order {}: account {} or instrument {} unknown here",
                                             r.venueOrderId.view(), r.account.view(),
                                             r.instrument.toString()));
      continue;
    }
    const auto a = static_cast<std::uint32_t>(accountIndex);
    auto& c = counts[a];
    ++c.ordersChecked;
    const auto& spec = catalog_.at(static_cast<std::uint32_t>(instrument)).spec;
    std::int64_t quantity = 0, filled = 0, average = 0;
    if (!portfolio::mantissaAt(r.quantity.decimal(), spec.quantityScale, quantity) ||
        !portfolio::mantissaAt(r.filled.decimal(), spec.quantityScale, filled) ||
        !portfolio::mantissaAt(r.averagePrice.decimal(), spec.priceScale, average)) {
      ++summary.ordersMismatched;
      ++c.ordersMismatched;
      note(a, r.tenant, errors::kQuantityMismatch,
           fmt::format("venue order {}: quantities or price off the instrument's scales",
                       r.venueOrderId.view()));
      continue;
    }
    std::int32_t index = r.clientOrderId.empty() ? -1 : indexOf(r.tenant, r.clientOrderId);
    for (std::uint32_t k = 0; index < 0 && !r.venueOrderId.empty() && k < book_.size(); ++k) {
      const auto& o = book_.at(k);
      if (o.tenant == r.tenant && o.venueOrderId == r.venueOrderId) index = static_cast<std::int32_t>(k);
    }
    if (index < 0) {
      if (r.status == Status::Cancelled && filled == 0) continue;  // nothing happened there
      auto id = r.clientOrderId.empty()
                    ? model::ClientOrderId::truncated(fmt::format("venue-{}", r.venueOrderId.view()))
                    : r.clientOrderId;
      adopt(r, id);
      ++summary.ordersMismatched;
      ++c.ordersMismatched;
      note(a, r.tenant, errors::kUnknownVenueOrder,
           fmt::format("venue order {} ({}) adopted, {} filled", r.venueOrderId.view(), id.view(),
                       r.filled.toString()));
      if (std::int32_t adopted = indexOf(r.tenant, id); adopted >= 0) {
        seen.insert(static_cast<std::uint32_t>(adopted));
      }
      continue;
    }
    const auto i = static_cast<std::uint32_t>(index);
    seen.insert(i);
    bool mismatch = false;
    if (book_.at(i).status == oms::OrderStatus::Submitted) {
      // Reached the venue, but its acknowledgement was lost with the restart.
      auto accepted = orderEvent<model::OrderAccepted>(book_.at(i));
      accepted.venueOrderId = r.venueOrderId;
      emit(accepted);
    }
    const oms::Order& order = book_.at(i);
    if (r.status == Status::Working && oms::isWorking(order.status) && quantity != order.quantity &&
        quantity >= filled) {
      auto modified = orderEvent<model::OrderModified>(order);
      modified.quantity = model::Quantity::fromRaw(quantity, spec.quantityScale);
      if (order.price != 0) modified.price = model::Price::fromRaw(order.price, spec.priceScale);
      if (order.stopPrice != 0) modified.stopPrice = model::Price::fromRaw(order.stopPrice, spec.priceScale);
      const std::int64_t before = order.quantity;
      emit(modified);
      mismatch = true;
      note(a, r.tenant, errors::kQuantityMismatch,
           fmt::format("order {}: quantity {} here, {} at the venue; took the venue's",
                       order.clientOrderId.view(), model::Quantity::fromRaw(before, spec.quantityScale).toString(),
                       r.quantity.toString()));
    }
    if (filled > book_.at(i).filled) {
      const oms::Order& o = book_.at(i);
      const std::int64_t missing = filled - o.filled;
      // The missed part's price: the venue's total cost less what the journal has.
      portfolio::Int128 cost = static_cast<portfolio::Int128>(average) * filled - o.filledCost;
      auto price = static_cast<std::int64_t>(portfolio::roundDiv(cost, missing));
      if (o.filled == 0) price = average;
      const std::int64_t leaves = r.status == Status::Working ? std::max<std::int64_t>(0, quantity - filled) : 0;
      const std::string id(o.clientOrderId.view());
      reconcileFill(i, missing, price, leaves);
      mismatch = true;
      note(a, r.tenant, errors::kMissedFill,
           fmt::format("order {}: fill of {} @ {} missed while down, applied", id,
                       model::Quantity::fromRaw(missing, spec.quantityScale).toString(),
                       model::Price::fromRaw(price, spec.priceScale).toString()));
    } else if (filled < book_.at(i).filled) {
      mismatch = true;
      note(a, r.tenant, errors::kVenueAhead,
           fmt::format("order {}: {} filled here, {} at the venue", book_.at(i).clientOrderId.view(),
                       model::Quantity::fromRaw(book_.at(i).filled, spec.quantityScale).toString(),
                       r.filled.toString()));
    }
    if (r.status != Status::Working && oms::isWorking(book_.at(i).status)) {
      emit(orderEvent<model::OrderCancelled>(book_.at(i)));
      mismatch = true;
      note(a, r.tenant, errors::kMissingAtVenue,
           fmt::format("order {}: done at the venue, working here; cancelled the rest",
                       book_.at(i).clientOrderId.view()));
    }
    if (mismatch) {
      ++summary.ordersMismatched;
      ++c.ordersMismatched;
    }
  }

  // Working here, unknown there. (Orders never acknowledged are re-sent by finishReplay.)
  std::vector<std::uint32_t> live(book_.live().begin(), book_.live().end());
  for (std::uint32_t i : live) {
    const oms::Order& order = book_.at(i);
    if (seen.contains(i) || !oms::isWorking(order.status)) continue;
    ++summary.ordersChecked;
    ++summary.ordersMismatched;
    ++counts[order.accountIndex].ordersChecked;
    ++counts[order.accountIndex].ordersMismatched;
    const std::string id(order.clientOrderId.view());
    const model::TenantId tenant = order.tenant;
    emit(orderEvent<model::OrderCancelled>(order));
    note(order.accountIndex, tenant, errors::kMissingAtVenue,
         fmt::format("order {}: working here, unknown at the venue; cancelled", id));
  }

  if (report.positionsReported) {
    std::map<std::pair<std::uint32_t, std::uint32_t>, const venue::PositionReport*> theirs;
    for (const auto& p : report.positions) {
      std::int32_t a = portfolio_.findAccount(p.tenant, p.account);
      std::int32_t k = catalog_.find(p.instrument);
      if (a >= 0 && k >= 0) theirs[{static_cast<std::uint32_t>(a), static_cast<std::uint32_t>(k)}] = &p;
    }
    std::set<std::pair<std::uint32_t, std::uint32_t>> keys;
    for (const auto& [key, p] : theirs) keys.insert(key);
    for (std::uint32_t a = 0; a < portfolio_.accountCount(); ++a) {
      for (std::uint32_t k = 0; k < catalog_.size(); ++k) {
        if (portfolio_.netQuantity(a, k) != 0) keys.insert({a, k});
      }
    }
    std::uint32_t adjustment = 0;
    for (const auto& [a, k] : keys) {
      const auto& spec = catalog_.at(k).spec;
      const auto& account = portfolio_.account(a);
      auto it = theirs.find({a, k});
      std::int64_t venueNet = 0, venueAverage = 0;
      if (it != theirs.end() &&
          (!portfolio::mantissaAt(it->second->quantity.decimal(), spec.quantityScale, venueNet) ||
           !portfolio::mantissaAt(it->second->averagePrice.decimal(), spec.priceScale, venueAverage))) {
        continue;
      }
      ++summary.positionsChecked;
      ++counts[a].positionsChecked;
      const std::int64_t localNet = portfolio_.netQuantity(a, k);
      const std::int64_t diff = venueNet - localNet;
      if (diff == 0) continue;
      // Booked as a fill at the venue's average price (else the quote), so the position and its
      // cash follow the venue.
      const auto& quote = catalog_.quote(k);
      std::int64_t price = venueAverage != 0 ? venueAverage : (quote.valid ? quote.mid() : 0);
      if (price <= 0) {
        note(a, account.tenant, errors::kPositionMismatch,
             fmt::format("{} on {}: {} here, {} at the venue; no price to book the difference",
                         spec.id.toString(), account.id.view(),
                         model::Quantity::fromRaw(localNet, spec.quantityScale).toString(),
                         model::Quantity::fromRaw(venueNet, spec.quantityScale).toString()));
        ++summary.positionsMismatched;
        ++counts[a].positionsMismatched;
        continue;
      }
      venue::OrderReport fix;
      fix.tenant = account.tenant;
      fix.account = account.id;
      fix.instrument = spec.id;
      fix.side = diff > 0 ? model::Side::Buy : model::Side::Sell;
      fix.type = model::OrderType::Market;
      fix.quantity = model::Quantity::fromRaw(diff > 0 ? diff : -diff, spec.quantityScale);
      fix.filled = fix.quantity;
      fix.averagePrice = model::Price::fromRaw(price, spec.priceScale);
      fix.status = venue::OrderReport::Status::Filled;
      adopt(fix, model::ClientOrderId::truncated(fmt::format("recon-{}-{}", now_, ++adjustment)));
      ++summary.positionsMismatched;
      ++counts[a].positionsMismatched;
      note(a, account.tenant, errors::kPositionMismatch,
           fmt::format("{} on {}: {} here, {} at the venue; booked the difference",
                       spec.id.toString(), account.id.view(),
                       model::Quantity::fromRaw(localNet, spec.quantityScale).toString(),
                       model::Quantity::fromRaw(venueNet, spec.quantityScale).toString()));
    }
  }

  for (std::uint32_t a = 0; a < portfolio_.accountCount(); ++a) {
    const auto& c = counts[a];
    const auto& account = portfolio_.account(a);
    model::ReconciliationResult result{};
    result.header.tenant = account.tenant;
    result.account = account.id;
    result.venue = model::Venue::truncated(venue_ != nullptr ? venue_->name() : "");
    const bool corrected = c.ordersMismatched + c.positionsMismatched > 0;
    result.status = corrected ? model::ReconciliationStatus::Corrected
                              : model::ReconciliationStatus::Matched;
    result.ordersChecked = c.ordersChecked;
    result.ordersMismatched = c.ordersMismatched;
    result.positionsChecked = c.positionsChecked;
    result.positionsMismatched = c.positionsMismatched;
    result.detail = model::Text::truncated(corrected ? c.first : "matched");
    emit(result);
  }
  drain();
  return summary;
}

}  // namespace ait::trading
