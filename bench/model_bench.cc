// `aitrading bench model`: the cost of the domain model's hot-path conversions.
//
// For Tick and SubmitOrder: binary encode and decode rates (one thread, tight loop, prices varied
// per event) and per-event latency percentiles (each call timed on its own; `timer_overhead_ns`
// is the cost of the timing itself, included in every sample). Also exact price parsing and the
// feed's double -> fixed-point conversion, and JSON rendering of a fill for comparison.
//
// Parameters (--param key=value): events (operations per rate run), samples (timed calls per
// latency run).

#include <array>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "ait/bench/harness.h"
#include "ait/model/codec.h"
#include "ait/model/json.h"

namespace ait::model::bench {
namespace {

using ait::bench::LatencyRecorder;
using ait::bench::nowNs;
using ait::bench::Options;

volatile std::uint64_t sink = 0;

std::uint64_t param(const Options& options, const std::string& key, std::uint64_t fallback) {
  auto it = options.params.find(key);
  return it == options.params.end() ? fallback : std::stoull(it->second);
}

InstrumentId eurusd() { return InstrumentId{Symbol("EURUSD"), Venue("MT5")}; }

Event makeTick(std::uint64_t i) {
  Tick tick;
  tick.header = EventHeader{TenantId{1}, 1'704'164'645'123'456'789 + static_cast<std::int64_t>(i),
                            1'704'164'645'123'999'000 + static_cast<std::int64_t>(i), 0};
  tick.instrument = eurusd();
  tick.bid = Price::fromRaw(110'235 + static_cast<std::int64_t>(i % 97), 5);
  tick.ask = Price::fromRaw(110'237 + static_cast<std::int64_t>(i % 97), 5);
  tick.last = Price::fromRaw(110'236, 5);
  tick.bidSize = Quantity::fromRaw(150, 2);
  tick.askSize = Quantity::fromRaw(275, 2);
  tick.volume = Quantity::fromRaw(1'000'000, 0);
  tick.flags = kTickBid | kTickAsk;
  return tick;
}

Event makeSubmitOrder(std::uint64_t i) {
  SubmitOrder order;
  order.header = EventHeader{TenantId{1}, 1'704'164'645'123'456'789, 1'704'164'645'123'999'000, 0};
  order.clientOrderId = ClientOrderId("c-20240102-000000001");
  order.account = AccountId("ACC-1");
  order.instrument = eurusd();
  order.side = i % 2 == 0 ? Side::Buy : Side::Sell;
  order.type = OrderType::Limit;
  order.timeInForce = TimeInForce::Gtc;
  order.quantity = Quantity::fromRaw(10, 2);
  order.price = Price::fromRaw(110'200 + static_cast<std::int64_t>(i % 97), 5);
  order.stopLoss = Price::fromRaw(110'000, 5);
  order.takeProfit = Price::fromRaw(110'600, 5);
  order.strategyId = StrategyId("mean-rev-2");
  order.confidence = 0.8;
  return order;
}

nlohmann::json timerOverhead(std::uint64_t samples) {
  LatencyRecorder recorder(samples);
  for (std::uint64_t i = 0; i < samples; ++i) {
    auto start = nowNs();
    recorder.record(nowNs() - start);
  }
  return recorder.summary()["p50_ns"];
}

// Encode and decode rates and latencies for events made by `make`.
template <class Make>
nlohmann::json codecFigures(Make make, std::uint64_t events, std::uint64_t samples) {
  constexpr std::size_t kVariants = 64;
  std::array<Event, kVariants> inputs;
  for (std::size_t i = 0; i < kVariants; ++i) inputs[i] = make(i);
  std::array<std::array<std::byte, kMaxEncodedSize>, kVariants> encoded{};
  std::array<std::size_t, kVariants> sizes{};
  for (std::size_t i = 0; i < kVariants; ++i) {
    auto size = encode(inputs[i], encoded[i]);
    if (!size) return {{"error", size.error().describe()}};
    sizes[i] = *size;
  }

  std::array<std::byte, kMaxEncodedSize> buffer{};
  std::uint64_t checksum = 0;
  auto start = nowNs();
  for (std::uint64_t i = 0; i < events; ++i) {
    auto size = encode(inputs[i % kVariants], buffer);
    checksum += *size + static_cast<std::uint64_t>(buffer[40]);
  }
  double encodeSeconds = static_cast<double>(nowNs() - start) / 1e9;

  start = nowNs();
  for (std::uint64_t i = 0; i < events; ++i) {
    std::size_t k = i % kVariants;
    auto event = decode(std::span(encoded[k]).first(sizes[k]));
    checksum += headerOf(*event).tenant.value;
  }
  double decodeSeconds = static_cast<double>(nowNs() - start) / 1e9;

  LatencyRecorder encodeLatency(samples);
  LatencyRecorder decodeLatency(samples);
  for (std::uint64_t i = 0; i < samples; ++i) {
    std::size_t k = i % kVariants;
    auto t0 = nowNs();
    auto size = encode(inputs[k], buffer);
    auto t1 = nowNs();
    auto event = decode(std::span(encoded[k]).first(sizes[k]));
    auto t2 = nowNs();
    encodeLatency.record(t1 - t0);
    decodeLatency.record(t2 - t1);
    checksum += *size + headerOf(*event).tenant.value;
  }
  sink = sink + checksum;

  nlohmann::json out;
  out["encoded_bytes"] = sizes[0];
  out["encode_per_s"] = static_cast<double>(events) / encodeSeconds;
  out["decode_per_s"] = static_cast<double>(events) / decodeSeconds;
  out["encode_mean_ns"] = encodeSeconds * 1e9 / static_cast<double>(events);
  out["decode_mean_ns"] = decodeSeconds * 1e9 / static_cast<double>(events);
  out["encode_latency"] = encodeLatency.summary();
  out["decode_latency"] = decodeLatency.summary();
  return out;
}

nlohmann::json priceFigures(std::uint64_t events, std::uint64_t samples) {
  static constexpr std::array<std::string_view, 8> kTexts = {
      "1.10235", "1.10236", "0.99871", "145.123", "1.1", "64123.5", "1.10240", "0.00001"};
  static constexpr std::array<double, 8> kDoubles = {1.10235, 1.10236, 0.99871, 145.123,
                                                     1.1,     64123.5, 1.1024,  0.00001};
  std::uint64_t checksum = 0;
  auto start = nowNs();
  for (std::uint64_t i = 0; i < events; ++i) {
    checksum += static_cast<std::uint64_t>(Price::parse(kTexts[i % kTexts.size()], 5)->mantissa());
  }
  double parseSeconds = static_cast<double>(nowNs() - start) / 1e9;
  start = nowNs();
  for (std::uint64_t i = 0; i < events; ++i) {
    checksum +=
        static_cast<std::uint64_t>(Price::fromDouble(kDoubles[i % kDoubles.size()], 5)->mantissa());
  }
  double doubleSeconds = static_cast<double>(nowNs() - start) / 1e9;
  LatencyRecorder parseLatency(samples);
  char text[kMaxDecimalChars];
  start = nowNs();
  for (std::uint64_t i = 0; i < events; ++i) {
    checksum += Price::fromRaw(110'235 + static_cast<std::int64_t>(i % 1000), 5).toChars(text);
  }
  double formatSeconds = static_cast<double>(nowNs() - start) / 1e9;
  for (std::uint64_t i = 0; i < samples; ++i) {
    auto t0 = nowNs();
    auto price = Price::parse(kTexts[i % kTexts.size()], 5);
    parseLatency.record(nowNs() - t0);
    checksum += static_cast<std::uint64_t>(price->mantissa());
  }
  sink = sink + checksum;
  nlohmann::json out;
  out["parse_per_s"] = static_cast<double>(events) / parseSeconds;
  out["parse_mean_ns"] = parseSeconds * 1e9 / static_cast<double>(events);
  out["parse_latency"] = parseLatency.summary();
  out["from_double_per_s"] = static_cast<double>(events) / doubleSeconds;
  out["from_double_mean_ns"] = doubleSeconds * 1e9 / static_cast<double>(events);
  out["format_per_s"] = static_cast<double>(events) / formatSeconds;
  out["format_mean_ns"] = formatSeconds * 1e9 / static_cast<double>(events);
  return out;
}

nlohmann::json jsonFigures(std::uint64_t events) {
  OrderFilled fill;
  fill.clientOrderId = ClientOrderId("c-1");
  fill.instrument = eurusd();
  fill.fillPrice = Price::fromRaw(110'235, 5);
  fill.fillQuantity = Quantity::fromRaw(10, 2);
  Event event = fill;
  std::uint64_t checksum = 0;
  auto start = nowNs();
  for (std::uint64_t i = 0; i < events; ++i) checksum += toJson(event).size();
  double seconds = static_cast<double>(nowNs() - start) / 1e9;
  sink = sink + checksum;
  return {{"fill_to_json_per_s", static_cast<double>(events) / seconds}};
}

nlohmann::json run(const Options& options) {
  const std::uint64_t events = param(options, "events", options.quick ? 100'000 : 5'000'000);
  const std::uint64_t samples = param(options, "samples", options.quick ? 20'000 : 1'000'000);
  nlohmann::json out;
  out["event_bytes"] = sizeof(Event);
  out["max_encoded_bytes"] = kMaxEncodedSize;
  out["timer_overhead_ns"] = timerOverhead(samples);
  out["tick"] = codecFigures(makeTick, events, samples);
  out["submit_order"] = codecFigures(makeSubmitOrder, events, samples);
  out["price"] = priceFigures(events, samples);
  out["json"] = jsonFigures(events / 20);
  for (const char* part : {"tick", "submit_order"}) {
    if (out[part].contains("error")) return {{"error", out[part]["error"]}};
  }
  return out;
}

}  // namespace

AIT_BENCHMARK("model", "event encode/decode (Tick, SubmitOrder), price parse and conversions",
              run);

}  // namespace ait::model::bench
