#include "app/wiring.h"

#include <algorithm>
#include <cmath>
#include <charconv>
#include <cstdlib>
#include <map>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "ait/ai/service.h"
#include "ait/analytics/service.h"
#include "ait/config/errors.h"
#include "ait/data/data_bridge.h"
#include "ait/gateway/auth_routes.h"
#include "ait/gateway/static_files.h"
#include "ait/services/common_routes.h"
#include "ait/store/database_service.h"
#include "ait/services/port_service.h"
#include "ait/data/instruments.h"
#include "ait/trading/service.h"
#include "app/commands.h"

namespace ait::app {

namespace {
constexpr ErrorCode kUnknownService{"AIT-APP-0001", Category::Config, Severity::High,
                                    "--only names a service that does not exist"};
constexpr ErrorCode kStartFailed{"AIT-APP-0002", Category::Internal, Severity::Critical,
                                 "the platform could not start"};
}  // namespace

std::vector<ServiceDescriptor> platformServices(const config::Config& config) {
  const auto& s = config.services;
  // Trading never waits for a database: the trading engine does not depend on the
  // database-service, which catches up from the journal instead.
  return {
      {"api-gateway", &s.api_gateway,
       {"data-bridge", "performance-analytics", "ai-orchestration", "database-service",
        "trading-engine"}},
      {"data-bridge", &s.data_bridge, {}},
      {"performance-analytics", &s.performance_analytics, {"trading-engine"}},
      {"ai-orchestration", &s.ai_orchestration, {"data-bridge"}},
      {"database-service", &s.database_service, {}},
      {"trading-engine", &s.trading_engine, {"data-bridge", "ai-orchestration"}},
  };
}

log::LogSettings logSettings(const config::LogConfig& config) {
  log::LogSettings settings;
  settings.level = std::string(config::toString(config.level));
  for (const auto& [component, level] : config.components) {
    settings.components[component] = std::string(config::toString(level));
  }
  settings.file = config.file;
  settings.maxFileBytes = static_cast<std::size_t>(config.max_file_bytes);
  settings.maxFiles = static_cast<std::size_t>(config.max_files);
  settings.toStderr = config.to_stderr;
  settings.format = config.format == config::LogFormat::Json ? log::Format::Json : log::Format::Text;
  settings.asyncQueueSize = static_cast<std::size_t>(config.async_queue_size);
  return settings;
}

hub::HubConfig hubConfig(const config::Config& config, const std::vector<std::string>& only) {
  hub::HubConfig hub;
  hub.restart_initial_backoff_ms = config.hub.restart_initial_backoff_ms;
  hub.restart_max_backoff_ms = config.hub.restart_max_backoff_ms;
  hub.restart_max_attempts = static_cast<std::uint32_t>(config.hub.restart_max_attempts);
  hub.health_interval_ms = config.hub.health_interval_ms;
  hub.restart_healthy_reset_ms = config.hub.restart_healthy_reset_ms;
  hub.remote_probe_timeout_ms = config.hub.remote_probe_timeout_ms;
  for (const auto& service : platformServices(config)) {
    bool local = only.empty() || std::ranges::find(only, service.name) != only.end();
    if (!local && !service.config->remote.empty()) hub.remote[service.name] = service.config->remote;
  }
  return hub;
}

http::HttpServerConfig httpConfig(const config::ServerConfig& config) {
  http::HttpServerConfig http;
  http.ioThreads = static_cast<std::size_t>(config.io_threads);
  http.maxHeaderBytes = static_cast<std::size_t>(config.max_header_bytes);
  http.maxBodyBytes = static_cast<std::size_t>(config.max_body_bytes);
  http.requestTimeout = std::chrono::milliseconds(config.request_timeout_ms);
  http.maxConnectionsPerIp = static_cast<std::size_t>(config.max_connections_per_ip);
  http.drainTimeout = std::chrono::milliseconds(config.shutdown_grace_ms);
  return http;
}

engine::RuntimeSettings runtimeSettings(const config::Config& config) {
  engine::RuntimeSettings settings;
  const auto& b = config.bus;
  settings.bus.queue_capacity = static_cast<std::uint32_t>(b.queue_capacity);
  settings.bus.backpressure = b.backpressure == config::Backpressure::Block  ? bus::Backpressure::Block
                              : b.backpressure == config::Backpressure::Drop ? bus::Backpressure::Drop
                                                                             : bus::Backpressure::Fail;
  settings.bus.idle = b.idle == config::BusIdle::Spin    ? bus::IdleStrategy::Spin
                      : b.idle == config::BusIdle::Yield ? bus::IdleStrategy::Yield
                                                         : bus::IdleStrategy::Park;
  const auto& j = config.journal;
  settings.journal.dataDir = j.data_dir;
  settings.journal.segmentBytes = static_cast<std::uint64_t>(j.segment_bytes);
  settings.journal.groupCommitMaxBatch = static_cast<std::uint32_t>(j.group_commit_max_batch);
  settings.journal.groupCommitMaxDelayUs = static_cast<std::uint32_t>(j.group_commit_max_delay_us);
  settings.journal.fsync = j.fsync;
  settings.journal.marketDataDays = static_cast<std::uint32_t>(j.retention.market_data_days);
  settings.journal.tradingDays = static_cast<std::uint32_t>(j.retention.trading_days);
  settings.journal.archive = j.retention.archive == config::ArchivePolicy::Zstd
                                 ? journal::ArchiveMode::Zstd
                                 : journal::ArchiveMode::Delete;
  if (b.kind == config::BusKind::Nats) {
    nats::NatsConfig nats;
    nats.urls = b.nats_urls;
    nats.stream_prefix = b.stream_prefix;
    nats.source = b.node;
    nats.state_dir = b.nats_state_dir;
    settings.nats = std::move(nats);
  }
  return settings;
}

mt5::Mt5Config mt5Config(const config::Config& config) {
  const auto& m = config.mt5;
  mt5::Mt5Config out;
  out.native_enabled = m.native_enabled;
  out.native_host =
      m.native_host.empty() ? config::bindHost(config, config.services.data_bridge) : m.native_host;
  out.native_port = static_cast<std::uint16_t>(m.native_port);
  out.max_line_bytes = static_cast<std::size_t>(m.max_line_bytes);
  out.heartbeat_interval_ms = m.heartbeat_interval_ms;
  out.silence_timeout_ms = m.silence_timeout_ms;
  out.outbound_log_size = static_cast<std::size_t>(m.outbound_log_size);
  out.max_consecutive_errors = static_cast<std::uint32_t>(m.max_consecutive_errors);
  out.client_time_zone = m.client_time_zone;
  out.compat_default_tenant = static_cast<std::uint32_t>(m.compat_default_tenant);
  for (const auto& t : m.tokens) {
    out.tokens.push_back({t.token, static_cast<std::uint32_t>(t.tenant), t.time_zone});
  }
  return out;
}

gateway::IdentitySettings identitySettings(const config::Config& config) {
  const auto& a = config.auth;
  gateway::IdentitySettings settings;
  settings.jwtSecret = a.jwt_secret;
  settings.jwtSecretFile = a.jwt_secret_file;
  settings.dbPath = a.db_path;
  settings.auth.issuer = a.issuer;
  settings.auth.audience = a.audience;
  settings.auth.accessTtlSeconds = a.access_token_ttl_s;
  settings.auth.refreshTtlSeconds = a.refresh_token_ttl_s;
  settings.auth.passwordCost.memory_kib = static_cast<std::uint32_t>(a.password_memory_kib);
  settings.auth.passwordCost.iterations = static_cast<std::uint32_t>(a.password_iterations);
  return settings;
}

Expected<trading::TradingSettings> tradingSettings(const config::Config& config) {
  trading::TradingSettings settings;
  const auto& t = config.trading;
  auto instruments = data::instrumentsFromConfig(config.data.instruments);
  if (!instruments) return Unexpected(instruments.error());
  auto commission = model::Money::fromDouble(t.commission_per_lot, portfolio::kMoneyScale);
  if (!commission) return Unexpected(commission.error());
  for (const auto& spec : *instruments) {
    portfolio::TradableInstrument instrument;
    instrument.spec = spec.instrument;
    instrument.terms.commissionPerUnit = *commission;
    instrument.terms.marginPpm = std::llround(t.margin_pct * 10'000.0);
    instrument.terms.slippageTicks = t.slippage_ticks;
    settings.instruments.push_back(std::move(instrument));
  }
  auto limits = risk::RiskLimits::fromConfig(config.risk);
  if (!limits) return Unexpected(limits.error());
  settings.limits = *limits;
  auto account = model::AccountId::from(t.account);
  auto currency = model::Currency::from(t.currency);
  auto balance = model::Money::fromDouble(t.starting_balance, portfolio::kMoneyScale);
  if (!account) return Unexpected(account.error());
  if (!currency) return Unexpected(currency.error());
  if (!balance) return Unexpected(balance.error());
  std::vector<std::uint32_t> tenants{static_cast<std::uint32_t>(t.tenant)};
  for (const auto& text : t.extra_tenants) {
    std::uint32_t id = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (ec != std::errc{} || end != text.data() + text.size() || id == 0) {
      return fail(config::kInvalidValue,
                  fmt::format("trading.extra_tenants: '{}' is not a tenant id (a positive integer)", text));
    }
    tenants.push_back(id);
  }
  for (std::uint32_t tenant : tenants) {
    settings.accounts.push_back({model::TenantId{tenant}, *account, *currency,
                                 t.hedging ? portfolio::PositionMode::Hedging
                                           : portfolio::PositionMode::Netting,
                                 *balance});
  }
  for (const auto& text : t.mt5_tenants) {
    std::uint32_t id = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (ec != std::errc{} || end != text.data() + text.size() ||
        std::ranges::find(tenants, id) == tenants.end()) {
      return fail(config::kInvalidValue,
                  fmt::format("trading.mt5_tenants: '{}' is not one of the trading tenants "
                              "(trading.tenant and trading.extra_tenants)", text));
    }
    settings.mt5Tenants.push_back(model::TenantId{id});
  }
  settings.engine.maxOrders = static_cast<std::uint32_t>(t.max_orders);
  settings.ackTimeout = std::chrono::milliseconds(t.ack_timeout_ms);
  settings.snapshotEvery = static_cast<std::uint32_t>(t.snapshot_every);
  std::vector<trading::LiveStrategySpec> specs;
  for (const auto& s : t.strategies) {
    specs.push_back({s.id, s.kind, s.tenant, s.account, s.symbol, s.timeframe, s.quantity, s.sizing,
                     s.sizing_value, s.stop_loss_pct, s.fast, s.slow, s.rsi_period, s.rsi_buy_below,
                     s.rsi_sell_above, s.breakout_period, s.allow_short, s.min_confidence, s.start});
  }
  auto strategies = trading::liveStrategiesFrom(specs, settings.instruments);
  if (!strategies) return Unexpected(strategies.error());
  settings.strategies = std::move(*strategies);
  return settings;
}

gateway::RateLimitSettings rateLimitSettings(const config::RateLimitsConfig& config) {
  auto bucket = [](const config::TokenBucketConfig& b) {
    return gateway::BucketLimits{b.rate_per_s, static_cast<double>(b.burst)};
  };
  return {bucket(config.tenant), bucket(config.api_key), bucket(config.login_per_ip),
          bucket(config.orders)};
}

ai::AiServiceConfig aiServiceConfig(const config::Config& config) {
  const auto& a = config.ai;
  ai::AiServiceConfig c;
  c.features = a.features;
  c.modelsDir = a.models_dir;
  c.models = a.models;
  c.decision.method = ai::parseEnsembleMethod(a.ensemble).value_or(ai::EnsembleMethod::WeightedAverage);
  c.strategyId = a.strategy_id;
  c.stackingModel = a.stacking_model;
  c.watchIntervalMs = a.watch_interval_ms;
  c.symbols = a.symbols;
  c.maxSeries = a.max_series;  // one series per symbol and tenant feeding it (0: the public feed)
  c.timeframe = a.timeframe;
  c.chatEnabled = a.chat_enabled;
  c.chat.baseUrl = a.chat_base_url;
  c.chat.model = a.chat_model;
  c.chat.apiKeyEnv = a.chat_api_key_env;
  c.chat.timeoutMs = a.chat_timeout_ms;
  c.chat.cacheTtlMs = a.chat_cache_ttl_ms;
  c.notesIntervalMs = a.chat_notes_interval_ms;

  c.decision.monitor.driftWindow = a.drift_window;
  c.decision.monitor.psiThreshold = a.drift_psi_threshold;
  c.decision.monitor.meanShiftThreshold = a.drift_mean_shift;
  c.decision.budgetNs = a.budget_us * 1000;
  c.decision.cacheMaxAgeNs = a.cache_max_age_ms * 1'000'000;
  c.decision.buyThreshold = a.buy_threshold;
  c.decision.strongThreshold = a.strong_threshold;
  c.decision.historySize = static_cast<std::size_t>(a.history_size);
  const auto& b = config.resilience.circuit_breaker;
  c.decision.breaker.failure_rate_threshold_pct = static_cast<int>(b.failure_rate_threshold_pct);
  c.decision.breaker.window_size = b.window_size;
  c.decision.breaker.minimum_calls = b.minimum_calls;
  c.decision.breaker.open_duration_ms = b.open_duration_ms;
  c.decision.breaker.half_open_calls = b.half_open_calls;
  c.chat.breaker = c.decision.breaker;
  c.chat.breaker.slow_call_duration_ms = b.slow_call_duration_ms;
  return c;
}

// Builds the ai-orchestration service, adds its routes and feeds it the configured symbols' bars
// and ticks on the engine thread (the service keeps one series per tenant, symbol and timeframe
// and ignores other timeframes).
Expected<std::unique_ptr<ai::AiService>> wireAi(const config::Config& config, http::Router& router,
                                     engine::Runtime& rt) {
  auto settings = aiServiceConfig(config);
  std::vector<std::string> topics;
  for (const auto& symbol : settings.symbols) {
    std::string topic = "md." + symbol;
    std::ranges::replace(topic, '/', '_');
    std::ranges::replace(topic, '-', '_');
    if (std::ranges::find(topics, topic) == topics.end()) topics.push_back(std::move(topic));
  }
  auto service = ai::AiService::create(std::move(settings), SystemClock::instance());
  if (!service) return Unexpected(service.error());
  ai::AiService* ai = service->get();
  ai->addRoutes(router);
  // Decisions and drift alerts are recorded on the engine thread into the journal; decisions
  // are read back from the trading stream.
  ai->setDecisionJournal([&rt](const model::Event& event) { return rt.record(event); },
                         &rt.journal(engine::Stream::Trading));
  for (const auto& topic : topics) {
    auto subscribed = rt.bus().subscribe(topic, [ai](const model::Event& event) {
      if (const auto* tick = std::get_if<model::Tick>(&event)) {
        ai->onMarketTick(*tick);
      } else if (const auto* bar = std::get_if<model::Bar>(&event)) {
        ai->onMarketBar(*bar);
      }
    });
    if (!subscribed) return Unexpected(subscribed.error());
  }
  return std::move(*service);
}

store::DatabaseSettings databaseSettings(const config::Config& config) {
  store::DatabaseSettings settings;
  const auto& db = config.database;
  const auto pool = [](const config::DatabasePoolConfig& p) {
    return store::PoolSettings{static_cast<std::size_t>(p.min_size), static_cast<std::size_t>(p.max_size),
                               std::chrono::milliseconds(p.acquire_timeout_ms),
                               std::chrono::milliseconds(p.validate_idle_ms)};
  };
  // Passwords come from the environment, never the config file (PostgreSQL: PGPASSWORD).
  const auto env = [](const char* name) {
    const char* value = std::getenv(name);
    return value != nullptr ? std::string(value) : std::string();
  };
  settings.sqlitePath = db.sqlite_path;
  settings.postgres.conninfo = db.postgres_url;
  settings.postgres.pool = pool(db.pool.postgres);
  settings.clickhouse.url = db.clickhouse_url;
  settings.clickhouse.password = env("AIT_CLICKHOUSE_PASSWORD");
  settings.clickhouse.pool = pool(db.pool.clickhouse);
  settings.redis.url = db.redis_url;
  settings.redis.password = env("AIT_REDIS_PASSWORD");
  settings.redis.keyPrefix = db.redis_key_prefix;
  settings.redis.pool = pool(db.pool.redis);
  const auto& breaker = config.resilience.circuit_breaker;
  settings.redis.breaker = {static_cast<int>(breaker.failure_rate_threshold_pct),
                            static_cast<int>(breaker.slow_call_rate_threshold_pct),
                            breaker.slow_call_duration_ms,
                            breaker.window_size,
                            breaker.minimum_calls,
                            breaker.open_duration_ms,
                            breaker.half_open_calls};
  settings.projection.batch = static_cast<std::size_t>(db.projection_batch);
  settings.patterns.dimension = static_cast<std::size_t>(db.pattern_dimension);
  settings.patternsDir = db.pattern_dir.empty()
                             ? std::filesystem::path(db.sqlite_path).parent_path() / "patterns"
                             : std::filesystem::path(db.pattern_dir);
  settings.patternsSaveEvery = static_cast<std::size_t>(db.pattern_save_every);
  settings.patternsMaxK = static_cast<std::size_t>(db.pattern_max_k);
  settings.graphMaxDepth = db.graph_max_depth;
  // PostgreSQL and ClickHouse get the same breaker settings as Redis, and a bulkhead each.
  settings.guard.breaker = settings.redis.breaker;
  const auto& bulkhead = config.resilience.bulkhead;
  settings.guard.bulkhead = {bulkhead.max_concurrent, bulkhead.max_queue, bulkhead.queue_timeout_ms};
  return settings;
}

// The api-gateway's routes: a backend per service (in process when its router is here, else
// forwarded to services.<name>.remote), the streams, and every /api/v1 route.
Expected<void> wireGateway(const config::Config& config, engine::Runtime& rt, hub::Hub& hub,
                           http::Router& router, gateway::Gatekeeper& gate,
                           const gateway::ServiceIdentity& identity,
                           const std::map<std::string, http::Router*>& routers,
                           std::vector<std::unique_ptr<gateway::Backend>>& backends,
                           std::unique_ptr<gateway::StreamHub>& streams,
                           std::unique_ptr<gateway::ApiContext>& api) {
  const auto& g = config.gateway;
  auto backendFor = [&](const std::string& name,
                        const config::ServiceConfig& service) -> Expected<gateway::Backend*> {
    gateway::BackendSettings settings;
    settings.name = name;
    settings.timeout = std::chrono::milliseconds(g.backend_timeout_ms);
    settings.retries = g.backend_retries;
    settings.latencyBudget = std::chrono::milliseconds(g.latency_budget_ms);
    settings.inflightBudget = g.inflight_budget;
    const auto& b = config.resilience.circuit_breaker;
    settings.breaker.failure_rate_threshold_pct = static_cast<int>(b.failure_rate_threshold_pct);
    settings.breaker.window_size = b.window_size;
    settings.breaker.minimum_calls = b.minimum_calls;
    settings.breaker.open_duration_ms = b.open_duration_ms;
    settings.breaker.half_open_calls = b.half_open_calls;
    if (auto it = routers.find(name); it != routers.end()) {
      backends.push_back(std::make_unique<gateway::Backend>(settings, *it->second));
    } else if (!service.remote.empty()) {
      auto where = hub::ServiceLocation::parse(service.remote);
      if (!where) return Unexpected(where.error());
      backends.push_back(std::make_unique<gateway::Backend>(settings, *where, identity));
    } else {
      return static_cast<gateway::Backend*>(nullptr);
    }
    return backends.back().get();
  };
  const auto& s = config.services;
  auto trading = backendFor("trading-engine", s.trading_engine);
  auto data = backendFor("data-bridge", s.data_bridge);
  auto ai = backendFor("ai-orchestration", s.ai_orchestration);
  auto analytics = backendFor("performance-analytics", s.performance_analytics);
  auto database = backendFor("database-service", s.database_service);
  for (auto* made : {&trading, &data, &ai, &analytics, &database}) {
    if (!*made) return Unexpected(made->error());
  }
  gateway::StreamSettings streamSettings;
  streamSettings.conflateAfter = static_cast<std::size_t>(g.ws_conflate_after);
  streamSettings.privateQueueLimit = static_cast<std::size_t>(g.ws_private_queue_limit);
  streamSettings.historyPerTenant = static_cast<std::size_t>(g.ws_history);
  auto hubOfStreams = gateway::StreamHub::create(rt, streamSettings);
  if (!hubOfStreams) return Unexpected(hubOfStreams.error());
  streams = std::move(*hubOfStreams);

  api = std::make_unique<gateway::ApiContext>();
  api->gate = &gate;
  api->trading = *trading;
  api->data = *data;
  api->ai = *ai;
  api->analytics = *analytics;
  api->database = *database;
  api->hub = &hub;
  api->streams = streams.get();
  api->version = version();
  auto instruments = data::instrumentsFromConfig(config.data.instruments);
  if (!instruments) return Unexpected(instruments.error());
  for (const auto& spec : *instruments) {
    const auto& i = spec.instrument;
    api->instruments.push_back({{"instrument", i.id.toString()},
                                {"symbol", i.id.symbol.view()},
                                {"venue", i.id.venue.view()},
                                {"price_scale", i.priceScale},
                                {"quantity_scale", i.quantityScale}});
  }
  gateway::addApiRoutes(router, *api);
  return {};
}

Expected<std::unique_ptr<Platform>> Platform::build(const config::Config& config,
                                                    const std::vector<std::string>& only,
                                                    config::LiveConfig* live) {
  auto services = platformServices(config);
  std::set<std::string> known;
  for (const auto& s : services) known.insert(s.name);
  for (const auto& name : only) {
    if (!known.contains(name)) {
      return fail(kUnknownService, fmt::format("--only: unknown service '{}' (known: {})", name,
                                               fmt::join(known, ", ")));
    }
  }

  std::unique_ptr<Platform> platform(new Platform());
  platform->only_ = only;
  platform->live_ = live;
  auto runtime = engine::Runtime::open(runtimeSettings(config));
  if (!runtime) return Unexpected(runtime.error());
  platform->runtime_ = std::move(*runtime);
  engine::Runtime& rt = *platform->runtime_;
  platform->hub_ = std::make_unique<hub::Hub>(hubConfig(config, only));
  platform->server_ = std::make_unique<http::HttpServer>(httpConfig(config.server));

  // Service routes act only for a verified caller: in process the gateway sets it, across
  // processes it sends a svc token signed with the platform key, verified here.
  auto secret = auth::loadOrCreateSecret(config.auth.jwt_secret, config.auth.jwt_secret_file);
  if (!secret) return Unexpected(secret.error());
  auto serviceIdentity = gateway::ServiceIdentity::fromSecret(*secret, config.auth.issuer, config.auth.audience);
  if (!serviceIdentity) return Unexpected(serviceIdentity.error());
  platform->serviceIdentity_ = std::move(*serviceIdentity);
  http::installCallerVerifier(platform->serviceIdentity_->verifier(SystemClock::instance()));
  std::map<std::string, http::Router*> routers;
  http::Router* gatewayRouter = nullptr;

  std::map<std::string, std::unique_ptr<hub::Service>> prebuilt;
  std::unique_ptr<mt5::Mt5Service> mt5Part;  // handed to the data bridge, which runs it
  for (const auto& service : services) {
    if (!service.config->enabled) continue;
    // Every service is registered so the hub can name it and locate it; only the local ones
    // (all, or those in --only) are built here and get their port.
    bool local = only.empty() || std::ranges::find(only, service.name) != only.end();
    if (local) {
      http::ListenEndpoint endpoint{service.name, config::bindHost(config, *service.config),
                                    static_cast<std::uint16_t>(service.config->port)};
      const auto& gw = config.gateway;
      bool tls = service.name == "api-gateway" && (!gw.tls_cert.empty() || !gw.tls_key.empty());
      if (tls && (gw.tls_cert.empty() || gw.tls_key.empty())) {
        return Unexpected(Error(config::kInconsistent,
                                gw.tls_cert.empty()
                                    ? "gateway.tls_key is set but gateway.tls_cert is empty"
                                    : "gateway.tls_cert is set but gateway.tls_key is empty"));
      }
      auto& router = tls ? platform->server_->addEndpoint(std::move(endpoint),
                                                          {gw.tls_cert, gw.tls_key})
                         : platform->server_->addEndpoint(std::move(endpoint));
      routers[service.name] = &router;
      if (service.name == "api-gateway") {
        // The public port: registries only for administrators, through the gateway's routes.
        services::addProbeRoutes(router, *platform->hub_, service.name);
        gatewayRouter = &router;
      } else {
        services::addCommonRoutes(router, *platform->hub_, service.name);
      }
      if (service.name == "data-bridge") {
        // MetaTrader 5: the WebSocket routes on this port, the native TCP server beside it.
        auto settings = mt5Config(config);
        if (auto valid = settings.validate(); !valid) return Unexpected(valid.error());
        auto instruments = data::instrumentsFromConfig(config.data.instruments);
        if (!instruments) return Unexpected(instruments.error());
        // The MT5 venue's tenants: their terminal's order events go to the trading engine only.
        mt5::FeedWrapper wrap;
        if (!config.trading.mt5_tenants.empty()) {
          auto trading = tradingSettings(config);
          if (!trading) return Unexpected(trading.error());
          wrap = [tenants = trading->mt5Tenants,
                  reports = std::make_shared<trading::BusTerminalReports>(rt.bus())](mt5::FeedFactory feeds) {
            return venue::divertOrderEvents(std::move(feeds), tenants, reports);
          };
        }
        mt5Part = std::make_unique<mt5::Mt5Service>(
            settings, rt.bus(), std::move(*instruments),
            data::normaliserConfig(config.data.validation), SystemClock::instance(), wrap);
        platform->mt5_ = &mt5Part->bridge();
        platform->mt5_->addRoutes(router);
      }
      if (service.name == "api-gateway") {
        auto identity = gateway::Identity::open(identitySettings(config));
        if (!identity) return Unexpected(identity.error());
        platform->identity_ = std::move(*identity);
        platform->gate_ = std::make_unique<gateway::Gatekeeper>(
            platform->identity_->authenticator(), SystemClock::instance(),
            rateLimitSettings(config.rate_limits));
        if (live != nullptr) {
          platform->subscriptions_.push_back(live->subscribe(
              config::Concern::RateLimits, [gate = platform->gate_.get()](const auto& snapshot) {
                gate->setLimits(rateLimitSettings(snapshot->rate_limits));
              }));
        }
        if (auto web = gateway::addDashboard(router, config.web.enabled, config.web.root); !web) {
          return Unexpected(web.error());
        }
      }
      if (service.name == "data-bridge") {
        auto settings = data::dataBridgeSettings(config);
        if (!settings) return Unexpected(settings.error());
        auto bridge = std::make_unique<data::DataBridge>(std::move(*settings), rt, router);
        if (mt5Part) bridge->attach(std::move(mt5Part));
        prebuilt[service.name] = std::move(bridge);
      }
      if (service.name == "trading-engine") {
        auto settings = tradingSettings(config);
        if (!settings) return Unexpected(settings.error());
        auto trading = trading::TradingService::create(rt, router, std::move(*settings), platform->mt5_);
        if (!trading) return Unexpected(trading.error());
        if (live != nullptr) {
          // Risk limits reload without a restart; the engine thread takes them between events.
          platform->subscriptions_.push_back(live->subscribe(
              config::Concern::Risk, [service = trading->get()](const auto& snapshot) {
                if (auto limits = risk::RiskLimits::fromConfig(snapshot->risk)) {
                  service->reloadLimits(*limits);
                }
              }));
        }
        prebuilt[service.name] = std::move(*trading);
      }
      if (service.name == "performance-analytics") {
        // Equity curves start from the trading accounts' configured balances.
        auto trading = tradingSettings(config);
        if (!trading) return Unexpected(trading.error());
        analytics::AnalyticsSettings settings;
        for (const auto& a : trading->accounts) {
          settings.accounts.push_back({a.tenant, a.id, a.balance.toDouble()});
        }
        // Backtest bar files and results sit beside the journal, under the same data root.
        const auto root = std::filesystem::path(config.journal.data_dir).parent_path();
        const auto& b = config.backtest;
        settings.backtests.dataDir = b.data_dir.empty() ? root / "data" : std::filesystem::path(b.data_dir);
        settings.backtests.resultsDir = b.results_dir.empty() ? root / "backtests" : std::filesystem::path(b.results_dir);
        settings.backtests.workers = b.workers;
        settings.backtests.maxQueued = static_cast<std::size_t>(b.max_queued);
        auto performance = analytics::AnalyticsService::create(rt, router, std::move(settings));
        if (!performance) return Unexpected(performance.error());
        prebuilt[service.name] = std::move(*performance);
      }
      if (service.name == "ai-orchestration") {
        auto ai = wireAi(config, router, rt);
        if (!ai) return Unexpected(ai.error());
        prebuilt[service.name] = std::move(*ai);
      }
      if (service.name == "database-service") {
        auto dbSettings = databaseSettings(config);
        auto instruments = data::instrumentsFromConfig(config.data.instruments);
        if (!instruments) return Unexpected(instruments.error());
        // One spec per entry, in order (any bad entry fails the whole list).
        for (std::size_t i = 0; i < instruments->size(); ++i) {
          dbSettings.instruments.push_back({(*instruments)[i].instrument, config.data.instruments[i].session});
        }
        auto database = store::DatabaseService::open(
            dbSettings,
            {{std::string(engine::toString(engine::Stream::MarketData)), &rt.journal(engine::Stream::MarketData)},
             {std::string(engine::toString(engine::Stream::Trading)), &rt.journal(engine::Stream::Trading)}});
        if (!database) return Unexpected(database.error());
        (*database)->addRoutes(router);
        prebuilt[service.name] = std::move(*database);
      }
    }
    // A service built above (it had routes to add) is handed to the hub as it is; the hub calls
    // a factory once and restarts the same object.
    auto built = std::make_shared<std::unique_ptr<hub::Service>>(std::move(prebuilt[service.name]));
    auto added = platform->hub_->addService(
        {service.name, service.dependsOn,
         [name = service.name, &rt, built](hub::Resolver&) -> std::unique_ptr<hub::Service> {
           if (*built) return std::move(*built);
           return std::make_unique<services::PortService>(name, [&rt] { return rt.health(); });
         }});
    if (!added) return Unexpected(added.error());
  }
  if (gatewayRouter != nullptr) {
    auto wired = wireGateway(config, rt, *platform->hub_, *gatewayRouter, *platform->gate_,
                             *platform->serviceIdentity_, routers, platform->backends_,
                             platform->streams_, platform->api_);
    if (!wired) return Unexpected(wired.error());
  }
  return platform;
}

Platform::~Platform() {
  // The verifier refers to serviceIdentity_, which goes with this platform.
  if (serviceIdentity_) http::installCallerVerifier(nullptr);
  for (auto id : subscriptions_) live_->unsubscribe(id);
}

Expected<void> Platform::start() {
  if (auto started = hub_->start(only_); !started) {
    return fail(kStartFailed, started.error().describe());
  }
  if (auto running = runtime_->start(); !running) {
    hub_->stop();
    return fail(kStartFailed, running.error().describe());
  }
  if (streams_) streams_->start();
  if (auto listening = server_->start(); !listening) {
    if (streams_) streams_->stop();
    hub_->stop();
    runtime_->stop();
    return fail(kStartFailed, listening.error().describe());
  }
  return {};
}

void Platform::stop(std::chrono::steady_clock::time_point deadline) {
  server_->stopAccepting();
  server_->drain(deadline);
  if (streams_) streams_->stop();
  hub_->stop();
  const auto left = deadline - std::chrono::steady_clock::now();
  runtime_->stop(std::max<std::chrono::nanoseconds>(left, std::chrono::milliseconds(100)));
  server_->stop();
}

}  // namespace ait::app
