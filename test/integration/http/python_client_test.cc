#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ait/http/server.h"
#include "support/require_server.h"

namespace ait::http {
namespace {

using namespace std::chrono_literals;

// Push requests from sessions, served by a thread of the test (not an I/O thread).
struct Pusher {
  std::mutex mutex;
  std::condition_variable wake;
  std::vector<std::pair<WebSocketSession*, int>> pending;
  bool stop = false;
};

struct Shared {
  Pusher pusher;
  std::mutex mutex;
  std::vector<WebSocketCloseInfo> closes;
};

class ScriptSession : public WebSocketSession {
 public:
  explicit ScriptSession(Shared& shared) : shared_(shared) {}
  void onText(std::string_view message) override {
    if (message.starts_with("push:")) {
      std::lock_guard lock(shared_.pusher.mutex);
      shared_.pusher.pending.emplace_back(this, std::stoi(std::string(message.substr(5))));
      shared_.pusher.wake.notify_all();
    } else if (message == "close-me") {
      close(4003, "bye");
    } else {
      send("echo:" + std::string(message));
    }
  }
  void onBinary(std::string_view message) override { sendBinary(std::string(message)); }
  void onClose(const WebSocketCloseInfo& info) override {
    std::lock_guard lock(shared_.mutex);
    shared_.closes.push_back(info);
  }

 private:
  Shared& shared_;
};

TEST(PythonClient, TalksHttpAndWebSocketWithTheServer) {
  std::filesystem::path script =
      std::filesystem::path(AIT_SOURCE_DIR) / "test/integration/http/python_client.py";
  if (std::system("/usr/bin/python3 -c 'import websockets' 2>/dev/null") != 0) {
    AIT_SKIP_UNLESS_SERVERS_REQUIRED() << "/usr/bin/python3 with python3-websockets is not installed";
  }
  Shared shared;
  std::vector<std::shared_ptr<ScriptSession>> sessions;
  std::mutex sessionsMutex;
  metrics::Registry registry;
  HttpServer server({}, registry);
  auto& router = server.addEndpoint({"py", "127.0.0.1", 0});
  router.get("/hello", [](const Request& request) {
    return Response::json(200, {{"n", request.query("n").value_or("")}});
  });
  router.post("/echo", [](const Request& request) {
    return Response::text(200, request.body, "application/json");
  });
  router.addWebSocket("/ws", [&](const Request&) -> WebSocketAccept {
    auto session = std::make_shared<ScriptSession>(shared);
    std::lock_guard lock(sessionsMutex);
    sessions.push_back(session);
    return session;
  });
  ASSERT_TRUE(server.start());

  std::thread pusher([&] {
    std::unique_lock lock(shared.pusher.mutex);
    while (true) {
      shared.pusher.wake.wait(lock, [&] { return shared.pusher.stop || !shared.pusher.pending.empty(); });
      if (shared.pusher.stop) return;
      auto [session, count] = shared.pusher.pending.front();
      shared.pusher.pending.erase(shared.pusher.pending.begin());
      for (int i = 0; i < count; ++i) session->send("push " + std::to_string(i));
    }
  });

  auto command = "timeout 60 /usr/bin/python3 " + script.string() + " " +
                 std::to_string(server.port("py")) + " 2>&1";
  std::string output;
  FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  char chunk[512];
  while (std::fgets(chunk, sizeof(chunk), pipe) != nullptr) output += chunk;
  int status = ::pclose(pipe);

  {
    std::lock_guard lock(shared.pusher.mutex);
    shared.pusher.stop = true;
    shared.pusher.wake.notify_all();
  }
  pusher.join();
  EXPECT_EQ(status, 0) << output;
  EXPECT_NE(output.find("OK"), std::string::npos) << output;

  server.stop();
  std::lock_guard lock(shared.mutex);
  ASSERT_EQ(shared.closes.size(), 2U);
  EXPECT_EQ(shared.closes[0].code, 4002);
  EXPECT_EQ(shared.closes[0].reason, "done");
  EXPECT_TRUE(shared.closes[0].byPeer);
  EXPECT_EQ(shared.closes[1].code, 4003);
  EXPECT_FALSE(shared.closes[1].byPeer);
}

}  // namespace
}  // namespace ait::http
