// Trailing stops emulated by the engine on the simulated venue, and PnL of instruments whose
// profit currency is not the account's, converted through the FX quotes the engine holds.
#include <gtest/gtest.h>

#include <cmath>

#include "ait/model/json.h"
#include "ait/portfolio/errors.h"
#include "ait/risk/errors.h"
#include "ait/trading/engine.h"
#include "ait/venue/sim_venue.h"
#include "trading/render.h"
#include "unit/trading/fixtures.h"

namespace ait::trading {
namespace {

using testing::eurusd;
using testing::eurusdId;
using testing::kT0;
using testing::kTenant;
using testing::ListRecorder;
using testing::order;
using testing::tick;
using model::OrderType;
using model::Side;

model::InstrumentId idOf(std::string_view symbol) {
  return {*model::Symbol::from(symbol), model::Venue("SIM")};
}

/// An FX pair of 100000 units a lot, quoted in `currency`.
portfolio::TradableInstrument pair(std::string_view symbol, std::string_view currency,
                                   std::uint8_t priceScale) {
  portfolio::TradableInstrument t = eurusd();
  t.spec.id = idOf(symbol);
  t.spec.priceScale = priceScale;
  t.spec.tickSize = model::Price::fromRaw(1, priceScale);
  t.spec.currency = std::string(currency);
  return t;
}

risk::RiskLimits relaxed() {
  risk::RiskLimits limits;
  limits.maxRiskPerTradePpm = 1'000'000;
  limits.maxOrdersPerSecond = 1'000;
  limits.maxOrdersPerMinute = 100'000;
  limits.maxOrderNotional = INT64_MAX;
  return limits;
}

struct Rig {
  explicit Rig(ListRecorder& recorder, std::vector<portfolio::TradableInstrument> instruments = {})
      : catalog(makeCatalog(std::move(instruments))),
        engine(catalog, recorder, {}, relaxed()),
        venue(catalog, engine.executionSink()) {
    engine.setVenue(venue);
    (void)engine.addAccount(kTenant, model::AccountId("ACC1"), model::Currency("USD"),
                            portfolio::PositionMode::Netting, model::Money::fromRaw(1'000'000, 0));
  }
  static portfolio::Catalog makeCatalog(std::vector<portfolio::TradableInstrument> instruments) {
    portfolio::Catalog c;
    (void)c.add(eurusd());
    for (auto& i : instruments) (void)c.add(std::move(i));
    return c;
  }
  void quote(std::int64_t bid, std::int64_t ask, const model::InstrumentId& id = eurusdId(),
             std::uint8_t scale = 5) {
    now += 1'000'000;
    engine.onTick(tick(now, bid, ask, id, 0, 0, scale));
  }
  SubmitResult submit(model::SubmitOrder o) {
    now += 1'000'000;
    o.header.tsEvent = now;
    return engine.submit(o);
  }
  const oms::Order& get(std::string_view id) const {
    return engine.orders().at(static_cast<std::uint32_t>(
        engine.orders().find(kTenant, *model::ClientOrderId::from(id))));
  }
  const portfolio::Position* position(std::string_view symbol) const {
    for (const auto& p : engine.portfolio().account(0).positions) {
      if (p.isOpen() && catalog.at(p.instrument).spec.id.symbol.view() == symbol) return &p;
    }
    return nullptr;
  }

  portfolio::Catalog catalog;
  TradingEngine engine;
  venue::SimVenue venue;
  TimestampNs now = kT0;
};

model::SubmitOrder trailingStop(std::string_view id, Side side, std::int64_t lots100,
                                std::int64_t firstStop, std::int64_t offset,
                                model::TrailingUnit unit = model::TrailingUnit::PriceUnits,
                                std::uint8_t offsetScale = 5) {
  auto o = order(id, side, lots100, OrderType::Stop, 0, firstStop);
  o.trailingOffset = model::Price::fromRaw(offset, offsetScale);
  o.trailingUnit = unit;
  return o;
}

std::vector<std::int64_t> stopMoves(const ListRecorder& recorder, std::string_view id) {
  std::vector<std::int64_t> moves;
  for (const auto& m : recorder.all<model::OrderModified>()) {
    if (m.clientOrderId.view() == id && m.stopPrice) moves.push_back(m.stopPrice->mantissa());
  }
  return moves;
}

// --- trailing stops ---------------------------------------------------------------------------

TEST(TrailingStop, SellStopFollowsTheBidUpNeverDownAndFillsAtTheMarketWhenCrossed) {
  ListRecorder recorder;
  Rig rig(recorder);
  rig.quote(110'000, 110'002);
  ASSERT_EQ(rig.submit(trailingStop("ts", Side::Sell, 100, 109'900, 50)).denied,
            risk::DenyReason::None);
  EXPECT_EQ(rig.get("ts").status, oms::OrderStatus::Accepted);
  // The first quote already pulls the stop from 1.09900 up to bid - 0.00050.
  const std::int64_t bids[] = {110'020, 110'100, 110'080, 110'060, 110'130};
  std::int64_t highest = 0;
  for (std::int64_t bid : bids) {
    rig.quote(bid, bid + 2);
    highest = std::max(highest, bid);
    EXPECT_EQ(rig.get("ts").stopPrice, highest - 50) << "after bid " << bid;
    EXPECT_EQ(rig.get("ts").status, oms::OrderStatus::Accepted);
  }
  // The REST view shows the distance as submitted and where the stop is now.
  const auto shown = render::order(rig.engine, rig.get("ts"));
  EXPECT_EQ(shown["trailing_offset"], "0.00050");
  EXPECT_EQ(shown["trailing_unit"], "price");
  EXPECT_EQ(shown["stop_price"], model::Price::fromRaw(highest - 50, 5).toString());
  auto moves = stopMoves(recorder, "ts");
  ASSERT_EQ(moves.size(), 3U);  // up at 110020, 110100 and 110130 only
  EXPECT_TRUE(std::is_sorted(moves.begin(), moves.end()));
  // Down to 1.10090: still above the stop at 1.10080. Then 1.10075 crosses it.
  rig.quote(110'090, 110'092);
  EXPECT_EQ(rig.get("ts").status, oms::OrderStatus::Accepted);
  rig.quote(110'075, 110'077);
  const auto& done = rig.get("ts");
  EXPECT_EQ(done.status, oms::OrderStatus::Filled);
  auto fills = recorder.all<model::OrderFilled>();
  ASSERT_EQ(fills.size(), 1U);
  EXPECT_EQ(fills[0].fillPrice, model::Price::fromRaw(110'075, 5));  // the touch, as a market
  EXPECT_EQ(rig.engine.portfolio().netQuantity(0, 0), -100);
}

TEST(TrailingStop, BuyStopMirrorsItFollowingTheAskDown) {
  ListRecorder recorder;
  Rig rig(recorder);
  rig.quote(110'000, 110'002);
  ASSERT_EQ(rig.submit(trailingStop("tb", Side::Buy, 100, 110'100, 30)).denied,
            risk::DenyReason::None);
  std::int64_t lowest = INT64_MAX;
  for (std::int64_t ask : {110'002, 109'950, 109'970, 109'900, 109'920}) {
    rig.quote(ask - 2, ask);
    lowest = std::min(lowest, ask);
    EXPECT_EQ(rig.get("tb").stopPrice, lowest + 30) << "after ask " << ask;
  }
  auto moves = stopMoves(recorder, "tb");
  EXPECT_TRUE(std::is_sorted(moves.rbegin(), moves.rend()));
  rig.quote(109'929, 109'931);  // the ask reaches the stop at 1.09930
  EXPECT_EQ(rig.get("tb").status, oms::OrderStatus::Filled);
  auto fills = recorder.all<model::OrderFilled>();
  ASSERT_EQ(fills.size(), 1U);
  EXPECT_EQ(fills[0].fillPrice, model::Price::fromRaw(109'931, 5));
  EXPECT_EQ(fills[0].side, Side::Buy);
}

TEST(TrailingStop, PercentDistanceRoundsAwayFromTheMarketOntoTheTickGrid) {
  ListRecorder recorder;
  Rig rig(recorder);
  rig.quote(110'017, 110'019);
  // 0.1 % of 1.10017 is 0.00110017: the stop goes to 1.10017 - 0.00111 = 1.09906 (rounded
  // further from the bid, not nearer).
  ASSERT_EQ(rig.submit(trailingStop("tp", Side::Sell, 100, 109'000, 1, model::TrailingUnit::Percent,
                                    1))
                .denied,
            risk::DenyReason::None);
  rig.quote(110'017, 110'019);
  EXPECT_EQ(rig.get("tp").stopPrice, 110'017 - 111);
  rig.quote(120'000, 120'002);  // 0.1 % of 1.2 is exactly 0.0012
  EXPECT_EQ(rig.get("tp").stopPrice, 120'000 - 120);
}

TEST(TrailingStop, BadTrailingFieldsAreDeniedAsInvalid) {
  ListRecorder recorder;
  Rig rig(recorder);
  rig.quote(110'000, 110'002);
  auto onLimit = order("l", Side::Buy, 100, OrderType::Limit, 109'000);
  onLimit.trailingOffset = model::Price::fromRaw(50, 5);
  EXPECT_EQ(rig.submit(onLimit).denied, risk::DenyReason::InvalidOrder);
  EXPECT_FALSE(model::validate(onLimit).has_value());
  // Finer than the price scale.
  EXPECT_EQ(rig.submit(trailingStop("fine", Side::Sell, 100, 109'900, 5, model::TrailingUnit::PriceUnits, 6))
                .denied,
            risk::DenyReason::InvalidOrder);
  auto percent = trailingStop("pct", Side::Sell, 100, 109'900, 100, model::TrailingUnit::Percent, 0);
  EXPECT_EQ(rig.submit(percent).denied, risk::DenyReason::InvalidOrder);
  auto invalid = model::validate(percent);
  ASSERT_FALSE(invalid.has_value());
  EXPECT_NE(invalid.error().message().find("below 100"), std::string::npos);
  auto unitAlone = order("u", Side::Sell, 100, OrderType::Stop, 0, 109'900);
  unitAlone.trailingUnit = model::TrailingUnit::Percent;
  EXPECT_EQ(rig.submit(unitAlone).denied, risk::DenyReason::InvalidOrder);
}

TEST(TrailingStop, TheRestBodyParsesIntoATrailingStopAndBadOnesNameTheProblem) {
  // What POST /api/v1/orders reads (model::commandFromJson), with the event field names.
  auto body = nlohmann::json::parse(R"({"type": "submit_order", "client_order_id": "rest-ts",
      "account": "ACC1", "instrument": "EURUSD@SIM", "side": "sell", "order_type": "stop",
      "time_in_force": "gtc", "quantity": "1.00", "stop_price": "1.09900",
      "trailing_offset": "0.00050"})");
  auto parsed = model::commandFromJson(body);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().describe();
  auto command = std::get<model::SubmitOrder>(*parsed);
  command.header.tenant = kTenant;
  ListRecorder recorder;
  Rig rig(recorder);
  rig.quote(110'000, 110'002);
  ASSERT_EQ(rig.submit(command).denied, risk::DenyReason::None);
  EXPECT_EQ(rig.get("rest-ts").trailOffset, 50);
  rig.quote(110'100, 110'102);
  EXPECT_EQ(rig.get("rest-ts").stopPrice, 110'050);

  body["order_type"] = "limit";
  body["price"] = "1.09000";
  body.erase("stop_price");
  auto refused = model::commandFromJson(body);
  ASSERT_FALSE(refused.has_value());
  EXPECT_NE(refused.error().message().find("a trailing stop is a stop order, not limit"),
            std::string::npos)
      << refused.error().message();
}

TEST(TrailingStop, SurvivesARestartWithItsCurrentTrail) {
  ListRecorder recorder;
  {
    Rig rig(recorder);
    rig.quote(110'000, 110'002);
    ASSERT_EQ(rig.submit(trailingStop("ts", Side::Sell, 100, 109'900, 50)).denied,
              risk::DenyReason::None);
    rig.quote(110'200, 110'202);
    rig.quote(110'180, 110'182);
    ASSERT_EQ(rig.get("ts").stopPrice, 110'150);
  }
  ListRecorder after;
  Rig restarted(after);
  for (const auto& event : recorder.events) restarted.engine.replay(event);
  restarted.engine.finishReplay();
  EXPECT_EQ(restarted.get("ts").stopPrice, 110'150);
  EXPECT_TRUE(restarted.get("ts").isTrailing());
  // Above the first stop (1.09900) but through the trail: the restored trail fires.
  restarted.quote(110'140, 110'142);
  EXPECT_EQ(restarted.get("ts").status, oms::OrderStatus::Filled);
  auto fills = after.all<model::OrderFilled>();
  ASSERT_EQ(fills.size(), 1U);
  EXPECT_EQ(fills[0].fillPrice, model::Price::fromRaw(110'140, 5));
}

TEST(TrailingStop, KeepsTrailingAfterASnapshotRestore) {
  ListRecorder recorder;
  Rig rig(recorder);
  rig.quote(110'000, 110'002);
  ASSERT_EQ(rig.submit(trailingStop("ts", Side::Sell, 100, 109'900, 50)).denied,
            risk::DenyReason::None);
  rig.quote(110'100, 110'102);
  auto bytes = rig.engine.snapshot();
  ListRecorder after;
  Rig restored(after);
  ASSERT_TRUE(restored.engine.restore(bytes).has_value());
  restored.engine.finishReplay();
  restored.quote(110'300, 110'302);
  EXPECT_EQ(restored.get("ts").stopPrice, 110'250);
}

// --- FX conversion ----------------------------------------------------------------------------

// USDJPY: 3 price places, PnL in JPY; the account is in USD.
constexpr std::uint8_t kJpyScale = 3;

TEST(FxConversion, UsdJpyPnlIsConvertedAtTheUsdJpyQuoteItself) {
  ListRecorder recorder;
  Rig rig(recorder, {pair("USDJPY", "JPY", kJpyScale)});
  const auto usdjpy = idOf("USDJPY");
  rig.quote(150'000, 150'020, usdjpy, kJpyScale);
  ASSERT_EQ(rig.submit(order("b", Side::Buy, 10, OrderType::Market, 0, 0, usdjpy, kJpyScale)).denied,
            risk::DenyReason::None);  // 0.10 lot bought at the ask, 150.020
  rig.quote(151'000, 151'020, usdjpy, kJpyScale);

  // Independently: 10'000 USD bought at 150.020 JPY, marked at the bid 151.000; the JPY profit
  // is worth 1/151 USD a yen.
  const long double jpy = (151.000L - 150.020L) * 10'000;
  const long double usd = jpy / 151.000L;
  const auto* p = rig.position("USDJPY");
  ASSERT_NE(p, nullptr);
  std::int64_t unrealized = 0;
  ASSERT_TRUE(rig.engine.portfolio().unrealized(*p, unrealized));
  EXPECT_NEAR(static_cast<long double>(unrealized) / 1e8L, usd, 1e-8L);
  EXPECT_EQ(std::llroundl(usd * 100), (unrealized + 500'000) / 1'000'000);  // to the cent
  EXPECT_EQ(rig.engine.portfolio().equity(0), 1'000'000'00000000LL + unrealized);

  // Closed at the bid 151.000: realized equals that, converted at the fill price.
  ASSERT_EQ(rig.submit(order("s", Side::Sell, 10, OrderType::Market, 0, 0, usdjpy, kJpyScale)).denied,
            risk::DenyReason::None);
  const auto& account = rig.engine.portfolio().account(0);
  EXPECT_NEAR(static_cast<long double>(account.realizedPnl) / 1e8L, usd, 1e-8L);
  EXPECT_EQ(account.realizedPnl, unrealized);
  EXPECT_EQ(account.balance, 1'000'000'00000000LL + account.realizedPnl);
  auto fills = recorder.all<model::OrderFilled>();
  ASSERT_EQ(fills.size(), 2U);
  ASSERT_TRUE(fills[1].fxRate.has_value());
  EXPECT_EQ(*fills[1].fxRate, model::Price::fromRaw(151'000, kJpyScale));
  // The closing position event reports the realized PnL in the account currency.
  auto closed = recorder.all<model::PositionClosed>();
  ASSERT_EQ(closed.size(), 1U);
  EXPECT_EQ(closed[0].realizedPnl, portfolio::money(account.realizedPnl));
  EXPECT_EQ(closed[0].currency, model::Currency("USD"));
}

TEST(FxConversion, AShortUsdJpyLosesInUsdAtTheAsk) {
  ListRecorder recorder;
  Rig rig(recorder, {pair("USDJPY", "JPY", kJpyScale)});
  const auto usdjpy = idOf("USDJPY");
  rig.quote(150'000, 150'020, usdjpy, kJpyScale);
  rig.submit(order("s", Side::Sell, 10, OrderType::Market, 0, 0, usdjpy, kJpyScale));  // at 150.000
  rig.quote(150'480, 150'500, usdjpy, kJpyScale);
  rig.submit(order("b", Side::Buy, 10, OrderType::Market, 0, 0, usdjpy, kJpyScale));  // at 150.500
  // -500 JPY a 0.10 lot ... -0.500 x 10'000 = -5'000 JPY at 150.5: -33.22259136... USD.
  const long double usd = (150.000L - 150.500L) * 10'000 / 150.500L;
  const auto& account = rig.engine.portfolio().account(0);
  EXPECT_NEAR(static_cast<long double>(account.realizedPnl) / 1e8L, usd, 1e-8L);
  EXPECT_EQ(account.realizedPnl, -3'322'259'136LL);  // -33.2225913621... rounded half away
}

TEST(FxConversion, EurGbpPnlIsConvertedThroughTheGbpUsdMid) {
  ListRecorder recorder;
  Rig rig(recorder, {pair("EURGBP", "GBP", 5), pair("GBPUSD", "USD", 5)});
  const auto eurgbp = idOf("EURGBP");
  const auto gbpusd = idOf("GBPUSD");
  const auto& portfolio = rig.engine.portfolio();
  EXPECT_EQ(portfolio.fxLink(0, 1).kind, portfolio::FxLink::Kind::Multiply);
  EXPECT_EQ(portfolio.fxLink(0, 1).pair, 2U);
  EXPECT_EQ(portfolio.fxLink(0, 2).kind, portfolio::FxLink::Kind::Same);

  rig.quote(127'000, 127'010, gbpusd);
  rig.quote(85'000, 85'010, eurgbp);
  rig.submit(order("b", Side::Buy, 100, OrderType::Market, 0, 0, eurgbp));  // 1 lot at 0.85010
  rig.quote(85'110, 85'120, eurgbp);
  // (0.85110 - 0.85010) x 100'000 = 100 GBP, at the GBPUSD mid 1.270050: 127.005 USD.
  const auto* p = rig.position("EURGBP");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(portfolio.unrealizedPnl(*p), 127'00500000LL);
  // The pair moves, the position does not: the conversion follows the latest quote.
  rig.quote(128'000, 128'002, gbpusd);
  EXPECT_EQ(portfolio.unrealizedPnl(*p), 128'00100000LL);  // 100 x 1.280010
  // Margin: 1 % of 85'010 GBP = 850.10 GBP at 1.280010.
  const long double margin = 850.10L * 1.280010L;
  EXPECT_NEAR(static_cast<long double>(portfolio.marginUsed(0)) / 1e8L, margin, 1e-8L);
  EXPECT_EQ(portfolio.marginFor(0, 1, 100, 85'010), portfolio.marginUsed(0));
  EXPECT_EQ(portfolio.marginFor(1, 100, 85'010), 850'10000000LL);  // still in GBP

  rig.submit(order("s", Side::Sell, 100, OrderType::Market, 0, 0, eurgbp));  // at 0.85110
  EXPECT_EQ(portfolio.account(0).realizedPnl, 128'00100000LL);
  auto fills = recorder.all<model::OrderFilled>();
  ASSERT_EQ(fills.size(), 2U);
  ASSERT_TRUE(fills[1].fxRate.has_value());
  EXPECT_EQ(*fills[1].fxRate, model::Price::fromRaw(1'280'010, 6));

  // The journal alone gives the same balance: the replay has no GBPUSD quote at all.
  ListRecorder second;
  Rig replayed(second, {pair("EURGBP", "GBP", 5), pair("GBPUSD", "USD", 5)});
  for (const auto& event : recorder.events) replayed.engine.replay(event);
  EXPECT_EQ(replayed.engine.portfolio().account(0).balance, portfolio.account(0).balance);
  EXPECT_EQ(replayed.engine.portfolio().account(0).realizedPnl, 128'00100000LL);
}

TEST(FxConversion, WithoutARateThePnlStaysUnconvertedAndSaysSo) {
  // An order that cannot be valued in the account's money is not taken.
  {
    ListRecorder fresh;
    Rig rig(fresh, {pair("EURGBP", "GBP", 5), pair("GBPUSD", "USD", 5)});
    rig.quote(85'000, 85'010, idOf("EURGBP"));  // no GBPUSD quote yet
    EXPECT_EQ(rig.submit(order("b", Side::Buy, 100, OrderType::Market, 0, 0, idOf("EURGBP"))).denied,
              risk::DenyReason::InsufficientMargin);
  }
  // A position opened while the rate was known, then a restart: the journal rebuilds it, but no
  // GBPUSD quote has arrived since.
  ListRecorder before;
  {
    Rig opened(before, {pair("EURGBP", "GBP", 5), pair("GBPUSD", "USD", 5)});
    opened.quote(128'000, 128'010, idOf("GBPUSD"));
    opened.quote(85'000, 85'010, idOf("EURGBP"));
    ASSERT_EQ(opened.submit(order("b", Side::Buy, 100, OrderType::Market, 0, 0, idOf("EURGBP"))).denied,
              risk::DenyReason::None);
  }
  ListRecorder recorder;
  Rig rig(recorder, {pair("EURGBP", "GBP", 5), pair("GBPUSD", "USD", 5)});
  for (const auto& event : before.events) rig.engine.replay(event);
  const auto eurgbp = idOf("EURGBP");
  const auto& portfolio = rig.engine.portfolio();
  rig.quote(85'110, 85'120, eurgbp);
  const auto* p = rig.position("EURGBP");
  ASSERT_NE(p, nullptr);
  std::int64_t unrealized = -1;
  EXPECT_FALSE(portfolio.unrealized(*p, unrealized));
  EXPECT_EQ(portfolio.unconvertedPositions(0), 1U);
  EXPECT_EQ(portfolio.equity(0), portfolio.account(0).balance);  // nothing guessed
  EXPECT_EQ(portfolio.marginFor(0, 1, 100, 85'110), INT64_MAX);
  // The REST views say the figures are unknown rather than show 0 or an absurd margin.
  const auto shown = render::positions(rig.engine, kTenant)["positions"];
  ASSERT_EQ(shown.size(), 1U);
  EXPECT_TRUE(shown[0]["unrealized_pnl"].is_null()) << shown.dump();
  const auto views = render::accounts(rig.engine, kTenant)["accounts"];
  ASSERT_EQ(views.size(), 1U);
  EXPECT_TRUE(views[0]["margin"].is_null()) << views.dump();
  EXPECT_EQ(views[0]["unconverted_positions"], 1);
  // No new risk while a margin cannot be valued.
  EXPECT_EQ(rig.submit(order("more", Side::Buy, 100, OrderType::Market, 0, 0, eurgbp)).denied,
            risk::DenyReason::InsufficientMargin);

  // Closing still books at the venue; the PnL waits on the position, with an alert.
  const std::int64_t balanceBefore = portfolio.account(0).balance;
  ASSERT_EQ(rig.submit(order("s", Side::Sell, 100, OrderType::Market, 0, 0, eurgbp)).denied,
            risk::DenyReason::None);
  const auto& account = portfolio.account(0);
  EXPECT_EQ(account.balance, balanceBefore);
  EXPECT_EQ(account.realizedPnl, 0);
  EXPECT_EQ(account.unconvertedFills, 1U);
  auto fills = recorder.all<model::OrderFilled>();
  ASSERT_EQ(fills.size(), 1U) << "the closing fill, after the restart";
  EXPECT_FALSE(fills[0].fxRate.has_value());
  const portfolio::Position& closed = account.positions[0];
  EXPECT_FALSE(closed.isOpen());
  EXPECT_EQ(closed.unconvertedPnl, 100'00000000LL);  // 100 GBP, in GBP
  bool alerted = false;
  for (const auto& a : recorder.all<model::Alert>()) {
    alerted |= a.code.view() == portfolio::errors::kNoFxRate.code;
  }
  EXPECT_TRUE(alerted);
}

TEST(FxConversion, NoPairInTheCatalogIsMissingNotOne) {
  ListRecorder recorder;
  Rig rig(recorder, {pair("EURCHF", "CHF", 5)});
  EXPECT_EQ(rig.engine.portfolio().fxLink(0, 1).kind, portfolio::FxLink::Kind::Missing);
  std::int64_t out = 0;
  EXPECT_FALSE(portfolio::Portfolio::convert(1'000, 5, rig.engine.portfolio().fxLink(0, 1),
                                             model::Price::fromRaw(1, 0), out));
}

}  // namespace
}  // namespace ait::trading
