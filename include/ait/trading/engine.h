#pragma once
// The trading engine: risk, order management, a venue and the portfolio behind one single-writer
// object. Commands come in (submit, cancel, modify), market data moves the venue, and every state
// change leaves as an event through the EventRecorder (the journal, live) and is then applied to
// the engine's own state by the same fold that a restart replays: state = fold(events).
//
// The same object runs live, paper and backtests; only the recorder, clock source and venue
// differ. Not thread-safe: the engine thread owns it. No allocation, lock or exception per event.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "ait/model/events.h"
#include "ait/oms/order_book.h"
#include "ait/portfolio/catalog.h"
#include "ait/portfolio/portfolio.h"
#include "ait/risk/risk_engine.h"
#include "ait/venue/venue.h"

namespace ait::trading {

/// Where the engine's events go before they are applied. Live: the journal (sets
/// header.sequence); backtests and benchmarks: nowhere or a list.
class EventRecorder {
 public:
  /// Records the event; returns false when it could not be recorded (the engine then halts
  /// trading, since it can no longer promise durability).
  virtual bool record(model::Event& event) noexcept = 0;

 protected:
  ~EventRecorder() = default;
};

/// A recorder that keeps nothing (benchmarks, throw-away backtests).
class NullRecorder final : public EventRecorder {
 public:
  bool record(model::Event&) noexcept override { return true; }
};

struct EngineConfig {
  std::uint32_t maxOrders = 1U << 16;
  std::uint32_t maxPositionsPerAccount = 256;
  /// Emit PositionOpened/Changed/Closed after fills (projections and analytics read them).
  bool positionEvents = true;
  /// Set (live): the engine stamps header.tsRecv of the events it emits with this clock, so
  /// that analytics can measure each stage's latency; unset (backtests): the data clock.
  const Clock* wallClock = nullptr;
};

/// The outcome of a submit: the order (the first one for a repeated client order id).
struct SubmitResult {
  std::int32_t order = -1;  // -1 only when the book is full
  bool duplicate = false;
  risk::DenyReason denied = risk::DenyReason::None;
};

enum class CommandResult : std::uint8_t { Done, UnknownOrder, NotWorking, Invalid };

/// What a reconciliation found and corrected.
struct ReconcileSummary {
  std::uint32_t ordersChecked = 0;
  std::uint32_t ordersMismatched = 0;
  std::uint32_t positionsChecked = 0;
  std::uint32_t positionsMismatched = 0;
  std::vector<std::string> findings;  // one line per correction
};

class TradingEngine final : private venue::ExecutionSink {
 public:
  TradingEngine(portfolio::Catalog& catalog, EventRecorder& recorder, EngineConfig config = {},
                risk::RiskLimits limits = {});
  TradingEngine(const TradingEngine&) = delete;
  TradingEngine& operator=(const TradingEngine&) = delete;

  /// The venue orders go to; set once before the first command.
  void setVenue(venue::Venue& venue) noexcept { venue_ = &venue; }
  /// The sink a venue reports to.
  venue::ExecutionSink& executionSink() noexcept { return *this; }

  Expected<std::uint32_t> addAccount(model::TenantId tenant, model::AccountId id,
                                     model::Currency currency, portfolio::PositionMode mode,
                                     model::Money startingBalance);

  /// Checks and places a new order. The command is expected to be journalled already (live:
  /// the runtime did it on dispatch; else the engine records it first when unrecorded).
  SubmitResult submit(const model::SubmitOrder& command) noexcept;
  CommandResult cancel(const model::CancelOrder& command) noexcept;
  CommandResult modify(const model::ModifyOrder& command) noexcept;
  void onTick(const model::Tick& tick) noexcept;
  void onBar(const model::Bar& bar) noexcept;
  /// Time passed without data (expiries at the venue).
  void onTime(TimestampNs now) noexcept;

  /// The engine's state as bytes (orders, accounts and positions, risk states, clocks and
  /// counters) for a journal snapshot; only this build reads it back. Not on the hot path.
  std::vector<std::byte> snapshot() const;
  /// Loads a snapshot into a fresh engine (no orders yet, the same accounts added); an error
  /// names why it does not fit (another build's layout, other accounts), and leaves the engine
  /// untouched so that a full replay can follow.
  Expected<void> restore(std::span<const std::byte> bytes);

  /// Applies one journalled event while rebuilding state after a restart; decides nothing.
  void replay(const model::Event& event) noexcept;
  /// Ends a replay: hands the working orders back to the venue and resumes live operation.
  void finishReplay() noexcept;

  /// Compares the engine's orders and positions with the venue's report and corrects the
  /// engine (the venue is authoritative): a missed fill is applied, an unknown venue order
  /// adopted, a quantity aligned, an order the venue no longer works cancelled, a position
  /// difference booked as a reconciliation fill. Each correction is journalled with an Alert;
  /// each account gets a ReconciliationResult. Engine thread, after finishReplay().
  ReconcileSummary reconcile(const venue::VenueReport& report);

  /// Kill switch / reducing-only for every account of a tenant; resume returns to active. Each
  /// change is a journalled TradingStateChanged, so a restart restores it.
  void setTradingState(model::TenantId tenant, risk::TradingState state) noexcept;
  void resume(model::TenantId tenant) noexcept;

  const oms::OrderBook& orders() const noexcept { return book_; }
  const portfolio::Portfolio& portfolio() const noexcept { return portfolio_; }
  risk::RiskEngine& risk() noexcept { return risk_; }
  const portfolio::Catalog& catalog() const noexcept { return catalog_; }
  TimestampNs now() const noexcept { return now_; }
  std::uint64_t recordFailures() const noexcept { return recordFailures_; }
  /// Events applied since construction (live and replayed).
  std::uint64_t applied() const noexcept { return applied_; }

 private:
  void onExecution(const model::Event& event) noexcept override;
  void drain() noexcept;
  /// Records then applies an event the engine produced.
  void emit(model::Event event) noexcept;
  /// The fold: applies a recorded event to the state (live and replay alike).
  void apply(const model::Event& event) noexcept;
  void applySubmit(const model::SubmitOrder& command) noexcept;
  void applyFill(const model::OrderFilled& fill) noexcept;
  /// Live decisions after a venue report was applied: position events, bracket legs, OCO.
  void afterVenueEvent(const model::Event& event) noexcept;
  void placeBracket(std::uint32_t parent) noexcept;
  /// Reads a modify command into venue terms; false when it changes nothing or does not fit.
  bool amendmentOf(const oms::Order& order, const model::ModifyOrder& command,
                   venue::Amendment& amendment) const noexcept;
  void cancelWorking(std::uint32_t index) noexcept;
  /// Records a change of trading state the risk engine made by itself (a loss limit breached
  /// since `before`): a TradingStateChanged and an Alert.
  void reportBreach(std::uint32_t account, risk::TradingState before) noexcept;
  void applyState(const model::TradingStateChanged& change) noexcept;
  void alert(model::TenantId tenant, const ErrorCode& code, const std::string& text);
  /// Books an order the venue has and the engine lacks: submitted, accepted, filled as reported.
  void adopt(const venue::OrderReport& report, const model::ClientOrderId& id);
  /// Emits a fill of `quantity` (instrument scale) at `price` on order i, then its consequences.
  void reconcileFill(std::uint32_t i, std::int64_t quantity, std::int64_t price, std::int64_t leaves);
  /// Moves the trailing stops on the instrument after its quote moved (emulated: the venue
  /// holds a plain stop order that the engine modifies; each move is journalled).
  void trail(std::uint32_t instrument) noexcept;
  /// Sets the FX rate a fill's PnL converts at (the account's pair for the instrument).
  void stampFxRate(model::OrderFilled& fill) const noexcept;
  void advanceClock(TimestampNs ts) noexcept;
  void rollover(TimestampNs ts) noexcept;
  std::int32_t indexOf(model::TenantId tenant, const model::ClientOrderId& id) const noexcept {
    return book_.find(tenant, id);
  }
  template <class E>
  E orderEvent(const oms::Order& order) const noexcept;

  portfolio::Catalog& catalog_;
  EventRecorder& recorder_;
  EngineConfig config_;
  portfolio::Portfolio portfolio_;
  risk::RiskEngine risk_;
  oms::OrderBook book_;
  venue::Venue* venue_ = nullptr;

  std::vector<model::Event> pending_;  // venue reports waiting to be applied (FIFO)
  std::size_t pendingHead_ = 0;
  bool draining_ = false;
  bool replaying_ = false;
  portfolio::FillResult lastFill_;
  TimestampNs now_ = 0;
  std::int64_t swapDay_ = -1;
  std::uint64_t recordFailures_ = 0;
  std::uint64_t applied_ = 0;
  std::uint64_t venueOrders_ = 0;
  std::uint64_t venueTrades_ = 0;
  std::uint64_t reconcileTrades_ = 0;
};

// In the header: reconcile.cc builds order events too.
template <class E>
inline E TradingEngine::orderEvent(const oms::Order& order) const noexcept {
  E e{};
  e.header.tenant = order.tenant;
  e.header.tsEvent = now_;
  e.header.tsRecv = now_;
  e.clientOrderId = order.clientOrderId;
  e.account = order.account;
  e.instrument = order.instrument;
  if constexpr (requires { e.venueOrderId; }) e.venueOrderId = order.venueOrderId;
  return e;
}

}  // namespace ait::trading
