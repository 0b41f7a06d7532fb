#include "ait/analytics/service.h"

#include <fmt/format.h>

#include "ait/analytics/errors.h"
#include "ait/bus/config.h"
#include "ait/http/caller.h"
#include "ait/log/log.h"
#include "ait/model/codec.h"

namespace ait::analytics {

namespace {

http::Response jsonText(std::string body) {
  http::Response response;
  response.status = 200;
  response.contentType = "application/json";
  response.body = std::move(body);
  return response;
}

}  // namespace

AnalyticsService::AnalyticsService(engine::Runtime& runtime, AnalyticsSettings settings,
                                   const Clock& clock, metrics::Registry& metrics)
    : runtime_(runtime),
      settings_(std::move(settings)),
      clock_(clock),
      book_(settings_.accounts, metrics),
      ring_(settings_.queueCapacity),
      dropped_(metrics.counter("ait_analytics_events_dropped_total",
                               "Trading events the analytics queue had no room for")) {}

AnalyticsService::~AnalyticsService() { stop(); }

Expected<std::unique_ptr<AnalyticsService>> AnalyticsService::create(
    engine::Runtime& runtime, http::Router& router, AnalyticsSettings settings, const Clock& clock,
    metrics::Registry& metrics) {
  if (!bus::isValidCapacity(settings.queueCapacity)) {
    return fail(errors::kSubscribe, fmt::format("analytics queue capacity {} is not a power of two "
                                                "from 2 to 67108864", settings.queueCapacity));
  }
  std::unique_ptr<AnalyticsService> service(
      new AnalyticsService(runtime, std::move(settings), clock, metrics));
  auto backtests = BacktestJobs::open(service->settings_.backtests, clock);
  if (!backtests) return Unexpected(backtests.error());
  service->backtests_ = std::move(*backtests);
  if (auto ok = service->subscribe(); !ok) return Unexpected(ok.error());
  service->addRoutes(router);
  service->backtests_->addRoutes(router);
  return service;
}

Expected<void> AnalyticsService::subscribe() {
  auto& bus = runtime_.bus();
  // Engine thread: copy into the ring, never lock or allocate. Ticks are only timed.
  auto enqueue = [this](const model::Event& event) {
    if (!running_.load(std::memory_order_acquire)) return;  // the next start reads the journal
    if (ring_.tryPush(event)) {
      queued_.fetch_add(1, std::memory_order_release);
    } else {
      dropped_.inc();
    }
  };
  for (std::string_view topic : {"orders.>", "positions", "account"}) {
    auto ok = bus.subscribe(topic, enqueue);
    if (!ok) return fail(errors::kSubscribe, ok.error().describe());
  }
  auto ok = bus.subscribe("md.>", [this](const model::Event& event) {
    if (const auto* tick = std::get_if<model::Tick>(&event)) book_.observeTick(*tick);
  });
  if (!ok) return fail(errors::kSubscribe, ok.error().describe());
  return {};
}

Expected<void> AnalyticsService::replay() {
  std::uint64_t from = 0;
  {
    std::lock_guard lock(mutex_);
    from = book_.lastSequence() + 1;
  }
  journal::ReadOptions options;
  options.fromSeq = from;
  auto reader = runtime_.journal(engine::Stream::Trading).reader(options);
  if (!reader) return fail(errors::kReplay, reader.error().describe());
  std::uint64_t count = 0;
  for (;;) {
    auto record = reader->next();
    if (!record) return fail(errors::kReplay, record.error().describe());
    if (!*record) break;
    auto event = model::decode((*record)->payload);
    if (!event) {
      return fail(errors::kReplay,
                  fmt::format("record {}: {}", (*record)->seq, event.error().describe()));
    }
    model::headerOf(*event).sequence = (*record)->seq;
    std::lock_guard lock(mutex_);
    book_.apply(*event);
    ++count;
  }
  log::info(*log::logger("analytics"), "trading journal read back",
            {{"events", std::to_string(count)}, {"from_sequence", std::to_string(from)}});
  return {};
}

Expected<void> AnalyticsService::start() {
  if (running_.load(std::memory_order_acquire)) return {};
  // Follow the bus first, then read the journal: an event in both is folded once (sequence).
  running_.store(true, std::memory_order_release);
  if (auto ok = replay(); !ok) {
    running_.store(false, std::memory_order_release);
    return ok;
  }
  worker_ = std::thread([this] { work(); });
  backtests_->start();
  return {};
}

void AnalyticsService::stop() noexcept {
  running_.store(false, std::memory_order_release);
  if (worker_.joinable()) worker_.join();
  if (backtests_) backtests_->stop();
}

void AnalyticsService::work() {
  while (running_.load(std::memory_order_acquire)) {
    std::size_t n = 0;
    {
      std::lock_guard lock(mutex_);
      n = ring_.consume(256, [this](model::Event& event) { book_.apply(event); });
    }
    if (n > 0) {
      folded_.fetch_add(n, std::memory_order_release);
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
}

bool AnalyticsService::settle(std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (folded_.load(std::memory_order_acquire) < queued_.load(std::memory_order_acquire)) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

hub::Health AnalyticsService::health() const {
  hub::Health health;
  if (!running_.load(std::memory_order_acquire)) {
    health.status = hub::HealthStatus::Down;
    health.reason = "stopped";
  } else if (dropped_.value() > 0) {
    health.status = hub::HealthStatus::Degraded;
    health.reason = fmt::format("{} trading events were dropped (queue full); restart to rebuild "
                                "from the journal", dropped_.value());
  }
  return health;
}

std::vector<PerformanceReport> AnalyticsService::statistics(model::TenantId tenant,
                                                            StatisticsQuery query) const {
  if (query.now == 0) query.now = clock_.now();
  std::lock_guard lock(mutex_);
  return book_.statistics(tenant, query);
}

LatencyReport AnalyticsService::latency(model::TenantId tenant) const {
  std::lock_guard lock(mutex_);
  return book_.latency(tenant);
}

void AnalyticsService::addRoutes(http::Router& router) {
  router.get("/api/v1/statistics", [this](const http::Request& request) {
    auto tenant = http::callerTenant(request);
    if (!tenant) return http::callerRefused(tenant.error());
    StatisticsQuery query;
    auto period = parsePeriod(request.query("period").value_or(""));
    if (!period) return http::problem(400, errors::kBadQuery, period.error().message());
    query.period = *period;
    if (auto account = request.query("account"); account && !account->empty()) {
      auto id = model::AccountId::from(*account);
      if (!id) return http::problem(400, errors::kBadQuery, id.error().message());
      query.account = *id;
    }
    if (auto strategy = request.query("strategy"); strategy && !strategy->empty()) {
      auto id = model::StrategyId::from(*strategy);
      if (!id) return http::problem(400, errors::kBadQuery, id.error().message());
      query.strategy = *id;
    }
    return jsonText(toJson(statistics(*tenant, query)));
  });
  router.get("/api/v1/latency", [this](const http::Request& request) {
    auto tenant = http::callerTenant(request);
    if (!tenant) return http::callerRefused(tenant.error());
    return jsonText(toJson(latency(*tenant)));
  });
}

}  // namespace ait::analytics
