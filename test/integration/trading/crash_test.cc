// Kills the trading-engine service (SIGKILL) in the middle of order flow, again and again. After
// every kill: each order and fill the REST API acknowledged is in the journal, the positions
// rebuilt by replaying the journal equal an independent fold of its fills, and the restarted
// service's own replay reports exactly that state.

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "ait/journal/reader.h"
#include "ait/model/codec.h"
#include "crash_common.h"
#include "support/child_process.h"
#include "unit/journal/journal_test_util.h"

namespace ait::trading {
namespace {

constexpr int kRounds = 60;

/// The child's stdout goes to a file per round; the parent reads it as it grows.
struct Child {
  std::unique_ptr<ait::testing::ChildProcess> process;
  int out = -1;
};

Child spawn(const std::filesystem::path& dataDir, std::uint64_t seed, int run) {
  const auto log = dataDir / ("child-" + std::to_string(run) + ".out");
  Child child;
  // Open it first, so the parent reads from the start whatever the child writes.
  child.out = ::open(log.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
  child.process = std::make_unique<ait::testing::ChildProcess>(
      std::vector<std::string>{TRADING_CRASH_CHILD, dataDir.string(), std::to_string(seed),
                               "r" + std::to_string(run)},
      log.string());
  return child;
}

struct Ack {
  int http = 0;
  std::string status;
  std::string filled;
};

struct Output {
  std::string partial;
  std::string state;  // the "state ..." line of the current child
  std::map<std::string, Ack> acks;
  std::size_t ackCount = 0;
  int snapshotsLoaded = 0;  // restarts that began from a snapshot
};

/// Reads lines until the deadline, or up to the end of the file when runFor is negative.
void readLines(int fd, std::chrono::milliseconds runFor, Output& out) {
  const auto deadline = std::chrono::steady_clock::now() + runFor;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) {
      // At the end of what the child wrote so far: wait for more until the deadline.
      if (runFor.count() < 0 || std::chrono::steady_clock::now() >= deadline) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      continue;
    }
    out.partial.append(buf, static_cast<std::size_t>(n));
    std::size_t eol;
    while ((eol = out.partial.find('\n')) != std::string::npos) {
      std::string line = out.partial.substr(0, eol);
      out.partial.erase(0, eol + 1);
      std::istringstream in(line);
      std::string kind;
      in >> kind;
      if (kind == "state") {
        out.state = line;
      } else if (kind == "snapshot") {
        std::uint64_t seq = 0;
        in >> seq;
        if (seq > 0) ++out.snapshotsLoaded;
      } else if (kind == "ack") {
        std::string id;
        Ack ack;
        in >> id >> ack.http >> ack.status >> ack.filled;
        out.acks[id] = ack;
        ++out.ackCount;
      }
    }
  }
}

/// The parent's own replay of the trading journal, and an independent fold of its fills.
struct Replayed {
  std::unique_ptr<portfolio::Catalog> catalog;
  std::unique_ptr<NullRecorder> recorder;
  std::unique_ptr<TradingEngine> engine;
  std::uint64_t events = 0;
  std::uint64_t lastSequence = 0;
  std::int64_t foldNet = 0;            // signed sum of fill quantities
  portfolio::Int128 foldCash = 0;      // -signed sum of price x quantity (scale 7)
  std::int64_t foldCommission = 0;     // kMoneyScale
};

Replayed replay(const std::filesystem::path& dir) {
  Replayed r;
  auto s = crashtest::settings();
  r.catalog = std::make_unique<portfolio::Catalog>();
  for (const auto& i : s.instruments) EXPECT_TRUE(r.catalog->add(i));
  r.recorder = std::make_unique<NullRecorder>();
  r.engine = std::make_unique<TradingEngine>(*r.catalog, *r.recorder, s.engine, s.limits);
  for (const auto& a : s.accounts) {
    EXPECT_TRUE(r.engine->addAccount(a.tenant, a.id, a.currency, a.mode, a.balance));
  }
  auto reader = journal::JournalReader::open(dir / "trading");
  EXPECT_TRUE(reader) << reader.error().describe();
  if (!reader) return r;
  for (;;) {
    auto record = reader->next();
    EXPECT_TRUE(record) << record.error().describe();
    if (!record || !*record) break;
    auto event = model::decode((*record)->payload);
    EXPECT_TRUE(event) << event.error().describe();
    if (!event) break;
    model::headerOf(*event).sequence = (*record)->seq;
    r.engine->replay(*event);
    ++r.events;
    r.lastSequence = (*record)->seq;
    if (const auto* fill = std::get_if<model::OrderFilled>(&*event)) {
      std::int64_t q = fill->fillQuantity.rescaled(2)->mantissa();
      std::int64_t p = fill->fillPrice.rescaled(5)->mantissa();
      std::int64_t signedQ = fill->side == model::Side::Buy ? q : -q;
      r.foldNet += signedQ;
      r.foldCash -= static_cast<portfolio::Int128>(p) * signedQ;
      r.foldCommission += fill->commission.rescaled(portfolio::kMoneyScale)->mantissa();
    }
  }
  return r;
}

TEST(TradingCrash, KeepsEveryAcknowledgedOrderAndFillAcrossSigkill) {
  journal::testing::TempDir tmp;
  std::mt19937_64 rng(20261124);
  Output out;
  std::string expectedState;  // what the next child must report after its replay
  std::size_t maxAcks = 0;
  int killedWhileTrading = 0;

  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    Child child = spawn(tmp.path(), rng(), round);
    ASSERT_GE(child.out, 0);
    out.state.clear();
    out.partial.clear();
    const auto before = out.ackCount;
    if (round % 6 == 5) {
      // Some kills land during start-up and replay, before anything is acknowledged.
      readLines(child.out, std::chrono::milliseconds(rng() % 40), out);
    } else {
      for (int waited = 0; waited < 400 && out.ackCount == before; ++waited) {
        readLines(child.out, std::chrono::milliseconds(25), out);
      }
      readLines(child.out, std::chrono::milliseconds(rng() % 150), out);
      if (out.ackCount > before) ++killedWhileTrading;
    }
    child.process->signal(SIGKILL);
    auto status = child.process->wait(std::chrono::seconds(10));
    readLines(child.out, std::chrono::milliseconds(-1), out);
    ::close(child.out);
    ASSERT_EQ(status, std::optional<int>(128 + SIGKILL))
        << "the child exited by itself (status " << status.value_or(-1) << ")";
    if (!out.state.empty() && !expectedState.empty()) {
      ASSERT_EQ(out.state, expectedState) << "the restarted service's replay differs";
    }

    Replayed r = replay(tmp.path());
    ASSERT_TRUE(r.engine);
    const auto& engine = *r.engine;
    // Every acknowledged order is there, at least as far along as acknowledged.
    for (const auto& [id, ack] : out.acks) {
      auto index = engine.orders().find(crashtest::kTenant, *model::ClientOrderId::from(id));
      ASSERT_GE(index, 0) << "acknowledged order " << id << " was lost";
      const auto& order = engine.orders().at(static_cast<std::uint32_t>(index));
      auto filled = model::Quantity::parse(ack.filled);
      ASSERT_TRUE(filled);
      ASSERT_GE(order.filled, filled->rescaled(2)->mantissa())
          << "an acknowledged fill of " << id << " was lost";
      if (ack.status == "denied") {
        EXPECT_EQ(order.status, oms::OrderStatus::Denied) << id;
      }
      if (ack.status == "filled") {
        EXPECT_EQ(order.status, oms::OrderStatus::Filled) << id;
      }
      if (ack.status == "cancelled") {
        EXPECT_EQ(order.status, oms::OrderStatus::Cancelled) << id;
      }
    }
    // The rebuilt position equals the fold of the journal's fills, and the balance its cash.
    const auto& portfolio = engine.portfolio();
    ASSERT_EQ(portfolio.netQuantity(0, 0), r.foldNet);
    portfolio::Int128 openCost = 0;
    for (const auto& p : portfolio.account(0).positions) {
      if (p.isOpen()) openCost += p.cost;
    }
    // balance - start + commission = realized = (cash flow + open cost) x 100000, scale 7 -> 8
    const auto& account = portfolio.account(0);
    portfolio::Int128 realized = (r.foldCash + openCost) * 100'000 * 10;
    ASSERT_EQ(static_cast<portfolio::Int128>(account.balance - account.startingBalance +
                                             r.foldCommission),
              realized);
    expectedState = fmt::format("state {} {} {} {}", engine.orders().size(),
                                portfolio.netQuantity(0, 0), account.balance, r.lastSequence);
    maxAcks = out.acks.size();
  }
  EXPECT_GE(killedWhileTrading, 40);
  EXPECT_GE(out.snapshotsLoaded, 20) << "restarts should mostly begin from a snapshot";
  EXPECT_GT(maxAcks, 200U);
  std::printf("acknowledged orders: %zu, acknowledgements: %zu, kills during flow: %d, "
              "restarts from a snapshot: %d\n",
              out.acks.size(), out.ackCount, killedWhileTrading, out.snapshotsLoaded);
}

}  // namespace
}  // namespace ait::trading
