#pragma once
// Models behind one interface, created by kind name ("xgboost", "linear", "logistic", "rules")
// from a manifest that names the model, its version, its input features and what its output
// means. Adding a kind is one factory registered in ModelKinds.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "ait/core/error.h"

namespace ait::ai {

/// What a model's number means; the ensemble turns each into a score in [-1, 1].
enum class OutputMeaning : std::uint8_t {
  ProbabilityUp,   // P(price goes up over the horizon), in [0, 1]: score = 2p - 1
  ExpectedReturn,  // expected return over the horizon: score = tanh(r / score_scale)
  Score,           // already a signed score: clamped to [-1, 1]
};

std::string_view toString(OutputMeaning meaning) noexcept;
Expected<OutputMeaning> parseOutputMeaning(std::string_view text);

class Model {
 public:
  virtual ~Model() = default;
  /// Returns the prediction for one row whose values follow the model's feature list. Runs on
  /// the decision thread: must not block and must not allocate when it succeeds.
  virtual Expected<double> predict(std::span<const double> features) = 0;
  /// Returns the number of inputs predict() reads.
  virtual std::size_t inputCount() const noexcept = 0;
};

/// One input's distribution on the training set, stored in the manifest ("training") so that
/// live drift can be measured against it.
struct FeatureDistribution {
  std::string feature;
  double mean = 0;
  double stddev = 0;
  std::vector<double> quantiles;  // ascending cut points (e.g. the 10%..90% deciles): the bins
};

/// Everything known about a model besides its parameters.
struct ModelInfo {
  std::string name;
  std::string version;
  std::string kind;
  std::vector<std::string> features;  // input feature (pipeline column) names, in order
  OutputMeaning output = OutputMeaning::ProbabilityUp;
  double scoreScale = 0.01;  // for ExpectedReturn: the return that maps to a score of ~0.76
  double weight = 1.0;       // weight in weighted ensembles
  std::string file;          // the parameters' file
  std::string sha256;        // of the parameters' file, hex
  int horizon = 1;           // bars ahead its output speaks about (monitoring's hit rate)
  std::vector<FeatureDistribution> training;  // per input feature, when the manifest has them
};

/// What a factory gets: the manifest's fields and the parameters' file contents.
struct ModelSource {
  ModelInfo info;
  std::string contents;
};

using ModelFactory = std::function<Expected<std::unique_ptr<Model>>(const ModelSource&)>;

/// The model kinds by name.
class ModelKinds {
 public:
  /// Returns kinds holding xgboost, linear, logistic and rules.
  static ModelKinds builtin();
  void add(std::string kind, ModelFactory factory) { factories_[std::move(kind)] = std::move(factory); }
  /// Creates a model; an unknown kind is an error listing the known ones.
  Expected<std::unique_ptr<Model>> create(const ModelSource& source) const;
  std::vector<std::string> names() const;

 private:
  std::map<std::string, ModelFactory, std::less<>> factories_;
};

/// A model ready to serve, with its description.
struct LoadedModel {
  ModelInfo info;
  std::shared_ptr<Model> model;
};

/// Parses a manifest (JSON object: name, version, kind, file, features, output, optional
/// weight and score_scale); relative `file` paths are taken from baseDir. Every problem is named.
Expected<ModelInfo> parseManifest(const nlohmann::json& manifest, const std::string& baseDir);

/// Reads the manifest file, then the parameters' file (checksummed), and builds the model.
Expected<LoadedModel> loadModel(const ModelKinds& kinds, const std::string& manifestPath);
/// As loadModel, from a manifest already parsed.
Expected<LoadedModel> loadModel(const ModelKinds& kinds, const nlohmann::json& manifest,
                                const std::string& baseDir);

/// Returns the SHA-256 of data as 64 hex digits.
std::string sha256Hex(std::string_view data);

/// Returns a model's key, the first 4 bytes of its file's SHA-256 read big-endian (0 when the
/// checksum is not set): what Decision events name models by.
std::uint32_t modelKey(const ModelInfo& info) noexcept;

}  // namespace ait::ai
