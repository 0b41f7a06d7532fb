// `aitrading db migrate [--status]`: the schema versions of the storage backends.

#include <cstdio>
#include <memory>

#include <CLI/CLI.hpp>

#include "app/commands.h"
#include "app/config_source.h"
#include "app/wiring.h"

namespace ait::app {

std::function<std::optional<int>()> addDatabaseCommands(CLI::App& app) {
  struct Options {
    std::string configFile;
    std::string configDir;
    bool status = false;
  };
  auto options = std::make_shared<Options>();
  auto* db = app.add_subcommand("db", "Storage backends of the database-service.");
  db->require_subcommand(1);
  auto* migrate = db->add_subcommand(
      "migrate", "Apply pending schema migrations to every configured backend (each in a "
                 "transaction) and print the versions; --status prints them without a summary line.");
  migrate->add_flag("--status", options->status, "Only report the schema versions");
  migrate->add_option("--config", options->configFile, "TOML file overlaid on the defaults")
      ->check(CLI::ExistingFile);
  migrate->add_option("--config-dir", options->configDir, "Folder holding default.toml")
      ->envname("AIT_CONFIG_DIR");

  return [options, migrate]() -> std::optional<int> {
    if (!*migrate) return std::nullopt;
    auto config = config::loadConfig(makeLoadOptions(options->configDir, options->configFile));
    if (!config) {
      std::fprintf(stderr, "aitrading db migrate: the configuration has problems:\n%s",
                   config::formatProblems(config.error()).c_str());
      return 2;
    }
    auto states = store::migrateAll(databaseSettings(*config));
    if (!states) {
      std::fprintf(stderr, "aitrading db migrate: %s\n", states.error().describe().c_str());
      return 1;
    }
    std::printf("%-12s %-8s %-8s %s\n", "backend", "applied", "known", "state");
    for (const auto& [backend, state] : *states) {
      std::printf("%-12s %-8d %-8d %s\n", backend.c_str(), state.applied, state.known,
                  state.applied == state.known ? "up to date" : "behind");
    }
    if (!options->status) std::printf("every backend is at its newest schema\n");
    return 0;
  };
}

}  // namespace ait::app
