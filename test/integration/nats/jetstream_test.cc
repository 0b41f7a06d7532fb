// Publisher (this process, reading its journal) -> nats-server with JetStream -> consumer (a
// second process applying to its local bus). The server is SIGKILLed mid-stream and restarted on
// the same port and store; the consumer must end with every selected event exactly once, in order.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
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

namespace ait::nats {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

// Debian installs it in /usr/sbin; other packagings use /usr/bin.
std::string findServer() {
  for (const char* path : {"/usr/bin/nats-server", "/usr/sbin/nats-server", "/usr/local/bin/nats-server"}) {
    if (fs::exists(path)) return path;
  }
  return {};
}

int freePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) return -1;
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

bool portOpen(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

bool waitFor(const std::function<bool()>& condition, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return condition();
}

pid_t spawn(const std::vector<std::string>& args, const fs::path& log) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    std::FILE* f = std::fopen(log.c_str(), "a");
    if (f != nullptr) {
      ::dup2(fileno(f), STDOUT_FILENO);
      ::dup2(fileno(f), STDERR_FILENO);
    }
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

class NatsServer {
 public:
  NatsServer(int port, fs::path store, fs::path log) : port_(port), store_(std::move(store)), log_(std::move(log)) {}
  ~NatsServer() { kill(); }

  bool start() {
    pid_ = spawn({findServer(), "-a", "127.0.0.1", "-p", std::to_string(port_), "-js", "-sd", store_.string()}, log_);
    return waitFor([this] { return portOpen(port_); }, 30s);
  }
  void kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  int port_;
  fs::path store_;
  fs::path log_;
  pid_t pid_ = -1;
};

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
    if (findServer().empty()) GTEST_SKIP() << "nats-server is not installed";
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
  const int port = freePort();
  ASSERT_GT(port, 0);
  const std::string url = fmt::format("nats://127.0.0.1:{}", port);
  NatsServer server(port, dir_ / "store", dir_ / "server.log");
  ASSERT_TRUE(server.start()) << "nats-server did not listen on " << port;

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

  const pid_t child = spawn({NATS_CONSUMER_CHILD, url, (dir_ / "consumer").string(),
                             (dir_ / "applied.txt").string(), std::to_string(selected)},
                            dir_ / "consumer.log");
  ASSERT_GT(child, 0);

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

  ASSERT_TRUE(server.start()) << "nats-server did not come back on " << port;
  append(**journal, 2 * kPerPhase, total, expected);
  ASSERT_TRUE(waitFor([&] { return (*publisher)->cursor() >= lastSelected_; }, 60s))
      << "publisher caught up only to " << (*publisher)->cursor() << " of " << lastSelected_;
  const auto caughtUp = (*publisher)->stats();
  EXPECT_EQ(caughtUp.backlog, 0u);
  EXPECT_GT(caughtUp.reconnects, 0u);
  std::cout << "publisher: published " << caughtUp.published << " resends dropped by JetStream "
            << caughtUp.duplicates << " failures " << caughtUp.failures << " reconnects "
            << caughtUp.reconnects << '\n';

  int status = 0;
  const bool exited = waitFor([&] { return ::waitpid(child, &status, WNOHANG) == child; }, 90s);
  if (!exited) {
    ::kill(child, SIGKILL);
    ::waitpid(child, &status, 0);
  }
  (*publisher)->stop();
  ASSERT_TRUE(exited) << "consumer process did not finish; see " << (dir_ / "consumer.log");
  ASSERT_TRUE(WIFEXITED(status)) << "consumer died";
  EXPECT_EQ(WEXITSTATUS(status), 0) << "consumer timed out; see " << (dir_ / "consumer.log");

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
