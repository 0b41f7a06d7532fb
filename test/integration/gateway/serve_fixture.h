#pragma once
// Starts `aitrading serve` for the gateway's integration tests and makes sure the server that
// answers is this test's own. Ports come from freePort(), which only says a port was free a
// moment ago: when tests run in parallel another server may take one first, ours then fails to
// bind and exits, and the other server would answer our requests (with its own users, TOTP
// secrets and signing key). So: retry with new ports when our server exits, and accept it only
// once a token signed with our key is accepted.

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "ait/auth/authenticator.h"
#include "ait/auth/jwt.h"
#include "support/child_process.h"

namespace ait::testing {

inline std::string slurpFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct ServedPlatform {
  std::unique_ptr<ChildProcess> server;
  int gatewayPort = 0;
  std::map<std::string, int> ports;  // by [services.<key>]
  std::string error;  // why it could not start
};

/// Writes dir/test.toml (baseConfig plus a free port per service) and starts the server. `users`
/// runs the CLI commands that create tenants and users (before the server starts); the first
/// user created must have id 1 in tenant 1 (the identity check signs a token for it).
template <class MakeUsers>
ServedPlatform serve(const std::filesystem::path& dir, const std::string& baseConfig,
                     const std::string& binary, const std::string& configDir, MakeUsers&& users) {
  ServedPlatform served;
  bool usersMade = false;
  for (int attempt = 0; attempt < 5; ++attempt) {
    std::string text = baseConfig;
    const char* keys[] = {"api_gateway", "data_bridge", "performance_analytics",
                          "ai_orchestration", "database_service", "trading_engine"};
    for (const char* key : keys) {
      const int port = freePort();
      if (std::string(key) == "api_gateway") served.gatewayPort = port;
      served.ports[key] = port;
      text += fmt::format("[services.{}]\nport = {}\n", key, port);
    }
    text += fmt::format("[mt5]\nnative_port = {}\n", freePort());  // never the shared 8101
    std::ofstream(dir / "test.toml") << text;
    if (!usersMade) {
      if (!users()) {
        served.error = "creating tenants and users failed";
        return served;
      }
      usersMade = true;
    }
    served.server = std::make_unique<ChildProcess>(
        std::vector<std::string>{binary, "serve", "--config", (dir / "test.toml").string(),
                                 "--config-dir", configDir},
        (dir / "serve.txt").string());
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    bool ours = false;
    while (std::chrono::steady_clock::now() < deadline && served.server->running()) {
      if (httpGet(served.gatewayPort, "/health").status == 200) {
        std::string secret = slurpFile(dir / "jwt.key");
        while (!secret.empty() && secret.back() == '\n') secret.pop_back();
        auto table = auth::keyTableFromSecret(secret);
        if (table) {
          auth::TokenCodec codec(*table, "aitrading", "aitrading-api");
          const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::system_clock::now().time_since_epoch()).count();
          auth::Claims claims;
          claims.subject = "1";
          claims.tenant = 1;
          claims.issuedAt = now;
          claims.expiresAt = now + 60;
          claims.id = "probe";
          auto token = codec.sign(claims);
          if (token && httpRequest(served.gatewayPort, "GET", "/api/v1/auth/me", {},
                                   {"Authorization: Bearer " + *token}).status == 200) {
            ours = true;
            break;
          }
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (ours) return served;
    served.error = slurpFile(dir / "serve.txt");
    served.server.reset();  // ours exited (a port was taken) or another server answered: again
  }
  return served;
}

}  // namespace ait::testing
