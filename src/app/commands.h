#pragma once
// The subcommands of `aitrading`. Each returns the process exit code.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace ait::app {

const char* version();

struct ServeOptions {
  std::string configFile;
  std::string configDir;
  std::vector<std::string> only;
};
int runServe(const ServeOptions& options);

struct ConfigCheckOptions {
  std::string file;
  std::string configDir;
};
int runConfigCheck(const ConfigCheckOptions& options);

struct ConfigShowOptions {
  std::string configFile;
  std::string configDir;
};
int runConfigShow(const ConfigShowOptions& options);

struct BenchOptions {
  std::string name;
  bool json = false;
  bool quick = false;
  bool list = false;
  std::vector<std::string> params;
};
int runBench(const BenchOptions& options);

struct BacktestOptions {
  std::string data;
  std::string strategy;
  double cash = 10000.0;
  std::string from;
  std::string to;
  std::string report;
};
int runBacktest(const BacktestOptions& options);

struct AuditOptions {
  std::string dataDir;
  std::string configFile;
  bool quiet = false;
};
int runAuditVerify(const AuditOptions& options);

struct JournalDumpOptions {
  std::string dataDir;
  std::string configFile;
  std::uint64_t fromSequence = 0;
  std::vector<std::string> types;
  std::uint64_t limit = 0;
};
int runJournalDump(const JournalDumpOptions& options);

struct DataBarsOptions {
  std::string source = "histdata-ticks";
  std::string file;
  std::string timeframe = "M1";
  std::string price = "bid";
  std::string timezone = "EST";
  std::string symbol = "EURUSD";
  int scale = -1;  // >= 0: the symbol's price scale, for symbols not in data.instruments
  std::string configFile;
};
int runDataBars(const DataBarsOptions& options);

struct FeaturesOptions {
  std::string data;
  std::string format = "csv";
  std::string timeframe = "raw";
  std::string features;
};
int runFeatures(const FeaturesOptions& options);

/// Registers `tenant` and `user` with their subcommands; the returned function runs the one
/// chosen after parsing (nullopt when neither was).
std::function<std::optional<int>()> addIdentityCommands(CLI::App& app);
/// Registers `db migrate`; the returned function runs it when chosen.
std::function<std::optional<int>()> addDatabaseCommands(CLI::App& app);

}  // namespace ait::app
