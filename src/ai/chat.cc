#include "ait/ai/chat.h"

#include <cstdlib>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ait/ai/errors.h"

namespace ait::ai {

namespace beast = boost::beast;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

struct Answer {
  unsigned status = 0;
  std::string body;
};

// Runs the queued operations; false when they were not all done within the timeout.
bool runUntilDone(asio::io_context& ioc, std::chrono::steady_clock::duration timeout) {
  ioc.restart();
  ioc.run_for(timeout);
  if (ioc.stopped()) return true;
  ioc.stop();
  return false;
}

// One request/answer exchange on a connected stream (plain or TLS), bounded by the deadline.
template <class Stream>
Expected<Answer> exchange(asio::io_context& ioc, Stream& stream,
                          beast::http::request<beast::http::string_body>& request,
                          std::chrono::steady_clock::duration timeout) {
  beast::error_code failure;
  beast::flat_buffer buffer;
  beast::http::response<beast::http::string_body> response;
  beast::http::async_write(stream, request, [&](beast::error_code ec, std::size_t) {
    if (ec) {
      failure = ec;
      return;
    }
    beast::http::async_read(stream, buffer, response,
                            [&](beast::error_code rec, std::size_t) { failure = rec; });
  });
  if (!runUntilDone(ioc, timeout)) {
    return fail(errors::kTimeout, "chat completion: no answer within the timeout");
  }
  if (failure) {
    if (failure == beast::error::timeout) {
      return fail(errors::kTimeout, "chat completion: no answer within the timeout");
    }
    return fail(kChatFailed, fmt::format("chat completion: {}", failure.message()));
  }
  return Answer{response.result_int(), std::move(response.body())};
}

}  // namespace

Expected<std::unique_ptr<ChatProvider>> ChatProvider::create(ChatConfig config, const Clock& clock,
                                                             metrics::Registry& metrics) {
  std::string key;
  if (!config.apiKeyEnv.empty()) {
    const char* value = std::getenv(config.apiKeyEnv.c_str());
    if (value == nullptr || *value == '\0') {
      return fail(kChatConfig, fmt::format("ai.chat.api_key_env: the environment variable '{}' "
                                           "holding the API key is not set",
                                           config.apiKeyEnv));
    }
    key = value;
  }
  std::unique_ptr<ChatProvider> provider(new ChatProvider(std::move(config), std::move(key), clock,
                                                          metrics));
  // base_url: scheme://host[:port][/path]
  std::string_view url = provider->config_.baseUrl;
  if (url.starts_with("https://")) {
    provider->tls_ = true;
    url.remove_prefix(8);
  } else if (url.starts_with("http://")) {
    url.remove_prefix(7);
  } else {
    return fail(kChatConfig, fmt::format("ai.chat.base_url '{}' must start with http:// or https://",
                                         provider->config_.baseUrl));
  }
  auto slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  provider->pathPrefix_ = slash == std::string_view::npos ? "" : std::string(url.substr(slash));
  while (provider->pathPrefix_.ends_with('/')) provider->pathPrefix_.pop_back();
  auto colon = authority.rfind(':');
  provider->host_ = std::string(authority.substr(0, colon));
  provider->port_ = colon == std::string_view::npos ? (provider->tls_ ? "443" : "80")
                                                    : std::string(authority.substr(colon + 1));
  if (provider->host_.empty() || provider->port_.empty() ||
      provider->port_.find_first_not_of("0123456789") != std::string::npos) {
    return fail(kChatConfig, fmt::format("ai.chat.base_url '{}' has no valid host and port",
                                         provider->config_.baseUrl));
  }
  return provider;
}

ChatProvider::ChatProvider(ChatConfig config, std::string apiKey, const Clock& clock,
                           metrics::Registry& metrics)
    : config_(std::move(config)),
      apiKey_(std::move(apiKey)),
      clock_(clock),
      breaker_("chat-" + config_.model, config_.breaker, clock, metrics),
      sent_(metrics.counter("ait_ai_chat_requests_total", "Chat completion requests sent")),
      cacheHits_(metrics.counter("ait_ai_chat_cache_hits_total",
                                 "Chat completions answered from the cache")),
      failures_(metrics.counter("ait_ai_chat_failures_total",
                                "Chat completions that failed (timeout, HTTP error, bad answer)")),
      latency_(metrics.histogram("ait_ai_chat_latency_seconds", "Chat completion round trips")) {}

Expected<std::string> ChatProvider::complete(std::string_view system, std::string_view user) {
  nlohmann::json request = {
      {"model", config_.model},
      {"messages", nlohmann::json::array({{{"role", "system"}, {"content", system}},
                                          {{"role", "user"}, {"content", user}}})},
      {"max_tokens", config_.maxTokens}};
  const std::string body = request.dump();
  {
    std::lock_guard lock(cacheMutex_);
    auto it = cache_.find(body);
    if (it != cache_.end() && it->second.expiresAtNs > clock_.monotonicNs()) {
      cacheHits_.inc();
      return it->second.text;
    }
  }
  auto answer = breaker_.call([&] { return post(body); });
  if (!answer) {
    failures_.inc();
    return answer;
  }
  std::lock_guard lock(cacheMutex_);
  if (!cache_.contains(body)) {
    cacheOrder_.push_back(body);
    while (cacheOrder_.size() > std::max<std::size_t>(config_.cacheSize, 1)) {
      cache_.erase(cacheOrder_.front());
      cacheOrder_.pop_front();
    }
  }
  cache_[body] = Cached{*answer, clock_.monotonicNs() + config_.cacheTtlMs * 1'000'000};
  return answer;
}

Expected<std::string> ChatProvider::post(const std::string& body) {
  sent_.inc();
  const std::int64_t start = clock_.monotonicNs();
  const auto timeout = std::chrono::milliseconds(config_.timeoutMs);
  asio::io_context ioc;
  beast::http::request<beast::http::string_body> request{beast::http::verb::post,
                                                         pathPrefix_ + "/chat/completions", 11};
  request.set(beast::http::field::host, host_);
  request.set(beast::http::field::content_type, "application/json");
  request.set(beast::http::field::user_agent, "aitrading");
  if (!apiKey_.empty()) request.set(beast::http::field::authorization, "Bearer " + apiKey_);
  request.body() = body;
  request.prepare_payload();

  // Resolve and connect, bounded by the same timeout.
  tcp::resolver resolver(ioc);
  beast::error_code ec;
  auto endpoints = resolver.resolve(host_, port_, ec);
  if (ec) {
    return fail(kChatFailed, fmt::format("chat completion: cannot resolve {}:{}: {}", host_, port_,
                                         ec.message()));
  }
  auto unreachable = [&](const std::string& why) {
    return fail(kChatFailed, fmt::format("chat completion: cannot reach {}:{}: {}", host_, port_, why));
  };
  Expected<Answer> answer = fail(kChatFailed, "not sent");
  if (tls_) {
    asio::ssl::context tls(asio::ssl::context::tls_client);
    tls.set_default_verify_paths();
    tls.set_verify_mode(asio::ssl::verify_peer);
    beast::ssl_stream<beast::tcp_stream> stream(ioc, tls);
    SSL_set_tlsext_host_name(stream.native_handle(), host_.c_str());
    stream.set_verify_callback(asio::ssl::host_name_verification(host_));
    beast::get_lowest_layer(stream).expires_after(timeout);
    beast::get_lowest_layer(stream).async_connect(
        endpoints, [&](beast::error_code e, const tcp::endpoint&) {
          if (e) {
            ec = e;
            return;
          }
          stream.async_handshake(asio::ssl::stream_base::client,
                                 [&](beast::error_code h) { ec = h; });
        });
    if (!runUntilDone(ioc, timeout)) return unreachable("timed out");
    if (ec) return unreachable(ec.message());
    beast::get_lowest_layer(stream).expires_after(timeout);
    answer = exchange(ioc, stream, request, timeout);
  } else {
    beast::tcp_stream stream(ioc);
    stream.expires_after(timeout);
    stream.async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
    if (!runUntilDone(ioc, timeout)) return unreachable("timed out");
    if (ec) return unreachable(ec.message());
    stream.expires_after(timeout);
    answer = exchange(ioc, stream, request, timeout);
  }
  latency_.observeNs(clock_.monotonicNs() - start);
  if (!answer) return Unexpected(answer.error());

  auto json = nlohmann::json::parse(answer->body, nullptr, false);
  if (answer->status != 200) {
    std::string message;
    if (!json.is_discarded() && json.is_object() && json.contains("error") &&
        json["error"].is_object() && json["error"].contains("message") &&
        json["error"]["message"].is_string()) {
      message = json["error"]["message"].get<std::string>();
    } else {
      message = answer->body.substr(0, 200);
    }
    return fail(kChatFailed, fmt::format("chat completion: HTTP {} from {}: {}", answer->status,
                                         host_, message));
  }
  if (json.is_discarded() || !json.is_object() || !json.contains("choices") ||
      !json["choices"].is_array() || json["choices"].empty() ||
      !json["choices"][0].is_object() || !json["choices"][0].contains("message") ||
      !json["choices"][0]["message"].is_object() ||
      !json["choices"][0]["message"].contains("content") ||
      !json["choices"][0]["message"]["content"].is_string()) {
    return fail(kChatBadAnswer,
                fmt::format("chat completion from {}: no choices[0].message.content in the "
                            "answer (starts: {})",
                            host_, answer->body.substr(0, 120)));
  }
  return json["choices"][0]["message"]["content"].get<std::string>();
}

}  // namespace ait::ai
