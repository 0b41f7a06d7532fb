// database-service inside `aitrading serve`: it projects what the journal holds into SQLite,
// including records written while it was not running, and answers health per backend.

#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ait/journal/journal.h"
#include "ait/model/codec.h"
#include "ait/store/postgres_store.h"
#include "ait/store/sqlite_store.h"
#include "support/child_process.h"
#include "support/clickhouse_server.h"
#include "support/postgres_server.h"
#include "support/redis_server.h"
#include "support/require_server.h"

namespace ait {
namespace {

using namespace std::chrono_literals;
using Json = nlohmann::json;

const std::string kBinary = std::string(AIT_BINARY_DIR) + "/src/app/aitrading";
// Breakers that open after a few failed calls and try again soon, so outages stay short here.
constexpr const char* kQuickBreaker =
    "[resilience.circuit_breaker]\nwindow_size = 5\nminimum_calls = 3\nopen_duration_ms = 300\n";

class DatabaseServiceTest : public ::testing::Test {
 protected:
  void SetUp() override { writeConfig(""); }

  void writeConfig(const std::string& extraDatabase) {
    dir_ = std::filesystem::temp_directory_path() / fmt::format("ait-dbsvc-{}", ::getpid());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    std::string text = fmt::format(
        "[log]\nfile = \"{0}/log.txt\"\nstderr = false\n[journal]\ndata_dir = \"{0}/journal\"\n"
        "[auth]\ndb_path = \"{0}/identity.db\"\njwt_secret_file = \"{0}/jwt.key\"\n"
        "[database]\nsqlite_path = \"{0}/platform.db\"\nprojection_batch = 100\n{1}",
        dir_.string(), extraDatabase);
    for (const char* key : {"api_gateway", "data_bridge", "performance_analytics",
                            "ai_orchestration", "database_service", "trading_engine"}) {
      const int port = testing::freePort();
      if (std::string(key) == "database_service") port_ = port;
      text += fmt::format("[services.{}]\nport = {}\n", key, port);
    }
    // The Expert Advisor port too: tests that serve at the same time must not share one.
    text += fmt::format("[mt5]\nnative_port = {}\n", testing::freePort());
    std::ofstream(dir_ / "test.toml") << text;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Appends fills to the trading journal as the trading engine would, while no server runs.
  void appendFills(int from, int to) {
    journal::JournalConfig config;
    config.dataDir = (dir_ / "journal").string();
    journal::JournalOptions options;
    options.stream = "trading";
    auto journal = journal::Journal::open(config, options);
    ASSERT_TRUE(journal.has_value()) << journal.error().describe();
    for (int i = from; i < to; ++i) {
      model::OrderFilled fill;
      fill.header = {model::TenantId{static_cast<std::uint32_t>(1 + i % 2)}, i, i, 0};
      fill.clientOrderId = model::ClientOrderId::truncated(fmt::format("c-{}", i));
      fill.fillQuantity = model::Quantity::parse("1").value();
      std::array<std::byte, model::kMaxEncodedSize> buffer;
      const auto size = model::encode(fill, buffer).value();
      ASSERT_TRUE((*journal)->append(model::typeIdOf(fill), fill.header.tenant.value, i,
                                     std::span(buffer.data(), size)).has_value());
    }
    ASSERT_TRUE((*journal)->close().has_value());
  }

  std::unique_ptr<testing::ChildProcess> serve() {
    return std::make_unique<testing::ChildProcess>(
        std::vector<std::string>{kBinary, "serve", "--config", (dir_ / "test.toml").string(),
                                 "--config-dir", std::string(AIT_SOURCE_DIR) + "/config"},
        (dir_ / "serve.txt").string());
  }

  // Waits until the trading stream's checkpoint reaches seq; returns the last answer.
  Json waitProjected(std::uint64_t seq, const std::string& backend = "sqlite") {
    Json last;
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < deadline) {
      auto reply = testing::httpGet(port_, "/api/v1/databases/" + backend + "/health");
      if (reply.status == 200) {
        last = Json::parse(reply.body);
        for (const auto& s : last["streams"]) {
          // Caught up: the platform journals a few records of its own at start, so a checkpoint
          // past `seq` can still trail the head for a moment.
          if (s["stream"] == "trading" && s["checkpoint"].get<std::uint64_t>() >= seq && s["lag"] == 0) {
            return last;
          }
        }
      }
      std::this_thread::sleep_for(20ms);
    }
    return last;
  }

  std::filesystem::path dir_;
  int port_ = 0;
};

TEST_F(DatabaseServiceTest, ProjectsTheJournalIncludingWhatWasWrittenWhileItWasDown) {
  appendFills(0, 500);
  {
    auto server = serve();
    auto state = waitProjected(500);
    ASSERT_FALSE(state.is_null()) << "no answer from database-service";
    EXPECT_TRUE(state["connected"].get<bool>()) << state.dump();
    EXPECT_EQ(state["schema_version"], state["schema_version_known"]);
    auto all = Json::parse(testing::httpGet(port_, "/api/v1/databases").body);
    EXPECT_EQ(all["databases"][0]["type"], "sqlite");
    EXPECT_EQ(testing::httpGet(port_, "/api/v1/databases/postgresql/health").status, 404);
    server->signal(SIGKILL);  // a crash, not a clean stop
    (void)server->wait(10s);
  }
  appendFills(500, 800);  // written while the service was down
  {
    auto server = serve();
    auto state = waitProjected(800);
    ASSERT_FALSE(state.is_null());
    for (const auto& s : state["streams"]) {
      if (s["stream"] == "trading") {
        // The platform journals a few records of its own at start (reconciliation results).
        EXPECT_GE(s["checkpoint"].get<std::uint64_t>(), 800u);
        EXPECT_EQ(s["lag"], 0);
      }
    }
    server->signal(SIGTERM);
    EXPECT_EQ(server->wait(20s), 0);
  }
  // Exactly once: every fill, once, split by tenant.
  auto store = store::SqliteEventStore::open(dir_ / "platform.db");
  ASSERT_TRUE(store.has_value());
  EXPECT_EQ((*store)->fills(model::TenantId{1}, 10'000).value().size(), 400u);
  EXPECT_EQ((*store)->fills(model::TenantId{2}, 10'000).value().size(), 400u);
}

TEST_F(DatabaseServiceTest, MigrateStatusReportsTheSchema) {
  testing::ChildProcess migrate({kBinary, "db", "migrate", "--status", "--config",
                                 (dir_ / "test.toml").string(), "--config-dir",
                                 std::string(AIT_SOURCE_DIR) + "/config"},
                                (dir_ / "migrate.txt").string());
  ASSERT_EQ(migrate.wait(30s), 0);
  std::ifstream in(dir_ / "migrate.txt");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("sqlite       3        3        up to date"), std::string::npos) << text;
}

TEST_F(DatabaseServiceTest, APostgresServerThatIsDownDegradesTheServiceUntilItCatchesUp) {
  if (testing::findPostgresBin().empty()) AIT_SKIP_UNLESS_SERVERS_REQUIRED() << "postgresql is not installed";
  testing::PostgresServer postgres(dir_ / "pg");
  // Its port is known before it runs: the platform starts while PostgreSQL is down.
  writeConfig(fmt::format("postgres_url = \"{}\"\n[database.pool.postgres]\nmax_size = 3\n{}",
                          postgres.conninfo(), kQuickBreaker));
  appendFills(0, 300);
  auto server = serve();
  auto sqlite = waitProjected(300, "sqlite");
  ASSERT_FALSE(sqlite.is_null());
  auto down = testing::httpGet(port_, "/api/v1/databases/postgresql/health");
  EXPECT_EQ(down.status, 503) << down.body;
  auto health = Json::parse(testing::httpGet(port_, "/health").body);
  EXPECT_EQ(health["status"], "degraded") << health.dump();
  // Failed calls open its breaker; health says so, and the probe is refused by the breaker
  // instead of trying the server.
  Json open;
  const auto openBy = std::chrono::steady_clock::now() + 20s;
  do {
    ASSERT_LT(std::chrono::steady_clock::now(), openBy) << open.dump();
    std::this_thread::sleep_for(10ms);
    open = Json::parse(testing::httpGet(port_, "/api/v1/databases/postgresql/health").body);
  } while (open.value("probe_error", "").find("circuit open") == std::string::npos);
  EXPECT_EQ(open["breaker"], "open") << open.dump();
  EXPECT_FALSE(open["answers"].get<bool>());
  EXPECT_LT(open["ping_ms"].get<double>(), 100.0) << "an open breaker answers without a round trip";
  EXPECT_GE(open["projection_lag"].get<int>(), 300) << "nothing reached PostgreSQL yet: " << open.dump();
  health = Json::parse(testing::httpGet(port_, "/health").body);
  bool listed = false;
  for (const auto& dependency : health["dependencies"]) {
    if (dependency["name"] != "postgresql") continue;
    listed = true;
    EXPECT_EQ(dependency["status"], "degraded");
    EXPECT_NE(dependency["reason"].get<std::string>().find("circuit"), std::string::npos) << health.dump();
    // The entry carries the backend's facts: nothing projected yet, the pool's size.
    EXPECT_GE(dependency["details"]["projection_lag"].get<int>(), 300) << health.dump();
    EXPECT_EQ(dependency["details"]["pool"]["max"], 3) << health.dump();
    EXPECT_EQ(dependency["details"]["connected"], false) << health.dump();
  }
  EXPECT_TRUE(listed) << health.dump();

  ASSERT_TRUE(postgres.start());
  auto caughtUp = waitProjected(300, "postgresql");
  ASSERT_FALSE(caughtUp.is_null());
  // The fills are in; a record journalled meanwhile on another stream may still be on its way.
  for (const auto until = std::chrono::steady_clock::now() + 10s;
       caughtUp["projection_lag"] != 0 && std::chrono::steady_clock::now() < until;) {
    std::this_thread::sleep_for(20ms);
    caughtUp = Json::parse(testing::httpGet(port_, "/api/v1/databases/postgresql/health").body);
  }
  EXPECT_TRUE(caughtUp["connected"].get<bool>()) << caughtUp.dump();
  EXPECT_TRUE(caughtUp["answers"].get<bool>()) << caughtUp.dump();
  EXPECT_EQ(caughtUp["breaker"], "closed") << caughtUp.dump();
  EXPECT_EQ(caughtUp["projection_lag"], 0) << caughtUp.dump();
  EXPECT_GE(caughtUp["ping_ms"].get<double>(), 0.0);
  const auto& pool = caughtUp["pool"];
  EXPECT_GE(pool["in_use"].get<int>() + pool["idle"].get<int>(), 1) << pool.dump();
  EXPECT_EQ(pool["max"], 3) << "database.pool.postgres.max_size: " << pool.dump();
  EXPECT_TRUE(pool["waits"].is_number_unsigned()) << pool.dump();
  // A primary without a standby: replication lag is not zero, it does not exist.
  EXPECT_EQ(caughtUp["replication"]["role"], "primary") << caughtUp.dump();
  EXPECT_EQ(caughtUp["replication"]["lag_seconds"], "none") << caughtUp.dump();
  EXPECT_TRUE(caughtUp["replication"]["standbys"].empty()) << caughtUp.dump();
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (Json::parse(testing::httpGet(port_, "/health").body)["status"] != "healthy") {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline);
    std::this_thread::sleep_for(50ms);
  }
  health = Json::parse(testing::httpGet(port_, "/health").body);
  for (const auto& dependency : health["dependencies"]) {
    if (dependency["name"] != "postgresql") continue;
    EXPECT_EQ(dependency["details"]["connected"], true) << health.dump();
    EXPECT_EQ(dependency["details"]["projection_lag"], 0) << health.dump();
    EXPECT_EQ(dependency["details"]["replication"]["role"], "primary") << health.dump();
  }
  // The configured instruments went to SQLite at start and reach PostgreSQL once it answers.
  auto sqliteStore = store::SqliteEventStore::open(dir_ / "platform.db");
  ASSERT_TRUE(sqliteStore.has_value());
  const auto configured = (*sqliteStore)->instruments(100).value();
  EXPECT_FALSE(configured.empty());
  store::PostgresSettings pgSettings;
  pgSettings.conninfo = postgres.conninfo();
  auto pg = store::PostgresEventStore::open(pgSettings);
  ASSERT_TRUE(pg.has_value()) << pg.error().describe();
  Json seeded;
  for (const auto until = std::chrono::steady_clock::now() + 20s;
       seeded != configured && std::chrono::steady_clock::now() < until;) {
    std::this_thread::sleep_for(100ms);
    seeded = (*pg)->instruments(100).value();
  }
  EXPECT_EQ(seeded, configured);
  server->signal(SIGTERM);
  EXPECT_EQ(server->wait(20s), 0);
}

TEST_F(DatabaseServiceTest, ClickHouseAndRedisFromConfigShowInHealthAndADownOneDegrades) {
  if (testing::findClickHouseServer().empty() || testing::findRedisServer().empty()) {
    AIT_SKIP_UNLESS_SERVERS_REQUIRED() << "clickhouse-server or redis-server is not installed";
  }
  testing::ClickHouseServer clickhouse(dir_ / "ch");
  testing::RedisServer redis(dir_ / "redis");
  ASSERT_TRUE(redis.start());
  // ClickHouse's port is known before it runs: the platform starts while it is down.
  writeConfig(fmt::format("clickhouse_url = \"{}\"\nredis_url = \"{}\"\n{}", clickhouse.url(), redis.url(),
                          kQuickBreaker));
  auto server = serve();
  ASSERT_FALSE(waitProjected(0, "sqlite").is_null()) << "no answer from database-service";
  auto cache = testing::httpGet(port_, "/api/v1/databases/redis/health");
  ASSERT_EQ(cache.status, 200) << cache.body;
  EXPECT_EQ(Json::parse(cache.body)["breaker"], "closed");
  EXPECT_TRUE(Json::parse(cache.body).contains("pool"));
  EXPECT_EQ(testing::httpGet(port_, "/api/v1/databases/clickhouse/health").status, 503);
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (Json::parse(testing::httpGet(port_, "/health").body)["status"] != "degraded") {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "a down ClickHouse must degrade the service";
    std::this_thread::sleep_for(50ms);
  }

  ASSERT_TRUE(clickhouse.start());
  while (testing::httpGet(port_, "/api/v1/databases/clickhouse/health").status != 200) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "clickhouse never became healthy";
    std::this_thread::sleep_for(50ms);
  }
  auto body = Json::parse(testing::httpGet(port_, "/api/v1/databases/clickhouse/health").body);
  ASSERT_EQ(body["streams"].size(), 1u);
  EXPECT_EQ(body["streams"][0]["stream"], "md") << "ClickHouse follows market data only";
  EXPECT_EQ(body["schema_version"], 1);
  EXPECT_TRUE(body.contains("pool"));
  server->signal(SIGTERM);
  EXPECT_EQ(server->wait(20s), 0);
}

}  // namespace
}  // namespace ait
