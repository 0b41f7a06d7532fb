// `aitrading features`: prints the feature pipeline's columns for every bar of a file as CSV,
// so the indicators can be compared with TA-Lib or another tool, and models trained on them.
#include <cmath>
#include <cstdio>

#include <fmt/format.h>

#include "ait/ai/bars.h"
#include "ait/ai/features.h"
#include "app/commands.h"

namespace ait::app {

int runFeatures(const FeaturesOptions& options) {
  auto format = ai::parseBarFormat(options.format);
  auto timeframe = ai::parseTimeframe(options.timeframe);
  auto pipeline = ai::FeaturePipeline::create(options.features);
  bool ok = true;
  for (const Error* e : {format ? nullptr : &format.error(), timeframe ? nullptr : &timeframe.error(),
                         pipeline ? nullptr : &pipeline.error()}) {
    if (e) {
      std::fprintf(stderr, "aitrading features: %s\n", e->describe().c_str());
      ok = false;
    }
  }
  if (!ok) return 2;
  auto bars = ai::readBars(options.data, *format);
  if (!bars) {
    std::fprintf(stderr, "aitrading features: %s\n", bars.error().describe().c_str());
    return 1;
  }
  auto series = ai::resample(*bars, *timeframe);
  std::string line = "time";
  for (const auto& c : pipeline->columns()) line += "," + c;
  std::puts(line.c_str());
  for (const auto& bar : series) {
    pipeline->update(bar);
    line = ai::formatTimestamp(bar.ts);
    for (double v : pipeline->values()) {
      line += ',';
      // 17 significant digits: the text reads back to the same double.
      if (!std::isnan(v)) line += fmt::format("{:.17g}", v);
    }
    std::puts(line.c_str());
  }
  return 0;
}

}  // namespace ait::app
