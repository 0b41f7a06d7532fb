#pragma once
// The Feed the platform runs with: quotes go through the data normaliser (validation,
// duplicates, gaps, fixed-point scales) and every event onto the engine bus, where the runtime
// journals it before any handler sees it.

#include <memory>
#include <mutex>
#include <vector>

#include "ait/data/normaliser.h"
#include "ait/engine/runtime.h"
#include "ait/mt5/feed.h"

namespace ait::mt5 {

class BusFeeds {
 public:
  /// `instruments` are known from the start; others are added on first sight from the digits
  /// the terminal sends (native protocol) or the decimals of the first prices (compatibility).
  BusFeeds(engine::EventBus& bus, std::vector<data::InstrumentSpec> instruments,
           data::NormaliserConfig validation, const Clock& clock,
           metrics::Registry& registry = metrics::Registry::global());
  ~BusFeeds();

  /// Feeds of native connections: all run on the native server's one I/O thread and share one
  /// dedicated bus producer (created here, before the bus starts).
  FeedFactory native();
  /// Feeds of compatibility connections: they run on HTTP I/O threads and publish through the
  /// bus's shared queue.
  FeedFactory compat();

  struct State;  // shared with the feeds it made, which may outlive it

 private:
  std::shared_ptr<State> state_;
};

}  // namespace ait::mt5
