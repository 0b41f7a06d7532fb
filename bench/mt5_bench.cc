// `aitrading bench mt5`: ticks over both MetaTrader 5 protocols on loopback, from a load client
// in this process to the engine bus: the native EA protocol (EaClient over TCP) and the
// compatibility protocol (a Beast WebSocket client). Each tick goes the whole way: socket, line
// or frame parse, normaliser, bus producer, engine dispatch. Latency is from the arrival of the
// tick's bytes at the server (header.tsRecv) to the engine handler that receives it, so it bounds
// receive-to-publish from above; the paced native run also reports the bridge's own
// receive-to-publish histogram (per message, bucket resolution).

// Asio needs <utility> first with g++ 12 (std::exchange).
#include <utility>

#include <atomic>
#include <chrono>
#include <cmath>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <fmt/format.h>

#include "ait/bench/harness.h"
#include "ait/http/server.h"
#include "ait/model/topic.h"
#include "ait/mt5/bridge.h"
#include "ait/mt5/bus_feed.h"
#include "ait/mt5/ea_client.h"

namespace ait::bench {
namespace {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
using boost::asio::ip::tcp;
using namespace std::chrono_literals;

std::uint64_t param(const Options& options, const std::string& key, std::uint64_t fallback) {
  auto it = options.params.find(key);
  return it == options.params.end() ? fallback : std::stoull(it->second);
}

std::int64_t wallNs() { return SystemClock::instance().now(); }

// What the engine thread sees: ticks counted and their receive-to-dispatch latency.
struct Sink {
  std::atomic<std::uint64_t> ticks{0};
  std::atomic<LatencyRecorder*> latency{nullptr};
};

// Pre-encoded native lines: batches of `perBatch` ticks with seq from 1, tick times from `startMs`.
std::vector<std::string> nativeLines(std::uint64_t ticks, std::uint64_t perBatch,
                                     std::int64_t startMs) {
  std::vector<std::string> lines;
  std::int64_t t = startMs;
  std::uint64_t seq = 1;
  for (std::uint64_t done = 0; done < ticks; ++seq) {
    std::string line =
        fmt::format(R"({{"t":"ticks","seq":{},"symbol":"EURUSD","digits":5,"ticks":[)", seq);
    for (std::uint64_t i = 0; i < perBatch && done < ticks; ++i, ++done, ++t) {
      fmt::format_to(std::back_inserter(line), "{}[{},1.{:05},1.{:05},0,0,6]", i == 0 ? "" : ",", t,
                     10000 + t % 500, 10002 + t % 500);
    }
    line += "]}\n";
    lines.push_back(std::move(line));
  }
  return lines;
}

bool waitTicks(Sink& sink, std::uint64_t target, std::chrono::seconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (sink.ticks.load() < target) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(100us);
  }
  return true;
}

mt5::EaClient::Options eaOptions(std::uint16_t port, std::string session) {
  mt5::EaClient::Options o;
  o.port = port;
  o.token = "bench-token-0123456789";
  o.session = std::move(session);
  return o;
}

// Native, as fast as one connection goes.
nlohmann::json nativeThroughput(std::uint16_t port, Sink& sink, std::uint64_t ticks) {
  auto lines = nativeLines(ticks, 100, wallNs() / 1'000'000 - static_cast<std::int64_t>(ticks));
  std::string stream;
  for (auto& l : lines) stream += l;
  mt5::EaClient client(eaOptions(port, "throughput"));
  if (auto c = client.connect(); !c) return {{"error", c.error().describe()}};
  std::uint64_t before = sink.ticks.load();
  auto start = nowNs();
  constexpr std::size_t kChunk = 1 << 16;
  for (std::size_t at = 0; at < stream.size(); at += kChunk) {
    if (auto sent = client.sendRaw(std::string_view(stream).substr(at, kChunk)); !sent) {
      return {{"error", sent.error().describe()}};
    }
  }
  bool complete = waitTicks(sink, before + ticks, 30s);
  double seconds = static_cast<double>(nowNs() - start) * 1e-9;
  return {{"ticks", ticks},
          {"complete", complete},
          {"seconds", seconds},
          {"ticks_per_s", static_cast<double>(sink.ticks.load() - before) / seconds}};
}

// The non-cumulative bucket counts of a histogram, to take differences over one run.
std::vector<std::uint64_t> bucketsOf(const metrics::Histogram& histogram) {
  std::vector<std::uint64_t> counts(histogram.upperBounds().size() + 1);
  for (std::size_t i = 0; i < counts.size(); ++i) counts[i] = histogram.bucketCount(i);
  return counts;
}

// Quantiles of what a histogram observed since `before`, as the upper bound (ns) of the bucket
// that holds each: the histogram's resolution (1, 2, 5, 10, 20, 50, 100 us ...), not finer.
nlohmann::json bucketQuantiles(const metrics::Histogram& histogram,
                               const std::vector<std::uint64_t>& before) {
  const auto after = bucketsOf(histogram);
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < after.size(); ++i) total += after[i] - before[i];
  nlohmann::json out{{"samples", total}};
  const std::pair<const char*, double> quantiles[] = {
      {"p50_le_ns", 0.50}, {"p99_le_ns", 0.99}, {"p999_le_ns", 0.999}};
  for (auto [name, q] : quantiles) {
    const auto rank = static_cast<std::uint64_t>(q * static_cast<double>(total));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < after.size(); ++i) {
      seen += after[i] - before[i];
      if (seen > rank) {
        const auto bounds = histogram.upperBounds();
        out[name] = i < bounds.size() ? nlohmann::json(std::llround(bounds[i] * 1e9))
                                      : nlohmann::json("+Inf");
        break;
      }
    }
  }
  return out;
}

// Native at a steady rate: `batch` ticks every `batch / rate` seconds; latency per tick, and the
// bridge's own receive-to-publish time per message (arrival of the line to the bus hand-over of
// its last tick, on the I/O thread).
nlohmann::json nativePaced(std::uint16_t port, Sink& sink, std::uint64_t rate, double seconds,
                           const metrics::Histogram& receiveToPublish) {
  const auto publishBefore = bucketsOf(receiveToPublish);
  constexpr std::uint64_t kBatch = 25;
  auto ticks = static_cast<std::uint64_t>(static_cast<double>(rate) * seconds);
  auto lines = nativeLines(ticks, kBatch, wallNs() / 1'000'000 - static_cast<std::int64_t>(ticks));
  mt5::EaClient client(eaOptions(port, "paced"));
  if (auto c = client.connect(); !c) return {{"error", c.error().describe()}};
  LatencyRecorder latency(ticks + 16);
  std::uint64_t before = sink.ticks.load();
  sink.latency = &latency;
  auto interval = std::chrono::nanoseconds(1'000'000'000ULL * kBatch / rate);
  auto next = std::chrono::steady_clock::now();
  for (const auto& line : lines) {
    std::this_thread::sleep_until(next);
    next += interval;
    if (auto sent = client.sendRaw(line); !sent) return {{"error", sent.error().describe()}};
  }
  bool complete = waitTicks(sink, before + ticks, 10s);
  sink.latency = nullptr;
  auto summary = latency.summary();
  summary["rate_per_s"] = rate;
  summary["complete"] = complete;
  summary["receive_to_publish_per_message"] = bucketQuantiles(receiveToPublish, publishBefore);
  return summary;
}

// Compatibility protocol over a real WebSocket: `window` frames in flight, one reply each.
nlohmann::json compatRun(std::uint16_t port, Sink& sink, std::uint64_t ticks, std::uint64_t rate,
                         bool measure) {
  boost::asio::io_context io;
  websocket::stream<tcp::socket> ws(io);
  try {
    ws.next_layer().connect({boost::asio::ip::make_address("127.0.0.1"), port});
    ws.handshake("127.0.0.1", "/api/v1/ws");
  } catch (const std::exception& e) {
    return {{"error", e.what()}};
  }
  LatencyRecorder latency(measure ? ticks + 16 : 1);
  if (measure) sink.latency = &latency;
  std::uint64_t before = sink.ticks.load();
  constexpr std::uint64_t kWindow = 64;
  std::uint64_t inFlight = 0;
  beast::flat_buffer reply;
  auto interval =
      rate == 0 ? std::chrono::nanoseconds(0) : std::chrono::nanoseconds(1'000'000'000ULL / rate);
  auto next = std::chrono::steady_clock::now();
  std::int64_t baseMs = wallNs() / 1'000'000 - static_cast<std::int64_t>(ticks);
  auto start = nowNs();
  try {
    for (std::uint64_t i = 0; i < ticks; ++i) {
      if (rate != 0) {
        std::this_thread::sleep_until(next);
        next += interval;
      }
      std::int64_t ms = baseMs + static_cast<std::int64_t>(i);
      auto frame = fmt::format(
          R"({{"type":"tick_data","data":{{"symbol":"GBPUSD","bid":1.{:05},"ask":1.{:05},"spread":2,"time":{}.{:03},"volume":1,"last":0,"source":"mt5"}},"timestamp":"2025-09-20T10:15:30.123456"}})",
          26000 + ms % 500, 26002 + ms % 500, ms / 1000, ms % 1000);
      ws.write(boost::asio::buffer(frame));
      if (++inFlight == kWindow || rate != 0) {
        while (inFlight > 0) {
          ws.read(reply);
          reply.clear();
          --inFlight;
        }
      }
    }
    while (inFlight > 0) {
      ws.read(reply);
      reply.clear();
      --inFlight;
    }
    ws.close(websocket::close_code::normal);
  } catch (const std::exception& e) {
    sink.latency = nullptr;
    return {{"error", e.what()}};
  }
  bool complete = waitTicks(sink, before + ticks, 10s);
  double seconds = static_cast<double>(nowNs() - start) * 1e-9;
  sink.latency = nullptr;
  nlohmann::json out{{"ticks", ticks},
                     {"complete", complete},
                     {"seconds", seconds},
                     {"ticks_per_s", static_cast<double>(sink.ticks.load() - before) / seconds}};
  if (measure) {
    out["latency"] = latency.summary();
    out["rate_per_s"] = rate;
  }
  return out;
}

nlohmann::json runMt5Bench(const Options& options) {
  const std::uint64_t nativeTicks =
      param(options, "native_ticks", options.quick ? 200'000 : 2'000'000);
  const std::uint64_t pacedRate = param(options, "rate", 50'000);
  const double pacedSeconds = options.quick ? 1.0 : 3.0;
  const std::uint64_t wsTicks = param(options, "ws_ticks", options.quick ? 10'000 : 50'000);
  const std::uint64_t wsRate = param(options, "ws_rate", 2'000);

  metrics::Registry registry;
  auto created = engine::EventBus::create(bus::BusConfig{}, "bench-mt5");
  if (!created) return {{"error", created.error().describe()}};
  auto& bus = **created;
  Sink sink;
  (void)bus.subscribe("md.>", [&sink](const model::Event& event) {
    if (const auto* tick = std::get_if<model::Tick>(&event)) {
      if (auto* latency = sink.latency.load(std::memory_order_relaxed)) {
        latency->record(wallNs() - tick->header.tsRecv);
      }
      sink.ticks.fetch_add(1, std::memory_order_relaxed);
    }
  });
  std::vector<data::InstrumentSpec> instruments(2);
  instruments[0].instrument.id.symbol = model::Symbol("EURUSD");
  instruments[1].instrument.id.symbol = model::Symbol("GBPUSD");
  for (auto& spec : instruments) spec.instrument.currency = "USD";
  mt5::BusFeeds feeds(bus, instruments, {}, SystemClock::instance(), registry);
  mt5::Mt5Config config;
  config.native_host = "127.0.0.1";
  config.native_port = 0;
  config.tokens = {{"bench-token-0123456789", 1, ""}};
  config.compat_default_tenant = 1;
  mt5::Mt5Bridge bridge(config, feeds.native(), feeds.compat(), SystemClock::instance(), registry);
  http::HttpServer server({}, registry);
  bridge.addRoutes(server.addEndpoint({"data-bridge", "127.0.0.1", 0}));
  if (auto ok = bus.start(); !ok) return {{"error", ok.error().describe()}};
  if (auto ok = bridge.start(); !ok) return {{"error", ok.error().describe()}};
  if (auto ok = server.start(); !ok) return {{"error", ok.error().describe()}};
  const auto nativePort = bridge.native().port();
  const auto wsPort = server.port("data-bridge");

  nlohmann::json out;
  out["native_throughput"] = nativeThroughput(nativePort, sink, nativeTicks);
  out["native_paced"] = nativePaced(nativePort, sink, pacedRate, pacedSeconds,
                                    bridge.native().core().stats().receiveToPublish);
  out["ws_throughput"] = compatRun(wsPort, sink, wsTicks, 0, false);
  out["ws_paced"] =
      compatRun(wsPort, sink, static_cast<std::uint64_t>(wsRate * pacedSeconds), wsRate, true);
  out["rejected"] = bridge.native().core().stats().ticksRejected.value() +
                    bridge.compat().stats().ticksRejected.value();
  server.stop();
  bridge.stop();
  (void)bus.stop();
  return out;
}

}  // namespace

AIT_BENCHMARK(
    "mt5",
    "MT5 bridges on loopback: native EA protocol and WebSocket compatibility, ticks/s and "
    "receive-to-dispatch latency (params native_ticks, rate, ws_ticks, ws_rate)",
    runMt5Bench);

}  // namespace ait::bench
