#include <charconv>
#include <nlohmann/json.hpp>

#include "ait/mt5/errors.h"
#include "ait/venue/mt5_bridge.h"

namespace ait::venue {

namespace {

// MT5 tickets are numbers; the terminal reads them as such.
nlohmann::json ticketValue(std::string_view ticket) {
  std::uint64_t number = 0;
  auto [end, ec] = std::from_chars(ticket.data(), ticket.data() + ticket.size(), number);
  if (ec == std::errc{} && end == ticket.data() + ticket.size()) return number;
  return ticket;
}

std::string_view kindName(model::OrderType type) noexcept {
  switch (type) {
    case model::OrderType::Market: return "market";
    case model::OrderType::Limit: return "limit";
    case model::OrderType::Stop: return "stop";
    case model::OrderType::StopLimit: return "stop_limit";
  }
  return "market";
}

Unexpected notConnected(model::TenantId tenant) {
  return fail(mt5::errors::kNotConnected,
              fmt::format("tenant {} has no MT5 terminal connected", tenant.value));
}

// The bridge's servers queue the message (allocating); a failure to allocate is a lost command.
template <class F>
Expected<void> guarded(model::TenantId tenant, F&& send) noexcept {
  try {
    return send();
  } catch (const std::exception&) {
    return notConnected(tenant);
  }
}

}  // namespace

Mt5Route BridgeCommands::route(model::TenantId tenant) const noexcept {
  try {
    if (bridge_.native().core().clients(tenant) > 0) return Mt5Route::Native;
    if (bridge_.compat().clients(tenant) > 0) return Mt5Route::Compat;
  } catch (const std::exception&) {
  }
  return Mt5Route::None;
}

Expected<void> BridgeCommands::order(const Mt5Order& o) noexcept {
  return guarded(o.tenant, [&]() -> Expected<void> {
    const Mt5Route via = route(o.tenant);
    if (via == Mt5Route::Native) {
      // "side", "type", "price" and "stop_price" are what every EA version reads; the MT5 fields
      // beside them say the same exactly (order_type, type_time, type_filling, expiration).
      nlohmann::json m{{"cid", o.clientOrderId.view()},
                       {"symbol", o.symbol.view()},
                       {"side", o.side == model::Side::Buy ? "buy" : "sell"},
                       {"type", kindName(o.kind)},
                       {"volume", o.volume.toDouble()},
                       {"order_type", static_cast<int>(o.type)},
                       {"order_type_name", toString(o.type)},
                       {"digits", o.digits},
                       {"type_time", static_cast<int>(o.typeTime)},
                       {"comment", o.comment.view()}};
      if (o.price) m["price"] = o.price->toDouble();
      if (o.stopPrice) m["stop_price"] = o.stopPrice->toDouble();
      if (o.typeTime == Mt5TimeType::Specified) m["expiration"] = o.expiration;
      if (o.filling) m["type_filling"] = static_cast<int>(*o.filling);
      auto sent = bridge_.native().core().send(o.tenant, "order", m);
      if (!sent) return Unexpected(sent.error());
      return {};
    }
    if (via == Mt5Route::Compat) {
      nlohmann::json signal{{"id", o.clientOrderId.view()},
                            {"symbol", o.symbol.view()},
                            {"action", o.side == model::Side::Buy ? "BUY" : "SELL"},
                            {"volume", o.volume.toDouble()},
                            {"stop_loss", 0.0},
                            {"take_profit", 0.0},
                            {"comment", o.comment.view()},
                            {"urgency", "normal"}};
      auto sent = bridge_.compat().send(o.tenant, "trading_signal", signal);
      if (!sent) return Unexpected(sent.error());
      return {};
    }
    return notConnected(o.tenant);
  });
}

Expected<void> BridgeCommands::cancel(model::TenantId tenant, const model::ClientOrderId& id,
                                      const model::VenueOrderId& ticket) noexcept {
  return guarded(tenant, [&]() -> Expected<void> {
    auto sent = bridge_.native().core().send(
        tenant, "cancel", {{"cid", id.view()}, {"order", ticketValue(ticket.view())}});
    if (!sent) return Unexpected(sent.error());
    return {};
  });
}

Expected<void> BridgeCommands::change(const Mt5Change& c) noexcept {
  return guarded(c.tenant, [&]() -> Expected<void> {
    nlohmann::json m{{"cid", c.clientOrderId.view()}, {"order", ticketValue(c.ticket.view())}};
    if (c.price) m["price"] = c.price->toDouble();
    if (c.stopPrice) m["stop_price"] = c.stopPrice->toDouble();
    auto sent = bridge_.native().core().send(c.tenant, "modify", m);
    if (!sent) return Unexpected(sent.error());
    return {};
  });
}

Expected<void> BridgeCommands::requestData(model::TenantId tenant, std::string_view what) noexcept {
  return guarded(tenant, [&]() -> Expected<void> {
    auto sent = bridge_.requestData(tenant, what);
    if (!sent) return Unexpected(sent.error());
    return {};
  });
}

namespace {

bool isOrderEvent(const model::Event& event) noexcept {
  return std::holds_alternative<model::OrderAccepted>(event) ||
         std::holds_alternative<model::OrderRejected>(event) ||
         std::holds_alternative<model::OrderFilled>(event) ||
         std::holds_alternative<model::OrderCancelled>(event) ||
         std::holds_alternative<model::OrderExpired>(event) ||
         std::holds_alternative<model::OrderModified>(event);
}

class DivertingFeed final : public mt5::Feed {
 public:
  DivertingFeed(std::unique_ptr<mt5::Feed> inner, std::shared_ptr<TerminalReports> reports,
                model::TenantId tenant)
      : inner_(std::move(inner)), reports_(std::move(reports)), tenant_(tenant) {}

  Expected<void> quote(const mt5::RawQuote& quote) override { return inner_->quote(quote); }

  Expected<void> publish(const model::Event& event) override {
    if (isOrderEvent(event)) return reports_->report(event);
    if (auto published = inner_->publish(event); !published) return published;
    if (std::holds_alternative<model::PositionChanged>(event) ||
        std::holds_alternative<model::PositionClosed>(event)) {
      // A lost copy only leaves its list incomplete: that list is then not reconciled with.
      (void)reports_->report(event);
    }
    return {};
  }

  void listEnd(std::string_view what, std::size_t entries, std::size_t published) override {
    inner_->listEnd(what, entries, published);
    (void)reports_->listEnd(tenant_, what, entries, published);
  }

  void onTimer(TimestampNs now) override { inner_->onTimer(now); }

 private:
  std::unique_ptr<mt5::Feed> inner_;
  std::shared_ptr<TerminalReports> reports_;
  model::TenantId tenant_;
};

}  // namespace

mt5::FeedFactory divertOrderEvents(mt5::FeedFactory inner, std::vector<model::TenantId> tenants,
                                   std::shared_ptr<TerminalReports> reports) {
  return [inner = std::move(inner), tenants = std::move(tenants), reports = std::move(reports)](
             model::TenantId tenant, std::string_view source) -> std::unique_ptr<mt5::Feed> {
    auto feed = inner ? inner(tenant, source) : nullptr;
    if (!feed || std::ranges::find(tenants, tenant) == tenants.end()) return feed;
    return std::make_unique<DivertingFeed>(std::move(feed), reports, tenant);
  };
}

}  // namespace ait::venue
