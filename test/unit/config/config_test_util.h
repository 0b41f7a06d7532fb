#pragma once
// Scratch config directories for tests: a private copy of the real default.toml plus whatever
// overlays a test writes, removed afterwards.

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>

#include <gtest/gtest.h>
#include <toml++/toml.h>

#include "ait/config/load.h"

namespace ait::config::testing {

inline std::filesystem::path sourceConfigDir() {
  return std::filesystem::path(AIT_SOURCE_DIR) / "config";
}

class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "ait-config-test-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
    std::filesystem::copy_file(sourceConfigDir() / "default.toml", path_ / "default.toml");
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

  /// Writes `content` to `name` in the directory (replacing it) and returns its path.
  std::filesystem::path write(std::string_view name, std::string_view content) const {
    std::filesystem::path file = path_ / name;
    std::ofstream out(file, std::ios::trunc);
    out << content;
    return file;
  }

  LoadOptions options() const { return LoadOptions{path_, std::nullopt, {}}; }

 private:
  std::filesystem::path path_;
};

/// Returns the problems of `overlay` checked as a --config file over the real default.toml.
inline Problems checkOverlay(std::string_view overlay) {
  ScratchDir dir;
  return checkConfigFile(dir.write("overlay.toml", overlay), dir.path());
}

/// Returns the first problem about `key`, or nullptr.
inline const Problem* findProblem(const Problems& problems, std::string_view key) {
  for (const auto& p : problems) {
    if (p.key == key) return &p;
  }
  return nullptr;
}

/// Returns the settings a TOML document holds as key -> node: leaves, empty tables (such as
/// [log.components]), arrays of tables (one key) and their entries' fields as "a.b[].c".
inline void collectKeys(const toml::table& table, const std::string& prefix,
                        std::map<std::string, const toml::node*>& out) {
  for (const auto& [k, v] : table) {
    std::string key = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
    if (const auto* sub = v.as_table(); sub != nullptr && !sub->empty()) {
      collectKeys(*sub, key, out);
      continue;
    }
    out[key] = &v;
    if (const auto* array = v.as_array(); array != nullptr && array->is_array_of_tables()) {
      for (const auto& element : *array) collectKeys(*element.as_table(), key + "[]", out);
    }
  }
}

inline std::map<std::string, const toml::node*> collectKeys(const toml::table& table) {
  std::map<std::string, const toml::node*> out;
  collectKeys(table, "", out);
  return out;
}

}  // namespace ait::config::testing
