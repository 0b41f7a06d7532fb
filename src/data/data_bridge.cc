#include "ait/data/data_bridge.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <limits>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "ait/data/errors.h"
#include "ait/data/synthetic.h"
#include "ait/http/caller.h"
#include "ait/log/log.h"
#include "ait/model/codec.h"
#include "ait/model/json.h"
#include "ait/model/time.h"

namespace ait::data {

namespace {

constexpr std::size_t kRecentGaps = 16;
constexpr std::size_t kDefaultLimit = 1000;
constexpr std::size_t kMaxLimit = 100'000;

spdlog::logger& logger() {
  static auto log = log::logger("data");
  return *log;
}

// A time parameter: ISO 8601 or integer ns since the epoch.
Expected<TimestampNs> timeParam(const http::Request& request, std::string_view name,
                                TimestampNs fallback) {
  auto text = request.query(name);
  if (!text || text->empty()) return fallback;
  std::int64_t ns = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), ns);
  if (ec == std::errc() && end == text->data() + text->size()) return ns;
  auto parsed = model::parseIso8601(*text);
  if (!parsed) {
    return fail(errors::kBadArgument,
                fmt::format("{}: '{}' is neither ISO 8601 nor integer ns", name, *text));
  }
  return *parsed;
}

Expected<std::size_t> limitParam(const http::Request& request) {
  auto text = request.query("limit");
  if (!text || text->empty()) return kDefaultLimit;
  std::size_t limit = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), limit);
  if (ec != std::errc() || end != text->data() + text->size() || limit == 0 || limit > kMaxLimit) {
    return fail(errors::kBadArgument,
                fmt::format("limit: '{}' must be an integer from 1 to {}", *text, kMaxLimit));
  }
  return limit;
}

// The viewer of a request to the service's own port: the verified caller (the gateway in
// process, or its signed identity token), or the public tenant (public data only) for an
// anonymous request. A tenant named by the client (X-Tenant-Id) is never trusted: it shows
// public data only; a forged identity token is refused.
Expected<model::TenantId> viewerParam(const http::Request& request) {
  if (!request.caller && !request.header(http::kIdentityHeader)) return kPublicTenant;
  return http::callerTenant(request);
}

// from, to and limit of a query; the first bad one named.
struct Range {
  TimestampNs from = 0;
  TimestampNs to = 0;
  std::size_t limit = 0;
};
Expected<Range> rangeParams(const http::Request& request) {
  auto from = timeParam(request, "from", 0);
  if (!from) return Unexpected(from.error());
  auto to = timeParam(request, "to", std::numeric_limits<TimestampNs>::max());
  if (!to) return Unexpected(to.error());
  auto limit = limitParam(request);
  if (!limit) return Unexpected(limit.error());
  return Range{*from, *to, *limit};
}

Expected<std::string> symbolParam(const http::Request& request) {
  auto symbol = request.query("symbol");
  if (!symbol || symbol->empty()) return fail(errors::kBadArgument, "symbol is required");
  return std::string(*symbol);
}

}  // namespace

struct DataBridge::Source {
  std::string name;
  bool live = false;  // its ts_event is now-ish, so publish latency means something
  model::TenantId tenant = kPublicTenant;  // owner of every quote of this source
  std::unique_ptr<ReorderBuffer> reorder;
  std::unique_ptr<Normaliser> normaliser;
  std::unique_ptr<BarBuilder> bars;
  engine::EventBus::Producer producer;
  metrics::Histogram* latency = nullptr;
  metrics::Counter* publishFailed = nullptr;
  metrics::Counter* reorderedMetric = nullptr;
  metrics::Counter* lateMetric = nullptr;
  std::thread thread;
  std::int64_t lastBarClock = 0;
  model::Tick tick;
  model::GapDetected gap;

  // Read by the status handler on HTTP threads.
  std::atomic<std::uint64_t> accepted{0};
  std::atomic<std::uint64_t> gaps{0};
  std::atomic<std::uint64_t> published{0};
  std::atomic<std::uint64_t> publishFailures{0};
  std::atomic<std::uint64_t> bars_{0};
  std::atomic<std::uint64_t> reordered{0};
  std::atomic<std::uint64_t> outOfOrder{0};
  std::atomic<TimestampNs> lastTick{0};
  std::array<std::atomic<std::uint64_t>, kRejectReasonCount> rejected{};
  mutable std::mutex detailMutex;  // rare events: gaps, errors
  std::deque<model::GapDetected> recentGaps;
  std::string problem;  // why the source stopped early (a replay file it could not read)
};

Expected<DataBridgeSettings> dataBridgeSettings(const config::Config& config) {
  DataBridgeSettings settings;
  std::vector<std::string> problems;
  auto note = [&](const Error& error) { problems.push_back(error.message()); };

  auto instruments = instrumentsFromConfig(config.data.instruments);
  if (instruments) {
    settings.instruments = std::move(*instruments);
  } else {
    note(instruments.error());
  }
  settings.validation = normaliserConfig(config.data.validation);
  auto bars = barBuilderConfig(config.data.bars);
  if (bars) {
    settings.bars = *bars;
  } else {
    note(bars.error());
  }
  settings.index.ticksPerSymbol = static_cast<std::size_t>(config.data.index.ticks_per_symbol);
  settings.index.barsPerSeries = static_cast<std::size_t>(config.data.index.bars_per_series);
  settings.index.timeframes = settings.bars.timeframes;
  settings.synthetic = config.data.synthetic;
  if (settings.synthetic.enabled) {
    for (const auto& s : settings.synthetic.symbols) {
      const bool known = std::any_of(config.data.instruments.begin(), config.data.instruments.end(),
                                     [&](const auto& i) { return i.symbol == s.symbol; });
      if (!known) {
        problems.push_back(fmt::format("data.synthetic.symbols: '{}' is not in data.instruments",
                                       s.symbol));
      }
    }
  }
  const auto& r = config.data.replay;
  settings.replay.enabled = r.enabled;
  settings.replay.file = r.file;
  settings.replay.speed = r.speed;
  settings.replay.loop = r.loop;
  settings.replay.tenant = model::TenantId{static_cast<std::uint32_t>(r.tenant)};
  settings.replay.options.symbol = r.symbol;
  if (auto format = fileFormatFromString(r.format)) {
    settings.replay.options.format = *format;
  } else {
    note(format.error());
  }
  if (auto offset = parseUtcOffset(r.timezone)) {
    settings.replay.options.utcOffsetNs = *offset;
  } else {
    problems.push_back(fmt::format("data.replay.timezone: {}", offset.error().message()));
  }
  if (auto mapping = csvMapping(config.data.csv)) {
    settings.replay.options.csv = *mapping;
  } else {
    note(mapping.error());
  }
  if (r.enabled && r.file.empty()) problems.emplace_back("data.replay.file is needed when enabled");
  if (!problems.empty()) {
    return fail(errors::kConfigInvalid, fmt::format("{}", fmt::join(problems, "; ")));
  }
  return settings;
}

DataBridge::DataBridge(DataBridgeSettings settings, engine::Runtime& runtime, http::Router& router,
                       const Clock& clock)
    : settings_(std::move(settings)),
      runtime_(runtime),
      clock_(clock),
      index_(settings_.index,
             [&] {
               std::vector<model::InstrumentId> ids;
               for (const auto& spec : settings_.instruments) ids.push_back(spec.instrument.id);
               return ids;
             }()),
      indexed_(metrics::Registry::global().counter(
          "ait_data_indexed_total", "Market data events added to the query index")) {
  auto& registry = metrics::Registry::global();
  auto addSource = [&](std::string name, bool live, model::TenantId tenant) {
    auto source = std::make_unique<Source>();
    source->name = name;
    source->live = live;
    source->tenant = tenant;
    source->reorder = std::make_unique<ReorderBuffer>(settings_.validation.reorderWindowNs);
    source->reorderedMetric = &registry.counter(
        "ait_data_ticks_reordered_total",
        "Quotes that came after a newer one and were put back in time order",
        {{"source", name}});
    source->lateMetric = &registry.counter(
        "ait_data_ticks_late_total",
        "Quotes older than one already released by the reorder window, passed on at once",
        {{"source", name}});
    source->normaliser = std::make_unique<Normaliser>(name, settings_.validation, clock_);
    (void)source->normaliser->addInstruments(settings_.instruments);  // validated with the settings
    Source* raw = source.get();
    source->bars = std::make_unique<BarBuilder>(settings_.bars, clock_, [this, raw](const model::Bar& bar) {
      raw->bars_.fetch_add(1, std::memory_order_relaxed);
      publish(*raw, model::Event{bar});
    });
    auto producer = runtime_.bus().makeProducer({.name = "data-" + name});
    if (producer) {
      source->producer = std::move(*producer);
    } else {
      log::logError(logger(), producer.error(), {{"source", name}});
    }
    source->latency = &registry.histogram(
        "ait_data_publish_latency_seconds",
        "Time from a tick's source time (ts_event) to its hand-over to the bus, live sources",
        {{"source", name}});
    source->publishFailed = &registry.counter(
        "ait_data_publish_failed_total", "Events a source could not hand to the bus",
        {{"source", name}});
    sources_.push_back(std::move(source));
  };
  if (settings_.synthetic.enabled && !settings_.synthetic.symbols.empty()) {
    addSource("synthetic", true,
              model::TenantId{static_cast<std::uint32_t>(settings_.synthetic.tenant)});
  }
  if (settings_.replay.enabled) addSource("replay", false, settings_.replay.tenant);

  loadIndexFromJournal();
  auto subscribed = runtime_.bus().subscribe("md.>", [this](const model::Event& event) {
    index_.add(event);
    indexed_.inc();
  });
  if (!subscribed) log::logError(logger(), subscribed.error());
  addRoutes(router);
}

DataBridge::~DataBridge() { stop(); }

void DataBridge::loadIndexFromJournal() {
  auto reader = runtime_.journal(engine::Stream::MarketData).reader();
  if (!reader) {
    log::logError(logger(), reader.error());
    return;
  }
  std::uint64_t loaded = 0;
  while (true) {
    auto record = reader->next();
    if (!record) {
      log::logError(logger(), record.error());
      break;
    }
    if (!record->has_value()) break;
    auto event = model::decode((*record)->payload);
    if (!event) continue;
    model::headerOf(*event).sequence = (*record)->seq;
    index_.add(*event);
    ++loaded;
  }
  log::info(logger(), "index loaded from the market data journal",
            {{"events", std::to_string(loaded)}});
}

void DataBridge::attach(std::unique_ptr<hub::Service> part) { parts_.push_back(std::move(part)); }

Expected<void> DataBridge::start() {
  if (running_.exchange(true)) return {};
  stopping_.store(false);
  for (auto& source : sources_) {
    Source* raw = source.get();
    if (raw->name == "synthetic") {
      raw->thread = std::thread([this, raw] { runSynthetic(*raw); });
    } else {
      raw->thread = std::thread([this, raw] { runReplay(*raw); });
    }
  }
  for (std::size_t i = 0; i < parts_.size(); ++i) {
    if (auto started = parts_[i]->start(); !started) {
      for (std::size_t j = i; j-- > 0;) parts_[j]->stop();
      stop();
      return started;
    }
  }
  return {};
}

void DataBridge::stop() noexcept {
  for (auto it = parts_.rbegin(); it != parts_.rend(); ++it) (*it)->stop();
  stopping_.store(true);
  for (auto& source : sources_) {
    if (source->thread.joinable()) source->thread.join();
  }
  running_.store(false);
}

hub::Health DataBridge::health() const {
  hub::Health health;
  auto runtime = runtime_.health();
  health.dependencies.push_back({"runtime", runtime.status, runtime.reason});
  health.status = runtime.status;
  for (const auto& source : sources_) {
    std::lock_guard lock(source->detailMutex);
    if (!source->problem.empty()) {
      health.status = hub::worse(health.status, hub::HealthStatus::Degraded);
      health.dependencies.push_back({source->name, hub::HealthStatus::Degraded, source->problem});
    }
  }
  for (const auto& part : parts_) {
    auto h = part->health();
    health.status = hub::worse(health.status, h.status);
    health.dependencies.push_back({std::string(part->name()), h.status, h.reason});
  }
  if (health.status != hub::HealthStatus::Healthy) health.reason = "a dependency is not healthy";
  return health;
}

void DataBridge::publish(Source& source, const model::Event& event) {
  const auto status = source.producer.publish(event);
  if (status == bus::PublishStatus::Ok) {
    source.published.fetch_add(1, std::memory_order_relaxed);
  } else {
    const auto n = source.publishFailures.fetch_add(1, std::memory_order_relaxed);
    source.publishFailed->inc();
    if ((n & (n + 1)) == 0) {  // the 1st, 2nd, 4th, 8th ... failure, not a flood
      log::logError(logger(),
                    Error(errors::kPublishFailed,
                          fmt::format("{} failures so far, last: {}", n + 1, bus::toString(status))),
                    {{"source", source.name}});
    }
  }
}

void DataBridge::handle(Source& source, const RawQuote& quote) {
  RawQuote owned = quote;
  owned.tenant = source.tenant;
  if (!source.reorder->enabled()) {
    process(source, owned);
    return;
  }
  if (owned.recvTime == 0) owned.recvTime = clock_.now();
  const auto reordered = source.reorder->reordered();
  const auto late = source.reorder->late();
  source.reorder->offer(owned, clock_.monotonicNs(),
                        [&](const RawQuote& q) { process(source, q); });
  if (source.reorder->reordered() != reordered) {
    source.reordered.fetch_add(1, std::memory_order_relaxed);
    source.reorderedMetric->inc();
  }
  if (source.reorder->late() != late) source.lateMetric->inc();
}

void DataBridge::process(Source& source, const RawQuote& quote) {
  auto outcome = source.normaliser->normalise(quote, source.tick, source.gap);
  if (!outcome.accepted) {
    const auto n = source.rejected[static_cast<std::size_t>(outcome.reason)].fetch_add(
        1, std::memory_order_relaxed);
    // A sample, not every one: a broken feed must not flood the log.
    if ((n & (n + 1)) == 0) {
      log::warn(logger(), "quote rejected",
                {{"source", source.name},
                 {"reason", toString(outcome.reason)},
                 {"detail", describeRejection(outcome, quote).message()}});
    }
    return;
  }
  if (outcome.gap) reportGap(source, source.gap);
  publish(source, model::Event{source.tick});
  if (source.live) source.latency->observeNs(clock_.now() - source.tick.header.tsEvent);
  source.accepted.fetch_add(1, std::memory_order_relaxed);
  source.lastTick.store(source.tick.header.tsEvent, std::memory_order_relaxed);
  if ((source.tick.flags & model::kTickOutOfOrder) != 0) {
    source.outOfOrder.fetch_add(1, std::memory_order_relaxed);
  }
  source.bars->onTick(source.tick);
}

void DataBridge::reportGap(Source& source, const model::GapDetected& gap) {
  source.gaps.fetch_add(1, std::memory_order_relaxed);
  {
    std::lock_guard lock(source.detailMutex);
    source.recentGaps.push_back(gap);
    if (source.recentGaps.size() > kRecentGaps) source.recentGaps.pop_front();
  }
  publish(source, model::Event{gap});
}

bool DataBridge::pause(Source& source, std::int64_t ns) {
  const auto interval =
      std::chrono::duration_cast<std::chrono::nanoseconds>(settings_.barClockInterval).count();
  const auto until = clock_.monotonicNs() + ns;
  while (!stopping_.load(std::memory_order_relaxed)) {
    const auto now = clock_.monotonicNs();
    if (now - source.lastBarClock >= interval) {
      source.lastBarClock = now;
      source.reorder->release(now, [&](const RawQuote& q) { process(source, q); });
      // A live source's silence is a gap by the clock; a replay's times are the file's, so its
      // gaps show between ticks only.
      if (source.live) {
        source.normaliser->checkGaps(
            clock_.now(), [&](const model::GapDetected& gap) { reportGap(source, gap); });
      }
      source.bars->onClock();
    }
    if (now >= until) return true;
    std::this_thread::sleep_for(std::chrono::nanoseconds(std::min(until - now, interval)));
  }
  return false;
}

void DataBridge::runSynthetic(Source& source) {
  SyntheticMarket market(settings_.synthetic,
                         static_cast<std::uint64_t>(clock_.monotonicNs()));
  std::vector<std::int64_t> due(market.size(), clock_.monotonicNs());
  while (!stopping_.load(std::memory_order_relaxed)) {
    const auto next = std::min_element(due.begin(), due.end());
    if (!pause(source, *next - clock_.monotonicNs())) break;
    const auto i = static_cast<std::size_t>(next - due.begin());
    RawQuote quote = market.next(i, clock_.now());
    handle(source, quote);
    *next += market.intervalNs(i);
  }
  source.reorder->flush([&](const RawQuote& q) { process(source, q); });
}

void DataBridge::runReplay(Source& source) {
  do {
    ReplayPacer pacer(settings_.replay.speed, clock_);
    auto report = readMarketFile(settings_.replay.file, settings_.replay.options,
                                 [&](const RawQuote& quote) {
                                   if (stopping_.load(std::memory_order_relaxed)) return;
                                   const auto wait = pacer.delayNs(quote.sourceTime);
                                   if (wait > 0 && !pause(source, wait)) return;
                                   handle(source, quote);
                                 });
    if (!report) {
      std::lock_guard lock(source.detailMutex);
      source.problem = report.error().describe();
      log::logError(logger(), report.error(), {{"source", source.name}});
      return;
    }
    if (report->badLines > 0) {
      log::logError(logger(), report->summary(settings_.replay.file.string()),
                    {{"source", source.name}});
    }
    source.reorder->flush([&](const RawQuote& q) { process(source, q); });
  } while (settings_.replay.loop && !stopping_.load());
  source.bars->flush();
}

std::vector<model::Tick> DataBridge::ticks(model::TenantId viewer, std::string_view symbol,
                                           TimestampNs from, TimestampNs to,
                                           std::size_t limit) const {
  return index_.ticks(viewer, symbol, from, to, limit);
}

Expected<std::vector<model::Bar>> DataBridge::bars(model::TenantId viewer, std::string_view symbol,
                                                   model::Timeframe timeframe, TimestampNs from,
                                                   TimestampNs to, std::size_t limit) const {
  return index_.bars(viewer, symbol, timeframe, from, to, limit);
}

nlohmann::json DataBridge::status(model::TenantId viewer) const {
  nlohmann::json sources = nlohmann::json::array();
  const auto now = clock_.monotonicNs();
  std::lock_guard lock(rateMutex_);
  rateSamples_.resize(sources_.size(), {now, 0});
  for (std::size_t i = 0; i < sources_.size(); ++i) {
    const auto& s = *sources_[i];
    if (!visibleTo(viewer, s.tenant)) continue;
    const auto accepted = s.accepted.load(std::memory_order_relaxed);
    auto& [then, before] = rateSamples_[i];
    const double seconds = static_cast<double>(now - then) * 1e-9;
    const double rate = seconds > 0 ? static_cast<double>(accepted - before) / seconds : 0.0;
    then = now;
    before = accepted;
    nlohmann::json rejected = nlohmann::json::object();
    std::uint64_t rejectedTotal = 0;
    for (std::size_t r = 0; r < kRejectReasonCount; ++r) {
      const auto n = s.rejected[r].load(std::memory_order_relaxed);
      rejectedTotal += n;
      if (n > 0) rejected[std::string(toString(static_cast<RejectReason>(r)))] = n;
    }
    const auto last = s.lastTick.load(std::memory_order_relaxed);
    nlohmann::json gaps = nlohmann::json::array();
    std::string problem;
    {
      std::lock_guard detail(s.detailMutex);
      for (const auto& g : s.recentGaps) {
        gaps.push_back({{"symbol", std::string(g.instrument.symbol.view())},
                        {"gap_start", model::toIso8601(g.gapStart)},
                        {"gap_end", model::toIso8601(g.gapEnd)},
                        {"seconds", static_cast<double>(g.gapEnd - g.gapStart) * 1e-9}});
      }
      problem = s.problem;
    }
    sources.push_back({{"name", s.name},
                       {"live", s.live},
                       {"tenant", s.tenant.value},
                       {"ticks", accepted},
                       {"rate_per_s", rate},
                       {"rejected", rejectedTotal},
                       {"rejected_by_reason", rejected},
                       {"gaps", s.gaps.load(std::memory_order_relaxed)},
                       {"recent_gaps", gaps},
                       {"bars", s.bars_.load(std::memory_order_relaxed)},
                       {"reordered", s.reordered.load(std::memory_order_relaxed)},
                       {"out_of_order", s.outOfOrder.load(std::memory_order_relaxed)},
                       {"published", s.published.load(std::memory_order_relaxed)},
                       {"publish_failures", s.publishFailures.load(std::memory_order_relaxed)},
                       {"last_tick", last == 0 ? nlohmann::json(nullptr)
                                               : nlohmann::json(model::toIso8601(last))},
                       {"last_tick_ns", last},
                       {"problem", problem}});
  }
  return {{"service", "data-bridge"},
          {"running", running_.load()},
          {"sources", sources},
          {"index", {{"symbols", index_.symbols(viewer)}, {"overflow", index_.overflow()}}}};
}

http::Response DataBridge::ticksResponse(model::TenantId viewer,
                                         const http::Request& request) const {
  auto symbol = symbolParam(request);
  if (!symbol) return http::problem(400, errors::kBadArgument, symbol.error().message());
  auto range = rangeParams(request);
  if (!range) return http::problem(400, errors::kBadArgument, range.error().message());
  auto found = ticks(viewer, *symbol, range->from, range->to, range->limit);
  nlohmann::json list = nlohmann::json::array();
  for (const auto& tick : found) list.push_back(model::toJson(model::Event{tick}));
  return http::Response::json(200, {{"symbol", *symbol}, {"count", found.size()}, {"ticks", list}});
}

http::Response DataBridge::barsResponse(model::TenantId viewer,
                                        const http::Request& request) const {
  auto symbol = symbolParam(request);
  if (!symbol) return http::problem(400, errors::kBadArgument, symbol.error().message());
  auto text = request.query("timeframe");
  if (!text || text->empty()) {
    return http::problem(400, errors::kBadArgument, "timeframe is required (1m, 5m, 1h, 1d)");
  }
  auto timeframe = model::Timeframe::parse(*text);
  if (!timeframe) return http::problem(400, errors::kBadArgument, timeframe.error().message());
  auto range = rangeParams(request);
  if (!range) return http::problem(400, errors::kBadArgument, range.error().message());
  auto found = bars(viewer, *symbol, *timeframe, range->from, range->to, range->limit);
  if (!found) return http::problem(400, errors::kBadArgument, found.error().message());
  nlohmann::json list = nlohmann::json::array();
  for (const auto& bar : *found) list.push_back(model::toJson(model::Event{bar}));
  return http::Response::json(200, {{"symbol", *symbol},
                                    {"timeframe", timeframe->toString()},
                                    {"count", found->size()},
                                    {"bars", list}});
}

http::Response DataBridge::statusResponse(model::TenantId viewer) const {
  return http::Response::json(200, status(viewer));
}

void DataBridge::addRoutes(http::Router& router) {
  // The viewer is the verified caller; anonymous requests see public data only.
  auto route = [this](auto respond) {
    return [this, respond](const http::Request& request) {
      auto viewer = viewerParam(request);
      if (!viewer) return http::callerRefused(viewer.error());
      return respond(this, *viewer, request);
    };
  };
  router.add(http::Method::Get, "/api/v1/ticks",
             route([](const DataBridge* self, model::TenantId viewer, const http::Request& r) {
               return self->ticksResponse(viewer, r);
             }));
  router.add(http::Method::Get, "/api/v1/bars",
             route([](const DataBridge* self, model::TenantId viewer, const http::Request& r) {
               return self->barsResponse(viewer, r);
             }));
  router.add(http::Method::Get, "/api/v1/status",
             route([](const DataBridge* self, model::TenantId viewer, const http::Request&) {
               return self->statusResponse(viewer);
             }));
}

}  // namespace ait::data
