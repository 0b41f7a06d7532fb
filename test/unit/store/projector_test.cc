#include "ait/store/projector.h"

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include "ait/model/codec.h"
#include "ait/store/errors.h"
#include "ait/store/sqlite_store.h"

namespace ait::store {
namespace {

using namespace std::chrono_literals;

// The SQLite store behind a switch that makes it fail as a server that went down would.
class SwitchableStore final : public EventStore {
 public:
  explicit SwitchableStore(EventStore& inner) : inner_(inner) {}
  std::atomic<bool> down{false};

  std::string_view backend() const noexcept override { return "switchable"; }
  Expected<MigrationState> migrations() override { return inner_.migrations(); }
  Expected<std::uint64_t> checkpoint(std::string_view s) override {
    if (down) return fail(store::errors::kBackend, "connection refused");
    return inner_.checkpoint(s);
  }
  Expected<void> apply(std::string_view s, std::span<const model::Event> e) override {
    if (down) return fail(store::errors::kBackend, "connection refused");
    return inner_.apply(s, e);
  }
  Expected<void> ping() override { return inner_.ping(); }
  Expected<nlohmann::json> orders(model::TenantId t, std::size_t l) override { return inner_.orders(t, l); }
  Expected<nlohmann::json> fills(model::TenantId t, std::size_t l) override { return inner_.fills(t, l); }
  Expected<nlohmann::json> ticks(model::TenantId t, std::string_view s, std::int64_t f, std::int64_t to,
                                 std::size_t l) override {
    return inner_.ticks(t, s, f, to, l);
  }

 private:
  EventStore& inner_;
};

class ProjectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / fmt::format("ait-projector-{}", ::getpid());
    std::filesystem::remove_all(dir_);
    journal::JournalConfig config;
    config.dataDir = (dir_ / "journal").string();
    config.fsync = false;
    journal::JournalOptions options;
    options.stream = "trading";
    journal_ = journal::Journal::open(config, options).value();
    sqlite_ = SqliteEventStore::open(dir_ / "store.db").value();
  }
  void TearDown() override {
    journal_.reset();
    std::filesystem::remove_all(dir_);
  }

  void appendFills(int from, int to) {
    for (int i = from; i < to; ++i) {
      model::OrderFilled f;
      f.header = {model::TenantId{1}, i, i, 0};
      f.clientOrderId = model::ClientOrderId::truncated(fmt::format("c-{}", i));
      f.fillQuantity = model::Quantity::parse("1").value();
      std::array<std::byte, model::kMaxEncodedSize> buffer;
      const auto size = model::encode(f, buffer).value();
      ASSERT_TRUE(journal_->append(model::typeIdOf(f), 1, i, std::span(buffer.data(), size)).has_value());
    }
    ASSERT_TRUE(journal_->waitDurable(journal_->lastSequence(), 5s).has_value());
  }

  bool waitCaughtUp(Projector& projector, std::uint64_t seq) {
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < deadline) {
      if (projector.status().streams[0].checkpoint >= seq) return true;
      std::this_thread::sleep_for(5ms);
    }
    return false;
  }

  std::filesystem::path dir_;
  std::unique_ptr<journal::Journal> journal_;
  std::unique_ptr<SqliteEventStore> sqlite_;
};

TEST_F(ProjectorTest, ProjectsTheJournalAndFollowsNewRecords) {
  appendFills(0, 1000);
  Projector projector(*sqlite_, {{"trading", journal_.get()}}, {.batch = 128});
  projector.start();
  ASSERT_TRUE(waitCaughtUp(projector, 1000));
  appendFills(1000, 1100);
  ASSERT_TRUE(waitCaughtUp(projector, 1100));
  projector.stop();
  EXPECT_EQ(sqlite_->fills(model::TenantId{1}, 5000).value().size(), 1100u);
  EXPECT_EQ(projector.status().streams[0].lag(), 0u);
}

TEST_F(ProjectorTest, ABackendOutagePausesTheProjectionAndItCatchesUpExactlyOnce) {
  SwitchableStore store(*sqlite_);
  Projector projector(store, {{"trading", journal_.get()}},
                      {.batch = 64, .initialBackoff = 10ms, .maxBackoff = 50ms});
  appendFills(0, 300);
  projector.start();
  ASSERT_TRUE(waitCaughtUp(projector, 300));
  store.down = true;
  appendFills(300, 700);  // trading goes on while the database is down
  std::this_thread::sleep_for(200ms);
  auto during = projector.status();
  EXPECT_FALSE(during.connected);
  EXPECT_GT(during.failures, 0u);
  EXPECT_EQ(during.streams[0].checkpoint, 300u);
  EXPECT_EQ(during.streams[0].lag(), 400u);
  store.down = false;
  ASSERT_TRUE(waitCaughtUp(projector, 700));
  projector.stop();
  EXPECT_TRUE(projector.status().connected);
  auto fills = sqlite_->fills(model::TenantId{1}, 5000).value();
  ASSERT_EQ(fills.size(), 700u);
  for (std::size_t i = 0; i < fills.size(); ++i) {
    EXPECT_EQ(fills[i]["sequence"], 700 - i) << "each journal record exactly once";
  }
}

TEST_F(ProjectorTest, RestartResumesFromTheCheckpoint) {
  appendFills(0, 200);
  {
    Projector projector(*sqlite_, {{"trading", journal_.get()}});
    projector.start();
    ASSERT_TRUE(waitCaughtUp(projector, 200));
  }
  appendFills(200, 250);
  Projector again(*sqlite_, {{"trading", journal_.get()}});
  again.start();
  ASSERT_TRUE(waitCaughtUp(again, 250));
  again.stop();
  EXPECT_EQ(sqlite_->fills(model::TenantId{1}, 5000).value().size(), 250u);
}

}  // namespace
}  // namespace ait::store
