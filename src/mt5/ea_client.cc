#include "ait/mt5/ea_client.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "ait/mt5/errors.h"

namespace ait::mt5 {

namespace {

void appendTicks(std::string& out, std::uint64_t seq, std::string_view symbol, int digits,
                 std::span<const EaTick> ticks) {
  out.clear();
  fmt::format_to(std::back_inserter(out),
                 R"({{"t":"ticks","seq":{},"symbol":"{}","digits":{},"ticks":[)", seq, symbol,
                 digits);
  bool first = true;
  for (const auto& t : ticks) {
    fmt::format_to(std::back_inserter(out), "{}[{},{},{},{},{},{}]", first ? "" : ",", t.timeMsc,
                   t.bid, t.ask, t.last, t.volume, t.flags);
    first = false;
  }
  out += "]}\n";
}

}  // namespace

EaClient::EaClient(Options options) : options_(std::move(options)) {}

EaClient::~EaClient() { disconnect(); }

void EaClient::disconnect() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  inbox_.clear();
}

Expected<nlohmann::json> EaClient::connect(std::chrono::milliseconds timeout) {
  disconnect();
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  auto port = std::to_string(options_.port);
  if (int rc = ::getaddrinfo(options_.host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    return fail(errors::kClientIo,
                fmt::format("cannot resolve {}: {}", options_.host, gai_strerror(rc)));
  }
  int fd = -1;
  for (auto* a = found; a != nullptr && fd < 0; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd >= 0 && ::connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(found);
  if (fd < 0) {
    return fail(errors::kClientIo, fmt::format("cannot connect to {}:{}: {}", options_.host,
                                               options_.port, std::strerror(errno)));
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  fd_ = fd;
  nlohmann::json hello{{"t", "hello"},
                       {"seq", 1},
                       {"token", options_.token},
                       {"terminal", options_.terminal},
                       {"account", options_.account},
                       {"last_seq_seen", lastServerSeq_},
                       {"utc_offset_s", options_.utcOffsetS},
                       {"version", 1}};
  if (!options_.session.empty()) hello["session"] = options_.session;
  if (auto sent = writeAll(hello.dump() + "\n"); !sent) return Unexpected(sent.error());
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      disconnect();
      return fail(errors::kClientIo, "no welcome before the timeout");
    }
    auto message = read(left);
    if (!message) return Unexpected(message.error());
    if (!*message) continue;
    const auto& m = **message;
    if (m.value("t", "") == "error") {
      disconnect();
      return fail(errors::kAuth, fmt::format("server refused the hello: {}", m.dump()));
    }
    if (m.value("t", "") != "welcome") continue;
    auto seen = m.value("last_seq_seen", std::uint64_t{0});
    confirm(seen);
    for (const auto& [seq, line] : resend_) {
      if (auto sent = writeAll(line); !sent) return Unexpected(sent.error());
    }
    return m;
  }
}

void EaClient::confirm(std::uint64_t seenByServer) {
  while (!resend_.empty() && resend_.front().first <= seenByServer) resend_.pop_front();
}

std::uint64_t EaClient::buffer(std::string line) {
  std::uint64_t seq = nextSeq_++;
  resend_.emplace_back(seq, std::move(line));
  // A full buffer drops the oldest: the server reports the hole as a gap.
  while (resend_.size() > options_.resendCapacity) resend_.pop_front();
  return seq;
}

Expected<std::uint64_t> EaClient::sendTicks(std::string_view symbol, int digits,
                                            std::span<const EaTick> ticks) {
  appendTicks(scratch_, nextSeq_, symbol, digits, ticks);
  auto seq = buffer(scratch_);
  if (fd_ >= 0) {
    if (auto sent = writeAll(resend_.back().second); !sent) return Unexpected(sent.error());
  }
  return seq;
}

Expected<std::uint64_t> EaClient::sendTicksAndCut(std::string_view symbol, int digits,
                                                  std::span<const EaTick> ticks,
                                                  std::size_t bytes) {
  appendTicks(scratch_, nextSeq_, symbol, digits, ticks);
  auto seq = buffer(scratch_);
  const auto& line = resend_.back().second;
  if (fd_ >= 0) {
    auto sent = writeAll(std::string_view(line).substr(0, std::min(bytes, line.size() - 1)));
    disconnect();
    if (!sent) return Unexpected(sent.error());
  }
  return seq;
}

Expected<std::uint64_t> EaClient::sendMessage(std::string_view type, const nlohmann::json& fields) {
  nlohmann::json message = fields.is_object() ? fields : nlohmann::json::object();
  message["t"] = type;
  message["seq"] = nextSeq_;
  auto seq = buffer(message.dump() + "\n");
  if (fd_ >= 0) {
    if (auto sent = writeAll(resend_.back().second); !sent) return Unexpected(sent.error());
  }
  return seq;
}

Expected<void> EaClient::sendRaw(std::string_view bytes) { return writeAll(bytes); }

Expected<void> EaClient::heartbeat() {
  return writeAll(fmt::format(R"({{"t":"hb","last_seq_seen":{}}})"
                              "\n",
                              lastServerSeq_));
}

Expected<void> EaClient::writeAll(std::string_view bytes) {
  if (fd_ < 0) return fail(errors::kClientIo, "not connected");
  while (!bytes.empty()) {
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      auto reason = std::strerror(errno);
      disconnect();
      return fail(errors::kClientIo, fmt::format("send failed: {}", reason));
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

Expected<std::optional<std::string>> EaClient::readLine(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (auto nl = inbox_.find('\n'); nl != std::string::npos) {
      std::string line = inbox_.substr(0, nl);
      inbox_.erase(0, nl + 1);
      return line;
    }
    if (fd_ < 0) return fail(errors::kClientIo, "not connected");
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() < 0) return std::optional<std::string>{};
    pollfd p{fd_, POLLIN, 0};
    int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return std::optional<std::string>{};
    char chunk[65536];
    ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
    if (n <= 0) {
      disconnect();
      return fail(errors::kClientIo, "the server closed the connection");
    }
    inbox_.append(chunk, static_cast<std::size_t>(n));
  }
}

Expected<std::optional<nlohmann::json>> EaClient::read(std::chrono::milliseconds timeout) {
  auto line = readLine(timeout);
  if (!line) return Unexpected(line.error());
  if (!*line) return std::optional<nlohmann::json>{};
  auto message = nlohmann::json::parse(**line, nullptr, false);
  if (message.is_discarded()) {
    return fail(errors::kBadJson, fmt::format("server sent a line that is not JSON: {}", **line));
  }
  if (message.contains("seq") && message["seq"].is_number_unsigned()) {
    auto seq = message["seq"].get<std::uint64_t>();
    if (seq <= lastServerSeq_) {
      message["duplicate"] = true;
    } else {
      lastServerSeq_ = seq;
    }
  }
  if (message.value("t", "") == "hb" && message.contains("last_seq_seen")) {
    confirm(message["last_seq_seen"].get<std::uint64_t>());
  }
  return std::optional<nlohmann::json>(std::move(message));
}

}  // namespace ait::mt5
