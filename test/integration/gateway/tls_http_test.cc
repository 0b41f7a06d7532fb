// `aitrading serve` with TLS on the gateway port: a throwaway self-signed certificate made with
// the openssl command, then real TLS clients (curl, and a Python wss client) log in, read and
// subscribe; plain HTTP is refused; a bad certificate path or half a TLS config fails start-up.

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "integration/gateway/serve_fixture.h"
#include "support/child_process.h"

namespace ait {
namespace {

using namespace std::chrono_literals;
using Json = nlohmann::json;
using testing::ChildProcess;

const std::string kBinary = std::string(AIT_BINARY_DIR) + "/src/app/aitrading";
const std::string kConfigDir = std::string(AIT_SOURCE_DIR) + "/config";
const std::string kProbe = std::string(AIT_SOURCE_DIR) + "/test/integration/gateway/ws_probe.py";

struct CurlReply {
  int exitCode = -1;  // curl's: 0 ok, 60 certificate not trusted, 7 cannot connect, ...
  int status = 0;
  std::string body;
};

class GatewayTls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::filesystem::temp_directory_path() / fmt::format("ait-gw-tls-{}", ::getpid());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    ChildProcess openssl({"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                          "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj",
                          "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                          "-keyout", (dir_ / "key.pem").string(), "-out",
                          (dir_ / "cert.pem").string()},
                         (dir_ / "openssl.txt").string());
    ASSERT_EQ(openssl.wait(60s).value_or(-1), 0) << testing::slurpFile(dir_ / "openssl.txt");

    for (int attempt = 0; attempt < 5 && !ready_; ++attempt) {
      port_ = testing::freePort();
      writeConfig("test.toml", port_, (dir_ / "cert.pem").string(), (dir_ / "key.pem").string());
      if (attempt == 0) {
        ASSERT_EQ(cli({"tenant", "add", "alpha"}), 0) << testing::slurpFile(dir_ / "cli.txt");
        ASSERT_EQ(cli({"user", "add", "ann", "--tenant", "alpha", "--role", "trader"},
                      "ann-password-123"),
                  0)
            << testing::slurpFile(dir_ / "cli.txt");
      }
      server_ = std::make_unique<ChildProcess>(
          std::vector<std::string>{kBinary, "serve", "--config", (dir_ / "test.toml").string(),
                                   "--config-dir", kConfigDir},
          (dir_ / "serve.txt").string());
      // Only our server can answer with our certificate, so a verified 200 proves it is ours.
      const auto deadline = std::chrono::steady_clock::now() + 60s;
      while (std::chrono::steady_clock::now() < deadline && server_->running()) {
        if (curl({"https://127.0.0.1:" + std::to_string(port_) + "/health"}).status == 200) {
          ready_ = true;
          break;
        }
        std::this_thread::sleep_for(100ms);
      }
      if (!ready_) server_.reset();  // a port was taken: again with new ones
    }
    ASSERT_TRUE(ready_) << testing::slurpFile(dir_ / "serve.txt");
  }
  void SetUp() override { ASSERT_TRUE(ready_) << "the suite set-up failed; see above"; }
  static void TearDownTestSuite() {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Writes a config with a free port per service and the gateway's TLS files; its state (journal,
  // databases) goes under `data`, apart from the running server's.
  static void writeConfig(const std::string& name, int gatewayPort, const std::string& cert,
                          const std::string& key, const std::filesystem::path& data = dir_) {
    std::filesystem::create_directories(data);
    std::string text = fmt::format(
        "[log]\nfile = \"{0}/log.txt\"\nstderr = true\n[journal]\ndata_dir = \"{0}/journal\"\n"
        "[auth]\ndb_path = \"{0}/identity.db\"\njwt_secret_file = \"{0}/jwt.key\"\n"
        "password_memory_kib = 1024\npassword_iterations = 1\n"
        "[database]\nsqlite_path = \"{0}/platform.db\"\n"
        "[gateway]\ntls_cert = \"{1}\"\ntls_key = \"{2}\"\n"
        "[services.api_gateway]\nport = {3}\n",
        data.string(), cert, key, gatewayPort);
    for (const char* service : {"data_bridge", "performance_analytics", "ai_orchestration",
                                "database_service", "trading_engine"}) {
      text += fmt::format("[services.{}]\nport = {}\n", service, testing::freePort());
    }
    text += fmt::format("[mt5]\nnative_port = {}\n", testing::freePort());
    std::ofstream(dir_ / name) << text;
  }

  static int cli(std::vector<std::string> args, const std::string& input = {}) {
    std::string command = fmt::format("printf '%s\\n' '{}' | {}", input, kBinary);
    for (const auto& a : args) command += " '" + a + "'";
    command += fmt::format(" --config '{}' --config-dir '{}'", (dir_ / "test.toml").string(),
                           kConfigDir);
    ChildProcess child({"/bin/sh", "-c", command}, (dir_ / "cli.txt").string());
    return child.wait(60s).value_or(-1);
  }

  // Runs curl trusting only the test's certificate (unless `trust` is false).
  static CurlReply curl(std::vector<std::string> args, bool trust = true) {
    static int calls = 0;
    auto body = dir_ / fmt::format("curl-{}.body", ++calls);
    auto status = dir_ / fmt::format("curl-{}.status", calls);
    std::vector<std::string> argv{"/usr/bin/curl", "-sS", "--max-time", "10", "-o",
                                  body.string(), "-w", "%{http_code}"};
    if (trust) {
      argv.push_back("--cacert");
      argv.push_back((dir_ / "cert.pem").string());
    }
    argv.insert(argv.end(), args.begin(), args.end());
    CurlReply reply;
    {
      ChildProcess child(argv, status.string());
      reply.exitCode = child.wait(20s).value_or(-1);
    }
    std::string code = testing::slurpFile(status);
    reply.status = code.size() >= 3 ? std::atoi(code.substr(code.size() - 3).c_str()) : 0;
    reply.body = testing::slurpFile(body);
    return reply;
  }

  static std::string url(const std::string& path) {
    return fmt::format("https://127.0.0.1:{}{}", port_, path);
  }

  static std::string login() {
    auto reply = curl({"-H", "Content-Type: application/json", "--data",
                       R"({"username":"ann","password":"ann-password-123"})",
                       url("/api/v1/auth/login")});
    EXPECT_EQ(reply.status, 200) << reply.body;
    auto json = Json::parse(reply.body, nullptr, false);
    return json.is_object() ? json.value("access_token", "") : "";
  }

  static inline std::filesystem::path dir_;
  static inline int port_ = 0;
  static inline std::unique_ptr<ChildProcess> server_;
  static inline bool ready_ = false;
};

TEST_F(GatewayTls, LogsInAndReadsOverHttps) {
  auto token = login();
  ASSERT_FALSE(token.empty());
  auto me = curl({"-H", "Authorization: Bearer " + token, url("/api/v1/auth/me")});
  ASSERT_EQ(me.exitCode, 0);
  ASSERT_EQ(me.status, 200) << me.body;
  auto json = Json::parse(me.body);
  EXPECT_EQ(json.value("role", ""), "trader");
  EXPECT_EQ(json.value("tenant_id", 0), 1);

  auto instruments = curl({"-H", "Authorization: Bearer " + token, url("/api/v1/instruments")});
  EXPECT_EQ(instruments.status, 200) << instruments.body;
  EXPECT_NE(instruments.body.find("EURUSD"), std::string::npos);
  // Without credentials the TLS port still applies authentication.
  EXPECT_EQ(curl({url("/api/v1/instruments")}).status, 401);
}

TEST_F(GatewayTls, SubscribesToTicksOverWss) {
  auto token = login();
  auto ws = curl({"-X", "POST", "-H", "Authorization: Bearer " + token,
                  url("/api/v1/auth/ws-token")});
  ASSERT_EQ(ws.status, 200) << ws.body;
  auto wsToken = Json::parse(ws.body).value("token", "");
  ASSERT_FALSE(wsToken.empty());
  auto out = (dir_ / "wss.jsonl").string();
  {
    ChildProcess probe(
        {"/usr/bin/python3", kProbe,
         fmt::format("wss://127.0.0.1:{}/api/v1/ws?token={}", port_, wsToken), "--cafile",
         (dir_ / "cert.pem").string(), "--seconds", "2", "--out", out, "--send",
         R"({"method":"subscribe","params":{"channel":"ticks","symbols":["EURUSD"]},"id":7})"},
        (dir_ / "wss.log").string());
    ASSERT_EQ(probe.wait(30s).value_or(-1), 0) << testing::slurpFile(dir_ / "wss.log");
  }
  bool acked = false;
  int ticks = 0;
  std::istringstream in(testing::slurpFile(out));
  for (std::string line; std::getline(in, line);) {
    auto json = Json::parse(line, nullptr, false);
    ASSERT_FALSE(json.contains("error")) << line;
    if (!json.contains("message")) continue;
    const auto& message = json["message"];
    if (message.value("id", 0) == 7 && message.contains("result")) acked = true;
    if (message.value("channel", "") == "ticks") ++ticks;
  }
  EXPECT_TRUE(acked) << testing::slurpFile(out);
  EXPECT_GE(ticks, 2) << "a snapshot and at least one live tick in 2 s";
}

TEST_F(GatewayTls, PlainHttpIsRefusedWithAReadableProblem) {
  auto reply = curl({fmt::format("http://127.0.0.1:{}/health", port_)});
  EXPECT_EQ(reply.status, 400);
  EXPECT_NE(reply.body.find("AIT-HTTP-0020"), std::string::npos) << reply.body;
  auto raw = testing::httpGet(port_, "/api/v1/auth/me");
  EXPECT_EQ(raw.status, 400) << raw.body;
  // The server carries on.
  EXPECT_EQ(curl({url("/health")}).status, 200);
}

TEST_F(GatewayTls, AClientThatDoesNotTrustTheCertificateRefusesIt) {
  auto reply = curl({url("/health")}, false);
  EXPECT_EQ(reply.exitCode, 60) << "curl: the peer's certificate cannot be verified";
  EXPECT_EQ(reply.status, 0);
}

TEST_F(GatewayTls, AMissingCertificateFailsStartUpNamingTheFile) {
  auto missing = (dir_ / "no-such-cert.pem").string();
  writeConfig("bad.toml", testing::freePort(), missing, (dir_ / "key.pem").string(), dir_ / "bad");
  ChildProcess serve({kBinary, "serve", "--config", (dir_ / "bad.toml").string(), "--config-dir",
                      kConfigDir},
                     (dir_ / "bad.txt").string());
  auto exit = serve.wait(60s);
  ASSERT_TRUE(exit) << "the server must not start";
  EXPECT_NE(*exit, 0);
  auto output = testing::slurpFile(dir_ / "bad.txt");
  EXPECT_NE(output.find("cannot read the TLS certificate chain '" + missing + "'"),
            std::string::npos)
      << output;
  EXPECT_NE(output.find("AIT-HTTP-0019"), std::string::npos) << output;
}

TEST_F(GatewayTls, HalfATlsConfigFailsStartUpNamingTheMissingKey) {
  writeConfig("half.toml", testing::freePort(), (dir_ / "cert.pem").string(), "", dir_ / "half");
  ChildProcess serve({kBinary, "serve", "--config", (dir_ / "half.toml").string(),
                      "--config-dir", kConfigDir},
                     (dir_ / "half.txt").string());
  auto exit = serve.wait(60s);
  ASSERT_TRUE(exit) << "the server must not start";
  EXPECT_NE(*exit, 0);
  auto output = testing::slurpFile(dir_ / "half.txt");
  EXPECT_NE(output.find("gateway.tls_cert is set but gateway.tls_key is empty"),
            std::string::npos)
      << output;
}

}  // namespace
}  // namespace ait
