// Runs the real `aitrading` binary as a user would and checks what its ports and exit show.
#include <signal.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/child_process.h"

namespace ait {
namespace {

using namespace std::chrono_literals;
using testing::ChildProcess;
using testing::freePort;
using testing::httpGet;

const std::string kBinary = std::string(AIT_BINARY_DIR) + "/src/app/aitrading";

struct ServiceSpec {
  const char* key;
  const char* name;
};
constexpr std::array<ServiceSpec, 6> kServices = {{{"api_gateway", "api-gateway"},
                                                   {"data_bridge", "data-bridge"},
                                                   {"performance_analytics", "performance-analytics"},
                                                   {"ai_orchestration", "ai-orchestration"},
                                                   {"database_service", "database-service"},
                                                   {"trading_engine", "trading-engine"}}};

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class ServeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           fmt::format("ait-serve-{}-{}", getpid(),
                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    for (auto& port : ports_) port = freePort();
    mt5Port_ = freePort();
    writeOverlay("info");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void writeOverlay(const std::string& level, const std::string& extra = {}) {
    std::string text = fmt::format(
        "[log]\nlevel = \"{}\"\nfile = \"{}\"\nstderr = false\n[journal]\ndata_dir = \"{}\"\n"
        "[auth]\ndb_path = \"{}\"\njwt_secret_file = \"{}\"\n[database]\nsqlite_path = \"{}\"\n{}",
        level, logFile().string(), (dir_ / "journal").string(), (dir_ / "identity.db").string(),
        (dir_ / "jwt.key").string(), (dir_ / "platform.db").string(), extra);
    for (std::size_t i = 0; i < kServices.size(); ++i) {
      text += fmt::format("[services.{}]\nport = {}\n", kServices[i].key, ports_[i]);
    }
    text += fmt::format("[mt5]\nnative_port = {}\n", mt5Port_);  // not the shared 8101
    std::ofstream(overlay()) << text;
  }

  std::filesystem::path overlay() const { return dir_ / "test.toml"; }
  std::filesystem::path logFile() const { return dir_ / "aitrading.log"; }

  std::unique_ptr<ChildProcess> serve(std::vector<std::string> extra = {}) {
    std::vector<std::string> argv{kBinary, "serve", "--config", overlay().string(), "--config-dir",
                                  std::string(AIT_SOURCE_DIR) + "/config"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return std::make_unique<ChildProcess>(argv, (dir_ / "stdout.txt").string());
  }

  bool waitHealthy(std::size_t index, std::chrono::milliseconds timeout = 20s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (httpGet(ports_[index], "/health").status == 200) return true;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }

  bool waitForLog(const std::string& needle, std::chrono::milliseconds timeout = 10s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (slurp(logFile()).find(needle) != std::string::npos) return true;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }

  std::filesystem::path dir_;
  std::array<int, 6> ports_{};
  int mt5Port_ = 0;
};

TEST_F(ServeTest, AnswersHealthReadyMetricsAndErrorsOnAllSixPorts) {
  auto child = serve();
  for (std::size_t i = 0; i < kServices.size(); ++i) {
    ASSERT_TRUE(waitHealthy(i)) << kServices[i].name << "\n" << slurp(dir_ / "stdout.txt");
  }
  for (std::size_t i = 0; i < kServices.size(); ++i) {
    auto health = httpGet(ports_[i], "/health");
    ASSERT_EQ(health.status, 200);
    auto json = nlohmann::json::parse(health.body);
    // On defaults no AI model is configured: ai-orchestration reports itself degraded (every
    // decision holds) and its dependants show that; nothing else may be less than healthy.
    if (json["status"] != "healthy") {
      EXPECT_EQ(json["status"], "degraded") << health.body;
      EXPECT_TRUE(health.body.find("no model loaded") != std::string::npos ||
                  health.body.find("ai-orchestration") != std::string::npos)
          << health.body;
    }
    EXPECT_EQ(json["service"], kServices[i].name);

    auto ready = httpGet(ports_[i], "/ready");
    EXPECT_EQ(ready.status, 200) << ready.body;

    auto errors = httpGet(ports_[i], "/api/v1/errors");
    if (kServices[i].name == std::string_view("api-gateway")) {
      // On the public port the error registry is for admins only.
      EXPECT_EQ(errors.status, 401) << errors.body;
    } else {
      ASSERT_EQ(errors.status, 200);
      EXPECT_TRUE(nlohmann::json::parse(errors.body)["errors"].is_array());
    }

    auto metrics = httpGet(ports_[i], "/metrics");
    ASSERT_EQ(metrics.status, 200);
    EXPECT_NE(metrics.body.find("ait_hub_service_up"), std::string::npos);
#ifdef AIT_PROMTOOL
    auto file = dir_ / fmt::format("metrics-{}.txt", i);
    std::ofstream(file) << metrics.body;
    auto command = fmt::format("{} check metrics < {}", AIT_PROMTOOL, file.string());
    EXPECT_EQ(std::system(command.c_str()), 0) << "promtool on port " << ports_[i];
#endif
  }
  // The registry is admin-only on the gateway's public port; the data bridge's port shows it.
  EXPECT_EQ(httpGet(ports_[0], "/api/v1/services").status, 401);
  auto services = nlohmann::json::parse(httpGet(ports_[1], "/api/v1/services").body);
  EXPECT_EQ(services["services"].size(), 6u);
  EXPECT_EQ(httpGet(ports_[0], "/no/such/route").status, 404);

  child->signal(SIGTERM);
  EXPECT_EQ(child->wait(5s), 0);
}

TEST_F(ServeTest, DataBridgeServesSyntheticTicksAndBarsOnDefaults) {
  auto child = serve();
  ASSERT_TRUE(waitHealthy(1)) << slurp(dir_ / "stdout.txt");
  // The default synthetic feed: 10 ticks/s per symbol, journaled and indexed.
  nlohmann::json ticks;
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline) {
    ticks = nlohmann::json::parse(httpGet(ports_[1], "/api/v1/ticks?symbol=EURUSD&limit=5").body);
    if (ticks["count"].get<int>() == 5) break;
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_EQ(ticks["count"], 5) << ticks.dump();
  EXPECT_EQ(ticks["ticks"][0]["type"], "tick");
  EXPECT_EQ(ticks["ticks"][0]["instrument"]["symbol"], "EURUSD");
  auto status = nlohmann::json::parse(httpGet(ports_[1], "/api/v1/status").body);
  ASSERT_EQ(status["sources"].size(), 1U) << status.dump();
  EXPECT_EQ(status["sources"][0]["name"], "synthetic");
  EXPECT_GE(status["sources"][0]["ticks"].get<int>(), 5);
  EXPECT_EQ(status["sources"][0]["rejected"], 0);
  auto bad = httpGet(ports_[1], "/api/v1/bars?symbol=EURUSD");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("timeframe is required"), std::string::npos) << bad.body;
  auto metrics = httpGet(ports_[1], "/metrics").body;
  EXPECT_NE(metrics.find("ait_data_ticks_in_total{source=\"synthetic\",symbol=\"EURUSD\"}"),
            std::string::npos);
}

TEST_F(ServeTest, SigtermStopsServicesInReverseOrderExitsZeroAndFlushesTheLog) {
  auto child = serve();
  ASSERT_TRUE(waitHealthy(0));
  child->signal(SIGTERM);
  auto code = child->wait(5s);
  ASSERT_TRUE(code.has_value()) << "still running 5 s after SIGTERM";
  EXPECT_EQ(*code, 0);
  auto log = slurp(logFile());
  EXPECT_NE(log.find("\"component\":\"app\",\"msg\":\"stopped\""), std::string::npos) << log;
  // The gateway depends on every other service, so it stops first; the data bridge, which
  // others depend on, stops after the trading engine.
  auto gateway = log.find("\"msg\":\"service stopped\",\"service\":\"api-gateway\"");
  auto engine = log.find("\"msg\":\"service stopped\",\"service\":\"trading-engine\"");
  auto bridge = log.find("\"msg\":\"service stopped\",\"service\":\"data-bridge\"");
  ASSERT_NE(gateway, std::string::npos) << log;
  ASSERT_NE(engine, std::string::npos) << log;
  ASSERT_NE(bridge, std::string::npos) << log;
  EXPECT_LT(gateway, engine);
  EXPECT_LT(engine, bridge);
  for (int port : ports_) EXPECT_EQ(httpGet(port, "/health", 300ms).status, 0);
}

TEST_F(ServeTest, SighupReloadsLogLevelAndKeepsOldConfigWhenReloadIsInvalid) {
  auto child = serve();
  ASSERT_TRUE(waitHealthy(0));
  writeOverlay("debug");
  child->signal(SIGHUP);
  EXPECT_TRUE(waitForLog("configuration reloaded")) << slurp(logFile());

  writeOverlay("loud");
  child->signal(SIGHUP);
  EXPECT_TRUE(waitForLog("configuration reload rejected")) << slurp(logFile());
  EXPECT_NE(slurp(logFile()).find("log.level"), std::string::npos);
  EXPECT_EQ(httpGet(ports_[0], "/health").status, 200);

  child->signal(SIGTERM);
  EXPECT_EQ(child->wait(5s), 0);
}

TEST_F(ServeTest, RefusesToStartWithAnInvalidConfigNamingEveryMistake) {
  writeOverlay("loud", "[risk]\nmax_daily_loss_pct = 250.0\nmax_open_positions = -1\n");
  auto child = serve();
  auto code = child->wait(10s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 2);
  auto out = slurp(dir_ / "stdout.txt");
  EXPECT_NE(out.find("log.level"), std::string::npos) << out;
  EXPECT_NE(out.find("risk.max_daily_loss_pct"), std::string::npos) << out;
  EXPECT_NE(out.find("risk.max_open_positions"), std::string::npos) << out;
}

TEST_F(ServeTest, PortInUseIsAStartupErrorNamingTheEndpoint) {
  int blocker = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(ports_[5]));
  ASSERT_EQ(bind(blocker, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(blocker, 1), 0);
  auto child = serve();
  auto code = child->wait(10s);
  close(blocker);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 1);
  auto out = slurp(dir_ / "stdout.txt");
  EXPECT_NE(out.find(fmt::format("127.0.0.1:{}", ports_[5])), std::string::npos) << out;
}

TEST_F(ServeTest, OnlyServesTheNamedServices) {
  auto child = serve({"--only", "data-bridge,database-service"});
  ASSERT_TRUE(waitHealthy(1));
  ASSERT_TRUE(waitHealthy(4));
  EXPECT_EQ(httpGet(ports_[0], "/health", 300ms).status, 0);
  EXPECT_EQ(httpGet(ports_[5], "/health", 300ms).status, 0);
  child->signal(SIGTERM);
  EXPECT_EQ(child->wait(5s), 0);
}

TEST_F(ServeTest, OnlyWithADependencyNeitherLocalNorRemoteIsNamed) {
  auto child = serve({"--only", "trading-engine"});
  auto code = child->wait(10s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 1);
  auto out = slurp(dir_ / "stdout.txt");
  EXPECT_NE(out.find("data-bridge"), std::string::npos) << out;
}

TEST_F(ServeTest, OnlyWithAnUnknownServiceIsRefused) {
  auto child = serve({"--only", "trading-engin"});
  auto code = child->wait(10s);
  ASSERT_TRUE(code.has_value());
  EXPECT_NE(*code, 0);
  EXPECT_NE(slurp(dir_ / "stdout.txt").find("unknown service 'trading-engin'"), std::string::npos);
}

TEST(CommandLineTest, HelpAndVersion) {
  auto out = std::filesystem::path(::testing::TempDir()) / "ait-help.txt";
  ChildProcess help({kBinary, "--help"}, out.string());
  ASSERT_EQ(help.wait(10s), 0);
  auto text = slurp(out);
  for (const char* command : {"serve", "config", "bench", "audit", "journal"}) {
    EXPECT_NE(text.find(command), std::string::npos) << command;
  }
  ChildProcess version({kBinary, "--version"}, out.string());
  ASSERT_EQ(version.wait(10s), 0);
  EXPECT_NE(slurp(out).find("aitrading "), std::string::npos);
}

TEST(CommandLineTest, ConfigShowMasksSecrets) {
  auto out = std::filesystem::path(::testing::TempDir()) / "ait-show.txt";
  ChildProcess show({kBinary, "config", "show", "--config-dir",
                     std::string(AIT_SOURCE_DIR) + "/config"},
                    out.string(), {"AIT_AUTH__JWT_SECRET=hunter2-a-secret-of-more-than-32-characters"});
  ASSERT_EQ(show.wait(10s), 0) << slurp(out);
  auto text = slurp(out);
  EXPECT_EQ(text.find("hunter2"), std::string::npos);
  EXPECT_NE(text.find("jwt_secret = \"***\""), std::string::npos) << text;
}

TEST(CommandLineTest, ConfigCheckNamesEveryMistakeAndExitsTwo) {
  auto out = std::filesystem::path(::testing::TempDir()) / "ait-check.txt";
  ChildProcess check({kBinary, "config", "check",
                      std::string(AIT_SOURCE_DIR) + "/config/examples/bad.toml", "--config-dir",
                      std::string(AIT_SOURCE_DIR) + "/config"},
                     out.string());
  ASSERT_EQ(check.wait(10s), 2);
  auto text = slurp(out);
  EXPECT_NE(text.find("risk.max_daily_loss_pct"), std::string::npos) << text;
  EXPECT_NE(text.find("log.level"), std::string::npos) << text;
  EXPECT_NE(text.find("services.data_bridge.port"), std::string::npos) << text;
  EXPECT_NE(text.find("3 problem(s)"), std::string::npos) << text;

  ChildProcess good({kBinary, "config", "check",
                     std::string(AIT_SOURCE_DIR) + "/config/default.toml", "--config-dir",
                     std::string(AIT_SOURCE_DIR) + "/config"},
                    out.string());
  EXPECT_EQ(good.wait(10s), 0) << slurp(out);
}

TEST(CommandLineTest, UnknownBenchmarkIsNamed) {
  auto out = std::filesystem::path(::testing::TempDir()) / "ait-bench.txt";
  ChildProcess bench({kBinary, "bench", "nosuch"}, out.string());
  EXPECT_EQ(bench.wait(10s), 2);
  EXPECT_NE(slurp(out).find("unknown benchmark 'nosuch'"), std::string::npos);
}

}  // namespace
}  // namespace ait
