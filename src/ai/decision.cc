#include "ait/ai/decision.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "ait/ai/errors.h"

namespace ait::ai {

std::string_view toString(Signal signal) noexcept {
  switch (signal) {
    case Signal::StrongSell: return "strong_sell";
    case Signal::Sell: return "sell";
    case Signal::Hold: return "hold";
    case Signal::Buy: return "buy";
    case Signal::StrongBuy: return "strong_buy";
  }
  return "hold";
}

std::string_view toString(EnsembleMethod method) noexcept {
  switch (method) {
    case EnsembleMethod::WeightedAverage: return "weighted_average";
    case EnsembleMethod::MajorityVote: return "majority_vote";
    case EnsembleMethod::Stacking: return "stacking";
  }
  return "weighted_average";
}

Expected<EnsembleMethod> parseEnsembleMethod(std::string_view text) {
  if (text == "weighted_average") return EnsembleMethod::WeightedAverage;
  if (text == "majority_vote") return EnsembleMethod::MajorityVote;
  if (text == "stacking") return EnsembleMethod::Stacking;
  return fail(errors::kInvalidArgument,
              fmt::format("ensemble method '{}' is not weighted_average, majority_vote or stacking",
                          text));
}

Expected<StackingModel> StackingModel::parse(const nlohmann::json& json) {
  std::vector<std::string> problems;
  StackingModel m;
  if (!json.is_object()) {
    return fail(kBadModelFile, "stacking model: expected a JSON object {\"kind\": \"logistic\", "
                           "\"intercept\": b, \"coefficients\": {\"<model>\": c}}");
  }
  if (!json.contains("kind") || json["kind"] != "logistic") {
    problems.push_back("'kind' must be \"logistic\"");
  }
  if (json.contains("intercept")) {
    if (json["intercept"].is_number()) m.intercept = json["intercept"].get<double>();
    else problems.push_back("'intercept' must be a number");
  }
  if (!json.contains("coefficients") || !json["coefficients"].is_object() ||
      json["coefficients"].empty()) {
    problems.push_back("'coefficients' must be a non-empty object of model name -> number");
  } else {
    for (const auto& [name, value] : json["coefficients"].items()) {
      if (!value.is_number() || !std::isfinite(value.get<double>())) {
        problems.push_back(fmt::format("coefficient of '{}' must be a finite number", name));
      } else {
        m.coefficients[name] = value.get<double>();
      }
    }
  }
  if (!std::isfinite(m.intercept)) problems.push_back("'intercept' must be finite");
  if (!problems.empty()) {
    return fail(kBadModelFile, fmt::format("stacking model: {}", fmt::join(problems, "; ")));
  }
  return m;
}

Expected<StackingModel> StackingModel::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(kBadModelFile, fmt::format("stacking model '{}': cannot be read", path));
  std::stringstream text;
  text << in.rdbuf();
  auto json = nlohmann::json::parse(text.str(), nullptr, false);
  if (json.is_discarded()) {
    return fail(kBadModelFile, fmt::format("stacking model '{}': not valid JSON", path));
  }
  auto parsed = parse(json);
  if (!parsed) return fail(kBadModelFile, fmt::format("'{}': {}", path, parsed.error().message()));
  return parsed;
}

double StackingModel::coefficient(std::string_view name) const noexcept {
  auto it = coefficients.find(name);
  return it == coefficients.end() ? 0.0 : it->second;
}

std::string_view toString(ModelStatus status) noexcept {
  switch (status) {
    case ModelStatus::Fresh: return "fresh";
    case ModelStatus::Late: return "late";
    case ModelStatus::Failed: return "failed";
    case ModelStatus::CircuitOpen: return "circuit_open";
    case ModelStatus::OverBudget: return "over_budget";
  }
  return "fresh";
}

DecisionEngine::DecisionEngine(std::vector<std::string> columns, DecisionConfig config,
                               const Clock& clock, metrics::Registry& metrics)
    : columns_(std::move(columns)),
      config_(config),
      clock_(clock),
      metrics_(metrics),
      history_(std::max<std::size_t>(config.historySize, 1)),
      decisionsTotal_(metrics.counter("ait_ai_decisions_total", "Decisions made")),
      degradedTotal_(metrics.counter("ait_ai_decisions_degraded_total",
                                     "Decisions made without a fresh answer from every model")),
      decisionLatency_(metrics.histogram("ait_ai_decision_latency_seconds",
                                         "Time to run the models and combine them")) {}

DecisionEngine::~DecisionEngine() {
  for (auto& slot : slots_) delete slot.active.load();
}

Expected<void> DecisionEngine::install(LoadedModel model) {
  auto next = std::make_unique<Active>();
  std::vector<std::string> missing;
  for (const auto& feature : model.info.features) {
    auto it = std::ranges::find(columns_, feature);
    if (it == columns_.end()) missing.push_back(feature);
    else next->inputIndex.push_back(static_cast<std::uint32_t>(it - columns_.begin()));
  }
  if (!missing.empty()) {
    return fail(kFeatureMismatch,
                fmt::format("model '{}' v{} needs features the pipeline does not produce: {} "
                            "(pipeline: {})", model.info.name, model.info.version,
                            fmt::join(missing, ", "), fmt::join(columns_, ", ")));
  }
  next->inputs.assign(next->inputIndex.size(), 0.0);
  next->loadedAtNs = clock_.now();
  next->key = modelKey(model.info);
  MonitorConfig monitorConfig = config_.monitor;
  monitorConfig.buyThreshold = config_.buyThreshold;
  next->monitor = std::make_unique<ModelMonitor>(model.info, monitorConfig, metrics_);
  next->weight = config_.method == EnsembleMethod::Stacking
                     ? config_.stacking.coefficient(model.info.name)
                     : model.info.weight;
  next->loaded = std::move(model);

  std::lock_guard lock(control_);
  Slot* target = nullptr;
  Slot* free = nullptr;
  for (auto& slot : slots_) {
    Active* a = slot.active.load(std::memory_order_acquire);
    if (a && a->loaded.info.name == next->loaded.info.name) target = &slot;
    if (!a && !free) free = &slot;
  }
  if (target) {
    // seq_cst on both sides (this exchange, decide()'s epoch increment and its load of the
    // pointer): either decide() sees the new model, or this thread sees its epoch odd and waits.
    Active* old = target->active.exchange(next.release(), std::memory_order_seq_cst);
    waitForQuiescence();
    target->breaker->requestReset();  // a new version gets a fresh breaker window
    delete old;
    return {};
  }
  if (!free) {
    return fail(kTooManyModels, fmt::format("cannot install '{}': all {} model slots are in use",
                                            next->loaded.info.name, kMaxModels));
  }
  const auto& name = next->loaded.info.name;
  free->breaker = std::make_unique<ModelBreaker>("model-" + name, config_.breaker, clock_,
                                                 metrics_);
  free->latency = &metrics_.histogram("ait_ai_model_latency_seconds",
                                      "Time one model takes to predict", {{"model", name}});
  free->cached = false;
  free->calls = free->failures = free->late = free->circuitOpen = free->overBudget =
      free->cachedUsed = 0;
  free->active.store(next.release(), std::memory_order_release);
  return {};
}

Expected<void> DecisionEngine::remove(std::string_view name) {
  std::lock_guard lock(control_);
  for (auto& slot : slots_) {
    Active* a = slot.active.load(std::memory_order_acquire);
    if (a && a->loaded.info.name == name) {
      slot.active.store(nullptr, std::memory_order_seq_cst);
      waitForQuiescence();
      delete a;
      return {};
    }
  }
  return fail(kModelNotFound, fmt::format("no model named '{}' is installed", name));
}

void DecisionEngine::waitForQuiescence() const noexcept {
  // A decision that started before the swap may still use the old model: wait for it to end.
  std::uint64_t seen = epoch_.load(std::memory_order_seq_cst);
  if ((seen & 1u) == 0) return;
  while (epoch_.load(std::memory_order_seq_cst) == seen) std::this_thread::yield();
}

double DecisionEngine::toScore(const ModelInfo& info, double value) const noexcept {
  switch (info.output) {
    case OutputMeaning::ProbabilityUp: return std::clamp(2.0 * value - 1.0, -1.0, 1.0);
    case OutputMeaning::ExpectedReturn: return std::tanh(value / info.scoreScale);
    case OutputMeaning::Score: return std::clamp(value, -1.0, 1.0);
  }
  return 0;
}

Signal DecisionEngine::signalFor(double score) const noexcept {
  if (score >= config_.strongThreshold) return Signal::StrongBuy;
  if (score >= config_.buyThreshold) return Signal::Buy;
  if (score <= -config_.strongThreshold) return Signal::StrongSell;
  if (score <= -config_.buyThreshold) return Signal::Sell;
  return Signal::Hold;
}

const Decision& DecisionEngine::decide(std::span<const double> features, std::int64_t ts,
                                       double price) noexcept {
  epoch_.fetch_add(1, std::memory_order_seq_cst);
  const std::int64_t start = clock_.monotonicNs();
  const std::int64_t deadline = start + config_.budgetNs;
  Decision& d = current_;
  d.sequence = decisions_.load(std::memory_order_relaxed) + 1;
  d.ts = ts;
  d.degraded = false;
  d.modelCount = 0;
  driftStartCount_ = 0;

  std::uint64_t hash = 1469598103934665603ull;
  for (double v : features) {
    std::uint64_t bits;
    static_assert(sizeof bits == sizeof v);
    __builtin_memcpy(&bits, &v, sizeof bits);
    for (int b = 0; b < 8; ++b) {
      hash ^= (bits >> (8 * b)) & 0xffu;
      hash *= 1099511628211ull;
    }
  }
  d.inputsHash = hash;

  double totalWeight = 0;
  for (std::uint16_t i = 0; i < kMaxModels; ++i) {
    Slot& slot = slots_[i];
    Active* a = slot.active.load(std::memory_order_seq_cst);
    if (!a) continue;
    const ModelInfo& info = a->loaded.info;
    totalWeight += std::abs(a->weight);
    ModelOutcome& o = d.models[d.modelCount++];
    o = ModelOutcome{};
    o.slot = i;
    o.key = a->key;
    std::int64_t now = clock_.monotonicNs();
    bool fresh = false;
    bool late = false;
    double lateValue = 0;
    std::int64_t lateAt = 0;
    // Copied whether or not the model is called: monitoring watches the live inputs' drift.
    for (std::size_t k = 0; k < a->inputIndex.size(); ++k) {
      a->inputs[k] = features[a->inputIndex[k]];
    }
    if (now >= deadline) {
      o.status = ModelStatus::OverBudget;
      slot.overBudget.fetch_add(1, std::memory_order_relaxed);
    } else if (!slot.breaker->tryAcquire()) {
      o.status = ModelStatus::CircuitOpen;
      slot.circuitOpen.fetch_add(1, std::memory_order_relaxed);
    } else {
      auto result = a->loaded.model->predict(a->inputs);
      const std::int64_t end = clock_.monotonicNs();
      o.latencyNs = end - now;
      slot.calls.fetch_add(1, std::memory_order_relaxed);
      slot.lastLatencyNs.store(o.latencyNs, std::memory_order_relaxed);
      slot.latency->observeNs(o.latencyNs);
      if (!result || !std::isfinite(*result)) {
        o.status = ModelStatus::Failed;
        slot.failures.fetch_add(1, std::memory_order_relaxed);
        slot.breaker->onFailure(std::chrono::nanoseconds(o.latencyNs));
      } else {
        slot.lastValue.store(*result, std::memory_order_relaxed);
        if (end > deadline) {
          // Not used now (this decision's time is spent) but kept below for later ones.
          o.status = ModelStatus::Late;
          slot.late.fetch_add(1, std::memory_order_relaxed);
          slot.breaker->onFailure(std::chrono::nanoseconds(o.latencyNs));
          lateValue = *result;
          lateAt = end;
          late = true;
        } else {
          o.status = ModelStatus::Fresh;
          slot.breaker->onSuccess(std::chrono::nanoseconds(o.latencyNs));
          o.value = *result;
          fresh = true;
          slot.cachedValue = *result;
          slot.cachedAtNs = end;
          slot.cached = true;
        }
      }
    }
    if (!fresh) {
      d.degraded = true;
      const std::int64_t age = clock_.monotonicNs() - slot.cachedAtNs;
      if (slot.cached && age <= config_.cacheMaxAgeNs) {
        o.value = slot.cachedValue;
        o.cacheAgeNs = age;
        o.used = true;
        slot.cachedUsed.fetch_add(1, std::memory_order_relaxed);
      }
      if (late) {
        slot.cachedValue = lateValue;
        slot.cachedAtNs = lateAt;
        slot.cached = true;
      }
    } else {
      o.used = true;
    }
    o.weight = a->weight;
    if (o.used) o.score = toScore(info, o.value);
    {
      constexpr double kNone = std::numeric_limits<double>::quiet_NaN();
      const bool called = o.status == ModelStatus::Fresh || o.status == ModelStatus::Late ||
                          o.status == ModelStatus::Failed;
      const double pUp = !fresh ? kNone
                         : info.output == OutputMeaning::ProbabilityUp
                             ? std::clamp(o.value, 0.0, 1.0)
                             : (o.score + 1.0) / 2.0;
      if (a->monitor->onDecision(a->inputs, fresh ? o.score : kNone, pUp, price,
                                 called ? o.latencyNs : -1, o.status == ModelStatus::Failed)) {
        // Copied now: the model (and its names) may be swapped out after this decision.
        const auto& episode = a->monitor->episodeStart();
        DriftStart& ds = driftStarts_[driftStartCount_++];
        ds.model = decltype(ds.model)::truncated(info.name);
        ds.feature = decltype(ds.feature)::truncated(*episode.feature);
        ds.key = a->key;
        ds.psi = episode.psi;
        ds.meanShift = episode.meanShift;
      }
    }
  }
  if (d.modelCount == 0) d.degraded = true;
  combine(d, totalWeight);
  d.latencyNs = clock_.monotonicNs() - start;
  decisions_.store(d.sequence, std::memory_order_relaxed);
  epoch_.fetch_add(1, std::memory_order_seq_cst);

  decisionsTotal_.inc();
  if (d.degraded) degradedTotal_.inc();
  decisionLatency_.observeNs(d.latencyNs);
  record(d);
  return d;
}

void DecisionEngine::combine(Decision& d, double totalWeight) noexcept {
  double usedWeight = 0, weighted = 0;
  int used = 0, buys = 0, sells = 0, holds = 0;
  double buyScore = 0, sellScore = 0;
  for (std::uint16_t i = 0; i < d.modelCount; ++i) {
    const auto& o = d.models[i];
    if (!o.used) continue;
    const double w = o.weight;
    usedWeight += w;
    weighted += w * o.score;
    ++used;
    if (o.score >= config_.buyThreshold) {
      ++buys;
      buyScore += o.score;
    } else if (o.score <= -config_.buyThreshold) {
      ++sells;
      sellScore += o.score;
    } else {
      ++holds;
    }
  }
  if (config_.method == EnsembleMethod::Stacking) {
    // The meta-model sees every base score; a missing model enters as 0 (neutral).
    double z = config_.stacking.intercept;
    double usedAbs = 0;
    for (std::uint16_t i = 0; i < d.modelCount; ++i) {
      const auto& o = d.models[i];
      if (!o.used) continue;
      z += o.weight * o.score;
      usedAbs += std::abs(o.weight);
    }
    const double p = 1.0 / (1.0 + std::exp(-z));
    d.score = 2.0 * p - 1.0;
    d.signal = signalFor(d.score);
    d.confidence = std::abs(d.score) * (totalWeight > 0 ? usedAbs / totalWeight : 0.0);
    return;
  }
  if (used == 0 || usedWeight <= 0) {
    d.score = 0;
    d.signal = Signal::Hold;
    d.confidence = 0;
    return;
  }
  const double coverage = totalWeight > 0 ? usedWeight / totalWeight : 0;
  if (config_.method == EnsembleMethod::WeightedAverage) {
    d.score = weighted / usedWeight;
    d.signal = signalFor(d.score);
    d.confidence = std::min(1.0, std::abs(d.score)) * coverage;
    return;
  }
  // Majority vote: the side with the most votes wins, a tie holds; the winners' mean score says
  // whether the signal is strong; confidence is the share of the vote the winners got.
  int winners = holds;
  d.score = 0;
  if (buys > sells && buys > holds) {
    winners = buys;
    d.score = buyScore / buys;
  } else if (sells > buys && sells > holds) {
    winners = sells;
    d.score = sellScore / sells;
  } else if (!(holds > buys && holds > sells)) {
    winners = std::max({buys, sells, holds});
  }
  d.signal = signalFor(d.score);
  if (d.signal == Signal::Hold) d.score = 0;
  d.confidence = static_cast<double>(winners) / used * coverage;
}

void DecisionEngine::record(const Decision& decision) noexcept {
  std::unique_lock lock(historyMutex_, std::try_to_lock);
  if (!lock.owns_lock()) return;  // a reader is copying the history: skip rather than wait
  history_[historyNext_] = decision;
  historyNext_ = (historyNext_ + 1) % history_.size();
  historyCount_ = std::min(historyCount_ + 1, history_.size());
}

std::vector<Decision> DecisionEngine::history(std::size_t limit) const {
  std::lock_guard lock(historyMutex_);
  std::vector<Decision> out;
  std::size_t n = std::min(limit, historyCount_);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(history_[(historyNext_ + history_.size() - 1 - i) % history_.size()]);
  }
  return out;
}

std::vector<std::pair<std::string, std::uint64_t>> DecisionEngine::takeDriftAlerts() {
  std::lock_guard lock(control_);
  std::vector<std::pair<std::string, std::uint64_t>> out;
  for (auto& slot : slots_) {
    Active* a = slot.active.load(std::memory_order_acquire);
    if (!a) continue;
    if (auto n = a->monitor->takeNewAlerts()) out.emplace_back(a->loaded.info.name, n);
  }
  return out;
}

std::string DecisionEngine::modelName(std::uint16_t slot) const {
  std::lock_guard lock(control_);
  if (slot >= kMaxModels) return {};
  Active* a = slots_[slot].active.load(std::memory_order_acquire);
  return a ? a->loaded.info.name : std::string();
}

std::vector<ModelStats> DecisionEngine::stats() const {
  std::lock_guard lock(control_);
  std::vector<ModelStats> out;
  for (const auto& slot : slots_) {
    Active* a = slot.active.load(std::memory_order_acquire);
    if (!a) continue;
    ModelStats s;
    s.info = a->loaded.info;
    s.calls = slot.calls.load();
    s.failures = slot.failures.load();
    s.late = slot.late.load();
    s.circuitOpen = slot.circuitOpen.load();
    s.overBudget = slot.overBudget.load();
    s.cachedUsed = slot.cachedUsed.load();
    s.lastValue = slot.lastValue.load();
    s.lastLatencyNs = slot.lastLatencyNs.load();
    s.breaker = slot.breaker->state();
    s.loadedAtNs = a->loadedAtNs;
    s.monitor = a->monitor->snapshot();
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace ait::ai
