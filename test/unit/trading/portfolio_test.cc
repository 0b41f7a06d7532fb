#include "ait/portfolio/portfolio.h"

#include <gtest/gtest.h>

#include "unit/trading/fixtures.h"

namespace ait::portfolio {
namespace {

using trading::testing::eurusd;
using trading::testing::kTenant;
using trading::testing::stock;

constexpr std::int64_t kUsd = 100'000'000;  // 1 USD at kMoneyScale

class PortfolioTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fx_ = *catalog_.add(eurusd());
    stock_ = *catalog_.add(stock());
  }
  std::uint32_t account(PositionMode mode, std::int64_t dollars = 10'000) {
    return *portfolio_.addAccount(kTenant, model::AccountId("ACC1"), model::Currency("USD"), mode,
                                  model::Money::fromRaw(dollars, 0));
  }
  FillResult fill(std::uint32_t a, std::uint32_t instrument, model::Side side, std::int64_t qty,
                  std::int64_t price, std::int64_t commission = 0,
                  std::string_view closes = "", std::string_view opensAs = "P") {
    return portfolio_.applyFill(a, instrument, side, qty, price, commission,
                                model::PositionId::truncated(closes),
                                model::PositionId::truncated(opensAs), 1);
  }

  Catalog catalog_;
  Portfolio portfolio_{catalog_, 16};
  std::uint32_t fx_ = 0;
  std::uint32_t stock_ = 0;
};

TEST_F(PortfolioTest, NettingPartialCloseRealizesExactFxPnl) {
  auto a = account(PositionMode::Netting);
  auto opened = fill(a, fx_, model::Side::Buy, 100, 110'000);
  ASSERT_TRUE(opened.ok);
  EXPECT_TRUE(opened.opened);
  auto reduced = fill(a, fx_, model::Side::Sell, 40, 110'250);
  ASSERT_TRUE(reduced.ok);
  EXPECT_FALSE(reduced.closed);
  // 0.40 lot x 100000 x 0.00250 = 100 USD
  EXPECT_EQ(reduced.realizedDelta, 100 * kUsd);
  const auto& p = portfolio_.account(a).positions[static_cast<std::size_t>(reduced.position)];
  EXPECT_EQ(p.quantity, 60);
  EXPECT_EQ(portfolio_.averagePrice(p), model::Price::fromRaw(110'000, 5));
  EXPECT_EQ(portfolio_.account(a).balance, 10'100 * kUsd);
}

TEST_F(PortfolioTest, StepwiseCloseRealizesExactlyTheCashFlows) {
  auto a = account(PositionMode::Netting);
  fill(a, stock_, model::Side::Buy, 10, 10'001);  // 100.01
  fill(a, stock_, model::Side::Buy, 5, 10'002);   // 100.02, average 100.01333...
  const auto& p = portfolio_.account(a).positions[0];
  EXPECT_EQ(portfolio_.averagePrice(p), model::Price::fromRaw(10'001, 2));
  auto first = fill(a, stock_, model::Side::Sell, 7, 10'100);
  auto second = fill(a, stock_, model::Side::Sell, 8, 9'900);
  EXPECT_TRUE(second.closed);
  // Cash: bought 1000.10 + 500.10, sold 707.00 + 792.00: -1.20 exactly, however it was split.
  EXPECT_EQ(first.realizedDelta + second.realizedDelta, -120 * kUsd / 100);
  EXPECT_EQ(portfolio_.account(a).realizedPnl, -120 * kUsd / 100);
  EXPECT_EQ(portfolio_.account(a).openPositions, 0U);
  EXPECT_EQ(second.closedPosition.cost, 0);
}

TEST_F(PortfolioTest, NettingFillBeyondThePositionFlipsIt) {
  auto a = account(PositionMode::Netting);
  fill(a, stock_, model::Side::Buy, 10, 10'000);
  auto flip = fill(a, stock_, model::Side::Sell, 25, 10'500);
  ASSERT_TRUE(flip.ok);
  EXPECT_TRUE(flip.closed);
  EXPECT_TRUE(flip.opened);
  EXPECT_EQ(flip.realizedDelta, 50 * kUsd);  // 10 x 5.00
  const auto& p = portfolio_.account(a).positions[static_cast<std::size_t>(flip.position)];
  EXPECT_EQ(p.quantity, -15);
  EXPECT_EQ(portfolio_.averagePrice(p), model::Price::fromRaw(10'500, 2));
  EXPECT_EQ(portfolio_.account(a).openPositions, 1U);
}

TEST_F(PortfolioTest, ShortPositionGainsWhenPriceFalls) {
  auto a = account(PositionMode::Netting);
  fill(a, stock_, model::Side::Sell, 10, 10'000);
  auto cover = fill(a, stock_, model::Side::Buy, 10, 9'750);
  EXPECT_EQ(cover.realizedDelta, 25 * kUsd);
}

TEST_F(PortfolioTest, HedgingKeepsOppositePositionsApart) {
  auto a = account(PositionMode::Hedging);
  auto longOne = fill(a, fx_, model::Side::Buy, 100, 110'000, 0, "", "P0");
  auto shortOne = fill(a, fx_, model::Side::Sell, 50, 110'100, 0, "", "P1");
  EXPECT_TRUE(longOne.opened);
  EXPECT_TRUE(shortOne.opened);
  EXPECT_NE(longOne.position, shortOne.position);
  EXPECT_EQ(portfolio_.account(a).openPositions, 2U);
  EXPECT_EQ(portfolio_.netQuantity(a, fx_), 50);
  // A sell that names the long position closes it, and only it.
  auto close = fill(a, fx_, model::Side::Sell, 100, 110'200, 0, "P0", "P2");
  EXPECT_TRUE(close.closed);
  EXPECT_EQ(close.realizedDelta, 200 * kUsd);  // 1 lot x 100000 x 0.00200
  EXPECT_EQ(portfolio_.account(a).openPositions, 1U);
  EXPECT_EQ(portfolio_.findPosition(a, model::PositionId("P1")), shortOne.position);
}

TEST_F(PortfolioTest, CommissionReducesBalanceAndIsKeptOnThePosition) {
  auto a = account(PositionMode::Netting);
  auto r = fill(a, fx_, model::Side::Buy, 100, 110'000, 7 * kUsd);
  EXPECT_EQ(portfolio_.account(a).balance, 9'993 * kUsd);
  EXPECT_EQ(portfolio_.account(a).positions[static_cast<std::size_t>(r.position)].commission,
            7 * kUsd);
}

TEST_F(PortfolioTest, UnrealizedPnlMarksLongAtBidAndShortAtAsk) {
  auto a = account(PositionMode::Netting);
  fill(a, fx_, model::Side::Buy, 100, 110'000);
  Quote& q = catalog_.quote(fx_);
  q.bid = 110'050;
  q.ask = 110'060;
  q.valid = true;
  EXPECT_EQ(portfolio_.equity(a), 10'050 * kUsd);
  auto b = *portfolio_.addAccount(kTenant, model::AccountId("ACC2"), model::Currency("USD"),
                                  PositionMode::Netting, model::Money::fromRaw(10'000, 0));
  fill(b, fx_, model::Side::Sell, 100, 110'000);
  EXPECT_EQ(portfolio_.equity(b), 9'940 * kUsd);
}

TEST_F(PortfolioTest, MarginFollowsTheLeverage) {
  auto a = account(PositionMode::Netting);
  fill(a, fx_, model::Side::Buy, 100, 110'000);
  EXPECT_EQ(portfolio_.marginUsed(a), 1'100 * kUsd);  // 110000 notional at 1:100
  EXPECT_EQ(portfolio_.marginFor(fx_, 200, 110'000), 2'200 * kUsd);
}

TEST_F(PortfolioTest, RolloverChargesSwapPerLotAndDay) {
  catalog_.at(fx_).terms.swapLongPerUnit = model::Money::fromRaw(-55, 1);  // -5.5 per lot
  auto a = account(PositionMode::Netting);
  fill(a, fx_, model::Side::Buy, 200, 110'000);
  EXPECT_EQ(portfolio_.rollover(a, 3), -33 * kUsd);
  EXPECT_EQ(portfolio_.account(a).balance, 9'967 * kUsd);
}

TEST_F(PortfolioTest, RefusesAFillWithoutAFreePositionSlot) {
  Portfolio small(catalog_, 1);
  auto a = *small.addAccount(kTenant, model::AccountId("ACC1"), model::Currency("USD"),
                             PositionMode::Hedging, model::Money::fromRaw(1'000, 0));
  EXPECT_TRUE(small.applyFill(a, fx_, model::Side::Buy, 1, 110'000, 0, {}, model::PositionId("P0"), 1).ok);
  auto refused = small.applyFill(a, fx_, model::Side::Buy, 1, 110'000, 0, {}, model::PositionId("P1"), 1);
  EXPECT_FALSE(refused.ok);
  EXPECT_EQ(small.account(a).openPositions, 1U);
}

TEST_F(PortfolioTest, CommissionForCombinesPerLotAndRate) {
  auto instrument = eurusd();
  instrument.terms.commissionPerUnit = model::Money::fromRaw(35, 1);  // 3.5 per lot
  instrument.terms.commissionPpm = 20;                               // 0.002% of notional
  // 2 lots at 1.10000: 7.00 + 220000 x 0.00002 = 7.00 + 4.40
  EXPECT_EQ(commissionFor(instrument, 200, 110'000), 1'140 * kUsd / 100);
}

TEST(Catalog, RefusesDuplicatesAndInvalidInstruments) {
  Catalog catalog;
  ASSERT_TRUE(catalog.add(eurusd()).has_value());
  EXPECT_FALSE(catalog.add(eurusd()).has_value());
  auto bad = stock();
  bad.spec.tickSize = model::Price::fromRaw(0, 2);
  EXPECT_FALSE(catalog.add(bad).has_value());
}

}  // namespace
}  // namespace ait::portfolio
