#pragma once
// The whole configuration of an aitrading process as plain value types. The defaults declared
// here equal config/default.toml (a unit test keeps the two identical), so a default-constructed
// Config is what an installation runs with when no overlay changes anything.
//
// Field names are the TOML keys (except LogConfig::to_stderr, key `stderr`). Durations are integers whose name carries the unit (_ms, _us,
// _s); sizes are in bytes; percentages are 0..100.

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ait::config {

enum class LogLevel { Trace, Debug, Info, Warn, Error, Critical, Off };
enum class LogFormat { Json, Text };
enum class ArchivePolicy { Zstd, Delete };
enum class BusKind { Local, Nats };
enum class Backpressure { Block, Drop, Fail };
enum class BusIdle { Spin, Yield, Park };

/// The TOML spelling of each enumerator, indexed by the enumerator's value.
template <class E>
struct EnumNames;
template <>
struct EnumNames<LogLevel> {
  static constexpr std::array<std::string_view, 7> names{"trace", "debug",    "info", "warn",
                                                         "error", "critical", "off"};
};
template <>
struct EnumNames<LogFormat> {
  static constexpr std::array<std::string_view, 2> names{"json", "text"};
};
template <>
struct EnumNames<ArchivePolicy> {
  static constexpr std::array<std::string_view, 2> names{"zstd", "delete"};
};
template <>
struct EnumNames<BusKind> {
  static constexpr std::array<std::string_view, 2> names{"local", "nats"};
};
template <>
struct EnumNames<Backpressure> {
  static constexpr std::array<std::string_view, 3> names{"block", "drop", "fail"};
};
template <>
struct EnumNames<BusIdle> {
  static constexpr std::array<std::string_view, 3> names{"spin", "yield", "park"};
};

template <class E>
concept ConfigEnum = requires { EnumNames<E>::names; };

/// Returns the TOML spelling of a config enumerator ("info", "json", ...).
template <ConfigEnum E>
constexpr std::string_view toString(E value) noexcept {
  return EnumNames<E>::names[static_cast<std::size_t>(value)];
}

/// Returns the enumerator spelled `name` in TOML, or nothing when no enumerator has that name.
template <ConfigEnum E>
constexpr std::optional<E> parseEnum(std::string_view name) noexcept {
  for (std::size_t i = 0; i < EnumNames<E>::names.size(); ++i) {
    if (EnumNames<E>::names[i] == name) return static_cast<E>(i);
  }
  return std::nullopt;
}

struct ServerConfig {
  std::string host = "127.0.0.1";
  std::int64_t shutdown_grace_ms = 4000;
  std::int64_t max_header_bytes = 16384;
  std::int64_t max_body_bytes = 1048576;
  std::int64_t request_timeout_ms = 30000;
  int max_connections_per_ip = 256;
  int io_threads = 2;
  bool operator==(const ServerConfig&) const = default;
};

struct ServiceConfig {
  bool enabled = true;
  int port = 0;
  std::string host{};    // empty: server.host
  std::string remote{};  // "host:port" of the process running it in a split deployment
  bool operator==(const ServiceConfig&) const = default;
};

struct ServicesConfig {
  ServiceConfig api_gateway{.port = 8000};
  ServiceConfig data_bridge{.port = 8001};
  ServiceConfig performance_analytics{.port = 8002};
  ServiceConfig ai_orchestration{.port = 8003};
  ServiceConfig database_service{.port = 8006};
  ServiceConfig trading_engine{.port = 8007};

  /// Returns every service as {config name, config}, in the order of the port numbers.
  std::array<std::pair<std::string_view, const ServiceConfig*>, 6> all() const noexcept;
  /// Returns the service named `name` ("trading_engine" or "trading-engine"), or nullptr.
  const ServiceConfig* find(std::string_view name) const noexcept;
  ServiceConfig* find(std::string_view name) noexcept;
  bool operator==(const ServicesConfig&) const = default;
};

struct HubConfig {
  std::int64_t restart_initial_backoff_ms = 100;
  std::int64_t restart_max_backoff_ms = 30000;
  int restart_max_attempts = 10;  // 0: unlimited
  std::int64_t health_interval_ms = 1000;
  std::int64_t start_timeout_ms = 30000;
  std::int64_t restart_healthy_reset_ms = 60000;
  std::int64_t remote_probe_timeout_ms = 2000;
  bool operator==(const HubConfig&) const = default;
};

struct LogConfig {
  LogLevel level = LogLevel::Info;
  std::string file = "var/log/aitrading.log";  // empty: no log file
  std::int64_t max_file_bytes = 104857600;
  int max_files = 10;
  bool to_stderr = true;  // TOML key `stderr` (a macro name in C, hence the prefix)
  LogFormat format = LogFormat::Json;
  std::int64_t async_queue_size = 8192;
  std::map<std::string, LogLevel> components;  // component name -> level overriding `level`
  bool operator==(const LogConfig&) const = default;
};

struct MetricsConfig {
  bool enabled = true;
  bool operator==(const MetricsConfig&) const = default;
};

struct TimeoutsConfig {
  std::int64_t fast_ms = 5000;
  std::int64_t normal_ms = 30000;
  std::int64_t heavy_ms = 60000;
  bool operator==(const TimeoutsConfig&) const = default;
};

struct CircuitBreakerConfig {
  double failure_rate_threshold_pct = 50.0;
  double slow_call_rate_threshold_pct = 100.0;
  std::int64_t slow_call_duration_ms = 2000;
  int window_size = 100;
  int minimum_calls = 20;
  std::int64_t open_duration_ms = 30000;
  int half_open_calls = 5;
  bool operator==(const CircuitBreakerConfig&) const = default;
};

struct RetryConfig {
  int max_attempts = 3;
  std::int64_t initial_backoff_ms = 100;
  std::int64_t max_backoff_ms = 10000;
  double multiplier = 2.0;
  double budget_ratio = 0.1;
  double budget_min_per_s = 10.0;
  std::int64_t budget_window_ms = 10000;
  bool operator==(const RetryConfig&) const = default;
};

struct BulkheadConfig {
  int max_concurrent = 64;
  int max_queue = 256;
  std::int64_t queue_timeout_ms = 1000;
  bool operator==(const BulkheadConfig&) const = default;
};

struct ResilienceConfig {
  TimeoutsConfig timeouts;
  CircuitBreakerConfig circuit_breaker;
  RetryConfig retry;
  BulkheadConfig bulkhead;
  bool operator==(const ResilienceConfig&) const = default;
};

/// Per-tenant risk limits; reloadable.
struct RiskConfig {
  int max_open_positions = 5;
  double max_risk_per_trade_pct = 2.0;
  double max_daily_loss_pct = 5.0;
  double max_drawdown_pct = 10.0;
  double min_confidence = 0.75;
  int max_orders_per_second = 10;
  int max_orders_per_minute = 300;
  double max_order_notional = 1000000.0;      // account currency
  double max_position_per_instrument = 10.0;  // instrument quantity units (lots for FX and CFDs)
  double price_collar_pct = 5.0;
  bool operator==(const RiskConfig&) const = default;
};

struct TokenBucketConfig {
  double rate_per_s = 1.0;
  int burst = 1;
  bool operator==(const TokenBucketConfig&) const = default;
};

/// Gateway rate limits; reloadable.
struct RateLimitsConfig {
  TokenBucketConfig tenant{.rate_per_s = 100.0, .burst = 200};
  TokenBucketConfig api_key{.rate_per_s = 20.0, .burst = 40};
  TokenBucketConfig login_per_ip{.rate_per_s = 0.1, .burst = 5};
  TokenBucketConfig orders{.rate_per_s = 50.0, .burst = 100};
  bool operator==(const RateLimitsConfig&) const = default;
};

struct AuthConfig {
  std::string jwt_secret;  // a secret: masked when shown
  std::string jwt_secret_file = "var/auth/jwt.key";
  std::string db_path = "var/auth/identity.db";
  std::string issuer = "aitrading";
  std::string audience = "aitrading-api";
  std::int64_t access_token_ttl_s = 900;
  std::int64_t refresh_token_ttl_s = 604800;
  int password_memory_kib = 19456;
  int password_iterations = 2;
  bool operator==(const AuthConfig&) const = default;
};

/// The api-gateway's routing to the services and its streams.
struct GatewayConfig {
  std::int64_t backend_timeout_ms = 2000;  // remote services: per attempt
  int backend_retries = 2;                 // remote services, GET only
  std::int64_t latency_budget_ms = 250;    // a backend's average above this sheds low priority
  int inflight_budget = 64;                // calls in flight to a backend above this shed low priority
  int ws_conflate_after = 64;              // queued messages from which market data is conflated
  int ws_private_queue_limit = 1000;       // queued messages at which a stream client is dropped
  int ws_history = 4096;                   // private events kept per tenant and channel to resume
  std::string tls_cert{};                  // PEM certificate chain; with tls_key: HTTPS on port 8000
  std::string tls_key{};                   // PEM private key of tls_cert
  bool operator==(const GatewayConfig&) const = default;
};

struct RetentionConfig {
  int market_data_days = 90;
  int trading_days = 2555;
  ArchivePolicy archive = ArchivePolicy::Zstd;
  bool operator==(const RetentionConfig&) const = default;
};

struct JournalConfig {
  std::string data_dir = "var/journal";
  std::int64_t segment_bytes = 67108864;
  int group_commit_max_batch = 256;
  std::int64_t group_commit_max_delay_us = 1000;
  bool fsync = true;
  RetentionConfig retention;
  bool operator==(const JournalConfig&) const = default;
};

struct BusConfig {
  BusKind kind = BusKind::Local;
  std::int64_t queue_capacity = 65536;
  Backpressure backpressure = Backpressure::Block;
  BusIdle idle = BusIdle::Park;
  std::vector<std::string> nats_urls;
  std::string stream_prefix = "AIT";
  std::string node = "node1";
  std::string nats_state_dir = "var/nats";
  bool operator==(const BusConfig&) const = default;
};

struct SyntheticSymbol {
  std::string symbol;
  double start_price = 0.0;
  double volatility = 0.0;  // standard deviation of the relative mid-price change per tick
  double spread = 0.0;      // ask - bid, in price units
  double ticks_per_second = 0.0;
  bool operator==(const SyntheticSymbol&) const = default;
};

struct SyntheticFeedConfig {
  bool enabled = true;
  int tenant = 0;  // owner of the feed; 0: public, every tenant sees it
  double mean_volume = 1.0;  // mean traded volume per tick (exponentially distributed), lots
  std::vector<SyntheticSymbol> symbols{
      {"EURUSD", 1.085, 0.00005, 0.0001, 10.0},
      {"GBPUSD", 1.265, 0.00006, 0.00015, 10.0},
      {"USDJPY", 150.0, 0.00005, 0.012, 10.0},
  };
  bool operator==(const SyntheticFeedConfig&) const = default;
};

/// Reference data of one instrument (see model::Instrument); prices are checked against it.
struct InstrumentConfig {
  std::string symbol;
  std::string venue;
  int price_scale = 5;
  int quantity_scale = 2;
  double tick_size = 0.00001;
  double lot_step = 0.01;
  double min_quantity = 0.01;
  double max_quantity = 100.0;
  double contract_size = 100000.0;
  std::string currency = "USD";
  std::int64_t gap_threshold_ms = 0;  // no tick for longer in session is a gap; 0: not checked
  std::string session = "24x7";       // when it trades: "24x7", "fx" or weekly windows and a zone
  bool operator==(const InstrumentConfig&) const = default;
};

/// How raw quotes are checked before they become ticks.
struct ValidationConfig {
  bool accept_crossed = false;  // accept bid > ask, flagged, instead of rejecting it
  std::int64_t future_tolerance_ms = 2000;
  std::int64_t reorder_window_ms = 0;  // quotes out of time order within this are reordered; 0: off
  bool operator==(const ValidationConfig&) const = default;
};

/// Bars built from ticks.
struct BarsConfig {
  std::vector<std::string> timeframes{"1m", "5m", "15m", "30m", "1h", "4h", "1d"};
  std::string price = "bid";  // bid, ask or mid
  std::int64_t grace_ms = 2000;
  std::string d1_session_close;  // "HH:MM Area/City": D1 bars end at this local time; empty: 00:00 UTC
  bool operator==(const BarsConfig&) const = default;
};

/// Column mapping of generic CSV files: header names, or 0-based indices when header = false.
struct CsvConfig {
  std::string delimiter = ",";
  bool header = true;
  std::string timestamp_column = "timestamp";
  std::string timestamp_format = "iso8601";  // iso8601, epoch_s, epoch_ms, epoch_us, epoch_ns
  std::string symbol_column;                  // empty: data.replay.symbol
  std::string bid_column = "bid";
  std::string ask_column = "ask";
  std::string last_column;
  std::string volume_column;
  bool operator==(const CsvConfig&) const = default;
};

/// A market data file replayed into the platform by the data bridge.
struct ReplayConfig {
  bool enabled = false;
  std::string file;
  std::string format = "histdata-ticks";  // histdata-ticks, csv, binance
  std::string symbol = "EURUSD";
  std::string timezone = "EST";  // of times without a zone: UTC, EST or UTC+HH:MM
  double speed = 1.0;            // 1: recorded pace, N: N times faster, 0: as fast as possible
  bool loop = false;
  int tenant = 0;  // owner of the feed; 0: public, every tenant sees it
  bool operator==(const ReplayConfig&) const = default;
};

/// The in-memory index behind the data bridge's query API.
struct IndexConfig {
  std::int64_t ticks_per_symbol = 65536;
  std::int64_t bars_per_series = 4096;
  bool operator==(const IndexConfig&) const = default;
};

struct DataConfig {
  std::vector<InstrumentConfig> instruments{
      {"EURUSD", "", 5, 2, 0.00001, 0.01, 0.01, 100.0, 100000.0, "USD", 60000, "fx"},
      {"GBPUSD", "", 5, 2, 0.00001, 0.01, 0.01, 100.0, 100000.0, "USD", 60000, "fx"},
      {"USDJPY", "", 3, 2, 0.001, 0.01, 0.01, 100.0, 100000.0, "JPY", 60000, "fx"},
  };
  ValidationConfig validation;
  BarsConfig bars;
  CsvConfig csv;
  ReplayConfig replay;
  IndexConfig index;
  SyntheticFeedConfig synthetic;
  bool operator==(const DataConfig&) const = default;
};

/// The trading engine's simulated (paper) venue and account; instruments come from
/// data.instruments.
/// A live strategy of the trading engine (docs/trading.md, "Live strategies").
struct TradingStrategyConfig {
  std::string id;
  std::string kind = "sma_cross";  // sma_cross | rsi | breakout | ai_signal
  int tenant = 1;
  std::string account = "PAPER";
  std::string symbol = "EURUSD";
  std::string timeframe = "1m";    // rule kinds: the bars they read
  double quantity = 0.01;          // lots of each position
  std::string sizing = "lots";     // lots (quantity) | units | percent_equity | risk_percent
  double sizing_value = 0.0;       // units, % of equity, or % of equity at risk to the stop
  double stop_loss_pct = 0.0;      // risk_percent: the stop's distance in % of the price
  int fast = 10;
  int slow = 20;
  int rsi_period = 14;
  double rsi_buy_below = 30.0;
  double rsi_sell_above = 70.0;
  int breakout_period = 20;
  bool allow_short = false;
  double min_confidence = 0.0;     // ai_signal: weaker decisions are ignored
  bool start = false;              // running at the first start; the journal decides after that
  bool operator==(const TradingStrategyConfig&) const = default;
};

struct TradingConfig {
  int tenant = 1;
  std::vector<std::string> extra_tenants;  // more tenant ids ("2") with the same paper account
  std::vector<std::string> mt5_tenants;    // tenant ids whose orders go to their MT5 terminal
  std::string account = "PAPER";
  std::string currency = "USD";
  double starting_balance = 100000.0;
  bool hedging = false;
  double commission_per_lot = 0.0;
  double margin_pct = 1.0;  // margin as a share of notional: 1.0 is 1:100
  int slippage_ticks = 0;
  int max_orders = 65536;
  std::int64_t ack_timeout_ms = 5000;
  int snapshot_every = 10000;  // journalled events between engine snapshots; 0: none
  std::vector<TradingStrategyConfig> strategies;  // live strategies; none by default
  bool operator==(const TradingConfig&) const = default;
};

/// The ai-orchestration service: the feature pipeline, the models loaded at start and how their
/// outputs become decisions (docs/ai.md).
struct AiConfig {
  std::string features = "close,sma:10,ema:20,rsi:14,macd:12:26:9,bbands:20:2,atr:14,ret:1,vol:20";
  std::vector<std::string> symbols{"EURUSD"};  // bars of these symbols and timeframe are decided on
  int max_series = 16;             // (tenant feed, symbol) series kept, each its own pipeline
  std::string timeframe = "1m";
  std::string models_dir = "models";
  std::vector<std::string> models;  // manifests under models_dir, loaded at start
  std::string ensemble = "weighted_average";  // or majority_vote, stacking
  std::int64_t budget_us = 200;
  std::int64_t cache_max_age_ms = 60000;
  double buy_threshold = 0.2;
  double strong_threshold = 0.6;
  int history_size = 256;
  std::string strategy_id = "ai-ensemble";  // names the ensemble in Decision events
  std::string stacking_model;               // meta-model JSON under models_dir (ensemble "stacking")
  std::int64_t watch_interval_ms = 1000;    // loaded model files checked for changes; 0: never
  int drift_window = 500;                   // live values per feature judged for drift
  double drift_psi_threshold = 0.2;         // PSI from which a feature drifts
  double drift_mean_shift = 1.0;            // |live - training mean| / training std, likewise
  bool chat_enabled = false;                // regime notes from an OpenAI-compatible provider
  std::string chat_base_url = "https://api.openai.com/v1";
  std::string chat_model = "gpt-4o-mini";
  std::string chat_api_key_env = "OPENAI_API_KEY";  // environment variable holding the key
  std::int64_t chat_timeout_ms = 10000;
  std::int64_t chat_cache_ttl_ms = 300000;
  std::int64_t chat_notes_interval_ms = 60000;
  bool operator==(const AiConfig&) const = default;
};

/// A credential of MT5 clients: the token a terminal presents and the tenant it acts for.
struct Mt5TokenConfig {
  std::string token;      // a secret: masked when shown
  int tenant = 1;
  std::string time_zone;  // zone of this tenant's zone-less timestamps; empty: client_time_zone
  bool operator==(const Mt5TokenConfig&) const = default;
};

/// The MetaTrader 5 bridges of the data-bridge (compatibility WebSocket and native TCP).
struct Mt5Config {
  bool native_enabled = true;
  std::string native_host;  // empty: the data-bridge's bind host
  int native_port = 8101;
  std::int64_t max_line_bytes = 65536;
  std::int64_t heartbeat_interval_ms = 5000;
  std::int64_t silence_timeout_ms = 15000;
  std::int64_t outbound_log_size = 10000;
  int max_consecutive_errors = 100;
  std::string client_time_zone = "UTC";
  int compat_default_tenant = 1;
  std::vector<Mt5TokenConfig> tokens;
  bool operator==(const Mt5Config&) const = default;
};

/// How a running process notices config changes (besides SIGHUP).
struct ReloadConfig {
  std::int64_t watch_interval_ms = 2000;  // 0: no file watching
  bool operator==(const ReloadConfig&) const = default;
};

/// database-service: where the journal is projected.
/// A connection pool of one database server backend.
struct DatabasePoolConfig {
  int min_size = 1;
  int max_size = 4;
  std::int64_t acquire_timeout_ms = 2000;
  std::int64_t validate_idle_ms = 5000;
  bool operator==(const DatabasePoolConfig&) const = default;
};

struct DatabasePoolsConfig {
  DatabasePoolConfig postgres;
  DatabasePoolConfig clickhouse;
  DatabasePoolConfig redis{.min_size = 1, .max_size = 8, .acquire_timeout_ms = 500, .validate_idle_ms = 5000};
  bool operator==(const DatabasePoolsConfig&) const = default;
};

struct DatabaseConfig {
  std::string sqlite_path = "var/db/platform.db";
  std::string postgres_url;  // empty: no PostgreSQL; a password in it is masked when shown
  std::string clickhouse_url;  // empty: no ClickHouse; a password in it is masked when shown
  std::string redis_url;       // empty: cache and shared state in process
  std::string redis_key_prefix = "ait:";
  int projection_batch = 512;
  std::string pattern_dir;  // where the similar-pattern index is saved; empty: "patterns" beside sqlite_path
  int pattern_dimension = 16;
  int pattern_max_k = 100;
  int pattern_save_every = 1000;  // situations added between saves of the index (and on stop)
  int graph_max_depth = 4;
  DatabasePoolsConfig pool;
  bool operator==(const DatabaseConfig&) const = default;
};

/// The web dashboard's static files, served at / on the gateway port.
struct WebConfig {
  bool enabled = true;
  std::string root;  // empty: the installed share/aitrading/web, else the source tree's web/
  bool operator==(const WebConfig&) const = default;
};

/// performance-analytics backtest jobs (docs/analytics.md).
struct BacktestConfig {
  std::string data_dir;     // bar files a job may name; empty: <journal.data_dir>/../data
  std::string results_dir;  // <tenant>/<id>/ per job; empty: <journal.data_dir>/../backtests
  int workers = 1;
  int max_queued = 16;
  bool operator==(const BacktestConfig&) const = default;
};

struct Config {
  ServerConfig server;
  ServicesConfig services;
  HubConfig hub;
  LogConfig log;
  MetricsConfig metrics;
  ResilienceConfig resilience;
  RiskConfig risk;
  RateLimitsConfig rate_limits;
  AuthConfig auth;
  GatewayConfig gateway;
  JournalConfig journal;
  BusConfig bus;
  DataConfig data;
  AiConfig ai;
  Mt5Config mt5;
  DatabaseConfig database;
  TradingConfig trading;
  ReloadConfig reload;
  WebConfig web;
  BacktestConfig backtest;
  bool operator==(const Config&) const = default;
};

/// Returns the host a service binds: its own host, or server.host when that is empty.
const std::string& bindHost(const Config& config, const ServiceConfig& service) noexcept;

}  // namespace ait::config
