// Two engine runtimes (two "processes" of a split deployment) exchange their events through a
// real nats-server with JetStream, which is SIGKILLed and restarted mid-stream. Each runtime
// must receive the other's events exactly once and in journal order, never its own back, and
// must not journal what it received (it lives in the sender's journal).

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "ait/engine/runtime.h"
#include "support/nats_server.h"
#include "support/require_server.h"

namespace ait::engine {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

struct Received {
  std::mutex mutex;
  std::vector<std::pair<model::EventType, std::uint64_t>> events;  // type, sender's sequence
  std::size_t size() {
    std::lock_guard lock(mutex);
    return events.size();
  }
};

class RuntimeNats : public ::testing::Test {
 protected:
  void SetUp() override {
    if (ait::testing::findNatsServer().empty()) AIT_SKIP_UNLESS_SERVERS_REQUIRED() << "nats-server is not installed";
    dir_ = fs::temp_directory_path() / fmt::format("ait-engine-nats-{}", ::getpid());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    server_ = std::make_unique<ait::testing::NatsServer>(dir_ / "store", dir_ / "nats.log");
    ASSERT_TRUE(server_->start()) << "nats-server did not start; see " << dir_ / "nats.log";
  }
  void TearDown() override {
    server_.reset();
    if (!HasFailure()) fs::remove_all(dir_);
  }

  RuntimeSettings settingsFor(const std::string& node) {
    RuntimeSettings settings;
    settings.journal.dataDir = (dir_ / node / "journal").string();
    settings.journal.fsync = false;
    settings.bus.queue_capacity = 4096;
    nats::NatsConfig config;
    config.urls = {server_->url()};
    config.source = node;
    config.state_dir = (dir_ / node / "nats").string();
    config.ack_wait_ms = 1000;
    config.fetch_timeout_ms = 100;
    config.retry.initial_backoff_ms = 20;
    config.retry.max_backoff_ms = 200;
    settings.nats = config;
    return settings;
  }

  static model::Event event(int i, std::uint32_t tenant) {
    const TimestampNs ts = 1'700'000'000'000'000'000 + i;
    if (i % 3 == 2) {
      model::OrderFilled fill;
      fill.header = {model::TenantId{tenant}, ts, ts, 0};
      fill.clientOrderId = model::ClientOrderId::truncated(fmt::format("c-{}", i));
      return fill;
    }
    model::Tick tick;
    tick.header = {model::TenantId{tenant}, ts, ts, 0};
    tick.instrument.symbol = model::Symbol::truncated(i % 2 ? "EURUSD" : "BTC/USDT");
    return tick;
  }

  static void subscribeRemote(Runtime& runtime, Received& received, std::uint32_t ownTenant) {
    ASSERT_TRUE(runtime.bus().subscribe(">", [&received, ownTenant](const model::Event& e) {
      if (model::tenantOf(e).value == ownTenant) return;  // local events
      std::lock_guard lock(received.mutex);
      received.events.emplace_back(model::typeOf(e), model::headerOf(e).sequence);
    }));
  }

  static bool waitFor(const std::function<bool()>& condition, std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (condition()) return true;
      std::this_thread::sleep_for(20ms);
    }
    return condition();
  }

  fs::path dir_;
  std::unique_ptr<ait::testing::NatsServer> server_;
};

TEST_F(RuntimeNats, EventsCrossExactlyOnceInOrderAcrossAServerKill) {
  auto a = Runtime::open(settingsFor("node-a"));
  auto b = Runtime::open(settingsFor("node-b"));
  ASSERT_TRUE(a.has_value()) << a.error().describe();
  ASSERT_TRUE(b.has_value()) << b.error().describe();
  Received atA;
  Received atB;
  subscribeRemote(**a, atA, 1);
  subscribeRemote(**b, atB, 2);
  ASSERT_TRUE((*a)->start());
  ASSERT_TRUE((*b)->start());

  constexpr int kPerPhase = 150;
  for (int i = 0; i < kPerPhase; ++i) {
    ASSERT_EQ((*a)->bus().publish(event(i, 1)), bus::PublishStatus::Ok);
    if (i % 5 == 0) {
      ASSERT_EQ((*b)->bus().publish(event(i, 2)), bus::PublishStatus::Ok);
    }
  }
  ASSERT_TRUE(waitFor([&] { return atB.size() >= kPerPhase / 3; }, 30s));
  server_->kill();
  // While NATS is down both keep journaling; nothing may be lost.
  for (int i = kPerPhase; i < 2 * kPerPhase; ++i) {
    ASSERT_EQ((*a)->bus().publish(event(i, 1)), bus::PublishStatus::Ok);
    if (i % 5 == 0) {
      ASSERT_EQ((*b)->bus().publish(event(i, 2)), bus::PublishStatus::Ok);
    }
  }
  ASSERT_TRUE(server_->start());
  ASSERT_TRUE(waitFor([&] { return atB.size() >= 2 * kPerPhase; }, 60s))
      << "node-b received " << atB.size() << " of " << 2 * kPerPhase;
  ASSERT_TRUE(waitFor([&] { return atA.size() >= 2 * kPerPhase / 5; }, 60s))
      << "node-a received " << atA.size() << " of " << 2 * kPerPhase / 5;
  std::this_thread::sleep_for(1500ms);  // a late duplicate would arrive in this window
  (*a)->stop();
  (*b)->stop();

  // Exactly once and in each sender journal's order: per stream, sequences 1, 2, 3, ...
  auto check = [](Received& received, std::size_t expected, const char* who) {
    std::lock_guard lock(received.mutex);
    ASSERT_EQ(received.events.size(), expected) << who;
    std::uint64_t next[2] = {1, 1};
    for (const auto& [type, seq] : received.events) {
      auto& n = next[static_cast<std::size_t>(streamOf(type))];
      ASSERT_EQ(seq, n) << who << ": stream " << toString(streamOf(type));
      ++n;
    }
  };
  check(atB, 2 * kPerPhase, "node-b");
  check(atA, 2 * kPerPhase / 5, "node-a");

  // Received events stay in the sender's journal only.
  EXPECT_EQ((*a)->journal(Stream::MarketData).durableSequence() +
                (*a)->journal(Stream::Trading).durableSequence(),
            2u * kPerPhase);
  EXPECT_EQ((*b)->journal(Stream::MarketData).durableSequence() +
                (*b)->journal(Stream::Trading).durableSequence(),
            2u * kPerPhase / 5);
}

}  // namespace
}  // namespace ait::engine
