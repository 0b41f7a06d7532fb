#pragma once
// Pre-trade risk checks, per tenant and account. check() runs every check in a fixed order and
// returns the first denial reason, or None; it never throws and never allocates. Losses beyond
// the daily or drawdown limit put the account into reducing-only until an operator resumes it.
// Owned by the engine thread; limits are replaced between events (reload).

#include <array>
#include <cstdint>
#include <vector>

#include "ait/config/config.h"
#include "ait/core/error.h"
#include "ait/metrics/metrics.h"
#include "ait/oms/order.h"
#include "ait/portfolio/portfolio.h"
#include "ait/risk/errors.h"

namespace ait::risk {

/// Limits in the integer forms the checks use.
struct RiskLimits {
  std::int32_t maxOpenPositions = 5;
  std::int64_t maxRiskPerTradePpm = 20'000;  // >= 1'000'000: no stop loss needed
  std::int64_t maxDailyLossPpm = 50'000;
  std::int64_t maxDrawdownPpm = 100'000;
  double minConfidence = 0.75;
  std::int32_t maxOrdersPerSecond = 10;
  std::int32_t maxOrdersPerMinute = 300;
  std::int64_t maxOrderNotional = 1'000'000LL * 100'000'000LL;  // kMoneyScale
  model::Quantity maxPositionPerInstrument = model::Quantity::fromRaw(10, 0);
  std::int64_t priceCollarPpm = 50'000;

  /// Converts the config's limits; fails naming every value that does not convert.
  static Expected<RiskLimits> fromConfig(const config::RiskConfig& config);
};

enum class TradingState : std::uint8_t { Active, ReducingOnly, Halted };
enum class HaltCause : std::uint8_t { None, Manual, DailyLoss, Drawdown, Journal };

std::string_view toString(TradingState state) noexcept;
std::string_view toString(HaltCause cause) noexcept;

/// Risk state of one account (index = the portfolio's account index).
struct AccountRisk {
  TradingState state = TradingState::Active;
  HaltCause cause = HaltCause::None;
  std::int64_t dayIndex = -1;
  std::int64_t dayStartEquity = 0;
  std::int64_t peakEquity = 0;
  std::int64_t secondWindow = -1;
  std::int32_t secondCount = 0;
  std::int64_t minuteWindow = -1;
  std::int32_t minuteCount = 0;
};

class RiskEngine {
 public:
  RiskEngine(const portfolio::Catalog& catalog, const portfolio::Portfolio& portfolio,
             RiskLimits limits = {});

  /// Resolves the command into an order (account, instrument, mantissas at the instrument's
  /// scales); returns the reason it cannot be, or None. `out` is filled as far as possible either
  /// way, so that a denied order is still recorded under its id.
  DenyReason prepare(const model::SubmitOrder& command, oms::Order& out) const noexcept;
  /// Runs the checks on a prepared order at time `now`; counts the decision by reason. An allowed
  /// order counts against the rate limits.
  DenyReason check(const oms::Order& order, TimestampNs now) noexcept;
  /// Counts a denial decided in prepare().
  void countDenial(DenyReason reason) noexcept;

  /// Tracks the account's equity (day start, peak) and applies the loss limits; call after fills.
  void observe(std::uint32_t account, TimestampNs now) noexcept;

  /// Kill switch and reducing-only, per account or for every account of a tenant.
  void setState(std::uint32_t account, TradingState state, HaltCause cause) noexcept;
  void setTenantState(model::TenantId tenant, TradingState state, HaltCause cause) noexcept;
  /// Back to active; the equity peak and day start restart from the current equity.
  void resume(std::uint32_t account, TimestampNs now) noexcept;

  /// Replaces the default limits (reload), or those of one tenant.
  void setLimits(const RiskLimits& limits) noexcept { defaults_ = limits; }
  void setTenantLimits(model::TenantId tenant, const RiskLimits& limits);
  const RiskLimits& limitsFor(model::TenantId tenant) const noexcept;

  const AccountRisk& accountRisk(std::uint32_t account) noexcept;
  /// Puts back an account's risk state from a snapshot.
  void restore(std::uint32_t account, const AccountRisk& risk) noexcept { state(account) = risk; }
  std::uint64_t decisions(DenyReason reason) const noexcept {
    return counts_[static_cast<std::size_t>(reason)];
  }

 private:
  AccountRisk& state(std::uint32_t account) noexcept;
  DenyReason run(const oms::Order& order, TimestampNs now) noexcept;

  const portfolio::Catalog& catalog_;
  const portfolio::Portfolio& portfolio_;
  RiskLimits defaults_;
  std::vector<std::pair<model::TenantId, RiskLimits>> tenantLimits_;
  std::vector<AccountRisk> accounts_;
  std::array<std::uint64_t, kDenyReasonCount> counts_{};
  std::array<metrics::Counter*, kDenyReasonCount> metrics_{};
};

}  // namespace ait::risk
