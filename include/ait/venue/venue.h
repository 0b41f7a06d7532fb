#pragma once
// The venue interface: where orders go and execution reports come from. The simulated venue
// (paper trading, backtests) and broker adapters (MT5, FIX) implement it. A venue reports through
// its ExecutionSink with order events (accepted, rejected, filled, cancelled, expired, modified);
// the engine journals and applies them. Calls come from the engine thread only and must not block:
// an adapter to a remote venue queues the request and reports the outcome later.

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

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

/// An order as the venue reports it when asked (reconciliation).
struct OrderReport {
  enum class Status : std::uint8_t { Working, Filled, Cancelled };
  model::TenantId tenant;
  model::AccountId account;
  model::ClientOrderId clientOrderId;  // empty: placed outside this engine (by hand)
  model::VenueOrderId venueOrderId;
  model::InstrumentId instrument;
  model::Side side = model::Side::Buy;
  model::OrderType type = model::OrderType::Market;
  model::Quantity quantity;
  model::Quantity filled;
  model::Price averagePrice;  // of the fills; meaningful when filled > 0
  std::optional<model::Price> price;
  std::optional<model::Price> stopPrice;
  Status status = Status::Working;
};

/// A net position as the venue reports it.
struct PositionReport {
  model::TenantId tenant;
  model::AccountId account;
  model::InstrumentId instrument;
  model::Quantity quantity;  // signed: long > 0
  model::Price averagePrice;
};

/// What a venue knows: its working and recently finished orders, and its positions when it
/// keeps them (a broker does; the simulated venue does not).
struct VenueReport {
  std::vector<OrderReport> orders;
  std::vector<PositionReport> positions;
  bool positionsReported = false;
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
  /// Reports the venue's orders and positions for reconciliation; nullopt when it cannot (not
  /// connected). Not on the hot path: it may allocate.
  virtual std::optional<VenueReport> report() const { return std::nullopt; }
};

}  // namespace ait::venue
