// Checks every incremental indicator against a batch computation written independently here
// (windows summed afresh, two-pass variances, recursions over whole arrays) on TA-Lib's own
// 252-bar reference series and on other real series, within TA-Lib's test tolerance of 0.01,
// and checks the lookbacks (first ready bar) against TA-Lib's. A few values published in
// TA-Lib's regression tests (src/tools/ta_regtest/ta_test_func/test_ma.c) anchor the batch
// formulas themselves.

#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ait/ai/bars.h"
#include "ait/ai/indicators.h"

namespace ait::ai {
namespace {

constexpr double kTolerance = 0.01;

std::vector<Bar> loadBars(const std::string& relative) {
  auto bars = readBars(std::string(AIT_SHARED_DATA_DIR) + "/market/" + relative, BarFormat::Csv);
  EXPECT_TRUE(bars.has_value()) << (bars ? "" : bars.error().describe());
  return bars ? *bars : std::vector<Bar>{};
}

std::vector<double> closes(const std::vector<Bar>& bars) {
  std::vector<double> out;
  for (const auto& b : bars) out.push_back(b.close);
  return out;
}

// Batch references: NaN where TA-Lib gives no output.
std::vector<double> batchSma(const std::vector<double>& x, int n) {
  std::vector<double> out(x.size(), kNaN);
  for (std::size_t i = n - 1; i < x.size(); ++i) {
    double sum = 0;
    for (int j = 0; j < n; ++j) sum += x[i - j];
    out[i] = sum / n;
  }
  return out;
}

// EMA over x starting at index `first` with the given seed.
std::vector<double> batchEmaFrom(const std::vector<double>& x, int n, std::size_t first, double seed) {
  std::vector<double> out(x.size(), kNaN);
  double k = 2.0 / (n + 1);
  out[first] = seed;
  for (std::size_t i = first + 1; i < x.size(); ++i) out[i] = x[i] * k + out[i - 1] * (1 - k);
  return out;
}

std::vector<double> batchEma(const std::vector<double>& x, int n) {
  double seed = 0;
  for (int j = 0; j < n; ++j) seed += x[j];
  return batchEmaFrom(x, n, n - 1, seed / n);
}

std::vector<double> batchWma(const std::vector<double>& x, int n) {
  std::vector<double> out(x.size(), kNaN);
  for (std::size_t i = n - 1; i < x.size(); ++i) {
    double sum = 0, weights = 0;
    for (int j = 0; j < n; ++j) {
      sum += (n - j) * x[i - j];
      weights += n - j;
    }
    out[i] = sum / weights;
  }
  return out;
}

std::vector<double> batchRsi(const std::vector<double>& x, int n) {
  std::vector<double> out(x.size(), kNaN);
  double up = 0, down = 0;
  for (int i = 1; i <= n; ++i) {
    double d = x[i] - x[i - 1];
    (d > 0 ? up : down) += std::abs(d);
  }
  up /= n;
  down /= n;
  auto rsi = [](double u, double d) {
    if (u + d == 0) return 0.0;
    if (d == 0) return 100.0;
    return 100.0 - 100.0 / (1.0 + u / d);
  };
  out[n] = rsi(up, down);
  for (std::size_t i = n + 1; i < x.size(); ++i) {
    double d = x[i] - x[i - 1];
    up = (up * (n - 1) + std::max(d, 0.0)) / n;
    down = (down * (n - 1) + std::max(-d, 0.0)) / n;
    out[i] = rsi(up, down);
  }
  return out;
}

struct MacdSeries {
  std::vector<double> macd, signal, hist;
};

MacdSeries batchMacd(const std::vector<double>& x, int fast, int slow, int sig) {
  std::size_t start = slow - 1;
  double fastSeed = 0;
  for (std::size_t j = start + 1 - fast; j <= start; ++j) fastSeed += x[j];
  auto fastEma = batchEmaFrom(x, fast, start, fastSeed / fast);
  auto slowEma = batchEma(x, slow);
  std::vector<double> line(x.size(), kNaN);
  for (std::size_t i = start; i < x.size(); ++i) line[i] = fastEma[i] - slowEma[i];
  double sigSeed = 0;
  for (int j = 0; j < sig; ++j) sigSeed += line[start + j];
  auto signal = batchEmaFrom(line, sig, start + sig - 1, sigSeed / sig);
  MacdSeries out{std::vector<double>(x.size(), kNaN), signal, std::vector<double>(x.size(), kNaN)};
  for (std::size_t i = start + sig - 1; i < x.size(); ++i) {
    out.macd[i] = line[i];
    out.hist[i] = line[i] - signal[i];
  }
  return out;
}

std::vector<double> batchPopulationStd(const std::vector<double>& x, int n) {
  std::vector<double> out(x.size(), kNaN);
  for (std::size_t i = n - 1; i < x.size(); ++i) {
    double mean = 0;
    for (int j = 0; j < n; ++j) mean += x[i - j];
    mean /= n;
    double ss = 0;
    for (int j = 0; j < n; ++j) ss += (x[i - j] - mean) * (x[i - j] - mean);
    out[i] = std::sqrt(ss / n);
  }
  return out;
}

std::vector<double> batchTrueRange(const std::vector<Bar>& b) {
  std::vector<double> out(b.size(), kNaN);
  for (std::size_t i = 1; i < b.size(); ++i) {
    double hi = std::max(b[i].high, b[i - 1].close);
    double lo = std::min(b[i].low, b[i - 1].close);
    out[i] = hi - lo;  // the range of the bar extended to the previous close
  }
  return out;
}

std::vector<double> batchAtr(const std::vector<Bar>& b, int n) {
  auto tr = batchTrueRange(b);
  std::vector<double> out(b.size(), kNaN);
  double first = 0;
  for (int i = 1; i <= n; ++i) first += tr[i];
  out[n] = first / n;
  for (std::size_t i = n + 1; i < b.size(); ++i) out[i] = out[i - 1] + (tr[i] - out[i - 1]) / n;
  return out;
}

std::vector<double> batchRawK(const std::vector<Bar>& b, int fastK) {
  std::vector<double> out(b.size(), kNaN);
  for (std::size_t i = fastK - 1; i < b.size(); ++i) {
    double hh = -1e300, ll = 1e300;
    for (int j = 0; j < fastK; ++j) {
      hh = std::max(hh, b[i - j].high);
      ll = std::min(ll, b[i - j].low);
    }
    out[i] = hh > ll ? (b[i].close - ll) / (hh - ll) * 100.0 : 0.0;
  }
  return out;
}

// SMA over a series that starts being defined at index `from`.
std::vector<double> batchSmaFrom(const std::vector<double>& x, int n, std::size_t from) {
  std::vector<double> out(x.size(), kNaN);
  for (std::size_t i = from + n - 1; i < x.size(); ++i) {
    double sum = 0;
    for (int j = 0; j < n; ++j) sum += x[i - j];
    out[i] = sum / n;
  }
  return out;
}

std::vector<double> batchLogReturns(const std::vector<double>& x, int n) {
  std::vector<double> out(x.size(), kNaN);
  for (std::size_t i = n; i < x.size(); ++i) out[i] = std::log(x[i]) - std::log(x[i - n]);
  return out;
}

std::vector<double> batchVolatility(const std::vector<double>& x, int n) {
  auto r = batchLogReturns(x, 1);
  std::vector<double> out(x.size(), kNaN);
  for (std::size_t i = n; i < x.size(); ++i) {
    double mean = 0;
    for (int j = 0; j < n; ++j) mean += r[i - j];
    mean /= n;
    double ss = 0;
    for (int j = 0; j < n; ++j) ss += (r[i - j] - mean) * (r[i - j] - mean);
    out[i] = std::sqrt(ss / (n - 1));
  }
  return out;
}

// Compares a series produced bar by bar with the batch one: NaN exactly where the batch one is
// NaN (same lookback), and within the tolerance elsewhere. Returns the number of values compared.
template <class Produce>
int expectSeries(const std::vector<double>& expected, Produce&& produce, const std::string& what,
                 double tolerance = kTolerance) {
  int compared = 0;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    double got = produce(i);
    if (std::isnan(expected[i])) {
      EXPECT_TRUE(std::isnan(got)) << what << " should not be ready at bar " << i;
      continue;
    }
    ++compared;
    EXPECT_NEAR(got, expected[i], tolerance) << what << " at bar " << i;
  }
  EXPECT_GT(compared, 0) << what;
  return compared;
}

class IndicatorsOnSeries : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    bars_ = loadBars(GetParam());
    ASSERT_GT(bars_.size(), 100u);
    x_ = closes(bars_);
    // Price-scaled tolerance: 0.01 on a ~100 series as TA-Lib, scaled for FX-sized prices.
    scale_ = std::min(1.0, x_[0] / 100.0);
  }
  std::vector<Bar> bars_;
  std::vector<double> x_;
  double scale_ = 1;
};

TEST_P(IndicatorsOnSeries, MovingAveragesMatchBatchFormulas) {
  for (int n : {2, 10, 30}) {
    Sma sma(n);
    Ema ema(n);
    Wma wma(n);
    EXPECT_EQ(sma.lookback(), n - 1);
    auto s = batchSma(x_, n), e = batchEma(x_, n), w = batchWma(x_, n);
    for (std::size_t i = 0; i < x_.size(); ++i) {
      sma.update(x_[i]);
      ema.update(x_[i]);
      wma.update(x_[i]);
      auto check = [&](double got, double want, const char* name) {
        if (std::isnan(want)) EXPECT_TRUE(std::isnan(got)) << name << n << " bar " << i;
        else EXPECT_NEAR(got, want, kTolerance * scale_) << name << n << " bar " << i;
      };
      check(sma.value(), s[i], "sma");
      check(ema.value(), e[i], "ema");
      check(wma.value(), w[i], "wma");
    }
  }
}

TEST_P(IndicatorsOnSeries, RsiMatchesWilderBatch) {
  for (int n : {2, 14}) {
    Rsi rsi(n);
    EXPECT_EQ(rsi.lookback(), n);
    auto expected = batchRsi(x_, n);
    expectSeries(expected, [&](std::size_t i) { rsi.update(x_[i]); return rsi.value(); },
                 "rsi" + std::to_string(n));
  }
}

TEST_P(IndicatorsOnSeries, MacdFollowsTaLibSeeding) {
  Macd macd(12, 26, 9);
  EXPECT_EQ(macd.lookback(), 33);
  auto expected = batchMacd(x_, 12, 26, 9);
  std::vector<double> line, signal, hist;
  for (double v : x_) {
    macd.update(v);
    line.push_back(macd.macd());
    signal.push_back(macd.signal());
    hist.push_back(macd.histogram());
  }
  expectSeries(expected.macd, [&](std::size_t i) { return line[i]; }, "macd", kTolerance * scale_);
  expectSeries(expected.signal, [&](std::size_t i) { return signal[i]; }, "signal", kTolerance * scale_);
  expectSeries(expected.hist, [&](std::size_t i) { return hist[i]; }, "hist", kTolerance * scale_);
  EXPECT_TRUE(std::isnan(line[32]));
  EXPECT_FALSE(std::isnan(line[33]));
}

TEST_P(IndicatorsOnSeries, BollingerUsesPopulationStdDev) {
  Bollinger bands(20, 2.0, 2.0);
  auto mid = batchSma(x_, 20);
  auto sd = batchPopulationStd(x_, 20);
  std::vector<double> up, lo, mi;
  for (double v : x_) {
    bands.update(v);
    up.push_back(bands.upper());
    mi.push_back(bands.middle());
    lo.push_back(bands.lower());
  }
  double tol = kTolerance * scale_;
  expectSeries(mid, [&](std::size_t i) { return mi[i]; }, "bb middle", tol);
  expectSeries(sd, [&](std::size_t i) { return (up[i] - mi[i]) / 2.0; }, "bb stddev", tol);
  expectSeries(sd, [&](std::size_t i) { return (mi[i] - lo[i]) / 2.0; }, "bb lower", tol);
}

TEST_P(IndicatorsOnSeries, TrueRangeAndAtrMatchWilderBatch) {
  TrueRange tr;
  Atr atr(14);
  EXPECT_EQ(atr.lookback(), 14);
  auto trs = batchTrueRange(bars_);
  auto atrs = batchAtr(bars_, 14);
  std::vector<double> gotTr, gotAtr;
  for (const auto& b : bars_) {
    tr.update(b);
    atr.update(b);
    gotTr.push_back(tr.value());
    gotAtr.push_back(atr.value());
  }
  double tol = kTolerance * scale_;
  expectSeries(trs, [&](std::size_t i) { return gotTr[i]; }, "trange", tol);
  expectSeries(atrs, [&](std::size_t i) { return gotAtr[i]; }, "atr", tol);
}

TEST_P(IndicatorsOnSeries, StochasticSlowAndFastMatchBatch) {
  Stochastic slow(5, 3, 3), fast(5, 1, 3), wide(14, 3, 5);
  EXPECT_EQ(slow.lookback(), 8);
  EXPECT_EQ(fast.lookback(), 6);
  auto raw = batchRawK(bars_, 5);
  auto slowK = batchSmaFrom(raw, 3, 4);
  auto slowD = batchSmaFrom(slowK, 3, 6);
  auto fastD = batchSmaFrom(raw, 3, 4);
  auto rawWide = batchRawK(bars_, 14);
  auto wideK = batchSmaFrom(rawWide, 3, 13);
  auto wideD = batchSmaFrom(wideK, 5, 15);
  std::vector<double> sk, sd, fk, fd, wk, wd;
  for (const auto& b : bars_) {
    slow.update(b);
    fast.update(b);
    wide.update(b);
    sk.push_back(slow.k());
    sd.push_back(slow.d());
    fk.push_back(fast.k());
    fd.push_back(fast.d());
    wk.push_back(wide.k());
    wd.push_back(wide.d());
  }
  // slow %K is only output from the bar where %D exists, as TA-Lib does.
  for (std::size_t i = 0; i < 8; ++i) slowK[i] = kNaN;
  for (std::size_t i = 0; i < 6; ++i) raw[i] = kNaN;
  for (std::size_t i = 0; i < 19; ++i) wideK[i] = kNaN;
  expectSeries(slowK, [&](std::size_t i) { return sk[i]; }, "stoch slow k");
  expectSeries(slowD, [&](std::size_t i) { return sd[i]; }, "stoch slow d");
  expectSeries(raw, [&](std::size_t i) { return fk[i]; }, "stochf k");
  expectSeries(fastD, [&](std::size_t i) { return fd[i]; }, "stochf d");
  expectSeries(wideK, [&](std::size_t i) { return wk[i]; }, "stoch 14 k");
  expectSeries(wideD, [&](std::size_t i) { return wd[i]; }, "stoch 14 d");
}

TEST_P(IndicatorsOnSeries, ReturnsAndVolatilityMatchBatch) {
  Returns ret(1, false), logret(5, true);
  RollingVolatility vol(20);
  auto lr = batchLogReturns(x_, 5);
  auto v = batchVolatility(x_, 20);
  std::vector<double> r1, l5, vv;
  for (double c : x_) {
    ret.update(c);
    logret.update(c);
    vol.update(c);
    r1.push_back(ret.value());
    l5.push_back(logret.value());
    vv.push_back(vol.value());
  }
  std::vector<double> simple(x_.size(), kNaN);
  for (std::size_t i = 1; i < x_.size(); ++i) simple[i] = (x_[i] - x_[i - 1]) / x_[i - 1];
  expectSeries(simple, [&](std::size_t i) { return r1[i]; }, "ret1", 1e-9);
  expectSeries(lr, [&](std::size_t i) { return l5[i]; }, "logret5", 1e-9);
  expectSeries(v, [&](std::size_t i) { return vv[i]; }, "vol20", 1e-7);
}

INSTANTIATE_TEST_SUITE_P(RealSeries, IndicatorsOnSeries,
                         ::testing::Values("ta-lib/talib_regtest_daily_ref_252.csv",
                                           "backtesting.py/GOOG.csv",
                                           "backtesting.py/EURUSD.csv",
                                           "nautilus_trader/fxcm_usdjpy-m1-bid-2013.csv"),
                         [](const auto& param) {
                           std::string name = param.param.substr(param.param.find('/') + 1);
                           name = name.substr(0, name.find('.'));
                           for (auto& c : name) if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });

// Values printed in TA-Lib's own regression tests for its reference series (close prices).
TEST(TaLibPublishedValues, MovingAveragesOnReferenceSeries) {
  auto x = closes(loadBars("ta-lib/talib_regtest_daily_ref_252.csv"));
  ASSERT_EQ(x.size(), 252u);
  Sma sma30(30);
  Wma wma30(30);
  Ema ema10(10);
  std::vector<double> s, w, e;
  for (double v : x) {
    sma30.update(v);
    wma30.update(v);
    ema10.update(v);
    s.push_back(sma30.value());
    w.push_back(wma30.value());
    e.push_back(ema10.value());
  }
  EXPECT_NEAR(s[29], 90.42, kTolerance);
  EXPECT_NEAR(s[30], 90.21, kTolerance);
  EXPECT_NEAR(s[251], 108.42, kTolerance);
  EXPECT_NEAR(w[29], 88.567, kTolerance);
  EXPECT_NEAR(w[251], 109.3466, kTolerance);
  EXPECT_NEAR(e[9], 93.22, kTolerance);
  EXPECT_NEAR(e[29], 86.46, kTolerance);
  EXPECT_NEAR(e[251], 108.97, kTolerance);
}

TEST(RollingWindow, KeepsTheLatestValuesInOrder) {
  RollingWindow w(3);
  EXPECT_TRUE(std::isnan(w.push(1)));
  w.push(2);
  w.push(3);
  EXPECT_EQ(w.push(4), 1);
  EXPECT_EQ(w.back(0), 4);
  EXPECT_EQ(w.back(2), 2);
}

}  // namespace
}  // namespace ait::ai
