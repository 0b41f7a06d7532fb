#pragma once
// JSON views of the engine's state for the REST API (engine thread, off the hot path). Prices,
// quantities and amounts are exact decimal strings. Tenant 0 (the platform) sees every tenant.

#include <nlohmann/json.hpp>

#include "ait/trading/engine.h"

namespace ait::trading::render {

nlohmann::json order(const TradingEngine& engine, const oms::Order& order);
nlohmann::json orders(const TradingEngine& engine, model::TenantId tenant, bool openOnly);
nlohmann::json positions(const TradingEngine& engine, model::TenantId tenant);
nlohmann::json accounts(const TradingEngine& engine, model::TenantId tenant);
nlohmann::json risk(TradingEngine& engine, model::TenantId tenant);

}  // namespace ait::trading::render
