#pragma once
// Live strategies inside the trading engine: rule strategies (SMA cross, RSI, breakout) that act
// on closed bars of their instrument and timeframe, and the AI-signal strategy that acts on the
// ensemble's Decision events. Each strategy belongs to one tenant and account and sees only the
// market data and decisions visible to that tenant (ait/data/visibility.h). A signal becomes an
// order to the wanted position (fixed lots long, short or flat) that goes through the engine's
// own submit path: risk-checked, journalled, with the strategy id (and, for AI signals, the
// decision's confidence) on the order. A position is sized in fixed lots, fixed units, % of the
// account's equity or by the % of equity lost at a stop distance (the backtests' sizing), rounded
// down to the instrument's lot step.
//
// Started and stopped are journalled as ServiceStatus events of the trading engine whose detail
// reads "strategy <id> running" or "strategy <id> stopped", so that a restart restores them; a
// stopped rule strategy keeps reading bars (its indicators stay warm) but sends nothing. After a
// restart warmUp() feeds the rule strategies the bars of the history before the live ones.
// Engine thread only: no allocation, lock or exception per event.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ait/core/error.h"
#include "ait/journal/journal.h"
#include "ait/model/events.h"
#include "ait/trading/engine.h"
#include "ait/trading/strategy.h"

namespace ait::trading {

namespace errors {
inline constexpr ErrorCode kStrategyNotFound{"AIT-TRD-0020", Category::Validation, Severity::Low,
                                             "no such strategy for this tenant"};
}  // namespace errors

enum class LiveKind : std::uint8_t { SmaCross, Rsi, Breakout, AiSignal };

/// Returns "sma_cross", "rsi", "breakout" or "ai_signal".
std::string_view toString(LiveKind kind) noexcept;

struct LiveStrategyConfig {
  model::StrategyId id;
  LiveKind kind = LiveKind::SmaCross;
  model::TenantId tenant;
  model::AccountId account;
  model::InstrumentId instrument;
  model::Timeframe timeframe{60};  // rule strategies: the bars they read
  /// Lots of each position (the instrument's quantity scale or coarser); sizing Lots.
  model::Quantity quantity = model::Quantity::fromRaw(1, 2);
  /// How a position is sized: Lots takes `quantity`; the others size each new position from
  /// `sizingValue` (units, % of equity, % of equity at risk) when the signal comes.
  Sizing sizing = Sizing::Lots;
  double sizingValue = 0.0;
  /// RiskPercent: the distance in % of the price at which `sizingValue` % of equity is lost.
  double stopLossPct = 0.0;
  /// fast/slow, rsi_*, breakout_period and allow_short of the rule; sizing fields are unused.
  StrategyConfig rule;
  /// ai_signal: a sell goes short (true) or flat (false).
  bool allowShort = false;
  /// ai_signal: decisions below this confidence are ignored here; 0 leaves the call to the risk
  /// engine's own minimum, which applies to every order that carries a confidence.
  double minConfidence = 0.0;
  bool start = false;  // running at the first start (the journal decides after that)
};

/// One `[[trading.strategies]]` entry as the configuration spells it.
struct LiveStrategySpec {
  std::string id;
  std::string kind = "sma_cross";  // sma_cross | rsi | breakout | ai_signal
  std::int64_t tenant = 1;
  std::string account = "PAPER";
  std::string symbol = "EURUSD";
  std::string timeframe = "1m";
  double quantity = 0.01;  // lots
  std::string sizing = "lots";  // lots | units | percent_equity | risk_percent
  double sizing_value = 0.0;
  double stop_loss_pct = 0.0;
  std::int64_t fast = 10;
  std::int64_t slow = 20;
  std::int64_t rsi_period = 14;
  double rsi_buy_below = 30.0;
  double rsi_sell_above = 70.0;
  std::int64_t breakout_period = 20;
  bool allow_short = false;
  double min_confidence = 0.0;
  bool start = false;
};

/// Turns configured entries into strategies on the traded instruments (found by symbol); reports
/// every problem of every entry at once.
Expected<std::vector<LiveStrategyConfig>> liveStrategiesFrom(
    const std::vector<LiveStrategySpec>& specs,
    const std::vector<portfolio::TradableInstrument>& instruments);

/// What a strategy did last; for the REST listing.
struct LiveStrategyState {
  bool running = false;
  Target target = Target::Hold;      // the last wanted position (Hold: none yet)
  std::uint64_t signals = 0;         // bars or decisions that gave a direction
  std::uint64_t ordersSent = 0;      // orders submitted (denied ones included)
  std::uint64_t ordersDenied = 0;
  /// Signals not sent: the size rounded below the instrument's minimum, or no price, equity or
  /// FX rate to size it with.
  std::uint64_t ordersSkipped = 0;
  TimestampNs lastSignalAt = 0;
  Target lastSignal = Target::Hold;
  double lastConfidence = -1.0;      // ai_signal: the last decision's; -1: none
  std::int32_t lastOrder = -1;       // engine order index of the last order; -1: none
};

/// Finds the engine that trades a tenant's accounts.
class EngineDirectory {
 public:
  /// Returns the engine holding the tenant's accounts, or nullptr.
  virtual TradingEngine* engineFor(model::TenantId tenant) noexcept = 0;

 protected:
  ~EngineDirectory() = default;
};

class StrategyRunner {
 public:
  /// Checks every strategy against the engines' accounts and instruments (unique ids per tenant,
  /// a known account and instrument, a quantity on the lot step, a sizing value and stop where
  /// the sizing needs them); reports every problem at once.
  static Expected<StrategyRunner> create(std::vector<LiveStrategyConfig> configs,
                                         EngineDirectory& engines);

  /// A closed bar: every running rule strategy of its instrument and timeframe that may see it
  /// updates and, on a signal, trades. Bar revisions (late amendments) are ignored.
  void onBar(const model::Bar& bar) noexcept;
  /// A decision of the ensemble: every AI-signal strategy of its instrument that may see it.
  void onDecision(const model::Decision& decision) noexcept;
  /// Feeds history bars (oldest first, before the live ones) to the rule strategies that may see
  /// them, without trading, so that their indicators are warm at the first live bar. A live bar
  /// that starts no later than the last one read here is ignored (already counted). Returns the
  /// number of bars a strategy read.
  std::size_t warmUp(std::span<const model::Bar> bars) noexcept;
  /// Start-up only (reads the disk): warmUp() with the bars of the market data journal whose
  /// event time is `from` or later, in journal order. Returns the number of bars read, or the
  /// journal's error.
  Expected<std::size_t> warmUpFrom(const journal::Journal& marketData, TimestampNs from = 0);
  /// How far back the rule strategies look: their longest period of bars, in ns; 0 with none.
  TimestampNs lookBack() const noexcept;

  /// Returns the index of the tenant's strategy `id`, or -1 (another tenant's is -1 too).
  std::int32_t find(model::TenantId tenant, std::string_view id) const noexcept;
  /// Starts or stops a strategy: records the change through `recorder`, then applies it.
  /// Returns false when the change could not be recorded (nothing changed then).
  bool setRunning(std::uint32_t index, bool running, EventRecorder& recorder) noexcept;

  /// Rebuilds the state from one journalled event: a start/stop and the order counter.
  void replay(const model::Event& event) noexcept;
  /// The running flags and order counters as bytes for the engine snapshot.
  std::vector<std::byte> snapshot() const;
  /// Loads snapshot(); strategies no longer configured are skipped. False when unreadable.
  bool restore(std::span<const std::byte> bytes);
  /// Re-points the strategies at the engines (after the engines were rebuilt).
  void rebind(EngineDirectory& engines) noexcept;

  std::size_t size() const noexcept { return slots_.size(); }
  const LiveStrategyConfig& config(std::uint32_t index) const noexcept { return slots_[index].config; }
  const LiveStrategyState& state(std::uint32_t index) const noexcept { return slots_[index].state; }
  /// The wanted position in lots, signed (0 flat); Hold targets read 0. Sized strategies read
  /// the size of their last order towards the target.
  double targetLots(std::uint32_t index) const noexcept;

  /// The detail of the journalled start/stop event.
  static std::string stateDetail(std::string_view id, bool running);

 private:
  struct Slot {
    LiveStrategyConfig config;
    LiveStrategyState state;
    RuleStrategy rule;
    TradingEngine* engine = nullptr;
    std::int32_t account = -1;     // index in the engine's portfolio
    std::int32_t instrument = -1;  // index in the engine's catalog
    std::int64_t lots = 0;         // quantity at the instrument's scale
    std::int64_t sized = 0;        // the last size computed for a target (not Lots sizing)
    TimestampNs lastBar = INT64_MIN;  // start of the last bar the rule read
  };

  explicit StrategyRunner(std::vector<Slot> slots) : slots_(std::move(slots)) {}
  /// Trades slot towards `target` at time `ts` and `price` (0: the quote's mid); `confidence`
  /// < 0: none on the order.
  void act(Slot& slot, Target target, TimestampNs ts, std::int64_t price, double confidence) noexcept;
  /// Returns the size of a new position at `price` (instrument scale) by the slot's sizing, or 0
  /// when it rounds below the minimum or cannot be valued.
  std::int64_t positionSize(const Slot& slot, std::int64_t price) const noexcept;
  /// Whether a rule strategy reads the bar.
  static bool reads(const Slot& slot, const model::Bar& bar) noexcept;

  std::vector<Slot> slots_;
};

}  // namespace ait::trading
