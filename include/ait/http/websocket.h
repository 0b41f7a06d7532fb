#pragma once
// WebSocket endpoints: a route's factory turns an upgrade request into a session object whose
// callbacks the server runs; the session pushes messages back with send() from any thread.

#include <concepts>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "ait/http/message.h"

namespace ait::http {

/// Close codes of RFC 6455 that the platform uses.
namespace close_code {
inline constexpr std::uint16_t kNormal = 1000;
inline constexpr std::uint16_t kGoingAway = 1001;        // server shutting down
inline constexpr std::uint16_t kPolicyViolation = 1008;  // e.g. slow consumer
inline constexpr std::uint16_t kTooBig = 1009;
inline constexpr std::uint16_t kInternalError = 1011;
}  // namespace close_code

struct WebSocketCloseInfo {
  std::uint16_t code = 0;  // 0 when the connection ended without a close handshake
  std::string reason;
  bool byPeer = false;  // the client sent the close frame (or dropped the connection)
};

namespace detail {
/// The server side of one connection, as seen by a session; implemented by the server.
class WebSocketChannel {
 public:
  virtual ~WebSocketChannel() = default;
  virtual bool send(std::string message, bool binary) = 0;
  virtual void close(std::uint16_t code, std::string reason) = 0;
  virtual bool isOpen() const = 0;
  virtual std::size_t queued() const = 0;
};
struct WebSocketAttach;
}  // namespace detail

/// One WebSocket connection from the application's side. Subclass it and override the
/// callbacks; the server calls them on an I/O thread, one at a time per connection, in order:
/// onOpen, then onText/onBinary for each message, then onClose exactly once. A callback that
/// throws closes the connection with code 1011.
class WebSocketSession {
 public:
  WebSocketSession() = default;
  WebSocketSession(const WebSocketSession&) = delete;
  WebSocketSession& operator=(const WebSocketSession&) = delete;
  virtual ~WebSocketSession();

  virtual void onOpen() {}
  virtual void onText(std::string_view /*message*/) {}
  virtual void onBinary(std::string_view /*message*/) {}
  virtual void onClose(const WebSocketCloseInfo& /*info*/) {}

  /// Queues a text message; thread-safe, never blocks. Returns false when the connection is
  /// not open or its outgoing queue is full (the connection is then dropped as a slow consumer).
  bool send(std::string text);
  /// Queues a binary message; same contract as send().
  bool sendBinary(std::string data);
  /// Starts the close handshake with this code and reason; thread-safe, idempotent.
  void close(std::uint16_t code = close_code::kNormal, std::string reason = {});
  /// Returns true between the handshake and the start of closing.
  bool isOpen() const;
  /// Returns how many messages wait in the outgoing queue (to detect a slow consumer early).
  std::size_t queuedMessages() const;

 private:
  friend struct detail::WebSocketAttach;
  std::shared_ptr<detail::WebSocketChannel> channel() const;

  mutable std::mutex mutex_;
  std::shared_ptr<detail::WebSocketChannel> channel_;
};

/// What a WebSocket factory decides: a session to run, or a response refusing the upgrade
/// (e.g. a 401 problem when the token is missing).
class WebSocketAccept {
 public:
  template <class S>
    requires std::derived_from<S, WebSocketSession>
  WebSocketAccept(std::shared_ptr<S> session)  // NOLINT(google-explicit-constructor)
      : session_(std::move(session)) {}
  WebSocketAccept(Response rejection)  // NOLINT(google-explicit-constructor)
      : rejection_(std::move(rejection)) {}

  const std::shared_ptr<WebSocketSession>& session() const noexcept { return session_; }
  const std::optional<Response>& rejection() const noexcept { return rejection_; }

 private:
  std::shared_ptr<WebSocketSession> session_;
  std::optional<Response> rejection_;
};

/// Builds the session for an upgrade request; runs on an I/O thread. A null session without a
/// rejection is refused with 403.
using WebSocketFactory = std::function<WebSocketAccept(const Request&)>;

}  // namespace ait::http
