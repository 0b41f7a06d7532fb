// The compatibility protocol against a real WebSocket client: Python's websockets replays the
// Python MT5 bridge's messages (malformed ones included) and checks every answer; the server
// then pushes each command type through CompatServer::send.

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "ait/model/time.h"
#include "mocks/mt5/compat_http.h"
#include "support/require_server.h"

namespace ait::mt5 {
namespace {

using namespace std::chrono_literals;

TEST(CompatPythonBridge, ReplaysTheBridgeSequenceAndReceivesEveryCommand) {
  if (!test::pythonWebsocketsInstalled()) {
    AIT_SKIP_UNLESS_SERVERS_REQUIRED() << "/usr/bin/python3 with python3-websockets is not installed";
  }
  std::filesystem::path script =
      std::filesystem::path(AIT_SOURCE_DIR) / "test/integration/mt5/python_bridge.py";
  constexpr int kTicks = 200;

  Mt5Config config;
  config.client_time_zone = "Europe/Athens";
  config.compat_default_tenant = 3;
  config.tokens = {{"tok-9", 9, "UTC"}};
  test::CompatOverHttp bridge(config);
  auto& registry = bridge.registry;
  auto& recorder = bridge.recorder;
  auto& compat = bridge.compat;
  auto& server = bridge.server;
  ASSERT_TRUE(server.start());

  std::atomic<bool> pushed{false};
  std::thread pusher([&] {
    // Once the replay is through (every tick and the last heartbeat), push the commands.
    auto deadline = std::chrono::steady_clock::now() + 30s;
    while (std::chrono::steady_clock::now() < deadline) {
      if (recorder->quotesCopy().size() == kTicks &&
          registry.render().find(
              "ait_mt5_errors_total{protocol=\"ws\",reason=\"unknown_type\"} 1") !=
              std::string::npos &&
          compat.clients(model::TenantId{3}) == 1) {
        std::this_thread::sleep_for(200ms);
        model::TenantId t{3};
        bool ok = compat
                      .send(t, "trading_signal",
                            {{"id", "SIG-2"},
                             {"symbol", "EURUSD"},
                             {"action", "BUY"},
                             {"volume", 0.1},
                             {"stop_loss", 1.16},
                             {"take_profit", 1.18},
                             {"urgency", "high"}})
                      .has_value();
        ok = ok && compat.send(t, "close_position", {{"ticket", 1001}}).has_value();
        ok = ok && compat.send(t, "modify_order", {{"ticket", 2001}, {"sl", 1.155}, {"tp", 1.19}})
                       .has_value();
        ok = ok && compat.send(t, "emergency_stop", {{"reason", "test"}}).has_value();
        ok = ok && compat.send(t, "config_update", {{"risk", {{"max_positions", 3}}}}).has_value();
        ok = ok && compat.send(t, "get_data", {{"request_type", "positions"}}).has_value();
        pushed = ok;
        return;
      }
      std::this_thread::sleep_for(20ms);
    }
  });

  auto command = "timeout 60 /usr/bin/python3 " + script.string() + " " +
                 std::to_string(server.port("data-bridge")) + " " + std::to_string(kTicks) +
                 " 2>&1";
  std::string output;
  FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  char chunk[512];
  while (std::fgets(chunk, sizeof(chunk), pipe) != nullptr) output += chunk;
  int status = ::pclose(pipe);
  pusher.join();
  EXPECT_EQ(status, 0) << output;
  EXPECT_NE(output.find("OK"), std::string::npos) << output;
  EXPECT_TRUE(pushed);

  auto quotes = recorder->quotesCopy();
  ASSERT_EQ(quotes.size(), static_cast<std::size_t>(kTicks));
  // 13:00 local in Athens (UTC+3 in September) is 10:00 UTC, one tick per ms, in order.
  auto start = *model::parseIso8601("2025-09-20T10:00:00Z");
  for (int i = 0; i < kTicks; ++i) {
    EXPECT_EQ(quotes[i].tsEvent, start + i * 1'000'000LL) << i;
    EXPECT_EQ(quotes[i].tenant, 3U);
  }
  auto events = recorder->eventsCopy();
  ASSERT_EQ(events.size(), 4U);  // account, position, working order, trade result
  EXPECT_TRUE(std::holds_alternative<model::AccountState>(events[0]));
  EXPECT_TRUE(std::holds_alternative<model::PositionChanged>(events[1]));
  EXPECT_TRUE(std::holds_alternative<model::OrderAccepted>(events[2]));
  EXPECT_EQ(std::get<model::OrderAccepted>(events[3]).clientOrderId.view(), "SIG-1");
  EXPECT_EQ(compat.stats().badJson.value(), 2U);  // the broken text and the binary frame
  EXPECT_EQ(compat.stats().commands.value(), 6U);
  server.stop();
}

}  // namespace
}  // namespace ait::mt5
