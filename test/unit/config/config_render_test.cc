// `config show`: the effective configuration rendered as TOML, secrets masked.

#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ait/config/load.h"
#include "config_test_util.h"

namespace ait::config {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::ScratchDir;

// A config that differs from the defaults in every section, including the awkward cases:
// a string needing escapes, a whole-number float, a map and a custom array of tables.
Config unusualConfig() {
  Config c;
  c.server.host = "0.0.0.0";
  c.server.io_threads = 8;
  c.services.ai_orchestration.enabled = false;
  c.services.ai_orchestration.remote = "10.0.0.9:8003";
  c.services.trading_engine.port = 9007;
  c.hub.restart_max_attempts = 0;
  c.log.level = LogLevel::Debug;
  c.log.file = "var/log/with \"quotes\" and \\ backslash.log";
  c.log.components = {{"hub", LogLevel::Trace}, {"bus", LogLevel::Off}};
  c.log.format = LogFormat::Text;
  c.metrics.enabled = false;
  c.resilience.retry.multiplier = 3.0;
  c.resilience.circuit_breaker.failure_rate_threshold_pct = 12.5;
  c.risk.max_order_notional = 250000.0;
  c.risk.min_confidence = 0.6;
  c.rate_limits.login_per_ip.rate_per_s = 1.0 / 60.0;
  c.auth.jwt_secret = "s3cr3t-s3cr3t-s3cr3t-s3cr3t-s3cr3t";
  c.journal.retention.archive = ArchivePolicy::Delete;
  c.bus.kind = BusKind::Nats;
  c.bus.nats_urls = {"nats://10.0.0.5:4222"};
  c.bus.backpressure = Backpressure::Fail;
  c.data.synthetic.symbols = {{"BTC/USDT", 40000.0, 0.0002, 5.0, 2.5}};
  return c;
}

Config loadRendered(const std::string& text) {
  ScratchDir dir;
  dir.write("default.toml", text);
  auto loaded = loadConfig(dir.options());
  EXPECT_TRUE(loaded.has_value()) << text << (loaded ? "" : formatProblems(loaded.error()));
  if (!loaded) return Config{};  // (a ternary here trips g++ 12's maybe-uninitialized)
  return *loaded;
}

TEST(ConfigRender, RenderedDefaultsLoadBackEqual) {
  EXPECT_EQ(loadRendered(renderEffective(Config{}, false)), Config{});
}

TEST(ConfigRender, RenderedConfigLoadsBackEqualOnItsOwn) {
  Config c = unusualConfig();
  ASSERT_TRUE(validateConfig(c).empty()) << formatProblems(validateConfig(c));
  std::string text = renderEffective(c, false);
  EXPECT_EQ(loadRendered(text), c) << text;
}

TEST(ConfigRender, RenderedDocumentHoldsEverySetting) {
  toml::table doc = toml::parse(renderEffective(Config{}, false));
  std::set<std::string> rendered;
  for (const auto& [key, node] : testing::collectKeys(doc)) rendered.insert(key);
  std::set<std::string> schema;
  for (const auto& info : listKeys()) schema.insert(info.key);
  // The fields of an array of tables that is empty by default (mt5.tokens) have nothing to show.
  std::erase_if(schema, [&](const std::string& key) {
    auto at = key.find("[].");
    if (at == std::string::npos) return false;
    const auto* array = doc.at_path(key.substr(0, at)).as_array();
    return array != nullptr && array->empty();
  });
  EXPECT_EQ(rendered, schema);
}

TEST(ConfigRender, SecretsAreMaskedWhenSet) {
  Config c = unusualConfig();
  std::string text = renderEffective(c);
  EXPECT_THAT(text, HasSubstr("jwt_secret = \"***\""));
  EXPECT_THAT(text, Not(HasSubstr("s3cr3t")));
  EXPECT_THAT(text, HasSubstr("access_token_ttl_s = 900"));  // a "token" key that is no secret
}

TEST(ConfigRender, EmptySecretIsShownEmpty) {
  EXPECT_THAT(renderEffective(Config{}), HasSubstr("jwt_secret = \"\""));
}

TEST(ConfigRender, UnmaskedRenderShowsSecrets) {
  EXPECT_THAT(renderEffective(unusualConfig(), false),
              HasSubstr("jwt_secret = \"s3cr3t-s3cr3t-s3cr3t-s3cr3t-s3cr3t\""));
}

TEST(ConfigRender, PasswordsInsideUrlsAreMasked) {
  Config c;
  c.bus.nats_urls = {"nats://trader:pa55word@10.0.0.5:4222", "nats://10.0.0.6:4222"};
  std::string text = renderEffective(c);
  EXPECT_THAT(text, HasSubstr("\"nats://trader:***@10.0.0.5:4222\", \"nats://10.0.0.6:4222\""));
  EXPECT_THAT(text, Not(HasSubstr("pa55word")));
}

TEST(ConfigRender, DatabasePasswordsInsideUrlsAreMasked) {
  Config c;
  c.database.postgres_url = "postgresql://ait:pg-pass@db1:5432/aitrading";
  c.database.clickhouse_url = "http://ait:ch-pass@ch1:8123/aitrading";
  c.database.redis_url = "redis://:redis-pass@cache1:6379/0";
  std::string text = renderEffective(c);
  EXPECT_THAT(text, HasSubstr("postgres_url = \"postgresql://ait:***@db1:5432/aitrading\""));
  EXPECT_THAT(text, HasSubstr("clickhouse_url = \"http://ait:***@ch1:8123/aitrading\""));
  EXPECT_THAT(text, HasSubstr("redis_url = \"redis://:***@cache1:6379/0\""));
  for (const char* secret : {"pg-pass", "ch-pass", "redis-pass"}) EXPECT_THAT(text, Not(HasSubstr(secret)));
}

TEST(ConfigRender, ShowsTheEffectiveValuesAfterOverrides) {
  ScratchDir dir;
  LoadOptions options = dir.options();
  options.environment = {{"AIT_LOG__LEVEL", "debug"}, {"AIT_SERVICES__TRADING_ENGINE__PORT", "9007"}};
  auto loaded = loadConfig(options);
  ASSERT_TRUE(loaded.has_value());
  std::string text = renderEffective(*loaded);
  EXPECT_THAT(text, HasSubstr("[log]\nlevel = \"debug\"\n"));
  EXPECT_THAT(text, HasSubstr("[services.trading_engine]\nenabled = true\nport = 9007\n"));
}

TEST(ConfigRender, SecretKeyNamesAreRecognised) {
  for (const char* key : {"auth.jwt_secret", "secret", "db.password", "x.token", "x.api_key",
                          "x.db_password", "x.refresh_token", "x.exchange_api_key"}) {
    EXPECT_TRUE(isSecretKey(key)) << key;
  }
  for (const char* key : {"auth.access_token_ttl_s", "tokens", "x.secretary", "x.api_keys",
                          "rate_limits.api_key.burst"}) {
    EXPECT_FALSE(isSecretKey(key)) << key;
  }
}

TEST(ConfigRender, ReloadableKeysAreRiskRateLimitsAndLogLevels) {
  EXPECT_TRUE(isReloadable("risk.max_open_positions"));
  EXPECT_TRUE(isReloadable("rate_limits.tenant.burst"));
  EXPECT_TRUE(isReloadable("log.level"));
  EXPECT_TRUE(isReloadable("log.components.hub"));
  EXPECT_FALSE(isReloadable("log.file"));
  EXPECT_FALSE(isReloadable("server.host"));
  EXPECT_FALSE(isReloadable("services.trading_engine.port"));
}

}  // namespace
}  // namespace ait::config
