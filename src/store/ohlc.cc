#include "ohlc.h"

#include <array>
#include <compare>
#include <optional>

#include <fmt/format.h>

#include "ait/model/fixed_point.h"
#include "ait/store/errors.h"

namespace ait::store::ohlc {

namespace {

using model::Decimal;
namespace d = model::detail;

std::string text(Decimal value) {
  std::array<char, 48> buffer{};
  const auto n = d::formatDecimal(value, buffer);
  return trimDecimal(std::string_view(buffer.data(), n));
}

Expected<Decimal> field(const nlohmann::json& row, const char* name) {
  if (!row.contains(name) || !row[name].is_string()) {
    return fail(errors::kBackend, fmt::format("tick row without a '{}' text field", name));
  }
  return d::parseDecimal(row[name].get<std::string>(), model::kScaleFromText, model::Rounding::Exact, name);
}

bool isZero(Decimal value) { return value.mantissa == 0; }

}  // namespace

std::string trimDecimal(std::string_view text) {
  std::string out(text);
  if (out.find('.') == std::string::npos) return out;
  while (!out.empty() && out.back() == '0') out.pop_back();
  if (!out.empty() && out.back() == '.') out.pop_back();
  if (out == "-0") out = "0";
  return out;
}

Expected<nlohmann::json> aggregate(const nlohmann::json& ticks, std::int64_t intervalNs) {
  if (intervalNs <= 0) return fail(errors::kConfig, "ohlc: the interval must be positive");
  nlohmann::json out = nlohmann::json::array();
  struct Bar {
    std::int64_t start = 0;
    Decimal open, high, low, close, volume;
    std::int64_t count = 0;
  };
  std::optional<Bar> bar;
  const auto flush = [&] {
    if (!bar) return;
    out.push_back({{"start_ns", bar->start}, {"open", text(bar->open)}, {"high", text(bar->high)},
                   {"low", text(bar->low)}, {"close", text(bar->close)}, {"volume", text(bar->volume)},
                   {"ticks", bar->count}});
  };
  for (const auto& row : ticks) {
    const std::int64_t ts = row.value("ts_event_ns", std::int64_t{0});
    auto last = field(row, "last");
    auto bid = field(row, "bid");
    auto ask = field(row, "ask");
    auto volume = field(row, "volume");
    if (!last || !bid || !ask || !volume) {
      return Unexpected(!last ? last.error() : !bid ? bid.error() : !ask ? ask.error() : volume.error());
    }
    Decimal price = *last;
    if (isZero(price)) {
      auto sum = d::addDecimal(*bid, *ask, false, "price");
      if (!sum) return Unexpected(sum.error());
      auto mid = d::divideDecimal(*sum, Decimal{2, 0}, static_cast<std::uint8_t>(sum->scale + 1), "mid price");
      if (!mid) return Unexpected(mid.error());
      price = *mid;
    }
    const std::int64_t start = ts / intervalNs * intervalNs;
    if (!bar || bar->start != start) {
      flush();
      bar = Bar{start, price, price, price, price, *volume, 1};
      continue;
    }
    if (d::compareDecimal(price, bar->high) > 0) bar->high = price;
    if (d::compareDecimal(price, bar->low) < 0) bar->low = price;
    bar->close = price;
    auto total = d::addDecimal(bar->volume, *volume, false, "volume");
    if (!total) return Unexpected(total.error());
    bar->volume = *total;
    ++bar->count;
  }
  flush();
  return out;
}

}  // namespace ait::store::ohlc
