// Per-tenant market data: a tenant sees its own feeds and the public ones (tenant 0), never
// another tenant's private feed; in the index, the query API and the status.

#include <atomic>
#include <chrono>
#include <filesystem>
#include <set>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "ait/data/data_bridge.h"
#include "ait/http/caller.h"
#include "ait/data/market_index.h"
#include "ait/data/visibility.h"
#include "ait/model/time.h"
#include "unit/data/wait.h"

namespace ait::data {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr model::TenantId kAlice{1};
constexpr model::TenantId kBob{2};
constexpr model::TenantId kCarol{3};

model::Tick tick(model::TenantId owner, std::string_view symbol, TimestampNs at) {
  model::Tick t;
  t.header.tenant = owner;
  t.header.tsEvent = at;
  t.instrument.symbol = model::Symbol::truncated(symbol);
  t.bid = model::Price::fromRaw(110'000 + at, 5);
  t.ask = model::Price::fromRaw(110'010 + at, 5);
  t.flags = model::kTickBid | model::kTickAsk;
  return t;
}

model::Bar bar(model::TenantId owner, TimestampNs start) {
  model::Bar b;
  b.header.tenant = owner;
  b.header.tsEvent = start + 60;
  b.instrument.symbol = model::Symbol("EURUSD");
  b.timeframe = model::Timeframe{60};
  b.start = start;
  b.tickCount = 1;
  return b;
}

std::set<std::uint32_t> ownersOf(const std::vector<model::Tick>& ticks) {
  std::set<std::uint32_t> out;
  for (const auto& t : ticks) out.insert(t.header.tenant.value);
  return out;
}

TEST(Visibility, OwnAndPublicOnly) {
  EXPECT_TRUE(visibleTo(kAlice, kAlice));
  EXPECT_TRUE(visibleTo(kAlice, kPublicTenant));
  EXPECT_FALSE(visibleTo(kAlice, kBob));
  EXPECT_TRUE(visibleTo(kPublicTenant, kPublicTenant));
  EXPECT_FALSE(visibleTo(kPublicTenant, kAlice));  // no tenant in particular: public data only
  EXPECT_TRUE(visibleTo(kBob, model::Event{tick(kBob, "EURUSD", 1)}));
  EXPECT_FALSE(visibleTo(kBob, tick(kAlice, "EURUSD", 1)));
  EXPECT_FALSE(visibleTo(kBob, bar(kAlice, 0)));
}

TEST(MarketIndexTenants, EachViewerSeesItsOwnSeriesMergedWithThePublicOne) {
  MarketIndexConfig config;
  config.ticksPerSymbol = 64;
  config.timeframes = {model::Timeframe{60}};
  MarketIndex index(config, {});
  // Two private EURUSD feeds and a public one, interleaved in time; Bob also has a private GBPUSD.
  for (TimestampNs t = 1; t <= 30; ++t) {
    const model::TenantId owner = t % 3 == 0 ? kPublicTenant : (t % 3 == 1 ? kAlice : kBob);
    index.add(model::Event{tick(owner, "EURUSD", t)});
  }
  index.add(model::Event{tick(kBob, "GBPUSD", 5)});
  index.add(model::Event{bar(kAlice, 0)});
  index.add(model::Event{bar(kPublicTenant, 60)});
  index.add(model::Event{bar(kBob, 120)});

  auto alice = index.ticks(kAlice, "EURUSD", 0, INT64_MAX, 1000);
  EXPECT_EQ(alice.size(), 20U);
  EXPECT_EQ(ownersOf(alice), (std::set<std::uint32_t>{0, 1}));
  EXPECT_TRUE(std::is_sorted(alice.begin(), alice.end(), [](const auto& a, const auto& b) {
    return a.header.tsEvent < b.header.tsEvent;
  }));
  EXPECT_EQ(alice.front().header.tsEvent, 1);
  auto bob = index.ticks(kBob, "EURUSD", 0, INT64_MAX, 1000);
  EXPECT_EQ(ownersOf(bob), (std::set<std::uint32_t>{0, 2}));
  EXPECT_EQ(ownersOf(index.ticks(kPublicTenant, "EURUSD", 0, INT64_MAX, 1000)),
            (std::set<std::uint32_t>{0}));
  EXPECT_EQ(ownersOf(index.ticks(kCarol, "EURUSD", 0, INT64_MAX, 1000)),
            (std::set<std::uint32_t>{0}));
  // The limit keeps the oldest of the merged series; a range cuts both.
  auto limited = index.ticks(kAlice, "EURUSD", 0, INT64_MAX, 4);
  ASSERT_EQ(limited.size(), 4U);
  EXPECT_EQ(limited.back().header.tsEvent, 6);  // 1 (Alice) 3 (public) 4 (Alice) 6 (public)
  EXPECT_EQ(index.ticks(kAlice, "EURUSD", 10, 13, 100).size(), 2U);  // 10 (Alice) 12 (public)

  EXPECT_TRUE(index.ticks(kAlice, "GBPUSD", 0, INT64_MAX, 100).empty());
  EXPECT_EQ(index.ticks(kBob, "GBPUSD", 0, INT64_MAX, 100).size(), 1U);
  auto aliceSymbols = index.symbols(kAlice);
  EXPECT_EQ(aliceSymbols, std::vector<std::string>{"EURUSD"});
  EXPECT_EQ(index.symbols(kBob).size(), 2U);

  auto aliceBars = index.bars(kAlice, "EURUSD", model::Timeframe{60}, 0, INT64_MAX, 100);
  ASSERT_TRUE(aliceBars);
  ASSERT_EQ(aliceBars->size(), 2U);
  EXPECT_EQ((*aliceBars)[0].header.tenant, kAlice);
  EXPECT_EQ((*aliceBars)[1].header.tenant, kPublicTenant);
  auto bobBars = index.bars(kBob, "EURUSD", model::Timeframe{60}, 0, INT64_MAX, 100);
  ASSERT_TRUE(bobBars);
  ASSERT_EQ(bobBars->size(), 2U);
  EXPECT_EQ((*bobBars)[0].start, 60);
  EXPECT_EQ((*bobBars)[1].header.tenant, kBob);
}

using test::waitFor;

nlohmann::json get(http::Router& router, const std::string& target, std::string_view tenant,
                   int status = 200) {
  // A viewer as the gateway passes it in process (the verified caller).
  auto request = http::Request::make(http::Method::Get, target);
  if (!tenant.empty()) {
    request.caller = http::Caller{.tenant = static_cast<std::uint32_t>(std::stoul(std::string(tenant))),
                                  .userId = 1, .role = "viewer"};
  }
  auto response = router.handle(request);
  EXPECT_EQ(response.status, status) << target << ": " << response.body;
  return nlohmann::json::parse(response.body);
}

// The data bridge with a public synthetic feed, Alice's private replay and Bob's private MT5-like
// feed (ticks published on the bus as an MT5 connection of tenant 2 does).
TEST(DataBridgeTenants, TwoPrivateFeedsAndAPublicOneEachTenantSeesOwnAndPublic) {
  const auto dir = fs::temp_directory_path() /
                   ("ait-data-tenants-test-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  engine::RuntimeSettings runtimeSettings;
  runtimeSettings.journal.dataDir = dir.string();
  runtimeSettings.journal.fsync = false;
  config::Config config;
  config.data.synthetic.enabled = true;
  config.data.synthetic.tenant = 0;
  for (auto& s : config.data.synthetic.symbols) s.ticks_per_second = 500.0;
  config.data.replay.enabled = true;
  config.data.replay.tenant = 1;
  config.data.replay.speed = 0.0;
  config.data.replay.file =
      (fs::path(AIT_SHARED_DATA_DIR) / "market/nautilus_trader/quote_tick_data.csv").string();
  auto settings = dataBridgeSettings(config);
  ASSERT_TRUE(settings) << settings.error().describe();
  {
    auto runtime = engine::Runtime::open(runtimeSettings);
    ASSERT_TRUE(runtime) << runtime.error().describe();
    http::Router router;
    DataBridge bridge(*settings, **runtime, router);
    auto bobFeed = (*runtime)->bus().makeProducer({.name = "test-mt5-bob"});
    ASSERT_TRUE(bobFeed);
    ASSERT_TRUE(bridge.start());
    ASSERT_TRUE((*runtime)->start());
    const TimestampNs bobStart = SystemClock::instance().now();
    for (int i = 0; i < 50; ++i) {
      ASSERT_EQ(bobFeed->publish(model::Event{tick(kBob, "EURUSD", bobStart + i)}),
                bus::PublishStatus::Ok);
    }
    ASSERT_TRUE(waitFor([&] {
      auto alice = bridge.ticks(kAlice, "EURUSD", 0, INT64_MAX, 100'000);
      auto bob = bridge.ticks(kBob, "EURUSD", 0, INT64_MAX, 100'000);
      return ownersOf(alice).size() == 2 && alice.size() >= 9500 + 20 &&
             ownersOf(bob).size() == 2 && bob.size() >= 50 + 20;
    }));
    bridge.stop();
    (*runtime)->stop();

    auto alice = bridge.ticks(kAlice, "EURUSD", 0, INT64_MAX, 100'000);
    EXPECT_EQ(ownersOf(alice), (std::set<std::uint32_t>{0, 1}));
    std::size_t aliceOwn = 0;
    for (const auto& t : alice) aliceOwn += t.header.tenant == kAlice ? 1 : 0;
    EXPECT_EQ(aliceOwn, 9500U);
    auto bob = bridge.ticks(kBob, "EURUSD", 0, INT64_MAX, 100'000);
    EXPECT_EQ(ownersOf(bob), (std::set<std::uint32_t>{0, 2}));
    EXPECT_EQ(ownersOf(bridge.ticks(kPublicTenant, "EURUSD", 0, INT64_MAX, 100'000)),
              (std::set<std::uint32_t>{0}));
    // Alice's replay built bars for her only.
    auto aliceBars = bridge.bars(kAlice, "EURUSD", model::Timeframe{3600}, 0,
                                 *model::parseIso8601("2020-01-03T00:00:00Z"), 100);
    ASSERT_TRUE(aliceBars);
    EXPECT_EQ(aliceBars->size(), 7U);
    auto bobBars = bridge.bars(kBob, "EURUSD", model::Timeframe{3600}, 0,
                               *model::parseIso8601("2020-01-03T00:00:00Z"), 100);
    ASSERT_TRUE(bobBars);
    EXPECT_TRUE(bobBars->empty());

    // Over HTTP, the verified caller is the viewer; without one only public data shows.
    auto bobHttp = get(router, "/api/v1/ticks?symbol=EURUSD&to=2021-01-01T00:00:00Z", "2");
    EXPECT_EQ(bobHttp["count"], 0) << "Alice's 2020 replay is not Bob's";
    auto aliceHttp = get(router, "/api/v1/ticks?symbol=EURUSD&to=2021-01-01T00:00:00Z&limit=5", "1");
    EXPECT_EQ(aliceHttp["count"], 5);
    EXPECT_EQ(aliceHttp["ticks"][0]["tenant_id"], 1);
    EXPECT_EQ(get(router, "/api/v1/ticks?symbol=EURUSD&to=2021-01-01T00:00:00Z", "")["count"], 0);
    // A tenant named by the client is not trusted: public data only. A forged identity: 401.
    auto named = http::Request::make(http::Method::Get, "/api/v1/ticks?symbol=EURUSD&to=2021-01-01T00:00:00Z");
    named.headers.emplace_back("X-Tenant-Id", "1");
    auto namedReply = router.handle(named);
    EXPECT_EQ(namedReply.status, 200);
    EXPECT_EQ(nlohmann::json::parse(namedReply.body)["count"], 0) << "X-Tenant-Id showed Alice's feed";
    auto forged = http::Request::make(http::Method::Get, "/api/v1/ticks?symbol=EURUSD");
    forged.headers.emplace_back(std::string(http::kIdentityHeader), "forged");
    EXPECT_EQ(router.handle(forged).status, 401);

    auto names = [](const nlohmann::json& status) {
      std::set<std::string> out;
      for (const auto& s : status["sources"]) out.insert(s["name"].get<std::string>());
      return out;
    };
    EXPECT_EQ(names(get(router, "/api/v1/status", "1")),
              (std::set<std::string>{"synthetic", "replay"}));
    EXPECT_EQ(names(get(router, "/api/v1/status", "2")), (std::set<std::string>{"synthetic"}));
    EXPECT_EQ(names(bridge.status(kPublicTenant)), (std::set<std::string>{"synthetic"}));
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace ait::data
