#include "ait/ai/model.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <openssl/evp.h>

#include "ait/ai/errors.h"
#include "ait/ai/xgboost_model.h"

namespace ait::ai {

namespace {

/// y = intercept + w . x, or its logistic transform.
class LinearModel final : public Model {
 public:
  LinearModel(double intercept, std::vector<double> weights, bool logistic)
      : intercept_(intercept), weights_(std::move(weights)), logistic_(logistic) {}
  Expected<double> predict(std::span<const double> x) override {
    double y = intercept_;
    for (std::size_t i = 0; i < weights_.size(); ++i) y += weights_[i] * x[i];
    if (std::isnan(y)) return fail(kPredictFailed, "linear model: an input is NaN");
    return logistic_ ? 1.0 / (1.0 + std::exp(-y)) : y;
  }
  std::size_t inputCount() const noexcept override { return weights_.size(); }

 private:
  double intercept_;
  std::vector<double> weights_;
  bool logistic_;
};

/// Thresholds on features: the first rule that holds gives the output, else the default.
class RuleModel final : public Model {
 public:
  enum class Op : std::uint8_t { Less, LessEqual, Greater, GreaterEqual };
  struct Rule {
    std::size_t feature;
    Op op;
    double threshold;
    double output;
  };
  RuleModel(std::vector<Rule> rules, double fallback, std::size_t inputs)
      : rules_(std::move(rules)), fallback_(fallback), inputs_(inputs) {}
  Expected<double> predict(std::span<const double> x) override {
    for (const auto& r : rules_) {
      double v = x[r.feature];
      bool holds = r.op == Op::Less        ? v < r.threshold
                   : r.op == Op::LessEqual ? v <= r.threshold
                   : r.op == Op::Greater   ? v > r.threshold
                                           : v >= r.threshold;
      if (holds) return r.output;  // NaN compares false: the rule does not hold
    }
    return fallback_;
  }
  std::size_t inputCount() const noexcept override { return inputs_; }

 private:
  std::vector<Rule> rules_;
  double fallback_;
  std::size_t inputs_;
};

Unexpected badModel(const ModelInfo& info, std::string detail) {
  return fail(kBadModelFile, fmt::format("model '{}' ({}, {}): {}", info.name, info.kind, info.file, detail));
}

Expected<std::unique_ptr<Model>> makeLinear(const ModelSource& source, bool logistic) {
  auto doc = nlohmann::json::parse(source.contents, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return badModel(source.info, "not a JSON object");
  if (!doc.contains("coefficients") || !doc["coefficients"].is_array()) {
    return badModel(source.info, "no 'coefficients' array");
  }
  std::vector<double> weights;
  for (const auto& w : doc["coefficients"]) {
    if (!w.is_number()) return badModel(source.info, "a coefficient is not a number");
    weights.push_back(w.get<double>());
  }
  if (weights.size() != source.info.features.size()) {
    return badModel(source.info, fmt::format("{} coefficients for {} features", weights.size(),
                                             source.info.features.size()));
  }
  const auto& intercept = doc.value("intercept", nlohmann::json(0.0));
  if (!intercept.is_number()) return badModel(source.info, "'intercept' is not a number");
  return std::make_unique<LinearModel>(intercept.get<double>(), std::move(weights), logistic);
}

Expected<std::unique_ptr<Model>> makeRules(const ModelSource& source) {
  auto doc = nlohmann::json::parse(source.contents, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("rules") || !doc["rules"].is_array()) {
    return badModel(source.info, "expected {\"rules\": [...], \"default\": number}");
  }
  std::vector<RuleModel::Rule> rules;
  const auto& features = source.info.features;
  for (std::size_t i = 0; i < doc["rules"].size(); ++i) {
    const auto& r = doc["rules"][i];
    auto name = r.value("feature", std::string());
    auto at = std::ranges::find(features, name);
    if (at == features.end()) {
      return badModel(source.info, fmt::format("rule {}: feature '{}' is not in the model's "
                                               "feature list", i, name));
    }
    auto op = r.value("op", std::string());
    RuleModel::Op parsed;
    if (op == "<") parsed = RuleModel::Op::Less;
    else if (op == "<=") parsed = RuleModel::Op::LessEqual;
    else if (op == ">") parsed = RuleModel::Op::Greater;
    else if (op == ">=") parsed = RuleModel::Op::GreaterEqual;
    else return badModel(source.info, fmt::format("rule {}: op '{}' is not <, <=, > or >=", i, op));
    if (!r.contains("threshold") || !r["threshold"].is_number() || !r.contains("output") ||
        !r["output"].is_number()) {
      return badModel(source.info, fmt::format("rule {}: 'threshold' and 'output' must be numbers", i));
    }
    rules.push_back({static_cast<std::size_t>(at - features.begin()), parsed,
                     r["threshold"].get<double>(), r["output"].get<double>()});
  }
  const auto& fallback = doc.value("default", nlohmann::json(0.0));
  if (!fallback.is_number()) return badModel(source.info, "'default' is not a number");
  return std::make_unique<RuleModel>(std::move(rules), fallback.get<double>(), features.size());
}

Expected<std::unique_ptr<Model>> makeXgboost(const ModelSource& source) {
  auto model = XgboostModel::fromJson(source.contents);
  if (!model) return badModel(source.info, model.error().message());
  if (model->inputCount() != source.info.features.size()) {
    return fail(kFeatureMismatch,
                fmt::format("model '{}': the xgboost file has {} features, the manifest lists {}",
                            source.info.name, model->inputCount(), source.info.features.size()));
  }
  if (!model->featureNames().empty() && model->featureNames() != source.info.features) {
    return fail(kFeatureMismatch,
                fmt::format("model '{}': the xgboost file's features [{}] differ from the "
                            "manifest's [{}]", source.info.name, fmt::join(model->featureNames(), ","),
                            fmt::join(source.info.features, ",")));
  }
  return std::make_unique<XgboostModel>(std::move(*model));
}

Expected<std::string> readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(kBadModelFile, fmt::format("{}: cannot open", path));
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

std::string_view toString(OutputMeaning meaning) noexcept {
  switch (meaning) {
    case OutputMeaning::ProbabilityUp: return "probability_up";
    case OutputMeaning::ExpectedReturn: return "expected_return";
    case OutputMeaning::Score: return "score";
  }
  return "score";
}

Expected<OutputMeaning> parseOutputMeaning(std::string_view text) {
  for (auto m : {OutputMeaning::ProbabilityUp, OutputMeaning::ExpectedReturn, OutputMeaning::Score}) {
    if (toString(m) == text) return m;
  }
  return fail(kBadModelFile, fmt::format("output '{}' is not probability_up, expected_return or "
                                         "score", text));
}

ModelKinds ModelKinds::builtin() {
  ModelKinds kinds;
  kinds.add("xgboost", makeXgboost);
  kinds.add("linear", [](const ModelSource& s) { return makeLinear(s, false); });
  kinds.add("logistic", [](const ModelSource& s) { return makeLinear(s, true); });
  kinds.add("rules", makeRules);
  return kinds;
}

Expected<std::unique_ptr<Model>> ModelKinds::create(const ModelSource& source) const {
  auto it = factories_.find(source.info.kind);
  if (it == factories_.end()) {
    return fail(kUnknownModelKind, fmt::format("model '{}': kind '{}' is unknown (known: {})",
                                               source.info.name, source.info.kind,
                                               fmt::join(names(), ", ")));
  }
  return it->second(source);
}

std::vector<std::string> ModelKinds::names() const {
  std::vector<std::string> out;
  for (const auto& [name, f] : factories_) out.push_back(name);
  return out;
}

std::string sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

Expected<ModelInfo> parseManifest(const nlohmann::json& m, const std::string& baseDir) {
  std::vector<std::string> problems;
  ModelInfo info;
  if (!m.is_object()) return fail(kBadModelFile, "model manifest: not a JSON object");
  auto text = [&](const char* key, std::string& into, bool required) {
    if (!m.contains(key)) {
      if (required) problems.push_back(fmt::format("'{}' is missing", key));
      return;
    }
    if (!m[key].is_string() || m[key].get<std::string>().empty()) {
      problems.push_back(fmt::format("'{}' must be a non-empty string", key));
      return;
    }
    into = m[key].get<std::string>();
  };
  text("name", info.name, true);
  text("version", info.version, true);
  text("kind", info.kind, true);
  text("file", info.file, true);
  if (!m.contains("features") || !m["features"].is_array() || m["features"].empty()) {
    problems.push_back("'features' must be a non-empty array of feature names");
  } else {
    for (const auto& f : m["features"]) {
      if (!f.is_string()) problems.push_back("'features' holds a non-string");
      else info.features.push_back(f.get<std::string>());
    }
  }
  std::string output = "probability_up";
  text("output", output, false);
  if (auto meaning = parseOutputMeaning(output)) info.output = *meaning;
  else problems.push_back(meaning.error().message());
  for (auto [key, into] : {std::pair{"weight", &info.weight}, std::pair{"score_scale", &info.scoreScale}}) {
    if (!m.contains(key)) continue;
    if (!m[key].is_number() || !(m[key].get<double>() > 0)) {
      problems.push_back(fmt::format("'{}' must be a positive number", key));
    } else {
      *into = m[key].get<double>();
    }
  }
  if (m.contains("horizon")) {
    if (!m["horizon"].is_number_integer() || m["horizon"].get<std::int64_t>() < 1 ||
        m["horizon"].get<std::int64_t>() > 100000) {
      problems.push_back("'horizon' must be a whole number of bars from 1 to 100000");
    } else {
      info.horizon = m["horizon"].get<int>();
    }
  }
  // "training": {"features": {"rsi_14": {"mean": m, "std": s, "quantiles": [q10, ..., q90]}}}
  if (m.contains("training")) {
    const auto& t = m["training"];
    if (!t.is_object() || !t.contains("features") || !t["features"].is_object()) {
      problems.push_back("'training' must be an object with a 'features' object");
    } else {
      for (const auto& [name, d] : t["features"].items()) {
        FeatureDistribution dist;
        dist.feature = name;
        if (std::ranges::find(info.features, name) == info.features.end()) {
          problems.push_back(fmt::format("training feature '{}' is not one of 'features'", name));
          continue;
        }
        bool ok = d.is_object() && d.contains("mean") && d["mean"].is_number() &&
                  d.contains("std") && d["std"].is_number() && d["std"].get<double>() >= 0;
        if (ok) {
          dist.mean = d["mean"].get<double>();
          dist.stddev = d["std"].get<double>();
        }
        if (ok && d.contains("quantiles")) {
          ok = d["quantiles"].is_array() && d["quantiles"].size() <= 64;
          for (const auto& q : ok ? d["quantiles"] : nlohmann::json::array()) {
            if (!q.is_number()) ok = false;
            else dist.quantiles.push_back(q.get<double>());
          }
          ok = ok && std::ranges::is_sorted(dist.quantiles);
        }
        if (!ok) {
          problems.push_back(fmt::format(
              "training feature '{}' needs numbers 'mean', 'std' >= 0 and optionally "
              "'quantiles' (at most 64, ascending)", name));
          continue;
        }
        info.training.push_back(std::move(dist));
      }
    }
  }
  if (!problems.empty()) {
    return fail(kBadModelFile, fmt::format("model manifest{}: {}",
                                           info.name.empty() ? "" : " '" + info.name + "'",
                                           fmt::join(problems, "; ")));
  }
  if (!info.file.empty() && std::filesystem::path(info.file).is_relative() && !baseDir.empty()) {
    info.file = (std::filesystem::path(baseDir) / info.file).string();
  }
  return info;
}

Expected<LoadedModel> loadModel(const ModelKinds& kinds, const nlohmann::json& manifest,
                                const std::string& baseDir) {
  auto info = parseManifest(manifest, baseDir);
  if (!info) return Unexpected(info.error());
  auto contents = readFile(info->file);
  if (!contents) return badModel(*info, contents.error().message());
  info->sha256 = sha256Hex(*contents);
  auto model = kinds.create({*info, *contents});
  if (!model) return Unexpected(model.error());
  if ((*model)->inputCount() != info->features.size()) {
    return fail(kFeatureMismatch, fmt::format("model '{}' reads {} inputs, its manifest lists {} "
                                              "features", info->name, (*model)->inputCount(),
                                              info->features.size()));
  }
  return LoadedModel{std::move(*info), std::shared_ptr<Model>(std::move(*model))};
}

Expected<LoadedModel> loadModel(const ModelKinds& kinds, const std::string& manifestPath) {
  auto text = readFile(manifestPath);
  if (!text) return Unexpected(text.error());
  auto doc = nlohmann::json::parse(*text, nullptr, false);
  if (doc.is_discarded()) {
    return fail(kBadModelFile, fmt::format("{}: the manifest is not valid JSON", manifestPath));
  }
  return loadModel(kinds, doc, std::filesystem::path(manifestPath).parent_path().string());
}

}  // namespace ait::ai

namespace ait::ai {

std::uint32_t modelKey(const ModelInfo& info) noexcept {
  if (info.sha256.size() < 8) return 0;
  std::uint32_t key = 0;
  for (char c : std::string_view(info.sha256).substr(0, 8)) {
    std::uint32_t digit = 0;
    if (c >= '0' && c <= '9') digit = static_cast<std::uint32_t>(c - '0');
    else if (c >= 'a' && c <= 'f') digit = static_cast<std::uint32_t>(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') digit = static_cast<std::uint32_t>(c - 'A' + 10);
    else return 0;
    key = (key << 4) | digit;
  }
  return key;
}

}  // namespace ait::ai
