// The MT5 bridge as the platform runs it: quotes through the data normaliser onto a real engine
// bus, and commands routed to the tenant's Expert Advisor.

#include "ait/mt5/bridge.h"

#include <gtest/gtest.h>

#include <thread>

#include "ait/model/topic.h"
#include "ait/mt5/bus_feed.h"
#include "ait/mt5/ea_client.h"
#include "ait/mt5/errors.h"
#include "mocks/mt5/bus_fixture.h"

namespace ait::mt5 {
namespace {

using namespace std::chrono_literals;

using test::waitFor;

class BridgeTest : public test::RecordingBusTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(createBus("mt5-test"));
    feeds = std::make_unique<BusFeeds>(*bus_, std::vector{test::eurusdSpec()},
                                       data::NormaliserConfig{}, SystemClock::instance(),
                                       registry_);
    Mt5Config config;
    config.native_host = "127.0.0.1";
    config.native_port = 0;
    config.tokens = {{"token-4", 4, ""}};
    bridge = std::make_unique<Mt5Bridge>(config, feeds->native(), feeds->compat(),
                                         SystemClock::instance(), registry_);
    ASSERT_TRUE(bus_->start());
    ASSERT_TRUE(bridge->start());
  }
  void TearDown() override {
    bridge->stop();
    (void)bus_->stop();
  }

  EaClient::Options options() {
    EaClient::Options o;
    o.port = bridge->native().port();
    o.token = "token-4";
    return o;
  }

  std::unique_ptr<BusFeeds> feeds;
  std::unique_ptr<Mt5Bridge> bridge;
};

TEST_F(BridgeTest, NormalisesNativeTicksOntoTheBusAndLearnsNewSymbolsFromTheirDigits) {
  EaClient client(options());
  ASSERT_TRUE(client.connect());
  auto nowMs = SystemClock::instance().now() / 1'000'000;
  std::vector<EaTick> eur{{nowMs - 10, 1.17412, 1.17425, 0, 0, 6}};
  std::vector<EaTick> jpy{{nowMs - 5, 151.123, 151.131, 0, 0, 6}};
  std::vector<EaTick> bad{{nowMs - 4, 1.2, 1.1, 0, 0, 6}};
  ASSERT_TRUE(client.sendTicks("EURUSD", 5, eur));
  ASSERT_TRUE(client.sendTicks("XAUJPY", 3, jpy));
  ASSERT_TRUE(client.sendTicks("EURUSD", 5, bad));
  std::optional<nlohmann::json> error;
  ASSERT_TRUE(waitFor(
      [&] {
        auto m = client.read(5ms);
        if (m && *m && (**m)["t"] == "error") error = **m;
        return error && only<model::Tick>().size() == 2;
      },
      3s));
  auto ticks = only<model::Tick>();
  EXPECT_EQ(ticks[0].instrument.symbol.view(), "EURUSD");
  EXPECT_EQ(ticks[0].bid, model::Price::fromRaw(117412, 5));
  EXPECT_EQ(ticks[0].header.tenant.value, 4U);
  EXPECT_EQ(ticks[0].header.tsEvent, (nowMs - 10) * 1'000'000);
  EXPECT_GT(ticks[0].header.tsRecv, 0);
  EXPECT_EQ(ticks[1].instrument.symbol.view(), "XAUJPY");
  EXPECT_EQ(ticks[1].ask, model::Price::fromRaw(151131, 3));
  EXPECT_EQ((*error)["code"], errors::kRejected.code);
  EXPECT_NE((*error)["message"].get<std::string>().find("ticks[0]"), std::string::npos);
}

TEST_F(BridgeTest, RoutesCommandsToTheTenantsExpertAdvisor) {
  model::SubmitOrder order;
  order.header.tenant = model::TenantId{4};
  order.clientOrderId = model::ClientOrderId("C-77");
  order.account = model::AccountId("5012345");
  order.instrument.symbol = model::Symbol("EURUSD");
  order.side = model::Side::Sell;
  order.type = model::OrderType::Limit;
  order.quantity = model::Quantity::fromRaw(25, 2);
  order.price = model::Price::fromRaw(118000, 5);
  order.strategyId = model::StrategyId("s1");
  auto refused = bridge->submit(order);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().codeString(), errors::kNotConnected.code);

  EaClient client(options());
  ASSERT_TRUE(client.connect());
  ASSERT_TRUE(
      waitFor([&] { return bridge->native().core().clients(model::TenantId{4}) == 1; }, 2s));
  auto routed = bridge->submit(order);
  ASSERT_TRUE(routed) << routed.error().describe();
  EXPECT_EQ(*routed, Route::Native);
  ASSERT_TRUE(bridge->closePosition(model::TenantId{4}, "9001"));
  model::CancelOrder cancel;
  cancel.header.tenant = model::TenantId{4};
  cancel.clientOrderId = model::ClientOrderId("C-77");
  cancel.venueOrderId = model::VenueOrderId("123");
  ASSERT_TRUE(bridge->cancel(cancel));
  EXPECT_FALSE(bridge->emergencyStop(model::TenantId{5}, "wrong tenant"));

  std::vector<nlohmann::json> got;
  waitFor(
      [&] {
        auto m = client.read(5ms);
        if (m && *m && (**m).contains("seq")) got.push_back(**m);
        return got.size() == 3;
      },
      3s);
  ASSERT_EQ(got.size(), 3U);
  EXPECT_EQ(got[0]["t"], "order");
  EXPECT_EQ(got[0]["cid"], "C-77");
  EXPECT_EQ(got[0]["side"], "sell");
  EXPECT_EQ(got[0]["type"], "limit");
  EXPECT_DOUBLE_EQ(got[0]["price"].get<double>(), 1.18);
  EXPECT_DOUBLE_EQ(got[0]["volume"].get<double>(), 0.25);
  EXPECT_EQ(got[1]["t"], "close");
  EXPECT_EQ(got[1]["position"], 9001);
  EXPECT_EQ(got[2]["t"], "cancel");
  EXPECT_EQ(got[2]["order"], "123");
}

}  // namespace
}  // namespace ait::mt5
