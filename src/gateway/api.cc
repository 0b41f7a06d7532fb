#include "ait/gateway/api.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <mutex>
#include <set>

#include <fmt/format.h>

#include "ait/core/error_registry.h"
#include "ait/gateway/admin_routes.h"
#include "ait/gateway/errors.h"
#include "ait/hub/health_json.h"

namespace ait::gateway {

namespace {

using Json = nlohmann::json;
using http::Method;

constexpr std::string_view kTrading = "trading-engine";
constexpr std::string_view kData = "data-bridge";
constexpr std::string_view kAi = "ai-orchestration";
constexpr std::string_view kAnalytics = "performance-analytics";
constexpr std::string_view kDatabase = "database-service";
constexpr std::string_view kGateway = "gateway";
constexpr std::size_t kMaxLimit = 500;

const std::set<std::string_view> kTerminal{"denied", "rejected", "filled", "cancelled", "expired"};
const std::set<std::string_view> kStatuses{"initialized", "submitted", "denied", "accepted",
                                           "rejected", "partially_filled", "filled",
                                           "pending_cancel", "pending_modify", "cancelled",
                                           "expired"};

http::Response badParameter(std::string detail) {
  return http::problem(400, errors::kBadParameter, detail);
}

http::Response notFound(std::string_view what) {
  // The same answer for an object of another tenant and one that does not exist.
  return http::problem(404, errors::kNotFound, fmt::format("no {} here", what));
}

bool allowed(Access access, const auth::Principal& p) {
  switch (access) {
    case Access::Public:
    case Access::WsToken:
    case Access::Viewer: return true;
    case Access::Trader: return p.canTrade();
    case Access::Admin: return p.role == auth::Role::Admin && !p.apiKey && p.mfa;
  }
  return false;
}

// Parses `limit` (1..500, default 100) and `cursor` (the position after which to continue).
struct Page {
  std::size_t limit = 100;
  std::uint64_t after = 0;
};

std::optional<std::uint64_t> number(std::string_view text) {
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

Expected<Page> pageOf(const http::Request& request) {
  Page page;
  if (auto limit = request.query("limit")) {
    auto value = number(*limit);
    if (!value || *value < 1 || *value > kMaxLimit) {
      return fail(errors::kBadParameter, fmt::format("limit '{}': use 1..{}", *limit, kMaxLimit));
    }
    page.limit = static_cast<std::size_t>(*value);
  }
  if (auto cursor = request.query("cursor")) {
    auto value = number(*cursor);
    if (!value) return fail(errors::kBadParameter, fmt::format("cursor '{}' is not one this API gave", *cursor));
    page.after = *value;
  }
  return page;
}

http::Response noBackend(std::string_view name) {
  return http::problem(503, errors::kBackendDown, fmt::format("{} does not run in this deployment", name));
}

// A request to a backend path other than the client's, keeping method, body and query.
http::Request rewritten(const http::Request& in, std::string_view path, std::string_view query = {}) {
  http::Request out = http::Request::make(in.method, query.empty() ? std::string(path)
                                                                   : fmt::format("{}?{}", path, query),
                                          in.body);
  out.methodName = in.methodName;
  out.headers = in.headers;
  out.remoteAddress = in.remoteAddress;
  return out;
}


// Returns the parsed body of a successful JSON answer, or nullopt (the answer is then relayed).
std::optional<Json> jsonOf(const http::Response& response) {
  if (response.status != 200) return std::nullopt;
  Json body = Json::parse(response.body, nullptr, false);
  if (body.is_discarded()) return std::nullopt;
  return body;
}

std::string fieldOf(const Json& item, const char* name) {
  auto it = item.find(name);
  return it != item.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::string_view toString(Access access) noexcept {
  switch (access) {
    case Access::Public: return "public";
    case Access::Viewer: return "viewer";
    case Access::Trader: return "trader";
    case Access::Admin: return "admin";
    case Access::WsToken: return "ws-token";
  }
  return "?";
}

const std::vector<RouteDoc>& routeDocs() {
  static const std::vector<RouteDoc> docs{
      {Method::Get, "/health", Access::Public, Priority::Normal, kGateway, "The gateway's health with its dependencies", ""},
      {Method::Get, "/ready", Access::Public, Priority::Normal, kGateway, "Readiness: every local service started", ""},
      {Method::Get, "/metrics", Access::Public, Priority::Normal, kGateway, "Prometheus metrics (text 0.0.4)", ""},
      {Method::Post, "/api/v1/auth/login", Access::Public, Priority::Normal, kGateway, "Log in: username, password, totp -> access and refresh token", ""},
      {Method::Post, "/api/v1/auth/refresh", Access::Public, Priority::Normal, kGateway, "Rotate a refresh token into a new pair", ""},
      {Method::Post, "/api/v1/auth/logout", Access::Public, Priority::Normal, kGateway, "Revoke the refresh token's family", ""},
      {Method::Get, "/api/v1/auth/me", Access::Viewer, Priority::Normal, kGateway, "Who the caller is", ""},
      {Method::Post, "/api/v1/auth/ws-token", Access::Viewer, Priority::Normal, kGateway, "A single-use token (30 s) to open one WebSocket", ""},
      {Method::Get, "/api/v1/version", Access::Public, Priority::Normal, kGateway, "Platform and API version", ""},
      {Method::Get, "/api/v1/openapi.json", Access::Public, Priority::Normal, kGateway, "This document", ""},
      {Method::Get, "/api/v1/health", Access::Viewer, Priority::Normal, kGateway, "The platform's health, per service", ""},
      {Method::Get, "/api/v1/services", Access::Admin, Priority::Normal, kGateway, "Service registry: where each service runs, state, restarts", ""},
      {Method::Get, "/api/v1/errors", Access::Admin, Priority::Normal, kGateway, "ErrorDNA registry, most recent first", ""},
      {Method::Post, "/api/v1/orders", Access::Trader, Priority::Orders, kTrading, "Submit an order (201 new, 200 repeated client_order_id, 422 denied)", ""},
      {Method::Get, "/api/v1/orders", Access::Viewer, Priority::Normal, kTrading, "The tenant's orders, filtered and paged", "status,instrument,account,side,limit,cursor"},
      {Method::Get, "/api/v1/orders/{id}", Access::Viewer, Priority::Normal, kTrading, "One order by client_order_id, else venue_order_id", ""},
      {Method::Patch, "/api/v1/orders/{id}", Access::Trader, Priority::Orders, kTrading, "Modify an order", "account"},
      {Method::Delete, "/api/v1/orders/{id}", Access::Trader, Priority::Orders, kTrading, "Cancel an order", "account"},
      {Method::Get, "/api/v1/fills", Access::Viewer, Priority::Normal, kGateway, "The tenant's recent fills, oldest first", "instrument,account,order,limit,cursor"},
      {Method::Get, "/api/v1/positions", Access::Viewer, Priority::Normal, kTrading, "Open positions with unrealized PnL", ""},
      {Method::Get, "/api/v1/accounts", Access::Viewer, Priority::Normal, kTrading, "The tenant's accounts: balance, equity, margin", ""},
      {Method::Get, "/api/v1/accounts/{account}", Access::Viewer, Priority::Normal, kTrading, "One account", ""},
      {Method::Get, "/api/v1/risk", Access::Viewer, Priority::Normal, kTrading, "Trading state, limits and risk decisions", ""},
      {Method::Post, "/api/v1/risk/halt", Access::Trader, Priority::Orders, kTrading, "Kill switch: halted or reducing_only", ""},
      {Method::Post, "/api/v1/risk/resume", Access::Admin, Priority::Orders, kTrading, "Resume trading", ""},
      {Method::Get, "/api/v1/instruments", Access::Viewer, Priority::Normal, kGateway, "Tradable instruments", ""},
      {Method::Get, "/api/v1/ticks", Access::Viewer, Priority::Low, kData, "Tick history of one symbol", "symbol,from,to,limit"},
      {Method::Get, "/api/v1/bars", Access::Viewer, Priority::Low, kData, "Bar history of one symbol and timeframe", "symbol,timeframe,from,to,limit"},
      {Method::Get, "/api/v1/models", Access::Viewer, Priority::Normal, kAi, "Loaded models with statistics", ""},
      {Method::Get, "/api/v1/models/{name}", Access::Viewer, Priority::Normal, kAi, "One model", ""},
      {Method::Post, "/api/v1/models", Access::Admin, Priority::Low, kAi, "Load or swap a model", ""},
      {Method::Delete, "/api/v1/models/{name}", Access::Admin, Priority::Low, kAi, "Unload a model", ""},
      {Method::Get, "/api/v1/decisions", Access::Viewer, Priority::Normal, kAi, "Recent ensemble decisions", "limit"},
      {Method::Get, "/api/v1/statistics", Access::Viewer, Priority::Low, kAnalytics, "PnL statistics of the tenant", "period"},
      {Method::Post, "/api/v1/backtests", Access::Trader, Priority::Low, kAnalytics, "Queue a backtest: data (a file of the data directory), strategy (TOML text), from, to, cash (202; 429 when the queue is full)", ""},
      {Method::Get, "/api/v1/backtests", Access::Viewer, Priority::Low, kAnalytics, "The tenant's backtest jobs, newest first", ""},
      {Method::Get, "/api/v1/backtests/files", Access::Viewer, Priority::Low, kAnalytics, "Bar files a backtest may name", ""},
      {Method::Get, "/api/v1/backtests/{id}", Access::Viewer, Priority::Low, kAnalytics, "One backtest job: state, progress, statistics or error", ""},
      {Method::Get, "/api/v1/backtests/{id}/report", Access::Viewer, Priority::Low, kAnalytics, "The HTML report of a finished backtest", ""},
      {Method::Post, "/api/v1/patterns", Access::Trader, Priority::Low, kDatabase, "Record a market situation (symbol, features vector) for similarity search", ""},
      {Method::Get, "/api/v1/patterns/similar", Access::Viewer, Priority::Low, kDatabase, "The k nearest past situations of the tenant, by a symbol's latest or a given vector", "symbol,features,k"},
      {Method::Post, "/api/v1/graph/edges", Access::Trader, Priority::Low, kDatabase, "Link two nodes (kind:name) of the tenant's graph: strategies, models, instruments", ""},
      {Method::Get, "/api/v1/graph/links", Access::Viewer, Priority::Low, kDatabase, "Nodes reachable from a node of the tenant's graph", "from,depth"},
      {Method::Get, "/api/v1/history/orders", Access::Viewer, Priority::Low, kDatabase, "Order history of the tenant from the configured database, newest first", "limit"},
      {Method::Get, "/api/v1/history/fills", Access::Viewer, Priority::Low, kDatabase, "Fill history of the tenant from the configured database", "account,limit"},
      {Method::Get, "/api/v1/history/accounts/{account}", Access::Viewer, Priority::Low, kDatabase, "Account history: balance snapshots and fills", "limit"},
      {Method::Get, "/api/v1/history/positions", Access::Viewer, Priority::Low, kDatabase, "Position history (or open positions with open=true)", "account,open,limit"},
      {Method::Get, "/api/v1/history/decisions", Access::Viewer, Priority::Low, kDatabase, "AI decision history", "symbol,limit"},
      {Method::Get, "/api/v1/history/models", Access::Viewer, Priority::Low, kDatabase, "Model registry: the models the tenant's decisions named, last used first", "limit"},
      {Method::Get, "/api/v1/history/instruments", Access::Viewer, Priority::Low, kDatabase, "Reference data of the configured instruments (the same for every tenant)", "limit"},
      {Method::Get, "/api/v1/history/ticks", Access::Viewer, Priority::Low, kDatabase, "Tick range of one symbol from the configured database", "symbol,from,to,limit"},
      {Method::Get, "/api/v1/history/bars", Access::Viewer, Priority::Low, kDatabase, "OHLC bars of one symbol aggregated by the configured database", "symbol,from,to,interval,limit"},
      {Method::Get, "/api/v1/strategies", Access::Viewer, Priority::Normal, kTrading, "The tenant's live strategies: state, target, orders sent, last signal", ""},
      {Method::Post, "/api/v1/strategies/{id}/start", Access::Trader, Priority::Orders, kTrading, "Start a live strategy", ""},
      {Method::Post, "/api/v1/strategies/{id}/stop", Access::Trader, Priority::Orders, kTrading, "Stop a live strategy (its open position stays)", ""},
      {Method::Get, "/api/v1/tenants", Access::Admin, Priority::Normal, kGateway, "The admin's own tenant (tenants are created with `aitrading tenant add`)", ""},
      {Method::Get, "/api/v1/users", Access::Admin, Priority::Normal, kGateway, "Users of the admin's tenant", ""},
      {Method::Post, "/api/v1/users", Access::Admin, Priority::Normal, kGateway, "Add a user to the admin's tenant: username, password (12+ characters), role", ""},
      {Method::Post, "/api/v1/users/{username}/disable", Access::Admin, Priority::Normal, kGateway, "Disable a user of the tenant", ""},
      {Method::Post, "/api/v1/users/{username}/enable", Access::Admin, Priority::Normal, kGateway, "Enable a user of the tenant", ""},
      {Method::Post, "/api/v1/users/{username}/reset-mfa", Access::Admin, Priority::Normal, kGateway, "Remove a user's TOTP secret", ""},
      {Method::Get, "/api/v1/ws", Access::WsToken, Priority::Normal, kGateway, "WebSocket streams (upgrade; ?token=<ws token>)", "token"},
  };
  return docs;
}

nlohmann::json openApiDocument(const http::Router& router, std::string_view version) {
  Json paths = Json::object();
  for (const auto& route : router.routes()) {
    const RouteDoc* doc = nullptr;
    for (const auto& d : routeDocs()) {
      if (d.method == route.method && d.path == route.pattern) doc = &d;
    }
    std::string method(http::toString(route.method));
    std::ranges::transform(method, method.begin(), [](char c) { return static_cast<char>(std::tolower(c)); });
    Json problemBody = Json::object();
    problemBody["application/problem+json"]["schema"]["$ref"] = "#/components/schemas/Problem";
    Json op = Json::object();
    op["summary"] = doc ? std::string(doc->summary) : std::string("(undocumented)");
    op["tags"] = Json::array({doc ? std::string(doc->backend) : std::string(kGateway)});
    op["responses"]["200"]["description"] = "success";
    op["responses"]["default"]["description"] = "problem+json with an ErrorDNA code";
    op["responses"]["default"]["content"] = std::move(problemBody);
    if (doc != nullptr) {
      op["x-access"] = toString(doc->access);
      op["x-priority"] = toString(doc->priority);
      if (doc->access == Access::Public || doc->access == Access::WsToken) {
        op["security"] = Json::array();
      }
    }
    Json parameters = Json::array();
    for (std::size_t open = route.pattern.find('{'); open != std::string::npos;
         open = route.pattern.find('{', open + 1)) {
      auto close = route.pattern.find('}', open);
      parameters.push_back({{"name", route.pattern.substr(open + 1, close - open - 1)},
                            {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}}}});
    }
    if (doc != nullptr) {
      std::string_view query = doc->query;
      while (!query.empty()) {
        auto comma = query.find(',');
        parameters.push_back({{"name", std::string(query.substr(0, comma))}, {"in", "query"},
                              {"required", false}, {"schema", {{"type", "string"}}}});
        query = comma == std::string_view::npos ? std::string_view{} : query.substr(comma + 1);
      }
    }
    if (!parameters.empty()) op["parameters"] = std::move(parameters);
    if (route.method == Method::Post || route.method == Method::Patch) {
      op["requestBody"] = {{"required", false},
                           {"content", {{"application/json", {{"schema", {{"type", "object"}}}}}}}};
    }
    paths[route.pattern][method] = std::move(op);
  }
  return {{"openapi", "3.0.3"},
          {"info", {{"title", "aitrading platform API"}, {"version", std::string(version)}}},
          {"servers", Json::array({{{"url", "/"}}})},
          {"security", Json::array({{{"bearer", Json::array()}}, {{"apiKey", Json::array()}}})},
          {"components",
           {{"securitySchemes",
             {{"bearer", {{"type", "http"}, {"scheme", "bearer"}, {"bearerFormat", "JWT"}}},
              {"apiKey", {{"type", "apiKey"}, {"in", "header"}, {"name", "X-API-Key"}}}}},
            {"schemas",
             {{"Problem",
               {{"type", "object"},
                {"properties",
                 {{"type", {{"type", "string"}}}, {"title", {{"type", "string"}}},
                  {"status", {{"type", "integer"}}}, {"detail", {{"type", "string"}}},
                  {"code", {{"type", "string"}}}}}}}}}}},
          {"paths", std::move(paths)}};
}

void addApiRoutes(http::Router& router, ApiContext& ctx) {
  Gatekeeper& gate = *ctx.gate;
  addAuthRoutes(router, gate);

  // Every protected route: role check, then the handler with the caller's identity.
  using Body = std::function<http::Response(const http::Request&, const auth::Principal&)>;
  auto route = [&router, &gate](Method method, std::string_view path, Body body) {
    const RouteDoc* doc = nullptr;
    for (const auto& d : routeDocs()) {
      if (d.method == method && d.path == path) doc = &d;
    }
    const Access access = doc ? doc->access : Access::Admin;
    const Traffic traffic = doc && doc->priority == Priority::Orders ? Traffic::Orders : Traffic::Normal;
    router.add(method, path, gate.protect([access, body = std::move(body)](const http::Request& request,
                                                                           const auth::Principal& p) {
      // Tenant 0 is the platform itself on the service ports: no login may act as it.
      if (p.tenant == 0) return http::problem(403, errors::kForbidden, "this identity has no tenant");
      if (!allowed(access, p)) {
        return http::problem(403, errors::kForbidden,
                             fmt::format("this needs the {} role{}", toString(access),
                                         access == Access::Trader ? " (API keys: the trade scope)" : ""));
      }
      return body(request, p);
    }, traffic));
  };
  auto forward = [](Backend* backend, std::string_view name, Priority priority) {
    return [backend, name, priority](const http::Request& request, const auth::Principal& p) {
      if (backend == nullptr) return noBackend(name);
      return backend->call(request, callerFor(p), priority);
    };
  };

  router.get("/api/v1/version", [&ctx](const http::Request&) {
    return http::Response::json(200, {{"version", ctx.version}, {"api", "v1"}});
  });
  // Built from the router when asked: the routes are complete once the server runs.
  router.get("/api/v1/openapi.json", [&router, &ctx](const http::Request&) {
    return http::Response::json(200, openApiDocument(router, ctx.version));
  });
  route(Method::Get, "/api/v1/health", [&ctx](const http::Request&, const auth::Principal&) {
    if (ctx.hub == nullptr) return http::Response::json(200, {{"status", "healthy"}});
    return http::Response::json(200, hub::toJson(ctx.hub->health()));
  });
  route(Method::Get, "/api/v1/services", [&ctx](const http::Request&, const auth::Principal&) {
    if (ctx.hub == nullptr) return http::Response::json(200, {{"services", Json::array()}});
    return http::Response::json(200, {{"services", hub::toJson(ctx.hub->services())},
                                      {"health", hub::toJson(ctx.hub->health())}});
  });
  route(Method::Get, "/api/v1/errors", [](const http::Request&, const auth::Principal&) {
    return http::Response::json(200, ErrorRegistry::global().toJson());
  });

  // Orders and the rest of trading.
  route(Method::Post, "/api/v1/orders", forward(ctx.trading, kTrading, Priority::Orders));
  route(Method::Patch, "/api/v1/orders/{id}", forward(ctx.trading, kTrading, Priority::Orders));
  route(Method::Delete, "/api/v1/orders/{id}", forward(ctx.trading, kTrading, Priority::Orders));
  route(Method::Get, "/api/v1/positions", forward(ctx.trading, kTrading, Priority::Normal));
  route(Method::Get, "/api/v1/risk", forward(ctx.trading, kTrading, Priority::Normal));
  route(Method::Post, "/api/v1/risk/halt", forward(ctx.trading, kTrading, Priority::Orders));
  route(Method::Post, "/api/v1/risk/resume", forward(ctx.trading, kTrading, Priority::Orders));

  route(Method::Get, "/api/v1/orders", [&ctx](const http::Request& request, const auth::Principal& p) {
    if (ctx.trading == nullptr) return noBackend(kTrading);
    auto page = pageOf(request);
    if (!page) return badParameter(page.error().message());
    std::string status(request.query("status").value_or("all"));
    if (status != "all" && status != "open" && status != "closed" && !kStatuses.contains(status)) {
      return badParameter(fmt::format("status '{}': use open, closed, all or an order status", status));
    }
    std::string side(request.query("side").value_or(""));
    if (!side.empty() && side != "buy" && side != "sell") {
      return badParameter(fmt::format("side '{}': use buy or sell", side));
    }
    std::string instrument(request.query("instrument").value_or(""));
    std::string account(request.query("account").value_or(""));
    auto answer = ctx.trading->call(rewritten(request, "/api/v1/orders"), callerFor(p), Priority::Normal);
    auto body = jsonOf(answer);
    if (!body || !body->contains("orders")) return answer;
    // The cursor is the position in the tenant's order list, which only grows: pages stay
    // stable while new orders arrive.
    Json out = Json::array();
    const auto& orders = (*body)["orders"];
    std::size_t index = 0;
    std::optional<std::size_t> next;
    for (; index < orders.size(); ++index) {
      if (index < page->after) continue;
      const auto& o = orders[index];
      const std::string st = fieldOf(o, "status");
      const bool terminal = kTerminal.contains(st);
      if (status == "open" && terminal) continue;
      if (status == "closed" && !terminal) continue;
      if (status != "all" && status != "open" && status != "closed" && st != status) continue;
      if (!side.empty() && fieldOf(o, "side") != side) continue;
      if (!instrument.empty() && fieldOf(o, "instrument") != instrument &&
          fieldOf(o, "instrument").rfind(instrument + "@", 0) != 0) continue;
      if (!account.empty() && fieldOf(o, "account") != account) continue;
      if (out.size() == page->limit) {
        next = index;
        break;
      }
      out.push_back(o);
    }
    Json result{{"orders", std::move(out)}};
    if (next) result["next_cursor"] = std::to_string(*next);
    return http::Response::json(200, result);
  });

  route(Method::Get, "/api/v1/orders/{id}", [&ctx](const http::Request& request, const auth::Principal& p) {
    if (ctx.trading == nullptr) return noBackend(kTrading);
    auto answer = ctx.trading->call(request, callerFor(p), Priority::Normal);
    if (answer.status != 404) return answer;
    // Not a client order id of this tenant: try the venue's id among the tenant's orders.
    auto list = jsonOf(ctx.trading->call(rewritten(request, "/api/v1/orders"), callerFor(p), Priority::Normal));
    if (list && list->contains("orders")) {
      for (const auto& o : (*list)["orders"]) {
        if (fieldOf(o, "venue_order_id") == request.param("id")) return http::Response::json(200, o);
      }
    }
    return notFound("order");
  });

  route(Method::Get, "/api/v1/accounts", [&ctx](const http::Request& request, const auth::Principal& p) {
    if (ctx.trading == nullptr) return noBackend(kTrading);
    return ctx.trading->call(rewritten(request, "/api/v1/account"), callerFor(p), Priority::Normal);
  });
  route(Method::Get, "/api/v1/accounts/{account}", [&ctx](const http::Request& request, const auth::Principal& p) {
    if (ctx.trading == nullptr) return noBackend(kTrading);
    auto answer = ctx.trading->call(rewritten(request, "/api/v1/account"), callerFor(p), Priority::Normal);
    auto body = jsonOf(answer);
    if (!body || !body->contains("accounts")) return answer;
    for (const auto& a : (*body)["accounts"]) {
      if (fieldOf(a, "account") == request.param("account")) return http::Response::json(200, a);
    }
    return notFound("account");
  });

  route(Method::Get, "/api/v1/fills", [&ctx](const http::Request& request, const auth::Principal& p) {
    auto page = pageOf(request);
    if (!page) return badParameter(page.error().message());
    if (ctx.streams == nullptr) return http::Response::json(200, {{"fills", Json::array()}});
    return http::Response::json(
        200, ctx.streams->fills(p.tenant, request.query("instrument").value_or(""),
                                request.query("account").value_or(""),
                                request.query("order").value_or(""), page->limit, page->after));
  });

  route(Method::Get, "/api/v1/instruments", [&ctx](const http::Request&, const auth::Principal&) {
    return http::Response::json(200, {{"instruments", ctx.instruments}});
  });

  // Market data history, models, decisions, statistics.
  route(Method::Get, "/api/v1/ticks", forward(ctx.data, kData, Priority::Low));
  route(Method::Get, "/api/v1/bars", forward(ctx.data, kData, Priority::Low));
  route(Method::Get, "/api/v1/models", forward(ctx.ai, kAi, Priority::Normal));
  route(Method::Get, "/api/v1/models/{name}", forward(ctx.ai, kAi, Priority::Normal));
  route(Method::Post, "/api/v1/models", forward(ctx.ai, kAi, Priority::Low));
  route(Method::Delete, "/api/v1/models/{name}", forward(ctx.ai, kAi, Priority::Low));
  route(Method::Get, "/api/v1/decisions", forward(ctx.ai, kAi, Priority::Normal));
  route(Method::Get, "/api/v1/statistics", [&ctx](const http::Request& request, const auth::Principal& p) {
    if (ctx.analytics == nullptr) return noBackend(kAnalytics);
    if (auto period = request.query("period");
        period && *period != "daily" && *period != "weekly" && *period != "monthly") {
      return badParameter(fmt::format("period '{}': use daily, weekly or monthly", *period));
    }
    return ctx.analytics->call(request, callerFor(p), Priority::Low);
  });

  // Backtest jobs run on the analytics service's own workers; the gateway only forwards.
  route(Method::Post, "/api/v1/backtests", forward(ctx.analytics, kAnalytics, Priority::Low));
  route(Method::Get, "/api/v1/backtests", forward(ctx.analytics, kAnalytics, Priority::Low));
  route(Method::Get, "/api/v1/backtests/files", forward(ctx.analytics, kAnalytics, Priority::Low));
  route(Method::Get, "/api/v1/backtests/{id}", forward(ctx.analytics, kAnalytics, Priority::Low));
  route(Method::Get, "/api/v1/backtests/{id}/report", forward(ctx.analytics, kAnalytics, Priority::Low));
  route(Method::Post, "/api/v1/patterns", forward(ctx.database, kDatabase, Priority::Low));
  route(Method::Get, "/api/v1/patterns/similar", forward(ctx.database, kDatabase, Priority::Low));
  route(Method::Post, "/api/v1/graph/edges", forward(ctx.database, kDatabase, Priority::Low));
  route(Method::Get, "/api/v1/graph/links", forward(ctx.database, kDatabase, Priority::Low));
  // History reads go to whichever backend the database service is configured with.
  for (std::string_view path : {"/api/v1/history/orders", "/api/v1/history/fills",
                                "/api/v1/history/accounts/{account}", "/api/v1/history/positions",
                                "/api/v1/history/decisions", "/api/v1/history/models", "/api/v1/history/instruments",
                                "/api/v1/history/ticks", "/api/v1/history/bars"}) {
    route(Method::Get, path, forward(ctx.database, kDatabase, Priority::Low));
  }
  route(Method::Get, "/api/v1/strategies", forward(ctx.trading, kTrading, Priority::Normal));
  route(Method::Post, "/api/v1/strategies/{id}/start", forward(ctx.trading, kTrading, Priority::Orders));
  route(Method::Post, "/api/v1/strategies/{id}/stop", forward(ctx.trading, kTrading, Priority::Orders));
  // Tenant administration answers from the identity store, within the admin's own tenant.
  const AdminHandlers admin = adminHandlers(gate.authenticator(), gate.clock());
  route(Method::Get, "/api/v1/tenants", admin.tenants);
  route(Method::Get, "/api/v1/users", admin.users);
  route(Method::Post, "/api/v1/users", admin.addUser);
  route(Method::Post, "/api/v1/users/{username}/disable", admin.disable);
  route(Method::Post, "/api/v1/users/{username}/enable", admin.enable);
  route(Method::Post, "/api/v1/users/{username}/reset-mfa", admin.resetMfa);

  if (ctx.streams != nullptr) ctx.streams->addRoutes(router, gate, ctx.trading);
}

}  // namespace ait::gateway
