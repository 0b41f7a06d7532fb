// Model monitoring: hit rate and calibration against the market over the model's horizon,
// the latency histogram, failures, and drift of live inputs from the training distribution
// stored in the manifest.

#include <cmath>
#include <limits>
#include <random>

#include <gtest/gtest.h>

#include "ait/ai/decision.h"
#include "ait/ai/monitor.h"

namespace ait::ai {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

ModelInfo infoWithTraining(int horizon) {
  ModelInfo info;
  info.name = "m";
  info.features = {"a", "b"};
  info.horizon = horizon;
  // Deciles of the standard normal: ten equally likely bins.
  info.training.push_back({"a", 0.0, 1.0,
                           {-1.2816, -0.8416, -0.5244, -0.2533, 0.0, 0.2533, 0.5244, 0.8416,
                            1.2816}});
  return info;
}

TEST(ModelMonitor, HitRateAndBrierScoreOverTheHorizon) {
  metrics::Registry metrics;
  MonitorConfig config;
  ModelMonitor monitor(infoWithTraining(2), config, metrics);
  std::vector<double> x{0.0, 0.0};
  // (score, p_up, price); each answer is judged against the price two decisions later.
  struct Step {
    double score, pUp, price;
  };
  const Step steps[] = {
      {0.6, 0.8, 100},    // judged at 102 (up): call up, hit; brier (0.8-1)^2
      {-0.6, 0.2, 101},   // judged at 100 (down): call down, hit; (0.2-0)^2
      {0.1, 0.55, 102},   // judged at 103 (up): no call (|0.1| < 0.2); (0.55-1)^2
      {0.4, 0.7, 100},    // judged at 100: flat, not evaluated
      {kNaN, kNaN, 103},  // no answer: nothing to judge at 99
      {0.0, 0.5, 100},    // still pending
      {0.0, 0.5, 99},     // still pending
  };
  for (const auto& s : steps) monitor.onDecision(x, s.score, s.pUp, s.price, 1000, false);
  auto snap = monitor.snapshot();
  EXPECT_EQ(snap.predictions, 6u);
  EXPECT_EQ(snap.evaluated, 3u);
  EXPECT_EQ(snap.calls, 2u);
  EXPECT_EQ(snap.hits, 2u);
  EXPECT_DOUBLE_EQ(snap.hitRate, 1.0);
  EXPECT_NEAR(snap.brier, (0.04 + 0.04 + 0.2025) / 3, 1e-12);
  EXPECT_EQ(snap.reliability[8].count, 1u);  // p 0.8
  EXPECT_DOUBLE_EQ(snap.reliability[8].observedUp, 1.0);
  EXPECT_EQ(snap.reliability[2].count, 1u);  // p 0.2
  EXPECT_DOUBLE_EQ(snap.reliability[2].observedUp, 0.0);
  EXPECT_EQ(snap.reliability[5].count, 1u);  // p 0.55
  // 1000 ns: 3 units of 256 ns, in the bucket below 1024 ns.
  EXPECT_EQ(snap.latency[2], 7u);

  monitor.onDecision(x, kNaN, kNaN, 100, 100, true);  // a failed call, 100 ns
  snap = monitor.snapshot();
  EXPECT_EQ(snap.failures, 1u);
  EXPECT_EQ(snap.latency[0], 1u);
  EXPECT_EQ(snap.evaluated, 3u) << "the answer at 100 met a flat market at 100";
}

TEST(ModelMonitor, AlertsWhenLiveInputsDriftFromTraining) {
  metrics::Registry metrics;
  MonitorConfig config;
  config.driftWindow = 400;
  ModelMonitor monitor(infoWithTraining(1), config, metrics);
  std::mt19937 rng(7);
  std::normal_distribution<double> same(0.0, 1.0), shifted(1.5, 1.0);
  std::vector<double> x{0.0, 0.0};
  for (int i = 0; i < 2000; ++i) {
    x[0] = same(rng);
    monitor.onDecision(x, 0.0, 0.5, kNaN, -1, false);
  }
  auto snap = monitor.snapshot();
  ASSERT_EQ(snap.drift.size(), 1u);
  EXPECT_EQ(snap.drift[0].feature, "a");
  EXPECT_LT(snap.drift[0].psi, 0.1) << "the training distribution itself";
  EXPECT_LT(snap.drift[0].meanShift, 0.2);
  EXPECT_FALSE(snap.drift[0].drifting);
  EXPECT_EQ(snap.driftAlerts, 0u);

  for (int i = 0; i < 400; ++i) {
    x[0] = shifted(rng);
    monitor.onDecision(x, 0.0, 0.5, kNaN, -1, false);
  }
  snap = monitor.snapshot();
  EXPECT_GT(snap.drift[0].psi, 0.5);
  EXPECT_NEAR(snap.drift[0].meanShift, 1.5, 0.2);
  EXPECT_TRUE(snap.drift[0].drifting);
  EXPECT_EQ(snap.driftAlerts, 1u) << "one alert per start of drift, not per value";
  EXPECT_EQ(monitor.takeNewAlerts(), 1u);
  EXPECT_EQ(monitor.takeNewAlerts(), 0u);
  EXPECT_EQ(metrics.counter("ait_ai_model_drift_alerts_total", "", {{"model", "m"}}).value(), 1u);

  // Back to the training distribution: the drift ends.
  for (int i = 0; i < 400; ++i) {
    x[0] = same(rng);
    monitor.onDecision(x, 0.0, 0.5, kNaN, -1, false);
  }
  EXPECT_FALSE(monitor.snapshot().drift[0].drifting);
}

// Through the engine: each model's fresh answer is judged against the prices decide() is given.
class Fixed final : public Model {
 public:
  explicit Fixed(double v) : v_(v) {}
  Expected<double> predict(std::span<const double>) override { return v_; }
  std::size_t inputCount() const noexcept override { return 1; }

 private:
  double v_;
};

TEST(ModelMonitor, TheEngineJudgesEachModelAgainstThePrice) {
  FakeClock clock;
  metrics::Registry metrics;
  DecisionConfig config;
  DecisionEngine engine({"a"}, config, clock, metrics);
  ModelInfo up;
  up.name = "bull";
  up.features = {"a"};
  ModelInfo down = up;
  down.name = "bear";
  ASSERT_TRUE(engine.install({up, std::make_shared<Fixed>(0.9)}));
  ASSERT_TRUE(engine.install({down, std::make_shared<Fixed>(0.1)}));
  const double prices[] = {100, 101, 102, 101, 103};  // up, up, down, up
  for (double p : prices) engine.decide(std::vector<double>{1.0}, 0, p);
  auto stats = engine.stats();
  ASSERT_EQ(stats.size(), 2u);
  EXPECT_EQ(stats[0].monitor.calls, 4u);
  EXPECT_EQ(stats[0].monitor.hits, 3u);
  EXPECT_EQ(stats[1].monitor.hits, 1u);
  EXPECT_NEAR(stats[0].monitor.brier, (3 * 0.01 + 0.81) / 4, 1e-12);
}

}  // namespace
}  // namespace ait::ai
