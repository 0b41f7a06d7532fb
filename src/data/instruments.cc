#include "ait/data/instruments.h"

#include <set>
#include <string>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "ait/data/errors.h"

namespace ait::data {

namespace {

// Config floats are what a person typed ("0.00001"), so the shortest decimal of the double is
// the intended value; anything beyond the scale is a mistake to report, not to round.
template <class Value>
Expected<Value> exactAt(double value, int scale, std::string_view key) {
  auto shortest = Value::fromDouble(value);
  if (!shortest) return Unexpected(std::move(shortest.error()));
  auto scaled = shortest->rescaled(static_cast<std::uint8_t>(scale));
  if (!scaled) {
    return fail(errors::kConfigInvalid,
                fmt::format("{} {} has more decimal places than the scale {}", key, value, scale));
  }
  return *scaled;
}

}  // namespace

Expected<std::vector<InstrumentSpec>> instrumentsFromConfig(
    const std::vector<config::InstrumentConfig>& entries) {
  std::vector<InstrumentSpec> specs;
  std::vector<std::string> problems;
  std::set<std::pair<std::string, std::string>> seen;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto& e = entries[i];
    const auto where = fmt::format("data.instruments[{}] ({})", i, e.symbol);
    auto note = [&](const Error& error) {
      problems.push_back(fmt::format("{}: {}", where, error.message()));
    };
    if (!seen.insert({e.symbol, e.venue}).second) {
      problems.push_back(fmt::format("{}: symbol and venue repeat an earlier entry", where));
      continue;
    }
    InstrumentSpec spec;
    auto& m = spec.instrument;
    auto symbol = model::Symbol::from(e.symbol);
    auto venue = model::Venue::from(e.venue);
    if (!symbol) note(symbol.error());
    if (!venue) note(venue.error());
    if (!symbol || !venue) continue;
    m.id = {*symbol, *venue};
    m.priceScale = static_cast<std::uint8_t>(e.price_scale);
    m.quantityScale = static_cast<std::uint8_t>(e.quantity_scale);
    m.currency = e.currency;
    auto tick = exactAt<model::Price>(e.tick_size, e.price_scale, "tick_size");
    auto lot = exactAt<model::Quantity>(e.lot_step, e.quantity_scale, "lot_step");
    auto minQ = exactAt<model::Quantity>(e.min_quantity, e.quantity_scale, "min_quantity");
    auto maxQ = exactAt<model::Quantity>(e.max_quantity, e.quantity_scale, "max_quantity");
    auto contract = model::Quantity::fromDouble(e.contract_size);
    bool ok = true;
    for (const Error* error : {tick ? nullptr : &tick.error(), lot ? nullptr : &lot.error(),
                               minQ ? nullptr : &minQ.error(), maxQ ? nullptr : &maxQ.error(),
                               contract ? nullptr : &contract.error()}) {
      if (error != nullptr) {
        note(*error);
        ok = false;
      }
    }
    if (!ok) continue;
    m.tickSize = *tick;
    m.lotStep = *lot;
    m.minQuantity = *minQ;
    m.maxQuantity = *maxQ;
    m.contractSize = *contract;
    if (auto valid = m.validate(); !valid) {
      note(valid.error());
      continue;
    }
    spec.gapThresholdNs = e.gap_threshold_ms * 1'000'000;
    auto session = TradingSession::parse(e.session);
    if (!session) {
      note(session.error());
      continue;
    }
    spec.session = std::move(*session);
    specs.push_back(std::move(spec));
  }
  if (!problems.empty()) {
    return fail(errors::kConfigInvalid, fmt::format("{}", fmt::join(problems, "; ")));
  }
  return specs;
}

}  // namespace ait::data
