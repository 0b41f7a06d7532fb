#pragma once
// The ai-orchestration service (port 8003): one series per (owner tenant, symbol, timeframe) of
// market data, each with its own feature pipeline and decision engine (indicator state, cached
// predictions, breakers and monitoring); loads the configured models at start into every series,
// and serves the model registry and decision history over REST (list, load or swap, unload,
// stats, decisions).
//
// Series are built up front (ai.max_series of them) and claimed by the engine thread on the
// first bar or tick of a new (tenant, symbol, timeframe): nothing is allocated or locked per bar.
// Bars arrive on the engine thread through onMarketBar(); everything REST does runs on HTTP
// threads and never blocks a decision (see DecisionEngine). Every series runs on that one thread:
// they share the model objects.

#include <array>
#include <atomic>
#include <condition_variable>
#include <thread>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ait/ai/chat.h"
#include "ait/ai/decision.h"
#include "ait/ai/decision_journal.h"
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
  std::string strategyId = "ai-ensemble";  // names the ensemble in Decision events
  std::vector<std::string> symbols;      // symbols whose bars are decided on; empty: every one
  std::string timeframe;                 // timeframe of those bars ("1m"); empty: every one
  std::size_t maxSeries = 16;            // series (tenant, symbol, timeframe) built up front
  std::string stackingModel;             // meta-model JSON under modelsDir (ensemble "stacking")
  std::int64_t watchIntervalMs = 1000;   // how often loaded manifests and files are checked for
                                         // changes (reloaded when changed); 0: never
  DecisionConfig decision;
  bool chatEnabled = false;              // regime notes from an OpenAI-compatible provider
  ChatConfig chat;
  std::int64_t notesIntervalMs = 60'000;  // how often a regime note is asked for
};

/// Records a decision event (on the engine thread: the runtime's record()).
using DecisionSink = std::function<Expected<std::uint64_t>(const model::Event&)>;

class AiService final : public hub::Service {
 public:
  /// Builds the service and its maxSeries series; an invalid feature spec, symbol or timeframe
  /// is an error naming it.
  static Expected<std::unique_ptr<AiService>> create(AiServiceConfig config, const Clock& clock,
                                                     metrics::Registry& metrics =
                                                         metrics::Registry::global(),
                                                     ModelKinds kinds = ModelKinds::builtin());

  ~AiService() override;
  std::string_view name() const noexcept override { return "ai-orchestration"; }
  /// Loads the configured models; one that fails is logged and leaves the service degraded,
  /// not down (decisions go on with the others).
  Expected<void> start() override;
  void stop() noexcept override;
  hub::Health health() const override;

  /// Adds the REST routes under /api/v1 (models, decisions, ai stats).
  void addRoutes(http::Router& router);

  /// On the engine thread: updates the features of the public series of the first configured
  /// symbol (and timeframe) with one bar and decides once every feature is ready (nullptr
  /// before: warming up). Never allocates.
  const Decision* onBar(const Bar& bar) noexcept;
  /// As onBar, for a bar from the bus, in the series of the bar's tenant (0: public feed),
  /// symbol and timeframe; nullptr for a symbol or timeframe not configured and when every
  /// series is taken (counted in ait_ai_series_refused_total). The decision is recorded through
  /// the sink as a Decision event of the bar's tenant and instrument, and every drift episode it
  /// started as an Alert event of that tenant.
  const Decision* onMarketBar(const model::Bar& bar) noexcept;

  /// On the engine thread: feeds a quote to the tick features (spread, tick rate) of the
  /// tick's series (every timeframe's when none is configured).
  void onMarketTick(const model::Tick& tick) noexcept;

  /// A series as seen by the control plane.
  struct SeriesInfo {
    model::TenantId tenant;
    std::string symbol;
    std::uint32_t timeframeSeconds = 0;
    std::uint64_t decisions = 0;
  };
  /// The series claimed so far, in order of their first bar.
  std::vector<SeriesInfo> series() const;
  /// The decision engine of a claimed series (nullptr when there is none): for tests and stats.
  const DecisionEngine* engineOf(model::TenantId tenant, std::string_view symbol,
                                 std::uint32_t timeframeSeconds) const;

  /// Wiring, before start: where decisions are recorded and the journal they are read back
  /// from (the runtime's trading stream). Without them decisions are only kept in memory.
  void setDecisionJournal(DecisionSink sink, const journal::Journal* journal);

  /// The latest `limit` decisions of `tenant` (newest first), for one symbol or every symbol
  /// (empty), read from the journal; the in-memory history when no journal is set.
  Expected<std::vector<model::Decision>> decisionHistory(model::TenantId tenant,
                                                         std::string_view symbol,
                                                         std::size_t limit) const;
  /// Explains a decision event: its result and, per model, its name and version (from the
  /// models this process has loaded, found by key), status, value, score, weight and latency.
  nlohmann::json explain(const model::Decision& decision) const;

  /// Loads a model from a manifest path under modelsDir and installs it (swapping one of the
  /// same name); on failure the serving model stays. A loaded manifest is watched: when it or
  /// its model file changes on disk, it is loaded again (see checkForChanges).
  Expected<ModelInfo> loadModel(const std::string& manifest);
  /// Reloads every watched manifest whose manifest or model file changed since it was last
  /// loaded (or last failed to load); returns how many were reloaded successfully. The
  /// watcher thread calls it every watchIntervalMs.
  std::size_t checkForChanges();
  Expected<void> unloadModel(const std::string& name);

  /// Returns a decision as JSON, naming each model.
  nlohmann::json toJson(const Decision& decision) const;

  /// Asks the chat provider for a regime note on the latest decision and keeps it (the notes
  /// thread does this every notesIntervalMs); an error when chat is off or the provider fails
  /// (the previous note stays).
  Expected<std::string> refreshNote();
  /// The latest regime note and when it was made (empty before the first).
  std::pair<std::string, std::int64_t> note() const;

  /// The first series' engine and pipeline (the one onBar feeds when nothing else came first).
  DecisionEngine& engine() noexcept { return *series_.front()->engine; }
  const FeaturePipeline& pipeline() const noexcept { return series_.front()->pipeline; }

 private:
  // One market data series: written by the engine thread only; tenant, symbol and timeframe
  // are set once when the series is claimed, before seriesUsed_ publishes it.
  struct Series {
    model::TenantId tenant;
    model::Symbol symbol;
    model::Timeframe timeframe;
    FeaturePipeline pipeline;
    std::unique_ptr<DecisionEngine> engine;
  };

  AiService(AiServiceConfig config, std::vector<std::unique_ptr<Series>> series,
            std::vector<model::Symbol> symbols, model::Timeframe timeframe, const Clock& clock,
            metrics::Registry& metrics, ModelKinds kinds);
  Expected<std::string> resolveManifest(const std::string& manifest) const;
  Series* seriesFor(model::TenantId tenant, const model::Symbol& symbol,
                    model::Timeframe timeframe) noexcept;
  const Decision* decideOn(Series& series, const Bar& bar) noexcept;
  void publishDriftAlerts(const Series& series, TimestampNs ts) noexcept;
  // Claimed series the tenant may see (own and public).
  std::vector<const Series*> visibleSeries(model::TenantId tenant) const;
  std::vector<ModelStats> mergedStats(const std::vector<const Series*>& series) const;

  AiServiceConfig config_;
  const Clock& clock_;
  ModelKinds kinds_;
  std::vector<std::unique_ptr<Series>> series_;  // maxSeries, built at create
  std::atomic<std::size_t> seriesUsed_{0};       // claimed ones: a prefix of series_
  std::vector<model::Symbol> symbols_;           // empty: every symbol
  model::Timeframe timeframe_;                   // 0: every timeframe
  metrics::Counter& seriesRefused_;
  metrics::Counter& alertsPublished_;
  metrics::Counter& alertsUnjournaled_;
  std::atomic<std::uint64_t> refused_{0};  // this service's share of seriesRefused_
  std::atomic<bool> seriesFullLogged_{false};
  std::atomic<bool> running_{false};
  mutable std::mutex problemsMutex_;
  std::vector<std::string> loadProblems_;  // configured models that failed to load at start
  metrics::Counter& loadFailures_;
  metrics::Counter& unjournaled_;
  metrics::Counter& reloads_;

  // Files of a watched manifest as last seen: size and modification time of each.
  struct Watched {
    std::string name;  // the model it loads (unloading it stops the watch)
    std::string file;  // the model file the manifest names
    std::array<std::int64_t, 4> stamp{};
  };
  static std::array<std::int64_t, 4> stampOf(const std::string& manifest, const std::string& file);
  void watchLoop();
  void logDriftAlerts();
  mutable std::mutex watchMutex_;
  std::map<std::string, Watched> watched_;  // by resolved manifest path
  std::condition_variable watchWake_;
  bool watchStop_ = false;
  std::thread watcher_;
  std::unique_ptr<ChatProvider> chat_;
  std::thread notes_;
  mutable std::mutex noteMutex_;
  std::string note_;
  std::int64_t noteAtNs_ = 0;
  DecisionSink sink_;
  const journal::Journal* journal_ = nullptr;
  DecisionContext context_;  // strategy and ensemble; tenant and instrument come with each bar
  mutable std::mutex knownMutex_;
  std::map<std::uint32_t, ModelInfo> known_;  // every model loaded here, by key
};

}  // namespace ait::ai
