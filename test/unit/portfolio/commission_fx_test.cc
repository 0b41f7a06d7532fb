// Commission in the account currency: a commission the venue reports in the instrument's profit
// currency (the simulated venue's commission_ppm on USDJPY is in yen) converts at the fill's FX
// rate, exactly like the fill's PnL, so that a USD account is charged dollars, not yen.
#include "ait/portfolio/portfolio.h"

#include <cmath>

#include <gtest/gtest.h>

namespace ait::portfolio {
namespace {

constexpr std::int64_t kUnit = 100'000'000;  // 1.00 at kMoneyScale

TradableInstrument usdjpy(std::int64_t commissionPpm) {
  TradableInstrument t;
  auto& s = t.spec;
  s.id = {model::Symbol("USDJPY"), model::Venue("SIM")};
  s.priceScale = 3;
  s.quantityScale = 2;
  s.tickSize = model::Price::fromRaw(1, 3);
  s.lotStep = model::Quantity::fromRaw(1, 2);
  s.minQuantity = model::Quantity::fromRaw(1, 2);
  s.maxQuantity = model::Quantity::fromRaw(10'000, 2);
  s.contractSize = model::Quantity::fromRaw(100'000, 0);
  s.currency = "JPY";
  t.terms.commissionPpm = commissionPpm;
  t.terms.marginPpm = 10'000;
  return t;
}

/// A USD account trading USDJPY with 35 ppm of notional commission.
class CommissionFx : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(catalog_.add(usdjpy(35)).has_value());
    auto a = portfolio_.addAccount(model::TenantId{1}, model::AccountId("ACC"), model::Currency("USD"),
                                   PositionMode::Netting, model::Money::fromRaw(100'000, 0));
    ASSERT_TRUE(a.has_value());
  }
  /// A fill of `lots100` hundredths of a lot at `price` (3 places), its commission as the
  /// simulated venue reports it (yen), the fill's rate the engine stamps (its own price).
  FillResult fill(model::Side side, std::int64_t lots100, std::int64_t price, bool withRate = true,
                  std::string_view commissionCurrency = "JPY") {
    const std::int64_t commission = commissionFor(catalog_.at(0), lots100, price);
    std::optional<model::Price> rate;
    if (withRate) rate = model::Price::fromRaw(price, 3);
    return portfolio_.applyFill(0, 0, side, lots100, price, commission, {}, {}, 1, rate,
                                model::Currency::truncated(commissionCurrency));
  }
  /// Rounds an amount to the cent, as an integer number of cents.
  static long long cents(long double amount) { return std::llround(amount * 100.0L); }
  static long double value(std::int64_t money) { return static_cast<long double>(money) / kUnit; }

  Catalog catalog_;
  Portfolio portfolio_{catalog_};
};

TEST_F(CommissionFx, YenCommissionOfAUsdjpyFillIsChargedInDollarsAtTheFillRate) {
  // 0.07 lot at 151.237: notional 1058659 JPY, 35 ppm = 37.05307 JPY (rounded at 5 places).
  ASSERT_EQ(commissionFor(catalog_.at(0), 7, 151'237), 3'705'307'000);
  ASSERT_TRUE(fill(model::Side::Buy, 7, 151'237).ok);
  const Account& account = portfolio_.account(0);
  const long double dollars = 37.05307L / 151.237L;  // 0.2450000331 USD
  EXPECT_NEAR(static_cast<double>(value(account.commission)), static_cast<double>(dollars), 1e-8);
  EXPECT_EQ(cents(value(account.commission)), cents(dollars));
  EXPECT_EQ(account.balance, account.startingBalance - account.commission);
  EXPECT_EQ(account.positions[0].commission, account.commission);
  EXPECT_EQ(account.unconvertedFills, 0U);
  // Charged as yen it would have been 37.05 "dollars".
  EXPECT_LT(account.commission, kUnit);
}

TEST_F(CommissionFx, RoundTripBalanceIsExactToTheCentInTheAccountCurrency) {
  ASSERT_TRUE(fill(model::Side::Buy, 10, 150'000).ok);   // 52.50 JPY commission at 150.000
  ASSERT_TRUE(fill(model::Side::Sell, 10, 151'000).ok);  // 52.85 JPY at 151.000, PnL 10000 JPY
  const Account& account = portfolio_.account(0);
  const long double pnl = 1.000L * 0.10L * 100'000 / 151.0L;
  const long double commission = 52.50L / 150.0L + 52.85L / 151.0L;
  EXPECT_EQ(cents(value(account.realizedPnl)), cents(pnl));
  EXPECT_EQ(cents(value(account.commission)), cents(commission));
  EXPECT_NEAR(static_cast<double>(value(account.commission)), static_cast<double>(commission), 2e-8);
  EXPECT_EQ(cents(value(account.balance)), cents(100'000.0L + pnl - commission));
  EXPECT_EQ(account.balance, account.startingBalance + account.realizedPnl - account.commission);
}

TEST_F(CommissionFx, PerLotCommissionIsAccountMoneyAndOnlyTheNotionalPartConverts) {
  catalog_.at(0).terms.commissionPerUnit = model::Money::fromRaw(35, 1);  // 3.50 USD a lot
  // 0.10 lot at 150.000: 0.35 USD a lot's share plus 52.50 JPY of notional commission.
  ASSERT_TRUE(fill(model::Side::Buy, 10, 150'000).ok);
  const long double commission = 3.50L * 0.10L + 52.50L / 150.0L;
  EXPECT_EQ(cents(value(portfolio_.account(0).commission)), cents(commission));
  EXPECT_EQ(portfolio_.account(0).commission, 70 * kUnit / 100);
}

TEST_F(CommissionFx, CommissionInTheAccountCurrencyIsChargedAsReported) {
  // An MT5 terminal reports its commission in the account's currency: no conversion.
  const std::int64_t commission = 123 * kUnit / 100;
  ASSERT_TRUE(portfolio_.applyFill(0, 0, model::Side::Buy, 10, 150'000, commission, {}, {}, 1,
                                   model::Price::fromRaw(150'000, 3), model::Currency("USD"))
                  .ok);
  EXPECT_EQ(portfolio_.account(0).commission, commission);
  EXPECT_EQ(portfolio_.account(0).balance, portfolio_.account(0).startingBalance - commission);
}

TEST_F(CommissionFx, YenCommissionWithoutARateStaysOutOfTheBalance) {
  ASSERT_TRUE(fill(model::Side::Buy, 10, 150'000, /*withRate=*/false).ok);
  const Account& account = portfolio_.account(0);
  EXPECT_EQ(account.commission, 0);
  EXPECT_EQ(account.balance, account.startingBalance);
  EXPECT_EQ(account.unconvertedFills, 1U);
  EXPECT_EQ(account.positions[0].unconvertedPnl, -commissionFor(catalog_.at(0), 10, 150'000));
}

}  // namespace
}  // namespace ait::portfolio
