// The OpenAI-compatible chat provider against a local server started by the test
// (fake_openai.py, python3's http.server) that answers in OpenAI's format, with errors, a slow
// answer and garbage: the answer is parsed, repeated requests come from the cache, every
// failure is a clear error, a timeout is one, and the breaker stops calls to a failing server.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "ait/ai/chat.h"
#include "ait/ai/errors.h"

namespace ait::ai {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class ChatProviderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("ait-chat-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    pid_ = ::fork();
    if (pid_ == 0) {
      const std::string script = std::string(AIT_SOURCE_DIR) + "/test/unit/ai/fake_openai.py";
      ::execl("/usr/bin/python3", "python3", script.c_str(), dir_.c_str(), nullptr);
      ::_exit(127);
    }
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (!fs::exists(dir_ / "port") && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(10ms);
    }
    std::ifstream(dir_ / "port") >> port_;
  }
  static void TearDownTestSuite() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
    fs::remove_all(dir_);
  }
  void SetUp() override {
    ASSERT_GT(port_, 0) << "the local chat server did not start";
    ::setenv("AIT_TEST_CHAT_KEY", "test-key", 1);
  }

  static int served() {
    int n = 0;
    std::ifstream(dir_ / "count") >> n;
    return n;
  }
  ChatConfig config(const std::string& model) {
    ChatConfig c;
    c.baseUrl = "http://127.0.0.1:" + std::to_string(port_) + "/v1/";
    c.model = model;
    c.apiKeyEnv = "AIT_TEST_CHAT_KEY";
    c.timeoutMs = 5000;
    c.cacheTtlMs = 60'000;
    c.breaker.window_size = 2;
    c.breaker.minimum_calls = 2;
    c.breaker.failure_rate_threshold_pct = 50;
    c.breaker.open_duration_ms = 30'000;
    return c;
  }
  std::unique_ptr<ChatProvider> make(const ChatConfig& c) {
    auto provider = ChatProvider::create(c, clock_, metrics_);
    EXPECT_TRUE(provider) << provider.error().describe();
    return provider ? std::move(*provider) : nullptr;
  }

  static inline fs::path dir_;
  static inline pid_t pid_ = -1;
  static inline int port_ = 0;
  FakeClock clock_;
  metrics::Registry metrics_;
};

TEST_F(ChatProviderTest, AnswersAndCachesIdenticalRequests) {
  auto chat = make(config("gpt-test"));
  ASSERT_TRUE(chat);
  const int before = served();
  auto note = chat->complete("be brief", "EURUSD trend?");
  ASSERT_TRUE(note) << note.error().describe();
  EXPECT_EQ(*note, "note: EURUSD trend?");
  EXPECT_EQ(served(), before + 1);

  auto again = chat->complete("be brief", "EURUSD trend?");
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *note);
  EXPECT_EQ(served(), before + 1) << "served from the cache";
  EXPECT_EQ(chat->cacheHits(), 1u);

  ASSERT_TRUE(chat->complete("be brief", "GBPUSD?"));
  EXPECT_EQ(served(), before + 2) << "another question is asked";

  clock_.advance(61s);  // past the cache's time to live
  ASSERT_TRUE(chat->complete("be brief", "EURUSD trend?"));
  EXPECT_EQ(served(), before + 3);
}

TEST_F(ChatProviderTest, ErrorsAreClearAndOpenTheBreaker) {
  auto chat = make(config("error"));
  ASSERT_TRUE(chat);
  const int before = served();
  auto first = chat->complete("s", "u");
  ASSERT_FALSE(first);
  EXPECT_EQ(first.error().code().code, kChatFailed.code);
  EXPECT_NE(first.error().message().find("HTTP 500"), std::string::npos) << first.error().message();
  EXPECT_NE(first.error().message().find("The server is overloaded"), std::string::npos);
  EXPECT_FALSE(chat->complete("s", "u2"));
  EXPECT_EQ(served(), before + 2);
  EXPECT_EQ(chat->breakerState(), resilience::CircuitState::Open);

  // Open: refused at once, the server is not called.
  auto refused = chat->complete("s", "u3");
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message().find("circuit open"), std::string::npos)
      << refused.error().message();
  EXPECT_EQ(served(), before + 2);
  EXPECT_FALSE(chat->complete("s", "u")) << "a failure is never cached";
  EXPECT_EQ(served(), before + 2);
}

TEST_F(ChatProviderTest, GarbageAWrongKeyAndSlownessAreErrors) {
  auto garbage = make(config("garbage"));
  auto bad = garbage->complete("s", "u");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code().code, kChatBadAnswer.code);
  EXPECT_NE(bad.error().message().find("upstream proxy error"), std::string::npos);

  ::setenv("AIT_TEST_CHAT_KEY", "wrong", 1);
  auto wrongKey = make(config("gpt-test"));
  auto refused = wrongKey->complete("s", "u");
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message().find("HTTP 401"), std::string::npos);
  EXPECT_NE(refused.error().message().find("Incorrect API key"), std::string::npos);
  ::setenv("AIT_TEST_CHAT_KEY", "test-key", 1);

  auto c = config("slow");
  c.timeoutMs = 200;  // the server takes 3 s
  auto slow = make(c);
  auto late = slow->complete("s", "u");
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code().code, errors::kTimeout.code) << late.error().describe();
}

TEST_F(ChatProviderTest, ConfigurationMistakesAreNamed) {
  auto c = config("gpt-test");
  c.apiKeyEnv = "AIT_TEST_CHAT_KEY_UNSET";
  ::unsetenv("AIT_TEST_CHAT_KEY_UNSET");
  auto missing = ChatProvider::create(c, clock_, metrics_);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message().find("AIT_TEST_CHAT_KEY_UNSET"), std::string::npos);

  c = config("gpt-test");
  c.baseUrl = "ftp://example.com";
  auto scheme = ChatProvider::create(c, clock_, metrics_);
  ASSERT_FALSE(scheme);
  EXPECT_NE(scheme.error().message().find("ftp://example.com"), std::string::npos);

  c.baseUrl = "http://127.0.0.1:1/v1";  // nothing listens on port 1
  auto unreachable = make(c);
  auto refused = unreachable->complete("s", "u");
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message().find("cannot reach 127.0.0.1:1"), std::string::npos)
      << refused.error().message();
}

}  // namespace
}  // namespace ait::ai
