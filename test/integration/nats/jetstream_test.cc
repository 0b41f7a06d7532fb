// Publisher (this process, reading its journal) -> nats-server with JetStream -> consumer (a
// second process applying to its local bus). The server is SIGKILLed mid-stream and restarted on
// the same port and store; the consumer must end with every selected event exactly once, in order.

#include <unistd.h>

#include <algorithm>
#include <array>
#include <iterator>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "ait/journal/journal.h"
#include "ait/model/codec.h"
#include "ait/nats/publisher.h"
#include "ait/nats/subject.h"
#include "support/child_process.h"
#include "support/nats_server.h"
#include "support/require_server.h"

namespace ait::nats {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

bool waitFor(const std::function<bool()>& condition, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return condition();
}

model::Event makeEvent(int i) {
  const auto tenant = model::TenantId{static_cast<std::uint32_t>(1 + i % 2)};
  const auto ts = TimestampNs{1'700'000'000'000'000'000} + i;
  switch (i % 5) {
    case 0:
    case 1: {
      model::Tick tick;
      tick.header = {tenant, ts, ts, 0};
      tick.instrument.symbol = model::Symbol::truncated(i % 3 == 0 ? "EURUSD" : "BTC/USDT");
      tick.flags = static_cast<std::uint32_t>(i);
      return tick;
    }
    case 2: {
      model::OrderFilled fill;
      fill.header = {tenant, ts, ts, 0};
      fill.clientOrderId = model::ClientOrderId::truncated(fmt::format("c-{}", i));
      return fill;
    }
    case 3: {
      model::PositionChanged position;  // not selected: stays local
      position.header = {tenant, ts, ts, 0};
      return position;
    }
    default: {
      model::AccountState account;
      account.header = {tenant, ts, ts, 0};
      return account;
    }
  }
}

class NatsJetStream : public ::testing::Test {
 protected:
  void SetUp() override {
    if (ait::testing::findNatsServer().empty()) AIT_SKIP_UNLESS_SERVERS_REQUIRED() << "nats-server is not installed";
    dir_ = fs::temp_directory_path() / fmt::format("ait-nats-it-{}", ::getpid());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (!HasFailure() && !dir_.empty()) fs::remove_all(dir_);
  }

  // Appends events [from, to) and returns the "<seq> <subject>" lines the consumer should apply.
  void append(journal::Journal& journal, int from, int to, std::vector<std::string>& expected) {
    std::array<std::byte, model::kMaxEncodedSize> buffer{};
    for (int i = from; i < to; ++i) {
      const auto event = makeEvent(i);
      auto size = model::encode(event, buffer);
      ASSERT_TRUE(size.has_value()) << size.error().describe();
      const auto& header = model::headerOf(event);
      auto seq = journal.append(model::typeIdOf(event), header.tenant.value, header.tsEvent,
                                std::span<const std::byte>(buffer.data(), *size));
      ASSERT_TRUE(seq.has_value()) << seq.error().describe();
      if (model::typeOf(event) != model::EventType::PositionChanged) {
        expected.push_back(fmt::format("{} {}", *seq, subjectOf(event).view()));
        lastSelected_ = *seq;
      }
    }
  }

  fs::path dir_;
  std::uint64_t lastSelected_ = 0;
};

TEST_F(NatsJetStream, ConsumerGetsEveryEventExactlyOnceInOrderAcrossServerKill) {
  ait::testing::NatsServer server(dir_ / "store", dir_ / "server.log");
  ASSERT_TRUE(server.start()) << "nats-server did not listen on " << server.port();
  const std::string url = server.url();

  journal::JournalConfig jc;
  jc.dataDir = (dir_ / "journal").string();
  jc.fsync = false;
  auto journal = journal::Journal::open(jc);
  ASSERT_TRUE(journal.has_value()) << journal.error().describe();

  NatsConfig config;
  config.urls = {url};
  config.state_dir = (dir_ / "publisher").string();
  config.publish = {"md", "orders", "account", "system"};
  config.breaker.open_duration_ms = 500;
  config.retry.max_backoff_ms = 500;
  config.publish_timeout_ms = 2000;
  auto publisher = JetStreamPublisher::create(config, **journal);
  ASSERT_TRUE(publisher.has_value()) << publisher.error().describe();
  ASSERT_TRUE((*publisher)->start().has_value());

  constexpr int kPerPhase = 500;
  std::vector<std::string> expected;
  // The count the consumer waits for is known up front: 4 of every 5 events are selected.
  const int total = 3 * kPerPhase;
  int selected = 0;
  for (int i = 0; i < total; ++i) selected += makeEvent(i).index() != model::Event(model::PositionChanged{}).index();

  ait::testing::ChildProcess child({NATS_CONSUMER_CHILD, url, (dir_ / "consumer").string(),
                                   (dir_ / "applied.txt").string(), std::to_string(selected)},
                                  (dir_ / "consumer.log").string());

  append(**journal, 0, kPerPhase, expected);
  const auto phase1Last = lastSelected_;
  ASSERT_TRUE(waitFor([&] { return (*publisher)->cursor() >= phase1Last / 2; }, 60s))
      << "publisher stuck at " << (*publisher)->cursor();

  // The consumer too must be mid-stream when the server dies.
  auto appliedLines = [&] {
    std::ifstream in(dir_ / "applied.txt");
    return std::count(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>(), '\n');
  };
  ASSERT_TRUE(waitFor([&] { return appliedLines() >= 50; }, 60s)) << "the consumer applied nothing";
  server.kill();
  append(**journal, kPerPhase, 2 * kPerPhase, expected);
  ASSERT_TRUE(waitFor([&] {
    const auto s = (*publisher)->stats();
    return s.failures > 0 && s.backlog > 0;
  }, 60s))
      << "the publisher never noticed the server was gone";
  const auto whileDown = (*publisher)->stats();
  EXPECT_LT(whileDown.cursor, lastSelected_);
  EXPECT_GT(whileDown.backlog, 0u);

  ASSERT_TRUE(server.start()) << "nats-server did not come back on " << server.port();
  append(**journal, 2 * kPerPhase, total, expected);
  ASSERT_TRUE(waitFor([&] { return (*publisher)->cursor() >= lastSelected_; }, 60s))
      << "publisher caught up only to " << (*publisher)->cursor() << " of " << lastSelected_;
  const auto caughtUp = (*publisher)->stats();
  EXPECT_EQ(caughtUp.backlog, 0u);
  EXPECT_GT(caughtUp.reconnects, 0u);
  std::cout << "publisher: published " << caughtUp.published << " resends dropped by JetStream "
            << caughtUp.duplicates << " failures " << caughtUp.failures << " reconnects "
            << caughtUp.reconnects << '\n';

  const auto status = child.wait(90s);
  (*publisher)->stop();
  ASSERT_TRUE(status.has_value()) << "consumer process did not finish; see " << (dir_ / "consumer.log");
  EXPECT_EQ(*status, 0) << "consumer failed or timed out; see " << (dir_ / "consumer.log");

  {
    // The child's last line says what the consumer dropped and waited for; shown for diagnosis.
    std::ifstream log(dir_ / "consumer.log");
    for (std::string line; std::getline(log, line);) {
      if (line.starts_with("consumer:")) std::cout << line << '\n';
    }
  }
  std::vector<std::string> applied;
  std::ifstream in(dir_ / "applied.txt");
  for (std::string line; std::getline(in, line);) applied.push_back(line);
  ASSERT_EQ(applied.size(), expected.size());
  EXPECT_EQ(applied, expected);

  // A restarted publisher resumes from its cursor and publishes nothing twice.
  auto again = JetStreamPublisher::create(config, **journal);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ((*again)->cursor(), lastSelected_);
  (void)(*journal)->close();
}

}  // namespace
}  // namespace ait::nats
