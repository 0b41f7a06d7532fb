// The PostgreSQL backend against a real server (Debian's postgresql 15) started by the test on
// loopback with a throwaway data directory: rows, idempotence, tenant isolation, hostile
// strings, the pool, and the fault test (the server is killed in the middle of a stream of
// orders and restarted; the breaker opens while it is down, trading never blocks and every
// journaled event lands exactly once).

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ait/journal/journal.h"
#include "ait/model/codec.h"
#include "ait/store/guarded_store.h"
#include "ait/store/postgres_store.h"
#include "ait/store/projector.h"
#include "store/pg.h"
#include "support/postgres_server.h"
#include "integration/store/outage_run.h"
#include "integration/store/pool_checks.h"
#include "support/require_server.h"
#include "unit/store/history_scenario.h"

namespace ait::store {
namespace {

using namespace std::chrono_literals;

model::Event order(std::uint32_t tenant, const std::string& cid, int i) {
  if (i % 2 == 0) {
    model::SubmitOrder s;
    s.header = {model::TenantId{tenant}, i, i, 0};
    s.clientOrderId = model::ClientOrderId::truncated(cid);
    s.instrument.symbol = model::Symbol::truncated("EURUSD");
    s.quantity = model::Quantity::parse("2.50").value();
    s.price = model::Price::parse("1.08500").value();
    s.type = model::OrderType::Limit;
    return s;
  }
  model::OrderFilled f;
  f.header = {model::TenantId{tenant}, i, i, 0};
  f.clientOrderId = model::ClientOrderId::truncated(cid);
  f.tradeId = model::TradeId::truncated(fmt::format("t-{}", i));
  f.fillQuantity = model::Quantity::parse("2.50").value();
  f.fillPrice = model::Price::parse("1.08501").value();
  f.leavesQuantity = model::Quantity::parse("0").value();
  return f;
}

class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (testing::findPostgresBin().empty()) AIT_SKIP_UNLESS_SERVERS_REQUIRED() << "postgresql is not installed";
    static std::atomic<int> counter{0};
    dir_ = std::filesystem::temp_directory_path() / fmt::format("ait-pg-{}-{}", ::getpid(), counter++);
    std::filesystem::remove_all(dir_);
    server_ = std::make_unique<testing::PostgresServer>(dir_ / "server");
    ASSERT_TRUE(server_->start()) << "postgres did not start; see " << dir_ / "server";
    settings_.conninfo = server_->conninfo();
    settings_.pool.acquireTimeout = 500ms;
  }
  void TearDown() override {
    server_.reset();
    if (!HasFailure()) std::filesystem::remove_all(dir_);
  }

  std::vector<model::Event> sequenced(std::vector<model::Event> events, std::uint64_t first) {
    for (auto& e : events) model::headerOf(e).sequence = first++;
    return events;
  }

  std::filesystem::path dir_;
  std::unique_ptr<testing::PostgresServer> server_;
  PostgresSettings settings_;
};

TEST_F(PostgresStoreTest, MigratesWritesOrdersAndFillsAndReplaysIdempotently) {
  auto store = PostgresEventStore::open(settings_);
  ASSERT_TRUE(store.has_value()) << store.error().describe();
  auto migrations = (*store)->migrations().value();
  EXPECT_EQ(migrations.applied, migrations.known);
  auto batch = sequenced({order(1, "c-1", 0), order(1, "c-1", 1), order(2, "c-1", 2)}, 1);
  ASSERT_TRUE((*store)->apply("trading", batch).has_value());
  ASSERT_TRUE((*store)->apply("trading", batch).has_value());
  EXPECT_EQ((*store)->checkpoint("trading").value(), 3u);
  auto orders = (*store)->orders(model::TenantId{1}, 10).value();
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0]["status"], "filled");
  EXPECT_EQ(orders[0]["quantity"], "2.50");
  EXPECT_EQ(orders[0]["price"], "1.08500");
  auto fills = (*store)->fills(model::TenantId{1}, 10).value();
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0]["price"], "1.08501");
  EXPECT_EQ((*store)->orders(model::TenantId{2}, 10).value()[0]["status"], "new");
  EXPECT_EQ((*store)->fills(model::TenantId{2}, 10).value().size(), 0u) << "tenants never see each other's rows";

  // Reopening does not migrate twice.
  store->reset();
  auto again = PostgresEventStore::open(settings_);
  ASSERT_TRUE(again.has_value()) << again.error().describe();
  EXPECT_EQ((*again)->checkpoint("trading").value(), 3u);
}

TEST_F(PostgresStoreTest, HostileStringsAreDataNotSql) {
  auto store = PostgresEventStore::open(settings_).value();
  const std::string hostile = "x'); DROP TABLE orders; --";
  ASSERT_TRUE(store->apply("trading", sequenced({order(1, hostile, 0)}, 1)).has_value());
  auto orders = store->orders(model::TenantId{1}, 10).value();
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0]["client_order_id"], model::ClientOrderId::truncated(hostile).view());
  auto ticks = store->ticks(model::TenantId{1}, "' OR 1=1 --", 0, 1'000'000, 10);
  ASSERT_TRUE(ticks.has_value());
  EXPECT_TRUE(ticks->empty());
}

TEST_F(PostgresStoreTest, ProjectsPositionsDecisionsModelsAndAccountStates) {
  auto store = PostgresEventStore::open(settings_);
  ASSERT_TRUE(store.has_value()) << store.error().describe();
  scenario::run(**store);
  // The same reads through the breaker and bulkhead the database-service puts around the server.
  GuardedEventStore guarded(std::move(*store), GuardSettings{});
  EXPECT_EQ(guarded.models(model::TenantId{1}, 10).value().size(), 2u);
}

TEST_F(PostgresStoreTest, UpsertsInstrumentsBySymbolAndVenue) {
  auto store = PostgresEventStore::open(settings_);
  ASSERT_TRUE(store.has_value()) << store.error().describe();
  scenario::runInstruments(**store);
  // Through the breaker and bulkhead as the database-service's prober writes them.
  GuardedEventStore guarded(std::move(*store), GuardSettings{});
  ASSERT_TRUE(guarded.putInstruments(std::vector<InstrumentRecord>{scenario::instrument("EURUSD", "0.01", 2, "fx")})
                  .has_value());
  EXPECT_EQ(guarded.instruments(10).value()[0]["tick_size"], "0.01");
}

TEST_F(PostgresStoreTest, MigratesAVersionOneSchemaForward) {
  {
    auto store = PostgresEventStore::open(settings_).value();
    ASSERT_TRUE(store->apply("trading", sequenced({order(1, "c-1", 0)}, 1)).has_value());
  }
  {
    // Back to the first schema, as a server migrated by an older program would be.
    auto conn = pg::connect(settings_);
    ASSERT_TRUE(conn.has_value()) << conn.error().describe();
    auto ok = pg::runScript((*conn)->get(),
                            "DROP TABLE positions, decisions, models, account_states, instruments; "
                            "DROP INDEX fills_account; DELETE FROM store_schema WHERE version >= 2");
    ASSERT_TRUE(ok.has_value()) << ok.error().describe();
  }
  auto store = PostgresEventStore::open(settings_);
  ASSERT_TRUE(store.has_value()) << store.error().describe();
  auto migrations = (*store)->migrations().value();
  EXPECT_EQ(migrations.applied, 3);
  EXPECT_EQ(migrations.known, 3);
  EXPECT_EQ((*store)->orders(model::TenantId{1}, 10).value().size(), 1u);
  EXPECT_TRUE((*store)->decisions(model::TenantId{1}, "", 10).value().empty());
  EXPECT_TRUE((*store)->instruments(10).value().empty());
}

TEST_F(PostgresStoreTest, ThePoolIsBoundedAndTimesOutWithAClearError) {
  settings_.pool.maxSize = 2;
  auto store = PostgresEventStore::open(settings_).value();
  testing::expectPoolOfTwoRefusesAThird(store->pool());
}

TEST_F(PostgresStoreTest, AnUnreachableServerIsAClearError) {
  PostgresSettings wrong = settings_;
  wrong.conninfo = "host=127.0.0.1 port=1 user=ait dbname=postgres";
  auto store = PostgresEventStore::open(wrong);
  ASSERT_FALSE(store.has_value());
  EXPECT_NE(store.error().message().find("cannot connect"), std::string::npos);
}

TEST_F(PostgresStoreTest, KilledMidStreamTradingGoesOnAndEveryEventLandsExactlyOnce) {
  testing::OutageRun run(dir_, "trading", PostgresEventStore::open(settings_).value(), 50);
  auto& guarded = run.guarded();
  constexpr int kEvents = 2000;
  // A submit, then its fill; trading never waits for the database.
  run.appendThroughOutage(
      *server_, kEvents, 100, [](int i) { return order(1 + (i / 2) % 2, fmt::format("c-{}", i / 2), i); },
      [&] { EXPECT_FALSE(guarded.ping().has_value()) << "calls fail fast while the breaker is open"; });
  ASSERT_FALSE(HasFatalFailure());
  run.expectCaughtUp(kEvents);
  ASSERT_FALSE(HasFatalFailure());
  const auto fills1 = guarded.fills(model::TenantId{1}, 10'000).value();
  const auto fills2 = guarded.fills(model::TenantId{2}, 10'000).value();
  EXPECT_EQ(fills1.size() + fills2.size(), kEvents / 2u);
  std::set<std::int64_t> seqs;
  for (const auto* fills : {&fills1, &fills2}) {
    for (const auto& f : *fills) EXPECT_TRUE(seqs.insert(f["sequence"].get<std::int64_t>()).second);
  }
  EXPECT_EQ(guarded.orders(model::TenantId{1}, 10'000).value().size() +
                guarded.orders(model::TenantId{2}, 10'000).value().size(),
            kEvents / 2u);
}

TEST_F(PostgresStoreTest, ReplicationNamesTheRoleTheStandbysAndTheReplayLag) {
  auto primary = PostgresEventStore::open(settings_).value();
  auto alone = primary->replication();
  ASSERT_TRUE(alone.has_value()) << alone.error().describe();
  EXPECT_EQ((*alone)["role"], "primary");
  EXPECT_EQ((*alone)["lag_seconds"], "none") << "no standby: no lag to report, not zero";

  testing::PostgresServer standbyServer(dir_ / "standby");
  ASSERT_TRUE(standbyServer.startStandbyOf(*server_)) << "see " << dir_ / "standby";
  PostgresSettings standbySettings = settings_;
  standbySettings.conninfo = standbyServer.conninfo();
  // lazy: a standby is read-only, nothing is migrated there.
  auto standby = PostgresEventStore::lazy(standbySettings);
  ASSERT_TRUE(primary->apply("trading", sequenced({order(1, "c-1", 0)}, 1)).has_value());
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  nlohmann::json seen;
  // Until the standby replayed the write: it then knows how old its last replayed transaction is.
  while (true) {
    auto r = standby->replication();
    ASSERT_TRUE(r.has_value()) << r.error().describe();
    seen = *r;
    if (seen["lag_seconds"].is_number()) break;
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << seen.dump();
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(seen["role"], "standby");
  EXPECT_GE(seen["lag_seconds"].get<double>(), 0.0);
  EXPECT_LT(seen["lag_seconds"].get<double>(), 60.0);

  auto withStandby = primary->replication().value();
  ASSERT_EQ(withStandby["standbys"].size(), 1u) << withStandby.dump();
  EXPECT_EQ(withStandby["standbys"][0]["name"], "standby1");
  EXPECT_EQ(withStandby["standbys"][0]["state"], "streaming");
  EXPECT_TRUE(withStandby["lag_seconds"].is_number()) << withStandby.dump();
}

}  // namespace
}  // namespace ait::store
