#include "ait/nats/cursor.h"

#include <unistd.h>

#include <fstream>

#include <gtest/gtest.h>

namespace ait::nats {
namespace {

class NatsCursor : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("ait-nats-cursor-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(NatsCursor, MissingFileLoadsEmpty) {
  CursorFile file(dir_ / "none.cursor");
  auto values = file.load();
  ASSERT_TRUE(values.has_value());
  EXPECT_TRUE(values->empty());
}

TEST_F(NatsCursor, StoredValuesSurviveReopen) {
  {
    CursorFile file(dir_ / "sub" / "p.cursor");
    ASSERT_TRUE(file.store({{"published", 41}, {"position", 57}}).has_value());
    ASSERT_TRUE(file.store({{"published", 42}, {"position", 58}}).has_value());
  }
  CursorFile again(dir_ / "sub" / "p.cursor");
  auto values = again.load();
  ASSERT_TRUE(values.has_value());
  EXPECT_EQ(values->at("published"), 42u);
  EXPECT_EQ(values->at("position"), 58u);
  EXPECT_EQ(values->size(), 2u);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "sub" / "p.cursor.tmp"));
}

TEST_F(NatsCursor, MalformedFileNamesFileAndLine) {
  std::filesystem::create_directories(dir_);
  {
    std::ofstream out(dir_ / "bad.cursor");
    out << "node1 5\nnode2 five\n";
  }
  auto values = CursorFile(dir_ / "bad.cursor").load();
  ASSERT_FALSE(values.has_value());
  EXPECT_EQ(values.error().codeString(), "AIT-NATS-0008");
  EXPECT_NE(values.error().message().find("line 2"), std::string::npos);
  EXPECT_NE(values.error().message().find("bad.cursor"), std::string::npos);
}

TEST_F(NatsCursor, StoreIntoUnwritablePlaceFailsWithCode) {
  std::filesystem::create_directories(dir_);
  { std::ofstream(dir_ / "file") << "x"; }
  auto ok = CursorFile(dir_ / "file" / "c.cursor").store({{"a", 1}});
  ASSERT_FALSE(ok.has_value());
  EXPECT_EQ(ok.error().codeString(), "AIT-NATS-0008");
}

}  // namespace
}  // namespace ait::nats
