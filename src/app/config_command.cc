#include <cstdio>
#include <filesystem>

#include "ait/config/load.h"
#include "app/commands.h"
#include "app/config_source.h"

namespace ait::app {

config::LoadOptions makeLoadOptions(const std::string& configDir, const std::string& overlay) {
  config::LoadOptions options;
  if (!configDir.empty()) {
    options.config_dir = configDir;
  } else if (std::filesystem::exists("config/default.toml")) {
    options.config_dir = "config";
  } else {
    options.config_dir = AIT_DEFAULT_CONFIG_DIR;
  }
  if (!overlay.empty()) options.overlay = overlay;
  options.environment = config::readEnvironment();
  return options;
}

int runConfigCheck(const ConfigCheckOptions& options) {
  auto load = makeLoadOptions(options.configDir, {});
  if (!std::filesystem::exists(options.file)) {
    std::fprintf(stderr, "%s: no such file\n", options.file.c_str());
    return 2;
  }
  auto problems = config::checkConfigFile(options.file, load.config_dir);
  if (problems.empty()) {
    std::printf("%s: valid\n", options.file.c_str());
    return 0;
  }
  std::fputs(config::formatProblems(problems).c_str(), stdout);
  std::fprintf(stderr, "%s: %zu problem(s)\n", options.file.c_str(), problems.size());
  return 2;
}

int runConfigShow(const ConfigShowOptions& options) {
  auto load = makeLoadOptions(options.configDir, options.configFile);
  auto config = config::loadConfig(load);
  if (!config) {
    std::fputs(config::formatProblems(config.error()).c_str(), stderr);
    return 2;
  }
  std::fputs(config::renderEffective(*config, true).c_str(), stdout);
  return 0;
}

}  // namespace ait::app
