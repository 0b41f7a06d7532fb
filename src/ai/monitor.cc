#include "ait/ai/monitor.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

namespace ait::ai {

namespace {

// Single writer: a plain load + store is enough and avoids a CAS loop.
void addTo(std::atomic<double>& a, double v) noexcept {
  a.store(a.load(std::memory_order_relaxed) + v, std::memory_order_relaxed);
}
void inc(std::atomic<std::uint64_t>& a) noexcept {
  a.store(a.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

}  // namespace

ModelMonitor::ModelMonitor(const ModelInfo& info, MonitorConfig config, metrics::Registry& metrics)
    : name_(info.name),
      config_(config),
      pending_(static_cast<std::size_t>(std::max(info.horizon, 1))),
      driftAlerts_(metrics.counter("ait_ai_model_drift_alerts_total",
                                   "Times a model's live input started drifting from its "
                                   "training distribution",
                                   {{"model", info.name}})) {
  const auto window = static_cast<std::size_t>(std::max(config_.driftWindow, 1));
  for (const auto& dist : info.training) {
    auto it = std::ranges::find(info.features, dist.feature);
    if (it == info.features.end()) continue;
    auto f = std::make_unique<Feature>();
    f->input = static_cast<std::size_t>(it - info.features.begin());
    f->training = dist;
    f->binRing.assign(window, 0);
    f->valueRing.assign(window, 0.0);
    f->binCounts.assign(dist.quantiles.size() + 1, 0);
    features_.push_back(std::move(f));
  }
}

bool ModelMonitor::onDecision(std::span<const double> inputs, double score, double pUp,
                              double price, std::int64_t latencyNs, bool failed) noexcept {
  if (latencyNs >= 0) {
    const auto units = static_cast<std::uint64_t>(latencyNs) >> 8;  // 256 ns
    const std::size_t bucket =
        std::min<std::size_t>(units == 0 ? 0 : std::bit_width(units), kLatencyBuckets - 1);
    inc(latency_[bucket]);
  }
  if (failed) inc(failures_);
  const bool episode = observeDrift(inputs);
  if (std::isfinite(price)) resolve(price);
  Pending& p = pending_[pendingNext_];
  p.valid = std::isfinite(score) && std::isfinite(pUp) && std::isfinite(price);
  p.score = score;
  p.pUp = pUp;
  p.price = price;
  pendingNext_ = (pendingNext_ + 1) % pending_.size();
  if (std::isfinite(score)) inc(predictions_);
  return episode;
}

void ModelMonitor::resolve(double price) noexcept {
  // The ring holds `horizon` entries: the one about to be overwritten was written `horizon`
  // decisions ago.
  const Pending& p = pending_[pendingNext_];
  if (!p.valid || price == p.price) return;  // no answer then, or a flat market: no outcome
  const double up = price > p.price ? 1.0 : 0.0;
  inc(evaluated_);
  addTo(brierSum_, (p.pUp - up) * (p.pUp - up));
  const auto bin = std::min<std::size_t>(
      static_cast<std::size_t>(std::clamp(p.pUp, 0.0, 1.0) * kCalibrationBins),
      kCalibrationBins - 1);
  inc(binCount_[bin]);
  addTo(binPredicted_[bin], p.pUp);
  addTo(binUp_[bin], up);
  if (std::abs(p.score) >= config_.buyThreshold) {
    inc(calls_);
    if ((p.score > 0) == (up > 0)) inc(hits_);
  }
}

bool ModelMonitor::observeDrift(std::span<const double> inputs) noexcept {
  bool episode = false;
  for (auto& fp : features_) {
    Feature& f = *fp;
    if (f.input >= inputs.size()) continue;
    const double x = inputs[f.input];
    if (!std::isfinite(x)) continue;
    const std::size_t window = f.valueRing.size();
    if (f.filled == window) {
      f.sum -= f.valueRing[f.next];
      --f.binCounts[f.binRing[f.next]];
    } else {
      ++f.filled;
    }
    const auto& q = f.training.quantiles;
    const auto bin = static_cast<std::uint8_t>(std::ranges::upper_bound(q, x) - q.begin());
    f.valueRing[f.next] = x;
    f.binRing[f.next] = bin;
    ++f.binCounts[bin];
    f.sum += x;
    f.next = (f.next + 1) % window;
    inc(f.observed);

    const double mean = f.sum / static_cast<double>(f.filled);
    const double shift =
        f.training.stddev > 0 ? std::abs(mean - f.training.mean) / f.training.stddev : 0.0;
    double psi = 0;
    if (!q.empty() && f.filled == window) {
      // Training quantiles cut the training set into equal parts: each bin expects 1/(k+1).
      const double expected = 1.0 / static_cast<double>(f.binCounts.size());
      for (int count : f.binCounts) {
        const double actual =
            std::max(static_cast<double>(count) / static_cast<double>(window), 1e-4);
        psi += (actual - expected) * std::log(actual / expected);
      }
    }
    f.liveMean.store(mean, std::memory_order_relaxed);
    f.meanShift.store(shift, std::memory_order_relaxed);
    f.psi.store(psi, std::memory_order_relaxed);
    // Judged on a full window only, so the first values after a start do not raise alerts; a
    // drift ends only below half the thresholds, so a value near one does not flap.
    const bool was = f.drifting.load(std::memory_order_relaxed);
    const bool drifting =
        f.filled == window &&
        (was ? psi >= config_.psiThreshold / 2 || shift >= config_.meanShiftThreshold / 2
             : psi >= config_.psiThreshold || shift >= config_.meanShiftThreshold);
    if (drifting && !was) {
      inc(alerts_);
      driftAlerts_.inc();
      // An episode lasts while any input drifts: a second input joining it is no new episode.
      if (driftingInputs_++ == 0) {
        inc(episodes_);
        episodeStart_ = {&f.training.feature, psi, shift};
        episode = true;
      }
    } else if (!drifting && was) {
      --driftingInputs_;
    }
    f.drifting.store(drifting, std::memory_order_relaxed);
  }
  return episode;
}

std::uint64_t ModelMonitor::takeNewAlerts() noexcept {
  const std::uint64_t now = alerts_.load(std::memory_order_relaxed);
  return now - alertsTaken_.exchange(now, std::memory_order_relaxed);
}

MonitorSnapshot ModelMonitor::snapshot() const {
  MonitorSnapshot s;
  s.predictions = predictions_.load(std::memory_order_relaxed);
  s.evaluated = evaluated_.load(std::memory_order_relaxed);
  s.calls = calls_.load(std::memory_order_relaxed);
  s.hits = hits_.load(std::memory_order_relaxed);
  s.hitRate = s.calls ? static_cast<double>(s.hits) / static_cast<double>(s.calls) : 0.0;
  s.brier = s.evaluated ? brierSum_.load(std::memory_order_relaxed) / static_cast<double>(s.evaluated)
                        : 0.0;
  for (std::size_t i = 0; i < kCalibrationBins; ++i) {
    auto& b = s.reliability[i];
    b.count = binCount_[i].load(std::memory_order_relaxed);
    if (b.count) {
      b.meanPredicted = binPredicted_[i].load(std::memory_order_relaxed) / static_cast<double>(b.count);
      b.observedUp = binUp_[i].load(std::memory_order_relaxed) / static_cast<double>(b.count);
    }
  }
  for (std::size_t i = 0; i < kLatencyBuckets; ++i) {
    s.latency[i] = latency_[i].load(std::memory_order_relaxed);
  }
  s.failures = failures_.load(std::memory_order_relaxed);
  s.driftAlerts = alerts_.load(std::memory_order_relaxed);
  s.driftEpisodes = episodes_.load(std::memory_order_relaxed);
  for (const auto& f : features_) {
    s.drift.push_back({f->training.feature, f->observed.load(std::memory_order_relaxed),
                       f->liveMean.load(std::memory_order_relaxed),
                       f->meanShift.load(std::memory_order_relaxed),
                       f->psi.load(std::memory_order_relaxed),
                       f->drifting.load(std::memory_order_relaxed)});
  }
  return s;
}

}  // namespace ait::ai
