#include "ait/data/synthetic.h"

#include <cmath>

namespace ait::data {

SyntheticMarket::SyntheticMarket(const config::SyntheticFeedConfig& config, std::uint64_t seed)
    : meanVolume_(config.mean_volume), random_(seed) {
  for (const auto& s : config.symbols) {
    symbols_.push_back({s.symbol, s.start_price, s.volatility, s.spread,
                        static_cast<std::int64_t>(1e9 / s.ticks_per_second)});
  }
}

RawQuote SyntheticMarket::next(std::size_t i, TimestampNs now) {
  Walk& walk = symbols_[i];
  // A geometric step keeps the price positive however long the walk runs.
  walk.mid *= std::exp(walk.volatility * step_(random_));
  RawQuote quote;
  quote.symbol = walk.symbol;
  quote.bid = walk.mid - walk.spread / 2;
  quote.ask = walk.mid + walk.spread / 2;
  quote.volume = meanVolume_ > 0.0 ? meanVolume_ * volume_(random_) : 0.0;
  quote.flags = model::kTickBid | model::kTickAsk | model::kTickVolume;
  quote.sourceTime = now;
  quote.recvTime = now;
  return quote;
}

}  // namespace ait::data
