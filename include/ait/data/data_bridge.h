#pragma once
// The data-bridge service (port 8001): runs the market data sources that live in this component
// (the synthetic feed, a replayed file), each on its own thread with its own reorder buffer,
// normaliser, bar builder and bus producer; keeps the query index over the market data journal;
// answers
//   GET /api/v1/ticks?symbol=&from=&to=&limit=
//   GET /api/v1/bars?symbol=&timeframe=&from=&to=&limit=
//   GET /api/v1/status
// for a viewer tenant (data::visibleTo: its own feeds and the public ones). Other sources (the
// MetaTrader 5 bridges) publish through the same runtime and show up in the index; wiring hands
// them to the bridge as parts, so the hub's start, stop and health cover them.

#include <atomic>
#include <chrono>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "ait/config/config.h"
#include "ait/core/clock.h"
#include "ait/data/bars.h"
#include "ait/data/files.h"
#include "ait/data/instruments.h"
#include "ait/data/market_index.h"
#include "ait/data/normaliser.h"
#include "ait/data/reorder.h"
#include "ait/data/visibility.h"
#include "ait/engine/runtime.h"
#include "ait/http/router.h"
#include "ait/hub/service.h"
#include "ait/metrics/metrics.h"

namespace ait::data {

struct ReplaySettings {
  bool enabled = false;
  std::filesystem::path file;
  FileOptions options;
  double speed = 1.0;
  bool loop = false;
  model::TenantId tenant = kPublicTenant;  // owner of the replayed feed
};

struct DataBridgeSettings {
  std::vector<InstrumentSpec> instruments;
  NormaliserConfig validation;
  BarBuilderConfig bars;
  MarketIndexConfig index;
  config::SyntheticFeedConfig synthetic;
  ReplaySettings replay;
  /// How often a source's bar builder looks at the clock to close bars of a quiet market.
  std::chrono::milliseconds barClockInterval{100};
};

/// Returns the data bridge's settings from `[data]`, or one error listing every problem (an
/// unknown synthetic symbol, a replay without a file, ...).
Expected<DataBridgeSettings> dataBridgeSettings(const config::Config& config);

class DataBridge final : public hub::Service {
 public:
  /// Subscribes to market data and adds the routes: call while wiring, before the runtime
  /// starts. Fills the index from the market data journal.
  DataBridge(DataBridgeSettings settings, engine::Runtime& runtime, http::Router& router,
             const Clock& clock = SystemClock::instance());
  ~DataBridge() override;

  std::string_view name() const noexcept override { return "data-bridge"; }
  Expected<void> start() override;
  void stop() noexcept override;
  hub::Health health() const override;

  /// Adds a part that runs inside the bridge (the MT5 servers): started after the bridge's own
  /// sources, stopped before them, its health folded into the bridge's. Call while wiring.
  void attach(std::unique_ptr<hub::Service> part);

  // The query API, for a viewer tenant: it sees its own feeds and the public ones (tenant 0),
  // never another tenant's. The HTTP routes call these with the tenant of the request; the
  // gateway can call them in process with an authenticated tenant.

  /// Up to `limit` ticks of symbol with from <= ts_event < to, oldest first.
  std::vector<model::Tick> ticks(model::TenantId viewer, std::string_view symbol, TimestampNs from,
                                 TimestampNs to, std::size_t limit) const;
  /// The bars of symbol and timeframe with from <= start < to, oldest first, latest revisions;
  /// fails (AIT-DATA-0005) for a timeframe not built.
  Expected<std::vector<model::Bar>> bars(model::TenantId viewer, std::string_view symbol,
                                         model::Timeframe timeframe, TimestampNs from,
                                         TimestampNs to, std::size_t limit) const;
  /// Returns the body of GET /api/v1/status: the sources and symbols the viewer sees.
  nlohmann::json status(model::TenantId viewer) const;
  /// The whole routes, for a viewer: the request's query parameters, the response to send.
  http::Response ticksResponse(model::TenantId viewer, const http::Request& request) const;
  http::Response barsResponse(model::TenantId viewer, const http::Request& request) const;
  http::Response statusResponse(model::TenantId viewer) const;

  const MarketIndex& index() const noexcept { return index_; }

 private:
  struct Source;

  void addRoutes(http::Router& router);
  void loadIndexFromJournal();
  void runSynthetic(Source& source);
  void runReplay(Source& source);
  void handle(Source& source, const RawQuote& quote);
  void process(Source& source, const RawQuote& quote);
  void publish(Source& source, const model::Event& event);
  void reportGap(Source& source, const model::GapDetected& gap);
  /// Sleeps up to `ns` in short steps, closing bars on the way; false when stopping.
  bool pause(Source& source, std::int64_t ns);

  DataBridgeSettings settings_;
  engine::Runtime& runtime_;
  const Clock& clock_;
  MarketIndex index_;
  std::vector<std::unique_ptr<Source>> sources_;
  std::vector<std::unique_ptr<hub::Service>> parts_;
  std::atomic<bool> running_{false};
  std::atomic<bool> stopping_{false};
  metrics::Counter& indexed_;
  mutable std::mutex rateMutex_;  // the status handler's previous samples (HTTP threads only)
  mutable std::vector<std::pair<std::int64_t, std::uint64_t>> rateSamples_;
};

}  // namespace ait::data
