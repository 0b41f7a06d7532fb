#pragma once
// The ai-orchestration service (port 8003): owns the feature pipeline and the decision engine,
// loads the configured models at start, and serves the model registry and decision history over
// REST (list, load or swap, unload, stats, decisions).
//
// Bars arrive on the engine thread through onBar(); everything REST does runs on HTTP threads
// and never blocks a decision (see DecisionEngine).

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ait/ai/decision.h"
#include "ait/ai/features.h"
#include "ait/ai/model.h"
#include "ait/core/clock.h"
#include "ait/hub/service.h"
#include "ait/metrics/metrics.h"

namespace ait::http {
class Router;
}

namespace ait::ai {

struct AiServiceConfig {
  std::string features = "close,sma:30,rsi:14,macd:12:26:9";  // the pipeline spec
  std::string modelsDir = "models";      // manifests named over REST are read under this folder
  std::vector<std::string> models;       // manifests loaded at start, relative to modelsDir
  DecisionConfig decision;
};

class AiService final : public hub::Service {
 public:
  /// Builds the service; an invalid feature spec is an error naming it.
  static Expected<std::unique_ptr<AiService>> create(AiServiceConfig config, const Clock& clock,
                                                     metrics::Registry& metrics =
                                                         metrics::Registry::global(),
                                                     ModelKinds kinds = ModelKinds::builtin());

  std::string_view name() const noexcept override { return "ai-orchestration"; }
  /// Loads the configured models; one that fails is logged and leaves the service degraded,
  /// not down (decisions go on with the others).
  Expected<void> start() override;
  void stop() noexcept override;
  hub::Health health() const override;

  /// Adds the REST routes under /api/v1 (models, decisions, ai stats).
  void addRoutes(http::Router& router);

  /// On the engine thread: updates the features with one bar and decides once every feature
  /// is ready (nullptr before: warming up). Never allocates.
  const Decision* onBar(const Bar& bar) noexcept;

  /// Loads a model from a manifest path under modelsDir and installs it (swapping one of the
  /// same name); on failure the serving model stays.
  Expected<ModelInfo> loadModel(const std::string& manifest);
  Expected<void> unloadModel(const std::string& name);

  /// Returns a decision as JSON, naming each model.
  nlohmann::json toJson(const Decision& decision) const;

  DecisionEngine& engine() noexcept { return *engine_; }
  const FeaturePipeline& pipeline() const noexcept { return pipeline_; }

 private:
  AiService(AiServiceConfig config, FeaturePipeline pipeline, const Clock& clock,
            metrics::Registry& metrics, ModelKinds kinds);
  Expected<std::string> resolveManifest(const std::string& manifest) const;

  AiServiceConfig config_;
  FeaturePipeline pipeline_;
  const Clock& clock_;
  ModelKinds kinds_;
  std::unique_ptr<DecisionEngine> engine_;
  std::atomic<bool> running_{false};
  mutable std::mutex problemsMutex_;
  std::vector<std::string> loadProblems_;  // configured models that failed to load at start
  metrics::Counter& loadFailures_;
};

}  // namespace ait::ai
