#include "ait/risk/risk_engine.h"

#include <set>

#include <gtest/gtest.h>

#include "unit/trading/fixtures.h"

namespace ait::risk {
namespace {

using trading::testing::eurusd;
using trading::testing::eurusdId;
using trading::testing::kT0;
using trading::testing::kTenant;
using trading::testing::order;

constexpr TimestampNs kSecond = 1'000'000'000LL;
constexpr TimestampNs kDay = 86'400 * kSecond;

class RiskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fx_ = *catalog_.add(eurusd());
    account_ = *portfolio_.addAccount(kTenant, model::AccountId("ACC1"), model::Currency("USD"),
                                      portfolio::PositionMode::Netting,
                                      model::Money::fromRaw(10'000, 0));
    quote(110'000, 110'002);
  }
  void quote(std::int64_t bid, std::int64_t ask) {
    auto& q = catalog_.quote(fx_);
    q.bid = bid;
    q.ask = ask;
    q.valid = true;
  }
  /// A 0.10 lot market buy with a stop loss 10 pips away: passes every default limit.
  model::SubmitOrder good(std::string_view id = "O1") {
    auto o = order(id, model::Side::Buy, 10);
    o.stopLoss = model::Price::fromRaw(109'900, 5);
    return o;
  }
  DenyReason decide(const model::SubmitOrder& command, TimestampNs now = kT0) {
    oms::Order o;
    DenyReason reason = risk_.prepare(command, o);
    if (reason != DenyReason::None) return reason;
    return risk_.check(o, now);
  }
  void hold(model::Side side, std::int64_t lots100, std::int64_t price) {
    ASSERT_TRUE(portfolio_.applyFill(account_, fx_, side, lots100, price, 0, {}, model::PositionId("P"), kT0).ok);
  }

  portfolio::Catalog catalog_;
  portfolio::Portfolio portfolio_{catalog_};
  RiskEngine risk_{catalog_, portfolio_};
  std::uint32_t fx_ = 0;
  std::uint32_t account_ = 0;
};

TEST_F(RiskTest, AllowsAnOrderWithinEveryLimit) { EXPECT_EQ(decide(good()), DenyReason::None); }

TEST_F(RiskTest, DeniesUnknownAccount) {
  auto o = good();
  o.account = model::AccountId("NOPE");
  EXPECT_EQ(decide(o), DenyReason::UnknownAccount);
}

TEST_F(RiskTest, DeniesEverythingWhenHalted) {
  hold(model::Side::Buy, 10, 110'000);
  risk_.setState(account_, TradingState::Halted, HaltCause::Manual);
  EXPECT_EQ(decide(good()), DenyReason::Halted);
  EXPECT_EQ(decide(order("C", model::Side::Sell, 10)), DenyReason::Halted);
}

TEST_F(RiskTest, ReducingOnlyAllowsOnlyOrdersThatShrinkThePosition) {
  hold(model::Side::Buy, 20, 110'000);
  risk_.setState(account_, TradingState::ReducingOnly, HaltCause::Manual);
  EXPECT_EQ(decide(good()), DenyReason::ReducingOnly);
  EXPECT_EQ(decide(order("C", model::Side::Sell, 30)), DenyReason::ReducingOnly);  // would flip
  EXPECT_EQ(decide(order("D", model::Side::Sell, 20)), DenyReason::None);
}

TEST_F(RiskTest, DeniesUnknownInstrument) {
  auto o = good();
  o.instrument = model::InstrumentId{model::Symbol("XAUUSD"), model::Venue("SIM")};
  EXPECT_EQ(decide(o), DenyReason::UnknownInstrument);
}

TEST_F(RiskTest, DeniesInstrumentThatIsNotTradable) {
  catalog_.at(fx_).terms.tradable = false;
  EXPECT_EQ(decide(good()), DenyReason::NotTradable);
}

TEST_F(RiskTest, DeniesInconsistentOrder) {
  auto o = good();
  o.type = model::OrderType::Limit;  // without a price
  EXPECT_EQ(decide(o), DenyReason::InvalidOrder);
}

TEST_F(RiskTest, DeniesSignalBelowMinimumConfidence) {
  auto o = good();
  o.confidence = 0.5;
  EXPECT_EQ(decide(o), DenyReason::LowConfidence);
  o.confidence = 0.8;
  o.clientOrderId = model::ClientOrderId("O2");
  EXPECT_EQ(decide(o), DenyReason::None);
}

TEST_F(RiskTest, DeniesQuantityBelowMinimum) {
  catalog_.at(fx_).spec.minQuantity = model::Quantity::fromRaw(20, 2);
  EXPECT_EQ(decide(good()), DenyReason::QuantityBelowMin);
}

TEST_F(RiskTest, DeniesQuantityAboveMaximum) {
  catalog_.at(fx_).spec.maxQuantity = model::Quantity::fromRaw(5, 2);
  EXPECT_EQ(decide(good()), DenyReason::QuantityAboveMax);
}

TEST_F(RiskTest, DeniesQuantityOffTheLotStep) {
  catalog_.at(fx_).spec.lotStep = model::Quantity::fromRaw(20, 2);
  EXPECT_EQ(decide(good()), DenyReason::QuantityOffStep);
  auto finer = good();
  finer.quantity = model::Quantity::fromRaw(105, 3);  // 0.105: more places than the instrument
  EXPECT_EQ(decide(finer), DenyReason::QuantityOffStep);
}

TEST_F(RiskTest, DeniesPriceOffTheTickGrid) {
  catalog_.at(fx_).spec.tickSize = model::Price::fromRaw(5, 5);
  auto o = good();
  o.stopLoss = model::Price::fromRaw(109'901, 5);
  EXPECT_EQ(decide(o), DenyReason::PriceOffTick);
  auto finer = good("O2");
  finer.stopLoss = model::Price::fromRaw(1'099'005, 6);
  EXPECT_EQ(decide(finer), DenyReason::PriceOffTick);
}

TEST_F(RiskTest, DeniesWithoutAQuote) {
  catalog_.quote(fx_).valid = false;
  EXPECT_EQ(decide(good()), DenyReason::NoMarketPrice);
}

TEST_F(RiskTest, DeniesLimitPriceOutsideTheCollar) {
  auto o = order("L", model::Side::Buy, 10, model::OrderType::Limit, 120'000);
  o.stopLoss = model::Price::fromRaw(119'900, 5);
  EXPECT_EQ(decide(o), DenyReason::PriceOutsideCollar);
  auto near = order("L2", model::Side::Buy, 10, model::OrderType::Limit, 109'000);
  near.stopLoss = model::Price::fromRaw(108'900, 5);
  EXPECT_EQ(decide(near), DenyReason::None);
}

TEST_F(RiskTest, DeniesOrderExceedingMaxNotional) {
  RiskLimits limits;
  limits.maxOrderNotional = 10'000LL * 100'000'000LL;  // 10000 USD; 0.10 lot is 11000
  risk_.setLimits(limits);
  EXPECT_EQ(decide(good()), DenyReason::MaxNotional);
}

TEST_F(RiskTest, DeniesPositionAboveThePerInstrumentMaximum) {
  RiskLimits limits;
  limits.maxPositionPerInstrument = model::Quantity::fromRaw(15, 2);
  risk_.setLimits(limits);
  hold(model::Side::Buy, 10, 110'000);
  EXPECT_EQ(decide(good()), DenyReason::MaxPosition);  // 0.10 + 0.10 > 0.15
}

TEST_F(RiskTest, DeniesNewPositionBeyondMaxOpenPositions) {
  RiskLimits limits;
  limits.maxOpenPositions = 1;
  risk_.setLimits(limits);
  auto other = eurusd();
  other.spec.id = model::InstrumentId{model::Symbol("GBPUSD"), model::Venue("SIM")};
  auto gbp = *catalog_.add(other);
  catalog_.quote(gbp) = catalog_.quote(fx_);
  hold(model::Side::Buy, 10, 110'000);
  auto o = good();
  o.instrument = other.spec.id;
  EXPECT_EQ(decide(o), DenyReason::MaxOpenPositions);
  EXPECT_EQ(decide(good("O2")), DenyReason::None);  // adds to the open one
}

TEST_F(RiskTest, DeniesRiskAddingOrderWithoutStopLoss) {
  EXPECT_EQ(decide(order("N", model::Side::Buy, 10)), DenyReason::NoStopLoss);
}

TEST_F(RiskTest, DeniesOrderRiskingMoreThanTheShareOfEquity) {
  auto o = order("R", model::Side::Buy, 100);
  o.stopLoss = model::Price::fromRaw(109'000, 5);  // 1 lot x 100 pips = ~1000 USD > 2% of 10000
  EXPECT_EQ(decide(o), DenyReason::MaxRiskPerTrade);
  o.stopLoss = model::Price::fromRaw(109'820, 5);  // 182 pips... 0.00182 x 100000 = 182 USD
  o.clientOrderId = model::ClientOrderId("R2");
  EXPECT_EQ(decide(o), DenyReason::None);
}

TEST_F(RiskTest, DailyLossPutsTheAccountInReducingOnlyUntilResumed) {
  hold(model::Side::Buy, 100, 110'002);
  risk_.observe(account_, kT0);  // day start: equity ~9998
  quote(109'400, 109'402);       // -600 USD, 6% of the day
  EXPECT_EQ(decide(good()), DenyReason::DailyLoss);
  EXPECT_EQ(risk_.accountRisk(account_).state, TradingState::ReducingOnly);
  EXPECT_EQ(risk_.accountRisk(account_).cause, HaltCause::DailyLoss);
  EXPECT_EQ(decide(order("C", model::Side::Sell, 50)), DenyReason::None);  // reducing passes
  risk_.resume(account_, kT0);
  EXPECT_EQ(decide(good("O3"), kT0 + kSecond), DenyReason::None);
}

TEST_F(RiskTest, DrawdownFromThePeakHaltsNewRisk) {
  RiskLimits limits;
  limits.maxDailyLossPpm = 1'000'000;  // only the drawdown limit here
  risk_.setLimits(limits);
  hold(model::Side::Buy, 100, 110'002);
  risk_.observe(account_, kT0);
  quote(109'500, 109'502);  // -500
  EXPECT_EQ(decide(good(), kT0 + kDay), DenyReason::None);
  quote(108'950, 108'952);  // -1050 from the peak: over 10%
  EXPECT_EQ(decide(good("O2"), kT0 + kDay + kSecond), DenyReason::Drawdown);
  EXPECT_EQ(risk_.accountRisk(account_).cause, HaltCause::Drawdown);
}

TEST_F(RiskTest, DeniesOrdersAboveThePerSecondRate) {
  RiskLimits limits;
  limits.maxOrdersPerSecond = 2;
  risk_.setLimits(limits);
  EXPECT_EQ(decide(good("A"), kT0), DenyReason::None);
  EXPECT_EQ(decide(good("B"), kT0 + 1), DenyReason::None);
  EXPECT_EQ(decide(good("C"), kT0 + 2), DenyReason::RateLimitSecond);
  EXPECT_EQ(decide(good("D"), kT0 + kSecond), DenyReason::None);
}

TEST_F(RiskTest, DeniesOrdersAboveThePerMinuteRate) {
  RiskLimits limits;
  limits.maxOrdersPerMinute = 2;
  risk_.setLimits(limits);
  TimestampNs minute = (kT0 / (60 * kSecond) + 1) * 60 * kSecond;
  EXPECT_EQ(decide(good("A"), minute), DenyReason::None);
  EXPECT_EQ(decide(good("B"), minute + 5 * kSecond), DenyReason::None);
  EXPECT_EQ(decide(good("C"), minute + 10 * kSecond), DenyReason::RateLimitMinute);
  EXPECT_EQ(decide(good("D"), minute + 60 * kSecond), DenyReason::None);
}

TEST_F(RiskTest, DeniesOrderWithoutFreeMargin) {
  catalog_.at(fx_).terms.marginPpm = 1'000'000;  // no leverage: 0.10 lot needs 11000 USD
  EXPECT_EQ(decide(good()), DenyReason::InsufficientMargin);
}

TEST_F(RiskTest, CountsDecisionsByReasonAndReloadsLimits) {
  decide(order("N", model::Side::Buy, 10));
  decide(good());
  EXPECT_EQ(risk_.decisions(DenyReason::NoStopLoss), 1U);
  EXPECT_EQ(risk_.decisions(DenyReason::None), 1U);
  RiskLimits relaxed;
  relaxed.maxRiskPerTradePpm = 1'000'000;
  risk_.setLimits(relaxed);
  EXPECT_EQ(decide(order("N2", model::Side::Buy, 10)), DenyReason::None);
}

TEST_F(RiskTest, TenantLimitsOverrideTheDefaults) {
  RiskLimits strict;
  strict.maxOpenPositions = 0;
  risk_.setTenantLimits(kTenant, strict);
  EXPECT_EQ(decide(good()), DenyReason::MaxOpenPositions);
  EXPECT_EQ(risk_.limitsFor(model::TenantId{99}).maxOpenPositions, 5);
}

TEST(RiskCodes, EveryReasonHasItsOwnCodeAndName) {
  std::set<std::string_view> codes;
  std::set<std::string_view> names;
  for (std::size_t i = 1; i < kDenyReasonCount; ++i) {
    auto reason = static_cast<DenyReason>(i);
    codes.insert(codeOf(reason).code);
    names.insert(nameOf(reason));
    EXPECT_EQ(reasonFromCode(codeOf(reason).code), reason);
  }
  EXPECT_EQ(codes.size(), kDenyReasonCount - 1);
  EXPECT_EQ(names.size(), kDenyReasonCount - 1);
}

TEST(RiskLimitsFromConfig, ConvertsPercentagesAndAmounts) {
  config::RiskConfig c;
  auto limits = RiskLimits::fromConfig(c);
  ASSERT_TRUE(limits.has_value());
  EXPECT_EQ(limits->maxRiskPerTradePpm, 20'000);
  EXPECT_EQ(limits->maxDrawdownPpm, 100'000);
  EXPECT_EQ(limits->maxOrderNotional, 1'000'000LL * 100'000'000LL);
  EXPECT_EQ(limits->maxPositionPerInstrument, model::Quantity::fromRaw(10, 0));
  c.max_daily_loss_pct = 150.0;
  c.max_open_positions = -1;
  auto bad = RiskLimits::fromConfig(c);
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message().find("max_daily_loss_pct"), std::string::npos);
  EXPECT_NE(bad.error().message().find("max_open_positions"), std::string::npos);
}

}  // namespace
}  // namespace ait::risk
