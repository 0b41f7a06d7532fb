#pragma once
// Reads fields of a parsed JSON object, remembering the first problem so that a handler can read
// everything and then answer one error naming the field. No allocation: views point into the
// parser's document.

#include <fmt/format.h>
#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ait::mt5::detail {

class FieldReader {
 public:
  explicit FieldReader(simdjson::dom::object object) noexcept : object_(object) {}

  /// Returns the number (an integer is taken as a double); records a problem when absent or not
  /// a number.
  double number(std::string_view key) {
    auto value = optNumber(key);
    if (!value && !problem_) missing(key);
    return value.value_or(0.0);
  }
  std::optional<double> optNumber(std::string_view key) {
    simdjson::dom::element e;
    if (object_.at_key(key).get(e) != simdjson::SUCCESS || e.is_null()) return std::nullopt;
    double d = 0;
    if (e.get_double().get(d) != simdjson::SUCCESS) {
      wrongType(key, "a number");
      return std::nullopt;
    }
    return d;
  }
  std::int64_t integer(std::string_view key) {
    auto value = optInteger(key);
    if (!value && !problem_) missing(key);
    return value.value_or(0);
  }
  std::optional<std::int64_t> optInteger(std::string_view key) {
    simdjson::dom::element e;
    if (object_.at_key(key).get(e) != simdjson::SUCCESS || e.is_null()) return std::nullopt;
    std::int64_t i = 0;
    if (e.get_int64().get(i) == simdjson::SUCCESS) return i;
    std::uint64_t u = 0;
    if (e.get_uint64().get(u) == simdjson::SUCCESS) {
      wrongType(key, "an integer within int64");
      return std::nullopt;
    }
    // A whole double ("12.0") is an integer to a Python client; fractions are not.
    double d = 0;
    if (e.get_double().get(d) == simdjson::SUCCESS &&
        d == static_cast<double>(static_cast<std::int64_t>(d)) && d > -9.2e18 && d < 9.2e18) {
      return static_cast<std::int64_t>(d);
    }
    wrongType(key, "an integer");
    return std::nullopt;
  }
  std::string_view string(std::string_view key) {
    auto value = optString(key);
    if (!value && !problem_) missing(key);
    return value.value_or(std::string_view{});
  }
  std::optional<std::string_view> optString(std::string_view key) {
    simdjson::dom::element e;
    if (object_.at_key(key).get(e) != simdjson::SUCCESS || e.is_null()) return std::nullopt;
    std::string_view s;
    if (e.get_string().get(s) != simdjson::SUCCESS) {
      wrongType(key, "a string");
      return std::nullopt;
    }
    return s;
  }
  /// Returns an identifier sent as a string or an integer (MT5 tickets and logins are numbers,
  /// some clients quote them), as text; records a problem otherwise.
  std::string id(std::string_view key) {
    auto value = optId(key);
    if (!value && !problem_) missing(key);
    return value.value_or(std::string{});
  }
  std::optional<std::string> optId(std::string_view key) {
    simdjson::dom::element e;
    if (object_.at_key(key).get(e) != simdjson::SUCCESS || e.is_null()) return std::nullopt;
    std::string_view s;
    if (e.get_string().get(s) == simdjson::SUCCESS) return std::string(s);
    std::int64_t i = 0;
    if (e.get_int64().get(i) == simdjson::SUCCESS) return std::to_string(i);
    std::uint64_t u = 0;
    if (e.get_uint64().get(u) == simdjson::SUCCESS) return std::to_string(u);
    wrongType(key, "a string or an integer");
    return std::nullopt;
  }
  std::optional<bool> optBool(std::string_view key) {
    simdjson::dom::element e;
    if (object_.at_key(key).get(e) != simdjson::SUCCESS || e.is_null()) return std::nullopt;
    bool b = false;
    if (e.get_bool().get(b) != simdjson::SUCCESS) {
      wrongType(key, "true or false");
      return std::nullopt;
    }
    return b;
  }
  std::optional<simdjson::dom::array> optArray(std::string_view key) {
    simdjson::dom::element e;
    if (object_.at_key(key).get(e) != simdjson::SUCCESS || e.is_null()) return std::nullopt;
    simdjson::dom::array a;
    if (e.get_array().get(a) != simdjson::SUCCESS) {
      wrongType(key, "an array");
      return std::nullopt;
    }
    return a;
  }
  simdjson::dom::array array(std::string_view key) {
    auto value = optArray(key);
    if (!value && !problem_) missing(key);
    return value.value_or(simdjson::dom::array{});
  }

  /// Records a problem found by the caller (a value out of range).
  void invalid(std::string_view key, std::string_view why) {
    if (problem_) return;
    field_ = std::string(key);
    problem_ = fmt::format("field '{}' {}", key, why);
  }

  bool ok() const noexcept { return !problem_.has_value(); }
  /// The first problem, e.g. "field 'bid' must be a number", or "".
  std::string_view problem() const noexcept {
    return problem_ ? std::string_view(*problem_) : std::string_view{};
  }
  /// The field the first problem is about.
  std::string_view field() const noexcept { return field_; }

 private:
  void missing(std::string_view key) { invalid(key, "is missing"); }
  void wrongType(std::string_view key, std::string_view want) {
    if (problem_) return;
    invalid(key, fmt::format("must be {}", want));
  }

  simdjson::dom::object object_;
  std::optional<std::string> problem_;
  std::string field_;
};

}  // namespace ait::mt5::detail
