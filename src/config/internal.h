#pragma once
// Pieces shared by the loader, the renderer and LiveConfig.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ait/config/config.h"

namespace ait::config::detail {

enum class Kind { Bool, Integer, Float, String, Duration, Enum, StringArray, EnumMap, TableArray };

struct KeyDesc {
  std::string key;
  Kind kind;
  std::vector<std::string> allowed;  // enum names (Enum, EnumMap)
};

/// Every setting in schema order; fields of array-of-table entries appear as "a.b[].c".
const std::vector<KeyDesc>& keyDescs();
/// Every table path ("server", "resilience.retry", "data.synthetic.symbols[]").
const std::vector<std::string>& tablePaths();
std::string_view kindName(Kind kind);

/// Returns each setting as {key, value rendered as TOML}; entries of log.components are separate
/// keys, an array of tables is one key. Used to describe what changed on reload.
std::vector<std::pair<std::string, std::string>> flatten(const Config& config, bool maskSecrets);

/// Returns a TOML float literal that parses back to exactly `value`.
std::string formatDouble(double value);

/// Returns the URL with the password of its user info replaced by "***".
std::string maskUrlPassword(std::string_view text);

}  // namespace ait::config::detail
