#pragma once
// The MetaTrader 5 venue: a tenant's orders go to the tenant's own terminal through the data
// bridge (the native Expert Advisor, else the compatibility WebSocket), and the terminal's
// execution reports come back as order events. The terminal is a remote venue: every call
// queues a command and returns; the outcome arrives later through onTerminal() on the engine
// thread. The client order id travels in the order comment ("ait:<id>"), which is how the
// terminal's reports find their order.
//
// Mapping (exact, or refused with a reason code; nothing is silently changed):
//   quantity (at the instrument's quantity scale) -> lots, a multiple of the lot step
//   prices (at the instrument's price scale)      -> prices at `digits`, on the tick grid
//   market / limit / stop / stop-limit x buy/sell -> ORDER_TYPE_BUY .. SELL_STOP_LIMIT
//   GTC, DAY, GTD                                 -> ORDER_TIME_GTC, _DAY, _SPECIFIED (+ expiration)
//   IOC, FOK                                      -> ORDER_FILLING_IOC, _FOK (time GTC)
// The compatibility protocol places market orders only and cannot cancel or change an order:
// anything else is rejected (MT5-COMPAT-*). No terminal connected: MT5-DISCONNECTED.

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "ait/core/error.h"
#include "ait/portfolio/catalog.h"
#include "ait/venue/venue.h"

namespace ait::venue {

/// ENUM_ORDER_TYPE values.
enum class Mt5OrderType : std::uint8_t {
  Buy = 0,
  Sell = 1,
  BuyLimit = 2,
  SellLimit = 3,
  BuyStop = 4,
  SellStop = 5,
  BuyStopLimit = 6,
  SellStopLimit = 7,
};
/// ENUM_ORDER_TYPE_TIME values.
enum class Mt5TimeType : std::uint8_t { Gtc = 0, Day = 1, Specified = 2 };
/// ENUM_ORDER_TYPE_FILLING values.
enum class Mt5Filling : std::uint8_t { Fok = 0, Ioc = 1, Return = 2 };

std::string_view toString(Mt5OrderType type) noexcept;

/// Which protocol reaches the tenant's terminal now.
enum class Mt5Route : std::uint8_t { None, Native, Compat };

/// A new order in the terminal's terms (MqlTradeRequest). Trivially copyable.
struct Mt5Order {
  model::TenantId tenant;
  model::ClientOrderId clientOrderId;
  model::Symbol symbol;
  model::Side side = model::Side::Buy;
  model::OrderType kind = model::OrderType::Market;
  Mt5OrderType type = Mt5OrderType::Buy;
  model::Quantity volume;                // lots
  std::optional<model::Price> price;     // limit price (limit, stop-limit)
  std::optional<model::Price> stopPrice; // trigger (stop, stop-limit)
  std::uint8_t digits = 5;
  Mt5TimeType typeTime = Mt5TimeType::Gtc;
  std::int64_t expiration = 0;           // UTC seconds; with Specified only
  std::optional<Mt5Filling> filling;     // unset: the symbol's own filling mode (market orders)
  model::Text comment;                   // "ait:<client order id>"
};

/// A change to a pending order: MT5 moves prices only (a volume change is refused).
struct Mt5Change {
  model::TenantId tenant;
  model::ClientOrderId clientOrderId;
  model::VenueOrderId ticket;
  std::optional<model::Price> price;
  std::optional<model::Price> stopPrice;
};

/// Why an order or a request could not be mapped: a reason code (at most 16 characters) and a
/// sentence for people. Both are static strings.
struct Mt5Refusal {
  std::string_view code;
  std::string_view reason;
};

/// Maps an engine order to the terminal's terms for a route; the refusal names what does not
/// map. Pure: the unit tests drive every case through it.
std::optional<Mt5Refusal> mapOrder(const oms::Order& order, const model::Instrument& spec,
                                   Mt5Route route, Mt5Order& out) noexcept;

/// Where Mt5Venue sends its commands: Mt5Bridge in the platform (BridgeCommands), a recording
/// double in tests. Called on the engine thread; implementations must not block on I/O.
class Mt5Commands {
 public:
  virtual ~Mt5Commands() = default;
  virtual Mt5Route route(model::TenantId tenant) const noexcept = 0;
  /// Each returns an error (kNotConnected) when the command could not be queued.
  virtual Expected<void> order(const Mt5Order& order) noexcept = 0;
  virtual Expected<void> cancel(model::TenantId tenant, const model::ClientOrderId& id,
                                const model::VenueOrderId& ticket) noexcept = 0;
  virtual Expected<void> change(const Mt5Change& change) noexcept = 0;
  /// Asks the terminal for a snapshot ("positions", "orders").
  virtual Expected<void> requestData(model::TenantId tenant, std::string_view what) noexcept = 0;
};

struct Mt5VenueConfig {
  model::TenantId tenant;
  /// The engine account the terminal's positions belong to (one terminal, one account).
  model::AccountId account;
  std::uint32_t maxWorkingOrders = 4096;
};

/// What a reconciliation with the terminal can and cannot say (see docs/trading.md).
struct Mt5ReportNotes {
  std::uint32_t terminalOrders = 0;    // working orders the terminal listed
  std::uint32_t unknownOrders = 0;     // of those, not placed by this engine: not adopted
  std::uint32_t goneOrders = 0;        // working here, not listed there: reported done
  std::uint32_t positions = 0;         // position tickets the terminal listed
};

class Mt5Venue final : public Venue {
 public:
  Mt5Venue(const portfolio::Catalog& catalog, ExecutionSink& sink, Mt5Commands& commands,
           Mt5VenueConfig config);

  std::string_view name() const noexcept override { return "MT5"; }
  /// The terminal holds stops, limits and expiries; OCO groups are the engine's.
  Capabilities capabilities() const noexcept override { return {true, false, true}; }
  void submit(const oms::Order& order) noexcept override;
  void cancel(const oms::Order& order) noexcept override;
  void modify(const oms::Order& order, const Amendment& amendment) noexcept override;
  void onTick(std::uint32_t, const model::Tick&) noexcept override {}
  void onBar(std::uint32_t, const model::Bar&) noexcept override {}
  void onTime(TimestampNs now) noexcept override { now_ = std::max(now_, now); }
  void restore(const oms::Order& order) noexcept override;
  void restoreCounters(std::uint64_t, std::uint64_t) noexcept override {}
  /// The terminal answers asynchronously: see requestReport() and takeReport().
  std::optional<VenueReport> report() const override { return std::nullopt; }

  /// An event the tenant's terminal sent (order events, positions). Order events of this
  /// venue's orders go to the sink in engine terms (the engine applies them on its next call,
  /// e.g. onTime); others are dropped. Engine thread.
  void onTerminal(const model::Event& event) noexcept;
  /// The terminal's "positions" or "orders" list of `entries` ended, `published` of them handed
  /// over as events (the others were malformed: the list then does not count).
  void onSnapshotEnd(std::string_view what, std::size_t entries, std::size_t published) noexcept;

  /// Asks the terminal for its positions and orders. False when no terminal is connected; the
  /// terminal sends both lists by itself after every (re)connect.
  bool requestReport();
  /// Whether requestReport() was called since the last report was taken.
  bool reportRequested() const noexcept { return requested_; }
  /// Lists set aside because an order was in flight when they ended.
  std::uint64_t postponed() const noexcept { return postponed_; }
  /// The report assembled from the terminal's latest positions list and the orders list that
  /// followed it, once; nullopt until both are in. Not on the hot path: it allocates.
  std::optional<VenueReport> takeReport(Mt5ReportNotes* notes = nullptr);

  std::size_t workingCount() const noexcept;
  std::uint64_t dropped() const noexcept { return dropped_; }

  /// A deal (trade id) the engine has applied already: after a restart the Expert Advisor
  /// resends the reports the platform had not confirmed, and a deal seen again is dropped
  /// instead of filling its order twice. The service notes the journalled fills at start.
  void noteDeal(const model::TradeId& deal) noexcept;
  /// Repeated deals dropped so far.
  std::uint64_t repeatedDeals() const noexcept { return repeatedDeals_; }
  /// How many of the newest deals are remembered.
  static constexpr std::size_t kDealMemory = 4096;

 private:
  enum class State : std::uint8_t { Free, Placing, Working, Cancelling, Changing };
  struct Tracked {
    model::ClientOrderId clientOrderId;
    model::VenueOrderId venueOrderId;
    model::AccountId account;
    model::InstrumentId instrument;
    std::uint32_t instrumentIndex = 0;
    model::Side side = model::Side::Buy;
    model::OrderType type = model::OrderType::Market;
    std::int64_t quantity = 0;  // at the instrument's quantity scale
    std::int64_t filled = 0;
    std::int64_t price = 0;
    std::int64_t stopPrice = 0;
    std::int64_t newPrice = 0;  // a change in flight
    std::int64_t newStopPrice = 0;
    State state = State::Free;
  };

  std::int32_t find(const model::ClientOrderId& id) const noexcept;
  std::int32_t findTicket(const model::VenueOrderId& ticket) const noexcept;
  std::int32_t track(const oms::Order& order, State state) noexcept;
  void reject(const oms::Order& order, std::string_view code, std::string_view reason) noexcept;
  void refuseRequest(const oms::Order& order, std::string_view code, std::string_view reason) noexcept;
  template <class E>
  E event(const Tracked& t) const noexcept;
  void onFill(Tracked& t, const model::OrderFilled& fill) noexcept;
  void onOrderEvent(Tracked& t, const model::Event& event) noexcept;

  const portfolio::Catalog& catalog_;
  ExecutionSink& sink_;
  Mt5Commands& commands_;
  Mt5VenueConfig config_;
  std::vector<Tracked> tracked_;
  TimestampNs now_ = 0;
  std::uint64_t dropped_ = 0;
  std::uint64_t postponed_ = 0;
  /// The newest deals applied, a ring (no allocation per fill); a resend covers seconds, not
  /// thousands of deals.
  bool seenDeal(const model::TradeId& deal) const noexcept;
  void rememberDeal(const model::TradeId& deal) noexcept;
  std::vector<model::TradeId> deals_ = std::vector<model::TradeId>(kDealMemory);
  std::size_t nextDeal_ = 0;
  std::uint64_t repeatedDeals_ = 0;

  // Reconciliation: the terminal's lists, whenever it sends them (after a (re)connect, on get).
  bool requested_ = false;
  bool positionsOverflow_ = false;  // an event did not fit in positionsSeen_
  bool ordersOverflow_ = false;
  bool positionsIn_ = false;
  bool ordersIn_ = false;
  std::vector<model::PositionChanged> positionsSeen_;  // of the list being received
  std::vector<model::OrderAccepted> ordersSeen_;
  std::vector<model::PositionChanged> positions_;     // complete lists
  std::vector<model::OrderAccepted> orders_;
};

}  // namespace ait::venue
