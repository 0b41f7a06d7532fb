// `aitrading audit verify` and `aitrading journal dump` on a journal written through the API.
#include <array>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ait/journal/journal.h"
#include "ait/model/codec.h"
#include "ait/model/events.h"
#include "support/child_process.h"

namespace ait {
namespace {

using namespace std::chrono_literals;

const std::string kBinary = std::string(AIT_BINARY_DIR) + "/src/app/aitrading";

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class JournalCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           fmt::format("ait-journal-cli-{}-{}", getpid(),
                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    journal::JournalConfig config;
    config.dataDir = (dir_ / "journal").string();
    config.fsync = false;
    auto opened = journal::Journal::open(config);
    ASSERT_TRUE(opened) << opened.error().describe();
    auto& j = **opened;
    std::array<std::byte, model::kMaxEncodedSize> buffer{};
    for (int i = 0; i < 20; ++i) {
      model::Tick tick;
      tick.header.tenant = model::TenantId{7};
      tick.header.tsEvent = 1'704'164'645'000'000'000 + i;
      tick.instrument = model::InstrumentId{model::Symbol("EURUSD"), model::Venue("MT5")};
      tick.bid = model::Price::fromRaw(110'235 + i, 5);
      tick.ask = model::Price::fromRaw(110'237 + i, 5);
      auto size = model::encode(model::Event{tick}, buffer);
      ASSERT_TRUE(size);
      ASSERT_TRUE(j.append(model::typeIdOf(model::Event{tick}), 7, tick.header.tsEvent,
                           std::span<const std::byte>(buffer.data(), *size)));
    }
    ASSERT_TRUE(j.close());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  int run(std::vector<std::string> args) {
    args.insert(args.begin(), kBinary);
    testing::ChildProcess child(args, out().string());
    return child.wait(30s).value_or(-1);
  }
  std::filesystem::path out() const { return dir_ / "out.txt"; }

  std::filesystem::path dir_;
};

TEST_F(JournalCliTest, AuditVerifyPassesOnAnIntactJournal) {
  EXPECT_EQ(run({"audit", "verify", "--data", (dir_ / "journal").string()}), 0) << slurp(out());
}

TEST_F(JournalCliTest, AuditVerifyNamesTheSegmentOfATamperedRecord) {
  std::filesystem::path segment;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir_ / "journal")) {
    if (entry.path().extension() == ".ajl") segment = entry.path();
  }
  ASSERT_FALSE(segment.empty());
  {
    std::fstream file(segment, std::ios::in | std::ios::out | std::ios::binary);
    file.seekg(0, std::ios::end);
    auto size = static_cast<std::streamoff>(file.tellg());
    file.seekp(size / 2);
    char byte = 0;
    file.seekg(size / 2);
    file.read(&byte, 1);
    byte = static_cast<char>(byte ^ 0x5a);
    file.seekp(size / 2);
    file.write(&byte, 1);
  }
  EXPECT_EQ(run({"audit", "verify", "--quiet", "--data", (dir_ / "journal").string()}), 1);
  EXPECT_NE(slurp(out()).find(segment.filename().string()), std::string::npos) << slurp(out());
}

TEST_F(JournalCliTest, JournalDumpPrintsEventsAsJsonLinesFromASequence) {
  ASSERT_EQ(run({"journal", "dump", "--data", (dir_ / "journal").string(), "--from", "5",
                 "--type", "tick", "--limit", "3"}),
            0)
      << slurp(out());
  std::istringstream lines(slurp(out()));
  std::vector<nlohmann::json> events;
  for (std::string line; std::getline(lines, line);) events.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0]["seq"], 5);
  EXPECT_EQ(events[2]["seq"], 7);
  EXPECT_EQ(events[0]["type"], "tick");
}

TEST_F(JournalCliTest, JournalDumpRefusesAnUnknownType) {
  EXPECT_EQ(run({"journal", "dump", "--data", (dir_ / "journal").string(), "--type", "tik"}), 2);
  EXPECT_NE(slurp(out()).find("unknown event type 'tik'"), std::string::npos);
}

}  // namespace
}  // namespace ait
