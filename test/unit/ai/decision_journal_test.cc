// Decisions in the journal: bars published on the bus reach the service on the engine thread,
// each decision is recorded as a Decision event in the trading journal, and the history read
// back from the journal (per tenant and symbol) explains each one: models by name, their
// values, latencies and the result, equal to what the engine decided.

#include <atomic>
#include <chrono>
#include <limits>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ait/ai/decision_journal.h"
#include "ait/ai/service.h"
#include "ait/engine/runtime.h"
#include "ait/model/codec.h"

namespace ait::ai {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

model::Bar bar(std::uint32_t tenant, std::string_view symbol, std::int64_t i, double close) {
  model::Bar b;
  b.header = {model::TenantId{tenant}, i * 60'000'000'000, i * 60'000'000'000, 0};
  b.instrument = model::InstrumentId{model::Symbol::truncated(symbol), model::Venue("SIM")};
  b.timeframe = model::Timeframe{60};
  b.start = i * 60'000'000'000;
  auto price = model::Price::fromDouble(close, 5).value();
  b.open = b.high = b.low = b.close = price;
  b.volume = model::Quantity::fromRaw(1, 0);
  return b;
}

class DecisionJournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static int counter = 0;
    dir_ = fs::temp_directory_path() /
           ("ait-ai-journal-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "models");
    std::ofstream(dir_ / "models/lin.json") << R"({"intercept": 0.0, "coefficients": [0.02]})";
    std::ofstream(dir_ / "models/lin-manifest.json")
        << nlohmann::json{{"name", "lin"}, {"version", "4"}, {"kind", "linear"},
                          {"file", "lin.json"}, {"features", {"rsi_3"}}, {"output", "score"},
                          {"weight", 2.0}}.dump();
    std::ofstream(dir_ / "models/rules.json")
        << R"({"rules": [{"feature": "ret_1", "op": "<", "threshold": 0, "output": -1}], "default": 0.5})";
    std::ofstream(dir_ / "models/rules-manifest.json")
        << nlohmann::json{{"name", "dip"}, {"version", "1"}, {"kind", "rules"},
                          {"file", "rules.json"}, {"features", {"ret_1"}}, {"output", "score"}}.dump();

    engine::RuntimeSettings settings;
    settings.journal.dataDir = (dir_ / "journal").string();
    settings.journal.fsync = false;
    settings.bus.queue_capacity = 1024;
    auto runtime = engine::Runtime::open(settings);
    ASSERT_TRUE(runtime) << runtime.error().describe();
    runtime_ = std::move(*runtime);

    AiServiceConfig config;
    config.features = "close,rsi:3,ret:1";
    config.modelsDir = (dir_ / "models").string();
    config.models = {"lin-manifest.json", "rules-manifest.json"};
    config.strategyId = "trend-2";
    auto service = AiService::create(config, SystemClock::instance(), metrics_);
    ASSERT_TRUE(service) << service.error().describe();
    service_ = std::move(*service);
    engine::Runtime* rt = runtime_.get();
    service_->setDecisionJournal([rt](const model::Event& e) { return rt->record(e); },
                                 &rt->journal(engine::Stream::Trading));
    AiService* ai = service_.get();
    for (const char* topic : {"md.EURUSD", "md.GBPUSD", "md.USDJPY"}) {
      ASSERT_TRUE(runtime_->bus().subscribe(topic, [this, ai](const model::Event& event) {
        if (const auto* b = std::get_if<model::Bar>(&event)) {
          if (const Decision* d = ai->onMarketBar(*b)) {
            decided_.push_back(*d);
            decidedCount_.store(decided_.size(), std::memory_order_release);
          }
        }
      }));
    }
  }
  void TearDown() override {
    if (runtime_) runtime_->stop();
    fs::remove_all(dir_);
  }

  // Publishes bars and waits until the engine thread handled them and the journal made them
  // durable (history reads durable records only).
  void publish(const std::vector<model::Bar>& bars) {
    auto producer = runtime_->bus().makeProducer({.name = "test"});
    ASSERT_TRUE(producer);
    for (const auto& b : bars) ASSERT_EQ(producer->publish(model::Event(b)), bus::PublishStatus::Ok);
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    auto& journal = runtime_->journal(engine::Stream::Trading);
    // A fresh journal per test: its trading stream holds exactly the decisions.
    while (decidedCount_.load(std::memory_order_acquire) < expectedDecisions_ ||
           journal.durableSequence() < expectedDecisions_) {
      ASSERT_LT(std::chrono::steady_clock::now(), deadline)
          << "decisions were not journaled: decided " << decidedCount_.load() << ", durable "
          << journal.durableSequence();
      std::this_thread::sleep_for(1ms);
    }
  }

  fs::path dir_;
  metrics::Registry metrics_;
  std::unique_ptr<engine::Runtime> runtime_;
  std::unique_ptr<AiService> service_;
  std::vector<Decision> decided_;  // written on the engine thread, read once decidedCount_ says
  std::atomic<std::size_t> decidedCount_{0};
  std::uint64_t expectedDecisions_ = 0;
};

TEST_F(DecisionJournalTest, DecideJournalReadBackExplain) {
  ASSERT_TRUE(service_->start());
  ASSERT_TRUE(runtime_->start());
  // Tenant 7 trades EURUSD, tenant 9 GBPUSD; RSI(3) is ready from the fourth bar of a symbol.
  std::vector<model::Bar> bars;
  const double closes[] = {1.1000, 1.1010, 1.1005, 1.1020, 1.1030, 1.1010, 1.1040};
  for (int i = 0; i < 7; ++i) bars.push_back(bar(7, "EURUSD", i, closes[i]));
  expectedDecisions_ = 4;
  publish(bars);
  ASSERT_EQ(decided_.size(), 4u);

  auto history = service_->decisionHistory(model::TenantId{7}, "EURUSD", 3);
  ASSERT_TRUE(history) << history.error().describe();
  ASSERT_EQ(history->size(), 3u) << "limit 3 of 4";
  // Newest first, and each equal to what the engine decided.
  for (std::size_t i = 0; i < 3; ++i) {
    const model::Decision& e = (*history)[i];
    const Decision& d = decided_[decided_.size() - 1 - i];
    EXPECT_EQ(e.decisionSequence, d.sequence);
    EXPECT_EQ(e.header.tsEvent, d.ts);
    EXPECT_EQ(e.inputsHash, d.inputsHash);
    EXPECT_EQ(e.signal, toEventSignal(d.signal));
    EXPECT_DOUBLE_EQ(e.score, d.score);
    EXPECT_DOUBLE_EQ(e.confidence, d.confidence);
    EXPECT_EQ(e.strategy.view(), "trend-2");
    EXPECT_EQ(e.instrument.symbol.view(), "EURUSD");
    ASSERT_EQ(e.modelCount, 2u);
    for (std::uint32_t m = 0; m < 2; ++m) {
      EXPECT_EQ(e.modelKeys[m], d.models[m].key);
      EXPECT_NE(e.modelKeys[m], 0u);
      EXPECT_DOUBLE_EQ(e.modelValues[m], d.models[m].value);
      EXPECT_EQ(e.modelLatencyNs[m], static_cast<std::uint32_t>(d.models[m].latencyNs));
      EXPECT_EQ(e.modelStatus[m], model::ModelVoteStatus::Fresh);
    }
    EXPECT_EQ(e.usedMask, 0b11u);
    EXPECT_GT(e.header.sequence, 0u) << "the journal's sequence is set";
  }
  // The last bar fell (ret_1 < 0): the rule model says -1.
  EXPECT_DOUBLE_EQ((*history)[1].modelValues[1], -1.0);

  // Explained: models by name and version, weights, the result.
  nlohmann::json why = service_->explain((*history)[0]);
  EXPECT_EQ(why["strategy"], "trend-2");
  EXPECT_EQ(why["symbol"], "EURUSD");
  EXPECT_EQ(why["tenant_id"], 7);
  ASSERT_EQ(why["models"].size(), 2u);
  EXPECT_EQ(why["models"][0]["name"], "lin");
  EXPECT_EQ(why["models"][0]["version"], "4");
  EXPECT_EQ(why["models"][0]["weight"], 2.0);
  EXPECT_EQ(why["models"][1]["name"], "dip");
  EXPECT_EQ(why["models"][1]["status"], "fresh");
  EXPECT_EQ(why["signal"], std::string(toString(decided_.back().signal)));
  EXPECT_EQ(why["inputs_hash"], fmt::format("{:016x}", decided_.back().inputsHash));

  // Another tenant sees none of them, nor does another symbol.
  auto other = service_->decisionHistory(model::TenantId{9}, "", 10);
  ASSERT_TRUE(other);
  EXPECT_TRUE(other->empty());
  auto gbp = service_->decisionHistory(model::TenantId{7}, "GBPUSD", 10);
  ASSERT_TRUE(gbp);
  EXPECT_TRUE(gbp->empty());
}

TEST_F(DecisionJournalTest, TenantsAndSymbolsAreKeptApart) {
  ASSERT_TRUE(service_->start());
  ASSERT_TRUE(runtime_->start());
  // One series per tenant and symbol: each warms up on its own bars (RSI(3) from its fourth).
  std::vector<model::Bar> bars;
  for (int i = 0; i < 6; ++i) bars.push_back(bar(7, "EURUSD", i, 1.1 + 0.001 * i));
  for (int i = 6; i < 12; ++i) bars.push_back(bar(9, "GBPUSD", i, 1.3 - 0.001 * i));
  // A public feed (tenant 0): its decisions are for everyone to see.
  for (int i = 12; i < 17; ++i) bars.push_back(bar(0, "USDJPY", i, 150.0 + 0.1 * i));
  expectedDecisions_ = 8;  // 3 + 3 + 2
  publish(bars);
  auto eur = service_->decisionHistory(model::TenantId{7}, "EURUSD", 100);
  auto gbp = service_->decisionHistory(model::TenantId{9}, "GBPUSD", 100);
  ASSERT_TRUE(eur && gbp);
  EXPECT_EQ(eur->size(), 3u);
  EXPECT_EQ(gbp->size(), 3u);
  EXPECT_EQ(service_->decisionHistory(model::TenantId{7}, "", 100)->size(), 5u) << "own + public";
  EXPECT_EQ(service_->decisionHistory(model::TenantId{9}, "USDJPY", 100)->size(), 2u);
  EXPECT_EQ(service_->decisionHistory(model::TenantId{0}, "", 100)->size(), 2u) << "public only";
  for (const auto& e : *gbp) {
    EXPECT_EQ(e.header.tenant, model::TenantId{9});
    EXPECT_EQ(e.instrument.symbol.view(), "GBPUSD");
  }
  EXPECT_TRUE(service_->decisionHistory(model::TenantId{9}, "EURUSD", 100)->empty());
}

TEST(DecisionEvent, CarriesEightModelsAndFlagsTheRest) {
  Decision d;
  d.sequence = 3;
  d.ts = 42;
  d.degraded = true;
  d.modelCount = 10;
  for (std::uint16_t i = 0; i < 10; ++i) {
    d.models[i].key = 100u + i;
    d.models[i].status = i % 2 ? ModelStatus::Late : ModelStatus::Fresh;
    d.models[i].value = 0.1 * i;
    d.models[i].used = i % 2 == 0;
    d.models[i].latencyNs = std::int64_t{1} << 40;  // saturates
  }
  d.models[2].value = std::numeric_limits<double>::quiet_NaN();  // never reaches the codec
  DecisionContext context{model::TenantId{5}, model::StrategyId("s"), {}, EnsembleMethod::Stacking};
  model::Decision e = toEvent(d, context, 99);
  EXPECT_EQ(e.modelCount, model::kDecisionModels);
  EXPECT_EQ(e.flags, model::kDecisionDegraded | model::kDecisionTruncated);
  EXPECT_EQ(e.usedMask, 0b01010101u);
  EXPECT_EQ(e.modelKeys[7], 107u);
  EXPECT_EQ(e.modelStatus[1], model::ModelVoteStatus::Late);
  EXPECT_EQ(e.modelLatencyNs[0], 0xffffffffu);
  EXPECT_EQ(e.modelValues[2], 0.0);
  EXPECT_EQ(e.ensemble, model::EnsembleKind::Stacking);
  EXPECT_EQ(e.header.tsEvent, 42);
  EXPECT_EQ(e.header.tsRecv, 99);
  std::array<std::byte, model::kMaxEncodedSize> buffer{};
  auto size = model::encode(model::Event(e), buffer);
  ASSERT_TRUE(size) << size.error().describe();
  auto back = model::decode(std::span(buffer).first(*size));
  ASSERT_TRUE(back);
  EXPECT_EQ(std::get<model::Decision>(*back), e);
}

}  // namespace
}  // namespace ait::ai
