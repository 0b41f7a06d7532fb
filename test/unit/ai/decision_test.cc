// The decision engine: ensembles, the latency budget with a deliberately slow model (driven by a
// fake clock, so no test depends on real timing), a failing model, circuit breakers, cached
// predictions and their age, and a hot swap under load with no missed decision.

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "ait/ai/decision.h"
#include "ait/ai/errors.h"
#include "ait/metrics/metrics.h"

namespace ait::ai {
namespace {

using namespace std::chrono_literals;

// Returns a fixed value after advancing the fake clock by `delay` (a model that takes that long).
class ScriptedModel final : public Model {
 public:
  ScriptedModel(std::size_t inputs, double value, FakeClock* clock = nullptr)
      : inputs_(inputs), value_(value), clock_(clock) {}
  Expected<double> predict(std::span<const double> x) override {
    ++calls;
    seen.assign(x.begin(), x.end());
    if (clock_) clock_->advance(delay);
    if (failing) return fail(kPredictFailed, "scripted failure");
    return value_;
  }
  std::size_t inputCount() const noexcept override { return inputs_; }

  std::chrono::nanoseconds delay{0};
  bool failing = false;
  int calls = 0;
  std::vector<double> seen;

 private:
  std::size_t inputs_;
  double value_;
  FakeClock* clock_;
};

LoadedModel make(const std::string& name, std::shared_ptr<Model> model,
                 std::vector<std::string> features = {"a"}, double weight = 1.0,
                 OutputMeaning output = OutputMeaning::ProbabilityUp) {
  ModelInfo info;
  info.name = name;
  info.version = "1";
  info.kind = "scripted";
  info.features = std::move(features);
  info.weight = weight;
  info.output = output;
  return {info, std::move(model)};
}

DecisionConfig testConfig() {
  DecisionConfig c;
  c.budgetNs = 1'000'000;           // 1 ms
  c.cacheMaxAgeNs = 60'000'000;     // 60 ms
  c.breaker.window_size = 4;
  c.breaker.minimum_calls = 2;
  c.breaker.failure_rate_threshold_pct = 60;
  c.breaker.open_duration_ms = 1000;
  c.breaker.half_open_calls = 1;
  return c;
}

class DecisionEngineTest : public ::testing::Test {
 protected:
  FakeClock clock_;
  metrics::Registry metrics_;
  std::vector<double> row_{1.0, 2.0, 3.0};
};

TEST_F(DecisionEngineTest, WeightedAverageGivesSignalAndConfidence) {
  DecisionEngine engine({"a", "b", "c"}, testConfig(), clock_, metrics_);
  ASSERT_TRUE(engine.install(make("m1", std::make_shared<ScriptedModel>(1, 0.9))));
  ASSERT_TRUE(engine.install(make("m2", std::make_shared<ScriptedModel>(1, 0.8))));
  ASSERT_TRUE(engine.install(make("m3", std::make_shared<ScriptedModel>(1, 0.4), {"a"}, 2.0)));
  const auto& d = engine.decide(row_, 42);
  EXPECT_EQ(d.modelCount, 3);
  EXPECT_FALSE(d.degraded);
  EXPECT_NEAR(d.score, (0.8 + 0.6 - 0.2 * 2) / 4, 1e-12);
  EXPECT_EQ(d.signal, Signal::Buy);
  EXPECT_NEAR(d.confidence, 0.25, 1e-12);
  EXPECT_EQ(d.ts, 42);
  EXPECT_EQ(d.sequence, 1u);
}

TEST_F(DecisionEngineTest, MajorityVoteFollowsTheLargerSide) {
  auto config = testConfig();
  config.method = EnsembleMethod::MajorityVote;
  DecisionEngine engine({"a"}, config, clock_, metrics_);
  ASSERT_TRUE(engine.install(make("up1", std::make_shared<ScriptedModel>(1, 0.9))));
  ASSERT_TRUE(engine.install(make("up2", std::make_shared<ScriptedModel>(1, 0.85))));
  // An expected-return model strongly negative (tanh(-0.05 / 0.01) ~ -1) is outvoted.
  ASSERT_TRUE(engine.install(make("down", std::make_shared<ScriptedModel>(1, -0.05), {"a"}, 5.0,
                                  OutputMeaning::ExpectedReturn)));
  const auto& d = engine.decide(std::vector<double>{1.0}, 0);
  EXPECT_EQ(d.signal, Signal::StrongBuy);
  EXPECT_NEAR(d.score, (0.8 + 0.7) / 2, 1e-12);
  EXPECT_NEAR(d.confidence, 2.0 / 3.0, 1e-12);
  EXPECT_LT(d.models[2].score, -0.99);
}

TEST_F(DecisionEngineTest, ModelsReadTheirOwnFeaturesByName) {
  DecisionEngine engine({"a", "b", "c"}, testConfig(), clock_, metrics_);
  auto model = std::make_shared<ScriptedModel>(2, 0.5);
  ASSERT_TRUE(engine.install(make("m", model, {"c", "a"})));
  engine.decide(row_, 0);
  EXPECT_EQ(model->seen, (std::vector<double>{3.0, 1.0}));
  auto mismatch = engine.install(make("bad", model, {"a", "rsi_14"}));
  ASSERT_FALSE(mismatch);
  EXPECT_EQ(mismatch.error().code().code, kFeatureMismatch.code);
  EXPECT_NE(mismatch.error().message().find("rsi_14"), std::string::npos);
}

TEST_F(DecisionEngineTest, SlowModelFallsBackToItsCacheThenIsCutOffByItsBreaker) {
  DecisionEngine engine({"a"}, testConfig(), clock_, metrics_);
  auto slow = std::make_shared<ScriptedModel>(1, 0.9, &clock_);
  auto after = std::make_shared<ScriptedModel>(1, 0.7);
  ASSERT_TRUE(engine.install(make("slow", slow)));
  ASSERT_TRUE(engine.install(make("after", after)));
  std::vector<double> x{1.0};

  auto first = engine.decide(x, 0);  // fast: fills the cache
  EXPECT_FALSE(first.degraded);

  slow->delay = 5ms;  // five times the budget
  auto second = engine.decide(x, 1);
  EXPECT_TRUE(second.degraded);
  EXPECT_EQ(second.models[0].status, ModelStatus::Late);
  EXPECT_TRUE(second.models[0].used);  // the cached 0.9 from the first decision
  EXPECT_DOUBLE_EQ(second.models[0].value, 0.9);
  EXPECT_EQ(second.models[1].status, ModelStatus::OverBudget);  // not called: no time left
  EXPECT_TRUE(second.models[1].used);  // its own cached value
  EXPECT_EQ(after->calls, 1);

  engine.decide(x, 2);  // second late call: the breaker's window now judges it failing
  int callsBefore = slow->calls;
  auto cut = engine.decide(x, 3);
  EXPECT_EQ(cut.models[0].status, ModelStatus::CircuitOpen);
  EXPECT_EQ(slow->calls, callsBefore) << "an open circuit must not call the model";
  EXPECT_TRUE(cut.models[0].used);
  EXPECT_EQ(cut.models[1].status, ModelStatus::Fresh);  // the budget is intact again
  EXPECT_EQ(cut.signal, Signal::StrongBuy);

  auto stats = engine.stats();
  ASSERT_EQ(stats.size(), 2u);
  EXPECT_EQ(stats[0].late, 2u);
  EXPECT_EQ(stats[0].circuitOpen, 1u);
  EXPECT_EQ(stats[0].breaker, resilience::CircuitState::Open);

  // After open_duration the breaker lets one trial call through; a fast answer closes it.
  slow->delay = 0ms;
  clock_.advance(1100ms);
  auto trial = engine.decide(x, 4);
  EXPECT_EQ(trial.models[0].status, ModelStatus::Fresh);
  EXPECT_EQ(engine.stats()[0].breaker, resilience::CircuitState::Closed);
}

TEST_F(DecisionEngineTest, FailingModelUsesCacheUntilTooOldThenIsLeftOut) {
  DecisionEngine engine({"a"}, testConfig(), clock_, metrics_);
  auto flaky = std::make_shared<ScriptedModel>(1, 0.1);
  auto steady = std::make_shared<ScriptedModel>(1, 0.7);
  ASSERT_TRUE(engine.install(make("flaky", flaky)));
  ASSERT_TRUE(engine.install(make("steady", steady)));
  std::vector<double> x{1.0};
  engine.decide(x, 0);

  flaky->failing = true;
  clock_.advance(10ms);
  auto cached = engine.decide(x, 1);
  EXPECT_TRUE(cached.degraded);
  EXPECT_EQ(cached.models[0].status, ModelStatus::Failed);
  EXPECT_TRUE(cached.models[0].used);
  EXPECT_EQ(cached.models[0].cacheAgeNs, 10'000'000);
  EXPECT_NEAR(cached.score, (-0.8 + 0.4) / 2, 1e-12);

  clock_.advance(100ms);  // the cached value is now older than 60 ms
  auto without = engine.decide(x, 2);
  EXPECT_TRUE(without.degraded);
  EXPECT_FALSE(without.models[0].used);
  EXPECT_NEAR(without.score, 0.4, 1e-12);          // steady alone
  EXPECT_NEAR(without.confidence, 0.4 * 0.5, 1e-12);  // half the weight answered
  EXPECT_EQ(without.signal, Signal::Buy);
  EXPECT_EQ(engine.stats()[0].failures, 2u);
}

TEST_F(DecisionEngineTest, NoModelsHoldsDegraded) {
  DecisionEngine engine({"a"}, testConfig(), clock_, metrics_);
  auto d = engine.decide(std::vector<double>{1.0}, 0);
  EXPECT_EQ(d.signal, Signal::Hold);
  EXPECT_TRUE(d.degraded);
  EXPECT_EQ(d.confidence, 0);
  ASSERT_TRUE(engine.install(make("m", std::make_shared<ScriptedModel>(1, 0.9))));
  EXPECT_EQ(engine.remove("nope").error().code().code, kModelNotFound.code);
  ASSERT_TRUE(engine.remove("m"));
  EXPECT_EQ(engine.decide(std::vector<double>{1.0}, 0).modelCount, 0);
}

TEST_F(DecisionEngineTest, HistoryListsNewestFirst) {
  DecisionEngine engine({"a"}, testConfig(), clock_, metrics_);
  ASSERT_TRUE(engine.install(make("m", std::make_shared<ScriptedModel>(1, 0.9))));
  for (int i = 0; i < 5; ++i) engine.decide(std::vector<double>{double(i)}, i);
  auto h = engine.history(3);
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h[0].ts, 4);
  EXPECT_EQ(h[2].ts, 2);
  EXPECT_NE(h[0].inputsHash, h[1].inputsHash);
}

TEST(DecisionEngineSwap, HotSwapUnderLoadMissesNoDecision) {
  metrics::Registry metrics;
  auto config = testConfig();
  config.budgetNs = 10'000'000'000;  // timing plays no part here
  DecisionEngine engine({"a"}, config, SystemClock::instance(), metrics);
  ASSERT_TRUE(engine.install(make("m", std::make_shared<ScriptedModel>(1, 0.9))));
  std::atomic<bool> done{false};
  std::atomic<int> swaps{0};
  std::thread swapper([&] {
    for (int i = 0; !done.load(); ++i) {
      double value = i % 2 ? 0.9 : 0.1;
      auto loaded = make("m", std::make_shared<ScriptedModel>(1, value));
      loaded.info.version = std::to_string(i);
      ASSERT_TRUE(engine.install(std::move(loaded)));
      swaps.fetch_add(1);
    }
  });
  constexpr int kDecisions = 20000;
  int fresh = 0, high = 0, low = 0;
  std::vector<double> x{1.0};
  for (int i = 0; i < kDecisions || swaps.load() < 50; ++i) {
    const auto& d = engine.decide(x, i);
    ASSERT_EQ(d.modelCount, 1);
    ASSERT_EQ(d.models[0].status, ModelStatus::Fresh);
    fresh += d.models[0].used;
    (d.models[0].value > 0.5 ? high : low)++;
  }
  done = true;
  swapper.join();
  EXPECT_EQ(static_cast<std::uint64_t>(fresh), engine.decisions());
  EXPECT_GE(swaps.load(), 50);
  EXPECT_GT(high, 0);
  EXPECT_GT(low, 0);
}

}  // namespace
}  // namespace ait::ai
