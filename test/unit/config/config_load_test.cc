// Loading: defaults, overlay order, environment overrides, unknown keys, the example files.

#include <fstream>
#include <set>

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
using testing::sourceConfigDir;

Config loadOk(const LoadOptions& options) {
  auto loaded = loadConfig(options);
  EXPECT_TRUE(loaded.has_value()) << (loaded ? "" : formatProblems(loaded.error()));
  if (!loaded) return Config{};  // (a ternary here trips g++ 12's maybe-uninitialized)
  return *loaded;
}

Problems loadFails(const LoadOptions& options) {
  auto loaded = loadConfig(options);
  EXPECT_FALSE(loaded.has_value());
  return loaded ? Problems{} : loaded.error();
}

TEST(ConfigDefaults, LoadingDefaultTomlYieldsDefaultConstructedConfig) {
  Config loaded = loadOk(LoadOptions{sourceConfigDir(), std::nullopt, {}});
  EXPECT_TRUE(loaded == Config{}) << "config/default.toml and include/ait/config/config.h differ:\n"
                                  << "--- default.toml\n" << renderEffective(loaded, false)
                                  << "--- Config{}\n" << renderEffective(Config{}, false);
}

TEST(ConfigDefaults, DefaultTomlHoldsEverySettingOfTheSchema) {
  toml::table doc = toml::parse_file((sourceConfigDir() / "default.toml").string());
  std::set<std::string> inFile;
  for (const auto& [key, node] : testing::collectKeys(doc)) inFile.insert(key);
  std::set<std::string> inSchema;
  for (const auto& info : listKeys()) inSchema.insert(info.key);
  // The fields of an array of tables that is empty by default (mt5.tokens) have nothing to show.
  std::erase_if(inSchema, [&](const std::string& key) {
    auto at = key.find("[].");
    if (at == std::string::npos) return false;
    const auto* array = doc.at_path(key.substr(0, at)).as_array();
    return array != nullptr && array->empty();
  });
  EXPECT_EQ(inFile, inSchema);
}

TEST(ConfigDefaults, EveryKeyInDefaultTomlHasAComment) {
  std::vector<std::string> lines;
  std::ifstream in(sourceConfigDir() / "default.toml");
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  toml::table doc = toml::parse_file((sourceConfigDir() / "default.toml").string());
  for (const auto& [key, node] : testing::collectKeys(doc)) {
    std::size_t line = node->source().begin.line;
    ASSERT_GE(line, 1u) << key;
    bool trailing = lines[line - 1].find('#') != std::string::npos;
    bool above = line >= 2 && lines[line - 2].starts_with("#");
    EXPECT_TRUE(trailing || above) << key << " (default.toml line " << line << ") has no comment";
  }
}

TEST(ConfigDefaults, ProductionOverlayLoadsAndDisablesSyntheticFeed) {
  Config c = loadOk(LoadOptions{sourceConfigDir(), std::nullopt, {{"AIT_ENV", "production"}}});
  EXPECT_FALSE(c.data.synthetic.enabled);
  EXPECT_FALSE(c.log.to_stderr);
  EXPECT_EQ(c.risk, RiskConfig{});
}

TEST(ConfigDefaults, DevelopmentOverlayLoadsWithDebugTextLogs) {
  Config c = loadOk(LoadOptions{sourceConfigDir(), std::nullopt, {{"AIT_ENV", "development"}}});
  EXPECT_EQ(c.log.level, LogLevel::Debug);
  EXPECT_EQ(c.log.format, LogFormat::Text);
  EXPECT_FALSE(c.journal.fsync);
}

TEST(ConfigDefaults, SplitDeploymentExampleIsValid) {
  Problems problems =
      checkConfigFile(sourceConfigDir() / "examples" / "split-deployment.toml", sourceConfigDir());
  EXPECT_TRUE(problems.empty()) << formatProblems(problems);
}

TEST(ConfigOverlay, OrderIsDefaultThenEnvFileThenConfigFileThenEnvVar) {
  ScratchDir dir;
  dir.write("staging.toml",
            "[hub]\nhealth_interval_ms = 2000\n[log]\nlevel = \"debug\"\n"
            "[risk]\nmax_open_positions = 6\n");
  auto overlay = dir.write("site.toml", "[log]\nlevel = \"warn\"\n[risk]\nmax_open_positions = 7\n");
  LoadOptions options{dir.path(), overlay,
                      {{"AIT_ENV", "staging"}, {"AIT_RISK__MAX_OPEN_POSITIONS", "8"}}};
  Config c = loadOk(options);
  EXPECT_EQ(c.hub.health_interval_ms, 2000);       // env file over default
  EXPECT_EQ(c.log.level, LogLevel::Warn);          // --config over env file
  EXPECT_EQ(c.risk.max_open_positions, 8);         // env var over --config
  EXPECT_EQ(c.hub.start_timeout_ms, 30000);        // untouched default
}

TEST(ConfigOverlay, TablesMergeKeyByKey) {
  ScratchDir dir;
  auto overlay = dir.write("site.toml", "[server]\nio_threads = 4\n");
  Config c = loadOk(LoadOptions{dir.path(), overlay, {}});
  EXPECT_EQ(c.server.io_threads, 4);
  EXPECT_EQ(c.server.host, "127.0.0.1");
  EXPECT_EQ(c.server.max_body_bytes, 1048576);
}

TEST(ConfigOverlay, ArraysAreReplacedWhole) {
  ScratchDir dir;
  auto overlay = dir.write("site.toml",
                           "[[data.synthetic.symbols]]\nsymbol = \"BTCUSD\"\nstart_price = 40000.0\n"
                           "volatility = 0.0002\nspread = 5.0\nticks_per_second = 2.0\n");
  Config c = loadOk(LoadOptions{dir.path(), overlay, {}});
  ASSERT_EQ(c.data.synthetic.symbols.size(), 1u);
  EXPECT_EQ(c.data.synthetic.symbols[0].symbol, "BTCUSD");
  EXPECT_DOUBLE_EQ(c.data.synthetic.symbols[0].start_price, 40000.0);
}

TEST(ConfigOverlay, MissingEnvironmentOverlayIsReported) {
  ScratchDir dir;
  Problems problems = loadFails(LoadOptions{dir.path(), std::nullopt, {{"AIT_ENV", "staging"}}});
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_THAT(problems[0].where, HasSubstr("staging.toml"));
  EXPECT_THAT(problems[0].reason, HasSubstr("AIT_ENV"));
  EXPECT_EQ(problems[0].code, &kUnreadable);
}

TEST(ConfigOverlay, EnvironmentNameThatIsNotANameIsRejected) {
  ScratchDir dir;
  Problems problems = loadFails(LoadOptions{dir.path(), std::nullopt, {{"AIT_ENV", "../../etc/x"}}});
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].where, "environment variable AIT_ENV");
}

TEST(ConfigOverlay, MissingConfigFileIsReported) {
  ScratchDir dir;
  Problems problems = loadFails(LoadOptions{dir.path(), dir.path() / "nope.toml", {}});
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_THAT(problems[0].where, HasSubstr("nope.toml"));
  EXPECT_THAT(problems[0].reason, HasSubstr("no such file"));
}

TEST(ConfigOverlay, MissingDefaultTomlIsReported) {
  ScratchDir dir;
  std::filesystem::remove(dir.path() / "default.toml");
  Problems problems = loadFails(dir.options());
  ASSERT_FALSE(problems.empty());
  EXPECT_THAT(problems[0].where, HasSubstr("default.toml"));
  EXPECT_THAT(problems[0].reason, HasSubstr("default.toml"));
}

TEST(ConfigOverlay, SyntaxErrorIsReportedWithFileAndLine) {
  ScratchDir dir;
  auto overlay = dir.write("site.toml", "[server]\nio_threads = 4\nhost = \"unterminated\n");
  Problems problems = loadFails(LoadOptions{dir.path(), overlay, {}});
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_THAT(problems[0].where, HasSubstr("site.toml:3"));
  EXPECT_EQ(problems[0].code, &kSyntax);
}

TEST(ConfigOverlay, ProblemInOverlayPointsAtTheOverlayLine) {
  ScratchDir dir;
  auto overlay = dir.write("site.toml", "# comment\n[risk]\nmax_daily_loss_pct = 250\n");
  Problems problems = loadFails(LoadOptions{dir.path(), overlay, {}});
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].where, overlay.string() + ":3");
  EXPECT_EQ(formatProblem(problems[0]),
            overlay.string() + ":3: risk.max_daily_loss_pct: must be between 0 and 100, got 250");
}

TEST(ConfigEnv, IntegerOverrideSetsNestedServicePort) {
  ScratchDir dir;
  LoadOptions options = dir.options();
  options.environment = {{"AIT_SERVICES__TRADING_ENGINE__PORT", "9007"}};
  EXPECT_EQ(loadOk(options).services.trading_engine.port, 9007);
}

TEST(ConfigEnv, OverridesAreParsedByTheTargetKeysType) {
  ScratchDir dir;
  LoadOptions options = dir.options();
  options.environment = {
      {"AIT_LOG__LEVEL", "debug"},
      {"AIT_LOG__STDERR", "off"},
      {"AIT_RISK__MIN_CONFIDENCE", "0.8"},
      {"AIT_RISK__MAX_ORDER_NOTIONAL", "5000"},
      {"AIT_HUB__START_TIMEOUT_MS", "45s"},
      {"AIT_JOURNAL__GROUP_COMMIT_MAX_DELAY_US", "250"},
      {"AIT_BUS__NATS_URLS", "nats://10.0.0.5:4222, nats://10.0.0.6:4222"},
      {"AIT_LOG__COMPONENTS__HUB", "trace"},
      {"AIT_AUTH__JWT_SECRET", "0123456789abcdef0123456789abcdef"},
  };
  Config c = loadOk(options);
  EXPECT_EQ(c.log.level, LogLevel::Debug);
  EXPECT_FALSE(c.log.to_stderr);
  EXPECT_DOUBLE_EQ(c.risk.min_confidence, 0.8);
  EXPECT_DOUBLE_EQ(c.risk.max_order_notional, 5000.0);
  EXPECT_EQ(c.hub.start_timeout_ms, 45000);
  EXPECT_EQ(c.journal.group_commit_max_delay_us, 250);
  EXPECT_EQ(c.bus.nats_urls,
            (std::vector<std::string>{"nats://10.0.0.5:4222", "nats://10.0.0.6:4222"}));
  EXPECT_EQ(c.log.components, (std::map<std::string, LogLevel>{{"hub", LogLevel::Trace}}));
  EXPECT_EQ(c.auth.jwt_secret, "0123456789abcdef0123456789abcdef");
}

TEST(ConfigEnv, TomlArrayOverridesReplaceArrays) {
  ScratchDir dir;
  LoadOptions options = dir.options();
  options.environment = {
      {"AIT_BUS__NATS_URLS", R"(["nats://a.example:4222"])"},
      {"AIT_DATA__SYNTHETIC__SYMBOLS",
       R"([{symbol = "BTCUSD", start_price = 40000.0, volatility = 0.0002, spread = 5.0, ticks_per_second = 2.0}])"},
  };
  Config c = loadOk(options);
  EXPECT_EQ(c.bus.nats_urls, std::vector<std::string>{"nats://a.example:4222"});
  ASSERT_EQ(c.data.synthetic.symbols.size(), 1u);
  EXPECT_EQ(c.data.synthetic.symbols[0].symbol, "BTCUSD");
}

TEST(ConfigEnv, UnparsableIntegerIsReportedWithTheVariableName) {
  ScratchDir dir;
  LoadOptions options = dir.options();
  options.environment = {{"AIT_SERVER__IO_THREADS", "four"}};
  Problems problems = loadFails(options);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].key, "server.io_threads");
  EXPECT_EQ(problems[0].where, "environment variable AIT_SERVER__IO_THREADS");
  EXPECT_EQ(problems[0].reason, "expected an integer, got \"four\"");
  EXPECT_EQ(problems[0].code, &kBadEnvOverride);
}

TEST(ConfigEnv, EveryBadOverrideIsReported) {
  ScratchDir dir;
  LoadOptions options = dir.options();
  options.environment = {{"AIT_METRICS__ENABLED", "maybe"},
                         {"AIT_LOG__FORMAT", "xml"},
                         {"AIT_RISK__MIN_CONFIDENCE", "high"},
                         {"AIT_HUB__START_TIMEOUT_MS", "soon"},
                         {"AIT_LOG__COMPONENTS", "hub=debug"}};
  Problems problems = loadFails(options);
  ASSERT_EQ(problems.size(), 5u) << formatProblems(problems);
  EXPECT_THAT(findProblem(problems, "metrics.enabled")->reason, HasSubstr("expected true or false"));
  EXPECT_THAT(findProblem(problems, "log.format")->reason, HasSubstr("must be one of json, text"));
  EXPECT_EQ(findProblem(problems, "log.format")->where, "environment variable AIT_LOG__FORMAT");
  EXPECT_THAT(findProblem(problems, "risk.min_confidence")->reason, HasSubstr("expected a number"));
  EXPECT_THAT(findProblem(problems, "hub.start_timeout_ms")->reason, HasSubstr("\"soon\""));
  EXPECT_THAT(findProblem(problems, "log.components")->reason, HasSubstr("inline table"));
}

TEST(ConfigEnv, OutOfRangeOverrideNamesTheVariable) {
  ScratchDir dir;
  LoadOptions options = dir.options();
  options.environment = {{"AIT_RISK__MAX_DAILY_LOSS_PCT", "250"}};
  Problems problems = loadFails(options);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(formatProblem(problems[0]),
            "environment variable AIT_RISK__MAX_DAILY_LOSS_PCT: risk.max_daily_loss_pct: must be "
            "between 0 and 100, got 250");
}

TEST(ConfigEnv, UnknownOverrideSuggestsTheClosestVariable) {
  ScratchDir dir;
  LoadOptions options = dir.options();
  options.environment = {{"AIT_LOG__LEVL", "debug"}};
  Problems problems = loadFails(options);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].key, "log.levl");
  EXPECT_EQ(problems[0].reason, "unknown setting; did you mean AIT_LOG__LEVEL?");
  EXPECT_EQ(problems[0].code, &kUnknownKey);
}

TEST(ConfigEnv, SingleUnderscoreSeparatorIsFlagged) {
  ScratchDir dir;
  LoadOptions options = dir.options();
  options.environment = {{"AIT_LOG_LEVEL", "debug"}};
  Problems problems = loadFails(options);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_THAT(problems[0].reason, HasSubstr("did you mean AIT_LOG__LEVEL?"));
}

TEST(ConfigEnv, UnrelatedAitVariablesAreIgnored) {
  ScratchDir dir;
  LoadOptions options = dir.options();
  options.environment = {{"AIT_HOME", "/opt/ait"}, {"AIT_BUILD_ID", "42"}, {"HOME", "/root"}};
  EXPECT_EQ(loadOk(options), Config{});
}

TEST(ConfigEnv, ReadEnvironmentReturnsOnlyAitVariables) {
  ::setenv("AIT_TEST_CONFIG_MARKER", "1", 1);
  auto env = readEnvironment();
  ::unsetenv("AIT_TEST_CONFIG_MARKER");
  EXPECT_EQ(env.at("AIT_TEST_CONFIG_MARKER"), "1");
  for (const auto& [name, value] : env) EXPECT_TRUE(name.starts_with("AIT_")) << name;
}

TEST(ConfigUnknownKeys, TypoInFileSuggestsClosestKeyWithFileAndLine) {
  Problems problems = checkOverlay("[risk]\nmax_daily_los_pct = 3.0\n");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].key, "risk.max_daily_los_pct");
  EXPECT_EQ(problems[0].reason, "unknown key; did you mean risk.max_daily_loss_pct?");
  EXPECT_THAT(problems[0].where, HasSubstr("overlay.toml:2"));
  EXPECT_EQ(problems[0].code, &kUnknownKey);
}

TEST(ConfigUnknownKeys, MisspelledTableSuggestsTheTable) {
  Problems problems = checkOverlay("[resilience.circuit_braker]\nwindow_size = 10\n");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].reason, "unknown key; did you mean resilience.circuit_breaker?");
}

TEST(ConfigUnknownKeys, KeyInTheWrongSectionSuggestsWhereItBelongs) {
  Problems problems = checkOverlay("[log]\nmax_daily_loss_pct = 3.0\n");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].reason, "unknown key; did you mean risk.max_daily_loss_pct?");
}

TEST(ConfigUnknownKeys, UnknownFieldOfAnArrayEntryKeepsItsIndex) {
  Problems problems = checkOverlay(
      "[[data.synthetic.symbols]]\nsymbol = \"X\"\nstart_price = 1.0\nvolatility = 0.0\n"
      "spred = 0.1\nspread = 0.1\nticks_per_second = 1.0\n");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].key, "data.synthetic.symbols[0].spred");
  EXPECT_EQ(problems[0].reason, "unknown key; did you mean data.synthetic.symbols[0].spread?");
}

TEST(ConfigUnknownKeys, UnknownKeyWithoutCloseMatchHasNoSuggestion) {
  Problems problems = checkOverlay("[server]\nfavourite_colour = \"blue\"\n");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].reason, "unknown key");
}

TEST(ConfigExamples, BadExampleReportsExactlyItsThreeMistakes) {
  Problems problems = checkConfigFile(sourceConfigDir() / "examples" / "bad.toml", sourceConfigDir());
  ASSERT_EQ(problems.size(), 3u) << formatProblems(problems);
  const Problem* loss = findProblem(problems, "risk.max_daily_loss_pct");
  ASSERT_NE(loss, nullptr);
  EXPECT_EQ(loss->reason, "must be between 0 and 100, got 250");
  EXPECT_THAT(loss->where, HasSubstr("bad.toml:5"));
  const Problem* level = findProblem(problems, "log.level");
  ASSERT_NE(level, nullptr);
  EXPECT_THAT(level->reason, HasSubstr("must be one of trace, debug, info, warn, error, critical, off"));
  EXPECT_THAT(level->where, HasSubstr("bad.toml:8"));
  const Problem* port = findProblem(problems, "services.data_bridge.port");
  ASSERT_NE(port, nullptr);
  EXPECT_THAT(port->reason, HasSubstr("already the port of services.api_gateway"));
  EXPECT_THAT(port->where, HasSubstr("bad.toml:11"));
}

TEST(ConfigExamples, TyposExampleReportsEachTypoAndTypeError) {
  Problems problems =
      checkConfigFile(sourceConfigDir() / "examples" / "typos.toml", sourceConfigDir());
  ASSERT_EQ(problems.size(), 4u) << formatProblems(problems);
  EXPECT_EQ(findProblem(problems, "server.shutdown_grace_msec")->reason,
            "unknown key; did you mean server.shutdown_grace_ms?");
  EXPECT_EQ(findProblem(problems, "server.io_threads")->reason,
            "expected an integer, got a string (\"four\")");
  EXPECT_EQ(findProblem(problems, "risk.max_daily_los_pct")->reason,
            "unknown key; did you mean risk.max_daily_loss_pct?");
  EXPECT_THAT(findProblem(problems, "hub.start_timeout_ms")->reason,
              HasSubstr("\"30 parsecs\""));
}

TEST(ConfigProblems, FormatPutsOneProblemPerLine) {
  Problems problems{{"risk.max_daily_loss_pct", "must be between 0 and 100, got 250", "a.toml:3",
                     &kInvalidValue},
                    {"", "is not valid TOML: oops", "b.toml:1:2", &kSyntax},
                    {"log.level", "bad", "", &kInvalidValue}};
  EXPECT_EQ(formatProblems(problems),
            "a.toml:3: risk.max_daily_loss_pct: must be between 0 and 100, got 250\n"
            "b.toml:1:2: is not valid TOML: oops\n"
            "log.level: bad\n");
}

TEST(ConfigProblems, ToErrorListsEveryProblemUnderOneCode) {
  Problems problems{{"a.b", "x", "", &kInvalidValue}, {"c.d", "y", "", &kUnknownKey}};
  Error error = toError(problems);
  EXPECT_EQ(error.codeString(), "AIT-CFG-0008");
  EXPECT_EQ(error.message(), "2 configuration problems:\na.b: x\nc.d: y");
}

}  // namespace
}  // namespace ait::config
