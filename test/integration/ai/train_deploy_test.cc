// Train in Python, deploy in C++: features from `aitrading features`, a model from
// examples/ai/train_xgboost.py, predictions from our evaluator equal to Python's (and to
// libxgboost's) to 1e-6 on every row, then the model serves decisions through its manifest.

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <xgboost/c_api.h>

#include "ait/ai/decision.h"
#include "ait/ai/features.h"
#include "ait/ai/model.h"
#include "ait/metrics/metrics.h"
#include "support/require_server.h"

namespace ait::ai {
namespace {

namespace fs = std::filesystem;

const std::string kBinary = std::string(AIT_BINARY_DIR) + "/src/app/aitrading";
constexpr const char* kPython = "/usr/bin/python3";
constexpr const char* kSpec =
    "close,sma:10,ema:20,wma:15,rsi:14,macd:12:26:9,bbands:20:2,atr:14,stoch:5:3:3,ret:1,"
    "logret:5,vol:20";

int run(const std::string& command) { return std::system(command.c_str()); }

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream in(line);
  std::string cell;
  while (std::getline(in, cell, ',')) out.push_back(cell);
  if (!line.empty() && line.back() == ',') out.emplace_back();
  return out;
}

struct Csv {
  std::vector<std::string> header;
  std::vector<std::vector<double>> rows;  // without the first (time) column
};

Csv readFeatures(const fs::path& path) {
  Csv csv;
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  csv.header = split(line);
  while (std::getline(in, line)) {
    auto cells = split(line);
    std::vector<double> row;
    for (std::size_t i = 1; i < cells.size(); ++i) {
      row.push_back(cells[i].empty() ? kNaN : std::stod(cells[i]));
    }
    csv.rows.push_back(std::move(row));
  }
  return csv;
}

class TrainDeploy : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ait-ai-e2e-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(TrainDeploy, CppPredictionsEqualPythonsOnEveryRow) {
  if (!fs::exists(kPython)) AIT_SKIP_UNLESS_SERVERS_REQUIRED() << kPython << " is missing";
  const auto features = dir_ / "features.csv";
  const auto data = std::string(AIT_SHARED_DATA_DIR) + "/market/backtesting.py/GOOG.csv";
  ASSERT_EQ(run(kBinary + " features --data " + data + " --format csv --timeframe raw --features \"" +
                kSpec + "\" > " + features.string()), 0);
  ASSERT_EQ(run(std::string(kPython) + " " + AIT_SOURCE_DIR +
                "/examples/ai/train_xgboost.py --features " + features.string() + " --out " +
                (dir_ / "model").string() + " --trees 60 --depth 5 > /dev/null"), 0);

  auto csv = readFeatures(features);
  ASSERT_EQ(csv.rows.size(), 2148u);
  auto pipeline = FeaturePipeline::create(kSpec);
  ASSERT_TRUE(pipeline);
  ASSERT_EQ(csv.header.size(), pipeline->columns().size() + 1);

  auto loaded = loadModel(ModelKinds::builtin(), (dir_ / "model" / "manifest.json").string());
  ASSERT_TRUE(loaded) << loaded.error().describe();
  EXPECT_EQ(loaded->info.features, pipeline->columns());
  EXPECT_EQ(loaded->info.kind, "xgboost");
  // The script records the training distribution of every input for drift monitoring; the
  // close's mean and deciles must be those of the training rows (every row but the last).
  ASSERT_EQ(loaded->info.training.size(), pipeline->columns().size());
  EXPECT_EQ(loaded->info.horizon, 1);
  {
    // Entries are matched to inputs by name (a JSON object has no order).
    auto found = std::ranges::find(loaded->info.training, std::string("close"), &FeatureDistribution::feature);
    ASSERT_NE(found, loaded->info.training.end());
    const auto& close = *found;
    double sum = 0;
    std::vector<double> closes;
    for (std::size_t i = 0; i + 1 < csv.rows.size(); ++i) {
      closes.push_back(static_cast<float>(csv.rows[i][0]));  // as the script reads it: float32
      sum += closes.back();
    }
    EXPECT_NEAR(close.mean, sum / static_cast<double>(closes.size()), 1e-3);
    ASSERT_EQ(close.quantiles.size(), 9u);
    std::ranges::sort(closes);
    EXPECT_GE(close.quantiles[4], closes[closes.size() / 2 - 1]);
    EXPECT_LE(close.quantiles[4], closes[closes.size() / 2]);
  }

  std::vector<double> python;
  {
    std::ifstream in(dir_ / "model" / "predictions.csv");
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) python.push_back(std::stod(split(line)[1]));
  }
  ASSERT_EQ(python.size(), csv.rows.size());

  BoosterHandle booster = nullptr;
  ASSERT_EQ(XGBoosterCreate(nullptr, 0, &booster), 0);
  ASSERT_EQ(XGBoosterLoadModel(booster, (dir_ / "model" / "model.json").c_str()), 0);
  std::vector<float> flat;
  for (const auto& row : csv.rows) for (double v : row) flat.push_back(static_cast<float>(v));
  DMatrixHandle matrix = nullptr;
  ASSERT_EQ(XGDMatrixCreateFromMat(flat.data(), csv.rows.size(), csv.rows[0].size(), NAN, &matrix), 0);
  bst_ulong length = 0;
  const float* reference = nullptr;
  ASSERT_EQ(XGBoosterPredict(booster, matrix, 0, 0, 0, &length, &reference), 0);
  ASSERT_EQ(length, csv.rows.size());

  int withNan = 0;
  for (std::size_t i = 0; i < csv.rows.size(); ++i) {
    auto got = loaded->model->predict(csv.rows[i]);
    ASSERT_TRUE(got);
    EXPECT_NEAR(*got, python[i], 1e-6) << "row " << i;
    EXPECT_NEAR(*got, reference[i], 1e-6) << "row " << i;
    withNan += std::isnan(csv.rows[i][5]);
  }
  EXPECT_GT(withNan, 0) << "rows before the indicators are ready exercise missing values";
  XGDMatrixFree(matrix);
  XGBoosterFree(booster);

  // The same model deployed behind the decision engine decides from a live pipeline.
  metrics::Registry metrics;
  DecisionEngine engine(pipeline->columns(), DecisionConfig{}, SystemClock::instance(), metrics);
  ASSERT_TRUE(engine.install(std::move(*loaded)));
  const auto& row = csv.rows.back();
  const auto& decision = engine.decide(row, 0);
  EXPECT_EQ(decision.modelCount, 1);
  EXPECT_NEAR(decision.models[0].value, python.back(), 1e-6);
}

}  // namespace
}  // namespace ait::ai
