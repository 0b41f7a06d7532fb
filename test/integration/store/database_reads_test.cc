// The reads other services use go through DatabaseService and answer the same whichever
// backends are configured: SQLite alone, or SQLite with ClickHouse (ticks, bars) and Redis
// (shared state), each a real server started by the test. Health names every backend and turns
// degraded, not down, when one dies.

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "ait/journal/journal.h"
#include "ait/model/codec.h"
#include "ait/store/database_service.h"
#include "support/clickhouse_server.h"
#include "support/redis_server.h"
#include "support/require_server.h"

namespace ait::store {
namespace {

using namespace std::chrono_literals;
constexpr std::int64_t kMinute = 60'000'000'000;
constexpr std::int64_t kT0 = 1'700'000'040'000'000'000;

class DatabaseReadsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    dir_ = std::filesystem::temp_directory_path() / fmt::format("ait-reads-{}-{}", ::getpid(), counter++);
    std::filesystem::remove_all(dir_);
    journal::JournalConfig config;
    config.dataDir = (dir_ / "journal").string();
    config.fsync = false;
    for (const char* stream : {"md", "trading"}) {
      journal::JournalOptions options;
      options.stream = stream;
      journals_.push_back(journal::Journal::open(config, options).value());
    }
    // Ticks of two tenants over three minutes, quotes and trades mixed, and fills of two accounts.
    for (int i = 0; i < 90; ++i) {
      model::Tick t;
      t.header = {model::TenantId{1 + static_cast<std::uint32_t>(i % 5 == 0)}, kT0 + i * 2'000'000'000LL, 0, 0};
      t.instrument.symbol = model::Symbol::truncated("EURUSD");
      t.bid = model::Price::parse(fmt::format("1.08{:03}", i)).value();
      t.ask = model::Price::parse(fmt::format("1.08{:03}", i + 3)).value();
      t.last = model::Price::parse(i % 3 == 0 ? "0" : fmt::format("1.08{:03}", i + 1)).value();
      t.volume = model::Quantity::parse(fmt::format("0.{}", 1 + i % 9)).value();
      append(0, t);
    }
    for (int i = 0; i < 6; ++i) {
      model::OrderFilled f;
      f.header = {model::TenantId{1}, kT0 + i, kT0 + i, 0};
      f.clientOrderId = model::ClientOrderId::truncated(fmt::format("c-{}", i));
      f.account = model::AccountId::truncated(i % 2 == 0 ? "A-1" : "A-2");
      f.tradeId = model::TradeId::truncated(fmt::format("t-{}", i));
      f.fillQuantity = model::Quantity::parse("1").value();
      f.fillPrice = model::Price::parse("1.1").value();
      f.leavesQuantity = model::Quantity::parse("0").value();
      append(1, f);
    }
    for (auto& j : journals_) ASSERT_TRUE(j->waitDurable(j->lastSequence(), 10s).has_value());
  }
  void TearDown() override {
    service_.reset();
    clickhouse_.reset();
    redis_.reset();
    if (!HasFailure()) std::filesystem::remove_all(dir_);
  }

  void append(std::size_t stream, const model::Event& event) {
    std::array<std::byte, model::kMaxEncodedSize> buffer;
    const auto size = model::encode(event, buffer).value();
    ASSERT_TRUE(journals_[stream]->append(model::typeIdOf(event), model::tenantOf(event).value, 0,
                                          std::span(buffer.data(), size)).has_value());
  }

  void openService(DatabaseSettings settings) {
    settings.sqlitePath = dir_ / fmt::format("platform-{}.db", opened_++);
    settings.projection.initialBackoff = 20ms;
    settings.projection.maxBackoff = 200ms;
    auto service = DatabaseService::open(settings, {{"md", journals_[0].get()}, {"trading", journals_[1].get()}});
    ASSERT_TRUE(service.has_value()) << service.error().describe();
    service_ = std::move(*service);
    ASSERT_TRUE(service_->start().has_value());
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (true) {
      auto ticks = service_->tickRange(model::TenantId{1}, "EURUSD", 0, kT0 * 2, 1000);
      auto fills = service_->accountHistory(model::TenantId{1}, "", 100);
      if (ticks && fills && ticks->size() == 72 && fills->size() == 6) break;
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "projection did not catch up";
      std::this_thread::sleep_for(20ms);
    }
  }

  struct Answers {
    nlohmann::json ticks, bars, orders, account;
  };
  Answers read() {
    Answers a;
    a.ticks = service_->tickRange(model::TenantId{1}, "EURUSD", kT0 + kMinute, kT0 + 2 * kMinute, 1000).value();
    a.bars = service_->bars({.tenant = model::TenantId{1}, .symbol = "EURUSD", .fromNs = 0, .toNs = kT0 * 2,
                             .intervalNs = kMinute}).value();
    a.orders = service_->orderHistory(model::TenantId{1}, 100).value();
    a.account = service_->accountHistory(model::TenantId{1}, "A-2", 100).value();
    return a;
  }

  std::filesystem::path dir_;
  std::vector<std::unique_ptr<journal::Journal>> journals_;
  std::unique_ptr<DatabaseService> service_;
  std::unique_ptr<testing::ClickHouseServer> clickhouse_;
  std::unique_ptr<testing::RedisServer> redis_;
  int opened_ = 0;
};

TEST_F(DatabaseReadsTest, AnswersTheSameWithOrWithoutServerBackends) {
  openService({});
  EXPECT_EQ(service_->sharedState().backend(), "memory");
  const Answers embedded = read();
  ASSERT_EQ(embedded.bars.size(), 3u);
  EXPECT_EQ(embedded.bars[0]["ticks"], 24) << "tenant 2's ticks are not in tenant 1's bars";
  EXPECT_EQ(embedded.ticks.size(), 24u);
  EXPECT_EQ(embedded.account.size(), 3u);
  EXPECT_EQ(embedded.orders.size(), 6u);
  EXPECT_EQ(service_->tickRange(model::TenantId{2}, "EURUSD", 0, kT0 * 2, 1000).value().size(), 18u);
  service_.reset();

  if (testing::findClickHouseServer().empty() || testing::findRedisServer().empty()) {
    AIT_SKIP_UNLESS_SERVERS_REQUIRED() << "clickhouse-server or redis-server is not installed";
  }
  clickhouse_ = std::make_unique<testing::ClickHouseServer>(dir_ / "clickhouse");
  ASSERT_TRUE(clickhouse_->start());
  redis_ = std::make_unique<testing::RedisServer>(dir_ / "redis");
  ASSERT_TRUE(redis_->start());
  DatabaseSettings servers;
  servers.clickhouse.url = clickhouse_->url();
  servers.redis.url = redis_->url();
  openService(servers);
  EXPECT_EQ(service_->sharedState().backend(), "redis");
  const Answers withServers = read();
  EXPECT_EQ(withServers.ticks, embedded.ticks);
  EXPECT_EQ(withServers.bars, embedded.bars) << "ClickHouse's bars equal the in-process aggregation";
  EXPECT_EQ(withServers.orders, embedded.orders);
  EXPECT_EQ(withServers.account, embedded.account);

  auto health = service_->health();
  EXPECT_EQ(health.status, hub::HealthStatus::Healthy) << health.reason;
  std::vector<std::string> names;
  for (const auto& d : health.dependencies) names.push_back(d.name);
  EXPECT_EQ(names, (std::vector<std::string>{"sqlite", "clickhouse", "redis"}));

  redis_->kill();
  // /health shows the prober's last look (every 5 s): the dead cache shows within two rounds.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(12);
  do {
    health = service_->health();
    if (health.status != hub::HealthStatus::Healthy) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  } while (std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(health.status, hub::HealthStatus::Degraded) << "a dead cache degrades the service, never downs it";
  EXPECT_NE(health.reason.find("redis"), std::string::npos) << health.reason;
}

}  // namespace
}  // namespace ait::store
