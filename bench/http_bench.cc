// `aitrading bench http`: requests per second and latency of a small GET over keep-alive
// connections on loopback. Each client thread owns one connection and runs a closed loop (send,
// wait for the whole response, repeat); latency is send to last response byte.
//
// Parameters (--param key=value): connections (client connections, default 4), io_threads
// (server I/O threads, default 2), seconds (measured run, default 3; 0.3 with --quick).

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "ait/bench/harness.h"
#include "ait/http/server.h"

namespace ait::http::bench {
namespace {

using ait::bench::LatencyRecorder;
using ait::bench::nowNs;
using ait::bench::Options;

constexpr std::string_view kRequest = "GET /ping HTTP/1.1\r\nHost: bench\r\n\r\n";

double param(const Options& options, const std::string& key, double fallback) {
  auto it = options.params.find(key);
  return it == options.params.end() ? fallback : std::atof(it->second.c_str());
}

int connectLoopback(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd);
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

// Reads one response with a Content-Length body; keeps any bytes beyond it in `buffer`.
bool readResponse(int fd, std::string& buffer) {
  char chunk[4096];
  std::size_t headerEnd;
  while ((headerEnd = buffer.find("\r\n\r\n")) == std::string::npos) {
    auto n = ::recv(fd, chunk, sizeof(chunk), 0);
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<std::size_t>(n));
  }
  std::size_t length = 0;
  auto at = buffer.find("Content-Length: ");
  if (at != std::string::npos && at < headerEnd) {
    length = static_cast<std::size_t>(std::atoll(buffer.c_str() + at + 16));
  }
  auto total = headerEnd + 4 + length;
  while (buffer.size() < total) {
    auto n = ::recv(fd, chunk, sizeof(chunk), 0);
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<std::size_t>(n));
  }
  buffer.erase(0, total);
  return true;
}

struct ClientResult {
  std::vector<std::int64_t> samples;
  std::uint64_t requests = 0;
  std::uint64_t errors = 0;
};

void runClient(std::uint16_t port, const std::atomic<bool>& measuring,
               const std::atomic<bool>& stop, ClientResult& result) {
  int fd = connectLoopback(port);
  if (fd < 0) {
    ++result.errors;
    return;
  }
  std::string buffer;
  buffer.reserve(8192);
  while (!stop.load(std::memory_order_relaxed)) {
    auto start = nowNs();
    if (::send(fd, kRequest.data(), kRequest.size(), MSG_NOSIGNAL) !=
            static_cast<ssize_t>(kRequest.size()) ||
        !readResponse(fd, buffer)) {
      ++result.errors;
      break;
    }
    if (measuring.load(std::memory_order_relaxed)) {
      result.samples.push_back(nowNs() - start);
      ++result.requests;
    }
  }
  ::close(fd);
}

nlohmann::json run(const Options& options) {
  auto connections = static_cast<std::size_t>(std::max(1.0, param(options, "connections", 4)));
  auto ioThreads = static_cast<std::size_t>(std::max(1.0, param(options, "io_threads", 2)));
  double seconds = param(options, "seconds", options.quick ? 0.3 : 3.0);

  metrics::Registry registry;
  HttpServerConfig config;
  config.ioThreads = ioThreads;
  HttpServer server(config, registry);
  server.addEndpoint({"bench", "127.0.0.1", 0}).get("/ping", [](const Request&) {
    return Response::text(200, "pong");
  });
  if (auto started = server.start(); !started) {
    return {{"error", started.error().describe()}};
  }
  auto port = server.port("bench");

  std::vector<ClientResult> results(connections);
  for (auto& result : results) {
    result.samples.reserve(static_cast<std::size_t>(seconds * 200'000) / connections + 1024);
  }
  std::atomic<bool> measuring{false};
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  for (std::size_t i = 0; i < connections; ++i) {
    clients.emplace_back(runClient, port, std::cref(measuring), std::cref(stop),
                         std::ref(results[i]));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(options.quick ? 50 : 300));  // warm-up
  auto begin = nowNs();
  measuring = true;
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  measuring = false;
  auto elapsed = nowNs() - begin;
  stop = true;
  for (auto& client : clients) client.join();
  server.stop();

  std::uint64_t requests = 0;
  std::uint64_t errors = 0;
  std::size_t samples = 0;
  for (const auto& result : results) {
    requests += result.requests;
    errors += result.errors;
    samples += result.samples.size();
  }
  LatencyRecorder latency(samples);
  for (const auto& result : results) {
    for (auto sample : result.samples) latency.record(sample);
  }
  auto figures = latency.summary();
  figures["requests_per_s"] =
      elapsed > 0 ? static_cast<double>(requests) * 1e9 / static_cast<double>(elapsed) : 0.0;
  figures["requests"] = requests;
  figures["errors"] = errors;
  figures["connections"] = connections;
  figures["io_threads"] = ioThreads;
  figures["seconds"] = static_cast<double>(elapsed) * 1e-9;
  return figures;
}

AIT_BENCHMARK("http",
              "GET /ping over keep-alive loopback connections: requests/s and latency "
              "(params: connections, io_threads, seconds)",
              run);

}  // namespace
}  // namespace ait::http::bench
