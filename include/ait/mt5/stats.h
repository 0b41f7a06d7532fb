#pragma once
// Counters of one MT5 protocol, registered once per bridge as ait_mt5_* series labelled with the
// protocol ("ws" or "native").

#include <string_view>

#include "ait/metrics/metrics.h"

namespace ait::mt5 {

struct ProtocolStats {
  ProtocolStats(metrics::Registry& registry, std::string_view protocol);

  metrics::Counter& messages;       // messages accepted
  metrics::Counter& ticks;          // ticks published
  metrics::Counter& ticksRejected;  // ticks refused by validation
  metrics::Counter& badJson;
  metrics::Counter& badField;
  metrics::Counter& unknownType;
  metrics::Counter& tooLong;
  metrics::Counter& protocolErrors;  // out of order, before hello, bad token
  metrics::Counter& floods;          // connections closed for too many bad messages
  metrics::Counter& overloaded;      // events the platform could not take
  metrics::Counter& duplicates;      // resent messages already seen, dropped
  metrics::Counter& gaps;            // sequence holes
  metrics::Counter& resent;          // server messages resent after a reconnect
  metrics::Counter& commands;        // commands sent to terminals
  metrics::Gauge& connections;
  metrics::Histogram& receiveToPublish;  // seconds from a message's arrival to its last publish
};

}  // namespace ait::mt5
