#pragma once
// A synthetic market: a random walk of the mid price per symbol (relative steps with the
// configured volatility), bid and ask a fixed spread apart, exponentially distributed volumes.
// Deterministic for a given seed, so tests can check what it produces.

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "ait/config/config.h"
#include "ait/core/clock.h"
#include "ait/data/normaliser.h"

namespace ait::data {

class SyntheticMarket {
 public:
  SyntheticMarket(const config::SyntheticFeedConfig& config, std::uint64_t seed);

  /// Returns the next quote of symbol i (a RawQuote whose symbol points into this object),
  /// stamped `now`.
  RawQuote next(std::size_t i, TimestampNs now);
  /// Returns the interval between two ticks of symbol i, in ns.
  std::int64_t intervalNs(std::size_t i) const noexcept { return symbols_[i].intervalNs; }
  std::size_t size() const noexcept { return symbols_.size(); }
  const std::string& symbol(std::size_t i) const noexcept { return symbols_[i].symbol; }

 private:
  struct Walk {
    std::string symbol;
    double mid = 0.0;
    double volatility = 0.0;
    double spread = 0.0;
    std::int64_t intervalNs = 0;
  };
  std::vector<Walk> symbols_;
  double meanVolume_ = 0.0;
  std::mt19937_64 random_;
  std::normal_distribution<double> step_{0.0, 1.0};
  std::exponential_distribution<double> volume_{1.0};
};

}  // namespace ait::data
