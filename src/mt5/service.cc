#include "ait/mt5/service.h"

namespace ait::mt5 {

Mt5Service::Mt5Service(const Mt5Config& config, engine::EventBus& bus,
                       std::vector<data::InstrumentSpec> instruments,
                       data::NormaliserConfig validation, Clock& clock, const FeedWrapper& wrap)
    : feeds_(bus, std::move(instruments), validation, clock),
      bridge_(config, wrap ? wrap(feeds_.native()) : feeds_.native(),
              wrap ? wrap(feeds_.compat()) : feeds_.compat(), clock) {}

Mt5Service::~Mt5Service() { bridge_.stop(); }

}  // namespace ait::mt5
