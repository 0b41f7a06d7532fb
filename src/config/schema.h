#pragma once
// The schema of the configuration, written once as a walk over a Config. Every pass over the
// settings (decoding TOML, checking rules, rendering, listing keys) is a visitor given to
// visitConfig, so adding a setting means one line here, one in config.h, default.toml and the docs.
//
// A visitor provides:
//   table(name, body)                   enters a sub-table and runs body()
//   value(name, field, rule)            a bool, integer, float, string, enum or string array
//   duration(name, field, Duration)     an integer duration (also accepted as "5s" in files)
//   map(name, field, rule)              a table of free-form keys to values of one type
//   tableArray(name, field, body)       an array of tables; body(element) walks one element
// Within a table, leaves come before sub-tables (TOML rendering depends on it).

#include <cstdint>

#include "ait/config/config.h"
#include "config/rules.h"

namespace ait::config::detail {

inline constexpr std::int64_t kHourMs = 3'600'000;
inline constexpr std::int64_t kDayMs = 24 * kHourMs;
inline constexpr std::int64_t kGiB = 1LL << 30;

template <class V, class S>
void visitService(V& v, S& s) {
  v.value("enabled", s.enabled, NoRule{});
  v.value("port", s.port, Port{});
  v.value("host", s.host, Host{.allowEmpty = true});
  v.value("remote", s.remote, HostPort{});
}

template <class V, class B>
void visitBucket(V& v, B& b) {
  v.value("rate_per_s", b.rate_per_s, PositiveUpTo{1e9});
  v.value("burst", b.burst, Between<int>{1, 1'000'000'000});
}

template <class V, class P>
void visitPool(V& v, P& p) {
  v.value("min_size", p.min_size, Between<int>{0, 1'000});
  v.value("max_size", p.max_size, Between<int>{1, 1'000});
  v.duration("acquire_timeout_ms", p.acquire_timeout_ms, Duration{"ms", 1, kHourMs});
  v.duration("validate_idle_ms", p.validate_idle_ms, Duration{"ms", 0, kHourMs});
}

template <class V, class C>
void visitConfig(V& v, C& c) {
  v.table("server", [&] {
    auto& s = c.server;
    v.value("host", s.host, Host{});
    v.duration("shutdown_grace_ms", s.shutdown_grace_ms, Duration{"ms", 0, 600'000});
    v.value("max_header_bytes", s.max_header_bytes, Between<std::int64_t>{1024, 1 << 20});
    v.value("max_body_bytes", s.max_body_bytes, Between<std::int64_t>{1024, kGiB});
    v.duration("request_timeout_ms", s.request_timeout_ms, Duration{"ms", 1, kHourMs});
    v.value("max_connections_per_ip", s.max_connections_per_ip, Between<int>{1, 1'000'000});
    v.value("io_threads", s.io_threads, Between<int>{1, 256});
  });
  v.table("services", [&] {
    auto& s = c.services;
    v.table("api_gateway", [&] { visitService(v, s.api_gateway); });
    v.table("data_bridge", [&] { visitService(v, s.data_bridge); });
    v.table("performance_analytics", [&] { visitService(v, s.performance_analytics); });
    v.table("ai_orchestration", [&] { visitService(v, s.ai_orchestration); });
    v.table("database_service", [&] { visitService(v, s.database_service); });
    v.table("trading_engine", [&] { visitService(v, s.trading_engine); });
  });
  v.table("hub", [&] {
    auto& h = c.hub;
    v.duration("restart_initial_backoff_ms", h.restart_initial_backoff_ms,
               Duration{"ms", 1, kHourMs});
    v.duration("restart_max_backoff_ms", h.restart_max_backoff_ms, Duration{"ms", 1, kDayMs});
    v.value("restart_max_attempts", h.restart_max_attempts, Between<int>{0, 1'000'000});
    v.duration("health_interval_ms", h.health_interval_ms, Duration{"ms", 10, kHourMs});
    v.duration("start_timeout_ms", h.start_timeout_ms, Duration{"ms", 1, kHourMs});
    v.duration("restart_healthy_reset_ms", h.restart_healthy_reset_ms, Duration{"ms", 1, kDayMs});
    v.duration("remote_probe_timeout_ms", h.remote_probe_timeout_ms, Duration{"ms", 1, kHourMs});
  });
  v.table("log", [&] {
    auto& l = c.log;
    v.value("level", l.level, NoRule{});
    v.value("file", l.file, NoRule{});
    v.value("max_file_bytes", l.max_file_bytes, Between<std::int64_t>{1 << 20, 64 * kGiB});
    v.value("max_files", l.max_files, Between<int>{1, 10'000});
    v.value("stderr", l.to_stderr, NoRule{});
    v.value("format", l.format, NoRule{});
    v.value("async_queue_size", l.async_queue_size, Between<std::int64_t>{64, 1 << 24});
    v.map("components", l.components, NoRule{});
  });
  v.table("metrics", [&] { v.value("enabled", c.metrics.enabled, NoRule{}); });
  v.table("resilience", [&] {
    auto& r = c.resilience;
    v.table("timeouts", [&] {
      v.duration("fast_ms", r.timeouts.fast_ms, Duration{"ms", 1, kHourMs});
      v.duration("normal_ms", r.timeouts.normal_ms, Duration{"ms", 1, kHourMs});
      v.duration("heavy_ms", r.timeouts.heavy_ms, Duration{"ms", 1, kHourMs});
    });
    v.table("circuit_breaker", [&] {
      auto& b = r.circuit_breaker;
      v.value("failure_rate_threshold_pct", b.failure_rate_threshold_pct, PositiveUpTo{100.0});
      v.value("slow_call_rate_threshold_pct", b.slow_call_rate_threshold_pct, PositiveUpTo{100.0});
      v.duration("slow_call_duration_ms", b.slow_call_duration_ms, Duration{"ms", 1, kHourMs});
      v.value("window_size", b.window_size, Between<int>{1, 1'000'000});
      v.value("minimum_calls", b.minimum_calls, Between<int>{1, 1'000'000});
      v.duration("open_duration_ms", b.open_duration_ms, Duration{"ms", 1, kHourMs});
      v.value("half_open_calls", b.half_open_calls, Between<int>{1, 10'000});
    });
    v.table("retry", [&] {
      auto& t = r.retry;
      v.value("max_attempts", t.max_attempts, Between<int>{1, 100});
      v.duration("initial_backoff_ms", t.initial_backoff_ms, Duration{"ms", 1, kHourMs});
      v.duration("max_backoff_ms", t.max_backoff_ms, Duration{"ms", 1, kHourMs});
      v.value("multiplier", t.multiplier, Between<double>{1.0, 100.0});
      v.value("budget_ratio", t.budget_ratio, Between<double>{0.0, 1.0});
      v.value("budget_min_per_s", t.budget_min_per_s, Between<double>{0.0, 1e6});
      v.duration("budget_window_ms", t.budget_window_ms, Duration{"ms", 100, kHourMs});
    });
    v.table("bulkhead", [&] {
      auto& b = r.bulkhead;
      v.value("max_concurrent", b.max_concurrent, Between<int>{1, 1'000'000});
      v.value("max_queue", b.max_queue, Between<int>{0, 1'000'000});
      v.duration("queue_timeout_ms", b.queue_timeout_ms, Duration{"ms", 0, kHourMs});
    });
  });
  v.table("risk", [&] {
    auto& r = c.risk;
    v.value("max_open_positions", r.max_open_positions, Between<int>{0, 100'000});
    v.value("max_risk_per_trade_pct", r.max_risk_per_trade_pct, Between<double>{0.0, 100.0});
    v.value("max_daily_loss_pct", r.max_daily_loss_pct, Between<double>{0.0, 100.0});
    v.value("max_drawdown_pct", r.max_drawdown_pct, Between<double>{0.0, 100.0});
    v.value("min_confidence", r.min_confidence, Between<double>{0.0, 1.0});
    v.value("max_orders_per_second", r.max_orders_per_second, Between<int>{0, 1'000'000});
    v.value("max_orders_per_minute", r.max_orders_per_minute, Between<int>{0, 60'000'000});
    v.value("max_order_notional", r.max_order_notional, Between<double>{0.0, 1e15});
    v.value("max_position_per_instrument", r.max_position_per_instrument,
            Between<double>{0.0, 1e12});
    v.value("price_collar_pct", r.price_collar_pct, PositiveUpTo{100.0});
  });
  v.table("rate_limits", [&] {
    auto& r = c.rate_limits;
    v.table("tenant", [&] { visitBucket(v, r.tenant); });
    v.table("api_key", [&] { visitBucket(v, r.api_key); });
    v.table("login_per_ip", [&] { visitBucket(v, r.login_per_ip); });
    v.table("orders", [&] { visitBucket(v, r.orders); });
  });
  v.table("auth", [&] {
    auto& a = c.auth;
    v.value("jwt_secret", a.jwt_secret, SecretRule{});
    v.value("jwt_secret_file", a.jwt_secret_file, NonEmpty{});
    v.value("db_path", a.db_path, NonEmpty{});
    v.value("issuer", a.issuer, NonEmpty{});
    v.value("audience", a.audience, NonEmpty{});
    v.duration("access_token_ttl_s", a.access_token_ttl_s, Duration{"s", 10, 86'400});
    v.duration("refresh_token_ttl_s", a.refresh_token_ttl_s, Duration{"s", 10, 400 * 86'400});
    v.value("password_memory_kib", a.password_memory_kib, Between<int>{1024, 4 * 1024 * 1024});
    v.value("password_iterations", a.password_iterations, Between<int>{1, 100});
  });
  v.table("gateway", [&] {
    auto& g = c.gateway;
    v.duration("backend_timeout_ms", g.backend_timeout_ms, Duration{"ms", 10, 600'000});
    v.value("backend_retries", g.backend_retries, Between<int>{0, 10});
    v.duration("latency_budget_ms", g.latency_budget_ms, Duration{"ms", 1, 600'000});
    v.value("inflight_budget", g.inflight_budget, Between<int>{1, 1'000'000});
    v.value("ws_conflate_after", g.ws_conflate_after, Between<int>{1, 100'000});
    v.value("ws_private_queue_limit", g.ws_private_queue_limit, Between<int>{2, 100'000});
    v.value("ws_history", g.ws_history, Between<int>{16, 10'000'000});
    v.value("tls_cert", g.tls_cert, NoRule{});
    v.value("tls_key", g.tls_key, NoRule{});
  });
  v.table("journal", [&] {
    auto& j = c.journal;
    v.value("data_dir", j.data_dir, NonEmpty{});
    v.value("segment_bytes", j.segment_bytes, Between<std::int64_t>{1 << 20, 4 * kGiB});
    v.value("group_commit_max_batch", j.group_commit_max_batch, Between<int>{1, 1'000'000});
    v.duration("group_commit_max_delay_us", j.group_commit_max_delay_us,
               Duration{"us", 0, 1'000'000});
    v.value("fsync", j.fsync, NoRule{});
    v.table("retention", [&] {
      v.value("market_data_days", j.retention.market_data_days, Between<int>{1, 36'500});
      v.value("trading_days", j.retention.trading_days, Between<int>{1, 36'500});
      v.value("archive", j.retention.archive, NoRule{});
    });
  });
  v.table("bus", [&] {
    auto& b = c.bus;
    v.value("kind", b.kind, NoRule{});
    v.value("queue_capacity", b.queue_capacity, PowerOfTwo{2, 1 << 24});
    v.value("backpressure", b.backpressure, NoRule{});
    v.value("idle", b.idle, NoRule{});
    v.value("nats_urls", b.nats_urls, NatsUrls{});
    v.value("stream_prefix", b.stream_prefix, Name{32});
    v.value("node", b.node, Name{48});
    v.value("nats_state_dir", b.nats_state_dir, NonEmpty{});
  });
  v.table("data", [&] {
    v.tableArray("instruments", c.data.instruments, [&](auto& e) {
      v.value("symbol", e.symbol, Symbol{});
      v.value("venue", e.venue, NoRule{});
      v.value("price_scale", e.price_scale, Between<int>{0, 18});
      v.value("quantity_scale", e.quantity_scale, Between<int>{0, 18});
      v.value("tick_size", e.tick_size, PositiveUpTo{1e9});
      v.value("lot_step", e.lot_step, PositiveUpTo{1e9});
      v.value("min_quantity", e.min_quantity, PositiveUpTo{1e12});
      v.value("max_quantity", e.max_quantity, PositiveUpTo{1e12});
      v.value("contract_size", e.contract_size, PositiveUpTo{1e12});
      v.value("currency", e.currency, NonEmpty{});
      v.duration("gap_threshold_ms", e.gap_threshold_ms, Duration{"ms", 0, kDayMs});
      v.value("session", e.session, NonEmpty{});  // its form is checked by data::TradingSession
    });
    v.table("validation", [&] {
      auto& x = c.data.validation;
      v.value("accept_crossed", x.accept_crossed, NoRule{});
      v.duration("future_tolerance_ms", x.future_tolerance_ms, Duration{"ms", 0, kHourMs});
      v.duration("reorder_window_ms", x.reorder_window_ms, Duration{"ms", 0, 60'000});
    });
    v.table("bars", [&] {
      auto& b = c.data.bars;
      v.value("timeframes", b.timeframes, BarTimeframes{});
      v.value("price", b.price, OneOf{{"bid", "ask", "mid"}});
      v.duration("grace_ms", b.grace_ms, Duration{"ms", 0, kHourMs});
      v.value("d1_session_close", b.d1_session_close, NoRule{});
    });
    v.table("csv", [&] {
      auto& x = c.data.csv;
      v.value("delimiter", x.delimiter, OneOf{{",", ";", "\t", "|"}});
      v.value("header", x.header, NoRule{});
      v.value("timestamp_column", x.timestamp_column, NonEmpty{});
      v.value("timestamp_format", x.timestamp_format,
              OneOf{{"iso8601", "epoch_s", "epoch_ms", "epoch_us", "epoch_ns"}});
      v.value("symbol_column", x.symbol_column, NoRule{});
      v.value("bid_column", x.bid_column, NoRule{});
      v.value("ask_column", x.ask_column, NoRule{});
      v.value("last_column", x.last_column, NoRule{});
      v.value("volume_column", x.volume_column, NoRule{});
    });
    v.table("replay", [&] {
      auto& r = c.data.replay;
      v.value("enabled", r.enabled, NoRule{});
      v.value("file", r.file, NoRule{});
      v.value("format", r.format, OneOf{{"histdata-ticks", "csv", "binance"}});
      v.value("symbol", r.symbol, Symbol{});
      v.value("timezone", r.timezone, NonEmpty{});
      v.value("speed", r.speed, Between<double>{0.0, 1e6});
      v.value("loop", r.loop, NoRule{});
      v.value("tenant", r.tenant, Between<int>{0, 1'000'000'000});
    });
    v.table("index", [&] {
      auto& x = c.data.index;
      v.value("ticks_per_symbol", x.ticks_per_symbol, PowerOfTwo{16, 1 << 24});
      v.value("bars_per_series", x.bars_per_series, PowerOfTwo{16, 1 << 20});
    });
    v.table("synthetic", [&] {
      auto& s = c.data.synthetic;
      v.value("enabled", s.enabled, NoRule{});
      v.value("tenant", s.tenant, Between<int>{0, 1'000'000'000});
      v.value("mean_volume", s.mean_volume, Between<double>{0.0, 1e9});
      v.tableArray("symbols", s.symbols, [&](auto& e) {
        v.value("symbol", e.symbol, Symbol{});
        v.value("start_price", e.start_price, PositiveUpTo{1e12});
        v.value("volatility", e.volatility, Between<double>{0.0, 0.5});
        v.value("spread", e.spread, Between<double>{0.0, 1e9});
        v.value("ticks_per_second", e.ticks_per_second, PositiveUpTo{100'000.0});
      });
    });
  });
  v.table("ai", [&] {
    auto& a = c.ai;
    v.value("features", a.features, NonEmpty{});
    v.value("symbols", a.symbols, Symbols{});
    v.value("max_series", a.max_series, Between<int>{1, 4096});
    v.value("timeframe", a.timeframe, OneOf{{"1m", "5m", "15m", "30m", "1h", "4h", "1d"}});
    v.value("models_dir", a.models_dir, NonEmpty{});
    v.value("models", a.models, NoRule{});
    v.value("ensemble", a.ensemble, OneOf{{"weighted_average", "majority_vote", "stacking"}});
    v.value("budget_us", a.budget_us, Between<std::int64_t>{1, 10'000'000});
    v.duration("cache_max_age_ms", a.cache_max_age_ms, Duration{"ms", 0, kDayMs});
    v.value("buy_threshold", a.buy_threshold, Between<double>{0.0, 1.0});
    v.value("strong_threshold", a.strong_threshold, Between<double>{0.0, 1.0});
    v.value("history_size", a.history_size, Between<int>{1, 100'000});
    v.value("strategy_id", a.strategy_id, Name{24});
    v.value("stacking_model", a.stacking_model, NoRule{});
    v.duration("watch_interval_ms", a.watch_interval_ms, Duration{"ms", 0, kHourMs});
    v.value("drift_window", a.drift_window, Between<int>{10, 1'000'000});
    v.value("drift_psi_threshold", a.drift_psi_threshold, Between<double>{0.0, 100.0});
    v.value("drift_mean_shift", a.drift_mean_shift, Between<double>{0.0, 1000.0});
    v.value("chat_enabled", a.chat_enabled, NoRule{});
    v.value("chat_base_url", a.chat_base_url, NonEmpty{});
    v.value("chat_model", a.chat_model, NonEmpty{});
    v.value("chat_api_key_env", a.chat_api_key_env, NoRule{});
    v.duration("chat_timeout_ms", a.chat_timeout_ms, Duration{"ms", 1, kHourMs});
    v.duration("chat_cache_ttl_ms", a.chat_cache_ttl_ms, Duration{"ms", 0, kDayMs});
    v.duration("chat_notes_interval_ms", a.chat_notes_interval_ms, Duration{"ms", 0, kDayMs});
  });
  v.table("mt5", [&] {
    auto& m = c.mt5;
    v.value("native_enabled", m.native_enabled, NoRule{});
    v.value("native_host", m.native_host, Host{.allowEmpty = true});
    v.value("native_port", m.native_port, Port{});
    v.value("max_line_bytes", m.max_line_bytes, Between<std::int64_t>{1024, 16 << 20});
    v.duration("heartbeat_interval_ms", m.heartbeat_interval_ms, Duration{"ms", 100, kHourMs});
    v.duration("silence_timeout_ms", m.silence_timeout_ms, Duration{"ms", 300, kHourMs});
    v.value("outbound_log_size", m.outbound_log_size, Between<std::int64_t>{1, 10'000'000});
    v.value("max_consecutive_errors", m.max_consecutive_errors, Between<int>{1, 1'000'000});
    v.value("client_time_zone", m.client_time_zone, TimeZoneName{});
    v.value("compat_default_tenant", m.compat_default_tenant, Between<int>{0, 1'000'000'000});
    v.tableArray("tokens", m.tokens, [&](auto& e) {
      v.value("token", e.token, SecretRule{16});
      v.value("tenant", e.tenant, Between<int>{1, 1'000'000'000});
      v.value("time_zone", e.time_zone, TimeZoneName{.allowEmpty = true});
    });
  });
  v.table("database", [&] {
    v.value("sqlite_path", c.database.sqlite_path, NonEmpty{});
    v.value("postgres_url", c.database.postgres_url, NoRule{});
    v.value("clickhouse_url", c.database.clickhouse_url, NoRule{});
    v.value("redis_url", c.database.redis_url, NoRule{});
    v.value("redis_key_prefix", c.database.redis_key_prefix, NonEmpty{});
    v.value("projection_batch", c.database.projection_batch, Between<int>{1, 100'000});
    v.value("pattern_dir", c.database.pattern_dir, NoRule{});
    v.value("pattern_dimension", c.database.pattern_dimension, Between<int>{1, 4'096});
    v.value("pattern_max_k", c.database.pattern_max_k, Between<int>{1, 10'000});
    v.value("pattern_save_every", c.database.pattern_save_every, Between<int>{1, 1'000'000});
    v.value("graph_max_depth", c.database.graph_max_depth, Between<int>{1, 16});
    v.table("pool", [&] {
      v.table("postgres", [&] { visitPool(v, c.database.pool.postgres); });
      v.table("clickhouse", [&] { visitPool(v, c.database.pool.clickhouse); });
      v.table("redis", [&] { visitPool(v, c.database.pool.redis); });
    });
  });
  v.table("trading", [&] {
    auto& t = c.trading;
    v.value("tenant", t.tenant, Between<int>{0, 2'000'000'000});
    v.value("extra_tenants", t.extra_tenants, NoRule{});
    v.value("mt5_tenants", t.mt5_tenants, NoRule{});
    v.value("account", t.account, Name{24});
    v.value("currency", t.currency, Name{8});
    v.value("starting_balance", t.starting_balance, PositiveUpTo{1e12});
    v.value("hedging", t.hedging, NoRule{});
    v.value("commission_per_lot", t.commission_per_lot, Between<double>{0.0, 1e6});
    v.value("margin_pct", t.margin_pct, PositiveUpTo{100.0});
    v.value("slippage_ticks", t.slippage_ticks, Between<int>{0, 1'000'000});
    v.value("max_orders", t.max_orders, Between<int>{16, 1 << 24});
    v.duration("ack_timeout_ms", t.ack_timeout_ms, Duration{"ms", 1, kHourMs});
    v.value("snapshot_every", t.snapshot_every, Between<int>{0, 100'000'000});
    v.tableArray("strategies", t.strategies, [&](auto& e) {
      v.value("id", e.id, Name{24});
      v.value("kind", e.kind, NonEmpty{});
      v.value("tenant", e.tenant, Between<int>{1, 2'000'000'000});
      v.value("account", e.account, Name{24});
      v.value("symbol", e.symbol, Symbol{});
      v.value("timeframe", e.timeframe, NonEmpty{});
      v.value("quantity", e.quantity, PositiveUpTo{1e9});
      v.value("sizing", e.sizing, NonEmpty{});
      v.value("sizing_value", e.sizing_value, Between<double>{0.0, 1e12});
      v.value("stop_loss_pct", e.stop_loss_pct, Between<double>{0.0, 100.0});
      v.value("fast", e.fast, Between<int>{1, 10'000});
      v.value("slow", e.slow, Between<int>{2, 10'000});
      v.value("rsi_period", e.rsi_period, Between<int>{2, 10'000});
      v.value("rsi_buy_below", e.rsi_buy_below, Between<double>{0.0, 100.0});
      v.value("rsi_sell_above", e.rsi_sell_above, Between<double>{0.0, 100.0});
      v.value("breakout_period", e.breakout_period, Between<int>{1, 10'000});
      v.value("allow_short", e.allow_short, NoRule{});
      v.value("min_confidence", e.min_confidence, Between<double>{0.0, 1.0});
      v.value("start", e.start, NoRule{});
    });
  });
  v.table("reload", [&] {
    v.duration("watch_interval_ms", c.reload.watch_interval_ms, Duration{"ms", 0, kHourMs});
  });
  v.table("web", [&] {
    v.value("enabled", c.web.enabled, NoRule{});
    v.value("root", c.web.root, NoRule{});
  });
  v.table("backtest", [&] {
    v.value("data_dir", c.backtest.data_dir, NoRule{});
    v.value("results_dir", c.backtest.results_dir, NoRule{});
    v.value("workers", c.backtest.workers, Between<int>{1, 64});
    v.value("max_queued", c.backtest.max_queued, Between<int>{0, 100'000});
  });
}

}  // namespace ait::config::detail
