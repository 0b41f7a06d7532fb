// `aitrading bench startup`: time from exec of `aitrading serve` to every service port answering
// /health as started (healthy, or degraded: running but short of something, such as the
// ai-orchestration service without a model on the default configuration), and from SIGTERM to
// exit, over several rounds.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "ait/bench/harness.h"
#include "ait/hub/probe.h"

namespace {

constexpr std::array<const char*, 6> kServices = {
    "api_gateway",      "data_bridge",      "performance_analytics",
    "ai_orchestration", "database_service", "trading_engine"};

int freePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    throw std::runtime_error("cannot find a free port");
  }
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

struct Round {
  std::int64_t readyNs = 0;
  std::int64_t exitNs = 0;
  int exitCode = -1;
};

Round runOnce(const std::filesystem::path& dir) {
  std::array<int, kServices.size()> ports{};
  std::string overlay = fmt::format(
      "[log]\nfile = \"{}\"\nstderr = false\n[journal]\ndata_dir = \"{}\"\n",
      (dir / "aitrading.log").string(), (dir / "journal").string());
  for (std::size_t i = 0; i < kServices.size(); ++i) {
    ports[i] = freePort();
    overlay += fmt::format("[services.{}]\nport = {}\n", kServices[i], ports[i]);
  }
  auto overlayPath = dir / "bench.toml";
  std::ofstream(overlayPath) << overlay;

  auto start = ait::bench::nowNs();
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    std::string config = overlayPath.string();
    execl("/proc/self/exe", "aitrading", "serve", "--config", config.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }

  auto probe = ait::hub::httpHealthProbe(std::chrono::milliseconds(200));
  Round round;
  std::size_t healthy = 0;
  std::array<bool, kServices.size()> up{};
  auto giveUp = start + 30'000'000'000LL;
  while (healthy < kServices.size() && ait::bench::nowNs() < giveUp) {
    for (std::size_t i = 0; i < kServices.size(); ++i) {
      if (up[i]) continue;
      auto health = probe(ait::hub::ServiceLocation::remote("127.0.0.1",
                                                            static_cast<std::uint16_t>(ports[i])));
      if (health.status == ait::hub::HealthStatus::Healthy ||
          health.status == ait::hub::HealthStatus::Degraded) {
        up[i] = true;
        ++healthy;
      }
    }
    if (healthy < kServices.size()) std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  if (healthy == kServices.size()) round.readyNs = ait::bench::nowNs() - start;

  auto stopAt = ait::bench::nowNs();
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  round.exitNs = ait::bench::nowNs() - stopAt;
  round.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return round;
}

nlohmann::json runStartup(const ait::bench::Options& options) {
  int rounds = options.quick ? 3 : 20;
  if (auto it = options.params.find("rounds"); it != options.params.end()) {
    rounds = std::stoi(it->second);
  }
  auto dir = std::filesystem::temp_directory_path() / fmt::format("ait-bench-startup-{}", getpid());
  std::filesystem::create_directories(dir);
  ait::bench::LatencyRecorder ready(static_cast<std::size_t>(rounds));
  ait::bench::LatencyRecorder exit(static_cast<std::size_t>(rounds));
  int failures = 0;
  for (int i = 0; i < rounds; ++i) {
    auto round = runOnce(dir);
    if (round.readyNs == 0 || round.exitCode != 0) {
      ++failures;
      continue;
    }
    ready.record(round.readyNs);
    exit.record(round.exitNs);
  }
  std::filesystem::remove_all(dir);
  nlohmann::json figures{{"rounds", rounds},
                         {"failed_rounds", failures},
                         {"exec_to_all_started", ready.summary()},
                         {"sigterm_to_exit", exit.summary()}};
  if (failures == rounds) figures["error"] = "no round had all six ports started (healthy or degraded)";
  return figures;
}

}  // namespace

AIT_BENCHMARK("startup",
              "exec of `aitrading serve` to /health started (healthy or degraded) on all six ports, and SIGTERM to exit",
              runStartup);
