// `aitrading data bars`: builds bars from a market data file and prints them as CSV, so that
// anyone can check them against another tool.
#include <cstdio>
#include <string>

#include <fmt/format.h>

#include "ait/config/load.h"
#include "ait/data/bars.h"
#include "ait/data/errors.h"
#include "ait/data/files.h"
#include "ait/data/normaliser.h"
#include "ait/model/time.h"
#include "app/commands.h"
#include "app/config_source.h"

namespace ait::app {

namespace {

// "M1" .. "D1" (MetaTrader names) or the model's "1m", "4h", "1d".
Expected<model::Timeframe> barTimeframe(const std::string& text) {
  std::string canonical = text;
  if (text.size() >= 2 && (text[0] == 'M' || text[0] == 'H' || text[0] == 'D')) {
    const char unit = text[0] == 'M' ? 'm' : text[0] == 'H' ? 'h' : 'd';
    canonical = text.substr(1) + unit;
  }
  auto timeframe = model::Timeframe::parse(canonical);
  if (!timeframe || timeframe->seconds == 0 || 86'400 % timeframe->seconds != 0) {
    return fail(data::errors::kBadArgument,
                fmt::format("--timeframe '{}': use M1, M5, M15, M30, H1, H4, D1 or a period such "
                            "as 10m dividing a day",
                            text));
  }
  return *timeframe;
}

void printPrice(std::string& out, model::Price price) {
  char buffer[model::kMaxDecimalChars];
  auto n = model::detail::formatDecimal(price.decimal(), buffer);
  out.append(buffer, n);
}

}  // namespace

int runDataBars(const DataBarsOptions& options) {
  auto fail2 = [](const std::string& message) {
    std::fprintf(stderr, "aitrading data bars: %s\n", message.c_str());
    return 2;
  };
  auto config = config::loadConfig(makeLoadOptions({}, options.configFile));
  if (!config) {
    return fail2("the configuration has problems:\n" + config::formatProblems(config.error()));
  }
  auto format = data::fileFormatFromString(options.source);
  if (!format || *format == data::FileFormat::HistDataBars) {
    return fail2(fmt::format("--source '{}': use histdata-ticks, csv or binance", options.source));
  }
  auto timeframe = barTimeframe(options.timeframe);
  if (!timeframe) return fail2(timeframe.error().message());
  auto basis = data::priceBasisFromString(options.price);
  if (!basis) return fail2(basis.error().message());
  auto offset = data::parseUtcOffset(options.timezone);
  if (!offset) return fail2(offset.error().message());
  auto instruments = data::instrumentsFromConfig(config->data.instruments);
  if (!instruments) return fail2(instruments.error().message());

  data::FileOptions fileOptions;
  fileOptions.format = *format;
  fileOptions.symbol = options.symbol;
  fileOptions.utcOffsetNs = *offset;
  auto mapping = data::csvMapping(config->data.csv);
  if (!mapping) return fail2(mapping.error().message());
  fileOptions.csv = *mapping;

  SystemClock& clock = SystemClock::instance();
  data::Normaliser normaliser("cli", data::normaliserConfig(config->data.validation), clock);
  if (auto added = normaliser.addInstruments(*instruments); !added) {
    return fail2(added.error().message());
  }
  if (options.scale >= 0) {
    data::InstrumentSpec spec;
    auto symbol = model::Symbol::from(options.symbol);
    if (!symbol) return fail2(symbol.error().message());
    spec.instrument.id.symbol = *symbol;
    spec.instrument.priceScale = static_cast<std::uint8_t>(options.scale);
    spec.instrument.tickSize = model::Price::fromRaw(1, static_cast<std::uint8_t>(options.scale));
    spec.instrument.quantityScale = 8;
    spec.instrument.lotStep = model::Quantity::fromRaw(1, 8);
    spec.instrument.minQuantity = model::Quantity::fromRaw(1, 8);
    spec.instrument.currency = "USD";
    if (auto added = normaliser.addInstrument(spec); !added) return fail2(added.error().message());
  }

  std::string out = "start,open,high,low,close,tick_volume,volume\n";
  data::BarBuilderConfig barConfig;
  barConfig.timeframes = {*timeframe};
  barConfig.basis = *basis;
  data::BarBuilder builder(barConfig, clock, [&](const model::Bar& bar) {
    out += model::toIso8601(bar.start);
    for (auto price : {bar.open, bar.high, bar.low, bar.close}) {
      out += ',';
      printPrice(out, price);
    }
    out += fmt::format(",{},", bar.tickCount);
    char buffer[model::kMaxDecimalChars];
    out.append(buffer, model::detail::formatDecimal(bar.volume.decimal(), buffer));
    out += '\n';
  });
  model::Tick tick;
  model::GapDetected gap;
  std::uint64_t rejected = 0;
  auto report = data::readMarketFile(options.file, fileOptions, [&](const data::RawQuote& quote) {
    auto outcome = normaliser.normalise(quote, tick, gap);
    if (!outcome.accepted) {
      if (++rejected <= 10) {
        std::fprintf(stderr, "aitrading data bars: %s\n",
                     data::describeRejection(outcome, quote).describe().c_str());
      }
      return;
    }
    builder.onTick(tick);
  });
  if (!report) return fail2(report.error().describe());
  builder.flush();
  std::fputs(out.c_str(), stdout);
  for (const auto& error : report->errors) {
    std::fprintf(stderr, "%s:%llu: %s\n", options.file.c_str(),
                 static_cast<unsigned long long>(error.line), error.message.c_str());
  }
  if (report->badLines > report->errors.size()) {
    std::fprintf(stderr, "... and %llu more bad lines\n",
                 static_cast<unsigned long long>(report->badLines - report->errors.size()));
  }
  if (rejected > 0) {
    std::fprintf(stderr, "aitrading data bars: %llu quotes rejected by validation\n",
                 static_cast<unsigned long long>(rejected));
  }
  return report->badLines > 0 || rejected > 0 ? 3 : 0;
}

}  // namespace ait::app
