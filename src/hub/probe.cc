#include "ait/hub/probe.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <expected>
#include <memory>
#include <string>
#include <system_error>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace ait::hub {

namespace {

using Steady = std::chrono::steady_clock;

// A response larger than this is not a health document; reading stops there.
constexpr std::size_t kMaxResponseBytes = 1 << 20;

Health down(std::string reason) {
  Health health;
  health.status = HealthStatus::Down;
  health.reason = std::move(reason);
  return health;
}

std::string errnoText(int code) { return std::system_category().message(code); }

int remainingMs(Steady::time_point deadline) {
  auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Steady::now()).count();
  return left > 0 ? static_cast<int>(std::min<long long>(left, 1 << 30)) : 0;
}

class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  Socket(Socket&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  int fd() const noexcept { return fd_; }

 private:
  int fd_;
};

std::expected<Socket, std::string> connectTo(const ServiceLocation& where,
                                             Steady::time_point deadline) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* list = nullptr;
  auto port = std::to_string(where.port);
  if (int rc = ::getaddrinfo(where.host.c_str(), port.c_str(), &hints, &list); rc != 0) {
    return std::unexpected(fmt::format("cannot resolve {}: {}", where.host, ::gai_strerror(rc)));
  }
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> guard(list, &::freeaddrinfo);
  std::string reason = "no address to connect to";
  for (auto* address = list; address != nullptr; address = address->ai_next) {
    Socket socket(::socket(address->ai_family, address->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                           address->ai_protocol));
    if (socket.fd() < 0) {
      reason = errnoText(errno);
      continue;
    }
    if (::connect(socket.fd(), address->ai_addr, address->ai_addrlen) == 0) return socket;
    if (errno != EINPROGRESS) {
      reason = errnoText(errno);
      continue;
    }
    pollfd waiting{socket.fd(), POLLOUT, 0};
    int ready = ::poll(&waiting, 1, remainingMs(deadline));
    if (ready <= 0) {
      reason = ready == 0 ? "connect timed out" : errnoText(errno);
      continue;
    }
    int error = 0;
    socklen_t length = sizeof error;
    ::getsockopt(socket.fd(), SOL_SOCKET, SO_ERROR, &error, &length);
    if (error != 0) {
      reason = errnoText(error);
      continue;
    }
    return socket;
  }
  return std::unexpected(std::move(reason));
}

std::expected<void, std::string> sendAll(const Socket& socket, std::string_view data,
                                         Steady::time_point deadline) {
  while (!data.empty()) {
    auto sent = ::send(socket.fd(), data.data(), data.size(), MSG_NOSIGNAL);
    if (sent > 0) {
      data.remove_prefix(static_cast<std::size_t>(sent));
      continue;
    }
    if (sent < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      return std::unexpected(errnoText(errno));
    }
    pollfd waiting{socket.fd(), POLLOUT, 0};
    if (::poll(&waiting, 1, remainingMs(deadline)) <= 0) {
      return std::unexpected("timed out sending the request");
    }
  }
  return {};
}

struct Response {
  int status = 0;
  std::string body;
};

std::string lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Returns the decoded body, or nothing while the chunked body is still incomplete.
std::optional<std::string> decodeChunked(std::string_view raw) {
  std::string body;
  while (true) {
    auto lineEnd = raw.find("\r\n");
    if (lineEnd == std::string_view::npos) return std::nullopt;
    std::size_t size = 0;
    auto sizeText = raw.substr(0, lineEnd);
    auto [end, ec] = std::from_chars(sizeText.data(), sizeText.data() + sizeText.size(), size, 16);
    if (ec != std::errc() || end == sizeText.data()) return body;  // malformed: take what we have
    raw.remove_prefix(lineEnd + 2);
    if (size == 0) return body;
    if (raw.size() < size + 2) return std::nullopt;
    body.append(raw.substr(0, size));
    raw.remove_prefix(size + 2);
  }
}

// Returns the response once complete (by Content-Length, chunked end or end of stream).
std::optional<Response> parseResponse(std::string_view raw, bool endOfStream) {
  auto headerEnd = raw.find("\r\n\r\n");
  if (headerEnd == std::string_view::npos) return std::nullopt;
  auto head = raw.substr(0, headerEnd);
  auto rest = raw.substr(headerEnd + 4);
  Response response;
  auto firstLineEnd = head.find("\r\n");
  auto statusLine = head.substr(0, firstLineEnd);
  auto space = statusLine.find(' ');
  if (!statusLine.starts_with("HTTP/") || space == std::string_view::npos) {
    response.status = -1;
    return response;
  }
  auto code = statusLine.substr(space + 1, 3);
  std::from_chars(code.data(), code.data() + code.size(), response.status);
  std::optional<std::size_t> contentLength;
  bool chunked = false;
  auto headers = firstLineEnd == std::string_view::npos ? std::string_view{}
                                                        : head.substr(firstLineEnd + 2);
  while (!headers.empty()) {
    auto end = headers.find("\r\n");
    auto line = lower(headers.substr(0, end));
    headers = end == std::string_view::npos ? std::string_view{} : headers.substr(end + 2);
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    auto name = std::string_view(line).substr(0, colon);
    auto value = std::string_view(line).substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    if (name == "content-length") {
      std::size_t length = 0;
      std::from_chars(value.data(), value.data() + value.size(), length);
      contentLength = length;
    } else if (name == "transfer-encoding" && value.find("chunked") != std::string_view::npos) {
      chunked = true;
    }
  }
  if (chunked) {
    auto body = decodeChunked(rest);
    if (!body && !endOfStream) return std::nullopt;
    response.body = body.value_or(std::string(rest));
    return response;
  }
  if (contentLength) {
    if (rest.size() < *contentLength && !endOfStream) return std::nullopt;
    response.body = std::string(rest.substr(0, *contentLength));
    return response;
  }
  if (!endOfStream) return std::nullopt;
  response.body = std::string(rest);
  return response;
}

Health probe(const ServiceLocation& where, std::chrono::milliseconds timeout) {
  if (where.isLocal()) return down("no remote address to probe");
  auto deadline = Steady::now() + timeout;
  auto address = where.toString();
  auto socket = connectTo(where, deadline);
  if (!socket) return down(fmt::format("cannot reach {}: {}", address, socket.error()));
  auto request = fmt::format(
      "GET /health HTTP/1.1\r\nHost: {}\r\nAccept: application/json\r\nConnection: close\r\n\r\n",
      address);
  if (auto sent = sendAll(*socket, request, deadline); !sent) {
    return down(fmt::format("cannot reach {}: {}", address, sent.error()));
  }
  std::string raw;
  char buffer[4096];
  while (true) {
    if (auto response = parseResponse(raw, false)) {
      if (response->status < 0) return down(fmt::format("{} did not answer HTTP", address));
      return healthFromHttpResponse(response->status, response->body);
    }
    pollfd waiting{socket->fd(), POLLIN, 0};
    int ready = ::poll(&waiting, 1, remainingMs(deadline));
    if (ready == 0) return down(fmt::format("{} did not answer /health within {} ms", address,
                                            timeout.count()));
    if (ready < 0 && errno != EINTR) return down(fmt::format("reading {}: {}", address,
                                                             errnoText(errno)));
    auto got = ::recv(socket->fd(), buffer, sizeof buffer, 0);
    if (got > 0) {
      raw.append(buffer, static_cast<std::size_t>(got));
      if (raw.size() > kMaxResponseBytes) {
        return down(fmt::format("{} answered /health with more than {} bytes", address,
                                kMaxResponseBytes));
      }
      continue;
    }
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) continue;
    if (got < 0) return down(fmt::format("reading {}: {}", address, errnoText(errno)));
    auto response = parseResponse(raw, true);
    if (!response || response->status < 0) {
      return down(fmt::format("{} closed the connection without an HTTP answer", address));
    }
    return healthFromHttpResponse(response->status, response->body);
  }
}

std::optional<HealthStatus> parseStatus(std::string_view text) {
  auto value = lower(text);
  if (value == "healthy" || value == "ok" || value == "up") return HealthStatus::Healthy;
  if (value == "degraded") return HealthStatus::Degraded;
  if (value == "down" || value == "unhealthy") return HealthStatus::Down;
  return std::nullopt;
}

}  // namespace

HealthProbe httpHealthProbe(std::chrono::milliseconds timeout) {
  return [timeout](const ServiceLocation& where) { return probe(where, timeout); };
}

Health healthFromHttpResponse(int httpStatus, std::string_view body) {
  Health health;
  bool described = false;
  auto json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_object()) {
    if (auto it = json.find("status"); it != json.end() && it->is_string()) {
      if (auto status = parseStatus(it->get<std::string>())) {
        health.status = *status;
        described = true;
      } else {
        health.status = HealthStatus::Down;
        health.reason = fmt::format("/health answered an unknown status '{}'",
                                    it->get<std::string>());
        described = true;
      }
    }
    if (auto it = json.find("reason"); it != json.end() && it->is_string() &&
                                       !it->get<std::string>().empty()) {
      health.reason = it->get<std::string>();
    }
    if (auto it = json.find("dependencies"); it != json.end() && it->is_array()) {
      for (const auto& entry : *it) {
        if (!entry.is_object()) continue;
        DependencyHealth dependency;
        if (auto name = entry.find("name"); name != entry.end() && name->is_string()) {
          dependency.name = name->get<std::string>();
        }
        if (auto status = entry.find("status"); status != entry.end() && status->is_string()) {
          dependency.status = parseStatus(status->get<std::string>()).value_or(HealthStatus::Down);
        }
        if (auto reason = entry.find("reason"); reason != entry.end() && reason->is_string()) {
          dependency.reason = reason->get<std::string>();
        }
        if (auto details = entry.find("details"); details != entry.end() && details->is_object()) {
          dependency.details = *details;
        }
        health.dependencies.push_back(std::move(dependency));
      }
    }
  }
  bool success = httpStatus >= 200 && httpStatus < 300;
  if (!success) {
    health.status = HealthStatus::Down;
    if (health.reason.empty()) health.reason = fmt::format("/health answered HTTP {}", httpStatus);
  } else if (!described) {
    health.status = HealthStatus::Healthy;
  }
  return health;
}

}  // namespace ait::hub
