#pragma once
// A blocking HTTP/1.1 client on plain POSIX sockets for the server tests: it sends whatever
// bytes a test wants (malformed ones included) and parses responses with Content-Length.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ait::http::testing {

struct RawResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  std::optional<std::string> header(std::string_view name) const;
};

/// Returns a connected socket to 127.0.0.1:port, or -1 (errno set) when the connect fails.
int connectTo(std::uint16_t port);

class TestClient {
 public:
  explicit TestClient(std::uint16_t port,
                      std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));
  ~TestClient();
  TestClient(const TestClient&) = delete;
  TestClient& operator=(const TestClient&) = delete;

  bool connected() const { return fd_ >= 0; }
  /// Sends all bytes; returns false when the socket fails.
  bool send(std::string_view data);
  /// Reads one response; nullopt when the connection closes or times out first.
  std::optional<RawResponse> read(bool headRequest = false);
  /// Sends a request and reads its response.
  std::optional<RawResponse> request(std::string_view method, std::string_view target,
                                     std::string_view body = {},
                                     std::string_view extraHeaders = {});
  /// Returns true if the server closes the connection (EOF or reset) within the timeout.
  bool waitClosed(std::chrono::milliseconds timeout);

 private:
  bool fill();
  int fd_ = -1;
  std::string buffer_;
  bool closed_ = false;
};

/// Returns "GET target HTTP/1.1\r\nHost: test\r\n<extra>\r\n" with a Content-Length for body.
std::string makeRequest(std::string_view method, std::string_view target,
                        std::string_view body = {}, std::string_view extraHeaders = {});

}  // namespace ait::http::testing
