// Two tenants trade at once through the gateway of a real `aitrading serve`; each sees only its
// own orders, fills, positions, accounts and private streams, on every endpoint. WebSocket
// streams are read by a real client (python3-websockets). Service ports refuse a bare tenant
// header, and hostile strings in parameters change nothing.

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "integration/gateway/serve_fixture.h"
#include "support/child_process.h"
#include "support/require_server.h"

namespace ait {
namespace {

using namespace std::chrono_literals;
using Json = nlohmann::json;
using testing::ChildProcess;
using testing::httpRequest;

const std::string kBinary = std::string(AIT_BINARY_DIR) + "/src/app/aitrading";
const std::string kConfigDir = std::string(AIT_SOURCE_DIR) + "/config";
const std::string kProbe = std::string(AIT_SOURCE_DIR) + "/test/integration/gateway/ws_probe.py";

class GatewayPlatform : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::filesystem::temp_directory_path() / fmt::format("ait-gw-platform-{}", ::getpid());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    std::string text = fmt::format(
        "[log]\nfile = \"{0}/log.txt\"\nstderr = false\n[journal]\ndata_dir = \"{0}/journal\"\n"
        "[auth]\ndb_path = \"{0}/identity.db\"\njwt_secret_file = \"{0}/jwt.key\"\n"
        "password_memory_kib = 1024\npassword_iterations = 1\n"
        "[database]\nsqlite_path = \"{0}/platform.db\"\n"
        "[trading]\nextra_tenants = [\"2\"]\n"
        "[risk]\nmax_orders_per_second = 1000\nmax_orders_per_minute = 60000\nmax_risk_per_trade_pct = 100.0\n"
        "[rate_limits.login_per_ip]\nrate_per_s = 1000.0\nburst = 1000\n"
        "[rate_limits.tenant]\nrate_per_s = 1000.0\nburst = 1000\n",
        dir_.string());
    auto served = testing::serve(dir_, text, kBinary, kConfigDir, [] {
      return cli({"tenant", "add", "alpha"}) == 0 && cli({"tenant", "add", "beta"}) == 0 &&
             cli({"user", "add", "ann", "--tenant", "alpha", "--role", "trader"}, "ann-password-123") == 0 &&
             cli({"user", "add", "bob", "--tenant", "beta", "--role", "trader"}, "bob-password-123") == 0 &&
             cli({"user", "add", "vic", "--tenant", "alpha", "--role", "viewer"}, "vic-password-123") == 0;
    });
    ASSERT_TRUE(served.server) << served.error;
    server_ = std::move(served.server);
    port_ = served.gatewayPort;
    tradingPort_ = served.ports["trading_engine"];
    ann_ = login("ann");
    bob_ = login("bob");
    vic_ = login("vic");
    ASSERT_FALSE(ann_.empty());
    ASSERT_FALSE(bob_.empty());
    // Market orders need a quote: wait for the synthetic feed's first EURUSD tick.
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    for (;;) {
      auto ticks = Json::parse(get(ann_, "/api/v1/ticks?symbol=EURUSD&limit=1").body, nullptr, false);
      if (ticks.is_object() && ticks.value("count", 0) > 0) break;
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "no EURUSD tick";
      std::this_thread::sleep_for(100ms);
    }
    ready_ = true;
  }
  void SetUp() override { ASSERT_TRUE(ready_) << "the suite set-up failed; see above"; }
  static void TearDownTestSuite() {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }

  static int cli(std::vector<std::string> args, const std::string& input = {}) {
    std::string command = fmt::format("printf '%s\\n' '{}' | {}", input, kBinary);
    for (const auto& a : args) command += " '" + a + "'";
    command += fmt::format(" --config '{}' --config-dir '{}'", (dir_ / "test.toml").string(), kConfigDir);
    ChildProcess child({"/bin/sh", "-c", command}, (dir_ / "cli.txt").string());
    return child.wait(60s).value_or(-1);
  }
  static std::string login(const std::string& user) {
    auto reply = httpRequest(port_, "POST", "/api/v1/auth/login",
                             Json{{"username", user}, {"password", user + "-password-123"}}.dump());
    auto body = Json::parse(reply.body, nullptr, false);
    return body.is_object() ? body.value("access_token", "") : "";
  }
  static testing::HttpReply call(const std::string& token, const std::string& method,
                                 const std::string& path, const std::string& body = {},
                                 std::vector<std::string> headers = {}) {
    headers.push_back("Authorization: Bearer " + token);
    return httpRequest(port_, method, path, body, headers, 15s);
  }
  static testing::HttpReply get(const std::string& token, const std::string& path) {
    return call(token, "GET", path);
  }
  static Json getJson(const std::string& token, const std::string& path) {
    auto reply = get(token, path);
    EXPECT_EQ(reply.status, 200) << path << ": " << reply.body;
    return Json::parse(reply.body, nullptr, false);
  }
  static std::string wsToken(const std::string& token) {
    auto reply = call(token, "POST", "/api/v1/auth/ws-token");
    auto body = Json::parse(reply.body, nullptr, false);
    return body.is_object() ? body.value("token", "") : "";
  }
  static Json order(const std::string& id, const std::string& side = "buy") {
    return {{"client_order_id", id}, {"account", "PAPER"}, {"instrument", "EURUSD"},
            {"side", side}, {"order_type", "market"}, {"time_in_force", "ioc"}, {"quantity", "0.10"}};
  }
  // Starts a stream client that subscribes to `channels` and records what it gets.
  static std::unique_ptr<ChildProcess> stream(const std::string& token, const std::string& out,
                                              double seconds, std::vector<std::string> sends) {
    std::vector<std::string> argv{"/usr/bin/python3", kProbe,
                                  fmt::format("ws://127.0.0.1:{}/api/v1/ws?token={}", port_, token),
                                  "--seconds", fmt::format("{}", seconds), "--out", out};
    for (auto& s : sends) {
      argv.push_back("--send");
      argv.push_back(s);
    }
    return std::make_unique<ChildProcess>(argv, (dir_ / (out.substr(out.rfind('/') + 1) + ".log")).string());
  }
  static std::vector<Json> lines(const std::string& file) {
    std::vector<Json> out;
    std::istringstream in(testing::slurpFile(file));
    for (std::string line; std::getline(in, line);) {
      auto j = Json::parse(line, nullptr, false);
      if (!j.is_discarded()) out.push_back(j);
    }
    return out;
  }

  static inline std::filesystem::path dir_;
  static inline int port_ = 0;
  static inline int tradingPort_ = 0;
  static inline std::unique_ptr<ChildProcess> server_;
  static inline bool ready_ = false;
  static inline std::string ann_, bob_, vic_;
};

bool pythonWebsockets() { return std::system("/usr/bin/python3 -c 'import websockets' 2>/dev/null") == 0; }

TEST_F(GatewayPlatform, TwoTenantsTradeAtOnceAndEachSeesOnlyItsOwn) {
  if (!pythonWebsockets()) AIT_SKIP_UNLESS_SERVERS_REQUIRED() << "/usr/bin/python3 with python3-websockets is not installed";
  const std::vector<std::string> subscriptions{
      R"({"method":"subscribe","params":{"channel":"orders"},"id":1})",
      R"({"method":"subscribe","params":{"channel":"fills"},"id":2})",
      R"({"method":"subscribe","params":{"channel":"positions"},"id":3})",
      R"({"method":"subscribe","params":{"channel":"account"},"id":4})",
      R"({"method":"subscribe","params":{"channel":"ticks","symbols":["EURUSD"]},"id":5})",
      R"({"method":"ping","id":6})"};
  const std::string annOut = (dir_ / "ann.ws").string();
  const std::string bobOut = (dir_ / "bob.ws").string();
  auto annStream = stream(wsToken(ann_), annOut, 8, subscriptions);
  auto bobStream = stream(wsToken(bob_), bobOut, 8, subscriptions);
  std::this_thread::sleep_for(1500ms);

  // Both tenants trade at the same time.
  auto trade = [](const std::string& token, const std::string& prefix, std::vector<int>* statuses) {
    for (int i = 0; i < 5; ++i) {
      auto reply = call(token, "POST", "/api/v1/orders", order(fmt::format("{}-{}", prefix, i)).dump(),
                        {"X-Tenant-Id: 2", "X-Ait-Identity: forged"});
      statuses->push_back(reply.status);
    }
  };
  std::vector<int> annStatuses, bobStatuses;
  std::thread annThread(trade, ann_, "ann", &annStatuses);
  std::thread bobThread(trade, bob_, "bob", &bobStatuses);
  annThread.join();
  bobThread.join();
  for (int s : annStatuses) EXPECT_TRUE(s == 201 || s == 422) << s;
  for (int s : bobStatuses) EXPECT_TRUE(s == 201 || s == 422) << s;
  EXPECT_EQ(call(vic_, "POST", "/api/v1/orders", order("vic-0").dump()).status, 403) << "viewers do not trade";

  for (const auto& [token, mine, theirs, tenant] :
       {std::tuple{ann_, std::string("ann-"), std::string("bob-"), 1}, std::tuple{bob_, std::string("bob-"), std::string("ann-"), 2}}) {
    auto orders = getJson(token, "/api/v1/orders?limit=500");
    int own = 0;
    for (const auto& o : orders["orders"]) {
      EXPECT_EQ(o["tenant_id"], tenant) << o.dump();
      const std::string id = o["client_order_id"];
      EXPECT_NE(id.rfind(theirs, 0), 0U) << id;
      if (id.rfind(mine, 0) == 0) ++own;
    }
    EXPECT_EQ(own, 5);
    const std::string other = theirs + "0";
    EXPECT_EQ(get(token, "/api/v1/orders/" + other).status, 404);
    EXPECT_EQ(call(token, "DELETE", "/api/v1/orders/" + other + "?account=PAPER").status, 404);
    EXPECT_EQ(call(token, "PATCH", "/api/v1/orders/" + other + "?account=PAPER", R"({"quantity":"0.20"})").status, 404);
    EXPECT_EQ(get(token, "/api/v1/orders/" + mine + "0").status, 200);

    auto fills = getJson(token, "/api/v1/fills?limit=500");
    for (const auto& f : fills["fills"]) {
      EXPECT_EQ(f["client_order_id"].get<std::string>().rfind(mine, 0), 0U) << f.dump();
    }
    auto positions = getJson(token, "/api/v1/positions");
    for (const auto& p : positions["positions"]) EXPECT_EQ(p["tenant_id"], tenant) << p.dump();
    auto accounts = getJson(token, "/api/v1/accounts");
    ASSERT_EQ(accounts["accounts"].size(), 1U) << accounts.dump();
    EXPECT_EQ(accounts["accounts"][0]["tenant_id"], tenant);
    EXPECT_EQ(get(token, "/api/v1/accounts/PAPER").status, 200);
    EXPECT_EQ(get(token, "/api/v1/accounts/NOPE").status, 404);
    auto risk = getJson(token, "/api/v1/risk");
    for (const auto& a : risk["accounts"]) EXPECT_EQ(a["tenant_id"], tenant);
  }
  // Ann's orders were filled: her fills are there (bob's are checked the same way above).
  EXPECT_FALSE(getJson(ann_, "/api/v1/fills")["fills"].empty());

  ASSERT_TRUE(annStream->wait(30s).has_value());
  ASSERT_TRUE(bobStream->wait(30s).has_value());
  for (const auto& [file, mine, theirs, tenant] :
       {std::tuple{annOut, std::string("ann-"), std::string("bob-"), 1}, std::tuple{bobOut, std::string("bob-"), std::string("ann-"), 2}}) {
    auto received = lines(file);
    ASSERT_FALSE(received.empty()) << testing::slurpFile(file);
    std::set<int> acked;
    std::map<std::string, std::uint64_t> lastSeq;
    int heartbeats = 0, ticks = 0, ownOrderEvents = 0, fillEvents = 0;
    for (const auto& line : received) {
      if (!line.contains("message")) continue;
      const auto& m = line["message"];
      if (m.contains("id") && m.contains("result")) acked.insert(m["id"].get<int>());
      if (m.value("type", "") == "heartbeat") ++heartbeats;
      if (!m.contains("channel")) continue;
      const std::string channel = m["channel"];
      const auto seq = m["seq"].get<std::uint64_t>();
      if (m["type"] == "update") {
        EXPECT_GT(seq, lastSeq[channel]) << channel << " sequence goes forward";
        lastSeq[channel] = seq;
      }
      if (channel == "ticks") {
        ++ticks;
        continue;
      }
      // Private channels: only this tenant's events, in snapshots and updates.
      const Json items = m["type"] == "snapshot" ? m["data"] : Json::array({m["data"]});
      for (const auto& item : items) {
        EXPECT_EQ(item.value("tenant_id", tenant), tenant) << m.dump();
        const std::string id = item.value("client_order_id", "");
        EXPECT_NE(id.rfind(theirs, 0), 0U) << m.dump();
        if (channel == "orders" && id.rfind(mine, 0) == 0) ++ownOrderEvents;
        if (channel == "fills") ++fillEvents;
      }
    }
    EXPECT_EQ(acked, (std::set<int>{1, 2, 3, 4, 5, 6})) << file;
    EXPECT_GE(heartbeats, 3) << file;
    EXPECT_GT(ticks, 0) << file;
    EXPECT_GE(ownOrderEvents, 5) << file;
    EXPECT_GT(fillEvents, 0) << file;
  }
}

TEST_F(GatewayPlatform, StreamTokensWorkOnceAndBadOnesClose1008) {
  if (!pythonWebsockets()) AIT_SKIP_UNLESS_SERVERS_REQUIRED() << "/usr/bin/python3 with python3-websockets is not installed";
  const std::string token = wsToken(ann_);
  ASSERT_FALSE(token.empty());
  auto first = stream(token, (dir_ / "once.ws").string(), 1.5, {R"({"method":"ping","id":9})"});
  ASSERT_TRUE(first->wait(20s).has_value());
  auto got = lines((dir_ / "once.ws").string());
  ASSERT_FALSE(got.empty());
  // The reply to the ping, wherever a heartbeat lands relative to it.
  const auto pong = std::ranges::find_if(got, [](const Json& line) {
    return line.contains("message") && line["message"].is_object() && line["message"].value("id", 0) == 9;
  });
  ASSERT_NE(pong, got.end()) << "no reply to the ping: " << got.front().dump();
  EXPECT_EQ((*pong)["message"]["result"], "pong") << pong->dump();

  for (const auto& [name, bad] : {std::pair{"reused", token}, std::pair{"forged", std::string("eyJhbGciOiJub25lIn0.e30.")},
                                  std::pair{"access", ann_}, std::pair{"empty", std::string()}}) {
    const std::string out = (dir_ / fmt::format("{}.ws", name)).string();
    auto client = stream(bad, out, 3, {R"({"method":"ping","id":1})"});
    ASSERT_TRUE(client->wait(20s).has_value());
    auto result = lines(out);
    ASSERT_FALSE(result.empty()) << name;
    EXPECT_EQ(result.back().value("closed", Json()), 1008) << name << ": " << result.back().dump();
    for (const auto& line : result) EXPECT_FALSE(line.contains("message") && line["message"].contains("result")) << name;
  }
}

TEST_F(GatewayPlatform, ServicePortsRefuseABareTenantHeader) {
  for (const auto& [method, path, body] :
       {std::tuple{"GET", "/api/v1/orders", ""}, std::tuple{"GET", "/api/v1/account", ""},
        std::tuple{"POST", "/api/v1/orders", R"({"client_order_id":"x","account":"PAPER","instrument":"EURUSD","side":"buy","order_type":"market","time_in_force":"ioc","quantity":"0.10","tenant_id":1})"}}) {
    auto reply = httpRequest(tradingPort_, method, path, body, {"X-Tenant-Id: 1"});
    EXPECT_EQ(reply.status, 401) << method << " " << path << ": " << reply.body;
    EXPECT_NE(reply.body.find("AIT-HTTP-0018"), std::string::npos) << reply.body;
  }
  // A client's own access token is no service identity either.
  EXPECT_EQ(httpRequest(tradingPort_, "GET", "/api/v1/orders", {}, {"X-Ait-Identity: " + ann_}).status, 401);
}

TEST_F(GatewayPlatform, HostileStringsInEveryParameterChangeNothing) {
  const auto before = getJson(bob_, "/api/v1/orders?limit=500").dump();
  const auto annBefore = getJson(ann_, "/api/v1/orders?limit=500")["orders"].size();
  const std::vector<std::string> hostile{"bob-0' OR '1'='1", "../../api/v1/account", "%00", "bob-0\"}",
                                         "<script>alert(1)</script>", "${jndi:ldap://x}", std::string(300, 'A'),
                                         "1; DROP TABLE orders", "\xe2\x80\xae", "*"};
  auto encode = [](const std::string& text) {
    std::string out;
    for (unsigned char c : text) out += std::isalnum(c) != 0 ? std::string(1, static_cast<char>(c)) : fmt::format("%{:02X}", c);
    return out;
  };
  for (const auto& h : hostile) {
    const auto e = encode(h);
    for (const std::string& path : std::vector<std::string>{
         "/api/v1/orders/" + e, "/api/v1/orders?status=" + e, "/api/v1/orders?cursor=" + e,
          "/api/v1/orders?limit=" + e, "/api/v1/orders?instrument=" + e + "&account=" + e + "&side=" + e,
          "/api/v1/fills?order=" + e + "&instrument=" + e, "/api/v1/fills?cursor=" + e,
          "/api/v1/accounts/" + e, "/api/v1/ticks?symbol=" + e, "/api/v1/bars?symbol=" + e + "&timeframe=" + e,
          "/api/v1/orders?tenant_id=2"}) {
      auto reply = get(ann_, path);
      EXPECT_LT(reply.status, 500) << path << ": " << reply.body;
      // Hostile values come back as ann's own (denied) orders or in errors; nothing of tenant 2.
      EXPECT_EQ(reply.body.find(R"("tenant_id":2)"), std::string::npos) << path << ": " << reply.body;
    }
    for (const std::string method : {"DELETE", "PATCH"}) {
      auto reply = call(ann_, method, "/api/v1/orders/" + e + "?account=" + e, R"({"quantity":"0.20","tenant_id":2})");
      EXPECT_TRUE(reply.status == 400 || reply.status == 404) << method << " " << h << ": " << reply.status << reply.body;
    }
    Json body = order(h);
    body["account"] = h;
    body["tenant_id"] = 2;
    auto reply = call(ann_, "POST", "/api/v1/orders", body.dump(), {"X-Tenant-Id: 2"});
    EXPECT_TRUE(reply.status == 400 || reply.status == 422) << h << ": " << reply.status << " " << reply.body;
    auto halt = call(ann_, "POST", "/api/v1/risk/halt", Json{{"state", h}}.dump());
    EXPECT_EQ(halt.status, 400) << h;
  }
  EXPECT_EQ(getJson(bob_, "/api/v1/orders?limit=500").dump(), before) << "the other tenant is untouched";
  EXPECT_LE(getJson(ann_, "/api/v1/orders?limit=500")["orders"].size(), annBefore + hostile.size());
}

TEST_F(GatewayPlatform, SimilarSituationsAreSearchedWithinTheTenant) {
  auto vector = [](float base) {
    Json v = Json::array();
    for (int i = 0; i < 16; ++i) v.push_back(base + 0.01F * static_cast<float>(i));
    return v;
  };
  for (int id = 1; id <= 3; ++id) {
    auto added = call(ann_, "POST", "/api/v1/patterns",
                      Json{{"id", id}, {"symbol", "EURUSD"}, {"features", vector(static_cast<float>(id))}}.dump());
    ASSERT_EQ(added.status, 201) << added.body;
  }
  const std::string near1 = "/api/v1/patterns/similar?k=2&features=" + [&] {
    std::string text;
    for (const auto& x : vector(1.1F)) text += (text.empty() ? "" : ",") + fmt::format("{}", x.get<float>());
    return text;
  }();
  auto mine = getJson(ann_, near1);
  ASSERT_EQ(mine["matches"].size(), 2U) << mine.dump();
  EXPECT_EQ(mine["matches"][0]["id"], 1) << "the nearest is situation 1";
  EXPECT_EQ(mine["matches"][1]["id"], 2);
  EXPECT_TRUE(getJson(bob_, near1)["matches"].empty()) << "bob sees none of ann's situations";
  EXPECT_EQ(get(vic_, "/api/v1/patterns/similar?symbol=EURUSD&k=1").status, 200) << "viewers search";
  EXPECT_EQ(call(vic_, "POST", "/api/v1/patterns", Json{{"id", 9}, {"features", vector(9)}}.dump()).status, 403);
  EXPECT_EQ(get(ann_, "/api/v1/patterns/similar?k=0&symbol=EURUSD").status, 400);
}

TEST_F(GatewayPlatform, HistoryComesFromTheDatabaseServiceWithinTheTenant) {
  auto placed = call(ann_, "POST", "/api/v1/orders", order("hist-ann-1").dump());
  ASSERT_EQ(placed.status, 201) << placed.body;
  // The database service projects the journal behind trading: wait for the order to arrive.
  auto has = [](const Json& page, const std::string& id) {
    if (!page.is_object() || !page.contains("items")) return false;
    for (const auto& row : page["items"]) {
      if (row.value("client_order_id", "") == id) return true;
    }
    return false;
  };
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (!has(getJson(ann_, "/api/v1/history/orders?limit=500"), "hist-ann-1")) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the order never reached the history";
    std::this_thread::sleep_for(100ms);
  }
  while (!has(getJson(ann_, "/api/v1/history/fills?limit=500"), "hist-ann-1")) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the fill never reached the history";
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_FALSE(has(getJson(bob_, "/api/v1/history/orders?limit=500"), "hist-ann-1")) << "bob sees ann's order";
  EXPECT_FALSE(has(getJson(bob_, "/api/v1/history/fills?limit=500"), "hist-ann-1")) << "bob sees ann's fill";
  EXPECT_EQ(get(ann_, "/api/v1/history/orders?limit=0").status, 400);
  EXPECT_EQ(get(ann_, "/api/v1/history/ticks").status, 400) << "a tick range needs its symbol";
  EXPECT_EQ(httpRequest(port_, "GET", "/api/v1/history/orders").status, 401);
}

TEST_F(GatewayPlatform, TheOpenApiDocumentIsServed) {
  auto reply = httpRequest(port_, "GET", "/api/v1/openapi.json");
  ASSERT_EQ(reply.status, 200);
  auto doc = Json::parse(reply.body, nullptr, false);
  ASSERT_TRUE(doc.is_object());
  EXPECT_TRUE(doc["paths"].contains("/api/v1/orders"));
  EXPECT_TRUE(doc["paths"].contains("/api/v1/ws"));
}

}  // namespace
}  // namespace ait
