#pragma once
// An OpenAI-compatible chat completion provider (POST {base_url}/chat/completions; OpenAI,
// DeepSeek and Google's compatible endpoint take the same request), used off the hot path only
// (regime notes, news): every call goes through a circuit breaker and a response cache, with a
// timeout on the whole exchange. The API key is read from the environment variable named in
// the configuration, never from the configuration itself.

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "ait/core/clock.h"
#include "ait/core/error.h"
#include "ait/metrics/metrics.h"
#include "ait/resilience/circuit_breaker.h"

namespace ait::ai {

struct ChatConfig {
  std::string baseUrl = "https://api.openai.com/v1";  // http:// or https://
  std::string model = "gpt-4o-mini";
  std::string apiKeyEnv = "OPENAI_API_KEY";  // the variable holding the key; empty: no key sent
  std::int64_t timeoutMs = 10'000;           // connect + send + answer
  std::int64_t cacheTtlMs = 300'000;         // an identical request within this is not resent
  std::size_t cacheSize = 256;               // answers kept
  int maxTokens = 200;
  resilience::CircuitBreakerConfig breaker;
};

class ChatProvider {
 public:
  /// Checks the URL (scheme, host, port) and reads the key from the environment; a missing
  /// variable is an error naming it.
  static Expected<std::unique_ptr<ChatProvider>> create(
      ChatConfig config, const Clock& clock,
      metrics::Registry& metrics = metrics::Registry::global());

  /// Asks for one completion (a system and a user message) and returns the first choice's
  /// text. Served from the cache when the same request was answered within cacheTtlMs; refused
  /// at once while the breaker is open; a timeout, an HTTP error (with the provider's own
  /// message) or an answer that is not a chat completion is an error and counts against the
  /// breaker. Blocks the calling thread: never call it from the engine thread.
  Expected<std::string> complete(std::string_view system, std::string_view user);

  resilience::CircuitState breakerState() { return breaker_.state(); }
  std::uint64_t requestsSent() const noexcept { return sent_.value(); }
  std::uint64_t cacheHits() const noexcept { return cacheHits_.value(); }
  const ChatConfig& config() const noexcept { return config_; }

 private:
  ChatProvider(ChatConfig config, std::string apiKey, const Clock& clock,
               metrics::Registry& metrics);
  Expected<std::string> post(const std::string& body);

  ChatConfig config_;
  std::string apiKey_;
  const Clock& clock_;
  bool tls_ = false;
  std::string host_, port_, pathPrefix_;
  resilience::CircuitBreaker breaker_;

  struct Cached {
    std::string text;
    std::int64_t expiresAtNs = 0;
  };
  std::mutex cacheMutex_;
  std::unordered_map<std::string, Cached> cache_;
  std::deque<std::string> cacheOrder_;  // oldest first, for eviction

  metrics::Counter& sent_;
  metrics::Counter& cacheHits_;
  metrics::Counter& failures_;
  metrics::Histogram& latency_;
};

}  // namespace ait::ai
