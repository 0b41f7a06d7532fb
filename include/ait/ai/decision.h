#pragma once
// The decision engine: runs every installed model on a feature vector inside a latency budget,
// falls back to each model's last good prediction when it is late, failing or cut off by its
// circuit breaker, and combines the scores by weighted average or majority vote into a signal
// (strong_sell .. strong_buy) with a confidence.
//
// Threads: decide() runs on one thread (the engine thread) and never allocates or waits; the
// control plane (install, remove, stats, history) may run on any other thread. A model swap
// publishes the new model with one atomic store; the old one is freed only once no decision
// that could have seen it is still running, so no decision is missed or torn.
//
// The budget is checked between models (a model call is not preempted): a model that returns
// after the deadline has its answer kept for later but not used, and counts as a failure for
// its breaker; models not yet run when the budget is spent are not called.

#include <array>
#include <atomic>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "ait/ai/model.h"
#include "ait/ai/model_breaker.h"
#include "ait/ai/monitor.h"
#include "ait/core/clock.h"
#include "ait/core/error.h"
#include "ait/metrics/metrics.h"
#include "ait/model/fixed_string.h"
#include "ait/resilience/circuit_breaker.h"

namespace ait::ai {

enum class Signal : std::int8_t { StrongSell = -2, Sell = -1, Hold = 0, Buy = 1, StrongBuy = 2 };
std::string_view toString(Signal signal) noexcept;

enum class EnsembleMethod : std::uint8_t { WeightedAverage, MajorityVote, Stacking };
std::string_view toString(EnsembleMethod method) noexcept;
Expected<EnsembleMethod> parseEnsembleMethod(std::string_view text);

/// The meta-model of a stacking ensemble: a logistic regression over the base models' scores,
/// P(up) = sigmoid(intercept + sum coefficient[name] * score[name]); a base model that gave no
/// value (nor a fresh-enough cached one) enters as 0, a neutral score. Read from JSON:
/// {"kind": "logistic", "intercept": b, "coefficients": {"<model name>": c, ...}}.
struct StackingModel {
  double intercept = 0;
  std::map<std::string, double, std::less<>> coefficients;

  static Expected<StackingModel> parse(const nlohmann::json& json);
  /// Reads and parses the file; every problem names the file.
  static Expected<StackingModel> load(const std::string& path);
  /// Returns the model's coefficient (0 for a model the meta-model does not know).
  double coefficient(std::string_view name) const noexcept;
};

struct DecisionConfig {
  EnsembleMethod method = EnsembleMethod::WeightedAverage;
  std::int64_t budgetNs = 200'000;          // latency budget per decision
  std::int64_t cacheMaxAgeNs = 60'000'000'000;  // a cached prediction older than this is not used
  double buyThreshold = 0.2;                // |score| from which a signal is buy/sell
  double strongThreshold = 0.6;             // |score| from which it is strong
  resilience::CircuitBreakerConfig breaker;  // per model
  std::size_t historySize = 256;            // decisions kept for the REST history
  StackingModel stacking;                   // used when method is Stacking
  MonitorConfig monitor;                    // per-model monitoring (buyThreshold is copied in)
};

/// How one model took part in a decision.
enum class ModelStatus : std::uint8_t {
  Fresh,        // answered in time; its value was used
  Late,         // answered after the deadline; its cached value was used if fresh enough
  Failed,       // returned an error; cached value used if fresh enough
  CircuitOpen,  // not called: its breaker is open; cached value used if fresh enough
  OverBudget,   // not called: the budget was spent; cached value used if fresh enough
};
std::string_view toString(ModelStatus status) noexcept;

struct ModelOutcome {
  std::uint16_t slot = 0;
  std::uint32_t key = 0;   // the model's key: first 4 bytes of its file's SHA-256 (modelKey())
  ModelStatus status = ModelStatus::Fresh;
  bool used = false;       // its value (fresh or cached) went into the ensemble
  double value = 0;        // the model's own output (probability, return, score)
  double score = 0;        // mapped to [-1, 1]
  double weight = 0;       // its weight in the ensemble (stacking: its meta-model coefficient)
  std::int64_t latencyNs = 0;
  std::int64_t cacheAgeNs = 0;  // when a cached value was used
};

inline constexpr std::size_t kMaxModels = 16;

struct Decision {
  std::uint64_t sequence = 0;       // 1, 2, ... per engine
  std::int64_t ts = 0;              // the caller's time for the inputs (e.g. bar time)
  std::uint64_t inputsHash = 0;     // FNV-1a of the feature vector's bytes
  Signal signal = Signal::Hold;
  double score = 0;                 // ensemble score in [-1, 1]
  double confidence = 0;            // in [0, 1]
  bool degraded = false;            // some model was late, failing, cut off or missing
  std::int64_t latencyNs = 0;
  std::uint16_t modelCount = 0;
  std::array<ModelOutcome, kMaxModels> models{};
};

/// A model whose inputs started drifting from their training distribution in a decision (a new
/// drift episode of that model: none of its inputs drifted before).
struct DriftStart {
  model::FixedString<32> model;    // its name (truncated)
  model::FixedString<32> feature;  // the input that started the episode (truncated)
  std::uint32_t key = 0;           // modelKey() of the version
  double psi = 0;
  double meanShift = 0;            // in training standard deviations
};

/// Per-model counters, readable from any thread.
struct ModelStats {
  ModelInfo info;
  std::uint64_t calls = 0;
  std::uint64_t failures = 0;
  std::uint64_t late = 0;
  std::uint64_t circuitOpen = 0;
  std::uint64_t overBudget = 0;
  std::uint64_t cachedUsed = 0;
  double lastValue = 0;
  std::int64_t lastLatencyNs = 0;
  resilience::CircuitState breaker = resilience::CircuitState::Closed;
  std::int64_t loadedAtNs = 0;
  MonitorSnapshot monitor;
};

class DecisionEngine {
 public:
  /// `columns` are the feature pipeline's columns, the order of decide()'s input.
  DecisionEngine(std::vector<std::string> columns, DecisionConfig config, const Clock& clock,
                 metrics::Registry& metrics = metrics::Registry::global());
  ~DecisionEngine();
  DecisionEngine(const DecisionEngine&) = delete;
  DecisionEngine& operator=(const DecisionEngine&) = delete;

  /// Installs a model, or swaps the one of the same name for it; its features must all be
  /// pipeline columns (else kFeatureMismatch naming the missing ones). A failure leaves the
  /// serving model in place.
  Expected<void> install(LoadedModel model);
  /// Removes a model (kModelNotFound when there is none of that name).
  Expected<void> remove(std::string_view name);

  /// Runs the models on one feature vector (size columns().size()) and returns the decision,
  /// valid until the next call. Never allocates, never waits. `price` (e.g. the bar's close)
  /// lets monitoring judge each model's earlier answers; NaN leaves outcomes untracked.
  const Decision& decide(std::span<const double> features, std::int64_t ts,
                         double price = std::numeric_limits<double>::quiet_NaN()) noexcept;
  /// Engine thread: the drift episodes the latest decide() started, valid until the next one.
  std::span<const DriftStart> driftStarts() const noexcept {
    return std::span(driftStarts_).first(driftStartCount_);
  }
  /// Drift alerts raised since the last call, per model name (for logging off the hot path).
  std::vector<std::pair<std::string, std::uint64_t>> takeDriftAlerts();

  std::vector<ModelStats> stats() const;
  /// Returns up to `limit` latest decisions, newest first.
  std::vector<Decision> history(std::size_t limit) const;
  /// Returns the installed model's description of slot `slot` (for naming outcomes).
  std::string modelName(std::uint16_t slot) const;
  const std::vector<std::string>& columns() const noexcept { return columns_; }
  const DecisionConfig& config() const noexcept { return config_; }
  std::uint64_t decisions() const noexcept { return decisions_.load(std::memory_order_relaxed); }

 private:
  // A model as served: swapped as a whole with one pointer store.
  struct Active {
    LoadedModel loaded;
    std::vector<std::uint32_t> inputIndex;  // model input i = features[inputIndex[i]]
    std::vector<double> inputs;             // scratch row, written by decide() only
    std::int64_t loadedAtNs = 0;
    std::uint32_t key = 0;
    double weight = 0;  // manifest weight, or the stacking coefficient
    std::unique_ptr<ModelMonitor> monitor;
  };
  struct Slot {
    std::atomic<Active*> active{nullptr};
    std::unique_ptr<ModelBreaker> breaker;
    metrics::Histogram* latency = nullptr;
    // Last good prediction, written by decide() only; read by it.
    double cachedValue = 0;
    std::int64_t cachedAtNs = 0;
    bool cached = false;
    std::atomic<std::uint64_t> calls{0}, failures{0}, late{0}, circuitOpen{0}, overBudget{0},
        cachedUsed{0};
    std::atomic<double> lastValue{0};
    std::atomic<std::int64_t> lastLatencyNs{0};
  };

  double toScore(const ModelInfo& info, double value) const noexcept;
  void combine(Decision& decision, double totalWeight) noexcept;
  Signal signalFor(double score) const noexcept;
  void waitForQuiescence() const noexcept;
  void record(const Decision& decision) noexcept;

  std::vector<std::string> columns_;
  DecisionConfig config_;
  const Clock& clock_;
  metrics::Registry& metrics_;
  std::array<Slot, kMaxModels> slots_;
  mutable std::mutex control_;  // serialises install/remove; never taken by decide()
  std::atomic<std::uint64_t> epoch_{0};  // odd while a decision runs
  std::atomic<std::uint64_t> decisions_{0};
  Decision current_;
  std::array<DriftStart, kMaxModels> driftStarts_{};
  std::size_t driftStartCount_ = 0;

  // The history ring: decide() only try-locks it and skips the copy if a reader holds it.
  mutable std::mutex historyMutex_;
  std::vector<Decision> history_;
  std::size_t historyNext_ = 0;
  std::size_t historyCount_ = 0;

  metrics::Counter& decisionsTotal_;
  metrics::Counter& degradedTotal_;
  metrics::Histogram& decisionLatency_;
};

}  // namespace ait::ai
