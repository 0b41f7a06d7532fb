// `aitrading bench ingest`: market data ingest from a HistData tick file, end to end: parse the
// text, normalise every quote into a Tick, publish it through a bus producer, and let the engine
// runtime journal it (md stream, group-commit fdatasync). The figure is ticks per second from the
// first parsed line to the last tick durable in the journal. The stages alone (parse; parse +
// normalise) are measured too, to show where the time goes.
//
// Parameters (--param key=value): file (default: the HistData EURUSD sample of the shared data),
// repeat (times the file is fed, default 100; --quick 10), fsync (1/0, default 1).
//
// Ticks are published in batches of 256 (Producer::publishBatch).
//
// Latency: every 64th tick carries its publish time (monotonic ns, in ts_recv, a benchmark-only
// use) and a handler on the engine thread records publish -> dispatch (after the journal append).

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "ait/bench/harness.h"
#include "ait/core/clock.h"
#include "ait/data/files.h"
#include "ait/data/normaliser.h"
#include "ait/engine/runtime.h"

#ifndef AIT_SHARED_DATA_DIR
#define AIT_SHARED_DATA_DIR ""
#endif

namespace ait::data::bench {
namespace {

using ait::bench::LatencyRecorder;
using ait::bench::nowNs;
using ait::bench::Options;

constexpr TimestampNs kWallClockFloor = 1'000'000'000'000'000'000;  // 2001 in ns since 1970

std::string param(const Options& options, const std::string& key, const std::string& fallback) {
  auto it = options.params.find(key);
  return it == options.params.end() ? fallback : it->second;
}

nlohmann::json runIngest(const Options& options) {
  const std::string file = param(
      options, "file",
      std::string(AIT_SHARED_DATA_DIR) + "/market/nautilus_trader/quote_tick_data.csv");
  const int repeat = std::stoi(param(options, "repeat", options.quick ? "10" : "100"));
  const bool fsync = param(options, "fsync", "1") == "1";
  auto text = readFileText(file);
  if (!text) return {{"error", text.error().describe()}};

  auto specs = instrumentsFromConfig(config::DataConfig{}.instruments);
  if (!specs) return {{"error", specs.error().describe()}};
  FileOptions fileOptions;
  fileOptions.symbol = "EURUSD";
  SystemClock& clock = SystemClock::instance();
  metrics::Registry registry;  // the benchmark's counters stay out of the process registry

  // Stage 1: parse only.
  std::uint64_t parsed = 0;
  auto t0 = nowNs();
  for (int r = 0; r < repeat; ++r) {
    parseHistDataTicks(*text, fileOptions, [&](const RawQuote&) { ++parsed; });
  }
  const double parseSeconds = static_cast<double>(nowNs() - t0) * 1e-9;

  // Stage 2: parse + normalise.
  Normaliser normaliser("bench", {}, clock, registry);
  (void)normaliser.addInstruments(*specs);
  model::Tick tick;
  model::GapDetected gap;
  std::uint64_t normalised = 0;
  TimestampNs recv = clock.now();
  t0 = nowNs();
  for (int r = 0; r < repeat; ++r) {
    parseHistDataTicks(*text, fileOptions, [&](const RawQuote& quote) {
      RawQuote q = quote;
      if ((normalised & 1023) == 0) recv = clock.now();
      q.recvTime = recv;
      if (normaliser.normalise(q, tick, gap).accepted) ++normalised;
    });
  }
  const double normaliseSeconds = static_cast<double>(nowNs() - t0) * 1e-9;

  // Stage 3: the whole path into a journal on disk.
  const auto dir = std::filesystem::temp_directory_path() /
                   ("ait-bench-ingest-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  engine::RuntimeSettings settings;
  settings.journal.dataDir = dir.string();
  settings.journal.fsync = fsync;
  auto runtime = engine::Runtime::open(settings);
  if (!runtime) return {{"error", runtime.error().describe()}};
  std::atomic<std::uint64_t> dispatched{0};
  LatencyRecorder latency(static_cast<std::size_t>(repeat) * 9500 / 64 + 16);
  (void)(*runtime)->bus().subscribe("system.gap_detected", [&](const model::Event&) {
    dispatched.fetch_add(1, std::memory_order_relaxed);
  });
  (void)(*runtime)->bus().subscribe("md.>", [&](const model::Event& event) {
    dispatched.fetch_add(1, std::memory_order_relaxed);
    // A stamped tick carries monotonic ns (small); the others wall-clock ns since 1970.
    const auto stamp = model::headerOf(event).tsRecv;
    if (stamp < kWallClockFloor) latency.record(nowNs() - stamp);
  });
  auto producer = (*runtime)->bus().makeProducer({.name = "ingest"});
  if (!producer) return {{"error", producer.error().describe()}};
  if (auto started = (*runtime)->start(); !started) return {{"error", started.error().describe()}};

  Normaliser live("bench-live", {}, clock, registry);
  (void)live.addInstruments(*specs);
  // Ticks go to the bus in batches: one engine wake-up per batch instead of per tick.
  constexpr std::size_t kBatch = 256;
  std::vector<model::Event> batch;
  batch.reserve(kBatch);
  std::uint64_t published = 0;
  std::uint64_t failed = 0;
  std::uint64_t stamped = 0;
  auto flush = [&] {
    const auto now = nowNs();
    for (auto& event : batch) {
      auto& header = model::headerOf(event);
      if (header.tsRecv < kWallClockFloor) header.tsRecv = now;  // a sampled tick: publish time
    }
    const auto queued = producer->publishBatch(batch);
    published += queued;
    failed += batch.size() - queued;
    batch.clear();
  };
  t0 = nowNs();
  for (int r = 0; r < repeat; ++r) {
    parseHistDataTicks(*text, fileOptions, [&](const RawQuote& quote) {
      RawQuote q = quote;
      if ((stamped++ & 1023) == 0) recv = clock.now();
      q.recvTime = recv;
      auto outcome = live.normalise(q, tick, gap);
      if (!outcome.accepted) return;
      if (outcome.gap) batch.emplace_back(gap);
      if ((stamped & 63) == 0) tick.header.tsRecv = 1;  // sampled: stamped when published
      batch.emplace_back(tick);
      if (batch.size() >= kBatch - 1) flush();
    });
  }
  flush();
  const double publishSeconds = static_cast<double>(nowNs() - t0) * 1e-9;
  // Every published event dispatched (hence journaled), then durable.
  while (dispatched.load() < published) std::this_thread::sleep_for(std::chrono::microseconds(50));
  while ((*runtime)->stats().durable[static_cast<std::size_t>(engine::Stream::MarketData)] <
         published) {
    std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
  const double totalSeconds = static_cast<double>(nowNs() - t0) * 1e-9;
  (*runtime)->stop();
  std::filesystem::remove_all(dir);

  nlohmann::json figures;
  figures["ticks"] = published;
  figures["ticks_per_s"] = static_cast<double>(published) / totalSeconds;
  figures["seconds"] = totalSeconds;
  figures["publish_done_seconds"] = publishSeconds;
  figures["publish_failed"] = failed;
  figures["fsync"] = fsync;
  figures["stages"] = {
      {"parse_per_s", static_cast<double>(parsed) / parseSeconds},
      {"parse_normalise_per_s", static_cast<double>(normalised) / normaliseSeconds},
  };
  figures["publish_to_dispatch"] = latency.summary();
  return figures;
}

}  // namespace

AIT_BENCHMARK("ingest",
              "HistData file -> parse -> normalise -> bus -> journal (durable): ticks/s, stages, "
              "publish-to-dispatch latency",
              runIngest);

}  // namespace ait::data::bench
