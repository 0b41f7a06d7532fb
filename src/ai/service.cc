#include "ait/ai/service.h"

#include <filesystem>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "ait/ai/errors.h"
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

}  // namespace

Expected<std::unique_ptr<AiService>> AiService::create(AiServiceConfig config, const Clock& clock,
                                                       metrics::Registry& metrics,
                                                       ModelKinds kinds) {
  auto pipeline = FeaturePipeline::create(config.features);
  if (!pipeline) return Unexpected(pipeline.error());
  return std::unique_ptr<AiService>(
      new AiService(std::move(config), std::move(*pipeline), clock, metrics, std::move(kinds)));
}

AiService::AiService(AiServiceConfig config, FeaturePipeline pipeline, const Clock& clock,
                     metrics::Registry& metrics, ModelKinds kinds)
    : config_(std::move(config)),
      pipeline_(std::move(pipeline)),
      clock_(clock),
      kinds_(std::move(kinds)),
      engine_(std::make_unique<DecisionEngine>(pipeline_.columns(), config_.decision, clock,
                                               metrics)),
      loadFailures_(metrics.counter("ait_ai_model_load_failures_total",
                                    "Model loads that failed (the previous model kept serving)")) {}

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
  return {};
}

void AiService::stop() noexcept { running_ = false; }

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
  } else if (engine_->stats().empty()) {
    h.status = hub::HealthStatus::Degraded;
    h.reason = "no model loaded: every decision holds";
  }
  return h;
}

const Decision* AiService::onBar(const Bar& bar) noexcept {
  if (!running_.load(std::memory_order_relaxed)) return nullptr;
  pipeline_.update(bar);
  // Models are not asked before every indicator is past its lookback: a NaN input would count
  // against their breakers while nothing is wrong with them.
  if (!pipeline_.ready()) return nullptr;
  return &engine_->decide(pipeline_.values(), bar.ts);
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
  Expected<void> installed = loaded ? engine_->install(*loaded) : Unexpected(loaded.error());
  if (!installed) {
    loadFailures_.inc();
    log::write(*logger, spdlog::level::err, "model load failed",
               {{"manifest", manifest}, {"error", installed.error().describe()}});
    return Unexpected(installed.error());
  }
  log::write(*logger, spdlog::level::info, "model loaded",
             {{"name", loaded->info.name}, {"version", loaded->info.version},
              {"kind", loaded->info.kind}, {"sha256", loaded->info.sha256}});
  return loaded->info;
}

Expected<void> AiService::unloadModel(const std::string& name) {
  auto removed = engine_->remove(name);
  if (removed) {
    log::write(*log::logger("ai"), spdlog::level::info, "model unloaded", {{"name", name}});
  }
  return removed;
}

nlohmann::json AiService::toJson(const Decision& d) const {
  nlohmann::json models = nlohmann::json::array();
  for (std::uint16_t i = 0; i < d.modelCount; ++i) {
    const auto& o = d.models[i];
    models.push_back({{"model", engine_->modelName(o.slot)},
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
  router.get("/api/v1/models", [this](const http::Request&) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& s : engine_->stats()) list.push_back(statsJson(s));
    return http::Response::json(200, {{"models", list}, {"kinds", kinds_.names()}});
  });
  router.get("/api/v1/models/{name}", [this](const http::Request& request) {
    for (const auto& s : engine_->stats()) {
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
  router.get("/api/v1/decisions", [this](const http::Request& request) {
    std::size_t limit = 50;
    if (auto text = request.query("limit")) {
      try {
        limit = std::stoul(std::string(*text));
      } catch (const std::exception&) {
        return http::problem(400, errors::kInvalidArgument,
                             fmt::format("limit '{}' is not a number", *text));
      }
    }
    nlohmann::json list = nlohmann::json::array();
    for (const auto& d : engine_->history(limit)) list.push_back(toJson(d));
    return http::Response::json(200, {{"decisions", list}});
  });
  router.get("/api/v1/ai/stats", [this](const http::Request&) {
    const auto& c = engine_->config();
    return http::Response::json(
        200, {{"decisions", engine_->decisions()},
              {"features", pipeline_.columns()},
              {"feature_spec", pipeline_.spec()},
              {"ensemble", toString(c.method)},
              {"budget_ns", c.budgetNs},
              {"cache_max_age_ns", c.cacheMaxAgeNs},
              {"models", engine_->stats().size()}});
  });
}

}  // namespace ait::ai
