#include "support/nats_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

namespace ait::testing {

std::string findNatsServer() {
  for (const char* path : {"/usr/sbin/nats-server", "/usr/bin/nats-server", "/usr/local/bin/nats-server"}) {
    if (std::filesystem::exists(path)) return path;
  }
  return {};
}

bool waitForPort(int port, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    const bool open = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    ::close(fd);
    if (open) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

NatsServer::NatsServer(std::filesystem::path store, std::filesystem::path log)
    : port_(freePort()), store_(std::move(store)), log_(std::move(log)) {}

NatsServer::~NatsServer() { kill(); }

bool NatsServer::start() {
  process_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{findNatsServer(), "-a", "127.0.0.1", "-p", std::to_string(port_),
                               "-js", "-sd", store_.string()},
      log_.string());
  return waitForPort(port_, std::chrono::seconds(30));
}

void NatsServer::kill() {
  if (process_ == nullptr) return;
  process_->signal(SIGKILL);
  (void)process_->wait(std::chrono::seconds(10));
  process_.reset();
}

}  // namespace ait::testing
