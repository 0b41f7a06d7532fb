#include "support/redis_server.h"

#include <signal.h>

#include "support/nats_server.h"

namespace ait::testing {

std::string findRedisServer() {
  for (const char* path : {"/usr/bin/redis-server", "/usr/sbin/redis-server"}) {
    if (std::filesystem::exists(path)) return path;
  }
  return {};
}

RedisServer::RedisServer(std::filesystem::path dir) : dir_(std::move(dir)), port_(freePort()) {}

RedisServer::~RedisServer() {
  if (process_ != nullptr) {
    process_->signal(SIGTERM);
    if (!process_->wait(std::chrono::seconds(10))) kill();
  }
}

bool RedisServer::start(const std::string& password) {
  const std::string binary = findRedisServer();
  if (binary.empty()) return false;
  std::filesystem::create_directories(dir_);
  std::vector<std::string> argv{binary,     "--port",       std::to_string(port_), "--bind", "127.0.0.1",
                                "--dir",    dir_.string(),  "--save",              "",       "--appendonly",
                                "no",       "--daemonize",  "no"};
  if (!password.empty()) {
    argv.push_back("--requirepass");
    argv.push_back(password);
  }
  process_ = std::make_unique<ChildProcess>(argv, (dir_ / "redis.log").string());
  return waitForPort(port_, std::chrono::seconds(30));
}

void RedisServer::kill() {
  if (process_ == nullptr) return;
  process_->signal(SIGKILL);
  (void)process_->wait(std::chrono::seconds(10));
  process_.reset();
}

std::string RedisServer::url() const { return "redis://127.0.0.1:" + std::to_string(port_) + "/0"; }

}  // namespace ait::testing
