#pragma once
// The instruments the engine trades, with the terms a venue and the portfolio need beside the
// reference data (commission, swap, margin, slippage), and the latest quote of each. Built at
// start-up; the engine thread alone reads and updates it afterwards.

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "ait/core/error.h"
#include "ait/model/events.h"
#include "ait/model/instrument.h"

namespace ait::portfolio {

/// Trading terms of one instrument, in account money (kMoneyScale) where they are amounts.
struct TradingTerms {
  /// Commission per 1 of quantity (per lot), charged on every fill.
  model::Money commissionPerUnit;
  /// Commission as parts per million of the fill's notional, added to the per-unit one; in the
  /// instrument's (profit) currency, converted to the account's at the fill's FX rate.
  std::int64_t commissionPpm = 0;
  /// Swap per 1 of quantity per rollover (negative charges); long and short positions.
  model::Money swapLongPerUnit;
  model::Money swapShortPerUnit;
  /// Margin as parts per million of notional: 1'000'000 is no leverage, 10'000 is 1:100.
  std::int64_t marginPpm = 1'000'000;
  /// Ticks the simulated venue adds against a market order (and a triggered stop).
  std::int64_t slippageTicks = 0;
  bool tradable = true;
};

struct TradableInstrument {
  model::Instrument spec;
  TradingTerms terms;
};

/// The latest market of one instrument as mantissas at its price and quantity scales.
struct Quote {
  std::int64_t bid = 0;
  std::int64_t ask = 0;
  std::int64_t bidSize = 0;  // 0: the feed does not say
  std::int64_t askSize = 0;
  std::int64_t last = 0;
  TimestampNs ts = 0;
  bool valid = false;

  /// Returns the price a position of that sign closes at (bid for long, ask for short).
  std::int64_t closePrice(std::int64_t signedQuantity) const noexcept {
    return signedQuantity > 0 ? bid : ask;
  }
  std::int64_t mid() const noexcept { return (bid + ask) / 2; }
};

class Catalog {
 public:
  /// Adds a validated instrument and returns its index; refuses an invalid one or a duplicate.
  Expected<std::uint32_t> add(TradableInstrument instrument);
  /// Returns the index of the instrument, or -1.
  std::int32_t find(const model::InstrumentId& id) const noexcept;
  const TradableInstrument& at(std::uint32_t index) const noexcept { return items_[index]; }
  TradableInstrument& at(std::uint32_t index) noexcept { return items_[index]; }
  std::uint32_t size() const noexcept { return static_cast<std::uint32_t>(items_.size()); }

  Quote& quote(std::uint32_t index) noexcept { return quotes_[index]; }
  const Quote& quote(std::uint32_t index) const noexcept { return quotes_[index]; }
  /// Updates the quote from a tick; returns false when a price does not fit the instrument's scale.
  bool update(std::uint32_t index, const model::Tick& tick) noexcept;
  /// Updates the quote from a bar's close (bid = ask = close).
  bool update(std::uint32_t index, const model::Bar& bar) noexcept;

 private:
  std::vector<TradableInstrument> items_;
  std::vector<Quote> quotes_;
  std::unordered_map<model::InstrumentId, std::uint32_t> index_;
};

}  // namespace ait::portfolio
