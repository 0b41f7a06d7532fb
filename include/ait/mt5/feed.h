#pragma once
// What the MT5 bridges hand to the platform. A bridge parses the wire; a Feed turns what was
// parsed into platform events (normalising quotes into Ticks) and publishes them. Each connection
// gets its own Feed, used by one thread at a time (the native connection's I/O thread; a
// compatibility connection's I/O thread or the server's timer, under the session's lock), so a
// Feed needs no locks of its own.

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "ait/core/clock.h"
#include "ait/core/error.h"
#include "ait/model/events.h"
#include "ait/model/ids.h"

namespace ait::mt5 {

/// A quote as the terminal reported it, before normalisation. Views point into the message being
/// handled and are valid during the call only.
struct RawQuote {
  model::TenantId tenant;
  std::string_view symbol;
  int digits = -1;          // price decimals; -1 when the protocol does not say
  TimestampNs tsEvent = 0;  // UTC (already converted from the client's zone)
  TimestampNs tsRecv = 0;   // when the line or frame arrived
  double bid = 0;
  double ask = 0;
  double last = 0;
  double volume = 0;
  std::uint32_t flags = 0;  // model::kTick* bits: which fields carry news
  std::string_view source;  // "mt5-ws" or "mt5-native"
};

class Feed {
 public:
  virtual ~Feed() = default;
  /// Normalises and publishes a quote; returns the rejection, naming the field, when the quote is
  /// invalid, or kOverloaded when the platform cannot take it now.
  virtual Expected<void> quote(const RawQuote& quote) = 0;
  /// Publishes an event the bridge built (account, positions, orders, executions, gaps); returns
  /// kOverloaded when the platform cannot take it now.
  virtual Expected<void> publish(const model::Event& event) = 0;
  /// The terminal's "positions" or "orders" list of `entries` ended, `published` of them handed
  /// to publish() (the MT5 venue reconciles with complete lists only); ignored by default.
  virtual void listEnd(std::string_view /*what*/, std::size_t /*entries*/, std::size_t /*published*/) {}
  /// The connection's clock ticked (every 100 ms at most, also while no message comes): releases
  /// what waits on time alone, such as held quotes and the report of a quiet symbol. `now` is
  /// the wall clock (UTC); ignored by default.
  virtual void onTimer(TimestampNs /*now*/) {}
};

/// Makes the Feed of a new connection of `tenant`; `source` names the protocol.
using FeedFactory =
    std::function<std::unique_ptr<Feed>(model::TenantId tenant, std::string_view source)>;

}  // namespace ait::mt5
