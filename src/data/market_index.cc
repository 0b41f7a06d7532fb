#include "ait/data/market_index.h"

#include <algorithm>
#include <string>

#include <fmt/format.h>

#include "ait/data/errors.h"

namespace ait::data {

MarketIndex::Entry::Entry(model::InstrumentId instrument, const MarketIndexConfig& config)
    : id(instrument), ticks(config.ticksPerSymbol) {
  for (std::size_t i = 0; i < config.timeframes.size(); ++i) {
    bars.push_back(std::make_unique<SeqRing<model::Bar>>(config.barsPerSeries));
  }
}

MarketIndex::MarketIndex(MarketIndexConfig config, const std::vector<model::InstrumentId>& symbols)
    : config_(std::move(config)),
      entries_(std::make_unique<std::unique_ptr<Entry>[]>(config_.maxSymbols)) {
  for (const auto& id : symbols) findOrAdd(id);
}

MarketIndex::Entry* MarketIndex::find(std::string_view symbol) const noexcept {
  const auto n = count_.load(std::memory_order_acquire);
  for (std::size_t i = 0; i < n; ++i) {
    if (entries_[i]->id.symbol.view() == symbol) return entries_[i].get();
  }
  return nullptr;
}

MarketIndex::Entry* MarketIndex::findOrAdd(const model::InstrumentId& id) {
  if (Entry* entry = find(id.symbol.view())) return entry;
  const auto n = count_.load(std::memory_order_relaxed);
  if (n >= config_.maxSymbols) return nullptr;
  entries_[n] = std::make_unique<Entry>(id, config_);
  count_.store(n + 1, std::memory_order_release);
  return entries_[n].get();
}

void MarketIndex::add(const model::Event& event) {
  if (const auto* tick = std::get_if<model::Tick>(&event)) {
    if (Entry* entry = findOrAdd(tick->instrument)) {
      entry->ticks.push(*tick);
    } else {
      overflow_.fetch_add(1, std::memory_order_relaxed);
    }
  } else if (const auto* bar = std::get_if<model::Bar>(&event)) {
    Entry* entry = findOrAdd(bar->instrument);
    if (entry == nullptr) {
      overflow_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    for (std::size_t i = 0; i < config_.timeframes.size(); ++i) {
      if (config_.timeframes[i] == bar->timeframe) entry->bars[i]->push(*bar);
    }
  }
}

std::vector<model::Tick> MarketIndex::ticks(std::string_view symbol, TimestampNs from,
                                            TimestampNs to, std::size_t limit) const {
  std::vector<model::Tick> out;
  const Entry* entry = find(symbol);
  if (entry == nullptr || limit == 0) return out;
  const auto& ring = entry->ticks;
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

Expected<std::vector<model::Bar>> MarketIndex::bars(std::string_view symbol,
                                                    model::Timeframe timeframe, TimestampNs from,
                                                    TimestampNs to, std::size_t limit) const {
  auto it = std::find(config_.timeframes.begin(), config_.timeframes.end(), timeframe);
  if (it == config_.timeframes.end()) {
    return fail(errors::kBadArgument,
                fmt::format("timeframe {} is not built (data.bars.timeframes)", timeframe.toString()));
  }
  std::vector<model::Bar> out;
  const Entry* entry = find(symbol);
  if (entry == nullptr) return out;
  const auto& ring = *entry->bars[static_cast<std::size_t>(it - config_.timeframes.begin())];
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

std::vector<std::string> MarketIndex::symbols() const {
  std::vector<std::string> out;
  const auto n = count_.load(std::memory_order_acquire);
  for (std::size_t i = 0; i < n; ++i) out.emplace_back(entries_[i]->id.symbol.view());
  return out;
}

}  // namespace ait::data
