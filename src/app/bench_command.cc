#include <cstdio>

#include <fmt/format.h>

#include "ait/bench/harness.h"
#include "app/commands.h"

namespace ait::app {

int runBench(const BenchOptions& options) {
  const auto& all = bench::benchmarks();
  if (options.list || options.name.empty()) {
    std::puts("benchmarks:");
    for (const auto& [name, b] : all) std::printf("  %-12s %s\n", name.c_str(), b.description.c_str());
    return options.list ? 0 : 2;
  }
  auto it = all.find(options.name);
  if (it == all.end()) {
    std::fprintf(stderr, "aitrading bench: unknown benchmark '%s' (aitrading bench --list)\n",
                 options.name.c_str());
    return 2;
  }
  bench::Options benchOptions;
  benchOptions.json = options.json;
  benchOptions.quick = options.quick;
  for (const auto& param : options.params) {
    auto eq = param.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::fprintf(stderr, "aitrading bench: --param '%s' is not KEY=VALUE\n", param.c_str());
      return 2;
    }
    benchOptions.params[param.substr(0, eq)] = param.substr(eq + 1);
  }
  nlohmann::json figures;
  try {
    figures = it->second.run(benchOptions);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "aitrading bench %s: failed: %s\n", options.name.c_str(), e.what());
    return 1;
  }
  if (figures.contains("error")) {
    std::fprintf(stderr, "aitrading bench %s: %s\n", options.name.c_str(),
                 figures["error"].dump().c_str());
    return 1;
  }
  figures["benchmark"] = options.name;
  if (options.json) {
    std::puts(figures.dump().c_str());
  } else {
    std::fputs(bench::renderTable(options.name, figures).c_str(), stdout);
  }
  return 0;
}

}  // namespace ait::app
