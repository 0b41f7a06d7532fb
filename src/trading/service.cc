#include "ait/trading/service.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ait/data/visibility.h"
#include "ait/http/caller.h"
#include "ait/log/log.h"
#include "ait/model/codec.h"
#include "ait/model/json.h"
#include "ait/portfolio/fixed.h"
#include "ait/trading/errors.h"
#include "trading/render.h"

namespace ait::trading {

namespace {

using nlohmann::json;

// Queries ride the bus as requests marked already journalled, so that the runtime's journal-first
// interceptor leaves them out of the journal: they change nothing.
constexpr std::uint64_t kNotJournalled = UINT64_MAX;
constexpr std::string_view kQueryService = "trading-engine";
// The marker that a tenant's MT5 terminal finished a list: "list <what> <entries> <published>".
constexpr std::string_view kTerminalService = "mt5-venue";
// The topics the terminal's reports arrive on (as requests: subscribers never see them).
constexpr std::string_view kTerminalTopics[] = {"orders.accepted", "orders.rejected", "orders.filled",
                                                "orders.cancelled", "orders.expired", "orders.modified",
                                                "positions"};

http::Response jsonResponse(int status, std::string body) {
  http::Response response;
  response.status = status;
  response.contentType = "application/json";
  response.body = std::move(body);
  return response;
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

Expected<void> BusTerminalReports::report(const model::Event& event) {
  model::Event copy = event;
  model::headerOf(copy).sequence = kNotJournalled;
  auto pending = bus_.request<EngineReply>(copy);
  if (!pending) return Unexpected(pending.error());
  return {};
}

Expected<void> BusTerminalReports::listEnd(model::TenantId tenant, std::string_view what,
                                           std::size_t entries, std::size_t published) {
  model::ServiceStatus marker{};
  marker.header.tenant = tenant;
  marker.header.sequence = kNotJournalled;
  marker.service = model::ServiceName::truncated(kTerminalService);
  marker.detail = model::Text::truncated(fmt::format("list {} {} {}", what, entries, published));
  return report(marker);
}

TradingService::TradingService(engine::Runtime& runtime, TradingSettings settings)
    : runtime_(runtime), settings_(std::move(settings)) {}

TradingService::~TradingService() {
  stop();
  delete pendingSnapshot_.exchange(nullptr);
}

Expected<std::unique_ptr<TradingService>> TradingService::create(engine::Runtime& runtime,
                                                                 http::Router& router,
                                                                 TradingSettings settings,
                                                                 mt5::Mt5Bridge* bridge) {
  std::unique_ptr<TradingService> service(new TradingService(runtime, std::move(settings)));
  auto& s = *service;
  for (model::TenantId tenant : s.settings_.mt5Tenants) {
    if (std::ranges::none_of(s.settings_.accounts, [&](const AccountSpec& a) { return a.tenant == tenant; })) {
      return fail(errors::kConfig, fmt::format("MT5 tenant {} has no trading account", tenant.value));
    }
  }
  if (!s.settings_.mt5Tenants.empty()) {
    if (bridge == nullptr) {
      return fail(errors::kConfig, "MT5 tenants need the data bridge's MT5 bridge in this process");
    }
    s.mt5Commands_ = std::make_unique<venue::BridgeCommands>(*bridge);
  }
  // Live events carry wall-clock receive stamps: analytics times the order stages with them.
  if (s.settings_.engine.wallClock == nullptr) s.settings_.engine.wallClock = &SystemClock::instance();
  if (!s.settings_.accounts.empty()) s.firstTenant_ = s.settings_.accounts.front().tenant;
  if (auto built = s.buildLanes(); !built) return Unexpected(built.error());
  EngineDirectory& engines = s;
  auto runner = StrategyRunner::create(s.settings_.strategies, engines);
  if (!runner) return Unexpected(runner.error());
  s.runner_ = std::make_unique<StrategyRunner>(std::move(*runner));
  if (auto ok = s.subscribe(); !ok) return Unexpected(ok.error());
  s.addRoutes(router);
  return service;
}

Expected<void> TradingService::buildLanes() {
  lanes_.clear();
  std::vector<model::TenantId> tenants{data::kPublicTenant};
  for (const auto& account : settings_.accounts) {
    if (std::ranges::find(tenants, account.tenant) == tenants.end()) tenants.push_back(account.tenant);
  }
  EventRecorder& recorder = *this;
  for (model::TenantId tenant : tenants) {
    auto lane = std::make_unique<Lane>();
    lane->tenant = tenant;
    for (const auto& instrument : settings_.instruments) {
      if (auto added = lane->catalog.add(instrument); !added) {
        return fail(errors::kConfig, added.error().message());
      }
    }
    lane->engine = std::make_unique<TradingEngine>(lane->catalog, recorder, settings_.engine,
                                                   settings_.limits);
    const AccountSpec* first = nullptr;
    std::size_t accounts = 0;
    for (const auto& account : settings_.accounts) {
      if (account.tenant != tenant) continue;
      ++accounts;
      if (first == nullptr) first = &account;
    }
    const bool mt5Tenant = std::ranges::find(settings_.mt5Tenants, tenant) != settings_.mt5Tenants.end();
    if (mt5Commands_ && mt5Tenant && accounts > 1) {
      // The terminal is one account: its positions would be booked against the first only.
      return fail(errors::kConfig, fmt::format("tenant {} trades on its MT5 terminal and has {} accounts; "
                                               "an MT5 tenant has exactly one",
                                               tenant.value, accounts));
    }
    if (mt5Commands_ && first != nullptr && mt5Tenant) {
      venue::Mt5VenueConfig config;
      config.tenant = tenant;
      config.account = first->id;
      auto mt5 = std::make_unique<venue::Mt5Venue>(lane->catalog, lane->engine->executionSink(),
                                                   *mt5Commands_, config);
      lane->mt5 = mt5.get();
      lane->venue = std::move(mt5);
    } else {
      lane->venue = std::make_unique<venue::SimVenue>(lane->catalog, lane->engine->executionSink(),
                                                      settings_.sim);
    }
    lane->engine->setVenue(*lane->venue);
    for (const auto& account : settings_.accounts) {
      if (account.tenant != tenant) continue;
      auto added = lane->engine->addAccount(account.tenant, account.id, account.currency,
                                            account.mode, account.balance);
      if (!added) return fail(errors::kConfig, added.error().message());
    }
    lanes_.push_back(std::move(lane));
  }
  return {};
}

TradingService::Lane& TradingService::laneOf(model::TenantId tenant) noexcept {
  // A handful of tenants: a scan beats a map and allocates nothing.
  for (auto& lane : lanes_) {
    if (lane->tenant == tenant) return *lane;
  }
  return *lanes_.front();
}

const TradingService::Lane& TradingService::laneOf(model::TenantId tenant) const noexcept {
  for (const auto& lane : lanes_) {
    if (lane->tenant == tenant) return *lane;
  }
  return *lanes_.front();
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
    for (auto& lane : lanes_) lane->engine->risk().setLimits(pendingLimits_);
    limitsPending_.store(false, std::memory_order_relaxed);
  }
  if (resumed_) return;
  resumed_ = true;
  for (auto& lane : lanes_) {
    lane->engine->finishReplay();
    // The venue is authoritative for what it reports: correct what changed while we were down.
    if (auto report = lane->venue->report()) {
      auto summary = lane->engine->reconcile(*report);
      log::info(*log::logger("trading"), "reconciled with the venue",
                {{"tenant", std::to_string(lane->tenant.value)},
                 {"orders_checked", std::to_string(summary.ordersChecked)},
                 {"orders_mismatched", std::to_string(summary.ordersMismatched)},
                 {"positions_mismatched", std::to_string(summary.positionsMismatched)}});
    }
    // A terminal answers later (or sends its lists when it connects): reconcileWhenReady().
    if (lane->mt5 != nullptr) lane->mt5->requestReport();
  }
}

void TradingService::onTerminal(const model::Event& event) {
  Lane& lane = laneOf(model::tenantOf(event));
  if (lane.mt5 == nullptr || lane.tenant != model::tenantOf(event)) return;
  lane.mt5->onTerminal(event);
  // The venue handed its reports to the sink; onTime applies them without moving the clock.
  lane.engine->onTime(lane.engine->now());
  reconcileWhenReady(lane);
}

void TradingService::onTerminalListEnd(model::TenantId tenant, std::string_view detail) {
  Lane& lane = laneOf(tenant);
  if (lane.mt5 == nullptr || lane.tenant != tenant) return;
  // "list <what> <entries> <published>"
  std::array<std::string_view, 4> parts{};
  std::size_t n = 0;
  for (std::size_t start = 0; start <= detail.size() && n < parts.size();) {
    std::size_t end = std::min(detail.find(' ', start), detail.size());
    parts[n++] = detail.substr(start, end - start);
    start = end + 1;
  }
  std::size_t entries = 0, published = 0;
  auto number = [](std::string_view text, std::size_t& out) {
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc{} && end == text.data() + text.size();
  };
  if (n != 4 || parts[0] != "list" || !number(parts[2], entries) || !number(parts[3], published)) return;
  lane.mt5->onSnapshotEnd(parts[1], entries, published);
  reconcileWhenReady(lane);
}

namespace {

// Whether the terminal's report says what the engine already has: every order still working and
// every net position equal. A terminal that sends its lists unasked (the Python bridge may, on a
// timer) then leaves no reconciliation records behind.
bool agrees(const TradingEngine& engine, const venue::VenueReport& report) {
  for (const auto& o : report.orders) {
    if (o.status != venue::OrderReport::Status::Working) return false;
  }
  const auto& portfolio = engine.portfolio();
  const auto& catalog = engine.catalog();
  for (std::uint32_t a = 0; a < portfolio.accountCount(); ++a) {
    for (std::uint32_t k = 0; k < catalog.size(); ++k) {
      std::int64_t theirs = 0;
      for (const auto& p : report.positions) {
        const auto& account = portfolio.account(a);
        if (p.account == account.id && p.tenant == account.tenant && p.instrument == catalog.at(k).spec.id &&
            !portfolio::mantissaAt(p.quantity.decimal(), catalog.at(k).spec.quantityScale, theirs)) {
          return false;
        }
      }
      if (theirs != portfolio.netQuantity(a, k)) return false;
    }
  }
  return true;
}

}  // namespace

void TradingService::reconcileWhenReady(Lane& lane) {
  venue::Mt5ReportNotes notes;
  const bool asked = lane.mt5->reportRequested();
  const auto postponedBefore = lane.mt5->postponed();
  auto report = lane.mt5->takeReport(&notes);
  if (!report) {
    if (lane.mt5->postponed() != postponedBefore) {
      log::info(*log::logger("trading"),
                "MT5 reconciliation postponed: an order was in flight when the terminal's lists "
                "ended (the next lists, after a reconnect or POST /api/v1/reconcile, are used)",
                {{"tenant", std::to_string(lane.tenant.value)}});
    }
    return;
  }
  if (!asked && agrees(*lane.engine, *report)) return;
  auto summary = lane.engine->reconcile(*report);
  log::info(*log::logger("trading"), "reconciled with the MT5 terminal",
            {{"tenant", std::to_string(lane.tenant.value)},
             {"orders_checked", std::to_string(summary.ordersChecked)},
             {"orders_mismatched", std::to_string(summary.ordersMismatched)},
             {"positions_checked", std::to_string(summary.positionsChecked)},
             {"positions_mismatched", std::to_string(summary.positionsMismatched)},
             {"terminal_orders", std::to_string(notes.terminalOrders)},
             {"terminal_orders_not_adopted", std::to_string(notes.unknownOrders)}});
}

Expected<void> TradingService::subscribe() {
  auto& bus = runtime_.bus();
  if (mt5Commands_) {
    for (std::string_view topic : kTerminalTopics) {
      auto served = bus.serve<EngineReply>(topic, [this](const model::Event& event) {
        resumeIfNeeded();
        onTerminal(event);
        afterEvent(event);
        return EngineReply{};
      });
      if (!served) return Unexpected(served.error());
    }
  }
  auto ok = bus.subscribe("md.>", [this](const model::Event& event) {
    resumeIfNeeded();
    // Each lane sees what its tenant may see: public feeds and the tenant's own.
    const model::TenantId owner = model::tenantOf(event);
    if (const auto* tick = std::get_if<model::Tick>(&event)) {
      for (auto& lane : lanes_) {
        if (data::visibleTo(lane->tenant, owner)) lane->engine->onTick(*tick);
      }
    } else if (const auto* bar = std::get_if<model::Bar>(&event)) {
      for (auto& lane : lanes_) {
        if (data::visibleTo(lane->tenant, owner)) lane->engine->onBar(*bar);
      }
      runner_->onBar(*bar);  // after the fills this bar caused: strategies size on them
    }
    afterEvent(event);
  });
  if (!ok) return Unexpected(ok.error());
  // The ensemble's decisions (journalled by ai-orchestration) drive the AI-signal strategies.
  ok = bus.subscribe("ai.decisions", [this](const model::Event& event) {
    resumeIfNeeded();
    if (const auto* decision = std::get_if<model::Decision>(&event)) runner_->onDecision(*decision);
    afterEvent(event);
  });
  if (!ok) return Unexpected(ok.error());
  // Commands published as events by other services (signals turned into orders).
  ok = bus.subscribe("orders.submit", [this](const model::Event& event) {
    resumeIfNeeded();
    if (const auto* submit = std::get_if<model::SubmitOrder>(&event)) {
      laneOf(submit->header.tenant).engine->submit(*submit);
    }
    afterEvent(event);
  });
  if (!ok) return Unexpected(ok.error());
  ok = bus.subscribe("orders.cancel", [this](const model::Event& event) {
    resumeIfNeeded();
    if (const auto* cancel = std::get_if<model::CancelOrder>(&event)) {
      laneOf(cancel->header.tenant).engine->cancel(*cancel);
    }
    afterEvent(event);
  });
  if (!ok) return Unexpected(ok.error());
  ok = bus.subscribe("orders.modify", [this](const model::Event& event) {
    resumeIfNeeded();
    if (const auto* modify = std::get_if<model::ModifyOrder>(&event)) {
      laneOf(modify->header.tenant).engine->modify(*modify);
    }
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
  TradingEngine& engine = *laneOf(model::tenantOf(request)).engine;
  if (const auto* submit = std::get_if<model::SubmitOrder>(&request)) {
    if (requestSeq == 0) {
      // The journal refused the command: nothing may be promised.
      reply.status = 503;
      reply.body = json{{"error", "the order could not be journalled"}}.dump();
      return reply;
    }
    auto result = engine.submit(*submit);
    if (result.order < 0) {
      reply.status = 503;
      reply.body = json{{"error", "order storage is full"}}.dump();
    } else {
      const auto& order = engine.orders().at(static_cast<std::uint32_t>(result.order));
      json body = render::order(engine, order);
      body["duplicate"] = result.duplicate;
      reply.status = result.duplicate ? 200 : (order.status == oms::OrderStatus::Denied ? 422 : 201);
      reply.body = body.dump();
    }
  } else if (const auto* cancel = std::get_if<model::CancelOrder>(&request)) {
    auto result = engine.cancel(*cancel);
    reply.status = result == CommandResult::Done ? 200
                   : result == CommandResult::UnknownOrder ? 404
                                                            : 409;
    std::int32_t index = engine.orders().find(cancel->header.tenant, cancel->clientOrderId);
    reply.body = index >= 0 ? render::order(engine, engine.orders().at(static_cast<std::uint32_t>(index))).dump()
                            : json{{"error", "no such order"}}.dump();
  } else if (const auto* modify = std::get_if<model::ModifyOrder>(&request)) {
    auto result = engine.modify(*modify);
    reply.status = result == CommandResult::Done           ? 200
                   : result == CommandResult::UnknownOrder ? 404
                   : result == CommandResult::Invalid      ? 400
                                                           : 409;
    std::int32_t index = engine.orders().find(modify->header.tenant, modify->clientOrderId);
    reply.body = index >= 0 ? render::order(engine, engine.orders().at(static_cast<std::uint32_t>(index))).dump()
                            : json{{"error", "no such order"}}.dump();
  } else if (const auto* marker = std::get_if<model::ServiceStatus>(&request);
             marker != nullptr && marker->service.view() == kTerminalService) {
    onTerminalListEnd(marker->header.tenant, marker->detail.view());
    return reply;
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
  TradingEngine& engine = *laneOf(tenant).engine;
  // Tenant 0 (the platform) sees every tenant: its views merge the lanes' lists.
  auto view = [&](auto render, std::string_view list) {
    if (!tenant.isSystem()) return render(engine);
    json out = render(*lanes_.front()->engine);
    for (std::size_t i = 1; i < lanes_.size(); ++i) {
      json part = render(*lanes_[i]->engine);
      for (auto& item : part[std::string(list)]) out[std::string(list)].push_back(std::move(item));
      if (part.contains("decisions")) {
        for (auto& [reason, count] : part["decisions"].items()) {
          out["decisions"][reason] =
              static_cast<std::uint64_t>(out["decisions"][reason]) + static_cast<std::uint64_t>(count);
        }
      }
    }
    return out;
  };
  if (what == "orders") {
    reply.body = view([&](TradingEngine& e) { return render::orders(e, tenant, arg == "open"); }, "orders").dump();
  } else if (what == "order") {
    auto id = model::ClientOrderId::from(arg);
    std::int32_t index = id ? engine.orders().find(tenant, *id) : -1;
    if (index < 0) {
      reply.status = 404;
      reply.body = json{{"error", fmt::format("no order '{}' for tenant {}", arg, tenant.value)}}.dump();
    } else {
      reply.body = render::order(engine, engine.orders().at(static_cast<std::uint32_t>(index))).dump();
    }
  } else if (what == "positions") {
    reply.body = view([&](TradingEngine& e) { return render::positions(e, tenant); }, "positions").dump();
  } else if (what == "account") {
    reply.body = view([&](TradingEngine& e) { return render::accounts(e, tenant); }, "accounts").dump();
  } else if (what == "risk") {
    reply.body = view([&](TradingEngine& e) { return render::risk(e, tenant); }, "accounts").dump();
  } else if (what == "halt") {
    engine.setTradingState(tenant, arg == "reducing_only" ? risk::TradingState::ReducingOnly
                                                            : risk::TradingState::Halted);
    reply.body = render::risk(engine, tenant).dump();
  } else if (what == "reconcile") {
    if (tenant.value != 0) {
      // The venue's whole book is compared: an operator action, not a tenant's.
      reply.status = 403;
      reply.body = json{{"error", "reconciliation is for the system tenant (0) only"}}.dump();
    } else {
      ReconcileSummary total;
      std::uint32_t requested = 0;
      for (auto& lane : lanes_) {
        if (lane->mt5 != nullptr) {
          // The terminal answers later; the reconciliation follows its lists (and is logged).
          requested += lane->mt5->requestReport() ? 1 : 0;
          continue;
        }
        auto report = lane->venue->report();
        if (!report) {
          reply.status = 503;
          reply.body = json{{"error", "the venue cannot report its orders now"}}.dump();
          return reply;
        }
        auto summary = lane->engine->reconcile(*report);
        total.ordersChecked += summary.ordersChecked;
        total.ordersMismatched += summary.ordersMismatched;
        total.positionsChecked += summary.positionsChecked;
        total.positionsMismatched += summary.positionsMismatched;
        for (auto& finding : summary.findings) total.findings.push_back(std::move(finding));
      }
      reply.body = json{{"orders_checked", total.ordersChecked},
                        {"orders_mismatched", total.ordersMismatched},
                        {"positions_checked", total.positionsChecked},
                        {"positions_mismatched", total.positionsMismatched},
                        {"findings", total.findings},
                        {"mt5_terminals_asked", requested}}
                       .dump();
    }
  } else if (what == "resume") {
    engine.resume(tenant);
    reply.body = render::risk(engine, tenant).dump();
  } else if (what == "strategies") {
    reply.body = renderStrategies(tenant).dump();
  } else if (what == "strategy_start" || what == "strategy_stop") {
    std::int32_t index = runner_->find(tenant, arg);
    const bool start = what == "strategy_start";
    if (index < 0) {
      reply.status = 404;
      reply.problem = &errors::kStrategyNotFound;
      reply.body = json{{"error", fmt::format("no strategy '{}' for tenant {}", arg, tenant.value)}}.dump();
    } else if (runner_->state(static_cast<std::uint32_t>(index)).running != start &&
               !runner_->setRunning(static_cast<std::uint32_t>(index), start, *this)) {
      reply.status = 503;
      reply.problem = &errors::kNotDurable;
      reply.body = json{{"error", "the strategy's new state could not be journalled"}}.dump();
    } else {
      reply.body = renderStrategy(static_cast<std::uint32_t>(index)).dump();
    }
  } else {
    reply.status = 404;
    reply.body = json{{"error", "unknown query"}}.dump();
  }
  return reply;
}

json TradingService::renderStrategy(std::uint32_t index) const {
  const auto& c = runner_->config(index);
  const auto& st = runner_->state(index);
  auto target = [](Target t) -> std::string_view {
    switch (t) {
      case Target::Long: return "long";
      case Target::Short: return "short";
      case Target::Flat: return "flat";
      case Target::Hold: break;
    }
    return "none";
  };
  json body{{"id", c.id.view()},
            {"kind", toString(c.kind)},
            {"state", st.running ? "running" : "stopped"},
            {"account", c.account.view()},
            {"symbol", c.instrument.symbol.view()},
            {"quantity", c.quantity.toDouble()},
            {"target", target(st.target)},
            {"target_lots", runner_->targetLots(index)},
            {"signals", st.signals},
            {"orders_sent", st.ordersSent},
            {"orders_denied", st.ordersDenied},
            {"orders_skipped", st.ordersSkipped},
            {"last_signal", target(st.lastSignal)},
            {"last_signal_at", st.lastSignalAt}};
  if (c.kind == LiveKind::AiSignal) {
    body["min_confidence"] = c.minConfidence;
    body["last_confidence"] = st.lastConfidence < 0 ? json(nullptr) : json(st.lastConfidence);
  } else {
    body["timeframe"] = c.timeframe.toString();
  }
  return body;
}

json TradingService::renderStrategies(model::TenantId tenant) const {
  json list = json::array();
  for (std::uint32_t i = 0; i < runner_->size(); ++i) {
    if (runner_->config(i).tenant == tenant) list.push_back(renderStrategy(i));
  }
  return json{{"strategies", std::move(list)}};
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
  if (reply->problem != nullptr) {
    json body = json::parse(reply->body, nullptr, false);
    std::string detail = body.is_object() ? body.value("error", std::string()) : std::string();
    return http::problem(reply->status, *reply->problem, detail);
  }
  return jsonResponse(reply->status, std::move(reply->body));
}

void TradingService::addRoutes(http::Router& router) {
  auto bad = [](const Error& error) { return http::problem(400, error.code(), error.message()); };
  auto command = [this, bad](const http::Request& request, std::string_view type,
                             std::string_view id) -> http::Response {
    auto body = parseBody(request);
    if (!body) return bad(body.error());
    // The tenant comes only from the verified caller; a client cannot name one.
    auto tenant = http::callerTenant(request);
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
    auto tenant = http::callerTenant(request);
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
  router.get("/api/v1/strategies", [ask](const http::Request& r) { return ask(r, "strategies"); });
  router.post("/api/v1/strategies/{id}/start", [ask](const http::Request& r) {
    return ask(r, fmt::format("strategy_start {}", r.param("id")));
  });
  router.post("/api/v1/strategies/{id}/stop", [ask](const http::Request& r) {
    return ask(r, fmt::format("strategy_stop {}", r.param("id")));
  });
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
  auto* pending = new (std::nothrow) PendingSnapshot{seenThrough_, snapshotAll()};
  if (pending == nullptr) return;
  delete pendingSnapshot_.exchange(pending, std::memory_order_acq_rel);  // an older one is moot
}

namespace {

// The service snapshot: every lane's engine snapshot, then the strategies' state.
constexpr std::uint64_t kSnapshotMagic = 0x31454e414c544941ULL;  // "AITLANE1"

template <class T>
void putRaw(std::vector<std::byte>& out, const T& value) {
  const auto* p = reinterpret_cast<const std::byte*>(&value);
  out.insert(out.end(), p, p + sizeof(T));
}

template <class T>
bool getRaw(std::span<const std::byte>& in, T& value) {
  if (in.size() < sizeof(T)) return false;
  std::memcpy(&value, in.data(), sizeof(T));
  in = in.subspan(sizeof(T));
  return true;
}

}  // namespace

std::vector<std::byte> TradingService::snapshotAll() const {
  std::vector<std::byte> out;
  putRaw(out, kSnapshotMagic);
  putRaw(out, static_cast<std::uint32_t>(lanes_.size()));
  for (const auto& lane : lanes_) {
    auto bytes = lane->engine->snapshot();
    putRaw(out, lane->tenant.value);
    putRaw(out, static_cast<std::uint64_t>(bytes.size()));
    out.insert(out.end(), bytes.begin(), bytes.end());
  }
  auto strategies = runner_->snapshot();
  out.insert(out.end(), strategies.begin(), strategies.end());
  return out;
}

Expected<void> TradingService::restoreAll(std::span<const std::byte> bytes) {
  auto refuse = [this](std::string why) -> Expected<void> {
    // Some lane may have taken its part: start again from the configuration.
    if (auto rebuilt = buildLanes(); !rebuilt) return Unexpected(rebuilt.error());
    EngineDirectory& engines = *this;
    auto runner = StrategyRunner::create(settings_.strategies, engines);
    if (!runner) return Unexpected(runner.error());
    runner_ = std::make_unique<StrategyRunner>(std::move(*runner));
    return fail(errors::kReplay, why);
  };
  std::uint64_t magic = 0;
  std::uint32_t count = 0;
  if (!getRaw(bytes, magic) || magic != kSnapshotMagic || !getRaw(bytes, count)) {
    return refuse("the snapshot is not one of per-tenant engines (another build wrote it)");
  }
  if (count != lanes_.size()) return refuse("the snapshot has other tenants than the configuration");
  for (std::uint32_t i = 0; i < count; ++i) {
    std::uint32_t tenant = 0;
    std::uint64_t size = 0;
    if (!getRaw(bytes, tenant) || !getRaw(bytes, size) || size > bytes.size()) {
      return refuse("the snapshot is truncated");
    }
    if (lanes_[i]->tenant.value != tenant) return refuse("the snapshot has other tenants than the configuration");
    if (auto restored = lanes_[i]->engine->restore(bytes.first(size)); !restored) {
      return refuse(fmt::format("tenant {}: {}", tenant, restored.error().message()));
    }
    bytes = bytes.subspan(size);
  }
  if (!runner_->restore(bytes)) return refuse("the strategies' part of the snapshot is unreadable");
  return {};
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

Expected<void> TradingService::rememberMt5Deals() {
  if (std::ranges::none_of(lanes_, [](const auto& lane) { return lane->mt5 != nullptr; })) return {};
  // The ring of each venue keeps the newest deals; records past a few rings' worth hold no more.
  constexpr std::uint64_t kRecords = 16 * venue::Mt5Venue::kDealMemory;
  auto& journal = runtime_.journal(engine::Stream::Trading);
  journal::ReadOptions options;
  options.fromSeq = replayedThrough_ > kRecords ? replayedThrough_ - kRecords : 1;
  options.types = {std::to_underlying(model::EventType::OrderFilled)};
  auto reader = journal.reader(options);
  if (!reader) return fail(errors::kReplay, reader.error().describe());
  for (;;) {
    auto record = reader->next();
    if (!record) return fail(errors::kReplay, record.error().describe());
    if (!*record) break;
    auto event = model::decode((*record)->payload);
    if (!event) continue;  // replay() has read every record already
    if (const auto* fill = std::get_if<model::OrderFilled>(&*event)) {
      if (auto* venue = laneOf(fill->header.tenant).mt5; venue != nullptr) venue->noteDeal(fill->tradeId);
    }
  }
  return {};
}

Expected<void> TradingService::replay() {
  auto& journal = runtime_.journal(engine::Stream::Trading);
  std::uint64_t from = 1;
  if (auto snapshot = journal.loadLatestSnapshot("trading-engine"); !snapshot) {
    log::warn(*log::logger("trading"), "snapshot unreadable; replaying the whole journal",
              {{"error", snapshot.error().describe()}});
  } else if (*snapshot) {
    if (auto restored = restoreAll((*snapshot)->bytes); !restored) {
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
      runner_->replay(*event);
      // A strategy's start or stop is the runner's alone: the engines' clocks stay on data time.
      if (!std::holds_alternative<model::ServiceStatus>(*event)) {
        laneOf(model::tenantOf(*event)).engine->replay(*event);
      }
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
             {"lanes", std::to_string(lanes_.size())}});
  return {};
}

Expected<void> TradingService::start() {
  if (!replayDone_) {
    // The engine thread is not running yet at the first start: the replay has the state alone.
    if (auto replayed = replay(); !replayed) return replayed;
    if (auto remembered = rememberMt5Deals(); !remembered) return remembered;
    replayDone_ = true;
    // Rule strategies read their indicators from the bars already journalled, so a restart
    // does not leave them cold for a whole look-back period. Three look-backs of history cover
    // short quiet spells; the journal seeks to them by segment, so start-up stays quick.
    if (const TimestampNs lookBack = runner_->lookBack(); lookBack > 0) {
      const TimestampNs now = settings_.engine.wallClock->now();
      auto warmed = runner_->warmUpFrom(runtime_.journal(engine::Stream::MarketData), now - 3 * lookBack);
      if (!warmed) log::logError(*log::logger("trading"), warmed.error());
    }
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
