#include "ait/portfolio/catalog.h"

#include <cstring>
#include <type_traits>

#include <fmt/format.h>

#include "ait/portfolio/errors.h"
#include "ait/portfolio/fixed.h"

namespace ait::portfolio {

Expected<std::uint32_t> Catalog::add(TradableInstrument instrument) {
  if (auto ok = instrument.spec.validate(); !ok) {
    return fail(errors::kBadInstrument, ok.error().message());
  }
  const auto& spec = instrument.spec;
  const auto& terms = instrument.terms;
  if (terms.marginPpm < 0 || terms.commissionPpm < 0 || terms.slippageTicks < 0) {
    return fail(errors::kBadInstrument,
                fmt::format("instrument {}: margin, commission rate and slippage must not be "
                            "negative",
                            spec.id.toString()));
  }
  std::int64_t unused = 0;
  for (auto amount : {terms.commissionPerUnit, terms.swapLongPerUnit, terms.swapShortPerUnit}) {
    if (!mantissaAt(amount.decimal(), kMoneyScale, unused)) {
      return fail(errors::kBadInstrument,
                  fmt::format("instrument {}: amount {} has more than {} decimal places",
                              spec.id.toString(), amount, kMoneyScale));
    }
  }
  if (spec.priceScale + spec.quantityScale + spec.contractSize.scale() > 36) {
    return fail(errors::kBadInstrument,
                fmt::format("instrument {}: price, quantity and contract scales sum above 36",
                            spec.id.toString()));
  }
  if (index_.contains(spec.id)) {
    return fail(errors::kDuplicate,
                fmt::format("instrument {} declared twice", spec.id.toString()));
  }
  auto index = static_cast<std::uint32_t>(items_.size());
  index_.emplace(spec.id, index);
  items_.push_back(std::move(instrument));
  quotes_.emplace_back();
  return index;
}

namespace {
// The ids' text is zero past its length and they have no padding: equal ids are equal bytes,
// compared whole rather than one character at a time.
static_assert(std::has_unique_object_representations_v<model::InstrumentId>);
bool sameId(const model::InstrumentId& a, const model::InstrumentId& b) noexcept {
  return std::memcmp(&a, &b, sizeof(model::InstrumentId)) == 0;
}
}  // namespace

std::int32_t Catalog::find(const model::InstrumentId& id) const noexcept {
  // Every tick asks: a few instruments are found faster by comparing than by hashing the id.
  if (items_.size() <= 4) {
    for (std::size_t i = 0; i < items_.size(); ++i) {
      if (sameId(items_[i].spec.id, id)) return static_cast<std::int32_t>(i);
    }
    return -1;
  }
  auto it = index_.find(id);
  return it == index_.end() ? -1 : static_cast<std::int32_t>(it->second);
}

namespace {
[[gnu::noinline]] bool rescaled(model::Decimal value, std::uint8_t scale, std::int64_t& out) noexcept {
  return mantissaAt(value, scale, out);
}

/// mantissaAt without the 128-bit scaling when the tick already has the instrument's scale or
/// is zero (sizes the feed leaves out): the usual case, per tick. The rare rescaling is kept
/// out of line so that this check inlines.
inline bool quoteMantissa(model::Decimal value, std::uint8_t scale, std::int64_t& out) noexcept {
  if (value.scale <= model::kMaxScale && scale <= model::kMaxScale &&
      (value.scale == scale || value.mantissa == 0)) {
    out = value.mantissa;
    return true;
  }
  return rescaled(value, scale, out);
}
}  // namespace

bool Catalog::update(std::uint32_t index, const model::Tick& tick) noexcept {
  const auto& spec = items_[index].spec;
  Quote& q = quotes_[index];
  Quote next = q;
  bool ok = true;
  if (tick.flags == 0 || (tick.flags & model::kTickBid) != 0) {
    ok &= quoteMantissa(tick.bid.decimal(), spec.priceScale, next.bid);
    ok &= quoteMantissa(tick.bidSize.decimal(), spec.quantityScale, next.bidSize);
  }
  if (tick.flags == 0 || (tick.flags & model::kTickAsk) != 0) {
    ok &= quoteMantissa(tick.ask.decimal(), spec.priceScale, next.ask);
    ok &= quoteMantissa(tick.askSize.decimal(), spec.quantityScale, next.askSize);
  }
  if ((tick.flags & model::kTickLast) != 0) {
    ok &= quoteMantissa(tick.last.decimal(), spec.priceScale, next.last);
  }
  if (!ok || next.bid <= 0 || next.ask <= 0 || next.ask < next.bid) return false;
  next.ts = tick.header.tsEvent;
  next.valid = true;
  q = next;
  return true;
}

bool Catalog::update(std::uint32_t index, const model::Bar& bar) noexcept {
  const auto& spec = items_[index].spec;
  std::int64_t close = 0;
  if (!mantissaAt(bar.close.decimal(), spec.priceScale, close) || close <= 0) return false;
  Quote& q = quotes_[index];
  q.bid = q.ask = q.last = close;
  q.bidSize = q.askSize = 0;
  q.ts = bar.header.tsEvent;
  q.valid = true;
  return true;
}

}  // namespace ait::portfolio
