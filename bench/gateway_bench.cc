// `aitrading bench gateway`: authenticated GET requests per second and latency through the
// gateway (token verification, tenant rate limit, role check, JSON answer) over loopback, next
// to nginx serving a small static file on the same machine in the same run, as a ratio. The
// load client is wrk (Debian package wrk): the same client, connections and duration for both.
//
// `aitrading bench ws`: messages per second delivered by the gateway's stream fan-out to
// subscribed WebSocket clients (default 100) over loopback, counted where the clients receive
// them (asynchronous clients on client_threads threads, as a load generator), and the latency
// from a tick's timestamp to its arrival at a client (p50, p99, sampled every 8th frame). Ticks are published at a fixed rate (default 20,000/s: 2 M messages/s to
// deliver to 100 clients) or, with rate=0, as fast as the engine ring takes them; market data
// that a client cannot take in time is conflated (counted).
//
// Parameters (--param key=value): gateway: connections (16), threads (wrk threads, 2),
// seconds (5; 2 with --quick), io_threads (server, 2). ws: clients (100), seconds (3; 1 with
// --quick), symbols (4), rate (ticks/s, 20000; 0: unpaced), batch (1: frames are arrays of
// messages, 0: one message per frame), io_threads (2), client_threads (1).

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ait/auth/secrets.h"
#include "ait/bench/harness.h"
#include "ait/gateway/api.h"
#include "ait/gateway/identity.h"
#include "ait/http/server.h"

namespace ait::gateway::bench {
namespace {

using ait::bench::Options;
using Json = nlohmann::json;

double param(const Options& options, const std::string& key, double fallback) {
  auto it = options.params.find(key);
  return it == options.params.end() ? fallback : std::atof(it->second.c_str());
}

// A temporary directory removed at the end of the run.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    path = std::filesystem::temp_directory_path() / fmt::format("ait-bench-gw-{}", ::getpid());
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

// A platform identity with one trader in one tenant, and a gatekeeper that does not limit.
struct BenchIdentity {
  std::unique_ptr<Identity> identity;
  std::unique_ptr<Gatekeeper> gate;
  std::string error;
  explicit BenchIdentity(const std::filesystem::path& dir) {
    auto secret = auth::loadOrCreateSecret("", dir / "jwt.key");
    if (!secret) {
      error = secret.error().describe();
      return;
    }
    IdentitySettings settings;
    settings.jwtSecret = *secret;
    settings.dbPath = dir / "identity.db";
    settings.auth.passwordCost = {1024, 1, 1};
    auto opened = Identity::open(settings);
    if (!opened) {
      error = opened.error().describe();
      return;
    }
    identity = std::move(*opened);
    auto hash = auth::hashPassword("bench-password-123", {1024, 1, 1});
    if (!identity->store().addTenant("bench", 0) || !hash ||
        !identity->store().addUser("bench", "trader", *hash, auth::Role::Trader, 0)) {
      error = "cannot create the bench user";
      return;
    }
    RateLimitSettings limits;
    limits.tenant = {1e9, 1e9};
    limits.loginPerIp = {1e9, 1e9};
    gate = std::make_unique<Gatekeeper>(identity->authenticator(), SystemClock::instance(), limits);
  }
  std::string accessToken() {
    auto pair = identity->authenticator().login("trader", "bench-password-123", "", gate->unixNow());
    return pair ? pair->accessToken : std::string();
  }
};

struct WrkResult {
  double requestsPerSecond = 0;
  double p50Ms = 0, p99Ms = 0;
  std::int64_t errors = 0;
  std::string error;
};

double toMs(const std::string& value, const std::string& unit) {
  double v = std::atof(value.c_str());
  if (unit == "us") return v / 1000.0;
  if (unit == "s") return v * 1000.0;
  return v;
}

WrkResult runWrk(int port, const std::string& path, const std::vector<std::string>& headers,
                 int threads, int connections, double seconds) {
  WrkResult result;
  std::string command = fmt::format("/usr/bin/wrk --latency -t{} -c{} -d{}s", threads, connections,
                                    std::max(1, static_cast<int>(seconds)));
  for (const auto& h : headers) command += fmt::format(" -H '{}'", h);
  command += fmt::format(" http://127.0.0.1:{}{} 2>&1", port, path);
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) {
    result.error = "cannot run wrk";
    return result;
  }
  std::string output;
  char buffer[4096];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) output += buffer;
  ::pclose(pipe);
  std::smatch m;
  if (std::regex_search(output, m, std::regex(R"(Requests/sec:\s+([0-9.]+))"))) {
    result.requestsPerSecond = std::atof(m[1].str().c_str());
  } else {
    result.error = "wrk printed no Requests/sec: " + output;
  }
  if (std::regex_search(output, m, std::regex(R"(\n\s+50%\s+([0-9.]+)(us|ms|s))"))) result.p50Ms = toMs(m[1], m[2]);
  if (std::regex_search(output, m, std::regex(R"(\n\s+99%\s+([0-9.]+)(us|ms|s))"))) result.p99Ms = toMs(m[1], m[2]);
  if (std::regex_search(output, m, std::regex(R"(Non-2xx or 3xx responses:\s+([0-9]+))"))) {
    result.errors = std::atoll(m[1].str().c_str());
  }
  return result;
}

Json runGateway(const Options& options) {
  if (::access("/usr/bin/wrk", X_OK) != 0) return {{"error", "wrk is not installed (apt install wrk)"}};
  const double seconds = param(options, "seconds", options.quick ? 2 : 5);
  const int connections = static_cast<int>(param(options, "connections", 16));
  const int threads = static_cast<int>(param(options, "threads", 2));
  TempDir dir;
  BenchIdentity id(dir.path);
  if (!id.error.empty()) return {{"error", id.error}};

  http::HttpServerConfig config;
  config.ioThreads = static_cast<std::size_t>(param(options, "io_threads", 2));
  http::HttpServer server(config);
  auto& router = server.addEndpoint({"api-gateway", "127.0.0.1", 0});
  ApiContext ctx;
  ctx.gate = id.gate.get();
  ctx.version = "bench";
  ctx.instruments = Json::array({{{"instrument", "EURUSD"}, {"price_scale", 5}, {"quantity_scale", 2}}});
  addApiRoutes(router, ctx);
  if (auto started = server.start(); !started) return {{"error", started.error().describe()}};
  const std::string token = id.accessToken();
  auto gateway = runWrk(server.port("api-gateway"), "/api/v1/instruments",
                        {"Authorization: Bearer " + token}, threads, connections, seconds);
  server.stop();
  if (!gateway.error.empty()) return {{"error", gateway.error}};

  Json figures{{"gateway_requests_per_s", gateway.requestsPerSecond},
               {"gateway_p50_ms", gateway.p50Ms},
               {"gateway_p99_ms", gateway.p99Ms},
               {"gateway_non_2xx", gateway.errors},
               {"connections", connections},
               {"seconds", seconds},
               {"route", "GET /api/v1/instruments (Bearer JWT, rate limit, role check)"}};

  // nginx on the same machine, serving a static file of the same size, in a temp prefix.
  const char* nginxBinary = "/usr/sbin/nginx";
  if (::access(nginxBinary, X_OK) != 0) {
    figures["nginx"] = "not installed (apt install nginx-light)";
    return figures;
  }
  std::filesystem::create_directories(dir.path / "www");
  std::ofstream(dir.path / "www/instruments.json") << Json{{"instruments", ctx.instruments}}.dump();
  const int port = [] {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    return static_cast<int>(acceptor.local_endpoint().port());
  }();
  std::ofstream(dir.path / "nginx.conf") << fmt::format(
      "worker_processes {workers};\ndaemon off;\npid {dir}/nginx.pid;\nerror_log {dir}/error.log;\n"
      "events {{ worker_connections 1024; }}\n"
      "http {{\n  access_log off;\n  client_body_temp_path {dir}/tmp;\n  proxy_temp_path {dir}/tmp;\n"
      "  fastcgi_temp_path {dir}/tmp;\n  uwsgi_temp_path {dir}/tmp;\n  scgi_temp_path {dir}/tmp;\n"
      "  server {{\n    listen 127.0.0.1:{port};\n    root {dir}/www;\n"
      "    default_type application/json;\n  }}\n}}\n",
      fmt::arg("workers", config.ioThreads), fmt::arg("dir", dir.path.string()), fmt::arg("port", port));
  std::filesystem::create_directories(dir.path / "tmp");
  const pid_t nginx = ::fork();
  if (nginx == 0) {
    ::execl(nginxBinary, nginxBinary, "-p", dir.path.c_str(), "-c", (dir.path / "nginx.conf").c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  // Wait until it answers.
  bool up = false;
  for (int i = 0; i < 100 && !up; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    boost::asio::io_context io;
    boost::asio::ip::tcp::socket socket(io);
    boost::system::error_code ec;
    socket.connect({boost::asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)}, ec);
    up = !ec;
  }
  WrkResult reference;
  if (up) reference = runWrk(port, "/instruments.json", {}, threads, connections, seconds);
  ::kill(nginx, SIGTERM);
  int status = 0;
  ::waitpid(nginx, &status, 0);
  if (!up || !reference.error.empty()) {
    std::ifstream log(dir.path / "error.log");
    std::string why((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
    figures["nginx"] = up ? reference.error : "nginx did not start: " + why;
    return figures;
  }
  figures["nginx_requests_per_s"] = reference.requestsPerSecond;
  figures["nginx_p50_ms"] = reference.p50Ms;
  figures["nginx_p99_ms"] = reference.p99Ms;
  figures["gateway_to_nginx_ratio"] = reference.requestsPerSecond > 0 ? gateway.requestsPerSecond / reference.requestsPerSecond : 0.0;
  return figures;
}

Json runWs(const Options& options) {
  const double seconds = param(options, "seconds", options.quick ? 1 : 3);
  const int clients = static_cast<int>(param(options, "clients", 100));
  const int symbols = std::max(1, static_cast<int>(param(options, "symbols", 4)));
  const double rate = param(options, "rate", 20000);
  const bool batch = param(options, "batch", 1) != 0;
  TempDir dir;
  BenchIdentity id(dir.path);
  if (!id.error.empty()) return {{"error", id.error}};
  StreamSettings settings;
  StreamHub hub(settings);
  http::HttpServerConfig config;
  config.ioThreads = static_cast<std::size_t>(param(options, "io_threads", 2));
  config.maxConnectionsPerIp = static_cast<std::size_t>(clients) + 16;
  http::HttpServer server(config);
  auto& router = server.addEndpoint({"api-gateway", "127.0.0.1", 0});
  hub.addRoutes(router, *id.gate, nullptr);
  if (auto started = server.start(); !started) return {{"error", started.error().describe()}};
  hub.start();
  const auto port = server.port("api-gateway");

  auth::Principal principal;
  principal.userId = 1;
  principal.tenant = 1;
  principal.role = auth::Role::Trader;
  std::atomic<std::int64_t> received{0};
  std::atomic<std::int64_t> frames{0};
  std::atomic<bool> measuring{false};
  std::string subscribe = R"({"method":"subscribe","params":{"channel":"ticks","symbols":[)";
  for (int s = 0; s < symbols; ++s) subscribe += fmt::format("{}\"SYM{}\"", s == 0 ? "" : ",", s);
  subscribe += R"(]},"id":1})";

  // The clients: WebSocket connections read asynchronously by a few threads (as a load
  // generator does), so that the measure is the gateway's, not 100 client threads' switching.
  namespace beast = boost::beast;
  struct Reader {
    beast::websocket::stream<beast::tcp_stream> ws;
    beast::flat_buffer buffer;
    std::vector<std::int64_t> samples;  // ns from a tick's timestamp to its arrival
    std::int64_t sampled = 0;
    explicit Reader(boost::asio::io_context& io) : ws(io) { samples.reserve(1 << 14); }
  };
  const int clientThreads = std::max(1, static_cast<int>(param(options, "client_threads", 1)));
  std::vector<std::unique_ptr<boost::asio::io_context>> contexts;
  for (int t = 0; t < clientThreads; ++t) contexts.push_back(std::make_unique<boost::asio::io_context>());
  std::vector<std::unique_ptr<Reader>> readers;
  std::function<void(Reader&)> read = [&](Reader& r) {
    r.ws.async_read(r.buffer, [&, reader = &r](beast::error_code ec, std::size_t) {
      if (ec) return;
      // Every update in the frame counts (a batching client gets arrays of them).
      const std::string_view frame(static_cast<const char*>(reader->buffer.data().data()), reader->buffer.size());
      constexpr std::string_view kUpdate = R"("type":"update")";
      constexpr std::string_view kTs = R"("ts_event_ns":)";
      std::int64_t updates = 0;
      for (const char* at = frame.data(), *end = frame.data() + frame.size();
           (at = static_cast<const char*>(::memmem(at, static_cast<std::size_t>(end - at), kUpdate.data(), kUpdate.size()))) != nullptr;
           at += kUpdate.size()) {
        ++updates;
      }
      if (updates > 0) {
        received.fetch_add(updates, std::memory_order_relaxed);
        frames.fetch_add(1, std::memory_order_relaxed);
        auto& samples = reader->samples;
        if (++reader->sampled % 8 == 0 && measuring.load(std::memory_order_relaxed) && samples.size() < samples.capacity()) {
          // The newest tick of the frame: its timestamp is the wall clock when it was published.
          if (auto at = frame.rfind(kTs); at != std::string_view::npos) {
            const auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                 std::chrono::system_clock::now().time_since_epoch()).count();
            samples.push_back(now - std::atoll(frame.data() + at + kTs.size()));
          }
        }
      }
      reader->buffer.consume(reader->buffer.size());
      read(*reader);
    });
  };
  try {
    for (int c = 0; c < clients; ++c) {
      auto token = id.identity->authenticator().issueWsToken(principal, id.gate->unixNow());
      if (!token) return {{"error", token.error().describe()}};
      auto reader = std::make_unique<Reader>(*contexts[static_cast<std::size_t>(c % clientThreads)]);
      beast::get_lowest_layer(reader->ws).connect({boost::asio::ip::make_address("127.0.0.1"), port});
      reader->ws.handshake("127.0.0.1", fmt::format("/api/v1/ws?token={}&batch={}", *token, batch ? 1 : 0));
      reader->ws.write(boost::asio::buffer(subscribe));
      read(*reader);
      readers.push_back(std::move(reader));
    }
  } catch (const std::exception& e) {
    return {{"error", fmt::format("client connection: {}", e.what())}};
  }
  std::vector<std::thread> clientRunners;
  for (auto& io : contexts) clientRunners.emplace_back([&io = *io] { io.run(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // subscriptions applied

  std::atomic<bool> producing{true};
  std::atomic<std::int64_t> published{0};
  std::thread producer([&] {
    model::Tick tick{};
    std::int64_t n = 0;
    std::vector<model::InstrumentId> ids;
    for (int s = 0; s < symbols; ++s) ids.push_back(*model::InstrumentId::parse(fmt::format("SYM{}", s)));
    const auto begin = std::chrono::steady_clock::now();
    while (producing.load(std::memory_order_relaxed)) {
      if (rate > 0) {
        // Paced: publish what is due, then sleep a little.
        const double due = rate * std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
        if (static_cast<double>(n) >= due) {
          std::this_thread::sleep_for(std::chrono::microseconds(100));
          continue;
        }
      }
      tick.instrument = ids[static_cast<std::size_t>(n % symbols)];
      tick.header.tenant = model::TenantId{0};
      tick.header.tsEvent = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                std::chrono::system_clock::now().time_since_epoch()).count();
      tick.bid = model::Price::fromRaw(108500 + n % 100, 5);
      tick.ask = model::Price::fromRaw(108510 + n % 100, 5);
      hub.publish(tick);
      ++n;
      if (rate <= 0 && n % 64 == 0) std::this_thread::yield();
    }
    published = n;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // warmed up
  measuring = true;
  const auto startCount = received.load();
  const auto frames0 = frames.load();
  const auto delivered0 = hub.delivered();
  const auto conflated0 = hub.conflated();
  const auto started = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  measuring = false;
  const auto got = received.load() - startCount;
  const auto gotFrames = frames.load() - frames0;
  const auto delivered = hub.delivered() - delivered0;
  const auto conflated = hub.conflated() - conflated0;
  producing = false;
  producer.join();
  hub.stop();
  server.stop();
  for (auto& io : contexts) io->stop();
  for (auto& t : clientRunners) t.join();
  std::vector<std::int64_t> all;
  for (const auto& r : readers) all.insert(all.end(), r->samples.begin(), r->samples.end());
  std::ranges::sort(all);
  auto percentile = [&](double p) {
    return all.empty() ? 0.0 : static_cast<double>(all[static_cast<std::size_t>(p * static_cast<double>(all.size() - 1))]) / 1e6;
  };
  return {{"clients", clients},
          {"symbols", symbols},
          {"framing", batch ? "batch (arrays of messages)" : "one message per frame"},
          {"tick_rate_per_s", rate > 0 ? Json(rate) : Json("unpaced")},
          {"seconds", elapsed},
          {"messages_received_per_s", static_cast<double>(got) / elapsed},
          {"frames_received_per_s", static_cast<double>(gotFrames) / elapsed},
          {"messages_queued_per_s", static_cast<double>(delivered) / elapsed},
          {"latency_p50_ms", percentile(0.50)},
          {"latency_p99_ms", percentile(0.99)},
          {"latency_samples", all.size()},
          {"ticks_published", published.load()},
          {"conflated", conflated},
          {"goal_messages_per_s", 1'000'000}};
}

}  // namespace

AIT_BENCHMARK("gateway", "authenticated GET req/s and p99 through the gateway vs nginx (wrk)", runGateway);
AIT_BENCHMARK("ws", "stream messages/s delivered to 100 subscribed WebSocket clients", runWs);

}  // namespace ait::gateway::bench
