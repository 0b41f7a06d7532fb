#include "ait/model/fixed_point.h"

#include <charconv>
#include <cmath>
#include <limits>

#include "ait/model/errors.h"
#include "model/text.h"
#include "model/wide.h"

namespace ait::model {

namespace {

constexpr Int128 kInt64Max = std::numeric_limits<std::int64_t>::max();
constexpr Int128 kInt64Min = std::numeric_limits<std::int64_t>::min();

constexpr Int128 pow10(int exponent) {
  Int128 value = 1;
  for (int i = 0; i < exponent; ++i) value *= 10;
  return value;
}

// 10^0..10^38; 10^38 is the largest power of ten an int128 holds.
constexpr auto kPow10Wide = [] {
  struct Table {
    Int128 values[39];
  } table{};
  for (int i = 0; i <= 38; ++i) table.values[i] = pow10(i);
  return table;
}();

constexpr double kPow10Double[kMaxScale + 1] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,
                                                1e7,  1e8,  1e9,  1e10, 1e11, 1e12, 1e13,
                                                1e14, 1e15, 1e16, 1e17, 1e18};

bool fitsInt64(Int128 value) { return value >= kInt64Min && value <= kInt64Max; }

bool isDigit(char c) { return c >= '0' && c <= '9'; }

bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// Divides by 10^digits, rounding half away from zero or reporting an inexact result.
Int128 shiftDown(Int128 value, int digits, Rounding rounding, bool& inexact) {
  if (digits > 38) {
    inexact = value != 0;
    return 0;
  }
  Int128 divisor = kPow10Wide.values[digits];
  Int128 quotient = value / divisor;
  Int128 remainder = value % divisor;
  if (remainder != 0) {
    inexact = true;
    if (rounding == Rounding::HalfAwayFromZero) {
      Int128 twice = remainder < 0 ? -remainder * 2 : remainder * 2;
      if (twice >= divisor) quotient += value < 0 ? -1 : 1;
    }
  }
  return quotient;
}

// Multiplies by 10^digits; false when the result would leave the int128 range used here.
bool shiftUp(Int128 value, int digits, Int128& out) {
  if (value == 0) {
    out = 0;
    return true;
  }
  if (digits > 38) return false;
  return !__builtin_mul_overflow(value, kPow10Wide.values[digits], &out);
}

std::string show(Decimal value) {
  char buffer[kMaxDecimalChars];
  std::size_t size = detail::formatDecimal(value, buffer);
  if (size == 0) return fmt::format("{}e-{}", value.mantissa, value.scale);
  return std::string(buffer, size);
}

}  // namespace

namespace detail {

Unexpected badScale(std::uint8_t scale, std::string_view kind) {
  return fail(kOutOfRange, fmt::format("{} scale {}: more than {} decimal places", kind,
                                       static_cast<int>(scale), kMaxScale));
}

Expected<Decimal> parseDecimal(std::string_view text, int scale, Rounding rounding,
                               std::string_view kind) {
  auto bad = [&](const ErrorCode& code, std::string_view why) {
    return fail(code, fmt::format("{} {}: {}", kind, quoteForMessage(text), why));
  };
  if (scale > kMaxScale) return badScale(static_cast<std::uint8_t>(scale), kind);
  if (text.empty()) return bad(kBadNumber, "empty");
  if (isSpace(text.front()) || isSpace(text.back())) {
    return bad(kBadNumber, "leading or trailing whitespace");
  }

  std::size_t i = 0;
  const std::size_t n = text.size();
  bool negative = false;
  if (text[0] == '+' || text[0] == '-') {
    negative = text[0] == '-';
    i = 1;
  }
  const std::size_t intBegin = i;
  while (i < n && isDigit(text[i])) ++i;
  const std::size_t intEnd = i;
  std::size_t fracBegin = i;
  std::size_t fracEnd = i;
  if (i < n && text[i] == '.') {
    fracBegin = ++i;
    while (i < n && isDigit(text[i])) ++i;
    fracEnd = i;
  }
  const bool hasDigits = intEnd > intBegin || fracEnd > fracBegin;
  std::int64_t exponent = 0;
  if (i < n) {
    char c = text[i];
    if (c == '.') return bad(kBadNumber, "more than one decimal point");
    if ((c == 'e' || c == 'E') && hasDigits) {
      ++i;
      bool negativeExponent = false;
      if (i < n && (text[i] == '+' || text[i] == '-')) negativeExponent = text[i++] == '-';
      std::size_t expBegin = i;
      while (i < n && isDigit(text[i])) {
        // Beyond six digits the value is 0 or out of range anyway; cap to keep the sum small.
        if (exponent < 1'000'000) exponent = exponent * 10 + (text[i] - '0');
        ++i;
      }
      if (i == expBegin) return bad(kBadNumber, "exponent without digits");
      if (negativeExponent) exponent = -exponent;
      if (i < n) {
        return bad(kBadNumber, fmt::format("unexpected character {} at position {} in the exponent",
                                           quoteCharForMessage(text[i]), i));
      }
    } else if (c == ',') {
      return bad(kBadNumber,
                 fmt::format("unexpected ',' at position {} (the decimal point is '.', and "
                             "thousands separators are not accepted)",
                             i));
    } else {
      return bad(kBadNumber, fmt::format("unexpected character {} at position {}",
                                         quoteCharForMessage(c), i));
    }
  }
  if (!hasDigits) return bad(kBadNumber, "no digits");

  // The digits are D = int digits followed by fraction digits; the value is D x 10^(exponent -
  // fraction digits). Only the significant run between the first and last non-zero digit counts.
  const auto intCount = static_cast<std::int64_t>(intEnd - intBegin);
  const auto fracCount = static_cast<std::int64_t>(fracEnd - fracBegin);
  const std::int64_t total = intCount + fracCount;
  auto digitAt = [&](std::int64_t k) {
    return k < intCount ? text[intBegin + static_cast<std::size_t>(k)]
                        : text[fracBegin + static_cast<std::size_t>(k - intCount)];
  };
  std::int64_t first = 0;
  while (first < total && digitAt(first) == '0') ++first;
  const std::int64_t writtenScale = fracCount - exponent;

  if (first == total) {
    std::int64_t zeroScale = scale == kScaleFromText
                                 ? std::min<std::int64_t>(std::max<std::int64_t>(writtenScale, 0),
                                                          kMaxScale)
                                 : scale;
    return Decimal{0, static_cast<std::uint8_t>(zeroScale)};
  }
  std::int64_t last = total - 1;
  while (digitAt(last) == '0') --last;
  const std::int64_t count = last - first + 1;
  // Exponent of the last significant digit.
  const std::int64_t lastExponent = exponent - fracCount + (total - 1 - last);

  std::int64_t targetScale = scale;
  if (scale == kScaleFromText) {
    targetScale = std::max<std::int64_t>(writtenScale, 0);
    if (targetScale > kMaxScale) targetScale = std::max<std::int64_t>(-lastExponent, 0);
    if (targetScale > kMaxScale) {
      return bad(kPrecisionLoss, fmt::format("needs {} decimal places, at most {} are supported",
                                             targetScale, kMaxScale));
    }
  }
  const std::int64_t shift = lastExponent + targetScale;
  const std::string_view outOfRange = "out of range";

  std::int64_t keep = count;
  bool roundUp = false;
  if (shift < 0) {
    if (rounding == Rounding::Exact) {
      return bad(kPrecisionLoss, fmt::format("{} decimal places, more than the scale {} allows",
                                             -lastExponent, targetScale));
    }
    keep = count + shift;
    if (keep < 0) return Decimal{0, static_cast<std::uint8_t>(targetScale)};
    roundUp = digitAt(first + keep) >= '5';
  }
  if (keep > 19) return bad(kOutOfRange, outOfRange);
  std::uint64_t significand = 0;
  for (std::int64_t k = 0; k < keep; ++k) {
    significand = significand * 10 + static_cast<std::uint64_t>(digitAt(first + k) - '0');
  }
  Int128 magnitude = static_cast<Int128>(significand) + (roundUp ? 1 : 0);
  if (shift > 0 && !shiftUp(magnitude, static_cast<int>(std::min<std::int64_t>(shift, 39)),
                            magnitude)) {
    return bad(kOutOfRange, outOfRange);
  }
  Int128 value = negative ? -magnitude : magnitude;
  if (!fitsInt64(value)) return bad(kOutOfRange, outOfRange);
  return Decimal{static_cast<std::int64_t>(value), static_cast<std::uint8_t>(targetScale)};
}

Expected<Decimal> decimalFromDouble(double value, int scale, std::string_view kind) {
  if (!std::isfinite(value)) {
    return fail(kNotFinite, fmt::format("{} {}: not a finite number", kind, value));
  }
  if (scale > kMaxScale) return badScale(static_cast<std::uint8_t>(scale), kind);
  if (scale != kScaleFromText) {
    // Fast path: below 2^40 the product carries an error under 2.5e-4, so unless it lies near a
    // half its rounding is the rounding of the decimal the double stands for.
    double scaled = value * kPow10Double[scale];
    if (std::fabs(scaled) < 1099511627776.0) {
      double whole = std::trunc(scaled);
      double fraction = std::fabs(scaled - whole);
      if (std::fabs(fraction - 0.5) > 1e-3) {
        auto mantissa = static_cast<std::int64_t>(whole);
        if (fraction > 0.5) mantissa += scaled < 0 ? -1 : 1;
        return Decimal{mantissa, static_cast<std::uint8_t>(scale)};
      }
    }
  }
  // The shortest text that reads back as the same double is the decimal the feed meant.
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  if (ec != std::errc()) return fail(kBadNumber, fmt::format("{} {}: cannot format", kind, value));
  return parseDecimal(std::string_view(buffer, static_cast<std::size_t>(end - buffer)), scale,
                      Rounding::HalfAwayFromZero, kind);
}

Expected<Decimal> rescaleDecimal(Decimal value, std::uint8_t scale, Rounding rounding,
                                 std::string_view kind) {
  if (scale > kMaxScale) return badScale(scale, kind);
  if (value.scale > kMaxScale) return badScale(value.scale, kind);
  Int128 result = value.mantissa;
  if (scale >= value.scale) {
    if (!shiftUp(result, scale - value.scale, result) || !fitsInt64(result)) {
      return fail(kOutOfRange, fmt::format("{} {} at {} decimal places: out of range", kind,
                                           show(value), static_cast<int>(scale)));
    }
  } else {
    bool inexact = false;
    result = shiftDown(result, value.scale - scale, rounding, inexact);
    if (inexact && rounding == Rounding::Exact) {
      return fail(kPrecisionLoss,
                  fmt::format("{} {}: rescaling to {} decimal places would lose precision", kind,
                              show(value), static_cast<int>(scale)));
    }
  }
  return Decimal{static_cast<std::int64_t>(result), scale};
}

Expected<Decimal> addDecimal(Decimal a, Decimal b, bool subtract, std::string_view kind) {
  if (a.scale > kMaxScale) return badScale(a.scale, kind);
  if (b.scale > kMaxScale) return badScale(b.scale, kind);
  std::uint8_t scale = std::max(a.scale, b.scale);
  Int128 left = static_cast<Int128>(a.mantissa) * kPow10Wide.values[scale - a.scale];
  Int128 right = static_cast<Int128>(b.mantissa) * kPow10Wide.values[scale - b.scale];
  Int128 result = subtract ? left - right : left + right;
  if (!fitsInt64(result)) {
    return fail(kOutOfRange, fmt::format("{} {} {} {}: out of range", kind, show(a),
                                         subtract ? '-' : '+', show(b)));
  }
  return Decimal{static_cast<std::int64_t>(result), scale};
}

Expected<Decimal> multiplyDecimal(Decimal a, Decimal b, int scale, std::string_view what) {
  if (a.scale > kMaxScale) return badScale(a.scale, what);
  if (b.scale > kMaxScale) return badScale(b.scale, what);
  if (scale > kMaxScale) return badScale(static_cast<std::uint8_t>(scale), what);
  Int128 product = static_cast<Int128>(a.mantissa) * b.mantissa;
  int productScale = a.scale + b.scale;
  auto outOfRange = [&] {
    return fail(kOutOfRange,
                fmt::format("{} {} x {}: out of range", what, show(a), show(b)));
  };
  if (scale == kScaleFromText) {
    // Trailing zeros carry no information, so dropping them to fit stays exact.
    while ((productScale > kMaxScale || !fitsInt64(product)) && productScale > 0 &&
           product % 10 == 0) {
      product /= 10;
      --productScale;
    }
    if (productScale > kMaxScale) {
      return fail(kPrecisionLoss,
                  fmt::format("{} {} x {}: the exact product needs {} decimal places, at most {}",
                              what, show(a), show(b), productScale, kMaxScale));
    }
    if (!fitsInt64(product)) return outOfRange();
    return Decimal{static_cast<std::int64_t>(product), static_cast<std::uint8_t>(productScale)};
  }
  if (scale >= productScale) {
    if (!shiftUp(product, scale - productScale, product)) return outOfRange();
  } else {
    bool inexact = false;
    product = shiftDown(product, productScale - scale, Rounding::HalfAwayFromZero, inexact);
  }
  if (!fitsInt64(product)) return outOfRange();
  return Decimal{static_cast<std::int64_t>(product), static_cast<std::uint8_t>(scale)};
}

Expected<Decimal> divideDecimal(Decimal a, Decimal b, std::uint8_t scale, std::string_view what) {
  if (a.scale > kMaxScale) return badScale(a.scale, what);
  if (b.scale > kMaxScale) return badScale(b.scale, what);
  if (scale > kMaxScale) return badScale(scale, what);
  if (b.mantissa == 0) {
    return fail(kOutOfRange, fmt::format("{} {} / {}: division by zero", what, show(a), show(b)));
  }
  // a / b at `scale` = a.m x 10^(scale + b.scale - a.scale) / b.m.
  int shift = scale + b.scale - a.scale;
  Int128 numerator = a.mantissa;
  Int128 denominator = b.mantissa;
  if (shift >= 0) {
    if (!shiftUp(numerator, shift, numerator)) {
      return fail(kOutOfRange, fmt::format("{} {} / {}: out of range", what, show(a), show(b)));
    }
  } else {
    denominator *= kPow10Wide.values[-shift];
  }
  Int128 quotient = numerator / denominator;
  Int128 remainder = numerator % denominator;
  Int128 twice = remainder < 0 ? -remainder * 2 : remainder * 2;
  Int128 absDenominator = denominator < 0 ? -denominator : denominator;
  if (twice >= absDenominator) quotient += (numerator < 0) != (denominator < 0) ? -1 : 1;
  if (!fitsInt64(quotient)) {
    return fail(kOutOfRange, fmt::format("{} {} / {}: out of range", what, show(a), show(b)));
  }
  return Decimal{static_cast<std::int64_t>(quotient), scale};
}

std::weak_ordering compareDecimal(Decimal a, Decimal b) noexcept {
  std::uint8_t scale = std::max(a.scale, b.scale);
  if (scale > kMaxScale) return a.mantissa <=> b.mantissa;
  Int128 left = static_cast<Int128>(a.mantissa) * kPow10Wide.values[scale - a.scale];
  Int128 right = static_cast<Int128>(b.mantissa) * kPow10Wide.values[scale - b.scale];
  if (left < right) return std::weak_ordering::less;
  if (left > right) return std::weak_ordering::greater;
  return std::weak_ordering::equivalent;
}

std::size_t formatDecimal(Decimal value, std::span<char> out) noexcept {
  if (value.scale > kMaxScale) return 0;
  std::uint64_t magnitude = value.mantissa < 0 ? 0 - static_cast<std::uint64_t>(value.mantissa)
                                               : static_cast<std::uint64_t>(value.mantissa);
  char digits[24];
  std::size_t count = 0;
  do {
    digits[count++] = static_cast<char>('0' + magnitude % 10);
    magnitude /= 10;
  } while (magnitude != 0);
  // At least one integer digit before the point: 0.05, not .05.
  while (count < static_cast<std::size_t>(value.scale) + 1) digits[count++] = '0';
  std::size_t needed = count + (value.mantissa < 0 ? 1 : 0) + (value.scale > 0 ? 1 : 0);
  if (out.size() < needed) return 0;
  std::size_t pos = 0;
  if (value.mantissa < 0) out[pos++] = '-';
  for (std::size_t k = count; k-- > 0;) {
    out[pos++] = digits[k];
    if (k == value.scale && k != 0) out[pos++] = '.';
  }
  return pos;
}

double decimalToDouble(Decimal value) noexcept {
  if (value.scale > kMaxScale) return std::numeric_limits<double>::quiet_NaN();
  return static_cast<double>(value.mantissa) / kPow10Double[value.scale];
}

}  // namespace detail

Expected<Money> notional(Price price, Quantity quantity) {
  auto product =
      detail::multiplyDecimal(price.decimal(), quantity.decimal(), kScaleFromText, "notional");
  if (!product) return Unexpected(std::move(product.error()));
  return Money::fromDecimal(*product);
}

Expected<Money> notional(Price price, Quantity quantity, std::uint8_t scale) {
  auto product = detail::multiplyDecimal(price.decimal(), quantity.decimal(), scale, "notional");
  if (!product) return Unexpected(std::move(product.error()));
  return Money::fromDecimal(*product);
}

Expected<Price> averagePrice(Money total, Quantity quantity, std::uint8_t scale) {
  auto quotient =
      detail::divideDecimal(total.decimal(), quantity.decimal(), scale, "average price");
  if (!quotient) return Unexpected(std::move(quotient.error()));
  return Price::fromDecimal(*quotient);
}

}  // namespace ait::model
