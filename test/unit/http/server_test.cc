#include "ait/http/server.h"

#include <cerrno>
#include <future>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "ait/http/errors.h"
#include "unit/http/test_client.h"

namespace ait::http {
namespace {

using namespace std::chrono_literals;
using testing::RawResponse;
using testing::TestClient;

HttpServerConfig testConfig() {
  HttpServerConfig config;
  config.ioThreads = 2;
  config.lingerTimeout = 200ms;
  config.drainTimeout = 2s;
  return config;
}

std::string problemCode(const RawResponse& response) {
  return nlohmann::json::parse(response.body).value("code", "");
}

// Polls until the condition holds or two seconds pass; returns the condition's last value.
template <class F>
bool eventually(F condition) {
  auto deadline = std::chrono::steady_clock::now() + 2s;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

class ServerTest : public ::testing::Test {
 protected:
  void start(HttpServerConfig config, const std::function<void(Router&)>& routes) {
    server_ = std::make_unique<HttpServer>(config, registry_);
    routes(server_->addEndpoint({"test", "127.0.0.1", 0}));
    auto started = server_->start();
    ASSERT_TRUE(started) << started.error().describe();
    port_ = server_->port("test");
    ASSERT_NE(port_, 0);
  }

  std::uint64_t counter(std::string_view name, metrics::Labels labels) {
    return registry_.counter(name, "", labels).value();
  }
  std::string portLabel() const { return std::to_string(port_); }

  metrics::Registry registry_;
  std::unique_ptr<HttpServer> server_;
  std::uint16_t port_ = 0;
};

TEST_F(ServerTest, ServesRouteWithPathAndQueryParameters) {
  start(testConfig(), [](Router& router) {
    router.get("/api/v1/databases/{type}/health", [](const Request& request) {
      return Response::json(200, {{"type", request.param("type")},
                                  {"verbose", request.query("verbose").value_or("-")},
                                  {"agent", request.header("x-agent").value_or("-")},
                                  {"route", request.route},
                                  {"remote", request.remoteAddress},
                                  {"local_port", request.localPort}});
    });
  });
  TestClient client(port_);
  auto response = client.request("GET", "/api/v1/databases/sqlite/health?verbose=yes%21", {},
                                 "X-Agent: tests\r\n");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->header("Content-Type"), "application/json");
  auto body = nlohmann::json::parse(response->body);
  EXPECT_EQ(body["type"], "sqlite");
  EXPECT_EQ(body["verbose"], "yes!");
  EXPECT_EQ(body["agent"], "tests");
  EXPECT_EQ(body["route"], "/api/v1/databases/{type}/health");
  EXPECT_EQ(body["remote"], "127.0.0.1");
  EXPECT_EQ(body["local_port"], port_);
}

TEST_F(ServerTest, AnswersUnknownPathWithNotFoundProblem) {
  start(testConfig(), [](Router& router) {
    router.get("/health", [](const Request&) { return Response::text(200, "ok"); });
  });
  TestClient client(port_);
  auto response = client.request("GET", "/missing");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 404);
  EXPECT_EQ(response->header("Content-Type"), "application/problem+json");
  EXPECT_EQ(problemCode(*response), "AIT-HTTP-0005");
}

TEST_F(ServerTest, AnswersOtherMethodWith405AndAllow) {
  start(testConfig(), [](Router& router) {
    router.get("/orders", [](const Request&) { return Response::text(200, "list"); });
    router.post("/orders", [](const Request& r) { return Response::text(201, r.body); });
  });
  TestClient client(port_);
  auto response = client.request("DELETE", "/orders");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 405);
  EXPECT_EQ(response->header("Allow"), "GET, HEAD, POST");
  auto created = client.request("POST", "/orders", R"({"qty":1})");
  ASSERT_TRUE(created);
  EXPECT_EQ(created->status, 201);
  EXPECT_EQ(created->body, R"({"qty":1})");
}

TEST_F(ServerTest, HandlerExceptionBecomes500AndIsCounted) {
  start(testConfig(), [](Router& router) {
    router.get("/boom", [](const Request&) -> Response { throw std::logic_error("broken"); });
    router.get("/ok", [](const Request&) { return Response::text(200, "fine"); });
  });
  TestClient client(port_);
  auto failed = client.request("GET", "/boom");
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->status, 500);
  EXPECT_EQ(problemCode(*failed), "AIT-HTTP-0011");
  auto next = client.request("GET", "/ok");  // same connection survives
  ASSERT_TRUE(next);
  EXPECT_EQ(next->body, "fine");
  EXPECT_EQ(counter("ait_http_handler_errors_total", {{"port", portLabel()}}), 1U);
  EXPECT_EQ(counter("ait_http_requests_total",
                    {{"port", portLabel()}, {"method", "GET"}, {"status", "500"}}),
            1U);
}

TEST_F(ServerTest, InvalidStatusFromHandlerBecomes500) {
  start(testConfig(), [](Router& router) {
    router.get("/weird", [](const Request&) { return Response::text(42, "?"); });
  });
  TestClient client(port_);
  auto response = client.request("GET", "/weird");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 500);
}

TEST_F(ServerTest, DropsResponseHeadersThatWouldSplitTheResponse) {
  start(testConfig(), [](Router& router) {
    router.get("/h", [](const Request&) {
      auto response = Response::text(200, "x");
      response.setHeader("X-Good", "yes");
      response.setHeader("X-Bad", "a\r\nSet-Cookie: evil=1");
      return response;
    });
  });
  TestClient client(port_);
  auto response = client.request("GET", "/h");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->header("X-Good"), "yes");
  EXPECT_FALSE(response->header("X-Bad"));
  EXPECT_FALSE(response->header("Set-Cookie"));
}

TEST_F(ServerTest, RejectsBodyLargerThanLimitWith413) {
  auto config = testConfig();
  config.maxBodyBytes = 1000;
  start(config, [](Router& router) {
    router.post("/upload", [](const Request& r) { return Response::text(200, r.body); });
  });
  TestClient client(port_);
  ASSERT_TRUE(client.send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n" +
                          std::string(100, 'x')));
  auto response = client.read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 413);
  EXPECT_EQ(problemCode(*response), "AIT-HTTP-0009");
  EXPECT_EQ(response->header("Connection"), "close");
  EXPECT_TRUE(client.waitClosed(2s));

  TestClient chunked(port_);
  ASSERT_TRUE(chunked.send("POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                           "800\r\n" + std::string(0x800, 'y') + "\r\n0\r\n\r\n"));
  auto chunkedResponse = chunked.read();
  ASSERT_TRUE(chunkedResponse);
  EXPECT_EQ(chunkedResponse->status, 413);
  EXPECT_EQ(counter("ait_http_rejected_total",
                    {{"port", portLabel()}, {"reason", "body_too_large"}}),
            2U);
}

TEST_F(ServerTest, AcceptsBodyWithinLimit) {
  auto config = testConfig();
  config.maxBodyBytes = 1000;
  start(config, [](Router& router) {
    router.post("/upload", [](const Request& r) { return Response::text(200, r.body); });
  });
  TestClient client(port_);
  auto response = client.request("POST", "/upload", std::string(1000, 'z'));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body.size(), 1000U);
}

TEST_F(ServerTest, RejectsOversizedHeaderWith431) {
  auto config = testConfig();
  config.maxHeaderBytes = 1024;
  start(config, [](Router& router) {
    router.get("/", [](const Request&) { return Response::text(200, "root"); });
  });
  TestClient client(port_);
  auto response = client.request("GET", "/", {}, "X-Big: " + std::string(4000, 'a') + "\r\n");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 431);
  EXPECT_EQ(problemCode(*response), "AIT-HTTP-0008");
  EXPECT_TRUE(client.waitClosed(2s));
}

TEST_F(ServerTest, MalformedRequestsGet400AndClose) {
  start(testConfig(), [](Router& router) {
    router.get("/", [](const Request&) { return Response::text(200, "root"); });
  });
  for (std::string bytes : {std::string("GARBAGE\r\n\r\n"),
                            std::string("GET / HTTP/1.1\r\nBad Header Line\r\n\r\n"),
                            std::string("GET / HTTP/1.1\r\nContent-Length: banana\r\n\r\n"),
                            std::string("GET / HTTP/9.9\r\n\r\n"),
                            std::string("GET nopath HTTP/1.1\r\nHost: x\r\n\r\n"),
                            std::string("\x01\x02\x03\x04\r\n\r\n")}) {
    TestClient client(port_);
    ASSERT_TRUE(client.send(bytes));
    auto response = client.read();
    ASSERT_TRUE(response) << bytes;
    EXPECT_EQ(response->status, 400) << bytes;
    EXPECT_EQ(problemCode(*response), "AIT-HTTP-0007");
    EXPECT_TRUE(client.waitClosed(2s)) << bytes;
  }
  TestClient healthy(port_);  // the server is unharmed
  auto response = healthy.request("GET", "/");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
}

TEST_F(ServerTest, ServesSeveralRequestsOnOneKeepAliveConnection) {
  std::atomic<int> served{0};
  start(testConfig(), [&](Router& router) {
    router.get("/n", [&](const Request&) { return Response::text(200, std::to_string(++served)); });
  });
  TestClient client(port_);
  for (int i = 1; i <= 5; ++i) {
    auto response = client.request("GET", "/n");
    ASSERT_TRUE(response) << "request " << i;
    EXPECT_EQ(response->body, std::to_string(i));
    EXPECT_NE(response->header("Connection"), "close");
  }
  EXPECT_EQ(server_->connectionCount(), 1U);
}

TEST_F(ServerTest, AnswersPipelinedRequestsInOrder) {
  start(testConfig(), [](Router& router) {
    router.get("/echo/{word}", [](const Request& r) {
      return Response::text(200, std::string(r.param("word")));
    });
  });
  TestClient client(port_);
  ASSERT_TRUE(client.send(testing::makeRequest("GET", "/echo/one") +
                          testing::makeRequest("GET", "/echo/two") +
                          testing::makeRequest("GET", "/echo/three")));
  for (const char* word : {"one", "two", "three"}) {
    auto response = client.read();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->body, word);
  }
}

TEST_F(ServerTest, ClosesAfterResponseWhenClientAsksOrSpeaksHttp10) {
  start(testConfig(), [](Router& router) {
    router.get("/", [](const Request&) { return Response::text(200, "root"); });
  });
  TestClient closing(port_);
  auto response = closing.request("GET", "/", {}, "Connection: close\r\n");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->header("Connection"), "close");
  EXPECT_TRUE(closing.waitClosed(2s));

  TestClient old(port_);
  ASSERT_TRUE(old.send("GET / HTTP/1.0\r\n\r\n"));
  auto oldResponse = old.read();
  ASSERT_TRUE(oldResponse);
  EXPECT_EQ(oldResponse->body, "root");
  EXPECT_TRUE(old.waitClosed(2s));
}

TEST_F(ServerTest, HeadGetsHeadersWithoutBody) {
  start(testConfig(), [](Router& router) {
    router.get("/doc", [](const Request&) { return Response::text(200, "0123456789"); });
  });
  TestClient client(port_);
  auto head = client.request("HEAD", "/doc");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->header("Content-Length"), "10");
  auto get = client.request("GET", "/doc");  // proves no stray body bytes followed the HEAD
  ASSERT_TRUE(get);
  EXPECT_EQ(get->body, "0123456789");
}

TEST_F(ServerTest, SendsContinueBeforeReadingAnExpectedBody) {
  start(testConfig(), [](Router& router) {
    router.post("/in", [](const Request& r) { return Response::text(200, r.body); });
  });
  TestClient client(port_);
  ASSERT_TRUE(client.send("POST /in HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n"
                          "Expect: 100-continue\r\n\r\n"));
  auto interim = client.read();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(client.send("hello"));
  auto response = client.read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body, "hello");
}

TEST_F(ServerTest, ServesManyConcurrentClients) {
  std::atomic<int> served{0};
  start(testConfig(), [&](Router& router) {
    router.get("/work/{id}", [&](const Request& r) {
      ++served;
      return Response::text(200, std::string(r.param("id")));
    });
  });
  constexpr int kClients = 16;
  constexpr int kRequests = 25;
  std::atomic<int> good{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      TestClient client(port_);
      for (int i = 0; i < kRequests; ++i) {
        auto id = std::to_string(c * 1000 + i);
        auto response = client.request("GET", "/work/" + id);
        if (response && response->status == 200 && response->body == id) ++good;
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(good.load(), kClients * kRequests);
  EXPECT_EQ(served.load(), kClients * kRequests);
  EXPECT_EQ(counter("ait_http_requests_total",
                    {{"port", portLabel()}, {"method", "GET"}, {"status", "200"}}),
            static_cast<std::uint64_t>(kClients * kRequests));
}

TEST_F(ServerTest, RefusesConnectionsBeyondPerIpLimit) {
  auto config = testConfig();
  config.maxConnectionsPerIp = 2;
  start(config, [](Router& router) {
    router.get("/", [](const Request&) { return Response::text(200, "root"); });
  });
  auto first = std::make_unique<TestClient>(port_);
  TestClient second(port_);
  ASSERT_TRUE(first->request("GET", "/"));
  ASSERT_TRUE(second.request("GET", "/"));

  TestClient third(port_);
  auto refused = third.request("GET", "/");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503);
  EXPECT_EQ(problemCode(*refused), "AIT-HTTP-0012");
  EXPECT_EQ(refused->header("Retry-After"), "1");
  EXPECT_TRUE(third.waitClosed(2s));
  EXPECT_EQ(counter("ait_http_rejected_total", {{"port", portLabel()}, {"reason", "ip_limit"}}),
            1U);

  first.reset();  // frees a slot
  ASSERT_TRUE(eventually([&] { return server_->connectionCount() <= 1; }));
  TestClient fourth(port_);
  auto accepted = fourth.request("GET", "/");
  ASSERT_TRUE(accepted);
  EXPECT_EQ(accepted->status, 200);
}

TEST_F(ServerTest, RefusesConnectionsBeyondTotalLimit) {
  auto config = testConfig();
  config.maxConnections = 1;
  start(config, [](Router& router) {
    router.get("/", [](const Request&) { return Response::text(200, "root"); });
  });
  TestClient first(port_);
  ASSERT_TRUE(first.request("GET", "/"));
  TestClient second(port_);
  auto refused = second.request("GET", "/");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503);
  EXPECT_EQ(counter("ait_http_rejected_total",
                    {{"port", portLabel()}, {"reason", "connection_limit"}}),
            1U);
}

TEST_F(ServerTest, AnswersSlowRequestWith408) {
  auto config = testConfig();
  config.requestTimeout = 200ms;
  start(config, [](Router& router) {
    router.get("/", [](const Request&) { return Response::text(200, "root"); });
  });
  TestClient client(port_);
  ASSERT_TRUE(client.send("GET / HTTP/1.1\r\nHost: t\r\n"));  // never finishes the header
  auto response = client.read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 408);
  EXPECT_EQ(problemCode(*response), "AIT-HTTP-0010");
  EXPECT_TRUE(client.waitClosed(2s));
}

TEST_F(ServerTest, ClosesIdleKeepAliveConnectionAfterTimeout) {
  auto config = testConfig();
  config.keepAliveTimeout = 150ms;
  start(config, [](Router& router) {
    router.get("/", [](const Request&) { return Response::text(200, "root"); });
  });
  TestClient client(port_);
  ASSERT_TRUE(client.request("GET", "/"));
  EXPECT_TRUE(client.waitClosed(3s));
  EXPECT_TRUE(eventually([&] { return server_->connectionCount() == 0; }));
}

TEST_F(ServerTest, DrainFinishesInFlightRequestAndRefusesNewConnections) {
  std::promise<void> started;
  start(testConfig(), [&](Router& router) {
    router.get("/slow", [&](const Request&) {
      started.set_value();
      std::this_thread::sleep_for(300ms);
      return Response::text(200, "done");
    });
    router.get("/fast", [](const Request&) { return Response::text(200, "fast"); });
  });
  TestClient idle(port_);
  ASSERT_TRUE(idle.request("GET", "/fast"));
  TestClient slow(port_);
  ASSERT_TRUE(slow.send(testing::makeRequest("GET", "/slow")));
  started.get_future().wait();

  auto drained = std::async(std::launch::async,
                            [&] { return server_->drain(std::chrono::steady_clock::now() + 3s); });
  EXPECT_TRUE(eventually([&] {
    int fd = testing::connectTo(port_);
    if (fd >= 0) ::close(fd);
    return fd < 0 && errno == ECONNREFUSED;
  })) << "new connections must be refused while draining";
  EXPECT_TRUE(idle.waitClosed(2s)) << "idle keep-alive connections are closed";

  auto response = slow.read();
  ASSERT_TRUE(response) << "the in-flight request completes";
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "done");
  EXPECT_EQ(response->header("Connection"), "close");
  EXPECT_TRUE(drained.get());
  server_->stop();
  EXPECT_FALSE(server_->running());
}

TEST_F(ServerTest, StopFinishesWithinDeadlineDespiteIdleAndStuckClients) {
  auto config = testConfig();
  config.drainTimeout = 400ms;
  config.requestTimeout = 30s;
  start(config, [](Router& router) {
    router.get("/", [](const Request&) { return Response::text(200, "root"); });
  });
  std::vector<std::unique_ptr<TestClient>> idle;
  for (int i = 0; i < 4; ++i) {
    idle.push_back(std::make_unique<TestClient>(port_));
    ASSERT_TRUE(idle.back()->request("GET", "/"));
  }
  TestClient stuck(port_);
  ASSERT_TRUE(stuck.send("GET / HTTP/1.1\r\nHost: t\r\n"));  // mid-request, never finishes
  ASSERT_TRUE(eventually([&] { return server_->connectionCount() == 5; }));

  auto before = std::chrono::steady_clock::now();
  server_->stop();
  auto took = std::chrono::steady_clock::now() - before;
  EXPECT_LT(took, config.drainTimeout + 1s);
  for (auto& client : idle) EXPECT_TRUE(client->waitClosed(1s));
  EXPECT_TRUE(stuck.waitClosed(1s));
}

TEST_F(ServerTest, CountsRequestsDurationsAndConnections) {
  start(testConfig(), [](Router& router) {
    router.get("/", [](const Request&) { return Response::text(200, "root"); });
  });
  {
    TestClient client(port_);
    ASSERT_TRUE(client.request("GET", "/"));
    ASSERT_TRUE(client.request("GET", "/nope"));
    EXPECT_EQ(registry_.gauge("ait_http_connections", "", {{"port", portLabel()}}).value(), 1.0);
  }
  EXPECT_EQ(counter("ait_http_requests_total",
                    {{"port", portLabel()}, {"method", "GET"}, {"status", "404"}}),
            1U);
  EXPECT_TRUE(eventually([&] {
    return registry_.histogram("ait_http_request_duration_seconds", "", {{"port", portLabel()}})
               .count() == 2;
  }));
  EXPECT_TRUE(eventually([&] {
    return registry_.gauge("ait_http_connections", "", {{"port", portLabel()}}).value() == 0.0;
  }));
  auto text = registry_.render();
  EXPECT_NE(text.find("ait_http_requests_total{port=\"" + portLabel() +
                      "\",method=\"GET\",status=\"200\"} 1"),
            std::string::npos)
      << text;
}

TEST(HttpServer, ServesSeveralEndpointsEachWithItsOwnRouter) {
  metrics::Registry registry;
  HttpServer server(testConfig(), registry);
  server.addEndpoint({"alpha", "127.0.0.1", 0}).get("/who", [](const Request&) {
    return Response::text(200, "alpha");
  });
  server.addEndpoint({"beta", "127.0.0.1", 0}).get("/who", [](const Request&) {
    return Response::text(200, "beta");
  });
  ASSERT_TRUE(server.start());
  EXPECT_NE(server.port("alpha"), server.port("beta"));
  EXPECT_EQ(server.port(std::size_t{1}), server.port("beta"));
  EXPECT_EQ(server.port("gamma"), 0);
  TestClient alpha(server.port("alpha"));
  TestClient beta(server.port("beta"));
  EXPECT_EQ(alpha.request("GET", "/who")->body, "alpha");
  EXPECT_EQ(beta.request("GET", "/who")->body, "beta");
}

TEST(HttpServer, BindFailureNamesTheEndpoint) {
  metrics::Registry registry;
  HttpServer first(testConfig(), registry);
  first.addEndpoint({"first", "127.0.0.1", 0});
  ASSERT_TRUE(first.start());
  auto taken = first.port("first");

  HttpServer second(testConfig(), registry);
  second.addEndpoint({"free", "127.0.0.1", 0});
  second.addEndpoint({"data-bridge", "127.0.0.1", taken});
  auto started = second.start();
  ASSERT_FALSE(started);
  EXPECT_EQ(started.error().codeString(), "AIT-HTTP-0001");
  const auto& message = started.error().message();
  EXPECT_NE(message.find("127.0.0.1:" + std::to_string(taken) + ": "), std::string::npos)
      << message;
  EXPECT_NE(message.find("in use"), std::string::npos) << message;
  EXPECT_FALSE(second.running());
}

TEST(HttpServer, StartReportsBadRoutesWithTheirEndpoint) {
  metrics::Registry registry;
  HttpServer server(testConfig(), registry);
  server.addEndpoint({"gateway", "127.0.0.1", 0}).get("oops", [](const Request&) {
    return Response::text(200, "");
  });
  auto started = server.start();
  ASSERT_FALSE(started);
  EXPECT_EQ(started.error().codeString(), "AIT-HTTP-0003");
  EXPECT_NE(started.error().message().find("endpoint 'gateway'"), std::string::npos);
  EXPECT_NE(started.error().message().find("'oops'"), std::string::npos);
}

TEST(HttpServer, RejectsInvalidConfigListingEveryProblem) {
  HttpServerConfig config;
  config.ioThreads = 0;
  config.maxConnections = 0;
  auto checked = validate(config);
  ASSERT_FALSE(checked);
  EXPECT_EQ(checked.error().codeString(), "AIT-HTTP-0002");
  EXPECT_NE(checked.error().message().find("io_threads"), std::string::npos);
  EXPECT_NE(checked.error().message().find("max_connections"), std::string::npos);

  metrics::Registry registry;
  HttpServer server(config, registry);
  server.addEndpoint({"x", "127.0.0.1", 0});
  EXPECT_FALSE(server.start());
}

TEST(HttpServer, CannotStartTwice) {
  metrics::Registry registry;
  HttpServer server(testConfig(), registry);
  server.addEndpoint({"x", "127.0.0.1", 0});
  ASSERT_TRUE(server.start());
  auto again = server.start();
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().codeString(), "AIT-HTTP-0004");
  server.stop();
  server.stop();  // idempotent
}

}  // namespace
}  // namespace ait::http
