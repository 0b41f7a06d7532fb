#include "ait/trading/strategy_runner.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <utility>

#include <fmt/format.h>

#include "ait/data/visibility.h"
#include "ait/model/codec.h"
#include "ait/portfolio/fixed.h"
#include "ait/trading/errors.h"

namespace ait::trading {

namespace {

constexpr std::string_view kService = "trading-engine";
constexpr std::string_view kDetailPrefix = "strategy ";
constexpr std::string_view kRunning = " running";
constexpr std::string_view kStopped = " stopped";
// Strategy orders are named "st-<strategy id>-<n>", n = 1, 2, ...: a restart continues the count
// from the journal, so that no id repeats (a repeated id would be taken as the same order).
constexpr std::string_view kOrderPrefix = "st-";

Target fromSignal(model::DecisionSignal signal, bool allowShort) noexcept {
  switch (signal) {
    case model::DecisionSignal::StrongBuy:
    case model::DecisionSignal::Buy: return Target::Long;
    case model::DecisionSignal::Sell:
    case model::DecisionSignal::StrongSell: return allowShort ? Target::Short : Target::Flat;
    case model::DecisionSignal::Hold: break;
  }
  return Target::Hold;
}

/// Returns n of an order id "st-<id>-<n>" of strategy `id`, or 0.
std::uint64_t orderNumber(std::string_view orderId, std::string_view id) noexcept {
  if (!orderId.starts_with(kOrderPrefix)) return 0;
  orderId.remove_prefix(kOrderPrefix.size());
  if (!orderId.starts_with(id) || orderId.size() < id.size() + 2 || orderId[id.size()] != '-') return 0;
  orderId.remove_prefix(id.size() + 1);
  std::uint64_t n = 0;
  auto [end, ec] = std::from_chars(orderId.data(), orderId.data() + orderId.size(), n);
  return ec == std::errc{} && end == orderId.data() + orderId.size() ? n : 0;
}

template <class T>
void put(std::vector<std::byte>& out, const T& value) {
  const auto* p = reinterpret_cast<const std::byte*>(&value);
  out.insert(out.end(), p, p + sizeof(T));
}

template <class T>
bool get(std::span<const std::byte>& in, T& value) {
  if (in.size() < sizeof(T)) return false;
  std::memcpy(&value, in.data(), sizeof(T));
  in = in.subspan(sizeof(T));
  return true;
}

}  // namespace

std::string_view toString(LiveKind kind) noexcept {
  switch (kind) {
    case LiveKind::SmaCross: return "sma_cross";
    case LiveKind::Rsi: return "rsi";
    case LiveKind::Breakout: return "breakout";
    case LiveKind::AiSignal: return "ai_signal";
  }
  return "";
}

Expected<std::vector<LiveStrategyConfig>> liveStrategiesFrom(
    const std::vector<LiveStrategySpec>& specs,
    const std::vector<portfolio::TradableInstrument>& instruments) {
  std::vector<std::string> problems;
  std::vector<LiveStrategyConfig> out;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const auto& spec = specs[i];
    const std::string where = fmt::format("trading.strategies[{}] ('{}')", i, spec.id);
    LiveStrategyConfig c;
    if (auto id = model::StrategyId::from(spec.id); !id || spec.id.empty()) {
      problems.push_back(fmt::format("{}: id must be 1 to {} printable characters", where,
                                     model::StrategyId::kCapacity));
    } else {
      c.id = *id;
    }
    if (spec.kind == "sma_cross") {
      c.kind = LiveKind::SmaCross;
    } else if (spec.kind == "rsi") {
      c.kind = LiveKind::Rsi;
    } else if (spec.kind == "breakout") {
      c.kind = LiveKind::Breakout;
    } else if (spec.kind == "ai_signal") {
      c.kind = LiveKind::AiSignal;
    } else {
      problems.push_back(fmt::format("{}: kind '{}': use sma_cross, rsi, breakout or ai_signal", where, spec.kind));
    }
    if (spec.tenant < 1 || spec.tenant > UINT32_MAX) {
      problems.push_back(fmt::format("{}: tenant {} is not a tenant id (a positive integer)", where, spec.tenant));
    } else {
      c.tenant = model::TenantId{static_cast<std::uint32_t>(spec.tenant)};
    }
    if (auto account = model::AccountId::from(spec.account); !account || spec.account.empty()) {
      problems.push_back(fmt::format("{}: account '{}' is not an account id", where, spec.account));
    } else {
      c.account = *account;
    }
    const portfolio::TradableInstrument* instrument = nullptr;
    for (const auto& candidate : instruments) {
      if (candidate.spec.id.symbol.view() == spec.symbol) instrument = &candidate;
    }
    if (instrument == nullptr) {
      problems.push_back(fmt::format("{}: symbol '{}' is not among data.instruments", where, spec.symbol));
    } else {
      c.instrument = instrument->spec.id;
      auto quantity = model::Quantity::fromDouble(spec.quantity, instrument->spec.quantityScale);
      if (!quantity || !(spec.quantity > 0.0) ||
          std::abs(quantity->toDouble() - spec.quantity) > 1e-9 * std::max(1.0, spec.quantity)) {
        problems.push_back(fmt::format("{}: quantity {} is not a positive quantity at {} decimals",
                                       where, spec.quantity, instrument->spec.quantityScale));
      } else {
        c.quantity = *quantity;
      }
    }
    if (spec.sizing == "lots") {
      c.sizing = Sizing::Lots;
    } else if (spec.sizing == "units") {
      c.sizing = Sizing::Units;
    } else if (spec.sizing == "percent_equity") {
      c.sizing = Sizing::PercentEquity;
    } else if (spec.sizing == "risk_percent") {
      c.sizing = Sizing::RiskPercent;
    } else {
      problems.push_back(fmt::format("{}: sizing '{}': use lots, units, percent_equity or risk_percent",
                                     where, spec.sizing));
    }
    c.sizingValue = spec.sizing_value;
    c.stopLossPct = spec.stop_loss_pct;
    if (spec.sizing != "lots" && !(spec.sizing_value > 0.0)) {
      problems.push_back(fmt::format("{}: sizing_value must be greater than 0 with sizing = '{}'",
                                     where, spec.sizing));
    }
    if (spec.sizing == "risk_percent" && !(spec.stop_loss_pct > 0.0 && spec.stop_loss_pct < 100.0)) {
      problems.push_back(fmt::format("{}: stop_loss_pct ({}) must be above 0 and below 100 with "
                                     "sizing = 'risk_percent'", where, spec.stop_loss_pct));
    }
    if (c.kind != LiveKind::AiSignal) {
      if (auto tf = model::Timeframe::parse(spec.timeframe); !tf || tf->seconds == 0) {
        problems.push_back(fmt::format("{}: timeframe '{}': use <n>s, <n>m, <n>h or <n>d", where, spec.timeframe));
      } else {
        c.timeframe = *tf;
      }
    }
    auto inRange = [&](std::string_view key, std::int64_t value, std::int64_t lo, std::int64_t hi) {
      if (value < lo || value > hi) problems.push_back(fmt::format("{}: {} = {} is outside {}..{}", where, key, value, lo, hi));
      return static_cast<int>(std::clamp(value, lo, hi));
    };
    c.rule.fast = inRange("fast", spec.fast, 1, 10'000);
    c.rule.slow = inRange("slow", spec.slow, 2, 10'000);
    c.rule.rsiPeriod = inRange("rsi_period", spec.rsi_period, 2, 10'000);
    c.rule.breakoutPeriod = inRange("breakout_period", spec.breakout_period, 1, 10'000);
    if (!(spec.rsi_buy_below >= 0 && spec.rsi_buy_below < spec.rsi_sell_above && spec.rsi_sell_above <= 100)) {
      problems.push_back(fmt::format("{}: rsi_buy_below ({}) must be below rsi_sell_above ({}), both in 0..100",
                                     where, spec.rsi_buy_below, spec.rsi_sell_above));
    }
    c.rule.rsiBuyBelow = spec.rsi_buy_below;
    c.rule.rsiSellAbove = spec.rsi_sell_above;
    c.rule.allowShort = spec.allow_short;
    c.allowShort = spec.allow_short;
    c.minConfidence = spec.min_confidence;
    c.start = spec.start;
    out.push_back(c);
  }
  if (!problems.empty()) {
    std::string all;
    for (const auto& p : problems) all += (all.empty() ? "" : "; ") + p;
    return fail(errors::kConfig, all);
  }
  return out;
}

Expected<StrategyRunner> StrategyRunner::create(std::vector<LiveStrategyConfig> configs,
                                                EngineDirectory& engines) {
  std::vector<std::string> problems;
  std::vector<Slot> slots;
  slots.reserve(configs.size());
  for (auto& c : configs) {
    const std::string name = c.id.empty() ? std::string("(no id)") : c.id.toString();
    if (c.id.empty()) problems.emplace_back("a strategy has no id");
    for (const auto& other : slots) {
      if (other.config.id == c.id && other.config.tenant == c.tenant) {
        problems.push_back(fmt::format("strategy '{}': the id repeats for tenant {}", name, c.tenant.value));
      }
    }
    switch (c.kind) {
      case LiveKind::SmaCross: c.rule.kind = StrategyKind::SmaCross; break;
      case LiveKind::Rsi: c.rule.kind = StrategyKind::Rsi; break;
      case LiveKind::Breakout: c.rule.kind = StrategyKind::Breakout; break;
      case LiveKind::AiSignal: break;
    }
    if (c.kind == LiveKind::SmaCross && !(c.rule.fast >= 1 && c.rule.fast < c.rule.slow)) {
      problems.push_back(fmt::format("strategy '{}': fast ({}) must be at least 1 and below slow ({})",
                                     name, c.rule.fast, c.rule.slow));
    }
    if (c.kind == LiveKind::Rsi && c.rule.rsiPeriod < 2) {
      problems.push_back(fmt::format("strategy '{}': rsi_period must be at least 2", name));
    }
    if (c.kind == LiveKind::Breakout && c.rule.breakoutPeriod < 1) {
      problems.push_back(fmt::format("strategy '{}': breakout_period must be at least 1", name));
    }
    if (c.kind != LiveKind::AiSignal && c.timeframe.seconds == 0) {
      problems.push_back(fmt::format("strategy '{}': a rule strategy needs a timeframe", name));
    }
    if (!(c.minConfidence >= 0.0 && c.minConfidence <= 1.0)) {
      problems.push_back(fmt::format("strategy '{}': min_confidence {} is outside 0..1", name, c.minConfidence));
    }
    if (c.sizing != Sizing::Lots && !(c.sizingValue > 0.0)) {
      problems.push_back(fmt::format("strategy '{}': sizing_value must be greater than 0", name));
    }
    if (c.sizing == Sizing::RiskPercent && !(c.stopLossPct > 0.0 && c.stopLossPct < 100.0)) {
      problems.push_back(fmt::format("strategy '{}': stop_loss_pct must be above 0 and below 100 "
                                     "with risk_percent sizing", name));
    }
    Slot slot{c, {}, RuleStrategy(c.rule), nullptr, -1, -1, 0, 0, INT64_MIN};
    slot.state.running = c.start;
    slot.engine = engines.engineFor(c.tenant);
    if (slot.engine == nullptr) {
      problems.push_back(fmt::format("strategy '{}': tenant {} has no trading account", name, c.tenant.value));
    } else {
      slot.account = slot.engine->portfolio().findAccount(c.tenant, c.account);
      slot.instrument = slot.engine->catalog().find(c.instrument);
      if (slot.account < 0) {
        problems.push_back(fmt::format("strategy '{}': tenant {} has no account '{}'", name,
                                       c.tenant.value, c.account.view()));
      }
      if (slot.instrument < 0) {
        problems.push_back(fmt::format("strategy '{}': the instrument {} is not traded", name,
                                       c.instrument.symbol.view()));
      } else {
        const auto& spec = slot.engine->catalog().at(static_cast<std::uint32_t>(slot.instrument)).spec;
        std::int64_t step = 0;
        bool fits = portfolio::mantissaAt(c.quantity.decimal(), spec.quantityScale, slot.lots) &&
                    portfolio::mantissaAt(spec.lotStep.decimal(), spec.quantityScale, step);
        if (c.sizing == Sizing::Lots && (!fits || slot.lots <= 0 || (step > 0 && slot.lots % step != 0))) {
          problems.push_back(fmt::format("strategy '{}': quantity {} is not a positive multiple of the lot step {}",
                                         name, c.quantity.toDouble(), spec.lotStep.toDouble()));
        }
      }
    }
    slots.push_back(std::move(slot));
  }
  if (!problems.empty()) {
    std::string all;
    for (const auto& p : problems) all += (all.empty() ? "" : "; ") + p;
    return fail(errors::kConfig, "trading.strategies: " + all);
  }
  return StrategyRunner(std::move(slots));
}

void StrategyRunner::rebind(EngineDirectory& engines) noexcept {
  for (auto& slot : slots_) {
    slot.engine = engines.engineFor(slot.config.tenant);
    slot.state.lastOrder = -1;
  }
}

bool StrategyRunner::reads(const Slot& slot, const model::Bar& bar) noexcept {
  const auto& c = slot.config;
  return c.kind != LiveKind::AiSignal && c.timeframe == bar.timeframe && c.instrument == bar.instrument &&
         data::visibleTo(c.tenant, bar) && bar.start > slot.lastBar;
}

void StrategyRunner::onBar(const model::Bar& bar) noexcept {
  if (bar.revision != 0) return;  // an amendment of a bar already acted on
  for (auto& slot : slots_) {
    if (!reads(slot, bar)) continue;
    slot.lastBar = bar.start;
    // Read even when stopped: the indicators are warm when the strategy starts.
    Target target = slot.rule.onClose(bar.close.toDouble());
    std::int64_t close = 0;
    if (slot.engine != nullptr && slot.instrument >= 0) {
      const auto scale = slot.engine->catalog().at(static_cast<std::uint32_t>(slot.instrument)).spec.priceScale;
      if (!portfolio::mantissaAt(bar.close.decimal(), scale, close)) close = 0;
    }
    act(slot, target, bar.header.tsEvent, close, -1.0);
  }
}

std::size_t StrategyRunner::warmUp(std::span<const model::Bar> bars) noexcept {
  std::size_t read = 0;
  for (const auto& bar : bars) {
    if (bar.revision != 0) continue;  // as live: the first version of a bar is the one read
    bool any = false;
    for (auto& slot : slots_) {
      if (!reads(slot, bar)) continue;
      slot.lastBar = bar.start;
      // History decides nothing: the signal it gives is the past's, acted on (or not) back then.
      (void)slot.rule.onClose(bar.close.toDouble());
      any = true;
    }
    if (any) ++read;
  }
  return read;
}

void StrategyRunner::onDecision(const model::Decision& decision) noexcept {
  for (auto& slot : slots_) {
    const auto& c = slot.config;
    if (c.kind != LiveKind::AiSignal || !(c.instrument == decision.instrument) ||
        !data::visibleTo(c.tenant, decision.header.tenant)) {
      continue;
    }
    slot.state.lastConfidence = decision.confidence;
    if (decision.confidence < c.minConfidence) continue;
    act(slot, fromSignal(decision.signal, c.allowShort), decision.header.tsEvent, 0, decision.confidence);
  }
}

Expected<std::size_t> StrategyRunner::warmUpFrom(const journal::Journal& marketData, TimestampNs from) {
  journal::ReadOptions options;
  options.types = {std::to_underlying(model::EventType::Bar)};
  if (from > 0) options.fromTime = from;
  auto reader = marketData.reader(options);
  if (!reader) return Unexpected(reader.error());
  std::size_t read = 0;
  while (true) {
    auto record = reader->next();
    if (!record) return Unexpected(record.error());
    if (!record->has_value()) break;
    auto event = model::decode((*record)->payload);
    if (!event) continue;  // a record this build cannot read is no bar to learn from
    if (const auto* bar = std::get_if<model::Bar>(&*event)) {
      read += warmUp(std::span(bar, 1));
    }
  }
  return read;
}

TimestampNs StrategyRunner::lookBack() const noexcept {
  TimestampNs longest = 0;
  for (const Slot& slot : slots_) {
    if (slot.config.kind == LiveKind::AiSignal) continue;
    const auto& rule = slot.config.rule;
    const int bars = std::max({rule.fast, rule.slow, rule.rsiPeriod + 1, rule.breakoutPeriod + 1}) + 1;
    longest = std::max(longest, static_cast<TimestampNs>(bars) *
                                    static_cast<TimestampNs>(slot.config.timeframe.seconds) * 1'000'000'000);
  }
  return longest;
}

std::int64_t StrategyRunner::positionSize(const Slot& slot, std::int64_t price) const noexcept {
  const TradingEngine& engine = *slot.engine;
  const auto account = static_cast<std::uint32_t>(slot.account);
  const auto instrument = static_cast<std::uint32_t>(slot.instrument);
  const auto& spec = engine.catalog().at(instrument).spec;
  if (price <= 0) price = engine.catalog().quote(instrument).valid ? engine.catalog().quote(instrument).mid() : 0;
  if (price <= 0) return 0;
  // The equity in the price's currency: back through the account's FX link for the instrument.
  double equity = portfolio::money(engine.portfolio().equity(account)).toDouble();
  const portfolio::FxLink link = engine.portfolio().fxLink(account, instrument);
  if (link.kind != portfolio::FxLink::Kind::Same) {
    auto rate = engine.portfolio().fxRate(link, price);
    if (!rate || !rate->isPositive()) return 0;
    equity = link.kind == portfolio::FxLink::Kind::Multiply ? equity / rate->toDouble() : equity * rate->toDouble();
  }
  const double units = sizeUnits(slot.config.sizing, slot.config.sizingValue, equity,
                                 model::Price::fromRaw(price, spec.priceScale).toDouble(),
                                 slot.config.stopLossPct, spec.contractSize.toDouble());
  return quantityFor(units, spec);
}

void StrategyRunner::act(Slot& slot, Target target, TimestampNs ts, std::int64_t price,
                         double confidence) noexcept {
  auto& s = slot.state;
  if (target == Target::Hold) return;  // keep what there is
  ++s.signals;
  s.lastSignal = target;
  s.lastSignalAt = ts;
  s.target = target;
  if (!s.running || slot.engine == nullptr || slot.account < 0 || slot.instrument < 0) return;
  TradingEngine& engine = *slot.engine;
  // One order at a time: the next signal sizes against the position that order left.
  if (s.lastOrder >= 0 && static_cast<std::size_t>(s.lastOrder) < engine.orders().size() &&
      !oms::isTerminal(engine.orders().at(static_cast<std::uint32_t>(s.lastOrder)).status)) {
    return;
  }
  const std::int64_t have = engine.portfolio().netQuantity(static_cast<std::uint32_t>(slot.account),
                                                           static_cast<std::uint32_t>(slot.instrument));
  std::int64_t size = slot.lots;
  if (slot.config.sizing != Sizing::Lots && target != Target::Flat) {
    // A position already on the wanted side keeps its size: resizing it to the equity on every
    // signal would trade back and forth for nothing.
    if ((target == Target::Long && have > 0) || (target == Target::Short && have < 0)) return;
    size = positionSize(slot, price);
    if (size <= 0) {
      ++s.ordersSkipped;  // below the minimum or not valued: nothing is sent
      return;
    }
    slot.sized = size;
  }
  const std::int64_t want = target == Target::Long ? size : target == Target::Short ? -size : 0;
  const std::int64_t delta = want - have;
  if (delta == 0) return;
  const auto& spec = engine.catalog().at(static_cast<std::uint32_t>(slot.instrument)).spec;

  model::SubmitOrder order{};
  order.header.tenant = slot.config.tenant;
  order.header.tsEvent = ts;
  order.header.tsRecv = ts;
  char id[model::ClientOrderId::kCapacity];
  auto written = fmt::format_to_n(id, sizeof(id), "{}{}-{}", kOrderPrefix, slot.config.id.view(),
                                  s.ordersSent + 1);
  order.clientOrderId = model::ClientOrderId::truncated(
      std::string_view(id, std::min(written.size, sizeof(id))));
  order.account = slot.config.account;
  order.instrument = slot.config.instrument;
  order.side = delta > 0 ? model::Side::Buy : model::Side::Sell;
  order.type = model::OrderType::Market;
  order.quantity = model::Quantity::fromRaw(delta > 0 ? delta : -delta, spec.quantityScale);
  order.strategyId = slot.config.id;
  if (confidence >= 0.0) order.confidence = confidence;
  // The engine journals the unrecorded command before it decides, as for a REST order.
  SubmitResult result = engine.submit(order);
  ++s.ordersSent;
  s.lastOrder = result.order;
  if (result.denied != risk::DenyReason::None) ++s.ordersDenied;
}

std::int32_t StrategyRunner::find(model::TenantId tenant, std::string_view id) const noexcept {
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    if (slots_[i].config.tenant == tenant && slots_[i].config.id.view() == id) {
      return static_cast<std::int32_t>(i);
    }
  }
  return -1;
}

std::string StrategyRunner::stateDetail(std::string_view id, bool running) {
  return fmt::format("{}{}{}", kDetailPrefix, id, running ? kRunning : kStopped);
}

bool StrategyRunner::setRunning(std::uint32_t index, bool running, EventRecorder& recorder) noexcept {
  Slot& slot = slots_[index];
  model::Event event{std::in_place_type<model::ServiceStatus>};
  auto& status = std::get<model::ServiceStatus>(event);
  status.header.tenant = slot.config.tenant;
  status.header.tsEvent = status.header.tsRecv = slot.engine != nullptr ? slot.engine->now() : 0;
  status.service = model::ServiceName::truncated(kService);
  status.state = model::ServiceState::Up;
  char detail[model::kTextCapacity];
  auto written = fmt::format_to_n(detail, sizeof(detail), "{}{}{}", kDetailPrefix, slot.config.id.view(),
                                  running ? kRunning : kStopped);
  status.detail = model::Text::truncated(std::string_view(detail, std::min(written.size, sizeof(detail))));
  if (!recorder.record(event)) return false;
  slot.state.running = running;
  return true;
}

void StrategyRunner::replay(const model::Event& event) noexcept {
  if (const auto* status = std::get_if<model::ServiceStatus>(&event)) {
    std::string_view detail = status->detail.view();
    if (status->service.view() != kService || !detail.starts_with(kDetailPrefix)) return;
    detail.remove_prefix(kDetailPrefix.size());
    bool running = detail.ends_with(kRunning);
    if (!running && !detail.ends_with(kStopped)) return;
    detail.remove_suffix(kRunning.size());  // both suffixes have the same length
    std::int32_t index = find(status->header.tenant, detail);
    if (index >= 0) slots_[static_cast<std::size_t>(index)].state.running = running;
  } else if (const auto* submit = std::get_if<model::SubmitOrder>(&event)) {
    if (submit->strategyId.empty()) return;
    std::int32_t index = find(submit->header.tenant, submit->strategyId.view());
    if (index < 0) return;
    auto& state = slots_[static_cast<std::size_t>(index)].state;
    std::uint64_t n = orderNumber(submit->clientOrderId.view(), submit->strategyId.view());
    if (n > state.ordersSent) state.ordersSent = n;
  }
}

std::vector<std::byte> StrategyRunner::snapshot() const {
  std::vector<std::byte> out;
  put(out, static_cast<std::uint32_t>(slots_.size()));
  for (const auto& slot : slots_) {
    put(out, slot.config.tenant.value);
    put(out, slot.config.id.text());
    put(out, static_cast<std::uint8_t>(slot.state.running ? 1 : 0));
    put(out, slot.state.ordersSent);
  }
  return out;
}

bool StrategyRunner::restore(std::span<const std::byte> bytes) {
  std::uint32_t count = 0;
  if (!get(bytes, count)) return false;
  for (std::uint32_t i = 0; i < count; ++i) {
    std::uint32_t tenant = 0;
    model::StrategyId::Text id;
    std::uint8_t running = 0;
    std::uint64_t sent = 0;
    if (!get(bytes, tenant) || !get(bytes, id) || !get(bytes, running) || !get(bytes, sent)) return false;
    std::int32_t index = find(model::TenantId{tenant}, id.view());
    if (index < 0) continue;  // no longer configured
    auto& state = slots_[static_cast<std::size_t>(index)].state;
    state.running = running != 0;
    state.ordersSent = sent;
  }
  return bytes.empty();
}

double StrategyRunner::targetLots(std::uint32_t index) const noexcept {
  const Slot& slot = slots_[index];
  double lots = slot.config.quantity.toDouble();
  if (slot.config.sizing != Sizing::Lots) {
    lots = slot.engine != nullptr && slot.instrument >= 0
               ? model::Quantity::fromRaw(slot.sized, slot.engine->catalog()
                                                          .at(static_cast<std::uint32_t>(slot.instrument))
                                                          .spec.quantityScale)
                     .toDouble()
               : 0.0;
  }
  switch (slot.state.target) {
    case Target::Long: return lots;
    case Target::Short: return -lots;
    case Target::Flat:
    case Target::Hold: break;
  }
  return 0.0;
}

}  // namespace ait::trading
