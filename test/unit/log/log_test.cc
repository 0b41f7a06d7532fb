#include "ait/log/log.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace ait::log {
namespace {

TEST(LogTest, RendersJsonLineWithFields) {
  auto payload = withFields("order \"accepted\"", {{"tenant", "7"}, {"order_id", "c-1"}});
  auto line = renderJson("trading-engine", spdlog::level::info, 1'700'000'000'123'456'789, payload);
  ASSERT_EQ(line.back(), '\n');
  auto json = nlohmann::json::parse(line);
  EXPECT_EQ(json["ts"], "2023-11-14T22:13:20.123456789Z");
  EXPECT_EQ(json["level"], "info");
  EXPECT_EQ(json["component"], "trading-engine");
  EXPECT_EQ(json["msg"], "order \"accepted\"");
  EXPECT_EQ(json["tenant"], "7");
  EXPECT_EQ(json["order_id"], "c-1");
}

TEST(LogTest, EscapesControlCharacters) {
  auto line = renderJson("x", spdlog::level::warn, 0, withFields("a\nb\x01", {{"k", "\t"}}));
  auto json = nlohmann::json::parse(line);
  EXPECT_EQ(json["msg"], "a\nb\x01");
  EXPECT_EQ(json["k"], "\t");
}

TEST(LogTest, UnknownLevelIsAnErrorNamingIt) {
  auto level = parseLevel("verbose");
  ASSERT_FALSE(level);
  EXPECT_NE(level.error().message().find("'verbose'"), std::string::npos);
  EXPECT_EQ(parseLevel("debug").value(), spdlog::level::debug);
}

TEST(LogTest, WritesJsonLinesToFileWithPerComponentLevels) {
  auto dir = std::filesystem::path(testing::TempDir()) / "ait-log-test";
  std::filesystem::remove_all(dir);
  LogSettings settings;
  settings.file = (dir / "sub" / "ait.log").string();
  settings.toStderr = false;
  settings.level = "info";
  settings.components = {{"hub", "debug"}};
  ASSERT_TRUE(init(settings));
  auto hub = logger("hub");
  auto bus = logger("bus");
  debug(*hub, "hub detail", {{"service", "data-bridge"}});
  debug(*bus, "bus detail");  // below bus's level: not written
  info(*bus, "bus info");
  logError(*bus, Error(errors::kTimeout, "query took too long"), {{"tenant", "3"}});

  settings.components = {{"bus", "debug"}};
  ASSERT_TRUE(applyLevels(settings));
  debug(*bus, "bus detail after reload");
  shutdown();

  std::ifstream in(settings.file);
  std::vector<nlohmann::json> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0]["msg"], "hub detail");
  EXPECT_EQ(lines[0]["service"], "data-bridge");
  EXPECT_EQ(lines[1]["msg"], "bus info");
  EXPECT_EQ(lines[2]["code"], "AIT-CORE-0004");
  EXPECT_EQ(lines[2]["category"], "resource");
  EXPECT_EQ(lines[2]["tenant"], "3");
  EXPECT_EQ(lines[2]["fingerprint"].get<std::string>().size(), 16u);
  EXPECT_EQ(lines[3]["msg"], "bus detail after reload");
}

TEST(LogTest, InitRefusesUnknownComponentLevel) {
  LogSettings settings;
  settings.toStderr = false;
  settings.file.clear();
  settings.components = {{"hub", "loud"}};
  auto result = init(settings);
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message().find("'loud'"), std::string::npos);
}

}  // namespace
}  // namespace ait::log
