#pragma once
// The platform's events: plain, trivially copyable value types (no heap, no pointers) held in one
// std::variant, so that the bus can move them through lock-free rings and the journal can store
// their binary encoding (ait/model/codec.h). docs/events.md lists every type with its fields,
// type id and schema version.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

#include "ait/core/clock.h"
#include "ait/core/error.h"
#include "ait/model/fixed_point.h"
#include "ait/model/ids.h"

namespace ait::model {

enum class Side : std::uint8_t { Buy = 1, Sell = 2 };
enum class OrderType : std::uint8_t { Market = 1, Limit = 2, Stop = 3, StopLimit = 4 };
enum class TimeInForce : std::uint8_t { Gtc = 1, Ioc = 2, Fok = 3, Day = 4, Gtd = 5 };
enum class Liquidity : std::uint8_t { Unknown = 0, Maker = 1, Taker = 2 };
/// A trailing stop's distance: in price units, or in percent of the quote.
enum class TrailingUnit : std::uint8_t { PriceUnits = 1, Percent = 2 };
enum class ServiceState : std::uint8_t { Up = 1, Degraded = 2, Down = 3 };
enum class ReconciliationStatus : std::uint8_t { Matched = 1, Corrected = 2, Failed = 3 };
enum class TradingMode : std::uint8_t { Active = 1, ReducingOnly = 2, Halted = 3 };
enum class StateCause : std::uint8_t { Manual = 1, DailyLoss = 2, Drawdown = 3 };
enum class AlertSeverity : std::uint8_t { Info = 1, Warning = 2, Critical = 3 };
enum class DecisionSignal : std::uint8_t { StrongSell = 1, Sell = 2, Hold = 3, Buy = 4, StrongBuy = 5 };
enum class EnsembleKind : std::uint8_t { WeightedAverage = 1, MajorityVote = 2, Stacking = 3 };
/// How one model took part in a decision; None marks an unused slot of a Decision event.
enum class ModelVoteStatus : std::uint8_t {
  None = 0,
  Fresh = 1,
  Late = 2,
  Failed = 3,
  CircuitOpen = 4,
  OverBudget = 5
};

/// The names used in JSON and topics for each enum value ("buy", "stop_limit", "gtd").
template <class E>
struct EnumNames;

template <>
struct EnumNames<Side> {
  static constexpr std::array<std::pair<Side, std::string_view>, 2> kValues{
      {{Side::Buy, "buy"}, {Side::Sell, "sell"}}};
};
template <>
struct EnumNames<OrderType> {
  static constexpr std::array<std::pair<OrderType, std::string_view>, 4> kValues{
      {{OrderType::Market, "market"},
       {OrderType::Limit, "limit"},
       {OrderType::Stop, "stop"},
       {OrderType::StopLimit, "stop_limit"}}};
};
template <>
struct EnumNames<TimeInForce> {
  static constexpr std::array<std::pair<TimeInForce, std::string_view>, 5> kValues{
      {{TimeInForce::Gtc, "gtc"},
       {TimeInForce::Ioc, "ioc"},
       {TimeInForce::Fok, "fok"},
       {TimeInForce::Day, "day"},
       {TimeInForce::Gtd, "gtd"}}};
};
template <>
struct EnumNames<TrailingUnit> {
  static constexpr std::array<std::pair<TrailingUnit, std::string_view>, 2> kValues{
      {{TrailingUnit::PriceUnits, "price"}, {TrailingUnit::Percent, "percent"}}};
};
template <>
struct EnumNames<Liquidity> {
  static constexpr std::array<std::pair<Liquidity, std::string_view>, 3> kValues{
      {{Liquidity::Unknown, "unknown"}, {Liquidity::Maker, "maker"}, {Liquidity::Taker, "taker"}}};
};
template <>
struct EnumNames<ServiceState> {
  static constexpr std::array<std::pair<ServiceState, std::string_view>, 3> kValues{
      {{ServiceState::Up, "up"}, {ServiceState::Degraded, "degraded"}, {ServiceState::Down, "down"}}};
};
template <>
struct EnumNames<ReconciliationStatus> {
  static constexpr std::array<std::pair<ReconciliationStatus, std::string_view>, 3> kValues{
      {{ReconciliationStatus::Matched, "matched"},
       {ReconciliationStatus::Corrected, "corrected"},
       {ReconciliationStatus::Failed, "failed"}}};
};

template <>
struct EnumNames<TradingMode> {
  static constexpr std::array<std::pair<TradingMode, std::string_view>, 3> kValues{
      {{TradingMode::Active, "active"},
       {TradingMode::ReducingOnly, "reducing_only"},
       {TradingMode::Halted, "halted"}}};
};
template <>
struct EnumNames<StateCause> {
  static constexpr std::array<std::pair<StateCause, std::string_view>, 3> kValues{
      {{StateCause::Manual, "manual"},
       {StateCause::DailyLoss, "daily_loss"},
       {StateCause::Drawdown, "drawdown"}}};
};
template <>
struct EnumNames<AlertSeverity> {
  static constexpr std::array<std::pair<AlertSeverity, std::string_view>, 3> kValues{
      {{AlertSeverity::Info, "info"},
       {AlertSeverity::Warning, "warning"},
       {AlertSeverity::Critical, "critical"}}};
};
template <>
struct EnumNames<DecisionSignal> {
  static constexpr std::array<std::pair<DecisionSignal, std::string_view>, 5> kValues{
      {{DecisionSignal::StrongSell, "strong_sell"},
       {DecisionSignal::Sell, "sell"},
       {DecisionSignal::Hold, "hold"},
       {DecisionSignal::Buy, "buy"},
       {DecisionSignal::StrongBuy, "strong_buy"}}};
};
template <>
struct EnumNames<EnsembleKind> {
  static constexpr std::array<std::pair<EnsembleKind, std::string_view>, 3> kValues{
      {{EnsembleKind::WeightedAverage, "weighted_average"},
       {EnsembleKind::MajorityVote, "majority_vote"},
       {EnsembleKind::Stacking, "stacking"}}};
};
template <>
struct EnumNames<ModelVoteStatus> {
  static constexpr std::array<std::pair<ModelVoteStatus, std::string_view>, 6> kValues{
      {{ModelVoteStatus::None, "none"},
       {ModelVoteStatus::Fresh, "fresh"},
       {ModelVoteStatus::Late, "late"},
       {ModelVoteStatus::Failed, "failed"},
       {ModelVoteStatus::CircuitOpen, "circuit_open"},
       {ModelVoteStatus::OverBudget, "over_budget"}}};
};

/// Returns the value's name, or "" for a value outside the enum.
template <class E>
constexpr std::string_view toString(E value) noexcept
  requires requires { EnumNames<E>::kValues; }
{
  for (const auto& [v, name] : EnumNames<E>::kValues) {
    if (v == value) return name;
  }
  return {};
}

/// Returns whether value is one of the enum's named values (a decoded byte may not be).
template <class E>
constexpr bool isValidEnum(E value) noexcept {
  return !toString(value).empty();
}

/// Returns the value named `name`, or nullopt.
template <class E>
constexpr std::optional<E> enumFromString(std::string_view name) noexcept {
  for (const auto& [v, n] : EnumNames<E>::kValues) {
    if (n == name) return v;
  }
  return std::nullopt;
}

// Tick flags say which fields of a Tick carry news (MT5 sends ticks with only bid or only last).
inline constexpr std::uint32_t kTickBid = 1U << 0;
inline constexpr std::uint32_t kTickAsk = 1U << 1;
inline constexpr std::uint32_t kTickLast = 1U << 2;
inline constexpr std::uint32_t kTickVolume = 1U << 3;
inline constexpr std::uint32_t kTickBuy = 1U << 4;   // last trade was buyer-initiated
inline constexpr std::uint32_t kTickSell = 1U << 5;  // last trade was seller-initiated
inline constexpr std::uint32_t kTickCrossed = 1U << 6;     // bid > ask, accepted by configuration
inline constexpr std::uint32_t kTickOutOfOrder = 1U << 7;  // older than a tick already published

/// A bar period in seconds ("1m" = 60).
struct Timeframe {
  std::uint32_t seconds = 0;

  /// Parses "<n>s", "<n>m", "<n>h", "<n>d" or "<n>w"; 0 ("0s") means unset, which a bar
  /// builder's config should refuse.
  static Expected<Timeframe> parse(std::string_view text);
  /// Returns the largest exact unit: 60 -> "1m", 90 -> "90s", 86400 -> "1d".
  std::string toString() const;
  friend constexpr auto operator<=>(Timeframe, Timeframe) noexcept = default;
};

enum class EventType : std::uint16_t {
  Tick = 1,
  Bar = 2,
  SubmitOrder = 100,
  CancelOrder = 101,
  ModifyOrder = 102,
  OrderSubmitted = 200,
  OrderDenied = 201,
  OrderAccepted = 202,
  OrderRejected = 203,
  OrderFilled = 204,
  OrderCancelled = 205,
  OrderExpired = 206,
  OrderModified = 207,
  PositionOpened = 300,
  PositionChanged = 301,
  PositionClosed = 302,
  AccountState = 400,
  TradingStateChanged = 401,
  ServiceStatus = 500,
  GapDetected = 501,
  ReconciliationResult = 502,
  Alert = 503,
  Decision = 600,
};

/// Carried by every event.
struct EventHeader {
  TenantId tenant;
  /// When it happened at the source (exchange time for market data).
  TimestampNs tsEvent = 0;
  /// When this process received or created it.
  TimestampNs tsRecv = 0;
  /// The journal's record sequence, 0 until journalled. Not part of the encoded payload: the
  /// journal keeps it in its record header and sets it here when it reads a record back.
  std::uint64_t sequence = 0;

  friend constexpr bool operator==(const EventHeader&, const EventHeader&) noexcept = default;
};

// Each event type names its type id, schema version (the encoder writes this one; the decoder
// reads it and every older one) and JSON name.
#define AIT_MODEL_EVENT(Type, version, name)                          \
  static constexpr EventType kType = EventType::Type;                 \
  static constexpr std::uint16_t kVersion = version;                  \
  static constexpr std::string_view kName = name;                     \
  EventHeader header;                                                 \
  friend bool operator==(const Type&, const Type&) noexcept = default

struct Tick {
  AIT_MODEL_EVENT(Tick, 1, "tick");
  InstrumentId instrument;
  Price bid;
  Price ask;
  Price last;
  Quantity bidSize;
  Quantity askSize;
  Quantity volume;
  std::uint32_t flags = 0;  // kTick* bits
};

struct Bar {
  AIT_MODEL_EVENT(Bar, 2, "bar");
  InstrumentId instrument;
  Timeframe timeframe;
  /// Open time of the bar; header.tsEvent is its close.
  TimestampNs start = 0;
  Price open;
  Price high;
  Price low;
  Price close;
  Quantity volume;
  std::uint32_t tickCount = 0;
  /// Since v2: 0 for the bar as closed, n for its n-th amendment by late ticks (each a complete
  /// bar that replaces the previous revision); v1 records read back as 0.
  std::uint32_t revision = 0;
};

/// A new order. Repeating a client order id is idempotent: it is not a second order.
struct SubmitOrder {
  AIT_MODEL_EVENT(SubmitOrder, 3, "submit_order");
  ClientOrderId clientOrderId;
  AccountId account;
  InstrumentId instrument;
  Side side = Side::Buy;
  OrderType type = OrderType::Market;
  TimeInForce timeInForce = TimeInForce::Gtc;
  Quantity quantity;
  std::optional<Price> price;      // limit price: limit and stop-limit orders
  std::optional<Price> stopPrice;  // trigger: stop and stop-limit orders
  std::optional<TimestampNs> expireTime;  // GTD only
  std::optional<Price> stopLoss;
  std::optional<Price> takeProfit;
  OcoGroupId ocoGroup;  // empty: not in an OCO group
  StrategyId strategyId;
  /// Since v2: the deciding model's confidence in [0, 1]; absent in v1 records.
  std::optional<double> confidence;
  /// Since v3, stop orders only: a trailing stop. The stop price (stop_price is the first one)
  /// follows the favourable side of the quote at this distance and never moves back; absent in
  /// older records.
  std::optional<Price> trailingOffset;
  /// Since v3: the unit of trailingOffset; absent means price units.
  std::optional<TrailingUnit> trailingUnit;
};

struct CancelOrder {
  AIT_MODEL_EVENT(CancelOrder, 1, "cancel_order");
  ClientOrderId clientOrderId;
  AccountId account;
  InstrumentId instrument;
  VenueOrderId venueOrderId;  // empty when not yet known
};

/// Changes a working order; absent fields stay as they are, a stop loss or take profit of 0
/// removes it.
struct ModifyOrder {
  AIT_MODEL_EVENT(ModifyOrder, 1, "modify_order");
  ClientOrderId clientOrderId;
  AccountId account;
  InstrumentId instrument;
  VenueOrderId venueOrderId;
  std::optional<Quantity> quantity;
  std::optional<Price> price;
  std::optional<Price> stopPrice;
  std::optional<Price> stopLoss;
  std::optional<Price> takeProfit;
};

/// The order passed risk checks and was sent to the venue.
struct OrderSubmitted {
  AIT_MODEL_EVENT(OrderSubmitted, 1, "order_submitted");
  ClientOrderId clientOrderId;
  AccountId account;
  InstrumentId instrument;
};

/// Refused before reaching the venue (risk, validation); a business outcome, not an error.
struct OrderDenied {
  AIT_MODEL_EVENT(OrderDenied, 1, "order_denied");
  ClientOrderId clientOrderId;
  AccountId account;
  InstrumentId instrument;
  ReasonCode reasonCode;
  Text reason;
};

struct OrderAccepted {
  AIT_MODEL_EVENT(OrderAccepted, 1, "order_accepted");
  ClientOrderId clientOrderId;
  VenueOrderId venueOrderId;
  AccountId account;
  InstrumentId instrument;
};

/// Refused by the venue.
struct OrderRejected {
  AIT_MODEL_EVENT(OrderRejected, 1, "order_rejected");
  ClientOrderId clientOrderId;
  VenueOrderId venueOrderId;
  AccountId account;
  InstrumentId instrument;
  ReasonCode reasonCode;
  Text reason;
};

/// A fill; a partial fill has leavesQuantity > 0.
struct OrderFilled {
  AIT_MODEL_EVENT(OrderFilled, 2, "order_filled");
  ClientOrderId clientOrderId;
  VenueOrderId venueOrderId;
  TradeId tradeId;
  PositionId positionId;  // empty when the venue does not report one
  AccountId account;
  InstrumentId instrument;
  Side side = Side::Buy;
  Liquidity liquidity = Liquidity::Unknown;
  Quantity fillQuantity;
  Price fillPrice;
  Quantity leavesQuantity;
  Money commission;
  Currency commissionCurrency;
  /// Since v2: the price of the FX pair the fill's PnL was converted to the account currency at
  /// (the instrument's profit currency differs from the account's); absent when no conversion
  /// was needed, when no rate was known, and in v1 records.
  std::optional<Price> fxRate;
};

struct OrderCancelled {
  AIT_MODEL_EVENT(OrderCancelled, 1, "order_cancelled");
  ClientOrderId clientOrderId;
  VenueOrderId venueOrderId;
  AccountId account;
  InstrumentId instrument;
};

struct OrderExpired {
  AIT_MODEL_EVENT(OrderExpired, 1, "order_expired");
  ClientOrderId clientOrderId;
  VenueOrderId venueOrderId;
  AccountId account;
  InstrumentId instrument;
};

/// The venue applied a modification; the fields are the order's new values.
struct OrderModified {
  AIT_MODEL_EVENT(OrderModified, 1, "order_modified");
  ClientOrderId clientOrderId;
  VenueOrderId venueOrderId;
  AccountId account;
  InstrumentId instrument;
  Quantity quantity;
  std::optional<Price> price;
  std::optional<Price> stopPrice;
  std::optional<Price> stopLoss;
  std::optional<Price> takeProfit;
};

// Position events share their fields: quantity is signed (long > 0, short < 0, 0 once closed).
#define AIT_MODEL_POSITION_FIELDS \
  PositionId positionId;          \
  AccountId account;              \
  InstrumentId instrument;        \
  Quantity quantity;              \
  Price averagePrice;             \
  Money realizedPnl;              \
  Currency currency

struct PositionOpened {
  AIT_MODEL_EVENT(PositionOpened, 1, "position_opened");
  AIT_MODEL_POSITION_FIELDS;
};

struct PositionChanged {
  AIT_MODEL_EVENT(PositionChanged, 1, "position_changed");
  AIT_MODEL_POSITION_FIELDS;
};

struct PositionClosed {
  AIT_MODEL_EVENT(PositionClosed, 1, "position_closed");
  AIT_MODEL_POSITION_FIELDS;
};

#undef AIT_MODEL_POSITION_FIELDS

struct AccountState {
  AIT_MODEL_EVENT(AccountState, 1, "account_state");
  AccountId account;
  Currency currency;
  Money balance;
  Money equity;
  Money margin;
  Money freeMargin;
};

struct ServiceStatus {
  AIT_MODEL_EVENT(ServiceStatus, 1, "service_status");
  ServiceName service;
  ServiceState state = ServiceState::Up;
  Text detail;
};

/// Market data went missing: nothing arrived between gapStart and gapEnd, or the source's
/// sequence jumped (0 when the source has no sequence numbers).
struct GapDetected {
  AIT_MODEL_EVENT(GapDetected, 1, "gap_detected");
  InstrumentId instrument;
  TimestampNs gapStart = 0;
  TimestampNs gapEnd = 0;
  std::uint64_t expectedSequence = 0;
  std::uint64_t receivedSequence = 0;
};

/// The outcome of comparing the state rebuilt from the journal with what the venue reports.
struct ReconciliationResult {
  AIT_MODEL_EVENT(ReconciliationResult, 1, "reconciliation_result");
  AccountId account;
  Venue venue;
  ReconciliationStatus status = ReconciliationStatus::Matched;
  std::uint32_t ordersChecked = 0;
  std::uint32_t ordersMismatched = 0;
  std::uint32_t positionsChecked = 0;
  std::uint32_t positionsMismatched = 0;
  Text detail;
};

/// An account's trading state changed (halt, reducing-only, resume), by an operator or a loss
/// limit. Journalled, so that a restart restores a manual halt.
struct TradingStateChanged {
  AIT_MODEL_EVENT(TradingStateChanged, 1, "trading_state_changed");
  AccountId account;  // empty: every account of the tenant
  TradingMode state = TradingMode::Active;
  StateCause cause = StateCause::Manual;
  Text detail;
};

/// Something an operator should see: a reconciliation correction, a loss limit breached.
struct Alert {
  AIT_MODEL_EVENT(Alert, 1, "alert");
  AlertSeverity severity = AlertSeverity::Warning;
  ServiceName source;  // the service that raised it
  ReasonCode code;     // an ErrorDNA code naming the condition
  Text text;
};

// Decision flags.
inline constexpr std::uint32_t kDecisionDegraded = 1U << 0;   // some model was not fresh
inline constexpr std::uint32_t kDecisionTruncated = 1U << 1;  // more models ran than it carries
/// The models a Decision event carries (the first ones of the ensemble, in slot order).
inline constexpr std::size_t kDecisionModels = 8;

/// A decision of an ensemble (ai-orchestration): what went in (the feature vector's hash), what
/// each model said and how long it took, and what came out, so that a trade can be explained
/// later. Model i is named by modelKeys[i], the first 4 bytes of its parameters' SHA-256 (read
/// big-endian), which identifies the exact model file; slots past modelCount have status none.
struct Decision {
  AIT_MODEL_EVENT(Decision, 1, "decision");
  StrategyId strategy;      // the ensemble that decided
  InstrumentId instrument;
  std::uint64_t decisionSequence = 0;  // the engine's own count, 1, 2, ...
  std::uint64_t inputsHash = 0;        // FNV-1a 64 of the feature vector's bytes
  DecisionSignal signal = DecisionSignal::Hold;
  EnsembleKind ensemble = EnsembleKind::WeightedAverage;
  double score = 0;       // ensemble score in [-1, 1]
  double confidence = 0;  // in [0, 1]
  std::uint32_t latencyNs = 0;  // whole decision, saturated at 2^32-1
  std::uint32_t flags = 0;      // kDecision* bits
  std::uint32_t modelCount = 0;
  std::uint32_t usedMask = 0;   // bit i: model i's value (fresh or cached) went into the result
  std::array<std::uint32_t, kDecisionModels> modelKeys{};
  std::array<ModelVoteStatus, kDecisionModels> modelStatus{};
  std::array<double, kDecisionModels> modelValues{};   // each model's own output
  std::array<float, kDecisionModels> modelScores{};    // mapped to [-1, 1]
  std::array<float, kDecisionModels> modelWeights{};
  std::array<std::uint32_t, kDecisionModels> modelLatencyNs{};
};

#undef AIT_MODEL_EVENT

using Event = std::variant<Tick, Bar, SubmitOrder, CancelOrder, ModifyOrder, OrderSubmitted,
                           OrderDenied, OrderAccepted, OrderRejected, OrderFilled, OrderCancelled,
                           OrderExpired, OrderModified, PositionOpened, PositionChanged,
                           PositionClosed, AccountState, ServiceStatus, GapDetected,
                           ReconciliationResult, TradingStateChanged, Alert, Decision>;

inline constexpr std::size_t kEventTypeCount = std::variant_size_v<Event>;

static_assert(std::is_trivially_copyable_v<Event>, "events cross lock-free rings by copy");
static_assert(std::is_trivially_destructible_v<Event>);
static_assert(sizeof(Event) <= 384, "keep events within six cache lines");

/// Returns the event's type.
inline EventType typeOf(const Event& event) noexcept {
  return std::visit([](const auto& e) { return std::remove_cvref_t<decltype(e)>::kType; }, event);
}
/// Returns the event's stable type id, as stored in journal record headers.
inline std::uint16_t typeIdOf(const Event& event) noexcept {
  return std::to_underlying(typeOf(event));
}
inline const EventHeader& headerOf(const Event& event) noexcept {
  return std::visit([](const auto& e) -> const EventHeader& { return e.header; }, event);
}
inline EventHeader& headerOf(Event& event) noexcept {
  return std::visit([](auto& e) -> EventHeader& { return e.header; }, event);
}
inline TenantId tenantOf(const Event& event) noexcept { return headerOf(event).tenant; }

/// Returns the JSON name ("order_filled"), or "" for an unknown type.
std::string_view nameOf(EventType type) noexcept;
/// Returns the schema version this build writes for type, or 0 for an unknown type.
std::uint16_t schemaVersionOf(EventType type) noexcept;
/// Returns the type with that id, or nullopt when this build does not know it.
std::optional<EventType> eventTypeFromId(std::uint16_t id) noexcept;
/// Returns the type with that JSON name, or nullopt.
std::optional<EventType> eventTypeFromName(std::string_view name) noexcept;
/// Returns whether the type is a command (submit, cancel, modify) rather than a fact.
constexpr bool isCommand(EventType type) noexcept {
  return type == EventType::SubmitOrder || type == EventType::CancelOrder ||
         type == EventType::ModifyOrder;
}
constexpr bool isMarketData(EventType type) noexcept {
  return type == EventType::Tick || type == EventType::Bar;
}

/// Checks a new order's consistency (ids present, quantity > 0, prices that its type needs and
/// only those, expire time iff GTD, confidence in [0, 1]); reports every violation at once.
Expected<void> validate(const SubmitOrder& order);
/// Checks that the order to cancel is named.
Expected<void> validate(const CancelOrder& cancel);
/// Checks that the order is named, something changes and new values are positive.
Expected<void> validate(const ModifyOrder& modify);
/// Validates a command; other events pass.
Expected<void> validateCommand(const Event& event);

}  // namespace ait::model
