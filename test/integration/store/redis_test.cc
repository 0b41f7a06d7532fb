// Cache and shared state: the same behaviour asked of the in-process default and of a real
// redis-server (Debian's redis-server 7) started by the test on loopback; then what only a
// server has: several clients sharing state, passwords, the pool, and the breaker when the
// server dies.

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "ait/store/shared_state.h"
#include "support/redis_server.h"
#include "support/require_server.h"

namespace ait::store {
namespace {

using namespace std::chrono_literals;
constexpr model::TenantId kA{1};
constexpr model::TenantId kB{2};

// Behaviour both backends must have; the clock is fake so windows and expiry are exact.
void checkSharedState(SharedState& state, FakeClock& clock) {
  const CachedQuote eurusd{"EURUSD", "1.08500", "1.08510", "0", 1'700'000'000'000'000'000};
  ASSERT_TRUE(state.putQuote(kA, eurusd).has_value());
  EXPECT_EQ(state.quote(kA, "EURUSD").value(), eurusd);
  EXPECT_FALSE(state.quote(kB, "EURUSD").value().has_value()) << "tenants never see each other's quotes";
  EXPECT_FALSE(state.quote(kA, "GBPUSD").value().has_value());
  auto newer = eurusd;
  newer.bid = "1.08600";
  ASSERT_TRUE(state.putQuote(kA, newer).has_value());
  EXPECT_EQ(state.quote(kA, "EURUSD").value()->bid, "1.08600");

  const std::string hostile("s\r\n*3\r\n$3\r\nDEL\r\n x' \0y", 22);
  ASSERT_TRUE(state.putSession(hostile, R"({"tenant":1})", 60'000ms).has_value());
  EXPECT_EQ(state.session(hostile).value(), std::optional<std::string>(R"({"tenant":1})"));
  EXPECT_FALSE(state.session("other").value().has_value());
  ASSERT_TRUE(state.dropSession(hostile).has_value());
  EXPECT_FALSE(state.session(hostile).value().has_value());

  // A window of an hour: the fake clock cannot cross into the next one by accident.
  EXPECT_EQ(state.hit(kA, "orders", 3'600'000ms).value(), 1);
  EXPECT_EQ(state.hit(kA, "orders", 3'600'000ms).value(), 2);
  EXPECT_EQ(state.hit(kB, "orders", 3'600'000ms).value(), 1) << "counters are per tenant";
  EXPECT_EQ(state.hit(kA, "logins", 3'600'000ms).value(), 1);
  clock.advance(3'600s);
  EXPECT_EQ(state.hit(kA, "orders", 3'600'000ms).value(), 1) << "a new window starts a new count";

  EXPECT_TRUE(state.claim(kA, "order-123", 60'000ms).value());
  EXPECT_FALSE(state.claim(kA, "order-123", 60'000ms).value()) << "a key is claimed once";
  EXPECT_TRUE(state.claim(kB, "order-123", 60'000ms).value()) << "claims are per tenant";
  EXPECT_TRUE(state.ping().has_value());
}

TEST(MemoryStateTest, KeepsQuotesSessionsCountersAndClaims) {
  FakeClock clock;
  MemoryState state(clock);
  checkSharedState(state, clock);
}

TEST(MemoryStateTest, SessionsAndClaimsExpire) {
  FakeClock clock;
  MemoryState state(clock);
  ASSERT_TRUE(state.putSession("s1", "v", 1'000ms).has_value());
  EXPECT_TRUE(state.claim(kA, "k", 1'000ms).value());
  clock.advance(999ms);
  EXPECT_TRUE(state.session("s1").value().has_value());
  EXPECT_FALSE(state.claim(kA, "k", 1'000ms).value());
  clock.advance(1ms);
  EXPECT_FALSE(state.session("s1").value().has_value());
  EXPECT_TRUE(state.claim(kA, "k", 1'000ms).value()) << "an expired claim can be made again";
}

class RedisStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (testing::findRedisServer().empty()) AIT_SKIP_UNLESS_SERVERS_REQUIRED() << "redis-server is not installed";
    static std::atomic<int> counter{0};
    dir_ = std::filesystem::temp_directory_path() / fmt::format("ait-redis-{}-{}", ::getpid(), counter++);
    server_ = std::make_unique<testing::RedisServer>(dir_);
    ASSERT_TRUE(server_->start("test-password")) << "redis-server did not start; see " << dir_;
    settings_.url = server_->url();
    settings_.password = "test-password";
    settings_.timeout = 1000ms;
    settings_.pool.acquireTimeout = 300ms;
    settings_.breaker.minimum_calls = 3;
    settings_.breaker.window_size = 5;
    settings_.breaker.open_duration_ms = 1000;
  }
  void TearDown() override {
    server_.reset();
    if (!HasFailure()) std::filesystem::remove_all(dir_);
  }

  std::filesystem::path dir_;
  std::unique_ptr<testing::RedisServer> server_;
  RedisSettings settings_;
  FakeClock clock_;
};

TEST_F(RedisStateTest, KeepsQuotesSessionsCountersAndClaims) {
  auto state = RedisState::open(settings_, clock_);
  ASSERT_TRUE(state.has_value()) << state.error().describe();
  checkSharedState(**state, clock_);
}

TEST_F(RedisStateTest, SeveralClientsShareOneStateAndExactlyOneWinsAClaim) {
  auto first = RedisState::open(settings_, clock_).value();
  auto second = RedisState::open(settings_, clock_).value();
  ASSERT_TRUE(first->putQuote(kA, {"EURUSD", "1.1", "1.2", "0", 5}).has_value());
  EXPECT_EQ(second->quote(kA, "EURUSD").value()->ask, "1.2");

  std::atomic<int> wins{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      auto& state = t % 2 == 0 ? *first : *second;
      for (int i = 0; i < 50; ++i) {
        if (state.claim(kA, fmt::format("key-{}", i), 60'000ms).value_or(false)) ++wins;
        (void)state.hit(kA, "shared", 3'600'000ms);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wins.load(), 50) << "each key claimed by exactly one of eight racing clients";
  EXPECT_EQ(first->hit(kA, "shared", 3'600'000ms).value(), 401) << "no hit was lost";
}

TEST_F(RedisStateTest, AWrongPasswordOrUrlIsAClearError) {
  settings_.password = "wrong";
  auto state = RedisState::open(settings_, clock_).value();
  auto r = state->ping();
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message().find("authentication refused"), std::string::npos) << r.error().message();
  EXPECT_EQ(r.error().message().find("wrong"), std::string::npos) << "the password is never echoed";
  for (const char* url : {"http://127.0.0.1:6379", "redis://127.0.0.1:0", "redis://h:1/notanumber", "redis://"}) {
    RedisSettings broken = settings_;
    broken.url = url;
    auto s = RedisState::open(broken, clock_);
    ASSERT_FALSE(s.has_value()) << url;
    EXPECT_EQ(s.error().code().code, std::string_view("AIT-STORE-0004")) << url;
  }
}

TEST_F(RedisStateTest, ThePoolIsBoundedAndValidatesIdleConnections) {
  settings_.pool.maxSize = 2;
  settings_.pool.validateIdleAfter = 0ms;
  auto state = RedisState::open(settings_, clock_).value();
  {
    auto a = state->pool().acquire();
    auto b = state->pool().acquire();
    ASSERT_TRUE(a.has_value() && b.has_value());
    auto c = state->pool().acquire();
    ASSERT_FALSE(c.has_value());
    EXPECT_NE(c.error().message().find("no connection free"), std::string::npos);
  }
  EXPECT_EQ(state->pool().stats().idle, 2u);
  // The server restarts: idle connections are dead, validation replaces them.
  server_->kill();
  ASSERT_TRUE(server_->start("test-password"));
  EXPECT_TRUE(state->ping().has_value());
  EXPECT_TRUE(state->putQuote(kA, {"X", "1", "2", "0", 1}).has_value());
}

TEST_F(RedisStateTest, ADeadServerOpensTheBreakerAndCallsFailFast) {
  auto state = RedisState::open(settings_, clock_).value();
  ASSERT_TRUE(state->ping().has_value());
  server_->kill();
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(state->ping().has_value());
  EXPECT_EQ(state->breaker().state(), resilience::CircuitState::Open);
  auto r = state->claim(kA, "k", 1'000ms);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message().find("circuit"), std::string::npos) << r.error().message();
  // Back again: after the open duration a trial call goes through and closes the breaker.
  ASSERT_TRUE(server_->start("test-password"));
  clock_.advance(2s);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(state->ping().has_value()) << i;
  EXPECT_EQ(state->breaker().state(), resilience::CircuitState::Closed);
}

}  // namespace
}  // namespace ait::store
