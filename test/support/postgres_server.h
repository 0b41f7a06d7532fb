#pragma once
// Test helper: a throwaway PostgreSQL server (Debian's postgresql package) on 127.0.0.1 with its
// data directory under a given folder; initdb on first start, stopped when the helper goes.
// As root, the server runs as the `postgres` user (initdb refuses root).

#include <filesystem>
#include <memory>
#include <string>

#include "support/child_process.h"

namespace ait::testing {

/// Returns the folder of initdb/postgres (/usr/lib/postgresql/<version>/bin), or "" if absent.
std::string findPostgresBin();

class PostgresServer {
 public:
  explicit PostgresServer(std::filesystem::path dir);
  ~PostgresServer();

  /// Initialises the cluster when needed, starts the server and waits until it accepts logins.
  bool start();
  /// Copies primary's cluster with pg_basebackup (-R: a streaming standby of it) when this one
  /// has none yet, then starts this server as that hot standby.
  bool startStandbyOf(const PostgresServer& primary);
  /// SIGKILLs the server: a crash.
  void kill();
  int port() const noexcept { return port_; }
  /// libpq connection string for the superuser "ait" and database "postgres".
  std::string conninfo() const;

 private:
  std::filesystem::path dir_;
  int port_;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace ait::testing
