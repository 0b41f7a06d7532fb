#pragma once
// Integer arithmetic on fixed-point mantissas for the hot path. Prices, quantities and money are
// kept as int64 mantissas at a known scale (the instrument's, or kMoneyScale for account money);
// products go through 128 bits so that nothing is rounded before the one place that must round.

#include <cstdint>

#include "ait/model/fixed_point.h"

namespace ait::portfolio {

__extension__ typedef __int128 Int128;

/// Decimal places of every account amount (balance, PnL, commission, swap, margin).
inline constexpr std::uint8_t kMoneyScale = 8;

/// Returns num / den rounded half away from zero; den != 0.
constexpr Int128 roundDiv(Int128 num, Int128 den) noexcept {
  if (den < 0) {
    num = -num;
    den = -den;
  }
  Int128 q = num / den;
  Int128 r = num % den;
  if (r < 0) r = -r;
  if (2 * r >= den) q += num < 0 ? -1 : 1;
  return q;
}

/// Returns 10^n as 128 bits for n <= 36.
constexpr Int128 pow10(int n) noexcept {
  Int128 v = 1;
  for (int i = 0; i < n; ++i) v *= 10;
  return v;
}

/// Converts value x 10^-scale to kMoneyScale, rounding half away from zero when scale is larger;
/// returns false when the result does not fit in int64.
constexpr bool toMoney(Int128 value, int scale, std::int64_t& out) noexcept {
  Int128 r = scale <= kMoneyScale ? value * pow10(kMoneyScale - scale)
                                  : roundDiv(value, pow10(scale - kMoneyScale));
  if (r > INT64_MAX || r < INT64_MIN) return false;
  out = static_cast<std::int64_t>(r);
  return true;
}

/// Returns the mantissa of value at `scale`, exactly; false when a digit would be lost or the
/// result overflows.
constexpr bool mantissaAt(model::Decimal value, std::uint8_t scale, std::int64_t& out) noexcept {
  if (value.scale > model::kMaxScale || scale > model::kMaxScale) return false;
  if (value.scale <= scale) {
    Int128 r = static_cast<Int128>(value.mantissa) * pow10(scale - value.scale);
    if (r > INT64_MAX || r < INT64_MIN) return false;
    out = static_cast<std::int64_t>(r);
    return true;
  }
  Int128 div = pow10(value.scale - scale);
  if (value.mantissa % div != 0) return false;
  out = static_cast<std::int64_t>(value.mantissa / div);
  return true;
}

inline model::Money money(std::int64_t mantissa) noexcept {
  return model::Money::fromRaw(mantissa, kMoneyScale);
}

}  // namespace ait::portfolio
