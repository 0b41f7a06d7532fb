#include "ait/data/market_index.h"

#include <algorithm>
#include <string>

#include <fmt/format.h>

#include "ait/data/errors.h"

namespace ait::data {

MarketIndex::Entry::Entry(model::TenantId tenant, model::InstrumentId instrument,
                          const MarketIndexConfig& config)
    : owner(tenant), id(instrument), ticks(config.ticksPerSymbol) {
  for (std::size_t i = 0; i < config.timeframes.size(); ++i) {
    bars.push_back(std::make_unique<SeqRing<model::Bar>>(config.barsPerSeries));
  }
}

MarketIndex::MarketIndex(MarketIndexConfig config, const std::vector<model::InstrumentId>& symbols)
    : config_(std::move(config)),
      entries_(std::make_unique<std::unique_ptr<Entry>[]>(config_.maxSymbols)) {
  for (const auto& id : symbols) findOrAdd(kPublicTenant, id);
}

MarketIndex::Entry* MarketIndex::find(model::TenantId owner, std::string_view symbol) const noexcept {
  const auto n = count_.load(std::memory_order_acquire);
  for (std::size_t i = 0; i < n; ++i) {
    if (entries_[i]->owner == owner && entries_[i]->id.symbol.view() == symbol) {
      return entries_[i].get();
    }
  }
  return nullptr;
}

MarketIndex::Entry* MarketIndex::findOrAdd(model::TenantId owner, const model::InstrumentId& id) {
  if (Entry* entry = find(owner, id.symbol.view())) return entry;
  const auto n = count_.load(std::memory_order_relaxed);
  if (n >= config_.maxSymbols) return nullptr;
  entries_[n] = std::make_unique<Entry>(owner, id, config_);
  count_.store(n + 1, std::memory_order_release);
  return entries_[n].get();
}

void MarketIndex::add(const model::Event& event) {
  if (const auto* tick = std::get_if<model::Tick>(&event)) {
    if (Entry* entry = findOrAdd(tick->header.tenant, tick->instrument)) {
      entry->ticks.push(*tick);
    } else {
      overflow_.fetch_add(1, std::memory_order_relaxed);
    }
  } else if (const auto* bar = std::get_if<model::Bar>(&event)) {
    Entry* entry = findOrAdd(bar->header.tenant, bar->instrument);
    if (entry == nullptr) {
      overflow_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    for (std::size_t i = 0; i < config_.timeframes.size(); ++i) {
      if (config_.timeframes[i] == bar->timeframe) entry->bars[i]->push(*bar);
    }
  }
}

std::vector<const MarketIndex::Entry*> MarketIndex::visible(model::TenantId viewer,
                                                            std::string_view symbol) const {
  std::vector<const Entry*> out;
  if (const Entry* shared = find(kPublicTenant, symbol)) out.push_back(shared);
  if (viewer != kPublicTenant) {
    if (const Entry* own = find(viewer, symbol)) out.push_back(own);
  }
  return out;
}

std::vector<model::Tick> MarketIndex::ticksOf(const Entry& entry, TimestampNs from, TimestampNs to,
                                              std::size_t limit) const {
  std::vector<model::Tick> out;
  const auto& ring = entry.ticks;
  const auto head = ring.head();
  auto lo = ring.tail();
  auto hi = head;
  // Ticks arrive in time order (out-of-order ones are rare and flagged): binary search the start.
  model::Tick tick;
  while (lo < hi) {
    const auto mid = lo + (hi - lo) / 2;
    if (!ring.read(mid, tick) || tick.header.tsEvent < from) {
      lo = mid + 1;  // an overwritten slot is older than anything still held
    } else {
      hi = mid;
    }
  }
  for (auto i = lo; i < head && out.size() < limit; ++i) {
    if (!ring.read(i, tick)) continue;
    if (tick.header.tsEvent >= to) break;
    if (tick.header.tsEvent >= from) out.push_back(tick);
  }
  return out;
}

std::vector<model::Tick> MarketIndex::ticks(model::TenantId viewer, std::string_view symbol,
                                            TimestampNs from, TimestampNs to,
                                            std::size_t limit) const {
  std::vector<model::Tick> out;
  if (limit == 0) return out;
  for (const Entry* entry : visible(viewer, symbol)) {
    auto part = ticksOf(*entry, from, to, limit);
    if (out.empty()) {
      out = std::move(part);
      continue;
    }
    // Two series (public and own): merge by time, public first on a tie, keep the oldest `limit`.
    std::vector<model::Tick> merged;
    merged.reserve(std::min(limit, out.size() + part.size()));
    std::merge(out.begin(), out.end(), part.begin(), part.end(), std::back_inserter(merged),
               [](const model::Tick& a, const model::Tick& b) {
                 return a.header.tsEvent < b.header.tsEvent;
               });
    if (merged.size() > limit) merged.resize(limit);
    out = std::move(merged);
  }
  return out;
}

std::vector<model::Bar> MarketIndex::barsOf(const Entry& entry, std::size_t series,
                                            TimestampNs from, TimestampNs to,
                                            std::size_t limit) const {
  std::vector<model::Bar> out;
  const auto& ring = *entry.bars[series];
  model::Bar bar;
  for (auto i = ring.tail(); i < ring.head(); ++i) {
    if (!ring.read(i, bar) || bar.start < from || bar.start >= to) continue;
    // An amendment follows its bar: it replaces the revision before it.
    if (!out.empty() && out.back().start == bar.start) {
      if (bar.revision >= out.back().revision) out.back() = bar;
      continue;
    }
    if (out.size() == limit) break;
    out.push_back(bar);
  }
  return out;
}

Expected<std::vector<model::Bar>> MarketIndex::bars(model::TenantId viewer, std::string_view symbol,
                                                    model::Timeframe timeframe, TimestampNs from,
                                                    TimestampNs to, std::size_t limit) const {
  auto it = std::find(config_.timeframes.begin(), config_.timeframes.end(), timeframe);
  if (it == config_.timeframes.end()) {
    return fail(errors::kBadArgument,
                fmt::format("timeframe {} is not built (data.bars.timeframes)", timeframe.toString()));
  }
  const auto series = static_cast<std::size_t>(it - config_.timeframes.begin());
  std::vector<model::Bar> out;
  for (const Entry* entry : visible(viewer, symbol)) {
    auto part = barsOf(*entry, series, from, to, limit);
    std::vector<model::Bar> merged;
    std::merge(out.begin(), out.end(), part.begin(), part.end(), std::back_inserter(merged),
               [](const model::Bar& a, const model::Bar& b) { return a.start < b.start; });
    if (merged.size() > limit) merged.resize(limit);
    out = std::move(merged);
  }
  return out;
}

std::vector<std::string> MarketIndex::symbols(model::TenantId viewer) const {
  std::vector<std::string> out;
  const auto n = count_.load(std::memory_order_acquire);
  for (std::size_t i = 0; i < n; ++i) {
    if (!visibleTo(viewer, entries_[i]->owner)) continue;
    std::string symbol(entries_[i]->id.symbol.view());
    if (std::find(out.begin(), out.end(), symbol) == out.end()) out.push_back(std::move(symbol));
  }
  return out;
}

}  // namespace ait::data
