// Services in other processes: health through an injectable probe, and the HTTP probe itself
// against loopback sockets.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "ait/hub/errors.h"
#include "ait/hub/hub.h"
#include "ait/hub/probe.h"
#include "fake_service.h"

namespace ait::hub {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using testing::HubFixture;

class HubRemoteTest : public ::testing::Test, public HubFixture {
 protected:
  std::unique_ptr<Hub> splitHub() {
    HubConfig config;
    config.remote["ai-orchestration"] = "10.0.0.5:8003";
    config.health_interval_ms = 1000;
    auto hub = makeHub(config);
    EXPECT_TRUE(addFake(*hub, "ai-orchestration", {}));
    EXPECT_TRUE(addFake(*hub, "trading-engine", {"ai-orchestration"}));
    return hub;
  }
};

TEST_F(HubRemoteTest, ARemoteDependencyThatIsDownDegradesItsDependants) {
  probeAnswer.status = HealthStatus::Down;
  probeAnswer.reason = "cannot reach 10.0.0.5:8003: Connection refused";
  auto hub = splitHub();

  ASSERT_TRUE(hub->start({"trading-engine"}));

  EXPECT_THAT(probed, ElementsAre("10.0.0.5:8003")) << "probed once at start";
  auto engine = hub->serviceHealth("trading-engine");
  ASSERT_TRUE(engine);
  EXPECT_EQ(engine->status, HealthStatus::Degraded);
  EXPECT_EQ(engine->reason, "dependency ai-orchestration is down");
  EXPECT_EQ(engine->dependencies[0].reason, "cannot reach 10.0.0.5:8003: Connection refused");

  auto health = hub->health();
  EXPECT_EQ(health.status, HealthStatus::Degraded);
  ASSERT_EQ(health.services.size(), 2u);
  EXPECT_EQ(health.services[0].name, "trading-engine");
  EXPECT_EQ(health.services[1].name, "ai-orchestration");
  EXPECT_EQ(health.services[1].state, ServiceState::Remote);
  EXPECT_EQ(health.services[1].location, ServiceLocation::remote("10.0.0.5", 8003));
  EXPECT_TRUE(hub->ready()) << "readiness is about the services of this process";
  EXPECT_THAT(metrics.render(), HasSubstr("ait_hub_service_up{service=\"ai-orchestration\"} 0"));
  bool recorded = false;
  for (const auto& record : errors.snapshot()) recorded |= record.code == "AIT-HUB-0013";
  EXPECT_TRUE(recorded);

  probeAnswer = Health{};
  run(*hub, 1000);

  EXPECT_EQ(probed.size(), 2u);
  engine = hub->serviceHealth("trading-engine");
  EXPECT_EQ(engine->status, HealthStatus::Healthy);
  EXPECT_EQ(hub->health().status, HealthStatus::Healthy);
  EXPECT_THAT(metrics.render(), HasSubstr("ait_hub_service_up{service=\"ai-orchestration\"} 1"));
  auto remote = hub->serviceHealth("ai-orchestration");
  ASSERT_TRUE(remote);
  EXPECT_EQ(remote->status, HealthStatus::Healthy);
}

TEST_F(HubRemoteTest, ARemoteReasonSaysWhereTheServiceRuns) {
  probeAnswer.status = HealthStatus::Degraded;
  probeAnswer.reason = "model cache cold";
  auto hub = splitHub();
  ASSERT_TRUE(hub->start({"trading-engine"}));
  auto remote = hub->serviceHealth("ai-orchestration");
  ASSERT_TRUE(remote);
  EXPECT_EQ(remote->status, HealthStatus::Degraded);
  EXPECT_EQ(remote->reason, "at 10.0.0.5:8003: model cache cold");
  EXPECT_EQ(hub->serviceHealth("trading-engine")->status, HealthStatus::Healthy)
      << "a degraded dependency does not degrade its dependants";
}

TEST_F(HubRemoteTest, ProbesEachRemoteOncePerHealthInterval) {
  auto hub = splitHub();
  ASSERT_TRUE(hub->start({"trading-engine"}));
  run(*hub, 3500);
  EXPECT_EQ(probed.size(), 4u);
}

TEST_F(HubRemoteTest, ARemoteServiceIsNeverRestartedByThisHub) {
  probeAnswer.status = HealthStatus::Down;
  auto hub = splitHub();
  ASSERT_TRUE(hub->start({"trading-engine"}));
  hub->reportFailure("ai-orchestration", Error(testing::kFakeFailure, "not ours"));
  run(*hub, 2000);
  EXPECT_THAT(events.only("start:"), ElementsAre("start:trading-engine"));
  EXPECT_EQ(hub->services()[0].restarts, 0u);
}

TEST(HealthFromHttpResponseTest, ReadsStatusAndReasonFromTheBody) {
  auto healthy = healthFromHttpResponse(200, R"({"status":"healthy"})");
  EXPECT_EQ(healthy.status, HealthStatus::Healthy);
  auto degraded = healthFromHttpResponse(
      200, R"({"status":"degraded","reason":"dependency x is down",
               "dependencies":[{"name":"x","status":"down","reason":"gone"}]})");
  EXPECT_EQ(degraded.status, HealthStatus::Degraded);
  EXPECT_EQ(degraded.reason, "dependency x is down");
  ASSERT_EQ(degraded.dependencies.size(), 1u);
  EXPECT_EQ(degraded.dependencies[0].name, "x");
  EXPECT_EQ(degraded.dependencies[0].status, HealthStatus::Down);
  auto down = healthFromHttpResponse(503, R"({"status":"down","reason":"venue lost"})");
  EXPECT_EQ(down.status, HealthStatus::Down);
  EXPECT_EQ(down.reason, "venue lost");
}

TEST(HealthFromHttpResponseTest, FallsBackToTheHttpStatus) {
  EXPECT_EQ(healthFromHttpResponse(200, "OK").status, HealthStatus::Healthy);
  auto unavailable = healthFromHttpResponse(503, "");
  EXPECT_EQ(unavailable.status, HealthStatus::Down);
  EXPECT_EQ(unavailable.reason, "/health answered HTTP 503");
  EXPECT_EQ(healthFromHttpResponse(404, "not found").status, HealthStatus::Down);
  EXPECT_EQ(healthFromHttpResponse(500, R"({"status":"healthy"})").status, HealthStatus::Down);
  auto odd = healthFromHttpResponse(200, R"({"status":"sideways"})");
  EXPECT_EQ(odd.status, HealthStatus::Down);
  EXPECT_THAT(odd.reason, HasSubstr("'sideways'"));
  EXPECT_EQ(healthFromHttpResponse(200, R"({"status":42})").status, HealthStatus::Healthy);
}

/// A loopback listener on an ephemeral port.
class Listener {
 public:
  Listener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address);
    ::listen(fd_, 4);
    socklen_t length = sizeof address;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
  }
  ~Listener() { close(); }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  std::uint16_t port() const { return port_; }

  /// Answers one connection with `response` (after reading the request head) on a thread.
  std::thread serveOnce(std::string response, std::string* request) {
    return std::thread([this, response = std::move(response), request] {
      int client = ::accept(fd_, nullptr, nullptr);
      if (client < 0) return;
      std::string head;
      char buffer[1024];
      while (head.find("\r\n\r\n") == std::string::npos) {
        auto got = ::recv(client, buffer, sizeof buffer, 0);
        if (got <= 0) break;
        head.append(buffer, static_cast<std::size_t>(got));
      }
      *request = head;
      // Sent in two pieces so that the probe has to reassemble the answer.
      auto half = response.size() / 2;
      ::send(client, response.data(), half, MSG_NOSIGNAL);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      ::send(client, response.data() + half, response.size() - half, MSG_NOSIGNAL);
      ::close(client);
    });
  }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

TEST(HttpHealthProbeTest, ReadsHealthFromAServerWithContentLength) {
  Listener listener;
  std::string body = R"({"status":"degraded","reason":"replica lagging"})";
  std::string request;
  auto server = listener.serveOnce(
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
          std::to_string(body.size()) + "\r\n\r\n" + body,
      &request);
  auto probe = httpHealthProbe(std::chrono::milliseconds(5000));

  auto health = probe(ServiceLocation::remote("127.0.0.1", listener.port()));

  server.join();
  EXPECT_EQ(health.status, HealthStatus::Degraded);
  EXPECT_EQ(health.reason, "replica lagging");
  EXPECT_THAT(request, StartsWith("GET /health HTTP/1.1\r\n"));
  EXPECT_THAT(request, HasSubstr("Host: 127.0.0.1:" + std::to_string(listener.port())));
}

TEST(HttpHealthProbeTest, ReadsAChunkedAnswerAndA503) {
  Listener listener;
  std::string request;
  auto server = listener.serveOnce(
      "HTTP/1.1 503 Service Unavailable\r\nTransfer-Encoding: chunked\r\n\r\n"
      "10\r\n{\"status\":\"down\"\r\n1\r\n}\r\n0\r\n\r\n",
      &request);
  auto health = httpHealthProbe(std::chrono::milliseconds(5000))(
      ServiceLocation::remote("127.0.0.1", listener.port()));
  server.join();
  EXPECT_EQ(health.status, HealthStatus::Down);
  EXPECT_EQ(health.reason, "/health answered HTTP 503");
}

TEST(HttpHealthProbeTest, ARefusedConnectionIsDown) {
  Listener listener;
  auto port = listener.port();
  listener.close();
  auto health = httpHealthProbe(std::chrono::milliseconds(2000))(
      ServiceLocation::remote("127.0.0.1", port));
  EXPECT_EQ(health.status, HealthStatus::Down);
  EXPECT_THAT(health.reason, StartsWith("cannot reach 127.0.0.1:" + std::to_string(port)));
}

TEST(HttpHealthProbeTest, ASilentServerIsDownAfterTheTimeout) {
  Listener listener;  // listens, never accepts: the connection opens, no answer comes
  auto health = httpHealthProbe(std::chrono::milliseconds(50))(
      ServiceLocation::remote("127.0.0.1", listener.port()));
  EXPECT_EQ(health.status, HealthStatus::Down);
  EXPECT_THAT(health.reason, HasSubstr("did not answer /health within 50 ms"));
}

TEST(HttpHealthProbeTest, AnUnresolvableHostIsDown) {
  auto health = httpHealthProbe(std::chrono::milliseconds(500))(
      ServiceLocation::remote("no-such-host.invalid", 8003));
  EXPECT_EQ(health.status, HealthStatus::Down);
  EXPECT_THAT(health.reason, HasSubstr("no-such-host.invalid"));
}

}  // namespace
}  // namespace ait::hub
