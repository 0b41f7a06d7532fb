#pragma once
// Test helper: a throwaway redis-server (Debian's redis-server 7) on 127.0.0.1 with its working
// folder under a given path, no persistence, stopped when the helper goes.

#include <filesystem>
#include <memory>
#include <string>

#include "support/child_process.h"

namespace ait::testing {

/// Returns the path of redis-server, or "" if it is not installed.
std::string findRedisServer();

class RedisServer {
 public:
  explicit RedisServer(std::filesystem::path dir);
  ~RedisServer();

  /// Starts the server (with `requirepass` when password is set) and waits for its port.
  bool start(const std::string& password = {});
  /// SIGKILLs the server: a crash.
  void kill();
  int port() const noexcept { return port_; }
  /// "redis://127.0.0.1:<port>/0".
  std::string url() const;

 private:
  std::filesystem::path dir_;
  int port_;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace ait::testing
