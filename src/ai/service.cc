#include "ait/ai/service.h"

#include <charconv>
#include <filesystem>
#include <optional>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "ait/ai/errors.h"
#include "ait/data/visibility.h"
#include "ait/http/caller.h"
#include "ait/http/message.h"
#include "ait/http/router.h"
#include "ait/log/log.h"

namespace ait::ai {

namespace {

nlohmann::json infoJson(const ModelInfo& info) {
  return {{"name", info.name},         {"version", info.version},
          {"kind", info.kind},         {"features", info.features},
          {"output", toString(info.output)}, {"weight", info.weight},
          {"file", info.file},         {"sha256", info.sha256}};
}

nlohmann::json statsJson(const ModelStats& s) {
  auto j = infoJson(s.info);
  j["stats"] = {{"calls", s.calls},
                {"failures", s.failures},
                {"late", s.late},
                {"circuit_open", s.circuitOpen},
                {"over_budget", s.overBudget},
                {"cached_used", s.cachedUsed},
                {"last_value", s.lastValue},
                {"last_latency_ns", s.lastLatencyNs},
                {"breaker", resilience::toString(s.breaker)},
                {"loaded_at_ns", s.loadedAtNs}};
  return j;
}

// A non-negative decimal integer, all digits.
std::optional<std::uint64_t> parseCount(std::string_view text) {
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

nlohmann::json monitorJson(const MonitorSnapshot& m) {
  nlohmann::json bins = nlohmann::json::array();
  for (std::size_t i = 0; i < m.reliability.size(); ++i) {
    const auto& b = m.reliability[i];
    bins.push_back({{"from", static_cast<double>(i) / kCalibrationBins},
                    {"to", static_cast<double>(i + 1) / kCalibrationBins},
                    {"count", b.count},
                    {"mean_predicted", b.meanPredicted},
                    {"observed_up", b.observedUp}});
  }
  nlohmann::json latency = nlohmann::json::array();
  for (std::size_t i = 0; i < m.latency.size(); ++i) {
    if (m.latency[i] == 0) continue;
    nlohmann::json bucket = {{"count", m.latency[i]}};
    if (i + 1 < m.latency.size()) bucket["below_ns"] = std::uint64_t{256} << i;
    else bucket["below_ns"] = nullptr;
    latency.push_back(std::move(bucket));
  }
  nlohmann::json drift = nlohmann::json::array();
  bool drifting = false;
  for (const auto& f : m.drift) {
    drifting = drifting || f.drifting;
    drift.push_back({{"feature", f.feature}, {"observed", f.observed}, {"live_mean", f.liveMean},
                     {"mean_shift_std", f.meanShift}, {"psi", f.psi}, {"drifting", f.drifting}});
  }
  return {{"predictions", m.predictions}, {"evaluated", m.evaluated},
          {"directional_calls", m.calls}, {"hits", m.hits},
          {"hit_rate", m.hitRate},        {"brier_score", m.brier},
          {"reliability", bins},          {"latency_histogram", latency},
          {"failures", m.failures},       {"drift_alerts", m.driftAlerts},
          {"drift_episodes", m.driftEpisodes},
          {"drifting", drifting},         {"drift", drift}};
}

// Adds one series' monitoring of a model to the sum over series: counts add up, the Brier score
// and reliability bins are weighted by their counts, and per input the worst-drifting series
// is shown (drifting if any series drifts).
void addMonitor(MonitorSnapshot& into, const MonitorSnapshot& from) {
  const auto weighted = [](double a, std::uint64_t na, double b, std::uint64_t nb) {
    return na + nb == 0 ? 0.0
                        : (a * static_cast<double>(na) + b * static_cast<double>(nb)) /
                              static_cast<double>(na + nb);
  };
  into.brier = weighted(into.brier, into.evaluated, from.brier, from.evaluated);
  into.predictions += from.predictions;
  into.evaluated += from.evaluated;
  into.calls += from.calls;
  into.hits += from.hits;
  into.hitRate = into.calls ? static_cast<double>(into.hits) / static_cast<double>(into.calls) : 0;
  for (std::size_t i = 0; i < kCalibrationBins; ++i) {
    auto& a = into.reliability[i];
    const auto& b = from.reliability[i];
    a.meanPredicted = weighted(a.meanPredicted, a.count, b.meanPredicted, b.count);
    a.observedUp = weighted(a.observedUp, a.count, b.observedUp, b.count);
    a.count += b.count;
  }
  for (std::size_t i = 0; i < kLatencyBuckets; ++i) into.latency[i] += from.latency[i];
  into.failures += from.failures;
  into.driftAlerts += from.driftAlerts;
  into.driftEpisodes += from.driftEpisodes;
  for (std::size_t i = 0; i < into.drift.size() && i < from.drift.size(); ++i) {
    auto& a = into.drift[i];
    const auto& b = from.drift[i];
    if (a.observed == 0 || b.psi > a.psi || b.meanShift > a.meanShift) {
      a.liveMean = b.liveMean;
      a.meanShift = b.meanShift;
      a.psi = b.psi;
    }
    a.observed += b.observed;
    a.drifting = a.drifting || b.drifting;
  }
}

int severity(resilience::CircuitState state) {
  switch (state) {
    case resilience::CircuitState::Closed: return 0;
    case resilience::CircuitState::HalfOpen: return 1;
    case resilience::CircuitState::Open: return 2;
  }
  return 0;
}

}  // namespace

std::vector<ModelStats> AiService::mergedStats(const std::vector<const Series*>& series) const {
  std::vector<ModelStats> merged;
  for (const auto& m : series_.front()->engine->stats()) {
    ModelStats zero;
    zero.info = m.info;
    zero.loadedAtNs = m.loadedAtNs;
    for (const auto& f : m.monitor.drift) zero.monitor.drift.push_back({f.feature});
    merged.push_back(std::move(zero));
  }
  for (const Series* s : series) {
    for (const auto& m : s->engine->stats()) {
      auto it = std::ranges::find_if(merged, [&](const ModelStats& x) {
        return x.info.name == m.info.name && x.info.sha256 == m.info.sha256;
      });
      if (it == merged.end()) continue;  // swapped while we read
      it->calls += m.calls;
      it->failures += m.failures;
      it->late += m.late;
      it->circuitOpen += m.circuitOpen;
      it->overBudget += m.overBudget;
      it->cachedUsed += m.cachedUsed;
      if (m.calls > 0) {
        it->lastValue = m.lastValue;
        it->lastLatencyNs = m.lastLatencyNs;
      }
      if (severity(m.breaker) > severity(it->breaker)) it->breaker = m.breaker;
      addMonitor(it->monitor, m.monitor);
    }
  }
  return merged;
}

Expected<std::unique_ptr<AiService>> AiService::create(AiServiceConfig config, const Clock& clock,
                                                       metrics::Registry& metrics,
                                                       ModelKinds kinds) {
  auto pipeline = FeaturePipeline::create(config.features);
  if (!pipeline) return Unexpected(pipeline.error());
  auto strategy = model::StrategyId::from(config.strategyId);
  if (!strategy) {
    return fail(errors::kInvalidArgument,
                fmt::format("ai.strategy_id: {}", strategy.error().message()));
  }
  std::vector<model::Symbol> symbols;
  for (const auto& text : config.symbols) {
    auto symbol = model::Symbol::from(text);
    if (!symbol) {
      return fail(errors::kInvalidArgument,
                  fmt::format("ai.symbols: '{}': {}", text, symbol.error().message()));
    }
    symbols.push_back(*symbol);
  }
  model::Timeframe timeframe;
  if (!config.timeframe.empty()) {
    auto parsed = model::Timeframe::parse(config.timeframe);
    if (!parsed || parsed->seconds == 0) {
      return fail(kBadTimeframe, fmt::format("ai.timeframe: '{}' is not a timeframe such as 1m",
                                             config.timeframe));
    }
    timeframe = *parsed;
  }
  if (config.maxSeries == 0) {
    return fail(errors::kInvalidArgument, "ai.max_series must be at least 1");
  }
  if (config.decision.method == EnsembleMethod::Stacking) {
    if (config.stackingModel.empty()) {
      return fail(errors::kInvalidArgument,
                  "ai.ensemble = \"stacking\" needs ai.stacking_model (the meta-model's JSON)");
    }
    auto meta = StackingModel::load(
        (std::filesystem::path(config.modelsDir) / config.stackingModel).string());
    if (!meta) return Unexpected(meta.error());
    config.decision.stacking = std::move(*meta);
  }
  std::unique_ptr<ChatProvider> chat;
  if (config.chatEnabled) {
    auto provider = ChatProvider::create(config.chat, clock, metrics);
    if (!provider) return Unexpected(provider.error());
    chat = std::move(*provider);
  }
  // Every series is built now, so that a new tenant's first bar allocates nothing.
  std::vector<std::unique_ptr<Series>> series;
  for (std::size_t i = 0; i < config.maxSeries; ++i) {
    auto s = std::make_unique<Series>(Series{{}, {}, timeframe, *pipeline, nullptr});
    s->engine = std::make_unique<DecisionEngine>(s->pipeline.columns(), config.decision, clock,
                                                 metrics);
    series.push_back(std::move(s));
  }
  std::unique_ptr<AiService> service(new AiService(std::move(config), std::move(series),
                                                   std::move(symbols), timeframe, clock, metrics,
                                                   std::move(kinds)));
  service->chat_ = std::move(chat);
  return service;
}

AiService::AiService(AiServiceConfig config, std::vector<std::unique_ptr<Series>> series,
                     std::vector<model::Symbol> symbols, model::Timeframe timeframe,
                     const Clock& clock, metrics::Registry& metrics, ModelKinds kinds)
    : config_(std::move(config)),
      clock_(clock),
      kinds_(std::move(kinds)),
      series_(std::move(series)),
      symbols_(std::move(symbols)),
      timeframe_(timeframe),
      seriesRefused_(metrics.counter("ait_ai_series_refused_total",
                                     "Bars and ticks not decided on: every series was taken")),
      alertsPublished_(metrics.counter("ait_ai_drift_alert_events_total",
                                       "Alert events recorded for model drift episodes")),
      alertsUnjournaled_(metrics.counter("ait_ai_alerts_unjournaled_total",
                                         "Alert events that could not be recorded in the journal")),
      loadFailures_(metrics.counter("ait_ai_model_load_failures_total",
                                    "Model loads that failed (the previous model kept serving)")),
      unjournaled_(metrics.counter("ait_ai_decisions_unjournaled_total",
                                   "Decisions that could not be recorded in the journal")),
      reloads_(metrics.counter("ait_ai_model_reloads_total",
                               "Models reloaded because their manifest or file changed on disk")) {
  context_.strategy = model::StrategyId::truncated(config_.strategyId);
  context_.method = config_.decision.method;
}

AiService::Series* AiService::seriesFor(model::TenantId tenant, const model::Symbol& symbol,
                                        model::Timeframe timeframe) noexcept {
  if (!symbols_.empty() && std::ranges::find(symbols_, symbol) == symbols_.end()) return nullptr;
  // Only this (the engine) thread claims series: a relaxed load sees its own stores.
  const std::size_t used = seriesUsed_.load(std::memory_order_relaxed);
  for (std::size_t i = 0; i < used; ++i) {
    Series& s = *series_[i];
    if (s.tenant == tenant && s.timeframe == timeframe && s.symbol == symbol) return &s;
  }
  if (used == series_.size()) {
    refused_.fetch_add(1, std::memory_order_relaxed);
    seriesRefused_.inc();
    return nullptr;
  }
  Series& s = *series_[used];
  s.tenant = tenant;
  s.symbol = symbol;
  s.timeframe = timeframe;
  seriesUsed_.store(used + 1, std::memory_order_release);  // publishes the key to REST
  return &s;
}

void AiService::onMarketTick(const model::Tick& tick) noexcept {
  if (!running_.load(std::memory_order_relaxed)) return;
  if ((tick.flags & (model::kTickBid | model::kTickAsk)) == 0 && tick.flags != 0) return;
  const double bid = tick.bid.toDouble();
  const double ask = tick.ask.toDouble();
  if (timeframe_.seconds != 0) {
    if (Series* s = seriesFor(tick.header.tenant, tick.instrument.symbol, timeframe_)) {
      s->pipeline.onTick(tick.header.tsEvent, bid, ask);
    }
    return;
  }
  // Any timeframe: the quote feeds every series of its tenant and symbol seen so far.
  const std::size_t used = seriesUsed_.load(std::memory_order_relaxed);
  for (std::size_t i = 0; i < used; ++i) {
    Series& s = *series_[i];
    if (s.tenant == tick.header.tenant && s.symbol == tick.instrument.symbol) {
      s.pipeline.onTick(tick.header.tsEvent, bid, ask);
    }
  }
}

void AiService::setDecisionJournal(DecisionSink sink, const journal::Journal* journal) {
  sink_ = std::move(sink);
  journal_ = journal;
}

const Decision* AiService::onMarketBar(const model::Bar& bar) noexcept {
  if (!running_.load(std::memory_order_relaxed)) return nullptr;
  if (timeframe_.seconds != 0 && bar.timeframe != timeframe_) return nullptr;
  Series* series = seriesFor(bar.header.tenant, bar.instrument.symbol, bar.timeframe);
  if (series == nullptr) return nullptr;
  const Decision* decision =
      decideOn(*series, Bar{bar.start, bar.open.toDouble(), bar.high.toDouble(),
                            bar.low.toDouble(), bar.close.toDouble(), bar.volume.toDouble()});
  if (decision == nullptr || !sink_) return decision;
  DecisionContext context = context_;
  context.tenant = bar.header.tenant;
  context.instrument = bar.instrument;
  // The event is built on the stack (fixed size) and copied into the journal and the bus.
  auto recorded = sink_(model::Event(std::in_place_type<model::Decision>,
                                     toEvent(*decision, context, clock_.now())));
  if (!recorded) unjournaled_.inc();
  publishDriftAlerts(*series, bar.header.tsEvent);
  return decision;
}

void AiService::publishDriftAlerts(const Series& series, TimestampNs ts) noexcept {
  for (const DriftStart& start : series.engine->driftStarts()) {
    model::Alert alert;
    alert.header.tenant = series.tenant;  // a private feed's drift is its owner's business
    alert.header.tsEvent = ts;
    alert.header.tsRecv = clock_.now();
    alert.severity = model::AlertSeverity::Warning;
    alert.source = model::ServiceName("ai-orchestration");
    alert.code = model::ReasonCode::truncated(kInputDrift.code);
    // Formatted into a fixed buffer: the event's text holds 80 characters.
    std::array<char, model::kTextCapacity> text{};
    auto out = fmt::format_to_n(text.data(), text.size(), "{} on {} {}s: {} drifts psi {:.2f} {:.1f}sd",
                                start.model.view(), series.symbol.view(),
                                series.timeframe.seconds, start.feature.view(), start.psi,
                                start.meanShift);
    const std::size_t length = std::min(out.size, text.size());
    alert.text = model::Text::truncated(std::string_view(text.data(), length));
    if (sink_(model::Event(std::in_place_type<model::Alert>, alert))) {
      alertsPublished_.inc();
    } else {
      alertsUnjournaled_.inc();
    }
  }
}

std::vector<const AiService::Series*> AiService::visibleSeries(model::TenantId tenant) const {
  std::vector<const Series*> out;
  const std::size_t used = seriesUsed_.load(std::memory_order_acquire);
  for (std::size_t i = 0; i < used; ++i) {
    if (data::visibleTo(tenant, series_[i]->tenant)) out.push_back(series_[i].get());
  }
  return out;
}

std::vector<AiService::SeriesInfo> AiService::series() const {
  std::vector<SeriesInfo> out;
  const std::size_t used = seriesUsed_.load(std::memory_order_acquire);
  for (std::size_t i = 0; i < used; ++i) {
    const Series& s = *series_[i];
    out.push_back({s.tenant, std::string(s.symbol.view()), s.timeframe.seconds,
                   s.engine->decisions()});
  }
  return out;
}

const DecisionEngine* AiService::engineOf(model::TenantId tenant, std::string_view symbol,
                                          std::uint32_t timeframeSeconds) const {
  const std::size_t used = seriesUsed_.load(std::memory_order_acquire);
  for (std::size_t i = 0; i < used; ++i) {
    const Series& s = *series_[i];
    if (s.tenant == tenant && s.symbol.view() == symbol && s.timeframe.seconds == timeframeSeconds) {
      return s.engine.get();
    }
  }
  return nullptr;
}

Expected<std::vector<model::Decision>> AiService::decisionHistory(model::TenantId tenant,
                                                                  std::string_view symbol,
                                                                  std::size_t limit) const {
  if (journal_ != nullptr) return readDecisions(*journal_, tenant, symbol, limit);
  // No journal (a service built without a runtime): the engines' in-memory histories of the
  // series the tenant may see.
  std::vector<model::Decision> out;
  for (const Series* s : visibleSeries(tenant)) {
    if (!symbol.empty() && symbol != s->symbol.view()) continue;
    DecisionContext context = context_;
    context.tenant = s->tenant;
    context.instrument.symbol = s->symbol;
    for (const auto& d : s->engine->history(limit)) out.push_back(toEvent(d, context, d.ts));
  }
  std::ranges::stable_sort(out, std::greater<>{},
                           [](const model::Decision& d) { return d.header.tsEvent; });
  if (out.size() > limit) out.resize(limit);
  return out;
}

nlohmann::json AiService::explain(const model::Decision& d) const {
  std::map<std::uint32_t, ModelInfo> known;
  {
    std::lock_guard lock(knownMutex_);
    known = known_;
  }
  nlohmann::json models = nlohmann::json::array();
  for (std::uint32_t i = 0; i < d.modelCount && i < model::kDecisionModels; ++i) {
    nlohmann::json m = {{"key", fmt::format("{:08x}", d.modelKeys[i])},
                        {"status", model::toString(d.modelStatus[i])},
                        {"used", (d.usedMask >> i & 1U) != 0},
                        {"value", d.modelValues[i]},
                        {"score", d.modelScores[i]},
                        {"weight", d.modelWeights[i]},
                        {"latency_ns", d.modelLatencyNs[i]}};
    if (auto it = known.find(d.modelKeys[i]); it != known.end()) {
      m["name"] = it->second.name;
      m["version"] = it->second.version;
      m["sha256"] = it->second.sha256;
    }
    models.push_back(std::move(m));
  }
  return {{"journal_sequence", d.header.sequence},
          {"decision_sequence", d.decisionSequence},
          {"tenant_id", d.header.tenant.value},
          {"strategy", std::string(d.strategy.view())},
          {"symbol", std::string(d.instrument.symbol.view())},
          {"venue", std::string(d.instrument.venue.view())},
          {"ts_ns", d.header.tsEvent},
          {"decided_at_ns", d.header.tsRecv},
          {"inputs_hash", fmt::format("{:016x}", d.inputsHash)},
          {"signal", model::toString(d.signal)},
          {"ensemble", model::toString(d.ensemble)},
          {"score", d.score},
          {"confidence", d.confidence},
          {"degraded", (d.flags & model::kDecisionDegraded) != 0},
          {"truncated", (d.flags & model::kDecisionTruncated) != 0},
          {"latency_ns", d.latencyNs},
          {"models", models}};
}

Expected<void> AiService::start() {
  std::vector<std::string> problems;
  for (const auto& manifest : config_.models) {
    auto loaded = loadModel(manifest);
    if (!loaded) problems.push_back(manifest + ": " + loaded.error().describe());
  }
  {
    std::lock_guard lock(problemsMutex_);
    loadProblems_ = std::move(problems);
  }
  running_ = true;
  if (config_.watchIntervalMs > 0 && !watcher_.joinable()) {
    {
      std::lock_guard lock(watchMutex_);
      watchStop_ = false;
    }
    watcher_ = std::thread([this] { watchLoop(); });
  }
  if (chat_ && config_.notesIntervalMs > 0 && !notes_.joinable()) {
    // Off the decision path: the provider's calls block this thread only.
    notes_ = std::thread([this] {
      std::unique_lock lock(watchMutex_);
      while (!watchStop_) {
        watchWake_.wait_for(lock, std::chrono::milliseconds(config_.notesIntervalMs));
        if (watchStop_) break;
        lock.unlock();
        if (auto made = refreshNote(); !made) {
          log::write(*log::logger("ai"), spdlog::level::warn, "regime note failed",
                     {{"error", made.error().describe()}});
        }
        lock.lock();
      }
    });
  }
  return {};
}

Expected<std::string> AiService::refreshNote() {
  if (!chat_) return fail(kChatConfig, "chat is off (ai.chat_enabled = false)");
  // About the first series (the first symbol's feed seen first).
  const Series& first = *series_.front();
  auto latest = first.engine->history(1);
  if (latest.empty()) return fail(kChatFailed, "no decision yet to write a note about");
  const Decision& d = latest.front();
  std::string facts = fmt::format(
      "Symbol {}. Latest ensemble decision: signal {}, score {:.3f}, confidence {:.3f}{}.",
      first.symbol.view(), toString(d.signal), d.score, d.confidence,
      d.degraded ? ", degraded" : "");
  auto text = chat_->complete(
      "You are a markets analyst. Answer with one short sentence describing the market regime.",
      facts);
  if (!text) return text;
  std::lock_guard lock(noteMutex_);
  note_ = *text;
  noteAtNs_ = clock_.now();
  return text;
}

std::pair<std::string, std::int64_t> AiService::note() const {
  std::lock_guard lock(noteMutex_);
  return {note_, noteAtNs_};
}

void AiService::stop() noexcept {
  running_ = false;
  {
    std::lock_guard lock(watchMutex_);
    watchStop_ = true;
  }
  watchWake_.notify_all();
  if (watcher_.joinable()) watcher_.join();
  if (notes_.joinable()) notes_.join();
}

AiService::~AiService() { stop(); }

void AiService::watchLoop() {
  std::unique_lock lock(watchMutex_);
  while (!watchStop_) {
    watchWake_.wait_for(lock, std::chrono::milliseconds(config_.watchIntervalMs));
    if (watchStop_) break;
    lock.unlock();
    checkForChanges();
    logDriftAlerts();
    lock.lock();
  }
}

void AiService::logDriftAlerts() {
  const std::size_t used = seriesUsed_.load(std::memory_order_acquire);
  for (std::size_t i = 0; i < used; ++i) {
    const Series& s = *series_[i];
    for (const auto& [name, alerts] : s.engine->takeDriftAlerts()) {
      log::write(*log::logger("ai"), spdlog::level::warn,
                 "model inputs drift from their training distribution",
                 {{"model", name}, {"tenant", std::to_string(s.tenant.value)},
                  {"symbol", std::string(s.symbol.view())},
                  {"timeframe_s", std::to_string(s.timeframe.seconds)},
                  {"new_alerts", std::to_string(alerts)},
                  {"see", "GET /api/v1/models/" + name + "/stats"}});
    }
  }
  if (refused_.load(std::memory_order_relaxed) > 0 && !seriesFullLogged_.exchange(true)) {
    log::write(*log::logger("ai"), spdlog::level::err,
               "every market data series is taken: bars of new series are not decided on",
               {{"code", std::string(kSeriesFull.code)},
                {"max_series", std::to_string(series_.size())}});
  }
}

std::array<std::int64_t, 4> AiService::stampOf(const std::string& manifest,
                                               const std::string& file) {
  namespace fs = std::filesystem;
  std::array<std::int64_t, 4> stamp{-1, -1, -1, -1};
  std::error_code ec;
  int i = 0;
  for (const auto* path : {&manifest, &file}) {
    auto size = fs::file_size(*path, ec);
    stamp[i++] = ec ? -1 : static_cast<std::int64_t>(size);
    auto time = fs::last_write_time(*path, ec);
    stamp[i++] = ec ? -1 : static_cast<std::int64_t>(time.time_since_epoch().count());
  }
  return stamp;
}

std::size_t AiService::checkForChanges() {
  std::vector<std::string> changed;
  {
    std::lock_guard lock(watchMutex_);
    for (auto& [manifest, w] : watched_) {
      auto now = stampOf(manifest, w.file);
      if (now != w.stamp) {
        w.stamp = now;  // a failed load is retried only when the files change again
        changed.push_back(manifest);
      }
    }
  }
  std::size_t reloaded = 0;
  for (const auto& manifest : changed) {
    log::write(*log::logger("ai"), spdlog::level::info, "model files changed on disk: reloading",
               {{"manifest", manifest}});
    if (loadModel(manifest)) {
      ++reloaded;
      reloads_.inc();
    }
  }
  return reloaded;
}

hub::Health AiService::health() const {
  hub::Health h;
  if (!running_) {
    h.status = hub::HealthStatus::Down;
    h.reason = "stopped";
    return h;
  }
  std::lock_guard lock(problemsMutex_);
  if (!loadProblems_.empty()) {
    h.status = hub::HealthStatus::Degraded;
    h.reason = fmt::format("{} configured model(s) failed to load: {}", loadProblems_.size(),
                           fmt::join(loadProblems_, "; "));
  } else if (const auto refused = refused_.load(std::memory_order_relaxed); refused > 0) {
    h.status = hub::HealthStatus::Degraded;
    h.reason = fmt::format("{}: {} bars or ticks refused, all {} series are taken ({})",
                           kSeriesFull.code, refused, series_.size(), "raise ai.max_series");
  } else if (series_.front()->engine->stats().empty()) {
    h.status = hub::HealthStatus::Degraded;
    h.reason = "no model loaded: every decision holds";
  }
  return h;
}

const Decision* AiService::onBar(const Bar& bar) noexcept {
  if (!running_.load(std::memory_order_relaxed)) return nullptr;
  Series* series = seriesFor(model::kSystemTenant,
                             symbols_.empty() ? model::Symbol{} : symbols_.front(), timeframe_);
  return series == nullptr ? nullptr : decideOn(*series, bar);
}

const Decision* AiService::decideOn(Series& series, const Bar& bar) noexcept {
  if (!running_.load(std::memory_order_relaxed)) return nullptr;
  series.pipeline.update(bar);
  // Models are not asked before every indicator is past its lookback: a NaN input would count
  // against their breakers while nothing is wrong with them.
  if (!series.pipeline.ready()) return nullptr;
  return &series.engine->decide(series.pipeline.values(), bar.ts, bar.close);
}

Expected<std::string> AiService::resolveManifest(const std::string& manifest) const {
  namespace fs = std::filesystem;
  const fs::path base = fs::weakly_canonical(config_.modelsDir);
  const fs::path path = fs::weakly_canonical(base / manifest);
  auto [end, rest] = std::mismatch(base.begin(), base.end(), path.begin(), path.end());
  if (manifest.empty() || end != base.end()) {
    return fail(errors::kInvalidArgument,
                fmt::format("manifest '{}' is not inside the models folder '{}'", manifest,
                            base.string()));
  }
  return path.string();
}

Expected<ModelInfo> AiService::loadModel(const std::string& manifest) {
  auto logger = log::logger("ai");
  auto path = resolveManifest(manifest);
  if (!path) return Unexpected(path.error());
  auto loaded = ai::loadModel(kinds_, *path);
  // Into every series, claimed or not: the first one decides whether the model fits (they all
  // have the same columns and slots).
  Expected<void> installed =
      loaded ? series_.front()->engine->install(*loaded) : Unexpected(loaded.error());
  if (installed) {
    for (std::size_t i = 1; i < series_.size(); ++i) {
      if (auto more = series_[i]->engine->install(*loaded); !more) {
        log::write(*logger, spdlog::level::err, "model install failed in a series",
                   {{"manifest", manifest}, {"error", more.error().describe()}});
      }
    }
  }
  if (loaded) {
    // Watched from now on (a failed load of a watched manifest keeps it watched, by the stamp
    // checkForChanges saw).
    std::lock_guard lock(watchMutex_);
    const std::string file = loaded->info.file;
    watched_[*path] = Watched{loaded->info.name, file, stampOf(*path, file)};
  }
  if (!installed) {
    loadFailures_.inc();
    log::write(*logger, spdlog::level::err, "model load failed",
               {{"manifest", manifest}, {"error", installed.error().describe()}});
    return Unexpected(installed.error());
  }
  {
    std::lock_guard lock(knownMutex_);
    known_[modelKey(loaded->info)] = loaded->info;
  }
  log::write(*logger, spdlog::level::info, "model loaded",
             {{"name", loaded->info.name}, {"version", loaded->info.version},
              {"kind", loaded->info.kind}, {"sha256", loaded->info.sha256}});
  return loaded->info;
}

Expected<void> AiService::unloadModel(const std::string& name) {
  auto removed = series_.front()->engine->remove(name);
  if (removed) {
    for (std::size_t i = 1; i < series_.size(); ++i) (void)series_[i]->engine->remove(name);
  }
  if (removed) {
    std::lock_guard lock(watchMutex_);
    std::erase_if(watched_, [&](const auto& entry) { return entry.second.name == name; });
  }
  if (removed) {
    log::write(*log::logger("ai"), spdlog::level::info, "model unloaded", {{"name", name}});
  }
  return removed;
}

nlohmann::json AiService::toJson(const Decision& d) const {
  nlohmann::json models = nlohmann::json::array();
  for (std::uint16_t i = 0; i < d.modelCount; ++i) {
    const auto& o = d.models[i];
    models.push_back({{"model", series_.front()->engine->modelName(o.slot)},
                      {"status", toString(o.status)},
                      {"used", o.used},
                      {"value", o.value},
                      {"score", o.score},
                      {"weight", o.weight},
                      {"latency_ns", o.latencyNs},
                      {"cache_age_ns", o.cacheAgeNs}});
  }
  return {{"sequence", d.sequence},        {"ts", d.ts},
          {"inputs_hash", fmt::format("{:016x}", d.inputsHash)},
          {"signal", toString(d.signal)},  {"score", d.score},
          {"confidence", d.confidence},    {"degraded", d.degraded},
          {"latency_ns", d.latencyNs},     {"models", models}};
}

void AiService::addRoutes(http::Router& router) {
  // Model counters and monitoring add up the series the caller may see (its own and the public
  // feeds; the public ones without a verified caller).
  const auto tenantOf = [](const http::Request& request) {
    return http::callerTenant(request).value_or(model::kSystemTenant);
  };
  router.get("/api/v1/models", [this, tenantOf](const http::Request& request) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& s : mergedStats(visibleSeries(tenantOf(request)))) {
      list.push_back(statsJson(s));
    }
    return http::Response::json(200, {{"models", list}, {"kinds", kinds_.names()}});
  });
  // Monitoring of one model: hit rate, calibration, latency histogram, failures, drift.
  router.get("/api/v1/models/{name}/stats", [this, tenantOf](const http::Request& request) {
    const auto visible = visibleSeries(tenantOf(request));
    for (const auto& s : mergedStats(visible)) {
      if (s.info.name != request.param("name")) continue;
      auto j = monitorJson(s.monitor);
      // Each series' own monitoring: hit rate and drift follow one feed.
      nlohmann::json perSeries = nlohmann::json::array();
      for (const Series* series : visible) {
        for (const auto& m : series->engine->stats()) {
          if (m.info.name != s.info.name) continue;
          auto one = monitorJson(m.monitor);
          one["tenant_id"] = series->tenant.value;
          one["symbol"] = std::string(series->symbol.view());
          one["timeframe_s"] = series->timeframe.seconds;
          one["calls"] = m.calls;
          one["breaker"] = resilience::toString(m.breaker);
          perSeries.push_back(std::move(one));
        }
      }
      j["series"] = std::move(perSeries);
      j["name"] = s.info.name;
      j["version"] = s.info.version;
      j["horizon"] = s.info.horizon;
      j["calls"] = s.calls;
      j["engine_failures"] = s.failures;
      j["late"] = s.late;
      j["breaker"] = resilience::toString(s.breaker);
      return http::Response::json(200, j);
    }
    return http::problem(404, kModelNotFound,
                         fmt::format("no model named '{}' is loaded", request.param("name")));
  });
  router.get("/api/v1/models/{name}", [this, tenantOf](const http::Request& request) {
    for (const auto& s : mergedStats(visibleSeries(tenantOf(request)))) {
      if (s.info.name == request.param("name")) return http::Response::json(200, statsJson(s));
    }
    return http::problem(404, kModelNotFound,
                         fmt::format("no model named '{}' is loaded", request.param("name")));
  });
  // Loads a model or swaps the one of the same name: {"manifest": "trend/manifest.json"}.
  router.post("/api/v1/models", [this](const http::Request& request) {
    auto body = nlohmann::json::parse(request.body, nullptr, false);
    if (body.is_discarded() || !body.is_object() || !body.contains("manifest") ||
        !body["manifest"].is_string()) {
      return http::problem(400, errors::kInvalidArgument,
                           "expected a JSON body {\"manifest\": \"path under the models folder\"}");
    }
    auto info = loadModel(body["manifest"].get<std::string>());
    if (!info) {
      int status = info.error().code().code == errors::kInvalidArgument.code ? 400 : 422;
      return http::problem(status, info.error().code(), info.error().message());
    }
    return http::Response::json(200, {{"loaded", infoJson(*info)}});
  });
  router.del("/api/v1/models/{name}", [this](const http::Request& request) {
    auto removed = unloadModel(std::string(request.param("name")));
    if (!removed) return http::problem(404, kModelNotFound, removed.error().message());
    return http::Response::json(200, {{"unloaded", request.param("name")}});
  });
  // Decision history from the journal, scoped to the verified caller's tenant:
  // ?symbol=EURUSD&limit=50.
  router.get("/api/v1/decisions", [this](const http::Request& request) {
    std::size_t limit = 50;
    if (auto text = request.query("limit")) {
      auto parsed = parseCount(*text);
      if (!parsed || *parsed > 10'000) {
        return http::problem(400, errors::kInvalidArgument,
                             fmt::format("limit '{}' is not a number from 0 to 10000", *text));
      }
      limit = *parsed;
    }
    // The tenant is the verified caller's (the gateway in process, or its signed identity).
    auto tenant = http::callerTenant(request);
    if (!tenant) return http::callerRefused(tenant.error());
    std::string symbol(request.query("symbol").value_or(""));
    auto history = decisionHistory(*tenant, symbol, limit);
    if (!history) {
      return http::problem(500, history.error().code(), history.error().message());
    }
    nlohmann::json list = nlohmann::json::array();
    for (const auto& d : *history) list.push_back(explain(d));
    return http::Response::json(200, {{"decisions", list}});
  });
  router.get("/api/v1/ai/notes", [this](const http::Request&) {
    auto [text, at] = note();
    return http::Response::json(200, {{"enabled", chat_ != nullptr},
                                      {"note", text},
                                      {"at_ns", at},
                                      {"breaker", chat_ ? std::string(resilience::toString(
                                                              chat_->breakerState()))
                                                        : std::string("closed")}});
  });
  router.get("/api/v1/ai/stats", [this, tenantOf](const http::Request& request) {
    const DecisionEngine& first = *series_.front()->engine;
    const auto& c = first.config();
    std::uint64_t decisions = 0;
    nlohmann::json list = nlohmann::json::array();
    for (const Series* s : visibleSeries(tenantOf(request))) {
      decisions += s->engine->decisions();
      list.push_back({{"tenant_id", s->tenant.value},
                      {"symbol", std::string(s->symbol.view())},
                      {"timeframe_s", s->timeframe.seconds},
                      {"decisions", s->engine->decisions()}});
    }
    return http::Response::json(
        200, {{"decisions", decisions},
              {"series", list},
              {"max_series", series_.size()},
              {"features", series_.front()->pipeline.columns()},
              {"feature_spec", series_.front()->pipeline.spec()},
              {"ensemble", toString(c.method)},
              {"budget_ns", c.budgetNs},
              {"cache_max_age_ns", c.cacheMaxAgeNs},
              {"models", first.stats().size()}});
  });
}

}  // namespace ait::ai
