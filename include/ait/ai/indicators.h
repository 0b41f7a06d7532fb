#pragma once
// Incremental technical indicators, O(1) per bar (the rolling max/min of the stochastic is
// amortised O(1)), matching TA-Lib's definitions and lookbacks with TA-Lib's default
// compatibility mode. Each indicator owns fixed-size windows allocated at construction, so an
// update never allocates. An indicator is "ready" from the bar where TA-Lib gives its first
// output: after lookback() + 1 updates.
//
// Seeding (the choices that make two libraries disagree):
//  - EMA starts with the SMA of its first `period` inputs, then value += k * (x - value),
//    k = 2 / (period + 1).
//  - RSI and ATR use Wilder's smoothing seeded with the plain average of the first `period`
//    changes (true ranges), as TA-Lib does without an unstable period.
//  - MACD follows TA-Lib: both EMAs give their first value on the bar where the slow one does;
//    the fast EMA is seeded with the SMA of the `fast` inputs ending on that bar (not of the
//    first `fast` inputs), and the signal EMA is seeded with the SMA of the first `signal` MACD
//    values. Lookback = slow - 1 + signal - 1.
//  - Bollinger Bands use the population standard deviation over the SMA's window.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace ait::ai {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// One OHLC bar; ts is the bar's open time in ns since the Unix epoch (UTC).
struct Bar {
  std::int64_t ts = 0;
  double open = 0;
  double high = 0;
  double low = 0;
  double close = 0;
  double volume = 0;
};

/// A fixed-capacity window of the latest values; allocates once, at construction.
class RollingWindow {
 public:
  explicit RollingWindow(std::size_t capacity) : data_(std::max<std::size_t>(capacity, 1)) {}
  /// Adds x; returns the value pushed out (NaN while the window is not full).
  double push(double x) noexcept {
    double out = full() ? data_[head_] : kNaN;
    data_[head_] = x;
    head_ = head_ + 1 == data_.size() ? 0 : head_ + 1;
    if (size_ < data_.size()) ++size_;
    return out;
  }
  bool full() const noexcept { return size_ == data_.size(); }
  std::size_t size() const noexcept { return size_; }
  std::size_t capacity() const noexcept { return data_.size(); }
  /// Returns the i-th newest value (0: the latest); i < size().
  double back(std::size_t i) const noexcept {
    std::size_t at = head_ + data_.size() - 1 - i;
    return data_[at >= data_.size() ? at - data_.size() : at];
  }
  void clear() noexcept { head_ = size_ = 0; }

 private:
  std::vector<double> data_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

/// Simple moving average; lookback period - 1.
class Sma {
 public:
  explicit Sma(int period) : period_(std::max(period, 1)), window_(period_) {}
  void update(double x) noexcept {
    double out = window_.push(x);
    sum_ += x;
    if (!std::isnan(out)) sum_ -= out;
  }
  bool ready() const noexcept { return window_.full(); }
  double value() const noexcept { return ready() ? sum_ / period_ : kNaN; }
  int lookback() const noexcept { return period_ - 1; }
  int period() const noexcept { return period_; }

 private:
  int period_;
  RollingWindow window_;
  double sum_ = 0;
};

/// Exponential moving average seeded with the SMA of the first `period` inputs; lookback
/// period - 1.
class Ema {
 public:
  explicit Ema(int period) : period_(std::max(period, 1)), k_(2.0 / (period_ + 1)) {}
  void update(double x) noexcept {
    if (count_ < period_) {
      sum_ += x;
      if (++count_ == period_) value_ = sum_ / period_;
      return;
    }
    value_ += k_ * (x - value_);
  }
  /// Starts the average at `seed` as if `period` inputs had been seen (used by MACD).
  void seed(double seed) noexcept {
    count_ = period_;
    value_ = seed;
  }
  bool ready() const noexcept { return count_ >= period_; }
  double value() const noexcept { return ready() ? value_ : kNaN; }
  int lookback() const noexcept { return period_ - 1; }

 private:
  int period_;
  double k_;
  int count_ = 0;
  double sum_ = 0;
  double value_ = kNaN;
};

/// Weighted moving average, weights 1..period (newest heaviest); lookback period - 1.
class Wma {
 public:
  explicit Wma(int period)
      : period_(std::max(period, 1)),
        divisor_(period_ * (period_ + 1) / 2.0),
        window_(period_) {}
  void update(double x) noexcept {
    // Every older value loses one weight step: the weighted sum drops by the plain sum. While
    // the window fills, the first value already holds weight 1 when it is full.
    double out = window_.push(x);
    weighted_ += period_ * x - sum_;
    sum_ += x;
    if (!std::isnan(out)) sum_ -= out;
  }
  bool ready() const noexcept { return window_.full(); }
  double value() const noexcept { return ready() ? weighted_ / divisor_ : kNaN; }
  int lookback() const noexcept { return period_ - 1; }

 private:
  int period_;
  double divisor_;
  RollingWindow window_;
  double sum_ = 0;
  double weighted_ = 0;
};

/// Relative Strength Index with Wilder's smoothing; lookback period.
class Rsi {
 public:
  explicit Rsi(int period) : period_(std::max(period, 1)) {}
  void update(double x) noexcept {
    if (seen_++ == 0) {
      prev_ = x;
      return;
    }
    double change = x - prev_;
    prev_ = x;
    double gain = change > 0 ? change : 0;
    double loss = change < 0 ? -change : 0;
    if (changes_ < period_) {
      gain_ += gain;
      loss_ += loss;
      if (++changes_ == period_) {
        gain_ /= period_;
        loss_ /= period_;
      }
      return;
    }
    gain_ = (gain_ * (period_ - 1) + gain) / period_;
    loss_ = (loss_ * (period_ - 1) + loss) / period_;
  }
  bool ready() const noexcept { return changes_ >= period_; }
  double value() const noexcept {
    if (!ready()) return kNaN;
    double total = gain_ + loss_;
    return total == 0 ? 0.0 : 100.0 * gain_ / total;
  }
  int lookback() const noexcept { return period_; }

 private:
  int period_;
  std::int64_t seen_ = 0;
  int changes_ = 0;
  double prev_ = 0;
  double gain_ = 0;
  double loss_ = 0;
};

/// MACD with TA-Lib's seeding (see the file comment); lookback slow - 1 + signal - 1.
class Macd {
 public:
  Macd(int fast, int slow, int signal)
      : fast_(std::max(std::min(fast, slow), 1)),
        slow_(std::max(std::max(fast, slow), 1)),
        signalPeriod_(std::max(signal, 1)),
        fastWindow_(fast_),
        fastEma_(fast_),
        slowEma_(slow_),
        signal_(signalPeriod_) {}
  void update(double x) noexcept {
    slowEma_.update(x);
    if (!fastSeeded_) {
      fastWindow_.push(x);
      if (!slowEma_.ready()) return;
      // Summing the fast window happens once per instrument, on the slow EMA's first bar.
      double sum = 0;
      for (std::size_t i = 0; i < fastWindow_.size(); ++i) sum += fastWindow_.back(i);
      fastEma_.seed(sum / fast_);
      fastSeeded_ = true;
    } else {
      fastEma_.update(x);
    }
    macd_ = fastEma_.value() - slowEma_.value();
    signal_.update(macd_);
  }
  bool ready() const noexcept { return signal_.ready(); }
  double macd() const noexcept { return ready() ? macd_ : kNaN; }
  double signal() const noexcept { return signal_.value(); }
  double histogram() const noexcept { return ready() ? macd_ - signal_.value() : kNaN; }
  int lookback() const noexcept { return slow_ - 1 + signalPeriod_ - 1; }

 private:
  int fast_;
  int slow_;
  int signalPeriod_;
  RollingWindow fastWindow_;
  Ema fastEma_;
  Ema slowEma_;
  Ema signal_;
  bool fastSeeded_ = false;
  double macd_ = kNaN;
};

/// Bollinger Bands over an SMA with the population standard deviation; lookback period - 1.
class Bollinger {
 public:
  Bollinger(int period, double devUp, double devDown)
      : period_(std::max(period, 1)), devUp_(devUp), devDown_(devDown), window_(period_) {}
  void update(double x) noexcept {
    double out = window_.push(x);
    sum_ += x;
    sumSq_ += x * x;
    if (!std::isnan(out)) {
      sum_ -= out;
      sumSq_ -= out * out;
    }
  }
  bool ready() const noexcept { return window_.full(); }
  double middle() const noexcept { return ready() ? sum_ / period_ : kNaN; }
  double stddev() const noexcept {
    if (!ready()) return kNaN;
    double mean = sum_ / period_;
    double variance = sumSq_ / period_ - mean * mean;
    return variance > 0 ? std::sqrt(variance) : 0.0;
  }
  double upper() const noexcept { return middle() + devUp_ * stddev(); }
  double lower() const noexcept { return middle() - devDown_ * stddev(); }
  int lookback() const noexcept { return period_ - 1; }

 private:
  int period_;
  double devUp_;
  double devDown_;
  RollingWindow window_;
  double sum_ = 0;
  double sumSq_ = 0;
};

/// True range: max(high - low, |high - previous close|, |low - previous close|); lookback 1.
class TrueRange {
 public:
  void update(const Bar& bar) noexcept {
    if (hasPrev_) {
      value_ = std::max({bar.high - bar.low, std::abs(bar.high - prevClose_),
                         std::abs(bar.low - prevClose_)});
      ready_ = true;
    }
    prevClose_ = bar.close;
    hasPrev_ = true;
  }
  bool ready() const noexcept { return ready_; }
  double value() const noexcept { return ready_ ? value_ : kNaN; }
  int lookback() const noexcept { return 1; }

 private:
  bool hasPrev_ = false;
  bool ready_ = false;
  double prevClose_ = 0;
  double value_ = kNaN;
};

/// Average true range, Wilder's smoothing seeded with the mean of the first `period` true
/// ranges; lookback period.
class Atr {
 public:
  explicit Atr(int period) : period_(std::max(period, 1)) {}
  void update(const Bar& bar) noexcept {
    range_.update(bar);
    if (!range_.ready()) return;
    double tr = range_.value();
    if (count_ < period_) {
      value_ += tr;
      if (++count_ == period_) value_ /= period_;
      return;
    }
    value_ = (value_ * (period_ - 1) + tr) / period_;
  }
  bool ready() const noexcept { return count_ >= period_; }
  double value() const noexcept { return ready() ? value_ : kNaN; }
  int lookback() const noexcept { return period_; }

 private:
  int period_;
  TrueRange range_;
  int count_ = 0;
  double value_ = 0;
};

/// The highest or lowest of the latest `period` values, amortised O(1): a monotonic deque in a
/// fixed ring of (index, value) pairs.
class RollingExtreme {
 public:
  RollingExtreme(int period, bool max)
      : period_(std::max(period, 1)), max_(max), index_(period_ + 1), value_(period_ + 1) {}
  void update(double x) noexcept {
    const std::size_t cap = index_.size();
    while (size_ > 0) {
      double last = value_[(head_ + size_ - 1) % cap];
      if (max_ ? last <= x : last >= x) --size_;
      else break;
    }
    std::size_t at = (head_ + size_) % cap;
    index_[at] = static_cast<double>(count_);
    value_[at] = x;
    ++size_;
    while (index_[head_] <= static_cast<double>(count_ - period_)) {
      head_ = (head_ + 1) % cap;
      --size_;
    }
    ++count_;
  }
  bool ready() const noexcept { return count_ >= period_; }
  double value() const noexcept { return ready() ? value_[head_] : kNaN; }

 private:
  std::int64_t period_;
  bool max_;
  std::vector<double> index_;
  std::vector<double> value_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
  std::int64_t count_ = 0;
};

/// Stochastic oscillator as TA-Lib's STOCH (slow: %K smoothed by an SMA of slowK, %D an SMA
/// of slowD of it) and STOCHF (fast: raw %K and its SMA over fastD). Raw %K is
/// 100 * (close - lowest low) / (highest high - lowest low) over fastK bars, 0 when flat.
class Stochastic {
 public:
  /// slowK == 1 gives STOCHF's %K/%D with fastD = slowD.
  Stochastic(int fastK, int slowK, int slowD)
      : fastK_(std::max(fastK, 1)),
        highest_(fastK_, true),
        lowest_(fastK_, false),
        k_(std::max(slowK, 1)),
        d_(std::max(slowD, 1)) {}
  void update(const Bar& bar) noexcept {
    highest_.update(bar.high);
    lowest_.update(bar.low);
    if (!highest_.ready()) return;
    double range = highest_.value() - lowest_.value();
    double raw = range > 0 ? 100.0 * (bar.close - lowest_.value()) / range : 0.0;
    k_.update(raw);
    if (k_.ready()) d_.update(k_.value());
  }
  bool ready() const noexcept { return d_.ready(); }
  double k() const noexcept { return ready() ? k_.value() : kNaN; }
  double d() const noexcept { return d_.value(); }
  int lookback() const noexcept { return fastK_ - 1 + k_.lookback() + d_.lookback(); }

 private:
  int fastK_;
  RollingExtreme highest_;
  RollingExtreme lowest_;
  Sma k_;
  Sma d_;
};

/// Return over `period` bars: close / close[period bars ago] - 1, or its natural log; lookback
/// period.
class Returns {
 public:
  Returns(int period, bool log) : period_(std::max(period, 1)), log_(log), window_(period_ + 1) {}
  void update(double x) noexcept { window_.push(x); }
  bool ready() const noexcept { return window_.full(); }
  double value() const noexcept {
    if (!ready()) return kNaN;
    double then = window_.back(static_cast<std::size_t>(period_));
    double ratio = window_.back(0) / then;
    return log_ ? std::log(ratio) : ratio - 1.0;
  }
  int lookback() const noexcept { return period_; }

 private:
  int period_;
  bool log_;
  RollingWindow window_;
};

/// Rolling volatility: the sample standard deviation (n - 1) of the latest `period` one-bar log
/// returns, not annualised; lookback period.
class RollingVolatility {
 public:
  explicit RollingVolatility(int period)
      : period_(std::max(period, 2)), returns_(1, true), window_(period_) {}
  void update(double x) noexcept {
    returns_.update(x);
    if (!returns_.ready()) return;
    double r = returns_.value();
    double out = window_.push(r);
    sum_ += r;
    sumSq_ += r * r;
    if (!std::isnan(out)) {
      sum_ -= out;
      sumSq_ -= out * out;
    }
  }
  bool ready() const noexcept { return window_.full(); }
  double value() const noexcept {
    if (!ready()) return kNaN;
    double variance = (sumSq_ - sum_ * sum_ / period_) / (period_ - 1);
    return variance > 0 ? std::sqrt(variance) : 0.0;
  }
  int lookback() const noexcept { return period_; }

 private:
  int period_;
  Returns returns_;
  RollingWindow window_;
  double sum_ = 0;
  double sumSq_ = 0;
};

}  // namespace ait::ai
