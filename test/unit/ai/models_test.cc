// The flat XGBoost evaluator against libxgboost itself: models trained here through
// libxgboost's C API on real features (NaNs included), saved as JSON, then predicted by both on
// every row; plus the linear, logistic and rule models and the manifest checks.

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <xgboost/c_api.h>

#include "ait/ai/bars.h"
#include "ait/ai/errors.h"
#include "ait/ai/features.h"
#include "ait/ai/model.h"
#include "ait/ai/xgboost_model.h"

namespace ait::ai {
namespace {

namespace fs = std::filesystem;

// 32 columns, as in the decision benchmark.
constexpr const char* kSpec32 =
    "open,high,low,close,volume,sma:5,sma:10,sma:30,ema:5,ema:12,ema:26,wma:10,wma:30,rsi:7,"
    "rsi:14,macd:12:26:9,bbands:20:2,trange,atr:14,stoch:5:3:3,stochf:5:3,ret:1,ret:5,logret:1,"
    "vol:10,vol:20";

struct Table {
  std::vector<std::vector<double>> rows;
  std::vector<float> labels;
  std::size_t columns = 0;
};

Table featureTable(const std::string& file, const char* spec) {
  auto bars = readBars(std::string(AIT_SHARED_DATA_DIR) + "/market/" + file, BarFormat::Csv);
  EXPECT_TRUE(bars) << bars.error().describe();
  auto pipeline = FeaturePipeline::create(spec);
  EXPECT_TRUE(pipeline) << pipeline.error().describe();
  Table t;
  t.columns = pipeline->columns().size();
  for (const auto& bar : *bars) {
    pipeline->update(bar);
    t.rows.emplace_back(pipeline->values().begin(), pipeline->values().end());
  }
  for (std::size_t i = 0; i < bars->size(); ++i) {
    bool up = i + 1 < bars->size() && (*bars)[i + 1].close > (*bars)[i].close;
    t.labels.push_back(up ? 1.0f : 0.0f);
  }
  // Scattered missing values, so that both default directions are taken.
  std::mt19937 rng(11);
  for (int k = 0; k < 200; ++k) {
    t.rows[rng() % t.rows.size()][rng() % t.columns] = kNaN;
  }
  return t;
}

class ScopedDir {
 public:
  ScopedDir() : path_(fs::temp_directory_path() / ("ait-ai-" + std::to_string(::getpid()) + "-" +
                                                    std::to_string(counter_++))) {
    fs::create_directories(path_);
  }
  ~ScopedDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  fs::path path_;
};

#define XGB_OK(call) ASSERT_EQ((call), 0) << #call << ": " << XGBGetLastError()

// Trains with libxgboost, saves JSON, predicts every row with libxgboost (a fresh booster loaded
// from the file) and with our evaluator, and compares.
void trainAndCompare(const Table& t, const char* objective, int trees, int depth) {
  ScopedDir dir;
  std::vector<float> flat;
  for (const auto& row : t.rows) for (double v : row) flat.push_back(static_cast<float>(v));
  const auto nrow = static_cast<bst_ulong>(t.rows.size());
  DMatrixHandle data = nullptr;
  XGB_OK(XGDMatrixCreateFromMat(flat.data(), nrow, t.columns, NAN, &data));
  XGB_OK(XGDMatrixSetFloatInfo(data, "label", t.labels.data(), nrow));
  BoosterHandle trainer = nullptr;
  XGB_OK(XGBoosterCreate(&data, 1, &trainer));
  XGB_OK(XGBoosterSetParam(trainer, "objective", objective));
  XGB_OK(XGBoosterSetParam(trainer, "max_depth", std::to_string(depth).c_str()));
  XGB_OK(XGBoosterSetParam(trainer, "nthread", "1"));
  XGB_OK(XGBoosterSetParam(trainer, "eta", "0.1"));
  for (int i = 0; i < trees; ++i) XGB_OK(XGBoosterUpdateOneIter(trainer, i, data));
  const auto file = (dir.path() / "model.json").string();
  XGB_OK(XGBoosterSaveModel(trainer, file.c_str()));
  XGB_OK(XGBoosterFree(trainer));

  BoosterHandle reference = nullptr;
  XGB_OK(XGBoosterCreate(nullptr, 0, &reference));
  XGB_OK(XGBoosterLoadModel(reference, file.c_str()));
  bst_ulong length = 0;
  const float* expected = nullptr;
  XGB_OK(XGBoosterPredict(reference, data, 0, 0, 0, &length, &expected));
  ASSERT_EQ(length, nrow);

  std::ifstream in(file);
  std::string json((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto model = XgboostModel::fromJson(json);
  ASSERT_TRUE(model) << model.error().describe();
  EXPECT_EQ(model->treeCount(), static_cast<std::size_t>(trees));
  EXPECT_EQ(model->inputCount(), t.columns);
  double worst = 0;
  std::size_t distinct = 0;
  for (std::size_t i = 0; i < t.rows.size(); ++i) {
    auto got = model->predict(t.rows[i]);
    ASSERT_TRUE(got);
    worst = std::max(worst, std::abs(*got - expected[i]));
    EXPECT_NEAR(*got, expected[i], 1e-6) << objective << " row " << i;
    if (i > 0 && expected[i] != expected[i - 1]) ++distinct;
  }
  EXPECT_GT(distinct, t.rows.size() / 10) << "the model should not predict a constant";
  ::testing::Test::RecordProperty(std::string("max_abs_diff_") + objective, std::to_string(worst));
  XGBoosterFree(reference);
  XGDMatrixFree(data);
}

TEST(XgboostModel, MatchesLibxgboostOnEveryRowForLogistic) {
  trainAndCompare(featureTable("backtesting.py/GOOG.csv", kSpec32), "binary:logistic", 100, 6);
}

TEST(XgboostModel, MatchesLibxgboostOnEveryRowForRegression) {
  trainAndCompare(featureTable("backtesting.py/EURUSD.csv", kSpec32), "reg:squarederror", 40, 4);
}

TEST(XgboostModel, MatchesLibxgboostOnTaLibSeriesWithLogitraw) {
  trainAndCompare(featureTable("ta-lib/talib_regtest_daily_ref_252.csv", "close,rsi:14,macd:12:26:9"),
                  "binary:logitraw", 20, 3);
}

TEST(XgboostModel, RejectsMalformedAndUnsupportedFiles) {
  EXPECT_EQ(XgboostModel::fromJson("not json").error().code().code, kBadModelFile.code);
  EXPECT_NE(XgboostModel::fromJson("{}").error().message().find("learner"), std::string::npos);
  auto multi = XgboostModel::fromJson(R"({"learner":{"gradient_booster":{"name":"gbtree",
      "model":{"trees":[]}},"learner_model_param":{"num_class":"3","num_feature":"2",
      "base_score":"5E-1"},"objective":{"name":"multi:softprob"}}})");
  ASSERT_FALSE(multi);
  EXPECT_NE(multi.error().message().find("multi-class"), std::string::npos);
  auto outOfRange = XgboostModel::fromJson(R"({"learner":{"gradient_booster":{"name":"gbtree",
      "model":{"trees":[{"left_children":[1,-1,-1],"right_children":[2,-1,-1],
      "split_conditions":[0.5,1,2],"split_indices":[7,0,0],"default_left":[0,0,0]}]}},
      "learner_model_param":{"num_class":"0","num_feature":"2","base_score":"0"},
      "objective":{"name":"reg:squarederror"}}})");
  ASSERT_FALSE(outOfRange);
  EXPECT_NE(outOfRange.error().message().find("feature 7 out of range"), std::string::npos);
}

TEST(XgboostModel, WalksAHandWrittenTreeWithDefaultDirections) {
  // x0 < 0.5 ? (x1 < 2 ? 1 : 2) : 3; missing x0 goes right, missing x1 goes left.
  auto model = XgboostModel::fromJson(R"({"learner":{"gradient_booster":{"name":"gbtree",
      "model":{"trees":[{"left_children":[1,3,-1,-1,-1],"right_children":[2,4,-1,-1,-1],
      "split_conditions":[0.5,2,3,1,2],"split_indices":[0,1,0,0,0],"default_left":[0,1,0,0,0]}]}},
      "learner_model_param":{"num_class":"0","num_feature":"2","base_score":"1E1"},
      "objective":{"name":"reg:squarederror"}}})");
  ASSERT_TRUE(model) << model.error().describe();
  auto at = [&](double a, double b) { return *model->predict(std::vector<double>{a, b}); };
  EXPECT_DOUBLE_EQ(at(0.1, 1), 11);
  EXPECT_DOUBLE_EQ(at(0.1, 5), 12);
  EXPECT_DOUBLE_EQ(at(0.9, 1), 13);
  EXPECT_DOUBLE_EQ(at(0.5, 1), 13);  // not < 0.5
  EXPECT_DOUBLE_EQ(at(kNaN, 1), 13);
  EXPECT_DOUBLE_EQ(at(0.1, kNaN), 11);
}

void writeFile(const fs::path& path, const std::string& text) {
  std::ofstream(path) << text;
}

TEST(ModelKinds, LoadsLinearLogisticAndRuleModelsFromManifests) {
  ScopedDir dir;
  writeFile(dir.path() / "lin.json", R"({"intercept": 0.5, "coefficients": [2, -1]})");
  writeFile(dir.path() / "rules.json",
            R"({"rules": [{"feature": "rsi_14", "op": "<", "threshold": 30, "output": 1},
                          {"feature": "rsi_14", "op": ">=", "threshold": 70, "output": -1}],
                "default": 0})");
  auto kinds = ModelKinds::builtin();
  nlohmann::json m = {{"name", "lin"}, {"version", "3"}, {"kind", "linear"}, {"file", "lin.json"},
                      {"features", {"a", "b"}}, {"output", "expected_return"}};
  auto lin = loadModel(kinds, m, dir.path().string());
  ASSERT_TRUE(lin) << lin.error().describe();
  EXPECT_DOUBLE_EQ(*lin->model->predict(std::vector<double>{1, 3}), 0.5 + 2 - 3);
  EXPECT_EQ(lin->info.sha256, sha256Hex(R"({"intercept": 0.5, "coefficients": [2, -1]})"));
  EXPECT_EQ(lin->info.sha256.size(), 64u);

  m["kind"] = "logistic";
  auto logit = loadModel(kinds, m, dir.path().string());
  ASSERT_TRUE(logit);
  EXPECT_NEAR(*logit->model->predict(std::vector<double>{1, 3}), 1 / (1 + std::exp(0.5)), 1e-12);
  EXPECT_FALSE(logit->model->predict(std::vector<double>{kNaN, 3}));

  nlohmann::json r = {{"name", "rsi-rule"}, {"version", "1"}, {"kind", "rules"},
                      {"file", "rules.json"}, {"features", {"close", "rsi_14"}}, {"output", "score"}};
  auto rules = loadModel(kinds, r, dir.path().string());
  ASSERT_TRUE(rules) << rules.error().describe();
  EXPECT_EQ(*rules->model->predict(std::vector<double>{100, 25}), 1);
  EXPECT_EQ(*rules->model->predict(std::vector<double>{100, 75}), -1);
  EXPECT_EQ(*rules->model->predict(std::vector<double>{100, 50}), 0);
  EXPECT_EQ(*rules->model->predict(std::vector<double>{100, kNaN}), 0);
}

TEST(ModelKinds, NamesEveryManifestProblem) {
  auto kinds = ModelKinds::builtin();
  auto bad = loadModel(kinds, nlohmann::json{{"name", "x"}, {"kind", 3}, {"output", "maybe"},
                                             {"weight", -1}}, "");
  ASSERT_FALSE(bad);
  const auto& msg = bad.error().message();
  for (const char* part : {"'version' is missing", "'kind' must be", "'file' is missing",
                           "'features' must be", "output 'maybe'", "'weight' must be"}) {
    EXPECT_NE(msg.find(part), std::string::npos) << part << " in: " << msg;
  }
  ScopedDir dir;
  writeFile(dir.path() / "m.json", "{}");
  auto unknown = loadModel(kinds, nlohmann::json{{"name", "x"}, {"version", "1"}, {"kind", "svm"},
                                                 {"file", "m.json"}, {"features", {"a"}}},
                           dir.path().string());
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code().code, kUnknownModelKind.code);
  EXPECT_NE(unknown.error().message().find("xgboost"), std::string::npos);
  auto missing = loadModel(kinds, nlohmann::json{{"name", "x"}, {"version", "1"}, {"kind", "linear"},
                                                 {"file", "nope.json"}, {"features", {"a"}}},
                           dir.path().string());
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message().find("nope.json: cannot open"), std::string::npos);
  writeFile(dir.path() / "lin.json", R"({"coefficients": [1, 2, 3]})");
  auto count = loadModel(kinds, nlohmann::json{{"name", "x"}, {"version", "1"}, {"kind", "linear"},
                                               {"file", "lin.json"}, {"features", {"a"}}},
                         dir.path().string());
  ASSERT_FALSE(count);
  EXPECT_NE(count.error().message().find("3 coefficients for 1 features"), std::string::npos);
}

}  // namespace
}  // namespace ait::ai
