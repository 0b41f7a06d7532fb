// `aitrading bench bus`: the in-process bus's producer -> engine hop.
//
// Throughput: one producer thread publishes as fast as the bus takes events; the figure is events
// dispatched per second from the first publish to the last handler call. Latency: a paced producer
// (default 200k events/s, well below saturation, so that queueing does not dominate) stamps each
// event with the TSC just before publish; the handler on the engine thread records now - stamp.
// Also: 128-byte events, several producers, the wake-up from a parked engine, and the real
// ait::model::Event when the model library is linked.
//
// Parameters (--param key=value): events (throughput run), samples (latency run), rate (latency
// run, events/s), idle (spin|yield|park, default: the bus default), capacity (events per
// producer ring, default: the bus default).

#include <atomic>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "ait/bench/harness.h"
#include "ait/bus/bus.h"

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

#if __has_include("ait/model/topic.h")
#include "ait/model/topic.h"
#define AIT_BUS_BENCH_MODEL 1
#endif

namespace ait::bus::bench {
namespace {

using ait::bench::LatencyRecorder;
using ait::bench::nowNs;
using ait::bench::Options;

// Time stamps for the latency runs. steady_clock costs ~130 ns per call on this kind of VM
// (kvm-clock), more than the hop being measured, so stamps are TSC ticks converted with a rate
// calibrated against steady_clock.
class Ticks {
 public:
  Ticks() {
    const auto ns0 = nowNs();
    const auto t0 = read();
    while (nowNs() - ns0 < 20'000'000) {
    }
    nsPerTick_ = static_cast<double>(nowNs() - ns0) / static_cast<double>(read() - t0);
  }
  static std::int64_t read() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    return static_cast<std::int64_t>(__rdtsc());
#else
    return nowNs();
#endif
  }
  std::int64_t toNs(std::int64_t ticks) const noexcept {
    return static_cast<std::int64_t>(static_cast<double>(ticks) * nsPerTick_);
  }
  std::int64_t fromNs(std::int64_t ns) const noexcept {
    return static_cast<std::int64_t>(static_cast<double>(ns) / nsPerTick_);
  }

 private:
  double nsPerTick_ = 1.0;
};

// A tick-sized event: topic inline, a publish stamp, prices and sizes. Padding bytes make the
// 128-byte variant.
template <std::size_t Size>
struct BenchEvent {
  char topic[15];
  std::uint8_t topicLength;
  std::int64_t stamp;
  std::uint64_t seq;
  std::int64_t bid;
  std::int64_t ask;
  std::int64_t bidSize;
  std::int64_t askSize;
  std::byte padding[Size - 64];
};
template <>
struct BenchEvent<64> {
  char topic[15];
  std::uint8_t topicLength;
  std::int64_t stamp;
  std::uint64_t seq;
  std::int64_t bid;
  std::int64_t ask;
  std::int64_t bidSize;
  std::int64_t askSize;
};
static_assert(sizeof(BenchEvent<64>) == 64);
static_assert(sizeof(BenchEvent<128>) == 128);

template <std::size_t Size>
std::string_view topicOf(const BenchEvent<Size>& event) noexcept {
  return {event.topic, event.topicLength};
}

template <class Event>
Event makeEvent(std::string_view topic, std::uint64_t seq) {
  Event event{};
  std::memcpy(event.topic, topic.data(), topic.size());
  event.topicLength = static_cast<std::uint8_t>(topic.size());
  event.seq = seq;
  event.bid = 108'512;
  event.ask = 108'514;
  return event;
}

// How each event type is built, stamped and read back by the generic runs below.
template <class Event>
struct Traits {
  static Event make(std::string_view topic, std::uint64_t seq) { return makeEvent<Event>(topic, seq); }
  static void stamp(Event& event, std::int64_t ticks) { event.stamp = ticks; }
  static std::int64_t stampOf(const Event& event) { return event.stamp; }
};

#ifdef AIT_BUS_BENCH_MODEL
template <>
struct Traits<model::Event> {
  static model::Event make(std::string_view, std::uint64_t seq) {
    model::Tick tick{};
    tick.instrument.symbol = model::Symbol("EURUSD");
    tick.header.sequence = seq;
    return model::Event{tick};
  }
  static void stamp(model::Event& event, std::int64_t ticks) {
    std::get<model::Tick>(event).header.tsRecv = ticks;
  }
  static std::int64_t stampOf(const model::Event& event) {
    return std::get<model::Tick>(event).header.tsRecv;
  }
};
#endif

BusConfig benchConfig(const Options& options) {
  BusConfig config;
  if (auto it = options.params.find("idle"); it != options.params.end()) {
    if (auto idle = parseIdleStrategy(it->second)) config.idle = *idle;
  }
  if (auto it = options.params.find("capacity"); it != options.params.end()) {
    config.queue_capacity = static_cast<std::uint32_t>(std::stoul(it->second));
  }
  return config;
}

std::uint64_t param(const Options& options, const std::string& key, std::uint64_t fallback) {
  auto it = options.params.find(key);
  return it == options.params.end() ? fallback : std::stoull(it->second);
}

// Runs `producers` threads publishing `perProducer` events each as fast as they can; returns
// {"events_per_s", "events", "seconds"}.
template <class Event>
nlohmann::json throughput(const Options& options, int producers, std::uint64_t perProducer) {
  auto created = Bus<Event>::create(benchConfig(options), "bench");
  if (!created) return {{"error", created.error().describe()}};
  auto& bus = **created;
  const std::uint64_t total = perProducer * static_cast<std::uint64_t>(producers);
  std::uint64_t received = 0;
  std::int64_t lastNs = 0;
  std::uint64_t checksum = 0;
  (void)bus.subscribe("md.*", [&](const Event& event) {
    checksum += Traits<Event>::stampOf(event) & 1;
    if (++received == total) lastNs = nowNs();
  });
  std::vector<typename Bus<Event>::Producer> handles;
  for (int p = 0; p < producers; ++p) {
    auto handle = bus.makeProducer({.name = "p" + std::to_string(p)});
    if (!handle) return {{"error", handle.error().describe()}};
    handles.push_back(std::move(*handle));
  }
  (void)bus.start();
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int p = 0; p < producers; ++p) {
    threads.emplace_back([&, p] {
      auto event = Traits<Event>::make(p % 2 == 0 ? "md.EURUSD" : "md.GBPUSD", 0);
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      for (std::uint64_t i = 0; i < perProducer; ++i) (void)handles[p].publish(event);
    });
  }
  const auto startNs = nowNs();
  go.store(true, std::memory_order_release);
  for (auto& t : threads) t.join();
  (void)bus.stop();
  const double seconds = static_cast<double>(lastNs - startNs) * 1e-9;
  return {{"events", total},
          {"seconds", seconds},
          {"events_per_s", seconds > 0 ? static_cast<double>(received) / seconds : 0.0},
          {"dropped", bus.stats().queue("p0")->dropped}};
}

// One producer paced at `rate` events/s; returns the hop latency percentiles.
template <class Event>
nlohmann::json latency(const Options& options, const Ticks& clock, std::uint64_t rate,
                       std::uint64_t samples) {
  auto created = Bus<Event>::create(benchConfig(options), "bench");
  if (!created) return {{"error", created.error().describe()}};
  auto& bus = **created;
  LatencyRecorder recorder(samples);
  std::uint64_t underOneMicro = 0;
  (void)bus.subscribe("md.*", [&](const Event& event) {
    const auto ns = clock.toNs(Ticks::read() - Traits<Event>::stampOf(event));
    recorder.record(ns);
    if (ns < 1'000) ++underOneMicro;
  });
  auto producer = bus.makeProducer({.name = "paced"});
  if (!producer) return {{"error", producer.error().describe()}};
  (void)bus.start();
  auto event = Traits<Event>::make("md.EURUSD", 0);
  const std::int64_t interval = clock.fromNs(static_cast<std::int64_t>(1'000'000'000 / rate));
  std::int64_t next = Ticks::read();
  for (std::uint64_t i = 0; i < samples; ++i) {
    next += interval;
    std::int64_t now = Ticks::read();
    while (now < next) now = Ticks::read();
    Traits<Event>::stamp(event, now);
    (void)producer->publish(event);
  }
  (void)bus.stop();
  auto out = recorder.summary();
  out["rate_per_s"] = rate;
  // The share of hops under 1 us: on a shared machine the tail percentiles measure preemption of
  // the engine thread by other processes, this shows how much of the distribution that is.
  out["under_1us_ratio"] =
      samples == 0 ? 0.0 : static_cast<double>(underOneMicro) / static_cast<double>(samples);
  return out;
}

// Returns the first "error" found in a nested run, so that the harness reports the failure.
std::string firstError(const nlohmann::json& figures) {
  if (!figures.is_object()) return {};
  if (auto it = figures.find("error"); it != figures.end()) return it->dump();
  for (const auto& [key, value] : figures.items()) {
    if (auto error = firstError(value); !error.empty()) return key + ": " + error;
  }
  return {};
}

nlohmann::json runBusBench(const Options& options) {
  const std::uint64_t events = param(options, "events", options.quick ? 1'000'000 : 20'000'000);
  const std::uint64_t samples = param(options, "samples", options.quick ? 20'000 : 400'000);
  const std::uint64_t rate = param(options, "rate", 200'000);

  const Ticks clock;
  nlohmann::json out;
  out["idle"] = std::string(toString(benchConfig(options).idle));
  out["event_bytes"] = sizeof(BenchEvent<64>);
  auto single = throughput<BenchEvent<64>>(options, 1, events);
  out["events_per_s"] = single.value("events_per_s", 0.0);
  auto paced = latency<BenchEvent<64>>(options, clock, rate, samples);
  for (const char* key : {"p50_ns", "p99_ns", "p999_ns"}) out[key] = paced.value(key, 0);
  out["throughput"] = single;
  out["latency"] = paced;
  out["throughput_128b"] = throughput<BenchEvent<128>>(options, 1, events);
  out["latency_128b"] = latency<BenchEvent<128>>(options, clock, rate, samples);
  out["multi_producer"] = {
      {"producers_2", throughput<BenchEvent<64>>(options, 2, events / 2)},
      {"producers_4", throughput<BenchEvent<64>>(options, 4, events / 4)},
  };
  // Slow enough that the default engine parks between events: the futex wake-up cost.
  out["latency_parked"] = latency<BenchEvent<64>>(options, clock, 2'000, options.quick ? 200 : 2'000);
#ifdef AIT_BUS_BENCH_MODEL
  nlohmann::json real;
  real["event_bytes"] = sizeof(model::Event);
  real["throughput"] = throughput<model::Event>(options, 1, events / 4);
  real["latency"] = latency<model::Event>(options, clock, rate, samples);
  out["model_event"] = real;
#endif
  if (auto error = firstError(out); !error.empty()) return {{"error", error}};
  return out;
}

AIT_BENCHMARK("bus", "in-process bus: producer -> engine hop throughput and latency", runBusBench);

}  // namespace
}  // namespace ait::bus::bench
