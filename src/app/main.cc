// The aitrading command: parses the command line and hands over to the commands in app/.
#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>

#include "app/commands.h"

int main(int argc, char** argv) {
  CLI::App app{
      "aitrading: a multi-tenant trading platform core (market data, AI decisions, risk-checked "
      "execution).\nRun `aitrading COMMAND --help` for the options of a command.",
      "aitrading"};
  app.set_version_flag("--version", std::string("aitrading ") + ait::app::version());
  app.require_subcommand(1);
  app.fallthrough(false);

  ait::app::ServeOptions serve;
  auto* serveCmd = app.add_subcommand(
      "serve", "Start the central hub and the services (all six by default) until SIGTERM/SIGINT; "
               "SIGHUP reloads risk limits, rate limits and log levels.");
  serveCmd->add_option("--config", serve.configFile,
                       "TOML file overlaid on config/default.toml (and config/$AIT_ENV.toml)")
      ->check(CLI::ExistingFile);
  serveCmd->add_option("--config-dir", serve.configDir,
                       "Folder holding default.toml and the environment overlays")
      ->envname("AIT_CONFIG_DIR");
  serveCmd->add_option("--only", serve.only,
                       "Comma-separated services to run in this process (e.g. "
                       "data-bridge,trading-engine); the others are found where config says")
      ->delimiter(',');

  auto* configCmd = app.add_subcommand("config", "Check or show configuration.");
  configCmd->require_subcommand(1);
  ait::app::ConfigCheckOptions check;
  auto* checkCmd = configCmd->add_subcommand(
      "check", "Validate FILE as an overlay on config/default.toml; prints every problem with its "
               "key path and reason, exit 0 when valid, 2 when not.");
  checkCmd->add_option("FILE", check.file, "The TOML file to check")->required();
  checkCmd->add_option("--config-dir", check.configDir, "Folder holding default.toml")
      ->envname("AIT_CONFIG_DIR");
  ait::app::ConfigShowOptions show;
  auto* showCmd = configCmd->add_subcommand(
      "show", "Print the effective configuration (defaults, environment overlay, --config, "
              "AIT_* variables) as TOML with secrets masked.");
  showCmd->add_option("--config", show.configFile, "TOML file overlaid on the defaults")
      ->check(CLI::ExistingFile);
  showCmd->add_option("--config-dir", show.configDir, "Folder holding default.toml")
      ->envname("AIT_CONFIG_DIR");

  ait::app::BenchOptions bench;
  auto* benchCmd = app.add_subcommand(
      "bench", "Run a benchmark and print its figures (rates in *_per_s, latency percentiles "
               "p50_ns/p99_ns/p999_ns). `aitrading bench --list` names them.");
  benchCmd->add_option("NAME", bench.name, "The benchmark to run");
  benchCmd->add_flag("--json", bench.json, "Print one JSON object instead of a table");
  benchCmd->add_flag("--quick", bench.quick, "A short run (smoke test), figures less stable");
  benchCmd->add_flag("--list", bench.list, "List the benchmarks");
  benchCmd->add_option("--param", bench.params, "Benchmark parameter KEY=VALUE (repeatable)");

  ait::app::AuditOptions audit;
  auto* auditCmd = app.add_subcommand("audit", "Audit the journal.");
  auditCmd->require_subcommand(1);
  auto* verifyCmd = auditCmd->add_subcommand(
      "verify", "Check every record's CRC and the whole SHA-256 hash chain; names the first bad "
                "record (segment, offset, sequence). Exit 0 only when all is intact.");
  verifyCmd->add_option("--data", audit.dataDir,
                        "Journal folder (default: journal.data_dir from the config)");
  verifyCmd->add_option("--config", audit.configFile, "TOML file overlaid on the defaults");
  verifyCmd->add_flag("--quiet", audit.quiet, "No progress lines");

  ait::app::JournalDumpOptions dump;
  auto* journalCmd = app.add_subcommand("journal", "Read the journal.");
  journalCmd->require_subcommand(1);
  auto* dumpCmd = journalCmd->add_subcommand("dump", "Print journal events as JSON lines.");
  dumpCmd->add_option("--data", dump.dataDir, "Journal folder (default: from the config)");
  dumpCmd->add_option("--config", dump.configFile, "TOML file overlaid on the defaults");
  dumpCmd->add_option("--from", dump.fromSequence, "First sequence number to print");
  dumpCmd->add_option("--type", dump.types, "Only these event types (repeatable)");
  dumpCmd->add_option("--limit", dump.limit, "At most this many events");

  ait::app::DataBarsOptions bars;
  auto* dataCmd = app.add_subcommand("data", "Work with market data files.");
  dataCmd->require_subcommand(1);
  auto* barsCmd = dataCmd->add_subcommand(
      "bars", "Build bars from a market data file and print them as CSV (start in UTC, open, "
              "high, low, close, tick_volume, volume). Bad lines and rejected quotes go to stderr; "
              "exit 0 when all is clean, 3 when some were skipped, 2 on errors.");
  barsCmd->add_option("--source", bars.source, "File format: histdata-ticks, csv or binance")
      ->capture_default_str();
  barsCmd->add_option("--file", bars.file, "The file to read")->required();
  barsCmd->add_option("--timeframe", bars.timeframe, "M1, M5, M15, M30, H1, H4, D1 (or 10m, 2h)")
      ->capture_default_str();
  barsCmd->add_option("--price", bars.price, "Price the bars are built on: bid, ask or mid")
      ->capture_default_str();
  barsCmd->add_option("--tz", bars.timezone,
                      "Zone of times written without one: UTC, EST (UTC-5, no DST), UTC+HH:MM")
      ->capture_default_str();
  barsCmd->add_option("--symbol", bars.symbol, "Symbol of files that do not name one")
      ->capture_default_str();
  barsCmd->add_option("--scale", bars.scale,
                      "Price decimal places of a symbol missing from data.instruments");
  barsCmd->add_option("--config", bars.configFile, "TOML file overlaid on the defaults");
  ait::app::BacktestOptions backtest;
  auto* backtestCmd = app.add_subcommand(
      "backtest", "Run a strategy over recorded bars on the simulated venue and print the "
                  "statistics (same input, same output).");
  backtestCmd->add_option("--data", backtest.data, "CSV bars: date, open, high, low, close[, volume]")
      ->required();
  backtestCmd->add_option("--strategy", backtest.strategy, "Strategy file (TOML)")->required();
  backtestCmd->add_option("--cash", backtest.cash, "Starting cash (default 10000)");
  backtestCmd->add_option("--from", backtest.from, "First bar time (ISO 8601, inclusive)");
  backtestCmd->add_option("--to", backtest.to, "Last bar time (ISO 8601, exclusive)");
  backtestCmd->add_option("--report", backtest.report, "Write an HTML report to this file");

  ait::app::FeaturesOptions features;
  auto* featuresCmd = app.add_subcommand(
      "features", "Print the feature pipeline's columns for every bar of an OHLC file as CSV "
                  "(empty cells until an indicator is ready).");
  featuresCmd->add_option("--data", features.data, "OHLC bar CSV file")->required();
  featuresCmd->add_option("--format", features.format, "Bar file format (csv: a header names "
                                                       "the columns)");
  featuresCmd->add_option("--timeframe", features.timeframe,
                          "Aggregate bars to this timeframe first: raw (default), 30s, 5m, 1h, 1d");
  featuresCmd->add_option("--features", features.features,
                          "Feature spec, e.g. \"sma:30,rsi:14,macd:12:26:9\" (docs/ai.md)")
      ->required();
  auto runIdentity = ait::app::addIdentityCommands(app);
  auto runDatabase = ait::app::addDatabaseCommands(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  if (*serveCmd) return ait::app::runServe(serve);
  if (*checkCmd) return ait::app::runConfigCheck(check);
  if (*showCmd) return ait::app::runConfigShow(show);
  if (*benchCmd) return ait::app::runBench(bench);
  if (*verifyCmd) return ait::app::runAuditVerify(audit);
  if (*dumpCmd) return ait::app::runJournalDump(dump);
  if (*barsCmd) return ait::app::runDataBars(bars);
  if (*backtestCmd) return ait::app::runBacktest(backtest);
  if (*featuresCmd) return ait::app::runFeatures(features);
  if (auto rc = runIdentity()) return *rc;
  if (auto rc = runDatabase()) return *rc;
  std::fputs(app.help().c_str(), stderr);
  return 2;
}
