#include "ait/trading/service.h"

#include <charconv>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ait/log/log.h"
#include "ait/model/codec.h"
#include "ait/model/json.h"
#include "ait/trading/errors.h"
#include "trading/render.h"

namespace ait::trading {

namespace {

using nlohmann::json;

// Queries ride the bus as requests marked already journalled, so that the runtime's journal-first
// interceptor leaves them out of the journal: they change nothing.
constexpr std::uint64_t kNotJournalled = UINT64_MAX;
constexpr std::string_view kQueryService = "trading-engine";

http::Response jsonResponse(int status, std::string body) {
  http::Response response;
  response.status = status;
  response.contentType = "application/json";
  response.body = std::move(body);
  return response;
}

Expected<model::TenantId> tenantOf(const http::Request& request, const json* body) {
  if (auto header = request.header("X-Tenant-Id")) {
    std::uint32_t value = 0;
    auto [end, ec] = std::from_chars(header->data(), header->data() + header->size(), value);
    if (ec != std::errc{} || end != header->data() + header->size()) {
      return fail(errors::kBadRequest, fmt::format("X-Tenant-Id '{}' is not a tenant number", *header));
    }
    return model::TenantId{value};
  }
  if (body != nullptr && body->contains("tenant_id") && (*body)["tenant_id"].is_number_unsigned()) {
    return model::TenantId{(*body)["tenant_id"].get<std::uint32_t>()};
  }
  return model::TenantId{0};
}

Expected<json> parseBody(const http::Request& request) {
  if (request.body.empty()) return json::object();
  json body = json::parse(request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return fail(errors::kBadRequest, "the body is not a JSON object");
  }
  return body;
}

model::ServiceStatus queryOf(model::TenantId tenant, std::string_view text) {
  model::ServiceStatus query{};
  query.header.tenant = tenant;
  query.header.sequence = kNotJournalled;
  query.service = model::ServiceName::truncated(kQueryService);
  query.detail = model::Text::truncated(text);
  return query;
}

}  // namespace

TradingService::TradingService(engine::Runtime& runtime, TradingSettings settings)
    : runtime_(runtime), settings_(std::move(settings)) {}

TradingService::~TradingService() = default;

Expected<std::unique_ptr<TradingService>> TradingService::create(engine::Runtime& runtime,
                                                                 http::Router& router,
                                                                 TradingSettings settings) {
  std::unique_ptr<TradingService> service(new TradingService(runtime, std::move(settings)));
  auto& s = *service;
  for (const auto& instrument : s.settings_.instruments) {
    if (auto added = s.catalog_.add(instrument); !added) {
      return fail(errors::kConfig, added.error().message());
    }
  }
  EventRecorder& recorder = s;  // the private base is reachable here, not inside make_unique
  s.engine_ = std::make_unique<TradingEngine>(s.catalog_, recorder, s.settings_.engine,
                                              s.settings_.limits);
  s.venue_ = std::make_unique<venue::SimVenue>(s.catalog_, s.engine_->executionSink(), s.settings_.sim);
  s.engine_->setVenue(*s.venue_);
  for (const auto& account : s.settings_.accounts) {
    auto added = s.engine_->addAccount(account.tenant, account.id, account.currency, account.mode,
                                       account.balance);
    if (!added) return fail(errors::kConfig, added.error().message());
  }
  if (auto ok = s.subscribe(); !ok) return Unexpected(ok.error());
  s.addRoutes(router);
  return service;
}

bool TradingService::record(model::Event& event) noexcept {
  auto seq = runtime_.record(event);
  if (!seq) {
    recordFailures_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  model::headerOf(event).sequence = *seq;
  lastRecorded_ = *seq;
  return true;
}

void TradingService::reloadLimits(const risk::RiskLimits& limits) {
  std::lock_guard lock(limitsMutex_);
  pendingLimits_ = limits;
  limitsPending_.store(true, std::memory_order_release);
}

void TradingService::resumeIfNeeded() noexcept {
  if (limitsPending_.load(std::memory_order_acquire)) {
    std::lock_guard lock(limitsMutex_);
    engine_->risk().setLimits(pendingLimits_);
    limitsPending_.store(false, std::memory_order_relaxed);
  }
  if (resumed_) return;
  resumed_ = true;
  engine_->finishReplay();
}

Expected<void> TradingService::subscribe() {
  auto& bus = runtime_.bus();
  auto ok = bus.subscribe("md.>", [this](const model::Event& event) {
    resumeIfNeeded();
    if (const auto* tick = std::get_if<model::Tick>(&event)) {
      engine_->onTick(*tick);
    } else if (const auto* bar = std::get_if<model::Bar>(&event)) {
      engine_->onBar(*bar);
    }
  });
  if (!ok) return Unexpected(ok.error());
  // Commands published as events by other services (signals turned into orders).
  ok = bus.subscribe("orders.submit", [this](const model::Event& event) {
    resumeIfNeeded();
    if (const auto* submit = std::get_if<model::SubmitOrder>(&event)) engine_->submit(*submit);
  });
  if (!ok) return Unexpected(ok.error());
  ok = bus.subscribe("orders.cancel", [this](const model::Event& event) {
    resumeIfNeeded();
    if (const auto* cancel = std::get_if<model::CancelOrder>(&event)) engine_->cancel(*cancel);
  });
  if (!ok) return Unexpected(ok.error());
  ok = bus.subscribe("orders.modify", [this](const model::Event& event) {
    resumeIfNeeded();
    if (const auto* modify = std::get_if<model::ModifyOrder>(&event)) engine_->modify(*modify);
  });
  if (!ok) return Unexpected(ok.error());
  for (std::string_view topic : {"orders.submit", "orders.cancel", "orders.modify",
                                 "system.service_status"}) {
    auto served = bus.serve<EngineReply>(topic, [this](const model::Event& request) {
      return handleRequest(request);
    });
    if (!served) return Unexpected(served.error());
  }
  return {};
}

EngineReply TradingService::handleRequest(const model::Event& request) {
  resumeIfNeeded();
  lastRecorded_ = 0;
  EngineReply reply;
  const std::uint64_t requestSeq = model::headerOf(request).sequence;
  if (const auto* submit = std::get_if<model::SubmitOrder>(&request)) {
    if (requestSeq == 0) {
      // The journal refused the command: nothing may be promised.
      reply.status = 503;
      reply.body = json{{"error", "the order could not be journalled"}}.dump();
      return reply;
    }
    auto result = engine_->submit(*submit);
    if (result.order < 0) {
      reply.status = 503;
      reply.body = json{{"error", "order storage is full"}}.dump();
    } else {
      const auto& order = engine_->orders().at(static_cast<std::uint32_t>(result.order));
      json body = render::order(*engine_, order);
      body["duplicate"] = result.duplicate;
      reply.status = result.duplicate ? 200 : (order.status == oms::OrderStatus::Denied ? 422 : 201);
      reply.body = body.dump();
    }
  } else if (const auto* cancel = std::get_if<model::CancelOrder>(&request)) {
    auto result = engine_->cancel(*cancel);
    reply.status = result == CommandResult::Done ? 200
                   : result == CommandResult::UnknownOrder ? 404
                                                            : 409;
    std::int32_t index = engine_->orders().find(cancel->header.tenant, cancel->clientOrderId);
    reply.body = index >= 0 ? render::order(*engine_, engine_->orders().at(static_cast<std::uint32_t>(index))).dump()
                            : json{{"error", "no such order"}}.dump();
  } else if (const auto* modify = std::get_if<model::ModifyOrder>(&request)) {
    auto result = engine_->modify(*modify);
    reply.status = result == CommandResult::Done           ? 200
                   : result == CommandResult::UnknownOrder ? 404
                   : result == CommandResult::Invalid      ? 400
                                                           : 409;
    std::int32_t index = engine_->orders().find(modify->header.tenant, modify->clientOrderId);
    reply.body = index >= 0 ? render::order(*engine_, engine_->orders().at(static_cast<std::uint32_t>(index))).dump()
                            : json{{"error", "no such order"}}.dump();
  } else if (const auto* status = std::get_if<model::ServiceStatus>(&request)) {
    std::string_view text = status->detail.view();
    auto space = text.find(' ');
    return query(status->header.tenant, text.substr(0, space),
                 space == std::string_view::npos ? std::string_view{} : text.substr(space + 1));
  } else {
    reply.status = 400;
    reply.body = json{{"error", "not a trading request"}}.dump();
  }
  reply.sequence = std::max(lastRecorded_, requestSeq);
  return reply;
}

EngineReply TradingService::query(model::TenantId tenant, std::string_view what,
                                  std::string_view arg) {
  EngineReply reply;
  if (what == "orders") {
    reply.body = render::orders(*engine_, tenant, arg == "open").dump();
  } else if (what == "order") {
    auto id = model::ClientOrderId::from(arg);
    std::int32_t index = id ? engine_->orders().find(tenant, *id) : -1;
    if (index < 0) {
      reply.status = 404;
      reply.body = json{{"error", fmt::format("no order '{}' for tenant {}", arg, tenant.value)}}.dump();
    } else {
      reply.body = render::order(*engine_, engine_->orders().at(static_cast<std::uint32_t>(index))).dump();
    }
  } else if (what == "positions") {
    reply.body = render::positions(*engine_, tenant).dump();
  } else if (what == "account") {
    reply.body = render::accounts(*engine_, tenant).dump();
  } else if (what == "risk") {
    reply.body = render::risk(*engine_, tenant).dump();
  } else if (what == "halt") {
    engine_->setTradingState(tenant, arg == "reducing_only" ? risk::TradingState::ReducingOnly
                                                            : risk::TradingState::Halted);
    reply.body = render::risk(*engine_, tenant).dump();
  } else if (what == "resume") {
    engine_->resume(tenant);
    reply.body = render::risk(*engine_, tenant).dump();
  } else {
    reply.status = 404;
    reply.body = json{{"error", "unknown query"}}.dump();
  }
  return reply;
}

http::Response TradingService::call(const model::Event& request) {
  if (!running_.load(std::memory_order_acquire)) {
    return http::problem(503, errors::kUnavailable, "the trading engine is not running");
  }
  auto reply = runtime_.bus().call<EngineReply>(request, settings_.ackTimeout);
  if (!reply) return http::problem(503, errors::kUnavailable, reply.error().describe());
  if (reply->sequence != 0 && reply->sequence != kNotJournalled) {
    auto durable = runtime_.waitDurable(engine::Stream::Trading, reply->sequence, settings_.ackTimeout);
    if (!durable) return http::problem(503, errors::kNotDurable, durable.error().describe());
  }
  return jsonResponse(reply->status, std::move(reply->body));
}

void TradingService::addRoutes(http::Router& router) {
  auto bad = [](const Error& error) { return http::problem(400, error.code(), error.message()); };
  auto command = [this, bad](const http::Request& request, std::string_view type,
                             std::string_view id) -> http::Response {
    auto body = parseBody(request);
    if (!body) return bad(body.error());
    auto tenant = tenantOf(request, &*body);
    if (!tenant) return bad(tenant.error());
    (*body)["type"] = type;
    (*body)["tenant_id"] = tenant->value;
    if (!id.empty()) (*body)["client_order_id"] = id;
    if (auto account = request.query("account"); account && !body->contains("account")) {
      (*body)["account"] = *account;
    }
    auto event = model::commandFromJson(*body);
    if (!event) return bad(event.error());
    auto& header = model::headerOf(*event);
    TimestampNs now = SystemClock::instance().now();
    if (header.tsEvent == 0) header.tsEvent = now;
    header.tsRecv = now;
    header.sequence = 0;
    return call(*event);
  };
  auto ask = [this, bad](const http::Request& request, std::string text) -> http::Response {
    auto tenant = tenantOf(request, nullptr);
    if (!tenant) return bad(tenant.error());
    return call(queryOf(*tenant, text));
  };
  router.post("/api/v1/orders", [command](const http::Request& r) { return command(r, "submit_order", {}); });
  router.del("/api/v1/orders/{id}", [command](const http::Request& r) {
    return command(r, "cancel_order", r.param("id"));
  });
  router.patch("/api/v1/orders/{id}", [command](const http::Request& r) {
    return command(r, "modify_order", r.param("id"));
  });
  router.get("/api/v1/orders", [ask](const http::Request& r) {
    return ask(r, r.query("open") == std::optional<std::string_view>("true") ? "orders open" : "orders");
  });
  router.get("/api/v1/orders/{id}", [ask](const http::Request& r) {
    return ask(r, fmt::format("order {}", r.param("id")));
  });
  router.get("/api/v1/positions", [ask](const http::Request& r) { return ask(r, "positions"); });
  router.get("/api/v1/account", [ask](const http::Request& r) { return ask(r, "account"); });
  router.get("/api/v1/risk", [ask](const http::Request& r) { return ask(r, "risk"); });
  router.post("/api/v1/risk/halt", [ask, bad](const http::Request& r) {
    auto body = parseBody(r);
    if (!body) return bad(body.error());
    std::string state = body->value("state", std::string("halted"));
    if (state != "halted" && state != "reducing_only") {
      return http::problem(400, errors::kBadRequest,
                           fmt::format("state '{}': use \"halted\" or \"reducing_only\"", state));
    }
    return ask(r, "halt " + state);
  });
  router.post("/api/v1/risk/resume", [ask](const http::Request& r) { return ask(r, "resume"); });
}

Expected<void> TradingService::start() {
  if (!replayDone_) {
    // The engine thread is not running yet at the first start: the replay has the state alone.
    auto reader = runtime_.journal(engine::Stream::Trading).reader();
    if (!reader) return fail(errors::kReplay, reader.error().describe());
    for (;;) {
      auto record = reader->next();
      if (!record) return fail(errors::kReplay, record.error().describe());
      if (!*record) break;
      auto event = model::decode((*record)->payload);
      if (!event) {
        return fail(errors::kReplay, fmt::format("record {}: {}", (*record)->seq,
                                                 event.error().describe()));
      }
      model::headerOf(*event).sequence = (*record)->seq;
      engine_->replay(*event);
      ++replayed_;
    }
    replayDone_ = true;
    log::info(*log::logger("trading"), "trading journal replayed",
              {{"events", std::to_string(replayed_)},
               {"orders", std::to_string(engine_->orders().size())}});
  }
  running_.store(true, std::memory_order_release);
  return {};
}

void TradingService::stop() noexcept { running_.store(false, std::memory_order_release); }

hub::Health TradingService::health() const {
  hub::Health health = runtime_.health();
  if (!running_.load(std::memory_order_acquire)) {
    health.status = hub::HealthStatus::Down;
    health.reason = "stopped";
  } else if (recordFailures_.load(std::memory_order_relaxed) > 0 &&
             health.status == hub::HealthStatus::Healthy) {
    health.status = hub::HealthStatus::Degraded;
    health.reason = "events could not be journalled; trading is halted";
  }
  return health;
}

}  // namespace ait::trading
