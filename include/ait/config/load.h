#pragma once
// Loading, checking and showing the configuration.
//
// Sources, later ones winning: <config_dir>/default.toml < <config_dir>/<AIT_ENV>.toml (when AIT_ENV
// is set) < the --config file < environment variables AIT_<SECTION>__<KEY>[__<KEY>...]. Tables merge
// key by key; arrays are replaced whole. Every problem in every source is reported at once, each
// with its key path, the reason and where it came from (file:line, or the environment variable).

#include <expected>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ait/config/config.h"
#include "ait/core/error.h"

namespace ait::config {

/// One thing wrong with the configuration.
struct Problem {
  std::string key;     // "risk.max_daily_loss_pct"; empty for a whole-file problem
  std::string reason;  // "must be between 0 and 100, got 250"
  std::string where;   // "config/prod.toml:12", "environment variable AIT_LOG__LEVEL", or empty
  const ErrorCode* code = nullptr;  // one of config/errors.h
  bool operator==(const Problem&) const = default;
};

using Problems = std::vector<Problem>;

struct LoadOptions {
  std::filesystem::path config_dir;              // holds default.toml and the <env>.toml overlays
  std::optional<std::filesystem::path> overlay;  // the --config FILE
  std::map<std::string, std::string> environment;  // AIT_ENV and AIT_* overrides (see readEnvironment)
};

/// Returns the AIT_* variables of the process environment (the only ones the loader looks at).
std::map<std::string, std::string> readEnvironment();

/// Returns the files a load with these options reads, in overlay order (whether or not they exist).
std::vector<std::filesystem::path> configSources(const LoadOptions& options);

/// Returns the effective configuration, or every problem found in every source.
std::expected<Config, Problems> loadConfig(const LoadOptions& options);

/// Returns the problems of `file` checked as the only overlay on <config_dir>/default.toml (no
/// AIT_ENV overlay, no environment overrides); empty when the file is good.
Problems checkConfigFile(const std::filesystem::path& file, const std::filesystem::path& configDir);

/// Returns the problems of a configuration built in code (value rules and cross-field rules).
Problems validateConfig(const Config& config);

/// Returns "where: key: reason" (parts that are empty left out).
std::string formatProblem(const Problem& problem);
/// Returns the problems one per line, each line ending in '\n'.
std::string formatProblems(const Problems& problems);
/// Returns one Error (kInvalidConfig) whose message lists every problem, for Expected<T> callers.
Error toError(const Problems& problems);

/// Returns the configuration as a TOML document that loads back to the same Config. With
/// maskSecrets, non-empty secrets (keys named secret, password, token, api_key or ending in
/// _secret, _password, _token, _api_key) and passwords inside URLs read "***".
std::string renderEffective(const Config& config, bool maskSecrets = true);

/// Returns whether a key (such as "log.level" or "risk.max_open_positions") takes effect on
/// reload; the others need a restart.
bool isReloadable(std::string_view key);

/// Returns whether a key names a secret that is masked when shown.
bool isSecretKey(std::string_view key);

/// What the settings look like, for tools and docs.
struct KeyInfo {
  std::string key;   // "server.host"; "log.components" (a table of levels by component);
                     // "data.synthetic.symbols[].symbol" for fields of array-of-table entries
  std::string type;  // bool, integer, float, string, duration, enum, string array,
                     // table of enum, array of tables
  std::vector<std::string> allowed;  // the names an enum takes
};

/// Returns every setting in the order of default.toml.
std::vector<KeyInfo> listKeys();

}  // namespace ait::config
