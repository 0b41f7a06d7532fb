#include "ait/analytics/backtests.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <random>
#include <sstream>

#include <fmt/format.h>

#include "ait/analytics/errors.h"
#include "ait/http/caller.h"
#include "ait/log/log.h"
#include "ait/model/time.h"
#include "ait/trading/backtest.h"

namespace ait::analytics {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr std::size_t kMaxStrategyBytes = 64 * 1024;
constexpr std::size_t kMaxListedFiles = 1000;
constexpr std::string_view kInterrupted = "interrupted by a restart before it finished; submit it again";

bool isJobId(std::string_view id) {
  return id.size() == 16 && std::ranges::all_of(id, [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::optional<JobState> stateFrom(std::string_view text) {
  for (auto s : {JobState::Queued, JobState::Running, JobState::Done, JobState::Failed}) {
    if (toString(s) == text) return s;
  }
  return std::nullopt;
}

json timeOrNull(TimestampNs ts, TimestampNs unset) {
  return ts == unset ? json(nullptr) : json(model::toIso8601(ts));
}

// JSON has no NaN or infinity (a profit factor without a losing trade): those are null.
json number(double value) { return std::isfinite(value) ? json(value) : json(nullptr); }

json statisticsJson(const trading::Statistics& s) {
  return {{"start", model::toIso8601(s.start)},
          {"end", model::toIso8601(s.end)},
          {"start_equity", number(s.startEquity)},
          {"final_equity", number(s.finalEquity)},
          {"total_return_pct", number(s.totalReturnPct)},
          {"annual_return_pct", number(s.annualReturnPct)},
          {"annual_volatility_pct", number(s.annualVolatilityPct)},
          {"sharpe", number(s.sharpe)},
          {"sortino", number(s.sortino)},
          {"calmar", number(s.calmar)},
          {"max_drawdown_pct", number(s.maxDrawdownPct)},
          {"max_drawdown_days", number(s.maxDrawdownDays)},
          {"trades", s.trades},
          {"win_rate_pct", number(s.winRatePct)},
          {"profit_factor", number(s.profitFactor)},
          {"expectancy", number(s.expectancy)},
          {"sqn", number(s.sqn)},
          {"exposure_pct", number(s.exposurePct)},
          {"buy_and_hold_pct", number(s.buyAndHoldPct)},
          {"orders_denied", s.ordersDenied}};
}

std::string htmlEscape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// Writes beside the target and renames, so a reader (or a restart) never sees half a file.
Expected<void> writeAtomically(const fs::path& path, std::string_view text) {
  fs::path temp = path;
  temp += ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    if (!out) return fail(errors::kBacktestStore, fmt::format("{}: cannot write", temp.string()));
  }
  std::error_code ec;
  fs::rename(temp, path, ec);
  if (ec) return fail(errors::kBacktestStore, fmt::format("{}: {}", path.string(), ec.message()));
  return {};
}

std::optional<std::string> readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

Expected<BacktestRequest> requestFrom(std::string_view body) {
  auto doc = json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return fail(errors::kBadBacktest, "the body must be a JSON object: {\"data\", \"strategy\", "
                                      "\"from\"?, \"to\"?, \"cash\"?}");
  }
  BacktestRequest r;
  auto text = [&](const char* key, bool required) -> Expected<std::optional<std::string>> {
    auto it = doc.find(key);
    if (it == doc.end() || it->is_null()) {
      if (required) return fail(errors::kBadBacktest, fmt::format("'{}' is required", key));
      return std::optional<std::string>{};
    }
    if (!it->is_string()) return fail(errors::kBadBacktest, fmt::format("'{}' must be a string", key));
    return std::optional<std::string>{it->get<std::string>()};
  };
  auto data = text("data", true);
  if (!data) return Unexpected(data.error());
  r.data = **data;
  auto strategy = text("strategy", true);
  if (!strategy) return Unexpected(strategy.error());
  r.strategy = **strategy;
  for (auto [key, field] : {std::pair{"from", &r.from}, std::pair{"to", &r.to}}) {
    auto value = text(key, false);
    if (!value) return Unexpected(value.error());
    if (!*value || (*value)->empty()) continue;
    auto ts = model::parseIso8601(**value);
    if (!ts) return fail(errors::kBadBacktest, fmt::format("'{}': {}", key, ts.error().message()));
    *field = *ts;
  }
  if (auto it = doc.find("cash"); it != doc.end() && !it->is_null()) {
    if (!it->is_number()) return fail(errors::kBadBacktest, "'cash' must be a number");
    r.cash = it->get<double>();
    if (!std::isfinite(r.cash) || r.cash <= 0) {
      return fail(errors::kBadBacktest, "'cash' must be greater than 0");
    }
  }
  return r;
}

}  // namespace

std::string_view toString(JobState state) noexcept {
  switch (state) {
    case JobState::Queued: return "queued";
    case JobState::Running: return "running";
    case JobState::Done: return "done";
    case JobState::Failed: return "failed";
  }
  return "unknown";
}

json toJson(const BacktestJob& job) {
  json out{{"id", job.id},
           {"state", toString(job.state)},
           {"progress", job.progress},
           {"data", job.request.data},
           {"from", timeOrNull(job.request.from, INT64_MIN)},
           {"to", timeOrNull(job.request.to, INT64_MAX)},
           {"cash", job.request.cash},
           {"created", model::toIso8601(job.created)},
           {"finished", timeOrNull(job.finished, 0)}};
  if (job.state == JobState::Done) {
    out["statistics"] = job.statistics;
    out["instrument"] = job.instrument;
    out["report"] = fmt::format("/api/v1/backtests/{}/report", job.id);
  }
  if (job.state == JobState::Failed) out["error"] = job.error;
  return out;
}

BacktestJobs::BacktestJobs(BacktestSettings settings, const Clock& clock)
    : settings_(std::move(settings)), clock_(clock) {
  std::random_device seed;
  idState_ = (static_cast<std::uint64_t>(seed()) << 32) ^ seed() ^
             static_cast<std::uint64_t>(clock_.now());
}

BacktestJobs::~BacktestJobs() { stop(); }

Expected<std::unique_ptr<BacktestJobs>> BacktestJobs::open(BacktestSettings settings,
                                                           const Clock& clock) {
  if (settings.workers < 1) {
    return fail(errors::kBadBacktest, fmt::format("backtest workers {} must be at least 1", settings.workers));
  }
  if (!std::isfinite(settings.defaultCash) || settings.defaultCash <= 0) {
    return fail(errors::kBadBacktest, "the default backtest cash must be greater than 0");
  }
  std::unique_ptr<BacktestJobs> jobs(new BacktestJobs(std::move(settings), clock));
  if (auto ok = jobs->load(); !ok) return Unexpected(ok.error());
  return jobs;
}

Expected<void> BacktestJobs::load() {
  std::error_code ec;
  fs::create_directories(settings_.resultsDir, ec);
  if (ec) {
    return fail(errors::kBacktestStore,
                fmt::format("backtest results directory {}: {}", settings_.resultsDir.string(), ec.message()));
  }
  auto logger = log::logger("analytics");
  std::size_t loaded = 0;
  for (const auto& tenantDir : fs::directory_iterator(settings_.resultsDir, ec)) {
    const auto tenantName = tenantDir.path().filename().string();
    if (!tenantDir.is_directory() || tenantName.empty() || tenantName.size() > 10 ||
        !std::ranges::all_of(tenantName, [](char c) { return c >= '0' && c <= '9'; })) {
      continue;
    }
    const auto number = std::stoull(tenantName);
    if (number > UINT32_MAX) continue;
    const auto tenant = static_cast<std::uint32_t>(number);
    std::error_code inner;
    for (const auto& jobDir : fs::directory_iterator(tenantDir.path(), inner)) {
      const auto id = jobDir.path().filename().string();
      if (!isJobId(id)) continue;
      auto text = readFile(jobDir.path() / "result.json");
      auto doc = text ? json::parse(*text, nullptr, false) : json(nullptr);
      auto state = doc.is_object() ? stateFrom(doc.value("state", "")) : std::nullopt;
      if (!state || doc.value("id", "") != id) {
        log::warn(*logger, "backtest result unreadable, skipped", {{"path", jobDir.path().string()}});
        continue;
      }
      BacktestJob job;
      job.id = id;
      job.tenant = model::TenantId{tenant};
      job.state = *state;
      job.progress = doc.value("progress", 0.0);
      job.request.data = doc.value("data", "");
      job.request.cash = doc.value("cash", 0.0);
      auto timeOf = [&](const char* key, TimestampNs unset) {
        if (!doc.contains(key) || !doc[key].is_string()) return unset;
        auto ts = model::parseIso8601(doc[key].get<std::string>());
        return ts ? *ts : unset;
      };
      job.request.from = timeOf("from", INT64_MIN);
      job.request.to = timeOf("to", INT64_MAX);
      job.created = timeOf("created", 0);
      job.finished = timeOf("finished", 0);
      job.error = doc.value("error", "");
      job.instrument = doc.value("instrument", "");
      if (doc.contains("statistics")) job.statistics = doc["statistics"];
      if (job.state == JobState::Queued || job.state == JobState::Running) {
        // Its worker went with the process; say so rather than leave it queued for ever.
        job.state = JobState::Failed;
        job.error = std::string(kInterrupted);
        job.finished = clock_.now();
        if (auto ok = persist(job); !ok) return ok;
      }
      jobs_.emplace(id, std::move(job));
      ++loaded;
    }
  }
  if (ec) {
    return fail(errors::kBacktestStore,
                fmt::format("backtest results directory {}: {}", settings_.resultsDir.string(), ec.message()));
  }
  log::info(*logger, "backtest jobs read back", {{"jobs", std::to_string(loaded)},
                                                  {"dir", settings_.resultsDir.string()}});
  return {};
}

void BacktestJobs::start() {
  std::lock_guard lock(mutex_);
  if (!stopping_) return;
  stopping_ = false;
  for (int i = 0; i < settings_.workers; ++i) workers_.emplace_back([this] { work(); });
}

void BacktestJobs::stop() noexcept {
  std::vector<std::thread> workers;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    workers.swap(workers_);
  }
  changed_.notify_all();
  for (auto& w : workers) w.join();
}

fs::path BacktestJobs::jobDir(const BacktestJob& job) const {
  return settings_.resultsDir / std::to_string(job.tenant.value) / job.id;
}

Expected<void> BacktestJobs::persist(const BacktestJob& job) const {
  std::error_code ec;
  const auto dir = jobDir(job);
  fs::create_directories(dir, ec);
  if (ec) return fail(errors::kBacktestStore, fmt::format("{}: {}", dir.string(), ec.message()));
  auto doc = toJson(job);
  doc["tenant_id"] = job.tenant.value;
  doc["statistics"] = job.statistics;
  doc["instrument"] = job.instrument;
  doc["error"] = job.error;
  return writeAtomically(dir / "result.json", doc.dump(2));
}

std::string BacktestJobs::newId() {
  // splitmix64 over a random seed: unguessable enough for names that are checked per tenant anyway.
  std::uint64_t z = (idState_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return fmt::format("{:016x}", z ^ (z >> 31));
}

Expected<fs::path> BacktestJobs::resolveData(std::string_view name) const {
  if (name.empty()) return fail(errors::kBadBacktest, "'data' is empty: name a file of the data directory");
  if (name.find('\0') != std::string_view::npos || name.find('\\') != std::string_view::npos) {
    return fail(errors::kBadBacktest, fmt::format("data '{}': the name holds a forbidden character", name));
  }
  const fs::path relative(name);
  if (relative.is_absolute() || relative.has_root_path()) {
    return fail(errors::kBadBacktest,
                fmt::format("data '{}': absolute paths are refused; name a file inside the data directory", name));
  }
  for (const auto& part : relative) {
    if (part == "..") {
      return fail(errors::kBadBacktest,
                  fmt::format("data '{}': '..' is refused; name a file inside the data directory", name));
    }
  }
  std::error_code ec;
  const auto root = fs::canonical(settings_.dataDir, ec);
  if (ec) {
    return fail(errors::kBadBacktest,
                fmt::format("the backtest data directory {} does not exist", settings_.dataDir.string()));
  }
  const auto full = fs::weakly_canonical(root / relative, ec);
  // Symbolic links are followed by canonical(): whatever they point at must stay inside too.
  auto [rootEnd, fullAt] = std::ranges::mismatch(root, full);
  if (ec || rootEnd != root.end()) {
    return fail(errors::kBadBacktest, fmt::format("data '{}' leads outside the data directory", name));
  }
  if (!fs::is_regular_file(full, ec)) {
    return fail(errors::kBadBacktest, fmt::format("data '{}': no such file in the data directory", name));
  }
  return full;
}

std::vector<std::string> BacktestJobs::dataFiles() const {
  std::vector<std::string> files;
  std::error_code ec;
  const auto root = fs::canonical(settings_.dataDir, ec);
  if (ec) return files;
  for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator() && files.size() < kMaxListedFiles; it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    auto ext = it->path().extension().string();
    std::ranges::transform(ext, ext.begin(), [](char c) { return static_cast<char>(std::tolower(c)); });
    if (ext != ".csv" && ext != ".txt") continue;
    auto name = it->path().lexically_relative(root).generic_string();
    if (resolveData(name)) files.push_back(std::move(name));
  }
  std::ranges::sort(files);
  return files;
}

Expected<BacktestJob> BacktestJobs::submit(model::TenantId tenant, BacktestRequest request) {
  if (request.strategy.empty()) return fail(errors::kBadBacktest, "'strategy' is empty: give the strategy TOML text");
  if (request.strategy.size() > kMaxStrategyBytes) {
    return fail(errors::kBadBacktest, fmt::format("'strategy' is {} bytes; at most {} are accepted",
                                                  request.strategy.size(), kMaxStrategyBytes));
  }
  if (request.from >= request.to) return fail(errors::kBadBacktest, "'from' must be before 'to'");
  if (request.cash == 0) request.cash = settings_.defaultCash;
  if (!std::isfinite(request.cash) || request.cash < 0) {
    return fail(errors::kBadBacktest, "'cash' must be greater than 0");
  }
  if (auto path = resolveData(request.data); !path) return Unexpected(path.error());

  std::lock_guard lock(mutex_);
  if (queue_.size() >= settings_.maxQueued) {
    return fail(errors::kBacktestsBusy,
                fmt::format("{} backtests are already waiting (the most the queue holds); try again "
                            "when one has finished", queue_.size()));
  }
  BacktestJob job;
  do {
    job.id = newId();
  } while (jobs_.contains(job.id));
  job.tenant = tenant;
  job.created = clock_.now();
  job.request = std::move(request);
  if (auto ok = persist(job); !ok) return Unexpected(ok.error());
  if (auto ok = writeAtomically(jobDir(job) / "strategy.toml", job.request.strategy); !ok) {
    return Unexpected(ok.error());
  }
  queue_.push_back(job.id);
  auto [it, _] = jobs_.emplace(job.id, std::move(job));
  changed_.notify_all();
  return it->second;
}

std::optional<BacktestJob> BacktestJobs::find(model::TenantId tenant, std::string_view id) const {
  std::lock_guard lock(mutex_);
  auto it = jobs_.find(std::string(id));
  if (it == jobs_.end() || it->second.tenant != tenant) return std::nullopt;
  return it->second;
}

std::vector<BacktestJob> BacktestJobs::list(model::TenantId tenant) const {
  std::vector<BacktestJob> out;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [id, job] : jobs_) {
      if (job.tenant == tenant) out.push_back(job);
    }
  }
  std::ranges::sort(out, [](const auto& a, const auto& b) {
    return a.created != b.created ? a.created > b.created : a.id < b.id;
  });
  return out;
}

std::optional<std::string> BacktestJobs::report(model::TenantId tenant, std::string_view id) const {
  auto job = find(tenant, id);
  if (!job || job->state != JobState::Done) return std::nullopt;
  return readFile(jobDir(*job) / "report.html");
}

bool BacktestJobs::waitIdle(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [this] { return queue_.empty() && running_ == 0; });
}

void BacktestJobs::work() {
  for (;;) {
    std::string id;
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      id = std::move(queue_.front());
      queue_.pop_front();
      ++running_;
      jobs_.at(id).state = JobState::Running;
    }
    run(id);
    {
      std::lock_guard lock(mutex_);
      --running_;
    }
    changed_.notify_all();
  }
}

void BacktestJobs::finish(const std::string& id, const std::function<void(BacktestJob&)>& update) {
  BacktestJob copy;
  {
    std::lock_guard lock(mutex_);
    auto& job = jobs_.at(id);
    update(job);
    job.finished = clock_.now();
    copy = job;
  }
  // Only this worker writes this job's files; the lock is not needed for the disk.
  if (auto ok = persist(copy); !ok) {
    log::error(*log::logger("analytics"), "backtest result not stored",
               {{"job", id}, {"error", ok.error().describe()}});
  }
}

void BacktestJobs::run(const std::string& id) {
  BacktestJob job;
  {
    std::lock_guard lock(mutex_);
    job = jobs_.at(id);
  }
  auto failed = [&](const std::string& why) {
    log::info(*log::logger("analytics"), "backtest failed", {{"job", id}, {"error", why}});
    finish(id, [&why](BacktestJob& j) {
      j.state = JobState::Failed;
      j.error = why;
    });
  };
  auto strategy = trading::StrategyConfig::fromToml(job.request.strategy, "strategy");
  if (!strategy) return failed(strategy.error().message());
  auto path = resolveData(job.request.data);
  if (!path) return failed(path.error().message());
  auto series = trading::loadBars(path->string(), job.request.from, job.request.to);
  if (!series) {
    // Name the file as the tenant did, not where it lives on this server.
    auto why = series.error().message();
    for (auto at = why.find(path->string()); at != std::string::npos; at = why.find(path->string())) {
      why.replace(at, path->string().size(), job.request.data);
    }
    return failed(why);
  }
  auto progress = [this, &id](double done) {
    {
      std::lock_guard lock(mutex_);
      jobs_.at(id).progress = std::clamp(done, 0.0, 1.0);
    }
    if (settings_.onProgress) settings_.onProgress(id, done);
  };
  auto result = trading::runBacktest(*series, *strategy, job.request.cash, progress);
  if (!result) return failed(result.error().message());
  const auto instrument = series->instrument.toString();
  const auto title = htmlEscape(fmt::format("Backtest {} ({})", instrument, job.request.data));
  if (auto ok = writeAtomically(jobDir(job) / "report.html", trading::renderHtmlReport(*result, title)); !ok) {
    return failed(ok.error().message());
  }
  auto stats = statisticsJson(result->stats);
  finish(id, [&](BacktestJob& j) {
    j.state = JobState::Done;
    j.progress = 1.0;
    j.statistics = std::move(stats);
    j.instrument = instrument;
  });
}

void BacktestJobs::addRoutes(http::Router& router) {
  router.post("/api/v1/backtests", [this](const http::Request& request) {
    auto tenant = http::callerTenant(request);
    if (!tenant) return http::callerRefused(tenant.error());
    auto parsed = requestFrom(request.body);
    if (!parsed) return http::problem(400, errors::kBadBacktest, parsed.error().message());
    auto job = submit(*tenant, std::move(*parsed));
    if (!job) {
      if (job.error().code().code == errors::kBacktestsBusy.code) {
        auto busy = http::problem(429, errors::kBacktestsBusy, job.error().message());
        busy.setHeader("Retry-After", "5");
        return busy;
      }
      if (job.error().code().code == errors::kBacktestStore.code) return http::problem(job.error());
      return http::problem(400, errors::kBadBacktest, job.error().message());
    }
    auto answer = http::Response::json(202, toJson(*job));
    answer.setHeader("Location", fmt::format("/api/v1/backtests/{}", job->id));
    return answer;
  });
  router.get("/api/v1/backtests", [this](const http::Request& request) {
    auto tenant = http::callerTenant(request);
    if (!tenant) return http::callerRefused(tenant.error());
    json items = json::array();
    for (const auto& job : list(*tenant)) items.push_back(toJson(job));
    return http::Response::json(200, {{"backtests", std::move(items)}});
  });
  router.get("/api/v1/backtests/files", [this](const http::Request& request) {
    auto tenant = http::callerTenant(request);
    if (!tenant) return http::callerRefused(tenant.error());
    return http::Response::json(200, {{"files", dataFiles()}});
  });
  auto notFound = [](std::string_view id) {
    return http::problem(404, errors::kBacktestNotFound, fmt::format("no backtest job '{}'", id));
  };
  router.get("/api/v1/backtests/{id}", [this, notFound](const http::Request& request) {
    auto tenant = http::callerTenant(request);
    if (!tenant) return http::callerRefused(tenant.error());
    auto job = find(*tenant, request.param("id"));
    if (!job) return notFound(request.param("id"));
    return http::Response::json(200, toJson(*job));
  });
  router.get("/api/v1/backtests/{id}/report", [this, notFound](const http::Request& request) {
    auto tenant = http::callerTenant(request);
    if (!tenant) return http::callerRefused(tenant.error());
    auto job = find(*tenant, request.param("id"));
    if (!job) return notFound(request.param("id"));
    if (job->state != JobState::Done) {
      return http::problem(409, errors::kBacktestPending,
                           fmt::format("backtest '{}' is {}; its report exists once it is done",
                                       job->id, toString(job->state)));
    }
    auto html = report(*tenant, job->id);
    if (!html) {
      return http::problem(500, errors::kBacktestStore,
                           fmt::format("the report of backtest '{}' could not be read", job->id));
    }
    return http::Response::text(200, std::move(*html), "text/html; charset=utf-8");
  });
}

}  // namespace ait::analytics
