#include "ait/http/websocket.h"

namespace ait::http {

WebSocketSession::~WebSocketSession() = default;

std::shared_ptr<detail::WebSocketChannel> WebSocketSession::channel() const {
  std::lock_guard lock(mutex_);
  return channel_;
}

bool WebSocketSession::send(std::string text) {
  auto channel = this->channel();
  return channel && channel->send(std::move(text), false);
}

bool WebSocketSession::sendBinary(std::string data) {
  auto channel = this->channel();
  return channel && channel->send(std::move(data), true);
}

void WebSocketSession::close(std::uint16_t code, std::string reason) {
  if (auto channel = this->channel()) channel->close(code, std::move(reason));
}

bool WebSocketSession::isOpen() const {
  auto channel = this->channel();
  return channel && channel->isOpen();
}

std::size_t WebSocketSession::queuedMessages() const {
  auto channel = this->channel();
  return channel ? channel->queued() : 0;
}

}  // namespace ait::http
