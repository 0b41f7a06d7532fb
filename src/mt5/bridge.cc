#include "ait/mt5/bridge.h"

#include <fmt/format.h>

#include <charconv>
#include <nlohmann/json.hpp>

#include "ait/mt5/errors.h"

namespace ait::mt5 {

namespace {

void putPrice(nlohmann::json& j, const char* key, const std::optional<model::Price>& price) {
  if (price) j[key] = price->toDouble();
}

}  // namespace

Mt5Bridge::Mt5Bridge(const Mt5Config& config, FeedFactory nativeFeeds, FeedFactory compatFeeds,
                     Clock& clock, metrics::Registry& registry)
    : config_(config),
      compat_(config, std::move(compatFeeds), clock, registry),
      native_(config, std::move(nativeFeeds), clock, registry) {}

Mt5Bridge::~Mt5Bridge() { stop(); }

void Mt5Bridge::addRoutes(http::Router& router) { compat_.addRoutes(router); }

Expected<void> Mt5Bridge::start() {
  if (config_.native_enabled) {
    if (auto started = native_.start(); !started) return started;
  }
  running_ = true;
  return {};
}

void Mt5Bridge::stop() noexcept {
  running_ = false;
  native_.stop();
  compat_.closeAll();
}

hub::Health Mt5Bridge::health() const {
  hub::Health health;
  if (running_ && config_.native_enabled && native_.port() == 0) {
    health.status = hub::HealthStatus::Down;
    health.reason = "the native MT5 server is not listening";
  }
  return health;
}

Expected<Route> Mt5Bridge::route(model::TenantId tenant, std::string_view nativeType,
                                 const nlohmann::json& nativeFields, std::string_view compatType,
                                 const nlohmann::json& compatData) {
  if (!nativeType.empty() && native_.core().clients(tenant) > 0) {
    if (auto sent = native_.core().send(tenant, nativeType, nativeFields); sent) {
      return Route::Native;
    }
  }
  if (compatType.empty()) {
    return fail(errors::kNotConnected,
                fmt::format("tenant {} has no Expert Advisor connected, and the compatibility "
                            "protocol cannot carry '{}'",
                            tenant.value, nativeType));
  }
  auto sent = compat_.send(tenant, compatType, compatData);
  if (!sent) {
    return fail(errors::kNotConnected,
                fmt::format("tenant {} has no MT5 terminal connected", tenant.value));
  }
  return Route::Compat;
}

Expected<Route> Mt5Bridge::submit(const model::SubmitOrder& order) {
  if (auto valid = model::validate(order); !valid) return Unexpected(valid.error());
  auto side = std::string(model::toString(order.side));
  nlohmann::json native{{"cid", order.clientOrderId.view()},
                        {"symbol", order.instrument.symbol.view()},
                        {"side", side},
                        {"type", model::toString(order.type)},
                        {"volume", order.quantity.toDouble()}};
  putPrice(native, "price", order.price);
  putPrice(native, "stop_price", order.stopPrice);
  putPrice(native, "sl", order.stopLoss);
  putPrice(native, "tp", order.takeProfit);
  // The Python bridge places market orders only; other types need the Expert Advisor.
  bool market = order.type == model::OrderType::Market;
  nlohmann::json signal{{"id", order.clientOrderId.view()},
                        {"symbol", order.instrument.symbol.view()},
                        {"action", order.side == model::Side::Buy ? "BUY" : "SELL"},
                        {"volume", order.quantity.toDouble()},
                        {"stop_loss", order.stopLoss ? order.stopLoss->toDouble() : 0.0},
                        {"take_profit", order.takeProfit ? order.takeProfit->toDouble() : 0.0},
                        {"urgency", "normal"}};
  if (order.confidence) signal["confidence"] = *order.confidence;
  return route(order.header.tenant, "order", native, market ? "trading_signal" : "", signal);
}

Expected<Route> Mt5Bridge::cancel(const model::CancelOrder& cancel) {
  nlohmann::json native{{"cid", cancel.clientOrderId.view()},
                        {"order", cancel.venueOrderId.view()}};
  return route(cancel.header.tenant, "cancel", native, "", nullptr);
}

Expected<Route> Mt5Bridge::modify(const model::ModifyOrder& modify) {
  nlohmann::json native{{"cid", modify.clientOrderId.view()},
                        {"order", modify.venueOrderId.view()}};
  putPrice(native, "price", modify.price);
  putPrice(native, "stop_price", modify.stopPrice);
  putPrice(native, "sl", modify.stopLoss);
  putPrice(native, "tp", modify.takeProfit);
  if (modify.quantity) native["volume"] = modify.quantity->toDouble();
  nlohmann::json compat{{"ticket", modify.venueOrderId.view()}};
  putPrice(compat, "sl", modify.stopLoss);
  putPrice(compat, "tp", modify.takeProfit);
  return route(modify.header.tenant, "modify", native, "modify_order", compat);
}

Expected<Route> Mt5Bridge::closePosition(model::TenantId tenant, std::string_view ticket) {
  // MT5 tickets are numbers; the Python bridge compares them as such.
  nlohmann::json ticketValue = ticket;
  std::uint64_t number = 0;
  auto [end, ec] = std::from_chars(ticket.data(), ticket.data() + ticket.size(), number);
  if (ec == std::errc{} && end == ticket.data() + ticket.size()) ticketValue = number;
  return route(tenant, "close", {{"position", ticketValue}}, "close_position",
               {{"ticket", ticketValue}});
}

Expected<Route> Mt5Bridge::emergencyStop(model::TenantId tenant, std::string_view reason) {
  return route(tenant, "stop", {{"reason", reason}}, "emergency_stop", {{"reason", reason}});
}

Expected<Route> Mt5Bridge::configUpdate(model::TenantId tenant, const nlohmann::json& settings) {
  return route(tenant, "config", {{"settings", settings}}, "config_update", settings);
}

Expected<Route> Mt5Bridge::requestData(model::TenantId tenant, std::string_view what) {
  return route(tenant, "get", {{"what", what}}, "get_data", {{"request_type", what}});
}

}  // namespace ait::mt5
