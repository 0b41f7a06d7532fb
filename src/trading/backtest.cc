#include "ait/trading/backtest.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "ait/model/time.h"
#include "ait/portfolio/fixed.h"
#include "ait/trading/engine.h"
#include "ait/trading/errors.h"
#include "ait/venue/sim_venue.h"

namespace ait::trading {

namespace {

constexpr double kNsPerDay = 86'400e9;

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string_view> splitCsv(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  for (;;) {
    std::size_t comma = line.find(',', start);
    fields.push_back(line.substr(start, comma == std::string_view::npos ? line.npos : comma - start));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return fields;
}

std::string symbolOf(const std::string& path) {
  std::string name = path.substr(path.find_last_of('/') + 1);
  name = name.substr(0, name.find('.'));
  std::string out;
  for (char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c)) != 0 && out.size() < 16) {
      out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    }
  }
  return out.empty() ? "DATA" : out;
}

/// Keeps the trades the engine's position events describe.
class TradeRecorder final : public EventRecorder {
 public:
  explicit TradeRecorder(std::vector<Trade>& trades) : trades_(trades) {}
  bool record(model::Event& event) noexcept override {
    if (std::holds_alternative<model::OrderDenied>(event)) ++denied_;
    if (auto trade = builder_.onEvent(event)) trades_.push_back(*trade);
    return true;
  }
  std::uint64_t denied() const noexcept { return denied_; }

 private:
  std::vector<Trade>& trades_;
  TradeBuilder builder_;
  std::uint64_t denied_ = 0;
};

}  // namespace

Expected<BarSeries> loadBars(const std::string& path, TimestampNs from, TimestampNs to) {
  std::ifstream in(path);
  if (!in) return fail(errors::kConfig, fmt::format("{}: cannot open the file", path));
  std::string line;
  if (!std::getline(in, line)) return fail(errors::kConfig, fmt::format("{}: the file is empty", path));
  if (!line.empty() && line.back() == '\r') line.pop_back();
  std::vector<std::string> header;
  for (auto name : splitCsv(line)) header.emplace_back(name);
  int timeCol = -1, openCol = -1, highCol = -1, lowCol = -1, closeCol = -1, volumeCol = -1;
  for (std::size_t i = 0; i < header.size(); ++i) {
    std::string name = lower(header[i]);
    int col = static_cast<int>(i);
    if (name == "open") openCol = col;
    else if (name == "high") highCol = col;
    else if (name == "low") lowCol = col;
    else if (name == "close") closeCol = col;
    else if (name == "volume") volumeCol = col;
    else if (name == "date" || name == "datetime" || name == "time" || name == "timestamp" ||
             (i == 0 && name.empty())) {
      timeCol = col;
    }
  }
  if (timeCol < 0 || openCol < 0 || highCol < 0 || lowCol < 0 || closeCol < 0) {
    return fail(errors::kConfig,
                fmt::format("{}:1: the header must name a date column and open, high, low, close "
                            "(got '{}')", path, line));
  }
  struct Row {
    TimestampNs ts;
    model::Price o, h, l, c;
    model::Quantity v;
  };
  std::vector<Row> rows;
  std::uint8_t scale = 0;
  std::size_t lineNo = 1;
  while (std::getline(in, line)) {
    ++lineNo;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    auto fields = splitCsv(line);
    auto field = [&](int col) -> std::string_view {
      return col >= 0 && static_cast<std::size_t>(col) < fields.size() ? fields[static_cast<std::size_t>(col)] : std::string_view{};
    };
    auto ts = model::parseIso8601(field(timeCol));
    if (!ts) return fail(errors::kConfig, fmt::format("{}:{}: date: {}", path, lineNo, ts.error().message()));
    Row row{*ts, {}, {}, {}, {}, {}};
    const std::pair<int, model::Price*> prices[] = {{openCol, &row.o}, {highCol, &row.h}, {lowCol, &row.l}, {closeCol, &row.c}};
    for (auto [col, out] : prices) {
      auto p = model::Price::parse(field(col));
      if (!p || !p->isPositive()) {
        return fail(errors::kConfig, fmt::format("{}:{}: column {} '{}' is not a positive price",
                                                 path, lineNo, header[static_cast<std::size_t>(col)], field(col)));
      }
      *out = *p;
      scale = std::max(scale, p->scale());
    }
    if (volumeCol >= 0 && !field(volumeCol).empty()) {
      auto v = model::Quantity::parse(field(volumeCol));
      if (v) row.v = *v;
    }
    if (row.h < row.l || row.o > row.h || row.o < row.l || row.c > row.h || row.c < row.l) {
      return fail(errors::kConfig, fmt::format("{}:{}: open and close must lie within low..high", path, lineNo));
    }
    if (!rows.empty() && row.ts <= rows.back().ts) {
      return fail(errors::kConfig, fmt::format("{}:{}: bars must be in strictly increasing time", path, lineNo));
    }
    if (row.ts >= from && row.ts < to) rows.push_back(row);
  }
  if (rows.size() < 2) return fail(errors::kConfig, fmt::format("{}: fewer than two bars in range", path));
  BarSeries series;
  series.instrument = {*model::Symbol::from(symbolOf(path)), model::Venue("SIM")};
  series.priceScale = scale;
  // A bar lasts until the next one starts; the last one as long as the one before it.
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    TimestampNs next = i + 1 < rows.size() ? rows[i + 1].ts : r.ts + (r.ts - rows[i - 1].ts);
    model::Bar bar{};
    bar.header.tsEvent = next - 1;
    bar.header.tsRecv = next - 1;
    bar.instrument = series.instrument;
    bar.start = r.ts;
    bar.timeframe = model::Timeframe{static_cast<std::uint32_t>(std::min<TimestampNs>((next - r.ts) / 1'000'000'000, UINT32_MAX))};
    bar.open = *r.o.rescaled(scale);
    bar.high = *r.h.rescaled(scale);
    bar.low = *r.l.rescaled(scale);
    bar.close = *r.c.rescaled(scale);
    bar.volume = r.v;
    series.bars.push_back(bar);
  }
  return series;
}

Expected<BacktestResult> runBacktest(const BarSeries& series, const StrategyConfig& strategy,
                                     double cash, const std::function<void(double)>& progress) {
  if (series.bars.size() < 2) return fail(errors::kConfig, "a backtest needs at least two bars");
  if (!(cash > 0)) return fail(errors::kConfig, "--cash must be greater than 0");
  const std::uint8_t pS = series.priceScale;
  const auto qS = static_cast<std::uint8_t>(strategy.quantityScale);
  portfolio::Catalog catalog;
  portfolio::TradableInstrument instrument;
  auto& spec = instrument.spec;
  spec.id = series.instrument;
  spec.priceScale = pS;
  spec.quantityScale = qS;
  spec.tickSize = model::Price::fromRaw(1, pS);
  spec.lotStep = model::Quantity::fromRaw(1, qS);
  spec.minQuantity = model::Quantity::fromRaw(1, qS);
  spec.maxQuantity = model::Quantity::fromRaw(1'000'000'000'000LL, qS);
  spec.contractSize = model::Quantity::fromRaw(1, 0);
  spec.currency = "USD";
  instrument.terms.commissionPpm = std::llround(strategy.commissionPct * 10'000.0);
  instrument.terms.slippageTicks = strategy.slippageTicks;
  instrument.terms.marginPpm = 0;  // a cash account: sizing, not margin, limits the exposure
  if (auto added = catalog.add(instrument); !added) return Unexpected(added.error());

  BacktestResult result;
  TradeRecorder recorder(result.trades);
  risk::RiskLimits limits;
  limits.maxOpenPositions = 1'000'000;
  limits.maxRiskPerTradePpm = 1'000'000;
  limits.maxDailyLossPpm = 1'000'000;
  limits.maxDrawdownPpm = 1'000'000;
  limits.minConfidence = 0.0;
  limits.maxOrdersPerSecond = INT32_MAX;
  limits.maxOrdersPerMinute = INT32_MAX;
  limits.maxOrderNotional = INT64_MAX;
  limits.maxPositionPerInstrument = model::Quantity::fromRaw(INT64_MAX, qS);
  limits.priceCollarPpm = 1'000'000;
  EngineConfig config;
  config.maxOrders = static_cast<std::uint32_t>(series.bars.size() * 4 + 64);
  TradingEngine engine(catalog, recorder, config, limits);
  venue::SimVenue venue(catalog, engine.executionSink(), venue::SimVenueConfig{strategy.fill, true, 64});
  engine.setVenue(venue);
  auto balance = model::Money::fromDouble(cash, 2);
  if (!balance) return Unexpected(balance.error());
  auto accountIndex = engine.addAccount(model::TenantId{1}, model::AccountId("BACKTEST"),
                                        model::Currency("USD"), portfolio::PositionMode::Netting, *balance);
  if (!accountIndex) return Unexpected(accountIndex.error());

  RuleStrategy rules(strategy);
  std::vector<bool> exposed;
  exposed.reserve(series.bars.size());
  result.equity.reserve(series.bars.size());
  const double priceUnit = std::pow(10.0, pS);
  std::uint64_t orderNo = 0;
  auto submit = [&](model::Side side, std::int64_t quantity, TimestampNs ts, double close, bool bracket) {
    model::SubmitOrder order{};
    order.header.tenant = model::TenantId{1};
    order.header.tsEvent = ts;
    order.clientOrderId = model::ClientOrderId::truncated(fmt::format("bt-{}", ++orderNo));
    order.account = model::AccountId("BACKTEST");
    order.instrument = series.instrument;
    order.side = side;
    order.type = model::OrderType::Market;
    order.quantity = model::Quantity::fromRaw(quantity, qS);
    bool buy = side == model::Side::Buy;
    if (bracket && strategy.stopLossPct > 0) {
      double sl = close * (buy ? 1.0 - strategy.stopLossPct / 100.0 : 1.0 + strategy.stopLossPct / 100.0);
      order.stopLoss = model::Price::fromRaw(std::max<std::int64_t>(1, std::llround(sl * priceUnit)), pS);
    }
    if (bracket && strategy.takeProfitPct > 0) {
      double tp = close * (buy ? 1.0 + strategy.takeProfitPct / 100.0 : 1.0 - strategy.takeProfitPct / 100.0);
      order.takeProfit = model::Price::fromRaw(std::max<std::int64_t>(1, std::llround(tp * priceUnit)), pS);
    }
    engine.submit(order);
  };

  const std::size_t step = std::max<std::size_t>(1, series.bars.size() / 100);
  for (std::size_t i = 0; i < series.bars.size(); ++i) {
    const auto& bar = series.bars[i];
    if (progress && i % step == 0) progress(static_cast<double>(i) / static_cast<double>(series.bars.size()));
    engine.onBar(bar);
    const double equity = portfolio::money(engine.portfolio().equity(0)).toDouble();
    const std::int64_t net = engine.portfolio().netQuantity(0, 0);
    result.equity.push_back({bar.header.tsEvent, equity});
    exposed.push_back(net != 0);
    const double close = bar.close.toDouble();
    Target target = rules.onClose(close);
    if (target == Target::Hold) continue;
    const int want = static_cast<int>(target);
    const int have = net > 0 ? 1 : (net < 0 ? -1 : 0);
    if (want == have) continue;
    if (net != 0) submit(net > 0 ? model::Side::Sell : model::Side::Buy, net > 0 ? net : -net, bar.header.tsEvent, close, false);
    if (want == 0) continue;
    // The same sizing as live strategies; the contract size is 1, the lot step 1 at the scale.
    const double units = sizeUnits(strategy.sizing, strategy.sizingValue, equity, close, strategy.stopLossPct);
    const std::int64_t quantity = quantityFor(units, spec);
    if (quantity > 0) submit(want > 0 ? model::Side::Buy : model::Side::Sell, quantity, bar.header.tsEvent, close, true);
  }
  if (progress) progress(1.0);

  // Annualise by the bar spacing: 252 trading days a year for daily bars.
  std::vector<TimestampNs> gaps;
  for (std::size_t i = 1; i < series.bars.size(); ++i) gaps.push_back(series.bars[i].start - series.bars[i - 1].start);
  std::nth_element(gaps.begin(), gaps.begin() + static_cast<std::ptrdiff_t>(gaps.size() / 2), gaps.end());
  double spacingDays = static_cast<double>(gaps[gaps.size() / 2]) / kNsPerDay;
  double periodsPerYear = spacingDays >= 1.0 ? 252.0 / std::round(spacingDays) : 252.0 / spacingDays;
  if (spacingDays >= 6.5) periodsPerYear = 365.25 / spacingDays;  // weekly or monthly bars
  result.stats = computeStatistics(result.equity, result.trades, series.bars.front().close.toDouble(),
                                   series.bars.back().close.toDouble(), periodsPerYear, exposed);
  result.stats.ordersDenied = recorder.denied();
  return result;
}

std::string renderStatistics(const Statistics& s) {
  std::string out;
  auto row = [&](std::string_view name, std::string value) { out += fmt::format("{:<26}{}\n", name, value); };
  row("Start", model::toIso8601(s.start));
  row("End", model::toIso8601(s.end));
  row("Equity start", fmt::format("{:.2f}", s.startEquity));
  row("Equity final", fmt::format("{:.2f}", s.finalEquity));
  row("Return [%]", fmt::format("{:.4f}", s.totalReturnPct));
  row("Buy & hold return [%]", fmt::format("{:.4f}", s.buyAndHoldPct));
  row("Return (ann.) [%]", fmt::format("{:.4f}", s.annualReturnPct));
  row("Volatility (ann.) [%]", fmt::format("{:.4f}", s.annualVolatilityPct));
  row("Sharpe ratio", fmt::format("{:.4f}", s.sharpe));
  row("Sortino ratio", fmt::format("{:.4f}", s.sortino));
  row("Calmar ratio", fmt::format("{:.4f}", s.calmar));
  row("Max. drawdown [%]", fmt::format("{:.4f}", s.maxDrawdownPct));
  row("Max. drawdown duration", fmt::format("{:.1f} days", s.maxDrawdownDays));
  row("Exposure time [%]", fmt::format("{:.4f}", s.exposurePct));
  row("Trades", fmt::format("{}", s.trades));
  row("Win rate [%]", fmt::format("{:.4f}", s.winRatePct));
  row("Profit factor", fmt::format("{:.4f}", s.profitFactor));
  row("Expectancy", fmt::format("{:.4f}", s.expectancy));
  row("SQN", fmt::format("{:.4f}", s.sqn));
  row("Orders denied", fmt::format("{}", s.ordersDenied));
  return out;
}

std::string renderHtmlReport(const BacktestResult& result, const std::string& title) {
  const auto& equity = result.equity;
  double lo = 1e300, hi = -1e300;
  for (const auto& p : equity) {
    lo = std::min(lo, p.equity);
    hi = std::max(hi, p.equity);
  }
  if (hi <= lo) hi = lo + 1.0;
  const double width = 1000.0, height = 300.0;
  std::string curve, drawdown;
  double peak = equity.empty() ? 0.0 : equity.front().equity;
  double worst = 0.0;
  std::vector<double> dds;
  for (const auto& p : equity) {
    peak = std::max(peak, p.equity);
    dds.push_back(1.0 - p.equity / peak);
    worst = std::max(worst, dds.back());
  }
  if (worst <= 0) worst = 1.0;
  for (std::size_t i = 0; i < equity.size(); ++i) {
    double x = equity.size() > 1 ? width * static_cast<double>(i) / static_cast<double>(equity.size() - 1) : 0.0;
    curve += fmt::format("{:.1f},{:.1f} ", x, height - (equity[i].equity - lo) / (hi - lo) * height);
    drawdown += fmt::format("{:.1f},{:.1f} ", x, dds[i] / worst * 120.0);
  }
  std::string stats;
  std::istringstream lines(renderStatistics(result.stats));
  std::string line;
  while (std::getline(lines, line)) {
    stats += fmt::format("<tr><td>{}</td><td>{}</td></tr>\n", line.substr(0, 26), line.substr(26));
  }
  std::string trades;
  for (const auto& t : result.trades) {
    trades += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.2f}</td><td>{:.2f}</td></tr>\n",
                          model::toIso8601(t.entryTime), model::toIso8601(t.exitTime),
                          model::toString(t.side), t.quantity, t.entryPrice, t.exitPrice, t.pnl, t.returnPct);
  }
  return fmt::format(
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{0}</title>\n"
      "<style>body{{font-family:sans-serif;margin:2em}}td{{padding:2px 10px}}svg{{border:1px solid #ccc}}</style>"
      "</head><body>\n<h1>{0}</h1>\n<h2>Statistics</h2><table>\n{1}</table>\n"
      "<h2>Equity</h2><svg width=\"1000\" height=\"300\"><polyline fill=\"none\" stroke=\"#1565c0\" points=\"{2}\"/></svg>\n"
      "<h2>Drawdown</h2><svg width=\"1000\" height=\"120\"><polyline fill=\"none\" stroke=\"#c62828\" points=\"{3}\"/></svg>\n"
      "<h2>Trades</h2><table><tr><th>entry</th><th>exit</th><th>side</th><th>quantity</th><th>entry price</th>"
      "<th>exit price</th><th>PnL</th><th>return %</th></tr>\n{4}</table>\n</body></html>\n",
      title, stats, curve, drawdown, trades);
}

}  // namespace ait::trading
