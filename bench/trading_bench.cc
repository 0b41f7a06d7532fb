// `aitrading bench tick-to-order`: one tick through a simple strategy, the pre-trade risk checks
// and the order management to the simulated venue, which fills it, and the portfolio that books
// the fill. Each tick makes one market order (buy when the mid rose, sell when it fell, so the
// position stays small); the latency is timed per tick, from handing the tick to the engine to
// the fill booked. Journal writes are left out (a recorder that keeps nothing): the journal's own
// figures are in `aitrading bench journal`.
//
// `aitrading bench backtest`: ticks per second through a full backtest of an SMA crossover (the
// same engine, risk checks and simulated venue) on the HistData EURUSD tick sample, looped with
// shifted times.
//
// Parameters (--param key=value): ticks (tick-to-order samples), loops (backtest passes over the
// sample).

#include <cmath>
#include <ctime>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ait/bench/harness.h"
#include "ait/trading/engine.h"
#include "ait/trading/presets.h"
#include "ait/trading/strategy.h"
#include "ait/venue/sim_venue.h"

namespace ait::trading::bench {
namespace {

using ait::bench::LatencyRecorder;
using ait::bench::nowNs;
using ait::bench::Options;

std::uint64_t param(const Options& options, const std::string& key, std::uint64_t fallback) {
  auto it = options.params.find(key);
  return it == options.params.end() ? fallback : std::stoull(it->second);
}

using presets::eurusdId;

portfolio::Catalog catalog() {
  portfolio::Catalog c;
  (void)c.add(presets::eurusd());
  return c;
}

risk::RiskLimits limits() { return presets::unthrottled(); }

/// Order ids without allocation: "o" and the number in a fixed buffer.
model::ClientOrderId orderId(std::uint64_t n) {
  char buffer[24];
  auto end = fmt::format_to_n(buffer, sizeof buffer, "o{}", n);
  return model::ClientOrderId::truncated(std::string_view(buffer, end.out));
}

nlohmann::json tickToOrder(const Options& options) {
  const std::uint64_t ticks = param(options, "ticks", options.quick ? 20'000 : 200'000);
  auto cat = catalog();
  NullRecorder recorder;
  EngineConfig config;
  config.maxOrders = static_cast<std::uint32_t>(ticks + 16);
  TradingEngine engine(cat, recorder, config, limits());
  venue::SimVenue venue(cat, engine.executionSink());
  engine.setVenue(venue);
  (void)engine.addAccount(model::TenantId{1}, model::AccountId("ACC1"), model::Currency("USD"),
                          portfolio::PositionMode::Netting, model::Money::fromRaw(1'000'000, 0));

  model::Tick tick{};
  tick.header.tenant = model::TenantId{1};
  tick.instrument = eurusdId();
  tick.flags = model::kTickBid | model::kTickAsk;
  model::SubmitOrder order{};
  order.header.tenant = model::TenantId{1};
  order.account = model::AccountId("ACC1");
  order.instrument = eurusdId();
  order.type = model::OrderType::Market;
  order.quantity = model::Quantity::fromRaw(1, 2);

  LatencyRecorder latency(ticks);
  std::int64_t mid = 110'000;
  std::int64_t previousMid = mid;
  std::uint64_t state = 88172645463325252ULL;
  TimestampNs ts = 1'700'000'000'000'000'000;
  const auto startAll = nowNs();
  for (std::uint64_t i = 0; i < ticks; ++i) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    mid += static_cast<std::int64_t>(state % 5) - 2;
    ts += 1'000'000;
    tick.header.tsEvent = ts;
    tick.bid = model::Price::fromRaw(mid - 1, 5);
    tick.ask = model::Price::fromRaw(mid + 1, 5);
    const auto start = nowNs();
    engine.onTick(tick);
    // The strategy: follow the last move, within 5 lots either way.
    order.header.tsEvent = ts;
    order.clientOrderId = orderId(i);
    const std::int64_t net = engine.portfolio().netQuantity(0, 0);
    order.side = net >= 500    ? model::Side::Sell  // keep within 5 lots
                 : net <= -500 ? model::Side::Buy
                 : mid >= previousMid ? model::Side::Buy
                                      : model::Side::Sell;
    engine.submit(order);
    latency.record(nowNs() - start);
    previousMid = mid;
  }
  const auto elapsed = nowNs() - startAll;
  const auto& book = engine.orders();
  std::uint64_t filled = 0;
  for (std::uint32_t i = 0; i < book.size(); ++i) filled += book.at(i).status == oms::OrderStatus::Filled ? 1 : 0;
  nlohmann::json out;
  out["ticks"] = ticks;
  out["orders_filled"] = filled;
  out["orders_denied"] = ticks - engine.risk().decisions(risk::DenyReason::None);
  out["ticks_per_s"] = static_cast<double>(ticks) / (static_cast<double>(elapsed) * 1e-9);
  out["latency"] = latency.summary();
  out["goal_p99_ns"] = 20'000;
  return out;
}

/// This thread's processor time.
std::int64_t threadCpuNs() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

struct QuoteRow {
  TimestampNs ts;
  std::int64_t bid;
  std::int64_t ask;
};

std::vector<QuoteRow> histdata() {
  std::vector<QuoteRow> rows;
  std::ifstream in(std::string(AIT_BENCH_SHARED_DATA_DIR) + "/market/nautilus_trader/quote_tick_data.csv");
  std::string line;
  while (std::getline(in, line)) {
    // "YYYYMMDD HHMMSSmmm,bid,ask,vol"; times in EST without daylight saving.
    if (line.size() < 20) continue;
    auto comma = line.find(',');
    auto comma2 = line.find(',', comma + 1);
    int h = std::stoi(line.substr(9, 2)), m = std::stoi(line.substr(11, 2));
    int s = std::stoi(line.substr(13, 2)), ms = std::stoi(line.substr(15, 3));
    TimestampNs ts = 1'577'836'800'000'000'000LL +  // 2020-01-01T00:00:00Z
                     ((h + 5LL) * 3600 + m * 60LL + s) * 1'000'000'000LL + ms * 1'000'000LL;
    auto bid = std::llround(std::stod(line.substr(comma + 1, comma2 - comma - 1)) * 1e5);
    auto ask = std::llround(std::stod(line.substr(comma2 + 1)) * 1e5);
    rows.push_back({ts, bid, ask});
  }
  return rows;
}

nlohmann::json backtest(const Options& options) {
  auto rows = histdata();
  if (rows.empty()) return {{"error", "the HistData sample is missing"}};
  const std::uint64_t loops = param(options, "loops", options.quick ? 50 : 500);
  auto cat = catalog();
  NullRecorder recorder;
  EngineConfig config;
  config.maxOrders = 1U << 20;
  TradingEngine engine(cat, recorder, config, limits());
  venue::SimVenue venue(cat, engine.executionSink());
  engine.setVenue(venue);
  (void)engine.addAccount(model::TenantId{1}, model::AccountId("ACC1"), model::Currency("USD"),
                          portfolio::PositionMode::Netting, model::Money::fromRaw(1'000'000, 0));
  StrategyConfig strategyConfig;
  strategyConfig.fast = 20;
  strategyConfig.slow = 100;
  strategyConfig.allowShort = true;
  RuleStrategy strategy(strategyConfig);

  model::Tick tick{};
  tick.header.tenant = model::TenantId{1};
  tick.instrument = eurusdId();
  tick.flags = model::kTickBid | model::kTickAsk;
  model::SubmitOrder order{};
  order.header.tenant = model::TenantId{1};
  order.account = model::AccountId("ACC1");
  order.instrument = eurusdId();
  order.type = model::OrderType::Market;
  const TimestampNs span = rows.back().ts - rows.front().ts + 1'000'000'000;
  std::uint64_t ticks = 0, orders = 0;
  const auto start = nowNs();
  const auto startCpu = threadCpuNs();
  for (std::uint64_t loop = 0; loop < loops; ++loop) {
    const TimestampNs shift = static_cast<TimestampNs>(loop) * span;
    for (const auto& row : rows) {
      tick.header.tsEvent = row.ts + shift;
      tick.bid = model::Price::fromRaw(row.bid, 5);
      tick.ask = model::Price::fromRaw(row.ask, 5);
      engine.onTick(tick);
      ++ticks;
      Target target = strategy.onClose(static_cast<double>(row.bid + row.ask) * 0.5e-5);
      if (target == Target::Hold) continue;
      std::int64_t net = engine.portfolio().netQuantity(0, 0);
      std::int64_t want = static_cast<std::int64_t>(target) * 100;  // 1 lot long or short
      if (want == net) continue;
      order.header.tsEvent = tick.header.tsEvent;
      order.clientOrderId = orderId(++orders);
      order.side = want > net ? model::Side::Buy : model::Side::Sell;
      order.quantity = model::Quantity::fromRaw(want > net ? want - net : net - want, 2);
      engine.submit(order);
    }
  }
  const auto elapsed = nowNs() - start;
  const auto elapsedCpu = threadCpuNs() - startCpu;
  const auto& account = engine.portfolio().account(0);
  nlohmann::json out;
  out["ticks"] = ticks;
  out["orders"] = orders;
  out["ticks_per_s"] = static_cast<double>(ticks) / (static_cast<double>(elapsed) * 1e-9);
  // Per second of this thread's processor time: steadier than the wall clock on a shared machine.
  out["ticks_per_cpu_s"] = static_cast<double>(ticks) / (static_cast<double>(elapsedCpu) * 1e-9);
  out["final_balance"] = portfolio::money(account.balance).toString();
  out["goal_ticks_per_s"] = 5'000'000;
  return out;
}

}  // namespace

AIT_BENCHMARK("tick-to-order",
              "tick -> strategy -> risk -> OMS -> simulated venue fill -> portfolio, latency per tick",
              tickToOrder);
AIT_BENCHMARK("backtest", "ticks/s through an SMA-crossover backtest on the HistData EURUSD sample",
              backtest);

}  // namespace ait::trading::bench
