#include "ait/store/sqlite_store.h"

#include <unistd.h>

#include <atomic>
#include <filesystem>

#include <gtest/gtest.h>

#include "ait/store/errors.h"
#include "unit/store/history_scenario.h"

namespace ait::store {
namespace {

std::filesystem::path tempFile(const char* name) {
  static std::atomic<int> counter{0};
  auto dir = std::filesystem::temp_directory_path() /
             fmt::format("ait-store-{}-{}", ::getpid(), counter++);
  std::filesystem::remove_all(dir);
  return dir / name;
}

model::Event submit(std::uint32_t tenant, std::string_view cid, std::uint64_t seq) {
  model::SubmitOrder s;
  s.header = {model::TenantId{tenant}, 10, 10, seq};
  s.clientOrderId = model::ClientOrderId::truncated(cid);
  s.account = model::AccountId::truncated("acc-1");
  s.instrument.symbol = model::Symbol::truncated("EURUSD");
  s.side = model::Side::Sell;
  s.type = model::OrderType::Limit;
  s.quantity = model::Quantity::parse("2.5").value();
  s.price = model::Price::parse("1.08500").value();
  return s;
}

model::Event fill(std::uint32_t tenant, std::string_view cid, std::uint64_t seq, const char* qty,
                  const char* leaves) {
  model::OrderFilled f;
  f.header = {model::TenantId{tenant}, 20, 20, seq};
  f.clientOrderId = model::ClientOrderId::truncated(cid);
  f.tradeId = model::TradeId::truncated(fmt::format("t-{}", seq));
  f.account = model::AccountId::truncated("acc-1");
  f.instrument.symbol = model::Symbol::truncated("EURUSD");
  f.side = model::Side::Sell;
  f.fillQuantity = model::Quantity::parse(qty).value();
  f.fillPrice = model::Price::parse("1.08501").value();
  f.leavesQuantity = model::Quantity::parse(leaves).value();
  f.commission = model::Money::parse("0.10").value();
  return f;
}

TEST(SqliteEventStore, FoldsOrderEventsIntoOrdersAndFills) {
  const auto path = tempFile("store.db");
  auto store = SqliteEventStore::open(path);
  ASSERT_TRUE(store.has_value()) << store.error().describe();
  model::OrderAccepted accepted;
  accepted.header = {model::TenantId{1}, 11, 11, 2};
  accepted.clientOrderId = model::ClientOrderId::truncated("c-1");
  accepted.venueOrderId = model::VenueOrderId::truncated("v-9");
  std::vector<model::Event> events{submit(1, "c-1", 1), accepted, fill(1, "c-1", 3, "1", "1.5"),
                                   fill(1, "c-1", 4, "1.5", "0")};
  ASSERT_TRUE((*store)->apply("trading", events).has_value());
  EXPECT_EQ((*store)->checkpoint("trading").value(), 4u);

  auto orders = (*store)->orders(model::TenantId{1}, 10).value();
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0]["status"], "filled");
  EXPECT_EQ(orders[0]["venue_order_id"], "v-9");
  EXPECT_EQ(orders[0]["quantity"], "2.5");
  EXPECT_EQ(orders[0]["price"], "1.08500") << "prices keep their scale";
  EXPECT_EQ(orders[0]["side"], "sell");
  auto fills = (*store)->fills(model::TenantId{1}, 10).value();
  ASSERT_EQ(fills.size(), 2u);
  EXPECT_EQ(fills[0]["quantity"], "1.5");
  EXPECT_EQ(fills[1]["price"], "1.08501");
}

TEST(SqliteEventStore, ReplayingABatchChangesNothing) {
  auto store = SqliteEventStore::open(tempFile("store.db")).value();
  std::vector<model::Event> events{submit(1, "c-1", 1), fill(1, "c-1", 2, "1", "1.5")};
  ASSERT_TRUE(store->apply("trading", events).has_value());
  ASSERT_TRUE(store->apply("trading", events).has_value());
  // An older event replayed after a newer one does not roll the status back.
  ASSERT_TRUE(store->apply("trading", std::vector<model::Event>{submit(1, "c-1", 1)}).has_value());
  EXPECT_EQ(store->fills(model::TenantId{1}, 10).value().size(), 1u);
  auto orders = store->orders(model::TenantId{1}, 10).value();
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0]["status"], "partially_filled");
  EXPECT_EQ(store->checkpoint("trading").value(), 2u);
}

TEST(SqliteEventStore, ReadsNeverCrossTenants) {
  auto store = SqliteEventStore::open(tempFile("store.db")).value();
  ASSERT_TRUE(store->apply("trading", std::vector<model::Event>{submit(1, "c-1", 1), submit(2, "c-1", 2),
                                                                fill(2, "c-1", 3, "1", "0")})
                  .has_value());
  EXPECT_EQ(store->orders(model::TenantId{1}, 10).value().size(), 1u);
  EXPECT_EQ(store->fills(model::TenantId{1}, 10).value().size(), 0u);
  EXPECT_EQ(store->fills(model::TenantId{2}, 10).value().size(), 1u);
  EXPECT_EQ(store->orders(model::TenantId{3}, 10).value().size(), 0u);
}

TEST(SqliteEventStore, HostileStringsAreStoredLiterally) {
  auto store = SqliteEventStore::open(tempFile("store.db")).value();
  const std::string hostile = "x'); DROP TABLE orders; --";
  ASSERT_TRUE(store->apply("trading", std::vector<model::Event>{submit(1, hostile, 1)}).has_value());
  auto orders = store->orders(model::TenantId{1}, 10).value();
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0]["client_order_id"], model::ClientOrderId::truncated(hostile).view());
  EXPECT_TRUE(store->ping().has_value());
}

TEST(SqliteEventStore, TicksByRangeAndMigrationsAreRecorded) {
  const auto path = tempFile("store.db");
  auto store = SqliteEventStore::open(path).value();
  std::vector<model::Event> ticks;
  for (std::uint64_t i = 1; i <= 10; ++i) {
    model::Tick t;
    t.header = {model::TenantId{1}, static_cast<TimestampNs>(i * 100), 0, i};
    t.instrument.symbol = model::Symbol::truncated("EURUSD");
    t.bid = model::Price::parse("1.1").value();
    t.ask = model::Price::parse("1.2").value();
    ticks.push_back(t);
  }
  ASSERT_TRUE(store->apply("md", ticks).has_value());
  EXPECT_EQ(store->ticks(model::TenantId{1}, "EURUSD", 300, 700, 100).value().size(), 4u);
  EXPECT_EQ(store->ticks(model::TenantId{1}, "EURUSD", 0, 10'000, 3).value().size(), 3u);
  EXPECT_EQ(store->ticks(model::TenantId{2}, "EURUSD", 0, 10'000, 100).value().size(), 0u);
  auto migrations = store->migrations().value();
  EXPECT_EQ(migrations.applied, migrations.known);
  store.reset();
  auto reopened = SqliteEventStore::open(path);
  ASSERT_TRUE(reopened.has_value());
  EXPECT_EQ((*reopened)->checkpoint("md").value(), 10u);
}

TEST(SqliteEventStore, ProjectsPositionsDecisionsModelsAndAccountStates) {
  auto store = SqliteEventStore::open(tempFile("store.db")).value();
  scenario::run(*store);
}

TEST(SqliteEventStore, UpsertsInstrumentsBySymbolAndVenue) {
  auto store = SqliteEventStore::open(tempFile("store.db")).value();
  scenario::runInstruments(*store);
}

TEST(SqliteEventStore, MigratesAVersionOneFileForward) {
  // A file written before migration 2 (only the first schema) gains the later tables on open and
  // keeps its rows.
  const auto path = tempFile("store.db");
  {
    auto store = SqliteEventStore::open(path).value();
    ASSERT_TRUE(store->apply("trading", std::vector<model::Event>{submit(1, "c-1", 1)}).has_value());
  }
  {
    auto db = sqlite::Connection::open(path, "probe", {}, errors::kBackend).value();
    ASSERT_TRUE(db->exec("DROP TABLE positions; DROP TABLE decisions; DROP TABLE models; "
                         "DROP TABLE account_states; DROP INDEX fills_account; DROP TABLE instruments; "
                         "DELETE FROM store_schema WHERE version >= 2")
                    .has_value());
  }
  auto store = SqliteEventStore::open(path).value();
  auto migrations = store->migrations().value();
  EXPECT_EQ(migrations.applied, 3);
  EXPECT_EQ(migrations.known, 3);
  EXPECT_EQ(store->orders(model::TenantId{1}, 10).value().size(), 1u);
  EXPECT_TRUE(store->positions(model::TenantId{1}, "", false, 10).value().empty());
  EXPECT_TRUE(store->instruments(10).value().empty());
}

}  // namespace
}  // namespace ait::store
