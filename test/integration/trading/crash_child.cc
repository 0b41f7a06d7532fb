// Runs the trading-engine service on a journal in DATA_DIR and drives it with order flow for
// ever: ticks on a random walk through a bus producer, and REST calls (market and limit orders,
// some with a stop loss and take profit, cancels, repeated ids) through the service's router.
// Before taking any flow it prints the state its replay rebuilt; after every acknowledged REST
// answer it prints the acknowledgement. The crash test kills it with SIGKILL at random moments.
//
// usage: trading_crash_child DATA_DIR SEED RUN
// output lines:
//   state <orders> <net quantity mantissa> <balance mantissa> <replayed events>
//   ack <client order id> <http status> <order status> <filled quantity>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "crash_common.h"

namespace {

void emit(const std::string& line) {
  std::string out = line + "\n";
  if (::write(STDOUT_FILENO, out.data(), out.size()) != static_cast<ssize_t>(out.size())) {
    std::_Exit(1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  using namespace ait;
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s DATA_DIR SEED RUN\n", argv[0]);
    return 2;
  }
  const std::string run = argv[3];
  auto runtime = engine::Runtime::open(trading::crashtest::runtimeSettings(argv[1]));
  if (!runtime) {
    std::fprintf(stderr, "runtime: %s\n", runtime.error().describe().c_str());
    return 1;
  }
  http::Router router;
  auto service = trading::TradingService::create(**runtime, router, trading::crashtest::settings());
  if (!service) {
    std::fprintf(stderr, "service: %s\n", service.error().describe().c_str());
    return 1;
  }
  if (auto started = (*service)->start(); !started) {
    std::fprintf(stderr, "start: %s\n", started.error().describe().c_str());
    return 1;
  }
  {
    // The engine thread does not run yet: this is the replay's state alone.
    const auto& engine = (*service)->engine();
    emit(fmt::format("state {} {} {} {}", engine.orders().size(),
                     engine.portfolio().netQuantity(0, 0), engine.portfolio().account(0).balance,
                     (*service)->replayedThrough()));
    emit(fmt::format("snapshot {}", (*service)->snapshotLoaded()));
  }
  if (auto started = (*runtime)->start(); !started) {
    std::fprintf(stderr, "runtime start: %s\n", started.error().describe().c_str());
    return 1;
  }
  auto producer = (*runtime)->bus().makeProducer({.name = "feed"});
  if (!producer) return 1;

  std::mt19937_64 rng(std::strtoull(argv[2], nullptr, 10));
  std::int64_t mid = 110'000;
  std::vector<std::string> limits;
  std::vector<std::string> acked;
  for (std::uint64_t n = 0;; ++n) {
    mid += static_cast<std::int64_t>(rng() % 21) - 10;
    model::Tick tick{};
    tick.header.tenant = model::kSystemTenant;
    tick.header.tsEvent = SystemClock::instance().now();
    tick.instrument = trading::crashtest::instrumentId();
    tick.bid = model::Price::fromRaw(mid - 1, 5);
    tick.ask = model::Price::fromRaw(mid + 1, 5);
    tick.flags = model::kTickBid | model::kTickAsk;
    producer->publish(tick);

    http::Request request;
    const auto kind = rng() % 10;
    std::string id = fmt::format("{}-{}", run, n);
    if (kind < 5) {
      nlohmann::json body{{"client_order_id", id},
                          {"account", "ACC1"},
                          {"instrument", "EURUSD@SIM"},
                          {"side", rng() % 2 ? "buy" : "sell"},
                          {"order_type", "market"},
                          {"time_in_force", "gtc"},
                          {"quantity", fmt::format("0.{:02}", 1 + rng() % 99)}};
      if (kind == 0) {
        bool buy = body["side"] == "buy";
        body["stop_loss"] = model::Price::fromRaw(buy ? mid - 300 : mid + 300, 5).toString();
        body["take_profit"] = model::Price::fromRaw(buy ? mid + 300 : mid - 300, 5).toString();
      }
      request = http::Request::make(http::Method::Post, "/api/v1/orders", body.dump());
    } else if (kind < 8) {
      bool buy = rng() % 2 != 0;
      std::int64_t price = buy ? mid - 5 - static_cast<std::int64_t>(rng() % 50)
                               : mid + 5 + static_cast<std::int64_t>(rng() % 50);
      nlohmann::json body{{"client_order_id", id},
                          {"account", "ACC1"},
                          {"instrument", "EURUSD@SIM"},
                          {"side", buy ? "buy" : "sell"},
                          {"order_type", "limit"},
                          {"time_in_force", "gtc"},
                          {"price", model::Price::fromRaw(price, 5).toString()},
                          {"quantity", "0.10"}};
      request = http::Request::make(http::Method::Post, "/api/v1/orders", body.dump());
      limits.push_back(id);
    } else if (kind == 8 && !limits.empty()) {
      id = limits[rng() % limits.size()];
      request = http::Request::make(http::Method::Delete, "/api/v1/orders/" + id + "?account=ACC1");
    } else if (!acked.empty()) {
      // A repeated client order id must answer with the first order, not place a second.
      id = acked[rng() % acked.size()];
      nlohmann::json body{{"client_order_id", id},      {"account", "ACC1"},
                          {"instrument", "EURUSD@SIM"}, {"side", "buy"},
                          {"order_type", "market"},     {"time_in_force", "gtc"},
                          {"quantity", "5.00"}};
      request = http::Request::make(http::Method::Post, "/api/v1/orders", body.dump());
    } else {
      continue;
    }
    request.caller = http::Caller{7, 1, "trader"};  // as the gateway calls in process
    auto response = router.handle(request);
    if (response.status >= 500) {
      std::fprintf(stderr, "%d %s\n", response.status, response.body.c_str());
      return 1;
    }
    auto body = nlohmann::json::parse(response.body, nullptr, false);
    if (body.is_discarded() || !body.contains("client_order_id")) {
      std::fprintf(stderr, "%d %s\n", response.status, response.body.c_str());
      continue;
    }
    emit(fmt::format("ack {} {} {} {}", body["client_order_id"].get<std::string>(),
                     response.status, body["status"].get<std::string>(),
                     body["filled_quantity"].get<std::string>()));
    if (request.method == http::Method::Post && response.status == 201) acked.push_back(id);
  }
}
