// `aitrading bench decision`: one decision as the engine thread makes it per bar: the feature
// pipeline's update (26 indicators, 32 columns) + an ensemble of three models (an XGBoost model
// of 100 trees of depth 6 on the 32 features, a logistic regression and a rule model) combined
// by weighted average. Bars are GOOG's daily bars from the shared data, replayed in a loop.
//
// The XGBoost model is written in xgboost's JSON format by this benchmark (complete trees with
// random splits at thresholds drawn from the real feature values) and loaded through the same
// parser and evaluator as a trained one: evaluation cost depends on the trees' shape, not on how
// they were trained. Also reported: the XGBoost evaluation alone and the pipeline alone.
//
// Parameters (--param key=value): samples, trees, depth, data (an OHLC CSV file).

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ait/ai/bars.h"
#include "ait/ai/decision.h"
#include "ait/ai/features.h"
#include "ait/ai/model.h"
#include "ait/ai/xgboost_model.h"
#include "ait/bench/harness.h"
#include "ait/core/clock.h"
#include "ait/metrics/metrics.h"

namespace ait::ai::bench {
namespace {

using ait::bench::LatencyRecorder;
using ait::bench::nowNs;
using ait::bench::Options;

constexpr const char* kSpec =
    "open,high,low,close,volume,sma:5,sma:10,sma:30,ema:5,ema:12,ema:26,wma:10,wma:30,rsi:7,"
    "rsi:14,macd:12:26:9,bbands:20:2,trange,atr:14,stoch:5:3:3,stochf:5:3,ret:1,ret:5,logret:1,"
    "vol:10,vol:20";

std::uint64_t param(const Options& options, const std::string& key, std::uint64_t fallback) {
  auto it = options.params.find(key);
  return it == options.params.end() ? fallback : std::stoull(it->second);
}

// Complete trees of `depth` in xgboost's JSON layout, splitting on random features at values
// seen in `rows`.
std::string randomForest(const std::vector<std::vector<double>>& rows, std::size_t features,
                         int trees, int depth) {
  std::mt19937 rng(42);
  nlohmann::json list = nlohmann::json::array();
  const int internal = (1 << depth) - 1;
  const int total = (1 << (depth + 1)) - 1;
  for (int t = 0; t < trees; ++t) {
    std::vector<int> left(total, -1), right(total, -1), index(total, 0), defaultLeft(total, 0);
    std::vector<float> cond(total, 0);
    for (int n = 0; n < total; ++n) {
      if (n < internal) {
        left[n] = 2 * n + 1;
        right[n] = 2 * n + 2;
        index[n] = static_cast<int>(rng() % features);
        double v = rows[rng() % rows.size()][index[n]];
        cond[n] = static_cast<float>(std::isnan(v) ? 0.0 : v);
        defaultLeft[n] = static_cast<int>(rng() % 2);
      } else {
        cond[n] = static_cast<float>(static_cast<int>(rng() % 2001) - 1000) * 1e-4f;
      }
    }
    list.push_back({{"left_children", left}, {"right_children", right}, {"split_indices", index},
                    {"split_conditions", cond}, {"default_left", defaultLeft}});
  }
  nlohmann::json doc = {
      {"learner",
       {{"gradient_booster", {{"name", "gbtree"}, {"model", {{"trees", list}}}}},
        {"learner_model_param",
         {{"num_class", "0"}, {"num_feature", std::to_string(features)}, {"base_score", "5E-1"}}},
        {"objective", {{"name", "binary:logistic"}}}}}};
  return doc.dump();
}

class FixedModel final : public Model {
 public:
  explicit FixedModel(std::shared_ptr<Model> inner) : inner_(std::move(inner)) {}
  Expected<double> predict(std::span<const double> x) override { return inner_->predict(x); }
  std::size_t inputCount() const noexcept override { return inner_->inputCount(); }

 private:
  std::shared_ptr<Model> inner_;
};

nlohmann::json run(const Options& options) {
  const auto samples = param(options, "samples", options.quick ? 20'000 : 300'000);
  const int trees = static_cast<int>(param(options, "trees", 100));
  const int depth = static_cast<int>(param(options, "depth", 6));
  auto dataParam = options.params.find("data");
  const std::string data = dataParam != options.params.end()
                               ? dataParam->second
                               : fmt::format("{}/market/backtesting.py/GOOG.csv", AIT_SHARED_DATA_DIR);
  auto bars = readBars(data, BarFormat::Csv);
  if (!bars) return {{"error", bars.error().describe()}};
  auto pipeline = FeaturePipeline::create(kSpec);
  if (!pipeline) return {{"error", pipeline.error().describe()}};
  const auto columns = pipeline->columns();

  std::vector<std::vector<double>> rows;
  {
    auto warm = *FeaturePipeline::create(kSpec);
    for (const auto& bar : *bars) {
      warm.update(bar);
      rows.emplace_back(warm.values().begin(), warm.values().end());
    }
  }
  auto xgb = XgboostModel::fromJson(randomForest(rows, columns.size(), trees, depth));
  if (!xgb) return {{"error", xgb.error().describe()}};
  auto xgbShared = std::make_shared<XgboostModel>(std::move(*xgb));

  metrics::Registry metrics;
  DecisionConfig config;
  config.budgetNs = 1'000'000;
  DecisionEngine engine(columns, config, SystemClock::instance(), metrics);
  auto info = [](std::string name, std::string kind, std::vector<std::string> features) {
    return ModelInfo{.name = std::move(name), .version = std::string(1, '1'),
                     .kind = std::move(kind), .features = std::move(features),
                     .output = OutputMeaning::ProbabilityUp, .scoreScale = 0.01, .weight = 1.0,
                     .file = {}, .sha256 = {}, .horizon = 1, .training = {}};
  };
  ModelKinds kinds = ModelKinds::builtin();
  std::vector<double> weights(columns.size(), 0.0);
  weights[static_cast<std::size_t>(pipeline->columnIndex("rsi_14"))] = -0.02;
  weights[static_cast<std::size_t>(pipeline->columnIndex("ret_5"))] = 3.0;
  auto logistic = kinds.create({info("logit", "logistic", columns),
                                nlohmann::json{{"intercept", 1.0}, {"coefficients", weights}}.dump()});
  auto rules = kinds.create({info("rsi-rules", "rules", {"rsi_14"}),
                             R"({"rules":[{"feature":"rsi_14","op":"<","threshold":30,"output":1},
                                {"feature":"rsi_14","op":">","threshold":70,"output":-1}]})"});
  if (!logistic || !rules) return {{"error", "cannot build the linear or rule model"}};
  auto rulesInfo = info("rsi-rules", "rules", {"rsi_14"});
  rulesInfo.output = OutputMeaning::Score;
  if (!engine.install({info("xgb", "xgboost", columns), std::make_shared<FixedModel>(xgbShared)}) ||
      !engine.install({info("logit", "logistic", columns), std::shared_ptr<Model>(std::move(*logistic))}) ||
      !engine.install({rulesInfo, std::shared_ptr<Model>(std::move(*rules))})) {
    return {{"error", "cannot install the models"}};
  }

  // Warm-up: one pass over the bars, deciding once every indicator is ready (as the service).
  for (const auto& bar : *bars) {
    pipeline->update(bar);
    if (pipeline->ready()) engine.decide(pipeline->values(), bar.ts, bar.close);
  }
  LatencyRecorder decision(samples), xgbOnly(samples), pipelineOnly(samples);
  std::uint64_t degraded = 0;
  double sink = 0;
  std::size_t at = 0;
  const auto start = nowNs();
  for (std::uint64_t i = 0; i < samples; ++i) {
    const Bar& bar = (*bars)[at];
    at = at + 1 == bars->size() ? 0 : at + 1;
    const auto t0 = nowNs();
    pipeline->update(bar);
    const auto& d = engine.decide(pipeline->values(), bar.ts, bar.close);
    const auto t1 = nowNs();
    decision.record(t1 - t0);
    degraded += d.degraded;
    sink += d.score;
  }
  const auto elapsed = nowNs() - start;
  for (std::uint64_t i = 0; i < samples; ++i) {
    const auto& row = rows[i % rows.size()];
    const auto t0 = nowNs();
    sink += xgbShared->evaluate(row);
    xgbOnly.record(nowNs() - t0);
  }
  auto replay = *FeaturePipeline::create(kSpec);
  for (std::uint64_t i = 0; i < samples; ++i) {
    const auto t0 = nowNs();
    replay.update((*bars)[i % bars->size()]);
    pipelineOnly.record(nowNs() - t0);
    sink += replay.values()[0];
  }
  nlohmann::json figures;
  figures["decision"] = decision.summary();
  figures["decision"]["decisions_per_s"] =
      static_cast<double>(samples) * 1e9 / static_cast<double>(elapsed);
  figures["decision"]["degraded"] = degraded;
  figures["xgboost_only"] = xgbOnly.summary();
  figures["pipeline_only"] = pipelineOnly.summary();
  figures["features"] = columns.size();
  figures["trees"] = trees;
  figures["depth"] = depth;
  figures["nodes"] = xgbShared->nodeCount();
  figures["models"] = 3;
  figures["checksum"] = std::isfinite(sink) ? 1 : 0;
  return figures;
}

}  // namespace
}  // namespace ait::ai::bench

AIT_BENCHMARK("decision",
              "feature update (32 columns) + XGBoost 100 trees depth 6 + ensemble of 3 models",
              ait::ai::bench::run);
