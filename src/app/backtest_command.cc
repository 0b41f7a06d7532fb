#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "ait/model/time.h"
#include "ait/trading/backtest.h"
#include "app/commands.h"

namespace ait::app {

int runBacktest(const BacktestOptions& options) {
  auto fail = [](const std::string& message) {
    std::fprintf(stderr, "aitrading backtest: %s\n", message.c_str());
    return 2;
  };
  std::ifstream file(options.strategy);
  if (!file) return fail(fmt::format("{}: cannot open the strategy file", options.strategy));
  std::stringstream text;
  text << file.rdbuf();
  auto strategy = trading::StrategyConfig::fromToml(text.str(), options.strategy);
  if (!strategy) return fail(strategy.error().describe());
  TimestampNs from = INT64_MIN, to = INT64_MAX;
  if (!options.from.empty()) {
    auto parsed = model::parseIso8601(options.from);
    if (!parsed) return fail("--from: " + parsed.error().message());
    from = *parsed;
  }
  if (!options.to.empty()) {
    auto parsed = model::parseIso8601(options.to);
    if (!parsed) return fail("--to: " + parsed.error().message());
    to = *parsed;
  }
  auto series = trading::loadBars(options.data, from, to);
  if (!series) return fail(series.error().describe());
  const bool terminal = ::isatty(STDERR_FILENO) != 0;
  auto progress = [terminal](double done) {
    if (!terminal) return;
    int width = 40;
    int filled = static_cast<int>(done * width);
    std::fprintf(stderr, "\r[%s%s] %3d%%", std::string(static_cast<std::size_t>(filled), '#').c_str(),
                 std::string(static_cast<std::size_t>(width - filled), ' ').c_str(),
                 static_cast<int>(done * 100));
    if (done >= 1.0) std::fputc('\n', stderr);
  };
  auto result = trading::runBacktest(*series, *strategy, options.cash, progress);
  if (!result) return fail(result.error().describe());
  std::fputs(trading::renderStatistics(result->stats).c_str(), stdout);
  if (!options.report.empty()) {
    std::ofstream out(options.report);
    out << trading::renderHtmlReport(*result, fmt::format("Backtest {} ({})", series->instrument.toString(),
                                                           options.strategy));
    if (!out) return fail(fmt::format("{}: cannot write the report", options.report));
  }
  return 0;
}

}  // namespace ait::app
