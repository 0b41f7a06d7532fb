#include "ait/model/instrument.h"

#include <vector>

#include "ait/model/errors.h"
#include "model/wide.h"

namespace ait::model {

namespace {

// a mod b == 0, compared at the larger of the two scales.
bool isMultipleOf(Decimal a, Decimal b) {
  std::uint8_t scale = std::max(a.scale, b.scale);
  if (scale > kMaxScale) return false;
  Int128 left = static_cast<Int128>(a.mantissa) * kPowersOfTen[scale - a.scale];
  Int128 right = static_cast<Int128>(b.mantissa) * kPowersOfTen[scale - b.scale];
  return right != 0 && left % right == 0;
}

}  // namespace

Expected<void> Instrument::validate() const {
  std::vector<std::string> problems;
  if (id.symbol.empty()) problems.emplace_back("symbol is empty");
  if (priceScale > kMaxScale) problems.push_back(fmt::format("price_scale {} above 18", priceScale));
  if (quantityScale > kMaxScale) {
    problems.push_back(fmt::format("quantity_scale {} above 18", quantityScale));
  }
  if (!tickSize.isPositive()) {
    problems.push_back(fmt::format("tick_size must be positive, is {}", tickSize));
  } else if (priceScale <= kMaxScale && !tickSize.rescaled(priceScale)) {
    problems.push_back(fmt::format("tick_size {} has more decimal places than price_scale {}",
                                   tickSize, priceScale));
  }
  if (!lotStep.isPositive()) {
    problems.push_back(fmt::format("lot_step must be positive, is {}", lotStep));
  } else if (quantityScale <= kMaxScale && !lotStep.rescaled(quantityScale)) {
    problems.push_back(fmt::format("lot_step {} has more decimal places than quantity_scale {}",
                                   lotStep, quantityScale));
  }
  if (!minQuantity.isPositive()) {
    problems.push_back(fmt::format("min_quantity must be positive, is {}", minQuantity));
  }
  if (maxQuantity < minQuantity) {
    problems.push_back(
        fmt::format("max_quantity {} is below min_quantity {}", maxQuantity, minQuantity));
  }
  if (!contractSize.isPositive()) {
    problems.push_back(fmt::format("contract_size must be positive, is {}", contractSize));
  }
  if (currency.empty()) {
    problems.emplace_back("currency is empty");
  } else if (auto checked = Currency::from(currency); !checked) {
    problems.push_back(checked.error().message());
  }
  if (problems.empty()) return {};
  std::string text;
  for (const auto& problem : problems) {
    if (!text.empty()) text += "; ";
    text += problem;
  }
  return fail(kBadInstrument, fmt::format("instrument {}: {}", id.toString(), text));
}

Expected<Price> Instrument::parsePrice(std::string_view text) const {
  return Price::parse(text, priceScale);
}

Expected<Price> Instrument::priceFromDouble(double value) const {
  return Price::fromDouble(value, priceScale);
}

Expected<Quantity> Instrument::parseQuantity(std::string_view text) const {
  return Quantity::parse(text, quantityScale);
}

Expected<Quantity> Instrument::quantityFromDouble(double value) const {
  return Quantity::fromDouble(value, quantityScale);
}

Expected<Price> Instrument::roundToTick(Price price) const {
  auto ticks = detail::divideDecimal(price.decimal(), tickSize.decimal(), 0, "price in ticks");
  if (!ticks) return Unexpected(std::move(ticks.error()));
  auto rounded = detail::multiplyDecimal(*ticks, tickSize.decimal(), priceScale, "price");
  if (!rounded) return Unexpected(std::move(rounded.error()));
  return Price::fromDecimal(*rounded);
}

Expected<void> Instrument::checkPrice(Price price) const {
  if (!price.isPositive()) {
    return fail(kInvalidEvent,
                fmt::format("{}: price {} must be positive", id.toString(), price));
  }
  if (!price.rescaled(priceScale)) {
    return fail(kPrecisionLoss, fmt::format("{}: price {} has more than {} decimal places",
                                            id.toString(), price, priceScale));
  }
  if (!isMultipleOf(price.decimal(), tickSize.decimal())) {
    return fail(kInvalidEvent, fmt::format("{}: price {} is not a multiple of the tick size {}",
                                           id.toString(), price, tickSize));
  }
  return {};
}

Expected<void> Instrument::checkQuantity(Quantity quantity) const {
  if (quantity < minQuantity || quantity > maxQuantity) {
    return fail(kInvalidEvent, fmt::format("{}: quantity {} outside [{}, {}]", id.toString(),
                                           quantity, minQuantity, maxQuantity));
  }
  if (!isMultipleOf(quantity.decimal(), lotStep.decimal())) {
    return fail(kInvalidEvent, fmt::format("{}: quantity {} is not a multiple of the lot step {}",
                                           id.toString(), quantity, lotStep));
  }
  return {};
}

Expected<Money> Instrument::notional(Price price, Quantity quantity) const {
  auto perContract = model::notional(price, quantity);
  if (!perContract) return perContract;
  auto total = detail::multiplyDecimal(perContract->decimal(), contractSize.decimal(),
                                       kScaleFromText, "notional");
  if (!total) return Unexpected(std::move(total.error()));
  return Money::fromDecimal(*total);
}

Expected<void> InstrumentRegistry::add(Instrument instrument) {
  if (auto valid = instrument.validate(); !valid) return valid;
  if (instruments_.contains(instrument.id)) {
    return fail(kBadInstrument,
                fmt::format("instrument {} is already registered", instrument.id.toString()));
  }
  auto key = instrument.id;
  instruments_.emplace(key, std::move(instrument));
  return {};
}

Expected<void> InstrumentRegistry::put(Instrument instrument) {
  if (auto valid = instrument.validate(); !valid) return valid;
  auto key = instrument.id;
  instruments_.insert_or_assign(key, std::move(instrument));
  return {};
}

const Instrument* InstrumentRegistry::find(const InstrumentId& id) const noexcept {
  auto it = instruments_.find(id);
  return it == instruments_.end() ? nullptr : &it->second;
}

Expected<const Instrument*> InstrumentRegistry::get(const InstrumentId& id) const {
  if (const Instrument* instrument = find(id)) return instrument;
  return fail(kUnknownInstrument,
              fmt::format("instrument {} is not registered", id.toString()));
}

}  // namespace ait::model
