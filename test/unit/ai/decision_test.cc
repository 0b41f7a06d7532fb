// The decision engine: ensembles, the latency budget with a deliberately slow model (driven by a
// fake clock, so no test depends on real timing), a failing model, circuit breakers, cached
// predictions and their age, and a hot swap under load with no missed decision.

#include <atomic>
#include <cmath>
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

TEST_F(DecisionEngineTest, StackingRunsItsLogisticMetaModelOverTheScores) {
  auto meta = StackingModel::parse(nlohmann::json::parse(
      R"({"kind": "logistic", "intercept": 0.1, "coefficients": {"xgb": 2.0, "rules": -1.0}})"));
  ASSERT_TRUE(meta) << meta.error().describe();
  auto config = testConfig();
  config.method = EnsembleMethod::Stacking;
  config.stacking = *meta;
  DecisionEngine engine({"a"}, config, clock_, metrics_);
  auto xgb = std::make_shared<ScriptedModel>(1, 0.8);  // score 0.6
  ASSERT_TRUE(engine.install(make("xgb", xgb)));
  ASSERT_TRUE(engine.install(make("rules", std::make_shared<ScriptedModel>(1, -0.5), {"a"}, 1.0,
                                  OutputMeaning::Score)));
  ASSERT_TRUE(engine.install(make("unknown", std::make_shared<ScriptedModel>(1, 1.0))));
  const auto& d = engine.decide(std::vector<double>{1.0}, 0);
  const double z = 0.1 + 2.0 * 0.6 + -1.0 * -0.5;  // the unknown model's coefficient is 0
  const double p = 1.0 / (1.0 + std::exp(-z));
  EXPECT_NEAR(d.score, 2 * p - 1, 1e-12);
  EXPECT_EQ(d.signal, Signal::StrongBuy);  // 2p - 1 = 0.69
  EXPECT_NEAR(d.confidence, d.score, 1e-12) << "every model with a coefficient answered";
  EXPECT_DOUBLE_EQ(d.models[0].weight, 2.0);
  EXPECT_DOUBLE_EQ(d.models[2].weight, 0.0);

  // Without xgb (failing, no cache young enough) it enters as 0 and coverage drops to 1/3.
  xgb->failing = true;
  clock_.advance(100ms);
  const auto& without = engine.decide(std::vector<double>{1.0}, 1);
  const double z2 = 0.1 + 0.5;
  const double s2 = 2.0 / (1.0 + std::exp(-z2)) - 1;
  EXPECT_NEAR(without.score, s2, 1e-12);
  EXPECT_EQ(without.signal, Signal::Buy);
  EXPECT_NEAR(without.confidence, s2 / 3.0, 1e-12);
  EXPECT_TRUE(without.degraded);
}

TEST(StackingModelTest, NamesEveryProblem) {
  auto bad = StackingModel::parse(nlohmann::json::parse(
      R"({"kind": "tree", "intercept": "x", "coefficients": {"a": "b"}})"));
  ASSERT_FALSE(bad);
  const auto& m = bad.error().message();
  EXPECT_NE(m.find("'kind'"), std::string::npos) << m;
  EXPECT_NE(m.find("'intercept'"), std::string::npos) << m;
  EXPECT_NE(m.find("coefficient of 'a'"), std::string::npos) << m;
  EXPECT_FALSE(StackingModel::parse(nlohmann::json::parse(R"({"kind": "logistic"})")));
  auto missing = StackingModel::load("/nonexistent/meta.json");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message().find("/nonexistent/meta.json"), std::string::npos);
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

// Swaps model versions while another thread decides. Each version v answers v; the swapper
// installs the next version only once a decision that started after the previous install
// returned has ended, so every version is seen, with no assumption about thread scheduling (the
// old test counted on decisions interleaving with swaps by chance, which a loaded machine does
// not guarantee). Checked: every decision got a fresh answer from a whole model, versions are
// never seen out of order, and every version was used.
TEST(DecisionEngineSwap, HotSwapUnderLoadMissesNoDecision) {
  metrics::Registry metrics;
  auto config = testConfig();
  config.budgetNs = 10'000'000'000;  // timing plays no part here
  DecisionEngine engine({"a"}, config, SystemClock::instance(), metrics);
  ASSERT_TRUE(engine.install(make("m", std::make_shared<ScriptedModel>(1, 0.0))));
  constexpr int kVersions = 200;
  std::atomic<bool> done{false};
  std::atomic<bool> installFailed{false};
  std::thread swapper([&] {
    for (int v = 1; v <= kVersions; ++v) {
      auto loaded = make("m", std::make_shared<ScriptedModel>(1, static_cast<double>(v)));
      loaded.info.version = std::to_string(v);
      if (!engine.install(std::move(loaded))) installFailed = true;
      // A decision that ends after the second next count started after this install returned.
      const std::uint64_t seen = engine.decisions();
      while (engine.decisions() < seen + 2) std::this_thread::yield();
    }
    done = true;
  });
  std::vector<double> x{1.0};
  std::vector<int> uses(kVersions + 1, 0);
  double last = 0;
  std::uint64_t fresh = 0, outOfOrder = 0;
  while (!done.load()) {
    const auto& d = engine.decide(x, 0);
    ASSERT_EQ(d.modelCount, 1);
    ASSERT_EQ(d.models[0].status, ModelStatus::Fresh);
    fresh += d.models[0].used;
    const double v = d.models[0].value;
    ASSERT_GE(v, 0);
    ASSERT_LE(v, kVersions);
    outOfOrder += v < last;
    last = v;
    uses[static_cast<std::size_t>(v)]++;
  }
  swapper.join();
  EXPECT_FALSE(installFailed.load());
  EXPECT_EQ(fresh, engine.decisions());
  EXPECT_EQ(outOfOrder, 0u);
  for (int v = 1; v <= kVersions; ++v) EXPECT_GT(uses[v], 0) << "version " << v << " never used";
}

// The lock-free model breaker through every state on a fake clock.
TEST(ModelBreakerTest, OpensHalfOpensAndClosesOnAFakeClock) {
  FakeClock clock;
  metrics::Registry metrics;
  resilience::CircuitBreakerConfig c;
  c.window_size = 4;
  c.minimum_calls = 2;
  c.failure_rate_threshold_pct = 50;
  c.slow_call_duration_ms = 5;
  c.open_duration_ms = 1000;
  c.half_open_calls = 2;
  ModelBreaker breaker("model-x", c, clock, metrics);
  using resilience::CircuitState;

  ASSERT_TRUE(breaker.tryAcquire());
  breaker.onSuccess(1ms);
  ASSERT_TRUE(breaker.tryAcquire());
  breaker.onSuccess(1ms);
  ASSERT_TRUE(breaker.tryAcquire());
  breaker.onFailure(1ms);  // 1 of 3: under 50%
  EXPECT_EQ(breaker.state(), CircuitState::Closed);
  ASSERT_TRUE(breaker.tryAcquire());
  breaker.onFailure(1ms);  // 2 of 4: opens
  EXPECT_EQ(breaker.state(), CircuitState::Open);
  EXPECT_FALSE(breaker.tryAcquire());
  clock.advance(999ms);
  EXPECT_FALSE(breaker.tryAcquire()) << "still within open_duration";

  // Half-open: exactly half_open_calls trials; one failing of two reopens.
  clock.advance(1ms);
  ASSERT_TRUE(breaker.tryAcquire());
  EXPECT_EQ(breaker.state(), CircuitState::HalfOpen);
  ASSERT_TRUE(breaker.tryAcquire());
  EXPECT_FALSE(breaker.tryAcquire()) << "only two trials";
  breaker.onSuccess(1ms);
  breaker.onFailure(1ms);
  EXPECT_EQ(breaker.state(), CircuitState::Open);

  // Trials that succeed close it, with an empty window.
  clock.advance(1000ms);
  ASSERT_TRUE(breaker.tryAcquire());
  ASSERT_TRUE(breaker.tryAcquire());
  breaker.onSuccess(1ms);
  breaker.onSuccess(1ms);
  EXPECT_EQ(breaker.state(), CircuitState::Closed);
  ASSERT_TRUE(breaker.tryAcquire());
  breaker.onFailure(1ms);
  EXPECT_EQ(breaker.state(), CircuitState::Closed) << "one call is under minimum_calls";

  // The second call reaches minimum_calls: 1 failure of 2 is 50%, which opens it.
  ASSERT_TRUE(breaker.tryAcquire());
  breaker.onSuccess(6ms);
  EXPECT_EQ(breaker.state(), CircuitState::Open);

  // A reset asked from another thread is applied by the owner's next call.
  std::thread([&] { breaker.requestReset(); }).join();
  EXPECT_EQ(breaker.state(), CircuitState::Open);
  EXPECT_TRUE(breaker.tryAcquire());
  EXPECT_EQ(breaker.state(), CircuitState::Closed);
  EXPECT_EQ(metrics.counter("ait_circuit_breaker_transitions_total", "",
                            {{"name", "model-x"}, {"to", "open"}}).value(), 3u);
}

}  // namespace
}  // namespace ait::ai
