#pragma once
// Denial reasons of the pre-trade risk checks, AIT-RSK-xxxx. A denial travels as an OrderDenied
// event whose reason_code is one of these codes; it is a business outcome, not a failure.

#include <array>
#include <cstdint>

#include "ait/core/error.h"

namespace ait::risk {

enum class DenyReason : std::uint8_t {
  None = 0,
  UnknownAccount,
  Halted,
  ReducingOnly,
  UnknownInstrument,
  NotTradable,
  InvalidOrder,
  LowConfidence,
  QuantityBelowMin,
  QuantityAboveMax,
  QuantityOffStep,
  PriceOffTick,
  NoMarketPrice,
  PriceOutsideCollar,
  MaxNotional,
  MaxPosition,
  MaxOpenPositions,
  NoStopLoss,
  MaxRiskPerTrade,
  DailyLoss,
  Drawdown,
  RateLimitSecond,
  RateLimitMinute,
  InsufficientMargin,
  Capacity,
};
inline constexpr std::size_t kDenyReasonCount = 25;

namespace errors {
// Codes stay stable: clients and dashboards key on them.
inline constexpr ErrorCode kUnknownAccount{"AIT-RSK-0001", Category::Risk, Severity::Low,
                                           "the account is not known to the trading engine"};
inline constexpr ErrorCode kHalted{"AIT-RSK-0002", Category::Risk, Severity::Medium,
                                   "trading is halted for the tenant (kill switch)"};
inline constexpr ErrorCode kReducingOnly{"AIT-RSK-0003", Category::Risk, Severity::Low,
                                         "only orders that reduce a position are allowed"};
inline constexpr ErrorCode kUnknownInstrument{"AIT-RSK-0004", Category::Risk, Severity::Low,
                                              "the instrument is not known"};
inline constexpr ErrorCode kNotTradable{"AIT-RSK-0005", Category::Risk, Severity::Low,
                                        "the instrument is not tradable now"};
inline constexpr ErrorCode kInvalidOrder{"AIT-RSK-0006", Category::Validation, Severity::Low,
                                         "the order is inconsistent (fields its type needs)"};
inline constexpr ErrorCode kLowConfidence{"AIT-RSK-0007", Category::Risk, Severity::Info,
                                          "the signal's model confidence is below the minimum"};
inline constexpr ErrorCode kQuantityBelowMin{"AIT-RSK-0008", Category::Risk, Severity::Low,
                                             "quantity below the instrument's minimum"};
inline constexpr ErrorCode kQuantityAboveMax{"AIT-RSK-0009", Category::Risk, Severity::Low,
                                             "quantity above the instrument's maximum"};
inline constexpr ErrorCode kQuantityOffStep{"AIT-RSK-0010", Category::Risk, Severity::Low,
                                            "quantity not a multiple of the lot step"};
inline constexpr ErrorCode kPriceOffTick{"AIT-RSK-0011", Category::Risk, Severity::Low,
                                         "a price is not on the instrument's tick grid"};
inline constexpr ErrorCode kNoMarketPrice{"AIT-RSK-0012", Category::Risk, Severity::Low,
                                          "no quote yet to price the order against"};
inline constexpr ErrorCode kPriceOutsideCollar{"AIT-RSK-0013", Category::Risk, Severity::Low,
                                               "a price is too far from the last quote"};
inline constexpr ErrorCode kMaxNotional{"AIT-RSK-0014", Category::Risk, Severity::Low,
                                        "order notional above the maximum"};
inline constexpr ErrorCode kMaxPosition{"AIT-RSK-0015", Category::Risk, Severity::Low,
                                        "resulting position above the per-instrument maximum"};
inline constexpr ErrorCode kMaxOpenPositions{"AIT-RSK-0016", Category::Risk, Severity::Low,
                                             "the account has the maximum open positions"};
inline constexpr ErrorCode kNoStopLoss{"AIT-RSK-0017", Category::Risk, Severity::Low,
                                       "an order adding risk needs a stop loss"};
inline constexpr ErrorCode kMaxRiskPerTrade{"AIT-RSK-0018", Category::Risk, Severity::Low,
                                            "loss at the stop above the per-trade share of equity"};
inline constexpr ErrorCode kDailyLoss{"AIT-RSK-0019", Category::Risk, Severity::High,
                                      "daily loss limit reached: new risk halted until reset"};
inline constexpr ErrorCode kDrawdown{"AIT-RSK-0020", Category::Risk, Severity::High,
                                     "drawdown limit reached: new risk halted until reset"};
inline constexpr ErrorCode kRateLimitSecond{"AIT-RSK-0021", Category::Risk, Severity::Low,
                                            "orders per second above the limit"};
inline constexpr ErrorCode kRateLimitMinute{"AIT-RSK-0022", Category::Risk, Severity::Low,
                                            "orders per minute above the limit"};
inline constexpr ErrorCode kInsufficientMargin{"AIT-RSK-0023", Category::Risk, Severity::Low,
                                               "not enough free margin for the order"};
inline constexpr ErrorCode kCapacity{"AIT-RSK-0024", Category::Resource, Severity::High,
                                     "the engine's order storage is full"};
inline constexpr ErrorCode kBadLimits{"AIT-RSK-0025", Category::Config, Severity::High,
                                      "risk limits are invalid"};
}  // namespace errors

/// Returns the code of a denial reason (kInvalidOrder's for None, which is never denied).
const ErrorCode& codeOf(DenyReason reason) noexcept;
/// Returns the reason with that code ("AIT-RSK-0014"), or None.
DenyReason reasonFromCode(std::string_view code) noexcept;
/// Returns a short snake_case name ("max_notional"), for metrics labels and JSON.
std::string_view nameOf(DenyReason reason) noexcept;

}  // namespace ait::risk
