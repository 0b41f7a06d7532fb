#pragma once
// The trading service on a real runtime, as the service-level tests start it: the runtime
// journals into a test folder (no fsync), the service subscribes before the runtime starts, and a
// producer plays the market data and the other services.

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "ait/engine/runtime.h"
#include "ait/http/router.h"
#include "ait/trading/service.h"

namespace ait::trading::testing {

inline std::unique_ptr<engine::Runtime> openRuntime(const std::filesystem::path& dir) {
  engine::RuntimeSettings r;
  r.journal.dataDir = dir.string();
  r.journal.fsync = false;
  auto rt = engine::Runtime::open(r);
  EXPECT_TRUE(rt) << rt.error().describe();
  return std::move(*rt);
}

/// Creates the service on `runtime` and starts it, then the runtime.
inline std::unique_ptr<TradingService> startTrading(engine::Runtime& runtime, http::Router& router,
                                                    TradingSettings settings,
                                                    mt5::Mt5Bridge* bridge = nullptr) {
  auto t = TradingService::create(runtime, router, std::move(settings), bridge);
  EXPECT_TRUE(t) << t.error().describe();
  auto trading = std::move(*t);
  EXPECT_TRUE(trading->start());
  EXPECT_TRUE(runtime.start());
  return trading;
}

/// A producer named "test" on the runtime's bus (an empty one if the bus refuses).
inline engine::EventBus::Producer testProducer(engine::Runtime& runtime) {
  auto made = runtime.bus().makeProducer({.name = "test"});
  EXPECT_TRUE(made);
  return made ? std::move(*made) : engine::EventBus::Producer{};
}

/// A REST call as a trader of `tenant`.
inline http::Response callAs(http::Router& router, model::TenantId tenant, http::Method method,
                             std::string path, std::string body = {}) {
  auto request = http::Request::make(method, std::move(path), std::move(body));
  request.caller = http::Caller{.tenant = tenant.value, .userId = 1, .role = "trader"};
  return router.handle(request);
}

}  // namespace ait::trading::testing
