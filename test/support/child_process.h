#pragma once
// Test helpers: start a program as a child process, signal it, and wait for it with a deadline.

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace ait::testing {

class ChildProcess {
 public:
  /// Starts argv[0] with the given arguments; stdout and stderr go to `logFile` when set.
  /// extraEnv entries are added to the environment, except AIT_RUN_AS_GID=n / AIT_RUN_AS_UID=n,
  /// which make the child drop to that group and user before exec (a root test starting a
  /// server that refuses root).
  ChildProcess(const std::vector<std::string>& argv, const std::string& logFile = {},
               const std::vector<std::string>& extraEnv = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const noexcept { return pid_; }
  void signal(int sig) const;
  /// Waits for exit; returns the exit status (or 128 + signal), or nullopt on timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  bool running();

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
};

/// Returns a TCP port on 127.0.0.1 that was free a moment ago.
int freePort();

struct HttpReply {
  int status = 0;  // 0 when the connection failed
  std::string headers;  // the status line and header lines, as received
  std::string body;
};

/// Sends one HTTP/1.1 GET to 127.0.0.1:port with Connection: close and returns the reply.
HttpReply httpGet(int port, const std::string& path,
                  std::chrono::milliseconds timeout = std::chrono::milliseconds(2000));

/// Sends one request with extra header lines ("Name: value"); a body is sent as JSON.
HttpReply httpRequest(int port, const std::string& method, const std::string& path,
                      const std::string& body = {}, const std::vector<std::string>& headers = {},
                      std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));

}  // namespace ait::testing
