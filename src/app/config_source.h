#pragma once
// Where the configuration comes from: the folder holding default.toml (--config-dir, else
// $AIT_CONFIG_DIR, else ./config when it exists, else the folder the build came from), the
// --config overlay, and the process environment.

#include <string>

#include "ait/config/load.h"

namespace ait::app {

config::LoadOptions makeLoadOptions(const std::string& configDir, const std::string& overlay);

}  // namespace ait::app
