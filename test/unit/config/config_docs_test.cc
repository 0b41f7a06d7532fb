// docs/configuration.md must describe exactly the settings of config/default.toml, with the same
// defaults, types and reloadability.

#include <fstream>
#include <map>
#include <set>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "ait/config/load.h"
#include "config_test_util.h"

namespace ait::config {
namespace {

struct DocRow {
  std::string key;
  std::string type;
  std::string defaultCell;
  std::string reloadable;
  int line = 0;
};

std::string trimmed(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return std::string(s);
}

std::string unquoted(const std::string& cell) {
  if (cell.size() >= 2 && cell.front() == '`' && cell.back() == '`') {
    return cell.substr(1, cell.size() - 2);
  }
  return cell;
}

// Rows of the reference tables: lines starting with "| `" and five cells.
std::vector<DocRow> readDocRows() {
  std::ifstream in(std::filesystem::path(AIT_SOURCE_DIR) / "docs" / "configuration.md");
  EXPECT_TRUE(in.good()) << "docs/configuration.md is missing";
  std::vector<DocRow> rows;
  int number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    if (!line.starts_with("| `")) continue;
    std::vector<std::string> cells;
    std::size_t start = 1;
    while (start < line.size()) {
      std::size_t bar = line.find('|', start);
      if (bar == std::string::npos) break;
      cells.push_back(trimmed(std::string_view(line).substr(start, bar - start)));
      start = bar + 1;
    }
    if (cells.size() != 5) continue;
    std::string key = unquoted(cells[0]);
    if (auto at = key.find(".<"); at != std::string::npos) key.erase(at);  // log.components.<component>
    rows.push_back({key, cells[1], cells[2], cells[3], number});
  }
  return rows;
}

// A canonical text of a TOML node, so that `5.0` and `5.0` compare equal and `5` and `5.0` do not.
std::string canonical(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string: return "s:" + node.as_string()->get();
    case toml::node_type::integer: return fmt::format("i:{}", node.as_integer()->get());
    case toml::node_type::floating_point:
      return fmt::format("f:{}", node.as_floating_point()->get());
    case toml::node_type::boolean: return node.as_boolean()->get() ? "b:true" : "b:false";
    case toml::node_type::array: {
      std::string out = "[";
      for (const auto& e : *node.as_array()) out += canonical(e) + ",";
      return out + "]";
    }
    case toml::node_type::table: {
      std::string out = "{";
      for (const auto& [k, v] : *node.as_table()) out += std::string(k.str()) + "=" + canonical(v) + ",";
      return out + "}";
    }
    default: return "?";
  }
}

class ConfigDocs : public ::testing::Test {
 protected:
  void SetUp() override {
    defaults_ = toml::parse_file((testing::sourceConfigDir() / "default.toml").string());
    keys_ = testing::collectKeys(defaults_);
    rows_ = readDocRows();
  }
  toml::table defaults_;
  std::map<std::string, const toml::node*> keys_;
  std::vector<DocRow> rows_;
};

TEST_F(ConfigDocs, DocumentsExactlyTheKeysOfDefaultToml) {
  std::set<std::string> documented;
  for (const auto& row : rows_) {
    EXPECT_TRUE(documented.insert(row.key).second) << row.key << " is documented twice";
  }
  for (const auto& [key, node] : keys_) {
    EXPECT_TRUE(documented.contains(key)) << key << " is in default.toml but not in the docs";
  }
  for (const auto& key : documented) {
    EXPECT_TRUE(keys_.contains(key)) << key << " is in the docs but not in default.toml";
  }
}

TEST_F(ConfigDocs, DocumentedDefaultsEqualDefaultToml) {
  for (const auto& row : rows_) {
    auto it = keys_.find(row.key);
    if (it == keys_.end()) continue;  // reported by DocumentsExactlyTheKeysOfDefaultToml
    bool perEntry = row.key.find("[]") != std::string::npos || row.type == "array of tables";
    if (perEntry) continue;
    ASSERT_TRUE(row.defaultCell.starts_with('`') && row.defaultCell.ends_with('`'))
        << "docs line " << row.line << ": the default of " << row.key
        << " must be a TOML literal in backticks";
    toml::table parsed;
    try {
      parsed = toml::parse("v = " + unquoted(row.defaultCell));
    } catch (const toml::parse_error& e) {
      FAIL() << "docs line " << row.line << ": default of " << row.key << " is not TOML: "
             << e.description();
    }
    EXPECT_EQ(canonical(*parsed.get("v")), canonical(*it->second))
        << "docs line " << row.line << ": default of " << row.key << " differs from default.toml";
  }
}

TEST_F(ConfigDocs, DocumentedTypesAndReloadabilityMatchTheSchema) {
  std::map<std::string, std::string> types;
  for (const auto& info : listKeys()) types[info.key] = info.type;
  for (const auto& row : rows_) {
    auto it = types.find(row.key);
    if (it == types.end()) continue;
    EXPECT_EQ(row.type, it->second) << "docs line " << row.line << ": type of " << row.key;
    ASSERT_TRUE(row.reloadable == "yes" || row.reloadable == "no")
        << "docs line " << row.line << ": reloadable must be yes or no";
    EXPECT_EQ(row.reloadable == "yes", isReloadable(row.key))
        << "docs line " << row.line << ": reloadability of " << row.key;
  }
}

}  // namespace
}  // namespace ait::config
