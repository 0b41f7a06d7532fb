#pragma once
// Test helper: a real nats-server with JetStream on 127.0.0.1, its store in a given directory;
// started by the test, killed when the helper goes away.

#include <filesystem>
#include <memory>
#include <string>

#include "support/child_process.h"

namespace ait::testing {

/// Returns the path of nats-server (Debian puts it in /usr/sbin), or "" when not installed.
std::string findNatsServer();

/// Returns true once something accepts TCP connections on 127.0.0.1:port, false at the deadline.
bool waitForPort(int port, std::chrono::milliseconds timeout);

class NatsServer {
 public:
  NatsServer(std::filesystem::path store, std::filesystem::path log);
  ~NatsServer();

  /// Starts the server (on the same port after a kill) and waits until it accepts connections.
  bool start();
  /// SIGKILLs the server: a crash, not a clean shutdown.
  void kill();
  int port() const noexcept { return port_; }
  std::string url() const { return "nats://127.0.0.1:" + std::to_string(port_); }

 private:
  int port_;
  std::filesystem::path store_;
  std::filesystem::path log_;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace ait::testing
