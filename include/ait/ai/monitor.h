#pragma once
// Model monitoring, per installed model version: how often the direction it called came true
// over its horizon (hit rate), how well its probabilities are calibrated (Brier score and
// reliability bins), its latency histogram and failures, and drift of its live inputs away from
// the distribution recorded at training (PSI over the training quantile bins, and the shift of
// the mean in training standard deviations).
//
// Threads: the engine thread updates it inside decide() (fixed-size state allocated at install,
// no allocation, no lock); any thread reads a snapshot from atomics.

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "ait/ai/model.h"
#include "ait/metrics/metrics.h"

namespace ait::ai {

struct MonitorConfig {
  int driftWindow = 500;       // live values per feature compared with the training distribution
  double psiThreshold = 0.2;   // PSI from which a feature counts as drifting
  double meanShiftThreshold = 1.0;  // |live mean - training mean| / training std, likewise
  double buyThreshold = 0.2;   // |score| from which a model calls a direction
};

inline constexpr std::size_t kCalibrationBins = 10;
inline constexpr std::size_t kLatencyBuckets = 24;  // powers of two from 256 ns

struct FeatureDrift {
  std::string feature;
  std::uint64_t observed = 0;  // live values seen
  double liveMean = 0;         // over the window
  double meanShift = 0;        // |live mean - training mean| / training std (0 when std is 0)
  double psi = 0;              // over the quantile bins (0 without quantiles or a full window)
  bool drifting = false;
};

struct MonitorSnapshot {
  std::uint64_t predictions = 0;  // fresh answers recorded
  std::uint64_t evaluated = 0;    // of those, resolved against the price `horizon` bars later
  std::uint64_t calls = 0;        // directional calls (|score| >= buy threshold) resolved
  std::uint64_t hits = 0;         // ... that were right
  double hitRate = 0;             // hits / calls
  double brier = 0;               // mean (p_up - up)^2 over evaluated
  struct Bin {
    std::uint64_t count = 0;
    double meanPredicted = 0;
    double observedUp = 0;
  };
  std::array<Bin, kCalibrationBins> reliability{};
  std::array<std::uint64_t, kLatencyBuckets> latency{};  // bucket i: < 256 ns * 2^i (last: rest)
  std::uint64_t failures = 0;
  std::uint64_t driftAlerts = 0;  // times a feature started drifting
  std::uint64_t driftEpisodes = 0;  // times the model went from no input drifting to some
  std::vector<FeatureDrift> drift;
};

class ModelMonitor {
 public:
  ModelMonitor(const ModelInfo& info, MonitorConfig config, metrics::Registry& metrics);
  ModelMonitor(const ModelMonitor&) = delete;
  ModelMonitor& operator=(const ModelMonitor&) = delete;

  /// Engine thread, once per decision: `inputs` in the model's feature order; `score` and
  /// `pUp` of a fresh answer (NaN when it gave none); `price` the reference price now (NaN:
  /// outcomes are not tracked); latency of a call (negative: not called). Returns true when
  /// this call started a drift episode: some input drifts and none did before (episodeStart()
  /// names it).
  bool onDecision(std::span<const double> inputs, double score, double pUp, double price,
                  std::int64_t latencyNs, bool failed) noexcept;

  /// The input that started the latest drift episode (engine thread).
  struct EpisodeStart {
    const std::string* feature = nullptr;
    double psi = 0;
    double meanShift = 0;
  };
  const EpisodeStart& episodeStart() const noexcept { return episodeStart_; }

  MonitorSnapshot snapshot() const;
  /// Drift alerts not yet taken by takeNewAlerts (for logging off the decision path).
  std::uint64_t takeNewAlerts() noexcept;

 private:
  struct Pending {
    double score = 0;
    double pUp = 0;
    double price = 0;
    bool valid = false;
  };
  struct Feature {
    std::size_t input = 0;  // index in the model's inputs
    FeatureDistribution training;
    std::vector<std::uint8_t> binRing;  // window of bin indices
    std::vector<double> valueRing;      // window of values
    std::vector<int> binCounts;
    std::size_t next = 0;
    std::size_t filled = 0;
    double sum = 0;
    std::atomic<std::uint64_t> observed{0};
    std::atomic<double> liveMean{0}, meanShift{0}, psi{0};
    std::atomic<bool> drifting{false};
  };

  bool observeDrift(std::span<const double> inputs) noexcept;
  void resolve(double price) noexcept;

  std::string name_;
  MonitorConfig config_;
  std::vector<Pending> pending_;  // ring of `horizon` entries
  std::size_t pendingNext_ = 0;
  std::vector<std::unique_ptr<Feature>> features_;
  int driftingInputs_ = 0;  // engine thread: inputs drifting now
  EpisodeStart episodeStart_;

  std::atomic<std::uint64_t> predictions_{0}, evaluated_{0}, calls_{0}, hits_{0}, failures_{0},
      alerts_{0}, alertsTaken_{0}, episodes_{0};
  std::atomic<double> brierSum_{0};
  std::array<std::atomic<std::uint64_t>, kCalibrationBins> binCount_{};
  std::array<std::atomic<double>, kCalibrationBins> binPredicted_{}, binUp_{};
  std::array<std::atomic<std::uint64_t>, kLatencyBuckets> latency_{};
  metrics::Counter& driftAlerts_;
};

}  // namespace ait::ai
