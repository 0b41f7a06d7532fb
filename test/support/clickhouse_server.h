#pragma once
// Test helper: a throwaway ClickHouse server (Debian's clickhouse-server 18.16) on 127.0.0.1,
// configured by files written into a given folder (data, logs and temp paths all inside it) and
// stopped when the helper goes. As root, it runs as the `clickhouse` user.

#include <filesystem>
#include <memory>
#include <string>

#include "support/child_process.h"

namespace ait::testing {

/// Returns the path of clickhouse-server, or "" if it is not installed.
std::string findClickHouseServer();

class ClickHouseServer {
 public:
  explicit ClickHouseServer(std::filesystem::path dir);
  ~ClickHouseServer();

  /// Writes the config (first time), starts the server and waits until it answers queries.
  bool start();
  /// SIGKILLs the server: a crash.
  void kill();
  /// SIGTERMs the server and waits for it to exit.
  void stop();
  int httpPort() const noexcept { return httpPort_; }
  /// "http://default@127.0.0.1:<port>/default"; user "ait" has password "ait-secret".
  std::string url() const;

 private:
  std::filesystem::path dir_;
  int httpPort_;
  int tcpPort_;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace ait::testing
