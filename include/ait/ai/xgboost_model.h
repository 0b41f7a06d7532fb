#pragma once
// XGBoost tree ensembles loaded from the JSON that xgboost's save_model("m.json") writes,
// evaluated by a flat, cache-friendly walker of our own: all trees' nodes in one array, each
// node 12 bytes, the two children of a node side by side. Inputs are compared as float, as
// xgboost does; NaN takes the node's default direction. libxgboost stays the reference in tests.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ait/ai/model.h"
#include "ait/core/error.h"

namespace ait::ai {

class XgboostModel final : public Model {
 public:
  /// Parses xgboost's JSON model (gbtree booster; objectives reg:squarederror, reg:linear,
  /// reg:absoluteerror, reg:pseudohubererror, binary:logistic, reg:logistic, binary:logitraw).
  static Expected<XgboostModel> fromJson(std::string_view json);

  Expected<double> predict(std::span<const double> features) override {
    return static_cast<double>(evaluate(features));
  }
  std::size_t inputCount() const noexcept override { return featureCount_; }

  /// Returns the transformed prediction (probability for logistic objectives).
  float evaluate(std::span<const double> features) const noexcept;
  /// Returns the raw sum of the trees plus the base margin.
  float margin(std::span<const double> features) const noexcept;

  std::size_t treeCount() const noexcept { return roots_.size(); }
  std::size_t nodeCount() const noexcept { return nodes_.size(); }
  const std::string& objective() const noexcept { return objective_; }
  /// The feature names stored in the model file, if any.
  const std::vector<std::string>& featureNames() const noexcept { return featureNames_; }

 private:
  struct Node {
    float value;            // split threshold, or leaf value
    std::uint32_t feature;  // kLeaf for a leaf; the top bit: missing values go left
    std::uint32_t left;     // index of the left child; the right one follows it
  };
  static constexpr std::uint32_t kLeaf = 0x7fffffffu;
  static constexpr std::uint32_t kDefaultLeft = 0x80000000u;

  std::vector<Node> nodes_;
  std::vector<std::uint32_t> roots_;
  std::size_t featureCount_ = 0;
  float baseMargin_ = 0;
  bool logistic_ = false;
  std::string objective_;
  std::vector<std::string> featureNames_;
};

}  // namespace ait::ai
