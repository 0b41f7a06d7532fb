#pragma once
// One scenario of positions, decisions, model registry rows and account snapshots, run the same
// way against every relational store (SQLite always, PostgreSQL against a real server): natural
// ids upserted by the newest event, replays that change nothing, tenants that never see each
// other's rows, and hostile strings stored as data. Instruments: upserted by symbol and venue.

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ait/model/events.h"
#include "ait/store/event_store.h"

namespace ait::store::scenario {

inline const std::string kHostile = "x'); DROP TABLE positions; --";

template <class P>
model::Event position(std::uint32_t tenant, std::uint64_t seq, std::string_view id, std::string_view account,
                      const char* qty, const char* avg, const char* pnl) {
  P p{};
  p.header = {model::TenantId{tenant}, static_cast<TimestampNs>(seq * 1000), 0, seq};
  p.positionId = model::PositionId::truncated(id);
  p.account = model::AccountId::truncated(account);
  p.instrument.symbol = model::Symbol::truncated("EURUSD");
  p.instrument.venue = model::Venue::truncated("SIM");
  p.quantity = model::Quantity::parse(qty).value();
  p.averagePrice = model::Price::parse(avg).value();
  p.realizedPnl = model::Money::parse(pnl).value();
  p.currency = model::Currency::truncated("USD");
  return p;
}

inline model::Event decision(std::uint32_t tenant, std::uint64_t seq, std::string_view symbol,
                             std::vector<std::uint32_t> keys, double score) {
  model::Decision d{};
  d.header = {model::TenantId{tenant}, static_cast<TimestampNs>(seq * 1000), 0, seq};
  d.strategy = model::StrategyId::truncated("ensemble-1");
  d.instrument.symbol = model::Symbol::truncated(symbol);
  d.decisionSequence = seq * 10;
  d.inputsHash = 0xfeedface00000000ULL + seq;
  d.signal = score > 0 ? model::DecisionSignal::Buy : model::DecisionSignal::Sell;
  d.score = score;
  d.confidence = 0.75;
  d.latencyNs = 1234;
  d.flags = model::kDecisionDegraded;
  d.modelCount = static_cast<std::uint32_t>(keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    d.modelKeys[i] = keys[i];
    d.modelStatus[i] = i == 0 ? model::ModelVoteStatus::Fresh : model::ModelVoteStatus::Late;
    d.modelValues[i] = 0.5 + static_cast<double>(i);
    d.modelWeights[i] = 1.0F;
  }
  d.usedMask = 1;
  return d;
}

inline model::Event account(std::uint32_t tenant, std::uint64_t seq, const char* balance, const char* equity) {
  model::AccountState a{};
  a.header = {model::TenantId{tenant}, static_cast<TimestampNs>(seq * 1000), 0, seq};
  a.account = model::AccountId::truncated("acc-1");
  a.currency = model::Currency::truncated("USD");
  a.balance = model::Money::parse(balance).value();
  a.equity = model::Money::parse(equity).value();
  a.margin = model::Money::parse("10.5").value();
  a.freeMargin = model::Money::parse("99990").value();
  return a;
}

inline model::Event fill(std::uint32_t tenant, std::uint64_t seq, std::string_view account) {
  model::OrderFilled f{};
  f.header = {model::TenantId{tenant}, static_cast<TimestampNs>(seq * 1000), 0, seq};
  f.clientOrderId = model::ClientOrderId::truncated("c-1");
  f.tradeId = model::TradeId::truncated("t-1");
  f.account = model::AccountId::truncated(account);
  f.instrument.symbol = model::Symbol::truncated("EURUSD");
  f.fillQuantity = model::Quantity::parse("1").value();
  f.fillPrice = model::Price::parse("1.1").value();
  f.leavesQuantity = model::Quantity::parse("0").value();
  return f;
}

inline std::vector<model::Event> events() {
  return {position<model::PositionOpened>(1, 1, "p-1", "acc-1", "1.5", "1.1000", "0"),
          position<model::PositionChanged>(1, 2, "p-1", "acc-1", "3", "1.1050", "0"),
          position<model::PositionOpened>(2, 3, "p-1", "acc-1", "2", "1.2000", "0"),
          decision(1, 4, "EURUSD", {0xdeadbeef, 0x0000abcd}, 0.25),
          decision(1, 5, "USDJPY", {0xdeadbeef}, -0.5),
          decision(2, 6, "EURUSD", {0x12345678}, 0.1),
          account(1, 7, "100000.00", "100012.50"),
          position<model::PositionClosed>(1, 8, "p-1", "acc-1", "0", "1.1050", "12.5"),
          fill(1, 9, "acc-1"),
          position<model::PositionOpened>(1, 10, kHostile, kHostile, "1", "1.3", "0")};
}

/// Applies the scenario (twice, the replay changing nothing) and checks every read.
inline void run(EventStore& store) {
  const auto batch = events();
  ASSERT_TRUE(store.apply("trading", batch).has_value());
  ASSERT_TRUE(store.apply("trading", batch).has_value()) << "a replayed batch";
  const model::TenantId t1{1}, t2{2}, t3{3};

  auto positions = store.positions(t1, "", false, 10);
  ASSERT_TRUE(positions.has_value()) << positions.error().describe();
  ASSERT_EQ(positions->size(), 2u) << positions->dump();
  const auto& hostile = (*positions)[0];
  EXPECT_EQ(hostile["position_id"], model::PositionId::truncated(kHostile).view()) << "stored literally";
  EXPECT_EQ(hostile["account"], model::AccountId::truncated(kHostile).view());
  EXPECT_EQ(hostile["status"], "open");
  const auto& closed = (*positions)[1];
  EXPECT_EQ(closed["position_id"], "p-1");
  EXPECT_EQ(closed["status"], "closed") << "the newest event decides";
  EXPECT_EQ(closed["quantity"], "0");
  EXPECT_EQ(closed["realized_pnl"], "12.5");
  EXPECT_EQ(closed["venue"], "SIM");
  EXPECT_EQ(closed["opened_sequence"], 1);
  EXPECT_EQ(closed["sequence"], 8);
  EXPECT_EQ(store.positions(t1, "", true, 10).value().size(), 1u) << "open ones only";
  EXPECT_EQ(store.positions(t1, "acc-1", false, 10).value().size(), 1u);
  EXPECT_EQ(store.positions(t1, "' OR ''='", false, 10).value().size(), 0u);
  auto other = store.positions(t2, "", false, 10).value();
  ASSERT_EQ(other.size(), 1u) << "the same natural id in another tenant is another row";
  EXPECT_EQ(other[0]["quantity"], "2");
  EXPECT_TRUE(store.positions(t3, "", false, 10).value().empty());

  auto decisions = store.decisions(t1, "", 10);
  ASSERT_TRUE(decisions.has_value()) << decisions.error().describe();
  ASSERT_EQ(decisions->size(), 2u) << "replayed decisions are not doubled";
  EXPECT_EQ((*decisions)[0]["symbol"], "USDJPY") << "newest first";
  const auto& d = (*decisions)[1];
  EXPECT_EQ(d["sequence"], 4);
  EXPECT_EQ(d["decision_sequence"], 40);
  EXPECT_EQ(d["inputs_hash"], "feedface00000004");
  EXPECT_EQ(d["signal"], "buy");
  EXPECT_DOUBLE_EQ(d["score"].get<double>(), 0.25);
  EXPECT_DOUBLE_EQ(d["confidence"].get<double>(), 0.75);
  EXPECT_EQ(d["degraded"], true);
  ASSERT_EQ(d["models"].size(), 2u) << d.dump();
  EXPECT_EQ(d["models"][0]["key"], "deadbeef");
  EXPECT_EQ(d["models"][1]["key"], "0000abcd");
  EXPECT_EQ(d["models"][1]["status"], "late");
  EXPECT_EQ(d["models"][0]["used"], true);
  EXPECT_DOUBLE_EQ(d["models"][1]["value"].get<double>(), 1.5);
  EXPECT_EQ(store.decisions(t1, "EURUSD", 10).value().size(), 1u);
  EXPECT_EQ(store.decisions(t1, "' OR 1=1 --", 10).value().size(), 0u);
  EXPECT_EQ(store.decisions(t1, "", 1).value().size(), 1u) << "the limit holds";
  EXPECT_EQ(store.decisions(t2, "", 10).value().size(), 1u);

  auto models = store.models(t1, 10);
  ASSERT_TRUE(models.has_value()) << models.error().describe();
  ASSERT_EQ(models->size(), 2u) << models->dump();
  EXPECT_EQ((*models)[0]["key"], "deadbeef") << "last used first";
  EXPECT_EQ((*models)[0]["decisions"], 2) << "counted once per decision despite the replay";
  EXPECT_EQ((*models)[0]["first_sequence"], 4);
  EXPECT_EQ((*models)[0]["last_sequence"], 5);
  EXPECT_EQ((*models)[0]["last_strategy"], "ensemble-1");
  EXPECT_EQ((*models)[1]["key"], "0000abcd");
  EXPECT_EQ((*models)[1]["decisions"], 1);
  auto otherModels = store.models(t2, 10).value();
  ASSERT_EQ(otherModels.size(), 1u);
  EXPECT_EQ(otherModels[0]["key"], "12345678");

  auto states = store.accountStates(t1, "acc-1", 10);
  ASSERT_TRUE(states.has_value()) << states.error().describe();
  ASSERT_EQ(states->size(), 1u);
  EXPECT_EQ((*states)[0]["balance"], "100000.00");
  EXPECT_EQ((*states)[0]["equity"], "100012.50");
  EXPECT_EQ((*states)[0]["free_margin"], "99990");
  EXPECT_TRUE(store.accountStates(t2, "acc-1", 10).value().empty());
  EXPECT_EQ(store.accountFills(t1, "acc-1", 10).value().size(), 1u);
  EXPECT_TRUE(store.accountFills(t1, "acc-2", 10).value().empty());
  EXPECT_TRUE(store.accountFills(t2, "acc-1", 10).value().empty());

  // A position reopened after it closed starts a new life under the same id.
  const std::vector<model::Event> reopen{position<model::PositionOpened>(1, 11, "p-1", "acc-1", "4", "1.2", "0")};
  ASSERT_TRUE(store.apply("trading", reopen).has_value());
  auto reopened = store.positions(t1, "acc-1", true, 10).value();
  ASSERT_EQ(reopened.size(), 1u);
  EXPECT_EQ(reopened[0]["opened_sequence"], 11);
  EXPECT_EQ(reopened[0]["quantity"], "4");
  EXPECT_EQ(store.checkpoint("trading").value(), 11u);
}

inline InstrumentRecord instrument(std::string_view symbol, const char* tick, int priceScale, std::string session) {
  InstrumentRecord r;
  auto& i = r.instrument;
  i.id = {model::Symbol::truncated(symbol), model::Venue::truncated("SIM")};
  i.priceScale = static_cast<std::uint8_t>(priceScale);
  i.quantityScale = 2;
  i.tickSize = model::Price::parse(tick).value();
  i.lotStep = model::Quantity::parse("0.01").value();
  i.minQuantity = model::Quantity::parse("0.01").value();
  i.maxQuantity = model::Quantity::parse("100.00").value();
  i.contractSize = model::Quantity::parse("100000").value();
  i.currency = "USD";
  r.session = std::move(session);
  return r;
}

/// Writes instruments (one with a hostile symbol), then again with a changed tick size and
/// session, and checks each write replaced the stored row rather than adding one.
inline void runInstruments(EventStore& store) {
  const std::string hostileSymbol = "x'); DROP TABLE instruments; --";
  std::vector<InstrumentRecord> configured{instrument("EURUSD", "0.00001", 5, "fx"),
                                           instrument(hostileSymbol, "0.01", 2, "")};
  auto put = store.putInstruments(configured);
  ASSERT_TRUE(put.has_value()) << put.error().describe();
  auto read = store.instruments(10);
  ASSERT_TRUE(read.has_value()) << read.error().describe();
  ASSERT_EQ(read->size(), 2u) << read->dump();
  const auto& eurusd = (*read)[0];
  EXPECT_EQ(eurusd["symbol"], "EURUSD");
  EXPECT_EQ(eurusd["venue"], "SIM");
  EXPECT_EQ(eurusd["price_scale"], 5);
  EXPECT_EQ(eurusd["quantity_scale"], 2);
  EXPECT_EQ(eurusd["tick_size"], "0.00001");
  EXPECT_EQ(eurusd["lot_step"], "0.01");
  EXPECT_EQ(eurusd["min_quantity"], "0.01");
  EXPECT_EQ(eurusd["max_quantity"], "100.00");
  EXPECT_EQ(eurusd["contract_size"], "100000");
  EXPECT_EQ(eurusd["currency"], "USD");
  EXPECT_EQ(eurusd["session"], "fx");
  EXPECT_EQ((*read)[1]["symbol"], model::Symbol::truncated(hostileSymbol).view()) << "stored literally";
  EXPECT_EQ((*read)[1]["session"], "");

  // The next start's configuration: EURUSD's tick size and session changed, a third instrument.
  configured[0] = instrument("EURUSD", "0.0001", 4, "24x7");
  configured.push_back(instrument("USDJPY", "0.001", 3, "fx"));
  ASSERT_TRUE(store.putInstruments(configured).has_value());
  ASSERT_TRUE(store.putInstruments(configured).has_value()) << "the same list again changes nothing";
  auto updated = store.instruments(10).value();
  ASSERT_EQ(updated.size(), 3u) << updated.dump();
  EXPECT_EQ(updated[0]["tick_size"], "0.0001") << "the stored row is replaced";
  EXPECT_EQ(updated[0]["price_scale"], 4);
  EXPECT_EQ(updated[0]["session"], "24x7");
  EXPECT_EQ(updated[1]["symbol"], "USDJPY");
  EXPECT_EQ(updated[1]["tick_size"], "0.001");
  EXPECT_EQ(store.instruments(1).value().size(), 1u) << "the limit holds";
  EXPECT_TRUE(store.positions(model::TenantId{1}, "", false, 10).has_value()) << "no table was dropped";
}

}  // namespace ait::store::scenario
