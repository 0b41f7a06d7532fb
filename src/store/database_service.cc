#include "ait/store/database_service.h"

#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>

#include <fmt/format.h>

#include "ait/core/error_registry.h"
#include "ait/http/caller.h"
#include "ait/http/message.h"
#include "ait/store/errors.h"
#include "ait/store/postgres_store.h"
#include "ait/store/sqlite_store.h"
#include "ohlc.h"

namespace ait::store {

namespace {
constexpr ErrorCode kUnknownBackend{"AIT-STORE-0003", Category::Validation, Severity::Low,
                                    "no such database backend is configured"};
}  // namespace

Expected<std::unique_ptr<DatabaseService>> DatabaseService::open(const DatabaseSettings& settings,
                                                                 std::vector<StreamSource> sources) {
  auto sqlite = SqliteEventStore::open(settings.sqlitePath);
  if (!sqlite) return Unexpected(sqlite.error());
  std::unique_ptr<DatabaseService> service(new DatabaseService(settings));
  // A saved index is loaded, and one that cannot be read refuses the start: running on with an
  // empty index would overwrite the file at the next save.
  std::error_code ec;
  if (!settings.patternsDir.empty() && std::filesystem::exists(settings.patternsDir, ec)) {
    auto loaded = HnswPatternIndex::load(settings.patternsDir, settings.patterns);
    if (!loaded) return Unexpected(loaded.error());
    service->patterns_ = std::move(*loaded);
    if (auto ok = service->loadPatternMeta(); !ok) return Unexpected(ok.error());
  } else {
    auto patterns = HnswPatternIndex::create(settings.patterns);
    if (!patterns) return Unexpected(patterns.error());
    service->patterns_ = std::move(*patterns);
  }
  std::vector<std::pair<std::unique_ptr<EventStore>, std::vector<StreamSource>>> stores;
  stores.emplace_back(std::move(*sqlite), sources);
  // Server backends connect lazily: one that is down at start-up degrades the service, nothing
  // more. Each sits behind its own breaker and bulkhead.
  if (!settings.postgres.conninfo.empty()) {
    auto guarded = std::make_unique<GuardedEventStore>(PostgresEventStore::lazy(settings.postgres), settings.guard);
    service->postgresGuard_ = guarded.get();
    stores.emplace_back(std::move(guarded), sources);
  }
  if (!settings.clickhouse.url.empty()) {
    auto clickhouse = ClickHouseStore::lazy(settings.clickhouse);
    if (!clickhouse) return Unexpected(clickhouse.error());
    service->clickhouse_ = clickhouse->get();
    auto guarded = std::make_unique<GuardedEventStore>(std::move(*clickhouse), settings.guard);
    service->clickhouseGuard_ = guarded.get();
    // Ticks and bars only: ClickHouse follows the market-data stream.
    std::vector<StreamSource> marketData;
    for (const auto& source : sources) {
      if (source.name == "md") marketData.push_back(source);
    }
    stores.emplace_back(std::move(guarded), std::move(marketData));
  }
  if (settings.redis.url.empty()) {
    service->sharedState_ = std::make_unique<MemoryState>();
  } else {
    auto redis = RedisState::open(settings.redis);
    if (!redis) return Unexpected(redis.error());
    service->sharedState_ = std::move(*redis);
  }
  for (auto& [store, streams] : stores) {
    auto projector = std::make_unique<Projector>(*store, std::move(streams), settings.projection);
    auto* guarded = dynamic_cast<GuardedEventStore*>(store.get());
    service->backends_.push_back({std::move(store), std::move(projector), guarded});
  }
  return service;
}

Expected<void> DatabaseService::start() {
  // SQLite answers the reads: its instruments are there before the service is; a server that is
  // down gets them from the prober once it answers.
  if (auto ok = store().putInstruments(settings_.instruments); !ok) return ok;
  {
    std::lock_guard lock(instrumentsMutex_);
    for (std::size_t i = 1; i < backends_.size(); ++i) backends_[i].instrumentsPending = true;
  }
  for (auto& backend : backends_) backend.projector->start();
  if (!prober_.joinable()) {
    {
      std::lock_guard lock(proberMutex_);
      proberStopping_ = false;
    }
    prober_ = std::thread([this] { runProber(); });
  }
  running_ = true;
  return {};
}

void DatabaseService::runProber() {
  std::unique_lock lock(proberMutex_);
  while (!proberStopping_) {
    lock.unlock();
    putPendingInstruments();
    for (const auto& backend : backends_) (void)probe(backend);
    if (sharedState_) (void)describeSharedState(true);
    lock.lock();
    proberWake_.wait_for(lock, kProbeInterval, [this] { return proberStopping_; });
  }
}

void DatabaseService::putPendingInstruments() {
  std::lock_guard lock(instrumentsMutex_);
  for (auto& backend : backends_) {
    if (!backend.instrumentsPending) continue;
    auto ok = backend.store->putInstruments(settings_.instruments);
    if (ok || ok.error().code().code == errors::kUnsupported.code) backend.instrumentsPending = false;
  }
}

void DatabaseService::stopProber() noexcept {
  {
    std::lock_guard lock(proberMutex_);
    proberStopping_ = true;
  }
  proberWake_.notify_all();
  if (prober_.joinable()) prober_.join();
}

DatabaseService::~DatabaseService() { stopProber(); }

void DatabaseService::stop() noexcept {
  running_ = false;
  stopProber();
  for (auto& backend : backends_) backend.projector->stop();
  if (patternsUnsaved_.load() > 0) (void)savePatterns();  // a failure is in the error registry
}

namespace {

constexpr std::string_view kPatternMetaFile = "patterns.json";

Expected<std::vector<float>> featureArray(const nlohmann::json& value, std::size_t dimension);

// Writes text to path through a temporary file and a rename, so a reader never sees half a file.
Expected<void> writeAtomically(const std::filesystem::path& path, const std::string& text) {
  const auto temporary = path.string() + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) return fail(errors::kBackend, fmt::format("pattern index: cannot write {}", temporary));
  }
  std::error_code ec;
  std::filesystem::rename(temporary, path, ec);
  if (ec) return fail(errors::kBackend, fmt::format("pattern index: cannot rename to {}: {}", path.string(), ec.message()));
  return {};
}

}  // namespace

Expected<void> DatabaseService::savePatterns() {
  if (settings_.patternsDir.empty()) return {};
  std::lock_guard saving(patternsSaveMutex_);
  const auto unsaved = patternsUnsaved_.exchange(0);
  auto saved = [&]() -> Expected<void> {
    if (auto ok = patterns_->save(settings_.patternsDir); !ok) return ok;
    nlohmann::json tenants = nlohmann::json::array();
    {
      std::lock_guard lock(patternsMutex_);
      for (const auto& [tenant, meta] : patternMeta_) {
        nlohmann::json symbols = nlohmann::json::array();
        for (const auto& [id, symbol] : meta.symbols) symbols.push_back({id, symbol});
        nlohmann::json latest = nlohmann::json::array();
        for (const auto& [symbol, situation] : meta.latest) {
          latest.push_back({{"symbol", symbol}, {"id", situation.first}, {"features", situation.second}});
        }
        tenants.push_back({{"tenant", tenant}, {"symbols", std::move(symbols)}, {"latest", std::move(latest)}});
      }
    }
    const nlohmann::json meta{{"format", 1}, {"dimension", settings_.patterns.dimension}, {"tenants", std::move(tenants)}};
    return writeAtomically(settings_.patternsDir / kPatternMetaFile,
                           meta.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }();
  std::lock_guard lock(patternsMutex_);
  if (!saved) {
    patternsUnsaved_ += unsaved;  // still to save: the next add or stop tries again
    patternsSaveError_ = saved.error().describe();
    ErrorRegistry::global().record(saved.error());
  } else {
    patternsSaveError_.clear();
  }
  return saved;
}

// Reads the symbols of the saved situations (patterns.json beside the index files); a missing
// file is an index saved without symbols.
Expected<void> DatabaseService::loadPatternMeta() {
  const auto path = settings_.patternsDir / kPatternMetaFile;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return {};
  std::ifstream in(path, std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto bad = [&](std::string_view why) {
    return fail(errors::kBackend, fmt::format("pattern index: {} is not usable: {}", path.string(), why));
  };
  if (!in && !in.eof()) return bad("it cannot be read");
  const auto meta = nlohmann::json::parse(text, nullptr, false);
  if (meta.is_discarded() || !meta.is_object()) return bad("it is not JSON");
  if (meta.value("format", 0) != 1) return bad("unknown format (expected 1)");
  if (meta.value("dimension", std::size_t{0}) != settings_.patterns.dimension) {
    return bad(fmt::format("it was written for dimension {}, not {}", meta.value("dimension", std::size_t{0}),
                           settings_.patterns.dimension));
  }
  const auto tenants = meta.find("tenants");
  if (tenants == meta.end() || !tenants->is_array()) return bad("no tenants array");
  std::map<std::uint32_t, TenantPatterns> loaded;
  for (const auto& t : *tenants) {
    if (!t.is_object() || !t.contains("tenant") || !t["tenant"].is_number_unsigned() ||
        !t.contains("symbols") || !t["symbols"].is_array() || !t.contains("latest") || !t["latest"].is_array()) {
      return bad("a tenant entry lacks tenant, symbols or latest");
    }
    auto& target = loaded[t["tenant"].get<std::uint32_t>()];
    for (const auto& pair : t["symbols"]) {
      if (!pair.is_array() || pair.size() != 2 || !pair[0].is_number_unsigned() || !pair[1].is_string()) {
        return bad("a symbols entry is not [id, symbol]");
      }
      target.symbols[pair[0].get<std::uint64_t>()] = pair[1].get<std::string>();
    }
    for (const auto& l : t["latest"]) {
      if (!l.is_object() || !l.contains("symbol") || !l["symbol"].is_string() || !l.contains("id") ||
          !l["id"].is_number_unsigned()) {
        return bad("a latest entry lacks symbol or id");
      }
      auto features = featureArray(l.contains("features") ? l["features"] : nlohmann::json(),
                                   settings_.patterns.dimension);
      if (!features) return bad(features.error().message());
      target.latest[l["symbol"].get<std::string>()] = {l["id"].get<std::uint64_t>(), std::move(*features)};
    }
  }
  std::lock_guard lock(patternsMutex_);
  patternMeta_ = std::move(loaded);
  return {};
}

hub::Health DatabaseService::health() const {
  if (!running_) return {hub::HealthStatus::Down, "stopped", {}};
  hub::Health health;
  const auto degrade = [&](std::string_view backend) {
    health.status = hub::HealthStatus::Degraded;
    health.reason = fmt::format("backend {} is unreachable; trading goes on without it", backend);
  };
  for (const auto& b : backends_) {
    const auto status = b.projector->status();
    // The facts of /api/v1/databases (probe latency, pool, breaker, lag, replication) ride along.
    auto details = describe(b, false);
    details.erase("type");
    hub::DependencyHealth backend{std::string(b.store->backend()), hub::HealthStatus::Healthy, {}, std::move(details)};
    const auto breaker = b.guarded != nullptr ? b.guarded->breaker().state() : resilience::CircuitState::Closed;
    if (!status.connected || breaker != resilience::CircuitState::Closed) {
      backend.status = hub::HealthStatus::Degraded;
      backend.reason = breaker == resilience::CircuitState::Closed
                           ? status.lastError
                           : fmt::format("circuit {}: {}", resilience::toString(breaker), status.lastError);
      degrade(b.store->backend());
    }
    health.dependencies.push_back(std::move(backend));
  }
  if (sharedState_->backend() != "memory") {
    auto details = describeSharedState(false);
    details.erase("type");
    hub::DependencyHealth cache{std::string(sharedState_->backend()), hub::HealthStatus::Healthy, {}, details};
    if (!details["connected"].get<bool>()) {
      cache.status = hub::HealthStatus::Degraded;
      cache.reason = details.value("last_error", std::string("no answer"));
      degrade(sharedState_->backend());
    }
    health.dependencies.push_back(std::move(cache));
  }
  if (!settings_.patternsDir.empty()) {
    hub::DependencyHealth index{"pattern-index", hub::HealthStatus::Healthy, {},
                                {{"path", settings_.patternsDir.string()}, {"unsaved", patternsUnsaved_.load()}}};
    std::lock_guard lock(patternsMutex_);
    if (!patternsSaveError_.empty()) {
      index.status = hub::HealthStatus::Degraded;
      index.reason = patternsSaveError_;
      health.status = hub::HealthStatus::Degraded;
      if (health.reason.empty()) health.reason = "the similar-pattern index cannot be saved";
    }
    health.dependencies.push_back(std::move(index));
  }
  return health;
}

namespace {

nlohmann::json poolJson(const PoolStats& pool) {
  return {{"in_use", pool.inUse}, {"idle", pool.idle}, {"max", pool.max}, {"waiting", pool.waiting}, {"waits", pool.waits}};
}

}  // namespace

// The round trips to the backend: a ping (through the breaker, so a dead server answers at once
// while it is open), the schema versions and the replication state.
nlohmann::json DatabaseService::probe(const Backend& backend) const {
  EventStore* store = backend.store.get();
  const auto started = std::chrono::steady_clock::now();
  auto ping = store->ping();
  const double probeMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  nlohmann::json out{{"answers", ping.has_value()}, {"ping_ms", probeMs}};
  if (!ping) out["probe_error"] = ping.error().describe();
  if (ping) {
    if (auto migrations = store->migrations()) {
      out["schema_version"] = migrations->applied;
      out["schema_version_known"] = migrations->known;
    }
    if (auto replication = store->replication(); !replication) {
      out["replication"] = {{"error", replication.error().describe()}};
    } else if (!replication->is_null()) {
      out["replication"] = std::move(*replication);
    }
  }
  std::lock_guard lock(probesMutex_);
  probes_[std::string(store->backend())] = {started, out};
  return out;
}

std::optional<nlohmann::json> DatabaseService::lastProbe(const std::string& key) const {
  std::lock_guard lock(probesMutex_);
  const auto it = probes_.find(key);
  if (it == probes_.end()) return std::nullopt;
  nlohmann::json out = it->second.second;
  out["probe_age_ms"] = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - it->second.first)
                            .count();
  return out;
}

nlohmann::json DatabaseService::describe(const Backend& backend, bool fresh) const {
  EventStore* store = backend.store.get();
  nlohmann::json probed = nlohmann::json::object();
  if (fresh) {
    probed = probe(backend);
  } else if (auto last = lastProbe(std::string(store->backend()))) {
    probed = std::move(*last);
  }
  const auto status = backend.projector->status();
  nlohmann::json streams = nlohmann::json::array();
  std::uint64_t lag = 0;
  for (const auto& s : status.streams) {
    streams.push_back({{"stream", s.stream}, {"checkpoint", s.checkpoint}, {"head", s.head}, {"lag", s.lag()}});
    lag += s.lag();
  }
  nlohmann::json out{{"type", store->backend()},
                     {"connected", status.connected},
                     {"failures", status.failures},
                     {"projection_lag", lag},
                     {"streams", streams}};
  if (!status.lastError.empty()) out["last_error"] = status.lastError;
  if (const auto pool = store->poolStats()) out["pool"] = poolJson(*pool);
  if (backend.guarded != nullptr) {
    out["breaker"] = resilience::toString(backend.guarded->breaker().state());
    out["bulkhead"] = {{"in_use", backend.guarded->bulkhead().inUse()},
                       {"queued", backend.guarded->bulkhead().queued()},
                       {"max", backend.guarded->bulkhead().config().max_concurrent}};
  }
  out.update(probed);
  return out;
}

nlohmann::json DatabaseService::describeSharedState(bool fresh) const {
  const std::string key = "shared-state:" + std::string(sharedState_->backend());
  if (!fresh) {
    if (auto last = lastProbe(key)) return std::move(*last);
    // Not probed yet (the first moments after the start): one round trip, then the cache.
  }
  const auto started = std::chrono::steady_clock::now();
  auto ping = sharedState_->ping();
  nlohmann::json out{{"type", sharedState_->backend()},
                     {"role", "cache"},
                     {"connected", ping.has_value()},
                     {"answers", ping.has_value()},
                     {"ping_ms", std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count()}};
  if (!ping) out["last_error"] = ping.error().describe();
  if (auto* redis = dynamic_cast<RedisState*>(sharedState_.get())) {
    const auto pool = redis->pool().stats();
    out["pool"] = poolJson(pool);
    out["breaker"] = resilience::toString(redis->breaker().state());
  }
  std::lock_guard lock(probesMutex_);
  probes_[key] = {started, out};
  return out;
}

void DatabaseService::addRoutes(http::Router& router) {
  router.get("/api/v1/databases", [this](const http::Request&) {
    nlohmann::json all = nlohmann::json::array();
    for (const auto& backend : backends_) all.push_back(describe(backend, true));
    all.push_back(describeSharedState(true));
    return http::Response::json(200, {{"databases", all}});
  });
  router.get("/api/v1/databases/{type}/health", [this](const http::Request& request) {
    if (request.param("type") == sharedState_->backend()) {
      auto body = describeSharedState(true);
      return http::Response::json(body["connected"].get<bool>() ? 200 : 503, body);
    }
    std::string configured;
    for (const auto& backend : backends_) {
      if (request.param("type") == backend.store->backend()) {
        auto body = describe(backend, true);
        return http::Response::json(
            body["connected"].get<bool>() && body["answers"].get<bool>() ? 200 : 503, body);
      }
      configured += (configured.empty() ? "" : ", ") + std::string(backend.store->backend());
    }
    configured += ", " + std::string(sharedState_->backend());
    return http::problem(404, kUnknownBackend,
                         fmt::format("no backend '{}' (configured: {})", request.param("type"), configured));
  });
  addPatternRoutes(router);
  addGraphRoutes(router);
  addHistoryRoutes(router);
}

namespace {

using Json = nlohmann::json;

http::Response badQuery(std::string detail) { return http::problem(400, errors::kBadQuery, detail); }

// Returns the integer query parameter `name` in [low, high], fallback when absent.
Expected<long long> integerParam(const http::Request& request, std::string_view name, long long fallback,
                                 long long low, long long high) {
  const auto text = request.query(name);
  if (!text) return fallback;
  long long value = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || end != text->data() + text->size() || value < low || value > high) {
    return fail(errors::kBadQuery,
                fmt::format("{} must be an integer from {} to {}, not '{}'", name, low, high, text->substr(0, 32)));
  }
  return value;
}

// Reads "0.1,2,-3e-2" into floats; every one must be finite.
Expected<std::vector<float>> featureList(std::string_view text, std::size_t dimension) {
  std::vector<float> out;
  while (!text.empty() && out.size() <= dimension) {
    const auto comma = text.find(',');
    const auto item = text.substr(0, comma);
    float value = 0;
    const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), value);
    if (ec != std::errc() || end != item.data() + item.size() || !std::isfinite(value)) {
      return fail(errors::kBadQuery, fmt::format("features: '{}' is not a finite number", item.substr(0, 32)));
    }
    out.push_back(value);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  if (out.size() != dimension) {
    return fail(errors::kBadQuery, fmt::format("features must hold {} comma-separated numbers", dimension));
  }
  return out;
}

Expected<std::vector<float>> featureArray(const Json& value, std::size_t dimension) {
  if (!value.is_array() || value.size() != dimension) {
    return fail(errors::kBadQuery, fmt::format("features must be an array of {} numbers", dimension));
  }
  std::vector<float> out;
  for (const auto& item : value) {
    if (!item.is_number() || !std::isfinite(item.get<double>())) {
      return fail(errors::kBadQuery, "features: every element must be a finite number");
    }
    out.push_back(item.get<float>());
  }
  return out;
}

Expected<Json> bodyObject(const http::Request& request) {
  Json body = Json::parse(request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) return fail(errors::kBadQuery, "the body is not a JSON object");
  return body;
}

// "kind:name" (a name may hold ':' itself) or a {kind, name} object.
Expected<GraphNode> nodeOf(std::string_view text) {
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) return fail(errors::kBadQuery, "a node is written kind:name");
  GraphNode node{std::string(text.substr(0, colon)), std::string(text.substr(colon + 1))};
  if (!isGraphNodeKind(node.kind)) {
    return fail(errors::kBadQuery, fmt::format("node kind '{}' is not one of strategy, model, instrument, account",
                                               node.kind.substr(0, 32)));
  }
  if (node.name.empty() || node.name.size() > 200) return fail(errors::kBadQuery, "a node name is 1..200 characters");
  return node;
}

Expected<GraphNode> nodeOf(const Json& value, std::string_view field) {
  if (!value.is_object() || !value.contains("kind") || !value["kind"].is_string() || !value.contains("name") ||
      !value["name"].is_string()) {
    return fail(errors::kBadQuery, fmt::format("{} must be an object with string kind and name", field));
  }
  return nodeOf(value["kind"].get<std::string>() + ":" + value["name"].get<std::string>());
}

}  // namespace

void DatabaseService::addPatternRoutes(http::Router& router) {
  router.post("/api/v1/patterns", [this](const http::Request& request) {
    auto caller = http::callerOf(request);
    if (!caller) return http::callerRefused(caller.error());
    auto body = bodyObject(request);
    if (!body) return http::problem(body.error());
    const auto& id = (*body)["id"];
    if (!id.is_number_unsigned()) return badQuery("id must be a non-negative integer");
    std::string symbol;
    if (body->contains("symbol")) {
      if (!(*body)["symbol"].is_string() || (*body)["symbol"].get<std::string>().empty() ||
          (*body)["symbol"].get<std::string>().size() > 64) {
        return badQuery("symbol must be a string of 1..64 characters");
      }
      symbol = (*body)["symbol"].get<std::string>();
    }
    auto features = featureArray((*body)["features"], settings_.patterns.dimension);
    if (!features) return http::problem(features.error());
    const model::TenantId tenant{caller->tenant};
    const auto key = id.get<std::uint64_t>();
    if (auto ok = patterns_->add(tenant, key, *features); !ok) return http::problem(ok.error());
    if (!symbol.empty()) {
      std::lock_guard lock(patternsMutex_);
      auto& meta = patternMeta_[tenant.value];
      meta.symbols[key] = symbol;
      auto& latest = meta.latest[symbol];
      if (latest.second.empty() || key >= latest.first) latest = {key, *features};
    }
    // Every patternsSaveEvery situations the index goes to disk; a failed save is recorded and
    // makes the service degraded, the situation stays in memory and the next add tries again.
    if (!settings_.patternsDir.empty() && patternsUnsaved_.fetch_add(1) + 1 >= settings_.patternsSaveEvery) {
      (void)savePatterns();
    }
    return http::Response::json(201, {{"id", key}, {"symbol", symbol}});
  });

  router.get("/api/v1/patterns/similar", [this](const http::Request& request) {
    auto caller = http::callerOf(request);
    if (!caller) return http::callerRefused(caller.error());
    const model::TenantId tenant{caller->tenant};
    auto k = integerParam(request, "k", 10, 1, static_cast<long long>(settings_.patternsMaxK));
    if (!k) return http::problem(k.error());
    const auto symbol = request.query("symbol");
    const auto text = request.query("features");
    if (symbol.has_value() == text.has_value()) return badQuery("give either symbol or features");
    std::vector<float> query;
    std::optional<std::uint64_t> self;
    if (symbol) {
      std::lock_guard lock(patternsMutex_);
      const auto meta = patternMeta_.find(tenant.value);
      const auto* latest = [&]() -> const std::pair<std::uint64_t, std::vector<float>>* {
        if (meta == patternMeta_.end()) return nullptr;
        const auto it = meta->second.latest.find(std::string(*symbol));
        return it == meta->second.latest.end() ? nullptr : &it->second;
      }();
      if (latest == nullptr) {
        return http::problem(404, errors::kNotFound,
                             fmt::format("no situation of symbol '{}' is stored", symbol->substr(0, 64)));
      }
      self = latest->first;
      query = latest->second;
    } else {
      auto parsed = featureList(*text, settings_.patterns.dimension);
      if (!parsed) return http::problem(parsed.error());
      query = std::move(*parsed);
    }
    // A query by symbol starts from the symbol's latest situation, which is not its own match.
    const auto wanted = static_cast<std::size_t>(*k);
    auto found = patterns_->nearest(tenant, query, wanted + (self ? 1 : 0));
    if (!found) return http::problem(found.error());
    Json matches = Json::array();
    std::lock_guard lock(patternsMutex_);
    const auto meta = patternMeta_.find(tenant.value);
    for (const auto& match : *found) {
      if (match.id == self || matches.size() == wanted) continue;
      Json item{{"id", match.id}, {"distance", match.distance}};
      if (meta != patternMeta_.end()) {
        if (auto it = meta->second.symbols.find(match.id); it != meta->second.symbols.end()) item["symbol"] = it->second;
      }
      matches.push_back(std::move(item));
    }
    Json out{{"k", wanted}, {"matches", std::move(matches)}};
    if (symbol) {
      out["symbol"] = *symbol;
      out["from_id"] = *self;
    }
    return http::Response::json(200, out);
  });
}

namespace {

constexpr long long kMaxHistoryRows = 1000;
constexpr long long kLatestNs = std::numeric_limits<std::int64_t>::max();

Expected<long long> limitParam(const http::Request& request) {
  return integerParam(request, "limit", 100, 1, kMaxHistoryRows);
}

// A symbol or account named in a query: 1..64 characters (bound as a parameter all the same).
Expected<std::string> nameParam(const http::Request& request, std::string_view name, bool required) {
  const auto text = request.query(name);
  if (!text) {
    if (required) return fail(errors::kBadQuery, fmt::format("{} is required", name));
    return std::string();
  }
  if (text->empty() || text->size() > 64) {
    return fail(errors::kBadQuery, fmt::format("{} must be 1..64 characters", name));
  }
  return std::string(*text);
}

// The [from, to) range of a time-series read, in nanoseconds since the epoch.
Expected<std::pair<std::int64_t, std::int64_t>> rangeParams(const http::Request& request) {
  auto from = integerParam(request, "from", 0, 0, kLatestNs);
  if (!from) return Unexpected(from.error());
  auto to = integerParam(request, "to", kLatestNs, 0, kLatestNs);
  if (!to) return Unexpected(to.error());
  if (*from >= *to) return fail(errors::kBadQuery, fmt::format("from ({}) must be before to ({})", *from, *to));
  return std::pair<std::int64_t, std::int64_t>{*from, *to};
}

http::Response rowsResponse(const Expected<nlohmann::json>& rows, nlohmann::json out) {
  if (!rows) return http::problem(rows.error());
  out["count"] = rows->size();
  out["items"] = *rows;
  return http::Response::json(200, out);
}

}  // namespace

namespace {

// A history read: the verified caller's tenant (401 without one) and a valid limit (400), then
// read(request, tenant, limit).
template <class Read>
void historyRoute(http::Router& router, const std::string& path, Read read) {
  router.get(path, [read](const http::Request& request) {
    auto caller = http::callerOf(request);
    if (!caller) return http::callerRefused(caller.error());
    auto limit = limitParam(request);
    if (!limit) return http::problem(limit.error());
    return read(request, model::TenantId{caller->tenant}, static_cast<std::size_t>(*limit));
  });
}

// A list of the tenant's rows: {"limit", "count", "items"}.
template <class List>
void listRoute(http::Router& router, const std::string& path, List list) {
  historyRoute(router, path, [list](const http::Request& request, model::TenantId tenant, std::size_t limit) {
    return rowsResponse(list(request, tenant, limit), {{"limit", limit}});
  });
}

}  // namespace

void DatabaseService::addHistoryRoutes(http::Router& router) {
  using Request = http::Request;
  using Tenant = model::TenantId;
  listRoute(router, "/api/v1/history/orders",
            [this](const Request&, Tenant tenant, std::size_t limit) { return orderHistory(tenant, limit); });

  listRoute(router, "/api/v1/history/fills", [this](const Request& request, Tenant tenant, std::size_t limit) {
    auto account = nameParam(request, "account", false);
    if (!account) return Expected<nlohmann::json>(Unexpected(account.error()));
    return accountHistory(tenant, *account, limit);
  });

  historyRoute(router, "/api/v1/history/accounts/{account}",
               [this](const Request& request, Tenant tenant, std::size_t limit) {
                 const std::string account(request.param("account"));
                 if (account.empty() || account.size() > 64) return badQuery("account must be 1..64 characters");
                 auto history = accountSnapshot(tenant, account, limit);
                 if (!history) return http::problem(history.error());
                 // An account without a trace is no account of this tenant: another tenant's looks the same.
                 if ((*history)["states"].empty() && (*history)["fills"].empty()) {
                   return http::problem(404, errors::kNotFound, fmt::format("no account '{}'", account.substr(0, 64)));
                 }
                 (*history)["account"] = account;
                 return http::Response::json(200, *history);
               });

  listRoute(router, "/api/v1/history/positions", [this](const Request& request, Tenant tenant, std::size_t limit) {
    auto account = nameParam(request, "account", false);
    if (!account) return Expected<nlohmann::json>(Unexpected(account.error()));
    const auto open = request.query("open");
    if (open && *open != "true" && *open != "false") {
      return Expected<nlohmann::json>(fail(errors::kBadQuery, "open must be true or false"));
    }
    return store().positions(tenant, *account, open && *open == "true", limit);
  });

  listRoute(router, "/api/v1/history/decisions", [this](const Request& request, Tenant tenant, std::size_t limit) {
    auto symbol = nameParam(request, "symbol", false);
    if (!symbol) return Expected<nlohmann::json>(Unexpected(symbol.error()));
    return store().decisions(tenant, *symbol, limit);
  });

  listRoute(router, "/api/v1/history/models",
            [this](const Request&, Tenant tenant, std::size_t limit) { return store().models(tenant, limit); });

  // Instruments are reference data shared by every tenant: any verified caller reads them all.
  listRoute(router, "/api/v1/history/instruments",
            [this](const Request&, Tenant, std::size_t limit) { return store().instruments(limit); });

  historyRoute(router, "/api/v1/history/ticks", [this](const Request& request, Tenant tenant, std::size_t limit) {
    auto symbol = nameParam(request, "symbol", true);
    if (!symbol) return http::problem(symbol.error());
    auto range = rangeParams(request);
    if (!range) return http::problem(range.error());
    return rowsResponse(tickRange(tenant, *symbol, range->first, range->second, limit),
                        {{"symbol", *symbol}, {"limit", limit}});
  });

  historyRoute(router, "/api/v1/history/bars", [this](const Request& request, Tenant tenant, std::size_t limit) {
    auto symbol = nameParam(request, "symbol", true);
    if (!symbol) return http::problem(symbol.error());
    auto range = rangeParams(request);
    if (!range) return http::problem(range.error());
    const auto interval = request.query("interval").value_or("1m");
    auto timeframe = model::Timeframe::parse(interval);
    if (!timeframe || timeframe->seconds == 0) {
      return badQuery(fmt::format("interval must be like 30s, 1m, 1h or 1d, not '{}'", interval.substr(0, 32)));
    }
    OhlcQuery query{tenant, *symbol, range->first, range->second,
                    static_cast<std::int64_t>(timeframe->seconds) * 1'000'000'000, limit};
    return rowsResponse(bars(query), {{"symbol", *symbol}, {"interval", timeframe->toString()}, {"limit", limit}});
  });
}

Expected<PostgresGraph*> DatabaseService::graph() {
  std::lock_guard lock(graphMutex_);
  if (graph_ != nullptr) return graph_.get();
  if (postgresGuard_ == nullptr) {
    return fail(errors::kUnsupported, "graph queries need PostgreSQL: set database.postgres_url");
  }
  auto opened = postgresGuard_->guard([&] { return PostgresGraph::open(settings_.postgres); });
  if (!opened) return Unexpected(opened.error());
  graph_ = std::move(*opened);
  return graph_.get();
}

void DatabaseService::addGraphRoutes(http::Router& router) {
  const auto unavailable = [](const Error& error) {
    return error.code().code == errors::kUnsupported.code ? http::problem(404, error.code(), error.message())
                                                : http::problem(error);
  };
  router.post("/api/v1/graph/edges", [this, unavailable](const http::Request& request) {
    auto caller = http::callerOf(request);
    if (!caller) return http::callerRefused(caller.error());
    auto body = bodyObject(request);
    if (!body) return http::problem(body.error());
    auto from = nodeOf((*body)["from"], "from");
    if (!from) return http::problem(from.error());
    auto to = nodeOf((*body)["to"], "to");
    if (!to) return http::problem(to.error());
    const auto& relation = (*body)["relation"];
    if (!relation.is_string() || relation.get<std::string>().empty() || relation.get<std::string>().size() > 64) {
      return badQuery("relation must be a string of 1..64 characters");
    }
    double weight = 1.0;
    if (body->contains("weight")) {
      if (!(*body)["weight"].is_number() || !std::isfinite((*body)["weight"].get<double>())) {
        return badQuery("weight must be a finite number");
      }
      weight = (*body)["weight"].get<double>();
    }
    auto graph = this->graph();
    if (!graph) return unavailable(graph.error());
    const GraphEdge edge{*from, *to, relation.get<std::string>(), weight};
    const model::TenantId tenant{caller->tenant};
    if (auto ok = postgresGuard_->guard([&] { return (*graph)->link(tenant, edge); }); !ok) {
      return http::problem(ok.error());
    }
    return http::Response::json(201, {{"from", from->kind + ":" + from->name},
                                      {"to", to->kind + ":" + to->name},
                                      {"relation", edge.relation},
                                      {"weight", weight}});
  });

  router.get("/api/v1/graph/links", [this, unavailable](const http::Request& request) {
    auto caller = http::callerOf(request);
    if (!caller) return http::callerRefused(caller.error());
    const auto fromText = request.query("from");
    if (!fromText) return badQuery("from=kind:name is required");
    auto from = nodeOf(*fromText);
    if (!from) return http::problem(from.error());
    auto depth = integerParam(request, "depth", 2, 1, settings_.graphMaxDepth);
    if (!depth) return http::problem(depth.error());
    auto graph = this->graph();
    if (!graph) return unavailable(graph.error());
    const model::TenantId tenant{caller->tenant};
    auto linked = postgresGuard_->guard([&] { return (*graph)->linked(tenant, *from, static_cast<int>(*depth)); });
    if (!linked) return http::problem(linked.error());
    // A node without links is no node of this tenant's graph: another tenant's looks the same.
    if (linked->empty()) {
      return http::problem(404, errors::kNotFound,
                           fmt::format("no node {}:{} in the graph", from->kind, from->name.substr(0, 64)));
    }
    Json links = Json::array();
    for (const auto& n : *linked) links.push_back({{"kind", n.node.kind}, {"name", n.node.name}, {"depth", n.depth}});
    return http::Response::json(200, {{"from", from->kind + ":" + from->name}, {"depth", *depth}, {"links", links}});
  });
}

Expected<nlohmann::json> DatabaseService::orderHistory(model::TenantId tenant, std::size_t limit) {
  return store().orders(tenant, limit);
}

Expected<nlohmann::json> DatabaseService::accountHistory(model::TenantId tenant, std::string_view account,
                                                         std::size_t limit) {
  if (account.empty()) return store().fills(tenant, limit);
  return store().accountFills(tenant, account, limit);
}

Expected<nlohmann::json> DatabaseService::accountSnapshot(model::TenantId tenant, std::string_view account,
                                                          std::size_t limit) {
  auto states = store().accountStates(tenant, account, limit);
  if (!states) return states;
  auto fills = store().accountFills(tenant, account, limit);
  if (!fills) return fills;
  return nlohmann::json{{"states", std::move(*states)}, {"fills", std::move(*fills)}};
}

Expected<nlohmann::json> DatabaseService::tickRange(model::TenantId tenant, std::string_view symbol,
                                                    std::int64_t fromNs, std::int64_t toNs, std::size_t limit) {
  EventStore& source = clickhouseGuard_ != nullptr ? static_cast<EventStore&>(*clickhouseGuard_) : store();
  return source.ticks(tenant, symbol, fromNs, toNs, limit);
}

Expected<nlohmann::json> DatabaseService::bars(const OhlcQuery& query) {
  if (clickhouse_ != nullptr) return clickhouseGuard_->guard([&] { return clickhouse_->ohlc(query); });
  if (query.intervalNs <= 0) return fail(errors::kConfig, "ohlc: the interval must be positive");
  // Enough ticks for the asked-for bars is unknown up front; the relational store is the
  // small-desk default, so read the range (bounded) and aggregate here.
  auto ticks = store().ticks(query.tenant, query.symbol, query.fromNs, query.toNs, 1'000'000);
  if (!ticks) return ticks;
  auto bars = ohlc::aggregate(*ticks, query.intervalNs);
  if (!bars) return bars;
  if (bars->size() > query.limit) bars->erase(bars->begin() + static_cast<std::ptrdiff_t>(query.limit), bars->end());
  return bars;
}

Expected<std::vector<std::pair<std::string, MigrationState>>> migrateAll(const DatabaseSettings& settings) {
  std::vector<std::pair<std::string, MigrationState>> states;
  auto sqlite = SqliteEventStore::open(settings.sqlitePath);
  if (!sqlite) return Unexpected(sqlite.error());
  auto state = (*sqlite)->migrations();
  if (!state) return Unexpected(state.error());
  states.emplace_back("sqlite", *state);
  if (!settings.postgres.conninfo.empty()) {
    auto pg = PostgresEventStore::open(settings.postgres);
    if (!pg) return Unexpected(pg.error());
    auto pgState = (*pg)->migrations();
    if (!pgState) return Unexpected(pgState.error());
    states.emplace_back("postgresql", *pgState);
  }
  if (!settings.clickhouse.url.empty()) {
    auto ch = ClickHouseStore::open(settings.clickhouse);
    if (!ch) return Unexpected(ch.error());
    auto chState = (*ch)->migrations();
    if (!chState) return Unexpected(chState.error());
    states.emplace_back("clickhouse", *chState);
  }
  return states;
}

}  // namespace ait::store
