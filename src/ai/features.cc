#include "ait/ai/features.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "ait/ai/errors.h"

namespace ait::ai {

namespace {

struct KindInfo {
  std::string_view name;
  std::vector<double> defaults;  // also gives the number of parameters allowed
  int minPeriod;                 // the least value of every integer parameter
};

const std::vector<KindInfo>& kinds() {
  static const std::vector<KindInfo> table = {
      {"open", {}, 1},        {"high", {}, 1},       {"low", {}, 1},
      {"close", {}, 1},       {"volume", {}, 1},     {"tod", {}, 1},
      {"sma", {30}, 1},       {"ema", {30}, 1},      {"wma", {30}, 1},
      {"rsi", {14}, 1},       {"macd", {12, 26, 9}, 1}, {"bbands", {20, 2}, 1},
      {"trange", {}, 1},      {"atr", {14}, 1},      {"stoch", {5, 3, 3}, 1},
      {"stochf", {5, 3}, 1},  {"ret", {1}, 1},       {"logret", {1}, 1},
      {"vol", {20}, 2},       {"spread", {}, 1},     {"tickrate", {60}, 1},
      {"session", {}, 1},
  };
  return table;
}

std::string joinParams(const std::vector<double>& params) {
  std::string out;
  for (double p : params) out += fmt::format("_{:g}", p);
  return out;
}

std::vector<std::string> columnsFor(std::string_view kind, const std::vector<double>& p) {
  auto suffix = joinParams(p);
  if (kind == "tod") return {"hour", "weekday"};
  if (kind == "spread") return {"spread", "spread_bps"};
  if (kind == "tickrate") return {"tick_rate" + suffix};
  if (kind == "session") return {"session_asia", "session_london", "session_newyork"};
  if (kind == "macd") return {"macd" + suffix, "macd_signal" + suffix, "macd_hist" + suffix};
  if (kind == "bbands") return {"bb_upper" + suffix, "bb_middle" + suffix, "bb_lower" + suffix};
  if (kind == "stoch") return {"stoch_k" + suffix, "stoch_d" + suffix};
  if (kind == "stochf") return {"stochf_k" + suffix, "stochf_d" + suffix};
  return {std::string(kind) + suffix};
}

Indicator build(const FeatureSpec& f) {
  auto i = [&](std::size_t at) { return static_cast<int>(f.params[at]); };
  const auto& k = f.kind;
  if (k == "open") return BarField{BarField::Field::Open};
  if (k == "high") return BarField{BarField::Field::High};
  if (k == "low") return BarField{BarField::Field::Low};
  if (k == "close") return BarField{BarField::Field::Close};
  if (k == "volume") return BarField{BarField::Field::Volume};
  if (k == "tod") return TimeOfDay{};
  if (k == "sma") return Sma(i(0));
  if (k == "ema") return Ema(i(0));
  if (k == "wma") return Wma(i(0));
  if (k == "rsi") return Rsi(i(0));
  if (k == "macd") return Macd(i(0), i(1), i(2));
  if (k == "bbands") return Bollinger(i(0), f.params[1], f.params[1]);
  if (k == "trange") return TrueRange();
  if (k == "atr") return Atr(i(0));
  if (k == "stoch") return Stochastic(i(0), i(1), i(2));
  if (k == "stochf") return Stochastic(i(0), 1, i(1));
  if (k == "ret") return Returns(i(0), false);
  if (k == "logret") return Returns(i(0), true);
  if (k == "spread") return SpreadFeature{};
  if (k == "tickrate") return TickRate(i(0));
  if (k == "session") return SessionFeature{};
  return RollingVolatility(i(0));
}

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

}  // namespace

Expected<std::vector<FeatureSpec>> parseFeatureSpecs(std::string_view spec) {
  std::vector<FeatureSpec> out;
  std::vector<std::string> problems;
  std::set<std::string> seen;
  std::size_t start = 0;
  while (start <= spec.size()) {
    auto end = spec.find(',', start);
    auto item = trimmed(spec.substr(start, end == std::string_view::npos ? end : end - start));
    start = end == std::string_view::npos ? spec.size() + 1 : end + 1;
    if (item.empty()) {
      problems.push_back("an empty item");
      continue;
    }
    std::vector<std::string_view> parts;
    for (std::size_t at = 0;;) {
      auto colon = item.find(':', at);
      parts.push_back(item.substr(at, colon == std::string_view::npos ? colon : colon - at));
      if (colon == std::string_view::npos) break;
      at = colon + 1;
    }
    auto kind = std::ranges::find(kinds(), parts[0], &KindInfo::name);
    if (kind == kinds().end()) {
      std::vector<std::string_view> names;
      for (const auto& k : kinds()) names.push_back(k.name);
      problems.push_back(fmt::format("'{}': unknown feature '{}' (known: {})", item, parts[0],
                                     fmt::join(names, ", ")));
      continue;
    }
    if (parts.size() - 1 > kind->defaults.size()) {
      problems.push_back(fmt::format("'{}': {} takes at most {} parameters", item, kind->name,
                                     kind->defaults.size()));
      continue;
    }
    FeatureSpec f{std::string(kind->name), kind->defaults, {}};
    bool ok = true;
    for (std::size_t p = 1; p < parts.size(); ++p) {
      double value = 0;
      auto text = parts[p];
      auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
      bool isFactor = f.kind == "bbands" && p == 2;
      bool whole = value == static_cast<double>(static_cast<long long>(value));
      if (ec != std::errc() || ptr != text.data() + text.size() ||
          (isFactor ? !(value > 0) : (!whole || value < kind->minPeriod || value > 100000))) {
        problems.push_back(fmt::format("'{}': parameter {} '{}' is not {}", item, p, text,
                                       isFactor ? "a positive number"
                                                : fmt::format("a whole number from {} to 100000",
                                                              kind->minPeriod)));
        ok = false;
        continue;
      }
      f.params[p - 1] = value;
    }
    if (!ok) continue;
    f.columns = columnsFor(f.kind, f.params);
    for (const auto& column : f.columns) {
      if (!seen.insert(column).second) {
        problems.push_back(fmt::format("'{}': column '{}' appears twice", item, column));
        ok = false;
      }
    }
    if (ok) out.push_back(std::move(f));
  }
  if (!problems.empty()) {
    return fail(kBadFeatureSpec, fmt::format("features \"{}\": {}", spec, fmt::join(problems, "; ")));
  }
  return out;
}

Expected<FeaturePipeline> FeaturePipeline::create(std::string_view spec) {
  auto specs = parseFeatureSpecs(spec);
  if (!specs) return Unexpected(specs.error());
  FeaturePipeline pipeline;
  pipeline.spec_ = std::string(spec);
  for (const auto& f : *specs) {
    pipeline.indicators_.push_back(build(f));
    for (const auto& c : f.columns) pipeline.columns_.push_back(c);
  }
  pipeline.values_.assign(pipeline.columns_.size(), kNaN);
  return pipeline;
}

void FeaturePipeline::update(const Bar& bar, std::span<double> out) noexcept {
  std::size_t at = 0;
  for (auto& indicator : indicators_) {
    std::visit(
        [&](auto& ind) {
          using T = std::decay_t<decltype(ind)>;
          if constexpr (std::is_same_v<T, BarField>) {
            using F = BarField::Field;
            out[at++] = ind.field == F::Open   ? bar.open
                        : ind.field == F::High ? bar.high
                        : ind.field == F::Low  ? bar.low
                        : ind.field == F::Close ? bar.close
                                                : bar.volume;
          } else if constexpr (std::is_same_v<T, TimeOfDay>) {
            constexpr std::int64_t kDayNs = 86'400'000'000'000LL;
            auto days = bar.ts >= 0 ? bar.ts / kDayNs : (bar.ts - kDayNs + 1) / kDayNs;
            out[at++] = static_cast<double>(bar.ts - days * kDayNs) / 3'600'000'000'000.0;
            out[at++] = static_cast<double>(((days + 3) % 7 + 7) % 7);  // 1970-01-01: Thursday
          } else if constexpr (std::is_same_v<T, SpreadFeature>) {
            if (ind.count > 0) {
              ind.last = ind.sum / ind.count;
              ind.lastMid = ind.midSum / ind.count;
              ind.sum = ind.midSum = 0;
              ind.count = 0;
            }
            out[at++] = ind.last;
            out[at++] = ind.lastMid > 0 ? ind.last / ind.lastMid * 1e4 : kNaN;
          } else if constexpr (std::is_same_v<T, TickRate>) {
            out[at++] = ind.value(bar.ts);
          } else if constexpr (std::is_same_v<T, SessionFeature>) {
            constexpr std::int64_t kHourNs = 3'600'000'000'000LL;
            const std::int64_t hours = bar.ts >= 0 ? bar.ts / kHourNs : (bar.ts - kHourNs + 1) / kHourNs;
            const int hour = static_cast<int>(((hours % 24) + 24) % 24);
            out[at++] = hour < 9 ? 1.0 : 0.0;
            out[at++] = hour >= 7 && hour < 16 ? 1.0 : 0.0;
            out[at++] = hour >= 12 && hour < 21 ? 1.0 : 0.0;
          } else if constexpr (std::is_same_v<T, TrueRange> || std::is_same_v<T, Atr> ||
                               std::is_same_v<T, Stochastic>) {
            ind.update(bar);
            if constexpr (std::is_same_v<T, Stochastic>) {
              out[at++] = ind.k();
              out[at++] = ind.d();
            } else {
              out[at++] = ind.value();
            }
          } else {
            ind.update(bar.close);
            if constexpr (std::is_same_v<T, Macd>) {
              out[at++] = ind.macd();
              out[at++] = ind.signal();
              out[at++] = ind.histogram();
            } else if constexpr (std::is_same_v<T, Bollinger>) {
              out[at++] = ind.upper();
              out[at++] = ind.middle();
              out[at++] = ind.lower();
            } else {
              out[at++] = ind.value();
            }
          }
        },
        indicator);
  }
  if (out.data() != values_.data()) std::copy(out.begin(), out.end(), values_.begin());
}

void FeaturePipeline::onTick(std::int64_t ts, double bid, double ask) noexcept {
  for (auto& indicator : indicators_) {
    if (auto* spread = std::get_if<SpreadFeature>(&indicator)) {
      if (!std::isfinite(bid) || !std::isfinite(ask) || bid <= 0 || ask <= 0) continue;
      spread->sum += ask - bid;
      spread->midSum += (ask + bid) / 2;
      ++spread->count;
    } else if (auto* rate = std::get_if<TickRate>(&indicator)) {
      rate->onTick(ts);
    }
  }
}

TickRate::TickRate(int seconds) : counts_(static_cast<std::size_t>(std::max(seconds, 1)), 0) {}

namespace {
std::int64_t secondOf(std::int64_t ts) {
  constexpr std::int64_t kSecond = 1'000'000'000;
  return ts >= 0 ? ts / kSecond : (ts - kSecond + 1) / kSecond;
}
}  // namespace

void TickRate::advanceTo(std::int64_t second) noexcept {
  const auto n = static_cast<std::int64_t>(counts_.size());
  if (head_ == std::numeric_limits<std::int64_t>::min() || second - head_ >= n) {
    std::fill(counts_.begin(), counts_.end(), 0);
    sum_ = 0;
    head_ = second;
    return;
  }
  // Each second passed leaves the window: at most N steps, amortised O(1) per tick.
  while (head_ < second) {
    ++head_;
    auto& bucket = counts_[static_cast<std::size_t>(((head_ % n) + n) % n)];
    sum_ -= bucket;
    bucket = 0;
  }
}

void TickRate::onTick(std::int64_t ts) noexcept {
  const std::int64_t second = secondOf(ts);
  const auto n = static_cast<std::int64_t>(counts_.size());
  if (second > head_ || head_ == std::numeric_limits<std::int64_t>::min()) advanceTo(second);
  if (second <= head_ - n) return;  // older than the window
  ++counts_[static_cast<std::size_t>(((second % n) + n) % n)];
  ++sum_;
}

double TickRate::value(std::int64_t ts) noexcept {
  const std::int64_t second = secondOf(ts);
  if (head_ != std::numeric_limits<std::int64_t>::min() && second > head_) advanceTo(second);
  return static_cast<double>(sum_) / static_cast<double>(counts_.size());
}

int FeaturePipeline::columnIndex(std::string_view name) const noexcept {
  auto it = std::ranges::find(columns_, name);
  return it == columns_.end() ? -1 : static_cast<int>(it - columns_.begin());
}

bool FeaturePipeline::ready() const noexcept {
  return std::ranges::none_of(values_, [](double v) { return std::isnan(v); });
}

int FeaturePipeline::lookback() const noexcept {
  int worst = 0;
  for (const auto& indicator : indicators_) {
    std::visit(
        [&](const auto& ind) {
          using T = std::decay_t<decltype(ind)>;
          if constexpr (!std::is_same_v<T, BarField> && !std::is_same_v<T, TimeOfDay> &&
                        !std::is_same_v<T, SpreadFeature> && !std::is_same_v<T, SessionFeature>) {
            worst = std::max(worst, ind.lookback());
          }
        },
        indicator);
  }
  return worst;
}

}  // namespace ait::ai
