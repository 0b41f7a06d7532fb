#include "ait/metrics/metrics.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <map>
#include <stdexcept>

#include <fmt/format.h>

namespace ait::metrics {

void Gauge::set(double value) noexcept { value_.store(value, std::memory_order_relaxed); }

void Gauge::add(double delta) noexcept {
  auto current = value_.load(std::memory_order_relaxed);
  while (!value_.compare_exchange_weak(current, current + delta, std::memory_order_relaxed)) {
  }
}

double Gauge::value() const noexcept { return value_.load(std::memory_order_relaxed); }

Histogram::Histogram(std::vector<double> upperBounds)
    : bounds_(std::move(upperBounds)),
      buckets_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1)) {
  std::sort(bounds_.begin(), bounds_.end());
  bounds_.erase(std::unique(bounds_.begin(), bounds_.end()), bounds_.end());
  for (std::size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0);
}

void Histogram::observe(double value) noexcept {
  auto it = std::lower_bound(bounds_.begin(), bounds_.end(), value);
  buckets_[static_cast<std::size_t>(it - bounds_.begin())].fetch_add(1, std::memory_order_relaxed);
  auto current = sum_.load(std::memory_order_relaxed);
  while (!sum_.compare_exchange_weak(current, current + value, std::memory_order_relaxed)) {
  }
}

std::uint64_t Histogram::bucketCount(std::size_t i) const noexcept {
  return i <= bounds_.size() ? buckets_[i].load(std::memory_order_relaxed) : 0;
}

std::uint64_t Histogram::count() const noexcept {
  std::uint64_t total = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) total += bucketCount(i);
  return total;
}

double Histogram::sum() const noexcept { return sum_.load(std::memory_order_relaxed); }

std::vector<double> latencyBuckets() {
  std::vector<double> bounds;
  for (double decade = 1e-6; decade < 10.0; decade *= 10.0) {
    for (double step : {1.0, 2.0, 5.0}) bounds.push_back(decade * step);
  }
  bounds.push_back(10.0);
  return bounds;
}

namespace {

enum class Type { Counter, Gauge, Histogram };

std::string_view typeName(Type type) {
  switch (type) {
    case Type::Counter: return "counter";
    case Type::Gauge: return "gauge";
    case Type::Histogram: return "histogram";
  }
  return "untyped";
}

std::string escapeLabelValue(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string escapeHelp(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string formatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", value);
}

// Renders {a="1",b="2"} with an optional extra label (le for histogram buckets).
std::string renderLabels(const Labels& labels, std::string_view extraName = {},
                         std::string_view extraValue = {}) {
  if (labels.empty() && extraName.empty()) return "";
  std::string out = "{";
  bool first = true;
  for (const auto& [name, value] : labels) {
    if (!first) out += ',';
    first = false;
    out += fmt::format("{}=\"{}\"", name, escapeLabelValue(value));
  }
  if (!extraName.empty()) {
    if (!first) out += ',';
    out += fmt::format("{}=\"{}\"", extraName, extraValue);
  }
  out += '}';
  return out;
}

bool validName(std::string_view name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

}  // namespace

struct Registry::Impl {
  struct Series {
    Labels labels;
    std::unique_ptr<Counter> counter;
    std::unique_ptr<Gauge> gauge;
    std::unique_ptr<Histogram> histogram;
  };
  struct Family {
    Type type;
    std::string help;
    std::map<Labels, Series> series;  // ordered, so output is stable
  };
  mutable std::mutex mutex;
  std::map<std::string, Family, std::less<>> families;

  Series& series(std::string_view name, std::string_view help, const Labels& labels, Type type) {
    if (!validName(name)) throw std::invalid_argument(fmt::format("bad metric name '{}'", name));
    auto it = families.find(name);
    if (it == families.end()) {
      it = families.emplace(std::string(name), Family{type, std::string(help), {}}).first;
    } else if (it->second.type != type) {
      throw std::logic_error(fmt::format("metric '{}' registered as {} and as {}", name,
                                         typeName(it->second.type), typeName(type)));
    }
    auto& family = it->second;
    auto& entry = family.series[labels];
    entry.labels = labels;
    return entry;
  }
};

Registry::Registry() : impl_(std::make_unique<Impl>()) {}
Registry::~Registry() = default;

Registry& Registry::global() {
  static Registry registry;
  return registry;
}

Counter& Registry::counter(std::string_view name, std::string_view help, const Labels& labels) {
  std::lock_guard lock(impl_->mutex);
  auto& s = impl_->series(name, help, labels, Type::Counter);
  if (!s.counter) s.counter = std::make_unique<Counter>();
  return *s.counter;
}

Gauge& Registry::gauge(std::string_view name, std::string_view help, const Labels& labels) {
  std::lock_guard lock(impl_->mutex);
  auto& s = impl_->series(name, help, labels, Type::Gauge);
  if (!s.gauge) s.gauge = std::make_unique<Gauge>();
  return *s.gauge;
}

Histogram& Registry::histogram(std::string_view name, std::string_view help, const Labels& labels,
                               std::vector<double> upperBounds) {
  std::lock_guard lock(impl_->mutex);
  auto& s = impl_->series(name, help, labels, Type::Histogram);
  if (!s.histogram) s.histogram = std::make_unique<Histogram>(std::move(upperBounds));
  return *s.histogram;
}

std::string Registry::render() const {
  std::lock_guard lock(impl_->mutex);
  std::string out;
  for (const auto& [name, family] : impl_->families) {
    out += fmt::format("# HELP {} {}\n", name, escapeHelp(family.help));
    out += fmt::format("# TYPE {} {}\n", name, typeName(family.type));
    for (const auto& [labels, s] : family.series) {
      switch (family.type) {
        case Type::Counter:
          out += fmt::format("{}{} {}\n", name, renderLabels(labels), s.counter->value());
          break;
        case Type::Gauge:
          out += fmt::format("{}{} {}\n", name, renderLabels(labels), formatValue(s.gauge->value()));
          break;
        case Type::Histogram: {
          const auto& h = *s.histogram;
          std::uint64_t cumulative = 0;
          auto bounds = h.upperBounds();
          for (std::size_t i = 0; i < bounds.size(); ++i) {
            cumulative += h.bucketCount(i);
            out += fmt::format("{}_bucket{} {}\n", name,
                               renderLabels(labels, "le", formatValue(bounds[i])), cumulative);
          }
          cumulative += h.bucketCount(bounds.size());
          out += fmt::format("{}_bucket{} {}\n", name, renderLabels(labels, "le", "+Inf"),
                             cumulative);
          out += fmt::format("{}_sum{} {}\n", name, renderLabels(labels), formatValue(h.sum()));
          out += fmt::format("{}_count{} {}\n", name, renderLabels(labels), cumulative);
          break;
        }
      }
    }
  }
  return out;
}

}  // namespace ait::metrics
