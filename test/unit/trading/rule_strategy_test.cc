#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

#include "ait/trading/strategy.h"

namespace ait::trading {
namespace {

/// Closes on a half-pip grid near 1.1 with flat stretches, where the fast and slow averages
/// are equal but for rounding: the crossover then turns on the last bit of each sum.
std::vector<double> closes(std::size_t count) {
  std::vector<double> out;
  std::uint64_t state = 88172645463325252ULL;
  std::int64_t mid = 220'000;
  for (std::size_t i = 0; i < count; ++i) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    if ((i / 150) % 3 != 2) mid += static_cast<std::int64_t>(state % 7) - 3;  // every third stretch flat
    out.push_back(static_cast<double>(mid) * 0.5e-5);
  }
  return out;
}

/// The crossover rule with each average summed on its own, newest first, as documented.
std::vector<Target> reference(const std::vector<double>& c, int fast, int slow, bool allowShort) {
  std::vector<Target> out;
  double prevFast = 0.0, prevSlow = 0.0;
  auto sma = [&](std::size_t i, int period) {
    double sum = 0.0;
    for (int k = 0; k < period; ++k) sum += c[i - static_cast<std::size_t>(k)];
    return sum / period;
  };
  for (std::size_t i = 0; i < c.size(); ++i) {
    const std::size_t seen = i + 1;
    if (seen < static_cast<std::size_t>(slow)) {
      out.push_back(Target::Hold);
      continue;
    }
    double f = sma(i, fast), s = sma(i, slow);
    bool ready = seen > static_cast<std::size_t>(slow);
    Target t = Target::Hold;
    if (ready && prevFast < prevSlow && f > s) t = Target::Long;
    if (ready && prevFast > prevSlow && f < s) t = allowShort ? Target::Short : Target::Flat;
    prevFast = f;
    prevSlow = s;
    out.push_back(t);
  }
  return out;
}

TEST(RuleStrategy, SmaCrossGivesTheTargetsOfSeparateNewestFirstSumsBitForBit) {
  const auto c = closes(20'000);
  // Periods around the unrolled additions (multiples of 4 and not), the close itself as the
  // fast leg, and a fast leg one short of the slow one.
  const std::pair<int, int> periods[] = {{20, 100}, {1, 7}, {3, 4}, {5, 13}, {12, 16}, {99, 100}};
  for (auto [fast, slow] : periods) {
    for (bool allowShort : {false, true}) {
      StrategyConfig config;
      config.kind = StrategyKind::SmaCross;
      config.fast = fast;
      config.slow = slow;
      config.allowShort = allowShort;
      RuleStrategy strategy(config);
      const auto want = reference(c, fast, slow, allowShort);
      std::size_t signals = 0;
      for (std::size_t i = 0; i < c.size(); ++i) {
        Target got = strategy.onClose(c[i]);
        ASSERT_EQ(static_cast<int>(got), static_cast<int>(want[i]))
            << "fast " << fast << " slow " << slow << " close #" << i;
        signals += got != Target::Hold ? 1 : 0;
      }
      EXPECT_GT(signals, 10U) << "fast " << fast << " slow " << slow;
    }
  }
}

}  // namespace
}  // namespace ait::trading
