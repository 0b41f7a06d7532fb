// The native protocol over real TCP: an EA-side client that drops its connection in the middle
// of bursts (mid-line, between lines, and when the platform is briefly full) and resumes; the
// platform must end with every tick exactly once and in order.

#include <gtest/gtest.h>

#include <random>
#include <thread>

#include "ait/mt5/ea_client.h"
#include "ait/mt5/native.h"
#include "mocks/mt5/bus_fixture.h"
#include "mocks/mt5/recording_feed.h"

namespace ait::mt5 {
namespace {

using namespace std::chrono_literals;

Mt5Config serverConfig() {
  Mt5Config config;
  config.native_host = "127.0.0.1";
  config.native_port = 0;
  config.tokens = {{"token-7", 7, ""}};
  return config;
}

EaClient::Options clientOptions(std::uint16_t port, std::string session = {}) {
  EaClient::Options options;
  options.port = port;
  options.token = "token-7";
  options.terminal = "T1";
  options.account = "42";
  options.session = std::move(session);
  return options;
}

using test::waitFor;

TEST(NativeResume, EveryTickArrivesExactlyOnceAndInOrderAcrossDisconnects) {
  metrics::Registry registry;
  auto recorder = std::make_shared<test::Recorder>();
  NativeServer server(serverConfig(), test::recordingFeeds(recorder), SystemClock::instance(),
                      registry);
  ASSERT_TRUE(server.start());
  EaClient client(clientOptions(server.port()));
  ASSERT_TRUE(client.connect());

  constexpr int kBatches = 600;
  constexpr int kPerBatch = 40;
  std::mt19937 rng(20261124);
  std::int64_t time = 1;
  int cuts = 0, drops = 0, overloads = 0, failedSends = 0;
  std::vector<EaTick> rows(kPerBatch);
  for (int b = 0; b < kBatches; ++b) {
    for (auto& row : rows) {
      row = EaTick{time, 1.1 + static_cast<double>(time % 100) * 1e-5, 1.102, 0, 0, 6};
      ++time;
    }
    int dice = static_cast<int>(rng() % 29);
    if (!client.connected()) {
      // As the EA does: a reconnect refused while the server still holds the old link is retried.
      ASSERT_TRUE(waitFor([&] { return static_cast<bool>(client.connect()); }, 5s)) << "batch " << b;
    }
    if (dice == 0) {
      ++cuts;  // half a line, then the connection is gone
      // The server may have closed the link first (it just refused a batch): the ticks stay in
      // the EA's resend buffer either way, which is what this test checks.
      if (!client.sendTicksAndCut("EURUSD", 5, rows, rng() % 600 + 1)) ++failedSends;
    } else if (dice == 1) {
      ++drops;
      if (!client.sendTicks("EURUSD", 5, rows)) ++failedSends;
      client.disconnect();
    } else {
      if (dice == 2) {
        ++overloads;  // the platform fills up part-way through a batch
        recorder->acceptBeforeOverload = static_cast<long>(rng() % kPerBatch);
      }
      if (!client.sendTicks("EURUSD", 5, rows)) ++failedSends;  // buffered, resent later
    }
  }
  // Settle: reconnect (which resends whatever the server has not confirmed) until all arrived.
  const std::size_t total = static_cast<std::size_t>(kBatches) * kPerBatch;
  bool complete = waitFor(
      [&] {
        if (recorder->quotesCopy().size() >= total) return true;
        if (!client.connected() || !client.heartbeat()) (void)client.connect();
        (void)client.read(1ms);
        return false;
      },
      20s);
  auto quotes = recorder->quotesCopy();
  EXPECT_TRUE(complete) << quotes.size() << " of " << total;
  ASSERT_EQ(quotes.size(), total);
  for (std::size_t i = 0; i < total; ++i) {
    ASSERT_EQ(quotes[i].tsEvent, static_cast<TimestampNs>(i + 1) * 1'000'000) << "tick " << i;
  }
  EXPECT_GT(cuts + drops, 10);
  EXPECT_GT(recorder->overloads.load(), 0);
  EXPECT_EQ(server.core().stats().gaps.value(), 0U);
  std::printf(
      "cuts %d, drops %d, overloads %d (%ld hit), failed sends %d, duplicates dropped %lu\n", cuts,
      drops, overloads, recorder->overloads.load(), failedSends,
      static_cast<unsigned long>(server.core().stats().duplicates.value()));
  server.stop();
}

TEST(NativeResume, CommandsReachTheEaOnceAcrossAReconnect) {
  metrics::Registry registry;
  auto recorder = std::make_shared<test::Recorder>();
  NativeServer server(serverConfig(), test::recordingFeeds(recorder), SystemClock::instance(),
                      registry);
  ASSERT_TRUE(server.start());
  EaClient client(clientOptions(server.port(), "S1"));
  ASSERT_TRUE(client.connect());
  ASSERT_TRUE(waitFor([&] { return server.core().clients(model::TenantId{7}) == 1; }, 2s));

  for (int i = 1; i <= 5; ++i) {
    ASSERT_TRUE(server.core().send(model::TenantId{7}, "order",
                                   {{"cid", "C" + std::to_string(i)}, {"symbol", "EURUSD"}}));
  }
  std::vector<std::string> received;
  auto readOrders = [&](std::size_t want) {
    waitFor(
        [&] {
          auto m = client.read(10ms);
          if (m && *m && (**m)["t"] == "order" && !(**m).contains("duplicate")) {
            received.push_back((**m)["cid"]);
          }
          return received.size() >= want;
        },
        3s);
  };
  readOrders(2);
  ASSERT_GE(received.size(), 2U);
  // The EA "crashes" after processing what it read: the rest must come again, once.
  client.disconnect();
  ASSERT_TRUE(client.connect());
  readOrders(5);
  EXPECT_EQ(received, (std::vector<std::string>{"C1", "C2", "C3", "C4", "C5"}));
  server.stop();
}

TEST(NativeResume, AnOversizeLineIsRefusedAndTheConnectionGoesOn) {
  metrics::Registry registry;
  auto recorder = std::make_shared<test::Recorder>();
  NativeServer server(serverConfig(), test::recordingFeeds(recorder), SystemClock::instance(),
                      registry);
  ASSERT_TRUE(server.start());
  EaClient client(clientOptions(server.port()));
  ASSERT_TRUE(client.connect());
  ASSERT_TRUE(client.sendRaw(std::string(200'000, 'x') + "\n"));
  std::vector<EaTick> one{{1, 1.1, 1.2, 0, 0, 6}};
  ASSERT_TRUE(client.sendTicks("EURUSD", 5, one));
  std::optional<nlohmann::json> error;
  waitFor(
      [&] {
        auto m = client.read(10ms);
        if (m && *m && (**m)["t"] == "error") error = **m;
        return error.has_value() && recorder->quotesCopy().size() == 1;
      },
      3s);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ((*error)["code"], "AIT-MT5-0004");
  EXPECT_EQ(recorder->quotesCopy().size(), 1U);
  server.stop();
}

}  // namespace
}  // namespace ait::mt5
