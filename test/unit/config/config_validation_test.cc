// Validation: one test per rule, type mismatches, and several mistakes reported together.

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ait/config/errors.h"
#include "ait/config/load.h"
#include "config_test_util.h"

namespace ait::config {
namespace {

using ::testing::HasSubstr;
using testing::checkOverlay;
using testing::findProblem;
using testing::ScratchDir;

// Checks that `overlay` yields exactly one problem, about `key`, whose reason contains `reason`.
void expectOnly(std::string_view overlay, std::string_view key, std::string_view reason) {
  Problems problems = checkOverlay(overlay);
  ASSERT_EQ(problems.size(), 1u) << overlay << "\n" << formatProblems(problems);
  EXPECT_EQ(problems[0].key, key);
  EXPECT_THAT(problems[0].reason, HasSubstr(std::string(reason)));
  EXPECT_THAT(problems[0].where, HasSubstr("overlay.toml:"));
}

void expectValid(std::string_view overlay) {
  Problems problems = checkOverlay(overlay);
  EXPECT_TRUE(problems.empty()) << overlay << "\n" << formatProblems(problems);
}

Config loadWith(std::string_view overlay) {
  ScratchDir dir;
  auto file = dir.write("overlay.toml", overlay);
  auto loaded = loadConfig(LoadOptions{dir.path(), file, {}});
  EXPECT_TRUE(loaded.has_value()) << (loaded ? "" : formatProblems(loaded.error()));
  if (!loaded) return Config{};  // (a ternary here trips g++ 12's maybe-uninitialized)
  return *loaded;
}

TEST(ConfigRules, ServerHostMustBeAHostNameOrAddress) {
  expectOnly("[server]\nhost = \"not a host!\"\n", "server.host",
             "must be a host name or IP address, got \"not a host!\"");
  expectOnly("[server]\nhost = \"999.1.1.1\"\n", "server.host", "must be a host name");
  expectOnly("[server]\nhost = \"\"\n", "server.host", "must be a host name");
  for (const char* good : {"0.0.0.0", "localhost", "::1", "[::1]", "trading-01.example.com"}) {
    expectValid(fmt::format("[server]\nhost = \"{}\"\n", good));
  }
}

TEST(ConfigRules, ServerLimitsMustBeInRange) {
  expectOnly("[server]\nshutdown_grace_ms = -1\n", "server.shutdown_grace_ms",
             "must be a duration between 0 and 600000 ms, got -1");
  expectOnly("[server]\nmax_header_bytes = 10\n", "server.max_header_bytes",
             "must be between 1024 and 1048576, got 10");
  expectOnly("[server]\nmax_body_bytes = 0\n", "server.max_body_bytes", "got 0");
  expectOnly("[server]\nrequest_timeout_ms = 0\n", "server.request_timeout_ms", "got 0");
  expectOnly("[server]\nmax_connections_per_ip = 0\n", "server.max_connections_per_ip", "got 0");
  expectOnly("[server]\nio_threads = 1000\n", "server.io_threads",
             "must be between 1 and 256, got 1000");
}

TEST(ConfigRules, ServicePortMustBeAValidPort) {
  expectOnly("[services.trading_engine]\nport = 0\n", "services.trading_engine.port",
             "must be a port number between 1 and 65535, got 0");
  expectOnly("[services.trading_engine]\nport = 70000\n", "services.trading_engine.port",
             "got 70000");
}

TEST(ConfigRules, EnabledServicesNeedDistinctPorts) {
  expectOnly("[services.trading_engine]\nport = 8001\n", "services.trading_engine.port",
             "8001 is already the port of services.data_bridge; enabled services need distinct "
             "ports");
  expectOnly("[services.api_gateway]\nport = 8007\n", "services.api_gateway.port",
             "8007 is already the port of services.trading_engine");
}

TEST(ConfigRules, DisabledServiceMayShareAPort) {
  expectValid("[services.trading_engine]\nport = 8001\nenabled = false\n");
}

TEST(ConfigRules, ServiceHostMayBeEmptyButNotMalformed) {
  expectValid("[services.api_gateway]\nhost = \"\"\n");
  expectOnly("[services.api_gateway]\nhost = \"bad_host\"\n", "services.api_gateway.host",
             "must be a host name or IP address");
}

TEST(ConfigRules, ServiceRemoteMustBeHostColonPort) {
  expectValid("[services.data_bridge]\nremote = \"10.0.0.2:8001\"\n");
  expectValid("[services.data_bridge]\nremote = \"[fd00::2]:8001\"\n");
  expectValid("[services.data_bridge]\nremote = \"bridge.internal:8001\"\n");
  expectOnly("[services.data_bridge]\nremote = \"10.0.0.2\"\n", "services.data_bridge.remote",
             "must be empty or host:port");
  expectOnly("[services.data_bridge]\nremote = \"10.0.0.2:99999\"\n",
             "services.data_bridge.remote", "must be empty or host:port");
}

TEST(ConfigRules, HubBackoffCapMustNotBeBelowInitialBackoff) {
  expectOnly("[hub]\nrestart_initial_backoff_ms = 5000\nrestart_max_backoff_ms = 1000\n",
             "hub.restart_max_backoff_ms",
             "must be at least hub.restart_initial_backoff_ms (5000), got 1000");
}

TEST(ConfigRules, HubValuesMustBeInRange) {
  expectOnly("[hub]\nrestart_max_attempts = -1\n", "hub.restart_max_attempts", "got -1");
  expectOnly("[hub]\nhealth_interval_ms = 5\n", "hub.health_interval_ms",
             "must be a duration between 10 and 3600000 ms, got 5");
  expectOnly("[hub]\nstart_timeout_ms = 0\n", "hub.start_timeout_ms", "got 0");
  expectValid("[hub]\nrestart_max_attempts = 0\n");
}

TEST(ConfigRules, DurationsAcceptUnitStrings) {
  Config c = loadWith(
      "[server]\nshutdown_grace_ms = \"5s\"\n[hub]\nstart_timeout_ms = \"1.5m\"\n"
      "[journal]\ngroup_commit_max_delay_us = \"2ms\"\n");
  EXPECT_EQ(c.server.shutdown_grace_ms, 5000);
  EXPECT_EQ(c.hub.start_timeout_ms, 90000);
  EXPECT_EQ(c.journal.group_commit_max_delay_us, 2000);
}

TEST(ConfigRules, BadDurationsAreRejected) {
  expectOnly("[hub]\nstart_timeout_ms = \"30 parsecs\"\n", "hub.start_timeout_ms",
             "expected a whole number of ms or a duration such as");
  expectOnly("[hub]\nstart_timeout_ms = \"1500us\"\n", "hub.start_timeout_ms", "\"1500us\"");
  expectOnly("[hub]\nstart_timeout_ms = 1.5\n", "hub.start_timeout_ms",
             "expected an integer number of ms, got a float (1.5)");
  expectOnly("[hub]\nstart_timeout_ms = \"2h\"\n", "hub.start_timeout_ms",
             "must be a duration between 1 and 3600000 ms, got 7200000");
}

TEST(ConfigRules, LogLevelMustBeKnownAndSuggestsTheIntended) {
  expectOnly("[log]\nlevel = \"warning\"\n", "log.level",
             "must be one of trace, debug, info, warn, error, critical, off; got \"warning\" "
             "(did you mean \"warn\"?)");
  expectOnly("[log]\nlevel = \"verbose\"\n", "log.level", "got \"verbose\"");
}

TEST(ConfigRules, LogFormatMustBeJsonOrText) {
  expectOnly("[log]\nformat = \"xml\"\n", "log.format", "must be one of json, text; got \"xml\"");
}

TEST(ConfigRules, LogComponentLevelsMustBeKnownLevels) {
  Config c = loadWith("[log.components]\nhub = \"debug\"\nbus = \"error\"\n");
  EXPECT_EQ(c.log.components,
            (std::map<std::string, LogLevel>{{"bus", LogLevel::Error}, {"hub", LogLevel::Debug}}));
  expectOnly("[log.components]\nhub = \"loud\"\n", "log.components.hub", "got \"loud\"");
  expectOnly("[log.components]\n\"bad name\" = \"debug\"\n", "log.components.bad name",
             "letters, digits");
}

TEST(ConfigRules, LogMustGoSomewhere) {
  expectOnly("[log]\nfile = \"\"\nstderr = false\n", "log.stderr", "logs would go nowhere");
  expectValid("[log]\nfile = \"\"\nstderr = false\nlevel = \"off\"\n");
}

TEST(ConfigRules, LogSizesMustBeInRange) {
  expectOnly("[log]\nmax_files = 0\n", "log.max_files", "got 0");
  expectOnly("[log]\nmax_file_bytes = 1000\n", "log.max_file_bytes", "got 1000");
  expectOnly("[log]\nasync_queue_size = 1\n", "log.async_queue_size", "got 1");
}

TEST(ConfigRules, TimeoutClassesMustGrow) {
  expectOnly("[resilience.timeouts]\nfast_ms = 40000\n", "resilience.timeouts.fast_ms",
             "must not exceed resilience.timeouts.normal_ms (30000), got 40000");
  expectOnly("[resilience.timeouts]\nheavy_ms = 20000\n", "resilience.timeouts.heavy_ms",
             "must be at least resilience.timeouts.normal_ms (30000), got 20000");
}

TEST(ConfigRules, CircuitBreakerSettingsMustBeConsistent) {
  expectOnly("[resilience.circuit_breaker]\nfailure_rate_threshold_pct = 0\n",
             "resilience.circuit_breaker.failure_rate_threshold_pct",
             "must be greater than 0 and at most 100, got 0");
  expectOnly("[resilience.circuit_breaker]\nslow_call_rate_threshold_pct = 101\n",
             "resilience.circuit_breaker.slow_call_rate_threshold_pct", "got 101");
  expectOnly("[resilience.circuit_breaker]\nminimum_calls = 200\n",
             "resilience.circuit_breaker.minimum_calls",
             "must not exceed resilience.circuit_breaker.window_size (100), got 200");
  expectOnly("[resilience.circuit_breaker]\nwindow_size = 10\n",
             "resilience.circuit_breaker.window_size",
             "must be at least resilience.circuit_breaker.minimum_calls (20), got 10");
  expectOnly("[resilience.circuit_breaker]\nhalf_open_calls = 0\n",
             "resilience.circuit_breaker.half_open_calls", "got 0");
  expectOnly("[resilience.circuit_breaker]\nopen_duration_ms = 0\n",
             "resilience.circuit_breaker.open_duration_ms", "got 0");
}

TEST(ConfigRules, RetrySettingsMustBeConsistent) {
  expectOnly("[resilience.retry]\nmax_attempts = 0\n", "resilience.retry.max_attempts", "got 0");
  expectOnly("[resilience.retry]\nmultiplier = 0.5\n", "resilience.retry.multiplier",
             "must be between 1 and 100, got 0.5");
  expectOnly("[resilience.retry]\nbudget_ratio = 1.5\n", "resilience.retry.budget_ratio",
             "must be between 0 and 1, got 1.5");
  expectOnly("[resilience.retry]\nmax_backoff_ms = 50\n", "resilience.retry.max_backoff_ms",
             "must be at least resilience.retry.initial_backoff_ms (100), got 50");
  expectOnly("[resilience.retry]\nbudget_min_per_s = -1\n", "resilience.retry.budget_min_per_s",
             "got -1");
}

TEST(ConfigRules, BulkheadLimitsMustBeInRange) {
  expectOnly("[resilience.bulkhead]\nmax_concurrent = 0\n", "resilience.bulkhead.max_concurrent",
             "got 0");
  expectOnly("[resilience.bulkhead]\nmax_queue = -1\n", "resilience.bulkhead.max_queue", "got -1");
  expectOnly("[resilience.bulkhead]\nqueue_timeout_ms = -5\n",
             "resilience.bulkhead.queue_timeout_ms", "got -5");
}

TEST(ConfigRules, RiskLimitsMustBeInRange) {
  expectOnly("[risk]\nmax_open_positions = -1\n", "risk.max_open_positions", "got -1");
  expectOnly("[risk]\nmax_risk_per_trade_pct = 101\n", "risk.max_risk_per_trade_pct",
             "must be between 0 and 100, got 101");
  expectOnly("[risk]\nmax_daily_loss_pct = 250\n", "risk.max_daily_loss_pct",
             "must be between 0 and 100, got 250");
  expectOnly("[risk]\nmax_drawdown_pct = -3\n", "risk.max_drawdown_pct", "got -3");
  expectOnly("[risk]\nmin_confidence = 1.5\n", "risk.min_confidence",
             "must be between 0 and 1, got 1.5");
  expectOnly("[risk]\nmax_orders_per_second = -1\n", "risk.max_orders_per_second", "got -1");
  expectOnly("[risk]\nmax_orders_per_minute = -1\n", "risk.max_orders_per_minute", "got -1");
  expectOnly("[risk]\nmax_order_notional = -10.0\n", "risk.max_order_notional", "got -10");
  expectOnly("[risk]\nmax_position_per_instrument = -1.0\n", "risk.max_position_per_instrument",
             "got -1");
  expectOnly("[risk]\nprice_collar_pct = 0.0\n", "risk.price_collar_pct",
             "must be greater than 0 and at most 100, got 0");
}

TEST(ConfigRules, ZeroRiskLimitsAreAllowedAsAKillSwitch) {
  Config c = loadWith("[risk]\nmax_open_positions = 0\nmax_orders_per_second = 0\n");
  EXPECT_EQ(c.risk.max_open_positions, 0);
}

TEST(ConfigRules, RateLimitBucketsNeedPositiveRateAndBurst) {
  expectOnly("[rate_limits.tenant]\nrate_per_s = 0\n", "rate_limits.tenant.rate_per_s",
             "must be greater than 0");
  expectOnly("[rate_limits.api_key]\nburst = 0\n", "rate_limits.api_key.burst", "got 0");
  expectOnly("[rate_limits.login_per_ip]\nrate_per_s = -1.0\n",
             "rate_limits.login_per_ip.rate_per_s", "got -1");
  expectOnly("[rate_limits.orders]\nburst = -5\n", "rate_limits.orders.burst", "got -5");
}

TEST(ConfigRules, ShortJwtSecretIsRejectedWithoutShowingIt) {
  Problems problems = checkOverlay("[auth]\njwt_secret = \"hunter2\"\n");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].key, "auth.jwt_secret");
  EXPECT_EQ(problems[0].reason, "must be at least 32 characters when set, got 7 characters");
  EXPECT_THAT(formatProblems(problems), ::testing::Not(HasSubstr("hunter2")));
}

TEST(ConfigRules, SecretOfTheWrongTypeIsNotShown) {
  Problems problems = checkOverlay("[auth]\njwt_secret = 12345678\n");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].reason, "expected a string, got an integer (12345678)");
}

TEST(ConfigRules, TokenLifetimesMustBeOrdered) {
  expectOnly("[auth]\nrefresh_token_ttl_s = 60\n", "auth.refresh_token_ttl_s",
             "must be at least auth.access_token_ttl_s (900), got 60");
  expectOnly("[auth]\naccess_token_ttl_s = 5\n", "auth.access_token_ttl_s",
             "must be a duration between 10 and 86400 s, got 5");
}

TEST(ConfigRules, JournalSettingsMustBeInRange) {
  expectOnly("[journal]\ndata_dir = \"\"\n", "journal.data_dir", "must not be empty");
  expectOnly("[journal]\nsegment_bytes = 4096\n", "journal.segment_bytes", "got 4096");
  expectOnly("[journal]\ngroup_commit_max_batch = 0\n", "journal.group_commit_max_batch",
             "got 0");
  expectOnly("[journal]\ngroup_commit_max_delay_us = 5000000\n",
             "journal.group_commit_max_delay_us",
             "must be a duration between 0 and 1000000 us, got 5000000");
  expectOnly("[journal.retention]\ntrading_days = 0\n", "journal.retention.trading_days", "got 0");
  expectOnly("[journal.retention]\nmarket_data_days = 0\n", "journal.retention.market_data_days",
             "got 0");
  expectOnly("[journal.retention]\narchive = \"gzip\"\n", "journal.retention.archive",
             "must be one of zstd, delete; got \"gzip\"");
}

TEST(ConfigRules, BusQueueCapacityMustBeAPowerOfTwo) {
  expectOnly("[bus]\nqueue_capacity = 1000\n", "bus.queue_capacity",
             "must be a power of two between 2 and 16777216, got 1000");
  expectValid("[bus]\nqueue_capacity = 1024\n");
}

TEST(ConfigRules, AiSymbolsMustBeDistinctSymbols) {
  expectOnly("[ai]\nsymbols = []\n", "ai.symbols", "must name at least one symbol");
  expectOnly("[ai]\nsymbols = [\"EURUSD\", \"EUR USD\"]\n", "ai.symbols", "entry 1 must be 1 to 32 letters");
  expectOnly("[ai]\nsymbols = [\"EURUSD\", \"EURUSD\"]\n", "ai.symbols", "lists \"EURUSD\" twice");
  expectOnly("[ai]\nsymbol = \"EURUSD\"\n", "ai.symbol", "symbols");  // the old key: renamed
  EXPECT_EQ(loadWith("[ai]\nsymbols = [\"EURUSD\", \"GBPUSD\"]\nmax_series = 4\n").ai.symbols,
            (std::vector<std::string>{"EURUSD", "GBPUSD"}));
}

TEST(ConfigRules, BusEnumsMustBeKnown) {
  expectOnly("[bus]\nbackpressure = \"drop-oldest\"\n", "bus.backpressure",
             "must be one of block, drop, fail");
  expectOnly("[bus]\nkind = \"kafka\"\n", "bus.kind", "must be one of local, nats");
}

TEST(ConfigRules, NatsBusNeedsServerUrls) {
  expectOnly("[bus]\nkind = \"nats\"\n", "bus.kind",
             "is \"nats\" but bus.nats_urls is empty; list at least one NATS server");
  expectOnly("[bus]\nkind = \"nats\"\nnats_urls = []\n", "bus.nats_urls",
             "must list at least one server when bus.kind is \"nats\"");
  expectValid("[bus]\nkind = \"nats\"\nnats_urls = [\"nats://user:pw@10.0.0.5:4222\", \"tls://nats.internal\"]\n");
  expectOnly("[bus]\nnats_urls = [\"http://10.0.0.5:4222\"]\n", "bus.nats_urls",
             "entry 0 must be a NATS URL");
}

TEST(ConfigRules, StreamPrefixMustBeAName) {
  expectOnly("[bus]\nstream_prefix = \"ait.prod\"\n", "bus.stream_prefix",
             "must be 1 to 32 letters, digits, '_' or '-', got \"ait.prod\"");
}

TEST(ConfigRules, SyntheticFeedEntriesAreChecked) {
  const char* entry =
      "[[data.synthetic.symbols]]\nsymbol = \"{}\"\nstart_price = {}\nvolatility = {}\n"
      "spread = 0.1\nticks_per_second = {}\n";
  expectOnly(fmt::format(fmt::runtime(entry), "EURUSD", "0.0", "0.001", "1.0"),
             "data.synthetic.symbols[0].start_price", "must be greater than 0");
  expectOnly(fmt::format(fmt::runtime(entry), "EURUSD", "1.0", "0.9", "1.0"),
             "data.synthetic.symbols[0].volatility", "must be between 0 and 0.5, got 0.9");
  expectOnly(fmt::format(fmt::runtime(entry), "EURUSD", "1.0", "0.001", "0"),
             "data.synthetic.symbols[0].ticks_per_second", "got 0");
  expectOnly(fmt::format(fmt::runtime(entry), "EUR USD", "1.0", "0.001", "1.0"),
             "data.synthetic.symbols[0].symbol", "got \"EUR USD\"");
  expectOnly(fmt::format(fmt::runtime(entry), "EURUSD", "1.0", "0.001", "1.0") +
                 fmt::format(fmt::runtime(entry), "EURUSD", "2.0", "0.001", "1.0"),
             "data.synthetic.symbols[1].symbol", "\"EURUSD\" is listed twice (also entry 0)");
}

TEST(ConfigRules, SyntheticEntriesNeedEveryField) {
  Problems problems = checkOverlay("[[data.synthetic.symbols]]\nsymbol = \"EURUSD\"\n");
  EXPECT_EQ(problems.size(), 4u) << formatProblems(problems);
  const Problem* p = findProblem(problems, "data.synthetic.symbols[0].start_price");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->reason, "is required in every entry");
  EXPECT_THAT(p->where, HasSubstr("overlay.toml:1"));
}

TEST(ConfigRules, EnabledSyntheticFeedNeedsSymbols) {
  expectOnly("[data.synthetic]\nsymbols = []\n", "data.synthetic.symbols",
             "must list at least one symbol");
  expectValid("[data.synthetic]\nenabled = false\nsymbols = []\n");
}

TEST(ConfigRules, FeedTenantIsATenantNumber) {
  expectOnly("[data.synthetic]\ntenant = -1\n", "data.synthetic.tenant",
             "must be between 0 and 1000000000, got -1");
  expectOnly("[data.synthetic]\ntenant = \"acme\"\n", "data.synthetic.tenant",
             "expected an integer");
  expectValid("[data.replay]\ntenant = 7\n");
}

TEST(ConfigTypes, TypeMismatchesNameExpectedAndActualType) {
  expectOnly("[services.api_gateway]\nport = \"8000\"\n", "services.api_gateway.port",
             "expected an integer, got a string (\"8000\")");
  expectOnly("[metrics]\nenabled = \"yes\"\n", "metrics.enabled",
             "expected true or false, got a string (\"yes\")");
  expectOnly("[server]\nhost = 5\n", "server.host", "expected a string, got an integer (5)");
  expectOnly("[risk]\nmin_confidence = \"high\"\n", "risk.min_confidence",
             "expected a number, got a string (\"high\")");
  expectOnly("[bus]\nnats_urls = \"nats://a:4222\"\n", "bus.nats_urls",
             "expected an array of strings, got a string");
  expectOnly("[bus]\nnats_urls = [\"nats://a:4222\", 7]\n", "bus.nats_urls[1]",
             "expected a string, got an integer (7)");
  expectOnly("risk = 5\n", "risk", "expected a table, got an integer (5)");
  expectOnly("[log]\nlevel = 3\n", "log.level", "expected one of the strings \"trace\"");
  expectOnly("[services.api_gateway]\nport = 8000.0\n", "services.api_gateway.port",
             "expected an integer, got a float (8000.0)");
  expectOnly("[data.synthetic]\nsymbols = [1]\n", "data.synthetic.symbols[0]",
             "expected a table, got an integer (1)");
}

TEST(ConfigTypes, IntegerIsAcceptedWhereAFloatBelongs) {
  EXPECT_DOUBLE_EQ(loadWith("[risk]\nmax_daily_loss_pct = 3\n").risk.max_daily_loss_pct, 3.0);
}

TEST(ConfigTypes, NotANumberIsRejected) {
  expectOnly("[risk]\nmin_confidence = nan\n", "risk.min_confidence",
             "must be a finite number, got nan");
  expectOnly("[risk]\nmax_order_notional = inf\n", "risk.max_order_notional",
             "must be a finite number");
}

TEST(ConfigTypes, IntegerTooLargeForTheSettingIsRejected) {
  expectOnly("[server]\nio_threads = 99999999999\n", "server.io_threads",
             "is out of range, got 99999999999");
}

TEST(ConfigValidation, EveryMistakeInAFileIsReportedAtOnce) {
  Problems problems = checkOverlay(
      "[server]\nhost = \"bad host\"\n"             // 2
      "[services.trading_engine]\nport = 0\n"       // 4
      "[log]\nformat = \"yaml\"\nfile = 7\n"        // 6, 7
      "[risk]\nmax_daily_loss_pct = 250\n"          // 9
      "[bus]\nqueue_capacity = 3\n"                 // 11
      "[auth]\nacces_token_ttl_s = 60\n");          // 13
  ASSERT_EQ(problems.size(), 7u) << formatProblems(problems);
  std::map<std::string, int> lines{{"server.host", 2},
                                   {"services.trading_engine.port", 4},
                                   {"log.format", 6},
                                   {"log.file", 7},
                                   {"risk.max_daily_loss_pct", 9},
                                   {"bus.queue_capacity", 11},
                                   {"auth.acces_token_ttl_s", 13}};
  for (const auto& [key, line] : lines) {
    const Problem* p = findProblem(problems, key);
    ASSERT_NE(p, nullptr) << key;
    EXPECT_THAT(p->where, HasSubstr(fmt::format("overlay.toml:{}", line))) << key;
    EXPECT_FALSE(p->reason.empty());
  }
}

TEST(ConfigValidation, ValidateConfigChecksAConfigBuiltInCode) {
  Config c;
  EXPECT_TRUE(validateConfig(c).empty());
  c.risk.max_daily_loss_pct = 250;
  c.services.data_bridge.port = 8000;
  Problems problems = validateConfig(c);
  ASSERT_EQ(problems.size(), 2u) << formatProblems(problems);
  EXPECT_EQ(formatProblem(problems[0]), "risk.max_daily_loss_pct: must be between 0 and 100, got 250");
  EXPECT_EQ(problems[1].key, "services.data_bridge.port");
}

TEST(ConfigRules, MarketDataSettingsAreChecked) {
  expectOnly("[data.bars]\ntimeframes = [\"1m\", \"7m\"]\n", "data.bars.timeframes",
             "dividing a day (\"1m\", \"4h\", \"1d\"), got \"7m\"");
  expectOnly("[data.bars]\nprice = \"last\"\n", "data.bars.price",
             "must be one of bid, ask, mid, got \"last\"");
  expectOnly("[data.csv]\ntimestamp_format = \"epoch_minutes\"\n", "data.csv.timestamp_format",
             "got \"epoch_minutes\"");
  expectOnly("[data.index]\nticks_per_symbol = 1000\n", "data.index.ticks_per_symbol",
             "must be a power of two");
  expectOnly("[data.replay]\nformat = \"histdata-m1\"\n", "data.replay.format",
             "must be one of histdata-ticks, csv, binance");
}

}  // namespace
}  // namespace ait::config
