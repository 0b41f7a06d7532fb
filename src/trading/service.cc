#include "ait/trading/service.h"

#include <charconv>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ait/http/caller.h"
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

// The tenant comes only from the verified caller (the gateway in process, or its signed
// identity token); a client cannot name one.
Expected<model::TenantId> tenantOf(const http::Request& request) {
  auto caller = http::callerOf(request);
  if (!caller) return Unexpected(caller.error());
  return model::TenantId{caller->tenant};
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

TradingService::~TradingService() {
  stop();
  delete pendingSnapshot_.exchange(nullptr);
}

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
  // Live events carry wall-clock receive stamps: analytics times the order stages with them.
  if (s.settings_.engine.wallClock == nullptr) s.settings_.engine.wallClock = &SystemClock::instance();
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
  ++sinceSnapshot_;
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
  // The venue is authoritative for what it reports: correct what changed while we were down.
  if (auto report = venue_->report()) {
    auto summary = engine_->reconcile(*report);
    log::info(*log::logger("trading"), "reconciled with the venue",
              {{"orders_checked", std::to_string(summary.ordersChecked)},
               {"orders_mismatched", std::to_string(summary.ordersMismatched)},
               {"positions_mismatched", std::to_string(summary.positionsMismatched)}});
  }
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
    afterEvent(event);
  });
  if (!ok) return Unexpected(ok.error());
  // Commands published as events by other services (signals turned into orders).
  ok = bus.subscribe("orders.submit", [this](const model::Event& event) {
    resumeIfNeeded();
    if (const auto* submit = std::get_if<model::SubmitOrder>(&event)) engine_->submit(*submit);
    afterEvent(event);
  });
  if (!ok) return Unexpected(ok.error());
  ok = bus.subscribe("orders.cancel", [this](const model::Event& event) {
    resumeIfNeeded();
    if (const auto* cancel = std::get_if<model::CancelOrder>(&event)) engine_->cancel(*cancel);
    afterEvent(event);
  });
  if (!ok) return Unexpected(ok.error());
  ok = bus.subscribe("orders.modify", [this](const model::Event& event) {
    resumeIfNeeded();
    if (const auto* modify = std::get_if<model::ModifyOrder>(&event)) engine_->modify(*modify);
    afterEvent(event);
  });
  if (!ok) return Unexpected(ok.error());
  for (std::string_view topic : {"orders.submit", "orders.cancel", "orders.modify",
                                 "system.service_status"}) {
    auto served = bus.serve<EngineReply>(topic, [this](const model::Event& request) {
      EngineReply reply = handleRequest(request);
      afterEvent(request);
      return reply;
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
    reply = query(status->header.tenant, text.substr(0, space),
                  space == std::string_view::npos ? std::string_view{} : text.substr(space + 1));
    reply.sequence = lastRecorded_;  // halt and resume are journalled: answer once durable
    return reply;
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
  } else if (what == "reconcile") {
    auto report = venue_->report();
    if (tenant.value != 0) {
      // The venue's whole book is compared: an operator action, not a tenant's.
      reply.status = 403;
      reply.body = json{{"error", "reconciliation is for the system tenant (0) only"}}.dump();
    } else if (!report) {
      reply.status = 503;
      reply.body = json{{"error", "the venue cannot report its orders now"}}.dump();
    } else {
      auto summary = engine_->reconcile(*report);
      reply.body = json{{"orders_checked", summary.ordersChecked},
                        {"orders_mismatched", summary.ordersMismatched},
                        {"positions_checked", summary.positionsChecked},
                        {"positions_mismatched", summary.positionsMismatched},
                        {"findings", summary.findings}}
                       .dump();
    }
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
    auto tenant = tenantOf(request);
    if (!tenant) return http::callerRefused(tenant.error());
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
    auto tenant = tenantOf(request);
    if (!tenant) return http::callerRefused(tenant.error());
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
  router.post("/api/v1/reconcile", [ask](const http::Request& r) { return ask(r, "reconcile"); });
}

void TradingService::afterEvent(const model::Event& event) noexcept {
  const std::uint64_t seq = model::headerOf(event).sequence;
  if (seq != kNotJournalled && !model::isMarketData(model::typeOf(event))) {
    seenThrough_ = std::max(seenThrough_, seq);
  }
  seenThrough_ = std::max(seenThrough_, lastRecorded_);
  if (settings_.snapshotEvery == 0 || sinceSnapshot_ < settings_.snapshotEvery) return;
  // Only when every trading event journalled so far is applied: another service's event
  // recorded in this round but not dispatched yet would otherwise be skipped by the restart.
  if (runtime_.journal(engine::Stream::Trading).lastSequence() != seenThrough_) return;
  sinceSnapshot_ = 0;
  auto* pending = new (std::nothrow) PendingSnapshot{seenThrough_, engine_->snapshot()};
  if (pending == nullptr) return;
  delete pendingSnapshot_.exchange(pending, std::memory_order_acq_rel);  // an older one is moot
}

void TradingService::saveSnapshots() {
  auto& journal = runtime_.journal(engine::Stream::Trading);
  while (snapshotting_.load(std::memory_order_acquire)) {
    std::unique_ptr<PendingSnapshot> pending(pendingSnapshot_.exchange(nullptr, std::memory_order_acq_rel));
    if (!pending) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      continue;
    }
    auto durable = journal.waitDurable(pending->sequence, settings_.ackTimeout);
    if (!durable) {
      log::warn(*log::logger("trading"), "snapshot skipped: its sequence is not durable",
                {{"sequence", std::to_string(pending->sequence)}, {"error", durable.error().describe()}});
      continue;
    }
    auto saved = journal.saveSnapshot("trading-engine", pending->sequence, pending->bytes);
    if (!saved) {
      log::warn(*log::logger("trading"), "snapshot could not be saved",
                {{"sequence", std::to_string(pending->sequence)}, {"error", saved.error().describe()}});
      continue;
    }
    snapshotsSaved_.fetch_add(1, std::memory_order_relaxed);
  }
}

Expected<void> TradingService::replay() {
  auto& journal = runtime_.journal(engine::Stream::Trading);
  std::uint64_t from = 1;
  if (auto snapshot = journal.loadLatestSnapshot("trading-engine"); !snapshot) {
    log::warn(*log::logger("trading"), "snapshot unreadable; replaying the whole journal",
              {{"error", snapshot.error().describe()}});
  } else if (*snapshot) {
    if (auto restored = engine_->restore((*snapshot)->bytes); !restored) {
      log::warn(*log::logger("trading"), "snapshot refused; replaying the whole journal",
                {{"error", restored.error().describe()}});
    } else {
      snapshotLoaded_ = (*snapshot)->seq;
      replayedThrough_ = snapshotLoaded_;
      from = snapshotLoaded_ + 1;
    }
  }
  {
    journal::ReadOptions options;
    options.fromSeq = from;
    auto reader = journal.reader(options);
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
      replayedThrough_ = (*record)->seq;
    }
  }
  seenThrough_ = replayedThrough_;
  // The events since the last snapshot count towards the next one across restarts.
  sinceSnapshot_ = replayedThrough_ - snapshotLoaded_;
  log::info(*log::logger("trading"), "trading journal replayed",
            {{"snapshot", std::to_string(snapshotLoaded_)},
             {"events", std::to_string(replayed_)},
             {"orders", std::to_string(engine_->orders().size())}});
  return {};
}

Expected<void> TradingService::start() {
  if (!replayDone_) {
    // The engine thread is not running yet at the first start: the replay has the state alone.
    if (auto replayed = replay(); !replayed) return replayed;
    replayDone_ = true;
  }
  if (settings_.snapshotEvery > 0 && !snapshotter_.joinable()) {
    snapshotting_.store(true, std::memory_order_release);
    snapshotter_ = std::thread([this] { saveSnapshots(); });
  }
  running_.store(true, std::memory_order_release);
  return {};
}

void TradingService::stop() noexcept {
  running_.store(false, std::memory_order_release);
  snapshotting_.store(false, std::memory_order_release);
  if (snapshotter_.joinable()) snapshotter_.join();
}

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
