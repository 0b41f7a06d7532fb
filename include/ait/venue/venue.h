#pragma once
// The venue interface: where orders go and execution reports come from. The simulated venue
// (paper trading, backtests) and broker adapters (MT5, FIX) implement it. A venue reports through
// its ExecutionSink with order events (accepted, rejected, filled, cancelled, expired, modified);
// the engine journals and applies them. Calls come from the engine thread only and must not block:
// an adapter to a remote venue queues the request and reports the outcome later.

#include <cstdint>
#include <string_view>

#include "ait/model/events.h"
#include "ait/oms/order.h"

namespace ait::venue {

/// Receives a venue's execution reports. The engine buffers them and applies them after the
/// venue call returns, so a venue never sees a re-entrant call.
class ExecutionSink {
 public:
  virtual void onExecution(const model::Event& event) noexcept = 0;

 protected:
  ~ExecutionSink() = default;
};

/// What a venue does natively; the engine emulates the rest.
struct Capabilities {
  bool stopOrders = true;  // stop and stop-limit held at the venue
  bool oco = false;        // cancels the other orders of an OCO group on a fill
  bool gtd = true;         // expires DAY and GTD orders itself
};

/// A requested change to a working order; absent fields stay.
struct Amendment {
  std::int64_t quantity = 0;  // 0: unchanged
  std::int64_t price = 0;
  std::int64_t stopPrice = 0;
};

class Venue {
 public:
  virtual ~Venue() = default;
  virtual std::string_view name() const noexcept = 0;
  virtual Capabilities capabilities() const noexcept = 0;
  /// Takes a new order; reports accepted or rejected, then its fills.
  virtual void submit(const oms::Order& order) noexcept = 0;
  /// Cancels a working order; reports cancelled, or nothing when it is no longer there (its
  /// fill was reported already).
  virtual void cancel(const oms::Order& order) noexcept = 0;
  /// Changes a working order; reports modified (and any fill the change allows) or rejected.
  virtual void modify(const oms::Order& order, const Amendment& amendment) noexcept = 0;
  /// The instrument's quote moved (the engine updated it in the catalog first).
  virtual void onTick(std::uint32_t instrument, const model::Tick& tick) noexcept = 0;
  /// A bar closed on the instrument.
  virtual void onBar(std::uint32_t instrument, const model::Bar& bar) noexcept = 0;
  /// Time passed (expiries).
  virtual void onTime(TimestampNs now) noexcept = 0;
  /// After a restart: an order the journal shows working at this venue. A simulated venue takes
  /// it back into its book; a broker adapter reconciles it with what the broker reports.
  virtual void restore(const oms::Order& order) noexcept = 0;
  /// After a restart: the number of venue order ids and trade ids already issued.
  virtual void restoreCounters(std::uint64_t orders, std::uint64_t trades) noexcept = 0;
};

}  // namespace ait::venue
