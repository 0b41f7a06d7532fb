#pragma once
// Reference data for instruments: scales, tick and lot grids, limits and contract size. Not an
// event; loaded at start-up (config or the venue) and read by the data bridge, risk and OMS.

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "ait/core/error.h"
#include "ait/model/fixed_point.h"
#include "ait/model/ids.h"

namespace ait::model {

struct Instrument {
  InstrumentId id;
  /// Decimal places of prices (5 for EURUSD, 3 for USDJPY).
  std::uint8_t priceScale = 5;
  /// Decimal places of quantities (2 for MT5 lots).
  std::uint8_t quantityScale = 2;
  /// Smallest price increment.
  Price tickSize = Price::fromRaw(1, 5);
  /// Smallest quantity increment (MT5 volume step).
  Quantity lotStep = Quantity::fromRaw(1, 2);
  Quantity minQuantity = Quantity::fromRaw(1, 2);
  Quantity maxQuantity = Quantity::fromRaw(10'000, 2);
  /// Units of the underlying per 1 of quantity (100000 for an FX lot).
  Quantity contractSize = Quantity::fromRaw(1, 0);
  /// Currency of prices and PnL ("USD").
  std::string currency;

  /// Checks every field and reports every problem at once.
  Expected<void> validate() const;

  /// Parses a price exactly at priceScale.
  Expected<Price> parsePrice(std::string_view text) const;
  /// Converts a feed's double to priceScale, rounding half away from zero.
  Expected<Price> priceFromDouble(double value) const;
  /// Parses a quantity exactly at quantityScale.
  Expected<Quantity> parseQuantity(std::string_view text) const;
  /// Converts a double to quantityScale, rounding half away from zero.
  Expected<Quantity> quantityFromDouble(double value) const;

  /// Returns the price rounded half away from zero to the nearest multiple of tickSize, at
  /// priceScale.
  Expected<Price> roundToTick(Price price) const;
  /// Fails unless the price is positive, fits priceScale and lies on the tick grid.
  Expected<void> checkPrice(Price price) const;
  /// Fails unless the quantity is within [minQuantity, maxQuantity] and a multiple of lotStep.
  Expected<void> checkQuantity(Quantity quantity) const;
  /// Returns price x quantity x contractSize exactly, or an error when it does not fit.
  Expected<Money> notional(Price price, Quantity quantity) const;
};

/// Instruments by id. Owned and read by one thread (the engine's); not synchronised.
class InstrumentRegistry {
 public:
  /// Adds a validated instrument; refuses an invalid one or an id already present.
  Expected<void> add(Instrument instrument);
  /// Adds or replaces a validated instrument.
  Expected<void> put(Instrument instrument);
  /// Returns the instrument, or nullptr. The pointer stays valid until the registry is destroyed.
  const Instrument* find(const InstrumentId& id) const noexcept;
  /// Returns the instrument, or an error naming the unknown id.
  Expected<const Instrument*> get(const InstrumentId& id) const;
  std::size_t size() const noexcept { return instruments_.size(); }

 private:
  std::unordered_map<InstrumentId, Instrument> instruments_;
};

}  // namespace ait::model
