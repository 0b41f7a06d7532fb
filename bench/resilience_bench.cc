// `aitrading bench resilience`: what the resilience patterns add to a call when nothing fails.
//
// For each path a timed run measures every call on its own (nowNs() around it, so the figures
// include about one clock read; `timer` shows that floor), and a throughput run times a tight
// loop as a whole for calls_per_s. Paths: the closed circuit breaker's call(), a bulkhead
// acquire + release, both also on two threads at once (one lock each), and the whole Policy
// (deadline, retry budget, breaker, bulkhead). Metrics go to a private registry.
//
// Parameters (--param key=value): calls (per throughput run), samples (per latency run).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "ait/bench/harness.h"
#include "ait/core/clock.h"
#include "ait/core/error_registry.h"
#include "ait/metrics/metrics.h"
#include "ait/resilience/bulkhead.h"
#include "ait/resilience/circuit_breaker.h"
#include "ait/resilience/policy.h"

namespace ait::resilience::bench {
namespace {

using ait::bench::LatencyRecorder;
using ait::bench::nowNs;
using ait::bench::Options;

std::uint64_t param(const Options& options, const std::string& key, std::uint64_t fallback) {
  auto it = options.params.find(key);
  return it == options.params.end() ? fallback : std::stoull(it->second);
}

// Keeps results observable so the compiler cannot drop the measured calls.
std::atomic<std::int64_t> gSink{0};

Expected<std::int64_t> operation(std::int64_t i) { return i; }

template <class Call>
nlohmann::json measure(std::uint64_t samples, std::uint64_t calls, Call&& call) {
  for (std::uint64_t i = 0; i < samples / 10 + 1; ++i) call(static_cast<std::int64_t>(i));
  LatencyRecorder latency(samples);
  for (std::uint64_t i = 0; i < samples; ++i) {
    const auto start = nowNs();
    call(static_cast<std::int64_t>(i));
    latency.record(nowNs() - start);
  }
  const auto start = nowNs();
  for (std::uint64_t i = 0; i < calls; ++i) call(static_cast<std::int64_t>(i));
  const auto elapsed = nowNs() - start;
  auto figures = latency.summary();
  figures["calls_per_s"] =
      elapsed > 0 ? static_cast<double>(calls) * 1e9 / static_cast<double>(elapsed) : 0.0;
  return figures;
}

template <class Call>
double throughputOnThreads(int threads, std::uint64_t callsPerThread, Call call) {
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      ++ready;
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      for (std::uint64_t i = 0; i < callsPerThread; ++i) call(static_cast<std::int64_t>(i));
    });
  }
  while (ready.load() < threads) std::this_thread::yield();
  const auto start = nowNs();
  go.store(true, std::memory_order_release);
  for (auto& w : workers) w.join();
  const auto elapsed = nowNs() - start;
  return elapsed > 0 ? static_cast<double>(callsPerThread) * threads * 1e9 /
                           static_cast<double>(elapsed)
                     : 0.0;
}

nlohmann::json run(const Options& options) {
  const std::uint64_t calls = param(options, "calls", options.quick ? 20'000 : 2'000'000);
  const std::uint64_t samples = param(options, "samples", options.quick ? 10'000 : 1'000'000);
  const Clock& clock = SystemClock::instance();
  metrics::Registry metrics;
  ErrorRegistry errors(clock);

  nlohmann::json out;
  out["calls"] = calls;
  out["samples"] = samples;

  out["timer"] = measure(samples, calls, [](std::int64_t i) {
    gSink.fetch_add(operation(i).value(), std::memory_order_relaxed);
  });

  CircuitBreaker breaker("bench", CircuitBreakerConfig{}, clock, metrics, errors);
  auto breakerCall = [&](std::int64_t i) {
    auto r = breaker.call([i] { return operation(i); });
    gSink.fetch_add(r.value_or(0), std::memory_order_relaxed);
  };
  out["breaker_closed"] = measure(samples, calls, breakerCall);
  out["breaker_closed_2_threads"] = {{"calls_per_s", throughputOnThreads(2, calls / 2, breakerCall)}};

  Bulkhead bulkhead("bench", BulkheadConfig{}, clock, metrics);
  auto bulkheadCall = [&](std::int64_t i) {
    auto permit = bulkhead.acquire();
    gSink.fetch_add(permit.has_value() ? i : 0, std::memory_order_relaxed);
  };
  out["bulkhead_acquire_release"] = measure(samples, calls, bulkheadCall);
  out["bulkhead_acquire_release_2_threads"] = {
      {"calls_per_s", throughputOnThreads(2, calls / 2, bulkheadCall)}};

  Policy policy("bench", ResilienceConfig{}, TimeoutClass::Fast, clock, RetryHooks{}, metrics,
                errors);
  out["policy"] = measure(samples, calls, [&](std::int64_t i) {
    auto r = policy.run([i] { return operation(i); });
    gSink.fetch_add(r.value_or(0), std::memory_order_relaxed);
  });

  if (breaker.state() != CircuitState::Closed || bulkhead.inUse() != 0) {
    out["error"] = "a resilience pattern left its idle state during the benchmark";
  }
  return out;
}

}  // namespace

AIT_BENCHMARK("resilience",
              "overhead per call of the closed circuit breaker, bulkhead acquire/release and "
              "the composed policy",
              run);

}  // namespace ait::resilience::bench
