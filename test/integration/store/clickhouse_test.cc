// The ClickHouse time-series backend against a real server (Debian's clickhouse-server 18.16)
// started by the test on loopback in a throwaway folder: ticks and bars by range, OHLC
// aggregation, idempotent replays, tenant isolation, hostile strings, credentials, and the fault
// test (the server is killed in the middle of a stream of ticks and restarted; the journal never
// waits, and afterwards every journaled tick is stored exactly once).

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "ait/journal/journal.h"
#include "ait/model/codec.h"
#include "ait/store/clickhouse_store.h"
#include "ait/store/guarded_store.h"
#include "ait/store/projector.h"
#include "support/clickhouse_server.h"
#include "integration/store/outage_run.h"
#include "integration/store/pool_checks.h"
#include "support/require_server.h"

namespace ait::store {
namespace {

using namespace std::chrono_literals;

constexpr std::int64_t kMinute = 60'000'000'000;
constexpr std::int64_t kT0 = 1'700'000'040'000'000'000;  // a whole minute, November 2023

model::Event tick(std::uint32_t tenant, std::string_view symbol, std::int64_t ts, std::string_view bid,
                  std::string_view ask, std::string_view last = "0", std::string_view volume = "1") {
  model::Tick t;
  t.header = {model::TenantId{tenant}, ts, ts, 0};
  t.instrument.symbol = model::Symbol::truncated(symbol);
  t.bid = model::Price::parse(bid).value();
  t.ask = model::Price::parse(ask).value();
  t.last = model::Price::parse(last).value();
  t.volume = model::Quantity::parse(volume).value();
  return t;
}

model::Event bar(std::uint32_t tenant, std::int64_t start, std::string_view close, std::uint32_t revision) {
  model::Bar b;
  b.header = {model::TenantId{tenant}, start + kMinute, start + kMinute, 0};
  b.instrument.symbol = model::Symbol::truncated("EURUSD");
  b.timeframe = model::Timeframe{60};
  b.start = start;
  b.open = model::Price::parse("1.08000").value();
  b.high = model::Price::parse("1.09000").value();
  b.low = model::Price::parse("1.07000").value();
  b.close = model::Price::parse(close).value();
  b.volume = model::Quantity::parse("12.5").value();
  b.tickCount = 7;
  b.revision = revision;
  return b;
}

std::vector<model::Event> sequenced(std::vector<model::Event> events, std::uint64_t first) {
  for (auto& e : events) model::headerOf(e).sequence = first++;
  return events;
}

std::int64_t count(ClickHouseStore& store, std::string_view statement) {
  auto r = store.query(statement);
  EXPECT_TRUE(r.has_value()) << r.error().describe();
  return r ? std::stoll(*r) : -1;
}

class ClickHouseStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (testing::findClickHouseServer().empty()) AIT_SKIP_UNLESS_SERVERS_REQUIRED() << "clickhouse-server is not installed";
    static std::atomic<int> counter{0};
    dir_ = std::filesystem::temp_directory_path() / fmt::format("ait-ch-{}-{}", ::getpid(), counter++);
    std::filesystem::remove_all(dir_);
    server_ = std::make_unique<testing::ClickHouseServer>(dir_ / "server");
    ASSERT_TRUE(server_->start()) << "clickhouse did not start; see " << dir_ / "server";
    settings_.url = server_->url();
    settings_.requestTimeout = 3s;
    settings_.pool.acquireTimeout = 500ms;
  }
  void TearDown() override {
    server_.reset();
    if (!HasFailure()) std::filesystem::remove_all(dir_);
  }

  std::filesystem::path dir_;
  std::unique_ptr<testing::ClickHouseServer> server_;
  ClickHouseSettings settings_;
};

TEST_F(ClickHouseStoreTest, StoresTicksByRangeAndTenantAndReplaysWithoutDuplicates) {
  auto store = ClickHouseStore::open(settings_);
  ASSERT_TRUE(store.has_value()) << store.error().describe();
  auto& s = **store;
  EXPECT_EQ(s.migrations().value().applied, 1);
  auto batch = sequenced({tick(1, "EURUSD", kT0, "1.08500", "1.08510"),
                          tick(1, "EURUSD", kT0 + 1'000, "1.08501", "1.08511"),
                          tick(2, "EURUSD", kT0 + 2'000, "9.5", "9.6"),
                          tick(1, "GBPUSD", kT0 + 3'000, "1.25", "1.26")},
                         1);
  ASSERT_TRUE(s.apply("md", batch).has_value());
  EXPECT_EQ(s.checkpoint("md").value(), 4u);

  auto ticks = s.ticks(model::TenantId{1}, "EURUSD", kT0, kT0 + kMinute, 100).value();
  ASSERT_EQ(ticks.size(), 2u);
  EXPECT_EQ(ticks[0]["bid"], "1.08500") << "read back as written";
  EXPECT_EQ(ticks[0]["ts_event_ns"], kT0);
  EXPECT_EQ(ticks[1]["sequence"], 2);
  EXPECT_EQ(s.ticks(model::TenantId{1}, "EURUSD", kT0 + 1, kT0 + kMinute, 100).value().size(), 1u) << "from is inclusive, exact";
  EXPECT_EQ(s.ticks(model::TenantId{1}, "EURUSD", kT0, kT0 + 1'000, 100).value().size(), 1u) << "to is exclusive";
  EXPECT_EQ(s.ticks(model::TenantId{2}, "EURUSD", 0, kT0 * 2, 100).value().size(), 1u) << "tenants never see each other's ticks";
  EXPECT_EQ(s.ticks(model::TenantId{3}, "EURUSD", 0, kT0 * 2, 100).value().size(), 0u);

  // A new store (as after a restart) replays the batch: nothing is written twice, not even
  // before a merge.
  store->reset();
  auto again = ClickHouseStore::open(settings_).value();
  ASSERT_TRUE(again->apply("md", batch).has_value());
  EXPECT_EQ(count(*again, "SELECT count() FROM ticks"), 4);
  EXPECT_EQ(again->checkpoint("md").value(), 4u);
}

TEST_F(ClickHouseStoreTest, RowsWrittenTwiceBehindItsBackCollapseOnReadAndMerge) {
  auto store = ClickHouseStore::open(settings_).value();
  auto batch = sequenced({tick(1, "EURUSD", kT0, "1.1", "1.2"), tick(1, "EURUSD", kT0 + 5, "1.1", "1.2")}, 10);
  ASSERT_TRUE(store->apply("md", batch).has_value());
  // The same rows inserted again outside the projection, as an insert whose answer was lost
  // but which the server committed after the replay looked.
  ASSERT_TRUE(store->query("INSERT INTO ticks SELECT * FROM ticks").has_value());
  EXPECT_EQ(count(*store, "SELECT count() FROM ticks"), 4);
  EXPECT_EQ(store->ticks(model::TenantId{1}, "EURUSD", 0, kT0 * 2, 100).value().size(), 2u) << "reads use FINAL";
  ASSERT_TRUE(store->query("OPTIMIZE TABLE ticks FINAL").has_value());
  EXPECT_EQ(count(*store, "SELECT count() FROM ticks"), 2);
}

TEST_F(ClickHouseStoreTest, KeepsTheLatestRevisionOfABarAndAggregatesTicksIntoOhlc) {
  auto store = ClickHouseStore::open(settings_).value();
  auto events = sequenced({bar(1, kT0, "1.08100", 0), bar(1, kT0, "1.08200", 1), bar(1, kT0 + kMinute, "1.083", 0),
                           // Minute 1: last prices 5, 7, 4, 6 -> open 5 high 7 low 4 close 6.
                           tick(1, "XAUUSD", kT0 + 10, "0", "0", "5", "1"),
                           tick(1, "XAUUSD", kT0 + 20, "0", "0", "7", "2"),
                           tick(1, "XAUUSD", kT0 + 30, "0", "0", "4", "0.5"),
                           tick(1, "XAUUSD", kT0 + 40, "0", "0", "6", "1"),
                           // Minute 2: quotes only, the mid counts: (2 + 3) / 2.
                           tick(1, "XAUUSD", kT0 + kMinute + 1, "2", "3")},
                          1);
  ASSERT_TRUE(store->apply("md", events).has_value());

  auto bars = store->bars(model::TenantId{1}, "EURUSD", 60, kT0, kT0 + 2 * kMinute, 10).value();
  ASSERT_EQ(bars.size(), 2u);
  EXPECT_EQ(bars[0]["close"], "1.08200") << "revision 1 replaced revision 0";
  EXPECT_EQ(bars[0]["revision"], 1);
  EXPECT_EQ(bars[1]["close"], "1.083");
  EXPECT_EQ(store->bars(model::TenantId{1}, "EURUSD", 300, 0, kT0 * 2, 10).value().size(), 0u);
  EXPECT_EQ(store->bars(model::TenantId{2}, "EURUSD", 60, 0, kT0 * 2, 10).value().size(), 0u);

  auto ohlc = store->ohlc({.tenant = model::TenantId{1}, .symbol = "XAUUSD", .fromNs = kT0,
                           .toNs = kT0 + 2 * kMinute, .intervalNs = kMinute}).value();
  ASSERT_EQ(ohlc.size(), 2u);
  EXPECT_EQ(ohlc[0]["start_ns"], kT0);
  EXPECT_EQ(ohlc[0]["open"], "5");
  EXPECT_EQ(ohlc[0]["high"], "7");
  EXPECT_EQ(ohlc[0]["low"], "4");
  EXPECT_EQ(ohlc[0]["close"], "6");
  EXPECT_EQ(ohlc[0]["volume"], "4.5");
  EXPECT_EQ(ohlc[0]["ticks"], 4);
  EXPECT_EQ(ohlc[1]["open"], "2.5");
  EXPECT_FALSE(store->ohlc({.tenant = model::TenantId{1}, .symbol = "XAUUSD", .intervalNs = 0}).has_value());
}

TEST_F(ClickHouseStoreTest, HostileStringsAreDataNotSql) {
  auto store = ClickHouseStore::open(settings_).value();
  const std::string hostile = "x');\\'\tDROP\nTABLE";
  ASSERT_TRUE(store->apply("md", sequenced({tick(1, hostile, kT0, "1", "2")}, 1)).has_value());
  const auto stored = model::Symbol::truncated(hostile);
  auto ticks = store->ticks(model::TenantId{1}, stored.view(), 0, kT0 * 2, 10);
  ASSERT_TRUE(ticks.has_value()) << ticks.error().describe();
  ASSERT_EQ(ticks->size(), 1u) << "the symbol round-trips byte for byte";
  for (const std::string& probe : std::vector<std::string>{"' OR 1=1 --", "\\' OR 1=1 --", std::string("a\0b", 3)}) {
    auto none = store->ticks(model::TenantId{1}, probe, 0, kT0 * 2, 10);
    ASSERT_TRUE(none.has_value()) << none.error().describe();
    EXPECT_TRUE(none->empty()) << probe;
  }
  EXPECT_EQ(count(*store, "SELECT count() FROM ticks"), 1) << "the table is still there";
  // A stream name is a string too.
  EXPECT_EQ(store->checkpoint("md' OR '1'='1").value(), 0u);
}

TEST_F(ClickHouseStoreTest, CredentialsAndUnreachableServersGiveClearErrors) {
  ClickHouseSettings ait = settings_;
  ait.url = fmt::format("http://ait@127.0.0.1:{}/default", server_->httpPort());
  ait.password = "ait-secret";
  auto good = ClickHouseStore::open(ait);
  ASSERT_TRUE(good.has_value()) << good.error().describe();
  ait.password = "wrong";
  auto bad = ClickHouseStore::open(ait);
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message().find("HTTP"), std::string::npos) << bad.error().message();
  EXPECT_EQ(bad.error().message().find("wrong"), std::string::npos) << "the password is never echoed";

  ClickHouseSettings nowhere = settings_;
  nowhere.url = "http://127.0.0.1:1/default";
  auto down = ClickHouseStore::open(nowhere);
  ASSERT_FALSE(down.has_value());
  EXPECT_NE(down.error().message().find("cannot connect"), std::string::npos) << down.error().message();

  for (const char* url : {"clickhouse://127.0.0.1", "http://127.0.0.1:99999/x", "http:///db", "http://h/db;drop"}) {
    ClickHouseSettings broken = settings_;
    broken.url = url;
    auto r = ClickHouseStore::lazy(broken);
    ASSERT_FALSE(r.has_value()) << url;
    EXPECT_EQ(r.error().code().code, std::string_view("AIT-STORE-0004")) << url;
  }
}

TEST_F(ClickHouseStoreTest, ThePoolIsBoundedAndTimesOutWithAClearError) {
  settings_.pool.maxSize = 2;
  auto store = ClickHouseStore::open(settings_).value();
  testing::expectPoolOfTwoRefusesAThird(store->pool());
}

TEST_F(ClickHouseStoreTest, KilledMidStreamTheJournalGoesOnAndEveryTickLandsExactlyOnce) {
  settings_.pool.validateIdleAfter = 0ms;  // a restarted server leaves broken idle connections
  auto store = ClickHouseStore::open(settings_).value();
  ClickHouseStore& clickhouse = *store;
  testing::OutageRun run(dir_, "md", std::move(store), 100);
  constexpr int kTicks = 6000;
  // Spread over two months, so batches straddle partitions.
  run.appendThroughOutage(*server_, kTicks, 200, [](int i) {
    return tick(1 + i % 2, i % 3 == 0 ? "EURUSD" : "USDJPY", kT0 + std::int64_t{i} * 1'000'000'000'000, "1.10",
                "1.11", "0", "1");
  });
  ASSERT_FALSE(HasFatalFailure());
  run.expectCaughtUp(kTicks);
  ASSERT_FALSE(HasFatalFailure());
  EXPECT_EQ(count(clickhouse, "SELECT count() FROM ticks FINAL"), kTicks);
  EXPECT_EQ(count(clickhouse, "SELECT uniqExact(seq) FROM ticks"), kTicks);
  EXPECT_EQ(count(clickhouse, "SELECT min(seq) FROM ticks"), 1);
  EXPECT_EQ(count(clickhouse, "SELECT max(seq) FROM ticks"), kTicks);
  // Counted as stored, before any merge: the replays after the outage skipped what was there.
  EXPECT_EQ(count(clickhouse, "SELECT count() FROM (SELECT seq FROM ticks GROUP BY seq HAVING count() > 1)"), 0)
      << "no row is stored twice, merged or not";
}

}  // namespace
}  // namespace ait::store
