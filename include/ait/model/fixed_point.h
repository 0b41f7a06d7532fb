#pragma once
// Exact decimal values for prices, quantities and money. A value is an int64 mantissa and a scale
// (decimal places, 0..18) carried together, so that it reads correctly without its instrument and
// no order, position or PnL arithmetic ever touches floating point. Every operation that could
// overflow or lose a digit is checked and returns an error instead.

#include <compare>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "ait/core/error.h"

namespace ait::model {

inline constexpr std::uint8_t kMaxScale = 18;
/// Longest text formatDecimal writes, with room to spare ("-9.223372036854775808" is 21).
inline constexpr std::size_t kMaxDecimalChars = 24;
/// Passed as a scale to parsing functions: take the scale from the text's decimal places.
inline constexpr int kScaleFromText = -1;

inline constexpr std::int64_t kPowersOfTen[kMaxScale + 1] = {
    1LL,
    10LL,
    100LL,
    1'000LL,
    10'000LL,
    100'000LL,
    1'000'000LL,
    10'000'000LL,
    100'000'000LL,
    1'000'000'000LL,
    10'000'000'000LL,
    100'000'000'000LL,
    1'000'000'000'000LL,
    10'000'000'000'000LL,
    100'000'000'000'000LL,
    1'000'000'000'000'000LL,
    10'000'000'000'000'000LL,
    100'000'000'000'000'000LL,
    1'000'000'000'000'000'000LL,
};

enum class Rounding : std::uint8_t { Exact, HalfAwayFromZero };

/// An untyped decimal mantissa x 10^-scale; FixedPoint<Tag> gives it a meaning.
struct Decimal {
  std::int64_t mantissa = 0;
  std::uint8_t scale = 0;
};

namespace detail {
// `kind` names the value in error messages ("price '1.2.3': more than one decimal point").
Expected<Decimal> parseDecimal(std::string_view text, int scale, Rounding rounding,
                               std::string_view kind);
Expected<Decimal> decimalFromDouble(double value, int scale, std::string_view kind);
Expected<Decimal> rescaleDecimal(Decimal value, std::uint8_t scale, Rounding rounding,
                                 std::string_view kind);
Expected<Decimal> addDecimal(Decimal a, Decimal b, bool subtract, std::string_view kind);
Expected<Decimal> multiplyDecimal(Decimal a, Decimal b, int scale, std::string_view what);
Expected<Decimal> divideDecimal(Decimal a, Decimal b, std::uint8_t scale, std::string_view what);
std::weak_ordering compareDecimal(Decimal a, Decimal b) noexcept;
std::size_t formatDecimal(Decimal value, std::span<char> out) noexcept;
double decimalToDouble(Decimal value) noexcept;
Unexpected badScale(std::uint8_t scale, std::string_view kind);
}  // namespace detail

/// A fixed-point decimal of one kind (price, quantity, money); kinds do not mix by accident.
template <class Tag>
class FixedPoint {
 public:
  constexpr FixedPoint() noexcept = default;

  /// Returns mantissa x 10^-scale; the caller guarantees scale <= kMaxScale (encode and the
  /// checked operations reject a value that breaks it).
  static constexpr FixedPoint fromRaw(std::int64_t mantissa, std::uint8_t scale) noexcept {
    return FixedPoint(mantissa, scale);
  }
  /// Returns mantissa x 10^-scale, or an error when scale exceeds kMaxScale.
  static Expected<FixedPoint> make(std::int64_t mantissa, std::uint8_t scale) {
    if (scale > kMaxScale) return detail::badScale(scale, Tag::kName);
    return FixedPoint(mantissa, scale);
  }
  static Expected<FixedPoint> fromDecimal(Decimal value) { return make(value.mantissa, value.scale); }
  /// Parses an exact decimal ("1.10235", "-0.5", "+2", ".5", "1e-3") at the scale its digits
  /// need; rejects whitespace, separators, NaN and values that do not fit.
  static Expected<FixedPoint> parse(std::string_view text) {
    return wrap(detail::parseDecimal(text, kScaleFromText, Rounding::Exact, Tag::kName));
  }
  /// Parses an exact decimal at `scale`, failing when the text has more significant decimal
  /// places than the scale holds.
  static Expected<FixedPoint> parse(std::string_view text, std::uint8_t scale) {
    return wrap(detail::parseDecimal(text, scale, Rounding::Exact, Tag::kName));
  }
  /// Converts a feed's double to `scale` places, rounding half away from zero the decimal the
  /// double stands for (1.005 -> 1.01); rejects NaN, infinities and values out of range.
  static Expected<FixedPoint> fromDouble(double value, std::uint8_t scale) {
    return wrap(detail::decimalFromDouble(value, scale, Tag::kName));
  }
  /// Converts a double exactly as its shortest round-trip decimal ("0.1" for 0.1).
  static Expected<FixedPoint> fromDouble(double value) {
    return wrap(detail::decimalFromDouble(value, kScaleFromText, Tag::kName));
  }

  constexpr std::int64_t mantissa() const noexcept { return mantissa_; }
  constexpr std::uint8_t scale() const noexcept { return scale_; }
  constexpr Decimal decimal() const noexcept { return {mantissa_, scale_}; }
  constexpr bool isZero() const noexcept { return mantissa_ == 0; }
  constexpr bool isNegative() const noexcept { return mantissa_ < 0; }
  constexpr bool isPositive() const noexcept { return mantissa_ > 0; }
  constexpr bool hasValidScale() const noexcept { return scale_ <= kMaxScale; }

  /// Returns the nearest double, for models and indicators only.
  double toDouble() const noexcept { return detail::decimalToDouble(decimal()); }

  /// Returns the same value at `scale`, or an error when that would drop a non-zero digit or
  /// overflow.
  Expected<FixedPoint> rescaled(std::uint8_t scale) const {
    return wrap(detail::rescaleDecimal(decimal(), scale, Rounding::Exact, Tag::kName));
  }
  /// Returns the value rounded half away from zero to `scale`, or an error on overflow.
  Expected<FixedPoint> rounded(std::uint8_t scale) const {
    return wrap(detail::rescaleDecimal(decimal(), scale, Rounding::HalfAwayFromZero, Tag::kName));
  }
  /// Returns this + other at the larger of the two scales, or an error on overflow.
  Expected<FixedPoint> plus(FixedPoint other) const {
    std::int64_t sum = 0;
    if (scale_ == other.scale_ && !__builtin_add_overflow(mantissa_, other.mantissa_, &sum)) {
      return FixedPoint(sum, scale_);
    }
    return wrap(detail::addDecimal(decimal(), other.decimal(), false, Tag::kName));
  }
  /// Returns this - other at the larger of the two scales, or an error on overflow.
  Expected<FixedPoint> minus(FixedPoint other) const {
    std::int64_t difference = 0;
    if (scale_ == other.scale_ &&
        !__builtin_sub_overflow(mantissa_, other.mantissa_, &difference)) {
      return FixedPoint(difference, scale_);
    }
    return wrap(detail::addDecimal(decimal(), other.decimal(), true, Tag::kName));
  }
  /// Returns -this, or an error for the one value whose negation overflows.
  Expected<FixedPoint> negated() const {
    if (mantissa_ != INT64_MIN) return FixedPoint(-mantissa_, scale_);
    return wrap(detail::addDecimal(Decimal{0, scale_}, decimal(), true, Tag::kName));
  }
  /// Returns |this|, or an error for the one value whose negation overflows.
  Expected<FixedPoint> abs() const { return isNegative() ? negated() : Expected<FixedPoint>(*this); }

  /// Writes the exact decimal text (all `scale` places, no exponent) into out; returns the
  /// length, or 0 when out is shorter than needed (kMaxDecimalChars always suffices).
  std::size_t toChars(std::span<char> out) const noexcept {
    return detail::formatDecimal(decimal(), out);
  }
  std::string toString() const {
    char buffer[kMaxDecimalChars];
    return std::string(buffer, toChars(buffer));
  }

  /// Values compare by amount: 1.10 and 1.1 are equivalent (and ==), though they print apart.
  friend std::weak_ordering operator<=>(FixedPoint a, FixedPoint b) noexcept {
    if (a.scale_ == b.scale_) return a.mantissa_ <=> b.mantissa_;
    return detail::compareDecimal(a.decimal(), b.decimal());
  }
  friend bool operator==(FixedPoint a, FixedPoint b) noexcept { return (a <=> b) == 0; }

 private:
  constexpr FixedPoint(std::int64_t mantissa, std::uint8_t scale) noexcept
      : mantissa_(mantissa), scale_(scale) {}

  static Expected<FixedPoint> wrap(Expected<Decimal> value) {
    if (!value) return Unexpected(std::move(value.error()));
    return FixedPoint(value->mantissa, value->scale);
  }

  std::int64_t mantissa_ = 0;
  std::uint8_t scale_ = 0;
};

struct PriceTag {
  static constexpr std::string_view kName = "price";
};
struct QuantityTag {
  static constexpr std::string_view kName = "quantity";
};
struct MoneyTag {
  static constexpr std::string_view kName = "amount";
};

/// A price in the instrument's quote currency.
using Price = FixedPoint<PriceTag>;
/// A quantity in units of the instrument (lots, shares, coins); signed for positions.
using Quantity = FixedPoint<QuantityTag>;
/// An amount of money (notional, PnL, commission, balance) in a currency named beside it.
using Money = FixedPoint<MoneyTag>;

/// Returns price x quantity exactly (scale = sum of the scales, trailing zeros dropped when that
/// exceeds 18), or an error when the exact product does not fit.
Expected<Money> notional(Price price, Quantity quantity);
/// Returns price x quantity rounded half away from zero to `scale`, or an error on overflow.
Expected<Money> notional(Price price, Quantity quantity, std::uint8_t scale);
/// Returns total / quantity rounded half away from zero to `scale` (an average entry price),
/// or an error for a zero quantity or on overflow.
Expected<Price> averagePrice(Money total, Quantity quantity, std::uint8_t scale);

}  // namespace ait::model

template <class Tag>
struct fmt::formatter<ait::model::FixedPoint<Tag>> : fmt::formatter<std::string_view> {
  template <class FormatContext>
  auto format(const ait::model::FixedPoint<Tag>& value, FormatContext& ctx) const {
    char buffer[ait::model::kMaxDecimalChars];
    std::size_t size = value.toChars(buffer);
    return fmt::formatter<std::string_view>::format(std::string_view(buffer, size), ctx);
  }
};
