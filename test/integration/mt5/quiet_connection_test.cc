// An MT5 connection that goes quiet: its feed still sees the clock. Through a real native
// connection (EA-side client, native server, BusFeeds, engine bus) held quotes are released and a
// quiet symbol's gap is reported by the connection's timer, with no further quote; a quiet
// compatibility WebSocket client's feed is ticked by the server's timer.

#include <gtest/gtest.h>

#include <thread>

#include "ait/mt5/bus_feed.h"
#include "ait/mt5/ea_client.h"
#include "ait/mt5/native.h"
#include "mocks/mt5/bus_fixture.h"
#include "mocks/mt5/compat_http.h"
#include "support/require_server.h"

namespace ait::mt5 {
namespace {

using namespace std::chrono_literals;
constexpr std::int64_t kMs = 1'000'000;

using test::waitFor;

class QuietNativeConnection : public test::RecordingBusTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(createBus("mt5-quiet-test"));
    auto eurusd = test::eurusdSpec(2'000 * kMs);  // always in session (24x7)
    data::NormaliserConfig validation;
    validation.reorderWindowNs = 500 * kMs;
    feeds_ = std::make_unique<BusFeeds>(*bus_, std::vector{eurusd}, validation, clock_, registry_);
    Mt5Config config;
    config.native_host = "127.0.0.1";
    config.native_port = 0;
    config.tokens = {{"token-4", 4, ""}};
    server_ = std::make_unique<NativeServer>(config, feeds_->native(), clock_, registry_);
    ASSERT_TRUE(bus_->start());
    ASSERT_TRUE(server_->start());
  }
  void TearDown() override {
    server_->stop();
    (void)bus_->stop();
  }

  // The test moves this clock; the connection's timer runs on real time and reads it.
  FakeClock clock_;
  std::unique_ptr<BusFeeds> feeds_;
  std::unique_ptr<NativeServer> server_;
};

TEST_F(QuietNativeConnection, ReleasesHeldQuotesAndReportsTheGapByTheClockAlone) {
  EaClient::Options options;
  options.port = server_->port();
  options.token = "token-4";
  EaClient client(options);
  ASSERT_TRUE(client.connect());
  const std::int64_t nowMs = clock_.now() / kMs;
  // Out of order within the 500 ms window: both are held until the source's clock passes them.
  std::vector<EaTick> ticks{{nowMs - 400, 1.17420, 1.17430, 0, 0, 6},
                            {nowMs - 450, 1.17410, 1.17425, 0, 0, 6}};
  ASSERT_TRUE(client.sendTicks("EURUSD", 5, ticks));
  // The server took the message (its heartbeat would confirm it); the ticks stay held while the
  // clock stands still, however many timer ticks pass.
  ASSERT_TRUE(waitFor([&] { return server_->core().clients(model::TenantId{4}) == 1; }, 3s));
  std::this_thread::sleep_for(400ms);
  EXPECT_TRUE(only<model::Tick>().empty());

  clock_.advance(600ms);  // past the window: the next timer tick releases them, in time order
  ASSERT_TRUE(waitFor([&] { return only<model::Tick>().size() == 2; }, 3s));
  auto released = only<model::Tick>();
  EXPECT_EQ(released[0].header.tsEvent, (nowMs - 450) * kMs);
  EXPECT_EQ(released[1].header.tsEvent, (nowMs - 400) * kMs);
  EXPECT_EQ(released[1].header.tenant.value, 4U);
  EXPECT_TRUE(only<model::GapDetected>().empty());

  clock_.advance(2'000ms);  // 3 s since the last tick: over the 2 s threshold, no quote came
  ASSERT_TRUE(waitFor([&] { return only<model::GapDetected>().size() == 1; }, 3s));
  auto gap = only<model::GapDetected>()[0];
  EXPECT_EQ(gap.instrument.symbol.view(), "EURUSD");
  EXPECT_EQ(gap.header.tenant.value, 4U);
  EXPECT_EQ(gap.gapStart, (nowMs - 400) * kMs);
  EXPECT_EQ(gap.gapEnd, clock_.now());
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(only<model::GapDetected>().size(), 1U);  // once per silence
  EXPECT_TRUE(client.connected());
}

TEST(QuietCompatConnection, TheServersTimerTicksTheFeedOfASilentClient) {
  if (!test::pythonWebsocketsInstalled()) {
    AIT_SKIP_UNLESS_SERVERS_REQUIRED() << "/usr/bin/python3 with python3-websockets is not installed";
  }
  Mt5Config config;
  config.compat_default_tenant = 3;
  test::CompatOverHttp bridge(config);
  auto& recorder = bridge.recorder;
  auto& compat = bridge.compat;
  auto& server = bridge.server;
  ASSERT_TRUE(server.start());
  // Connects, then says nothing for a second.
  auto command = "timeout 20 /usr/bin/python3 -c \"import asyncio, websockets\n"
                 "async def main():\n"
                 "    async with websockets.connect('ws://127.0.0.1:" +
                 std::to_string(server.port("data-bridge")) +
                 "/api/v1/ws') as ws:\n"
                 "        await asyncio.sleep(1.0)\n"
                 "asyncio.run(main())\" 2>&1";
  std::thread client([&] { EXPECT_EQ(std::system(command.c_str()), 0); });
  ASSERT_TRUE(waitFor([&] { return compat.clients(model::TenantId{3}) == 1; }, 5s));
  const auto before = recorder->timersCopy().size();
  std::this_thread::sleep_for(600ms);
  const auto during = recorder->timersCopy().size() - before;
  EXPECT_GE(during, 3U);  // about 6 at 100 ms
  EXPECT_LE(during, 8U);
  client.join();
  ASSERT_TRUE(waitFor([&] { return compat.clients(model::TenantId{3}) == 0; }, 5s));
  std::this_thread::sleep_for(150ms);
  const auto closed = recorder->timersCopy().size();
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(recorder->timersCopy().size(), closed);  // a closed session is not ticked
  server.stop();
}

}  // namespace
}  // namespace ait::mt5
