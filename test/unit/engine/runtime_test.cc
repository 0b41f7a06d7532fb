#include "ait/engine/runtime.h"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

#include "ait/engine/errors.h"
#include "ait/model/codec.h"

namespace ait::engine {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

class RuntimeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    dir_ = fs::temp_directory_path() /
           ("ait-engine-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(dir_);
    settings_.journal.dataDir = dir_.string();
    settings_.journal.fsync = false;
    settings_.bus.queue_capacity = 1024;
  }
  void TearDown() override { fs::remove_all(dir_); }

  static model::Tick tick(std::uint32_t tenant, std::string_view symbol, std::int64_t ts) {
    model::Tick t;
    t.header = {model::TenantId{tenant}, ts, ts, 0};
    t.instrument.symbol = model::Symbol::truncated(symbol);
    return t;
  }

  // Reads every event of one stream back from disk.
  std::vector<model::Event> readBack(Stream stream) {
    std::vector<model::Event> events;
    auto reader = journal::JournalReader::open(dir_ / std::string(toString(stream)));
    EXPECT_TRUE(reader.has_value());
    if (!reader) return events;
    while (true) {
      auto record = reader->next();
      EXPECT_TRUE(record.has_value());
      if (!record || !record->has_value()) break;
      auto event = model::decode((*record)->payload);
      EXPECT_TRUE(event.has_value());
      if (!event) break;
      model::headerOf(*event).sequence = (*record)->seq;
      events.push_back(*event);
    }
    return events;
  }

  template <class Pred>
  static bool waitFor(Pred pred) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!pred()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(1ms);
    }
    return true;
  }

  fs::path dir_;
  RuntimeSettings settings_;
};

TEST_F(RuntimeTest, JournalsEveryEventBeforeHandlersSeeIt) {
  auto runtime = Runtime::open(settings_);
  ASSERT_TRUE(runtime.has_value()) << runtime.error().describe();
  std::mutex mutex;
  std::vector<std::uint64_t> seen;
  ASSERT_TRUE((*runtime)->bus().subscribe("md.*", [&](const model::Event& event) {
    std::lock_guard lock(mutex);
    seen.push_back(model::headerOf(event).sequence);
  }));
  auto producer = (*runtime)->bus().makeProducer({.name = "test"});
  ASSERT_TRUE(producer.has_value());
  ASSERT_TRUE((*runtime)->start());
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(producer->publish(tick(7, i % 2 ? "EURUSD" : "GBPUSD", 1000 + i)),
              bus::PublishStatus::Ok);
  }
  ASSERT_TRUE(waitFor([&] {
    std::lock_guard lock(mutex);
    return seen.size() == 100;
  }));
  (*runtime)->stop();
  for (std::size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], i + 1);

  auto md = readBack(Stream::MarketData);
  ASSERT_EQ(md.size(), 100u);
  for (int i = 0; i < 100; ++i) {
    const auto& t = std::get<model::Tick>(md[static_cast<std::size_t>(i)]);
    EXPECT_EQ(t.header.tsEvent, 1000 + i);
    EXPECT_EQ(t.header.tenant.value, 7u);
    EXPECT_EQ(t.instrument.symbol.view(), i % 2 ? "EURUSD" : "GBPUSD");
  }
  EXPECT_TRUE(readBack(Stream::Trading).empty());
}

TEST_F(RuntimeTest, RecordJournalsOnceAndPublishesWithTheSequence) {
  auto runtime = Runtime::open(settings_);
  ASSERT_TRUE(runtime.has_value()) << runtime.error().describe();
  Runtime& rt = **runtime;
  std::atomic<std::uint64_t> recordedSeq{0};
  std::atomic<std::uint64_t> seenSeq{0};
  std::atomic<int> fills{0};
  // A tick makes a handler create an order event; another handler sees that event afterwards.
  ASSERT_TRUE(rt.bus().subscribe("md.*", [&](const model::Event& event) {
    model::OrderFilled fill;
    fill.header = {model::tenantOf(event), 5, 6, 0};
    fill.clientOrderId = model::ClientOrderId::truncated("c-1");
    auto seq = rt.record(fill);
    if (seq) recordedSeq = *seq;
  }));
  ASSERT_TRUE(rt.bus().subscribe("orders.*", [&](const model::Event& event) {
    seenSeq = model::headerOf(event).sequence;
    fills.fetch_add(1);
  }));
  ASSERT_TRUE(rt.start());
  ASSERT_EQ(rt.bus().publish(tick(3, "EURUSD", 1)), bus::PublishStatus::Ok);
  ASSERT_TRUE(waitFor([&] { return fills.load() == 1; }));
  EXPECT_EQ(recordedSeq.load(), 1u);
  EXPECT_EQ(seenSeq.load(), 1u);
  EXPECT_TRUE(rt.waitDurable(Stream::Trading, 1, 5s).has_value());
  rt.stop();

  auto trading = readBack(Stream::Trading);
  ASSERT_EQ(trading.size(), 1u) << "an event from record() must not be journaled twice";
  EXPECT_EQ(std::get<model::OrderFilled>(trading[0]).clientOrderId.view(), "c-1");
  EXPECT_EQ(readBack(Stream::MarketData).size(), 1u);
}

TEST_F(RuntimeTest, RecordOffTheEngineThreadFails) {
  auto runtime = Runtime::open(settings_);
  ASSERT_TRUE(runtime.has_value());
  auto seq = (*runtime)->record(tick(1, "EURUSD", 1));
  ASSERT_FALSE(seq.has_value());
  EXPECT_EQ(seq.error().code().code, errors::kWrongThread.code);
}

TEST_F(RuntimeTest, RemoteEventsAreDispatchedButNotJournaledAgain) {
  auto runtime = Runtime::open(settings_);
  ASSERT_TRUE(runtime.has_value());
  std::atomic<int> seen{0};
  ASSERT_TRUE((*runtime)->bus().subscribe(">", [&](const model::Event&) { seen.fetch_add(1); }));
  ASSERT_TRUE((*runtime)->start());
  auto remote = tick(1, "EURUSD", 1);
  remote.header.sequence = 42;  // as it arrives from another process's journal over NATS
  ASSERT_EQ((*runtime)->bus().publish(remote), bus::PublishStatus::Ok);
  ASSERT_EQ((*runtime)->bus().publish(tick(1, "EURUSD", 2)), bus::PublishStatus::Ok);
  ASSERT_TRUE(waitFor([&] { return seen.load() == 2; }));
  (*runtime)->stop();
  auto md = readBack(Stream::MarketData);
  ASSERT_EQ(md.size(), 1u);
  EXPECT_EQ(model::headerOf(md[0]).tsEvent, 2);
}

TEST_F(RuntimeTest, ReopenContinuesTheSequence) {
  {
    auto runtime = Runtime::open(settings_);
    ASSERT_TRUE(runtime.has_value());
    ASSERT_TRUE((*runtime)->start());
    for (int i = 0; i < 5; ++i) (*runtime)->bus().publish(tick(1, "EURUSD", i + 1));
    (*runtime)->stop();  // drains the queue and makes everything durable
  }
  auto runtime = Runtime::open(settings_);
  ASSERT_TRUE(runtime.has_value());
  EXPECT_EQ((*runtime)->journal(Stream::MarketData).durableSequence(), 5u);
  std::atomic<std::uint64_t> seq{0};
  ASSERT_TRUE((*runtime)->bus().subscribe("md.*", [&](const model::Event& event) {
    seq = model::headerOf(event).sequence;
  }));
  ASSERT_TRUE((*runtime)->start());
  (*runtime)->bus().publish(tick(1, "EURUSD", 10));
  ASSERT_TRUE(waitFor([&] { return seq.load() != 0; }));
  EXPECT_EQ(seq.load(), 6u);
  EXPECT_EQ((*runtime)->health().status, hub::HealthStatus::Healthy);
}

TEST(StreamOf, MarketDataAndTradingAreSeparated) {
  EXPECT_EQ(streamOf(model::EventType::Tick), Stream::MarketData);
  EXPECT_EQ(streamOf(model::EventType::Bar), Stream::MarketData);
  EXPECT_EQ(streamOf(model::EventType::GapDetected), Stream::MarketData);
  EXPECT_EQ(streamOf(model::EventType::OrderFilled), Stream::Trading);
  EXPECT_EQ(streamOf(model::EventType::SubmitOrder), Stream::Trading);
  EXPECT_EQ(streamOf(model::EventType::AccountState), Stream::Trading);
}

}  // namespace
}  // namespace ait::engine
