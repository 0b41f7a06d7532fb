#include "ait/ai/xgboost_model.h"

#include <cmath>
#include <deque>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ait/ai/errors.h"

namespace ait::ai {

namespace {

Unexpected bad(std::string detail) { return fail(kBadModelFile, "xgboost model: " + std::move(detail)); }

// xgboost writes its parameters as strings ("5E-1").
Expected<double> numberParam(const nlohmann::json& parent, const char* key) {
  if (!parent.contains(key)) return bad(fmt::format("missing '{}'", key));
  const auto& v = parent.at(key);
  if (v.is_number()) return v.get<double>();
  if (!v.is_string()) return bad(fmt::format("'{}' is neither a number nor a string", key));
  try {
    std::size_t used = 0;
    double d = std::stod(v.get<std::string>(), &used);
    if (used != v.get<std::string>().size()) throw std::invalid_argument("trailing text");
    return d;
  } catch (const std::exception&) {
    return bad(fmt::format("'{}' = '{}' is not a number", key, v.get<std::string>()));
  }
}

}  // namespace

Expected<XgboostModel> XgboostModel::fromJson(std::string_view text) {
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded()) return bad("not valid JSON");
  try {
    if (!doc.contains("learner")) return bad("no 'learner' object (not a save_model JSON file?)");
    const auto& learner = doc.at("learner");
    const auto& booster = learner.at("gradient_booster");
    auto boosterName = booster.value("name", std::string());
    if (boosterName != "gbtree") {
      return bad(fmt::format("booster '{}' is not supported (only gbtree)", boosterName));
    }
    const auto& params = learner.at("learner_model_param");
    auto numClass = numberParam(params, "num_class");
    if (!numClass) return Unexpected(numClass.error());
    if (*numClass > 1) return bad(fmt::format("{} classes: multi-class models are not supported", *numClass));
    auto numFeature = numberParam(params, "num_feature");
    if (!numFeature) return Unexpected(numFeature.error());
    auto baseScore = numberParam(params, "base_score");
    if (!baseScore) return Unexpected(baseScore.error());

    XgboostModel model;
    model.objective_ = learner.at("objective").at("name").get<std::string>();
    const auto& o = model.objective_;
    if (o == "binary:logistic" || o == "reg:logistic") {
      model.logistic_ = true;
      float p = static_cast<float>(*baseScore);
      if (!(p > 0.0f && p < 1.0f)) return bad(fmt::format("base_score {} is not a probability", p));
      model.baseMargin_ = -std::log(1.0f / p - 1.0f);
    } else if (o == "reg:squarederror" || o == "reg:linear" || o == "reg:absoluteerror" ||
               o == "reg:pseudohubererror" || o == "binary:logitraw") {
      model.baseMargin_ = static_cast<float>(*baseScore);
    } else {
      return bad(fmt::format("objective '{}' is not supported", o));
    }
    model.featureCount_ = static_cast<std::size_t>(*numFeature);
    if (learner.contains("feature_names")) {
      model.featureNames_ = learner.at("feature_names").get<std::vector<std::string>>();
    }

    const auto& trees = booster.at("model").at("trees");
    for (std::size_t t = 0; t < trees.size(); ++t) {
      const auto& tree = trees[t];
      auto left = tree.at("left_children").get<std::vector<std::int64_t>>();
      auto right = tree.at("right_children").get<std::vector<std::int64_t>>();
      auto cond = tree.at("split_conditions").get<std::vector<float>>();
      auto index = tree.at("split_indices").get<std::vector<std::int64_t>>();
      auto defaultLeft = tree.at("default_left").get<std::vector<int>>();
      std::vector<int> splitType(left.size(), 0);
      if (tree.contains("split_type")) splitType = tree.at("split_type").get<std::vector<int>>();
      const auto n = left.size();
      if (n == 0 || right.size() != n || cond.size() != n || index.size() != n ||
          defaultLeft.size() != n || splitType.size() != n) {
        return bad(fmt::format("tree {}: node arrays are empty or of different lengths", t));
      }
      // Lay the tree out breadth first so that each node's children are adjacent.
      const auto base = static_cast<std::uint32_t>(model.nodes_.size());
      model.roots_.push_back(base);
      model.nodes_.push_back({});
      std::deque<std::pair<std::int64_t, std::uint32_t>> queue{{0, base}};
      std::size_t visited = 0;
      while (!queue.empty()) {
        auto [src, dst] = queue.front();
        queue.pop_front();
        if (src < 0 || static_cast<std::size_t>(src) >= n || ++visited > n) {
          return bad(fmt::format("tree {}: child index {} out of range or cycle", t, src));
        }
        auto s = static_cast<std::size_t>(src);
        Node& node = model.nodes_[dst];
        node.value = cond[s];
        if (left[s] == -1) {
          node.feature = kLeaf;
          node.left = 0;
          continue;
        }
        if (splitType[s] != 0) return bad(fmt::format("tree {}: categorical splits are not supported", t));
        if (index[s] < 0 || static_cast<std::size_t>(index[s]) >= model.featureCount_) {
          return bad(fmt::format("tree {} node {}: feature {} out of range", t, s, index[s]));
        }
        node.feature = static_cast<std::uint32_t>(index[s]) | (defaultLeft[s] ? kDefaultLeft : 0u);
        auto children = static_cast<std::uint32_t>(model.nodes_.size());
        node.left = children;
        model.nodes_.push_back({});  // invalidates `node`
        model.nodes_.push_back({});
        queue.emplace_back(left[s], children);
        queue.emplace_back(right[s], children + 1);
      }
    }
    return model;
  } catch (const nlohmann::json::exception& e) {
    return bad(fmt::format("unexpected structure: {}", e.what()));
  }
}

float XgboostModel::margin(std::span<const double> features) const noexcept {
  float sum = baseMargin_;
  const Node* nodes = nodes_.data();
  for (std::uint32_t root : roots_) {
    std::uint32_t at = root;
    while (nodes[at].feature != kLeaf) {
      const Node& node = nodes[at];
      const std::uint32_t feature = node.feature & ~kDefaultLeft;
      const float x = feature < features.size() ? static_cast<float>(features[feature])
                                                : std::numeric_limits<float>::quiet_NaN();
      const bool goLeft = std::isnan(x) ? (node.feature & kDefaultLeft) != 0 : x < node.value;
      at = node.left + (goLeft ? 0u : 1u);
    }
    sum += nodes[at].value;
  }
  return sum;
}

float XgboostModel::evaluate(std::span<const double> features) const noexcept {
  float m = margin(features);
  return logistic_ ? 1.0f / (1.0f + std::exp(-m)) : m;
}

}  // namespace ait::ai
