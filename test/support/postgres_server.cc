#include "support/postgres_server.h"

#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <thread>

#include "support/nats_server.h"

namespace ait::testing {

namespace {

// Starts argv as the postgres user when we are root (dropping privileges in the child, so the
// pid is the server's own and signals reach it), else as ourselves.
std::unique_ptr<ChildProcess> spawnAsPostgres(const std::vector<std::string>& argv,
                                              const std::filesystem::path& log) {
  std::vector<std::string> env;
  if (::geteuid() == 0) {
    if (const passwd* pw = ::getpwnam("postgres")) {
      env.push_back("AIT_RUN_AS_UID=" + std::to_string(pw->pw_uid));
      env.push_back("AIT_RUN_AS_GID=" + std::to_string(pw->pw_gid));
    }
  }
  return std::make_unique<ChildProcess>(argv, log.string(), env);
}

void giveToPostgres(const std::filesystem::path& path) {
  if (::geteuid() != 0) return;
  if (const passwd* pw = ::getpwnam("postgres")) {
    (void)::chown(path.c_str(), pw->pw_uid, pw->pw_gid);
  }
}

}  // namespace

std::string findPostgresBin() {
  for (const char* version : {"17", "16", "15", "14", "13"}) {
    const std::string bin = std::string("/usr/lib/postgresql/") + version + "/bin";
    if (std::filesystem::exists(bin + "/postgres")) return bin;
  }
  return {};
}

PostgresServer::PostgresServer(std::filesystem::path dir) : dir_(std::move(dir)), port_(freePort()) {}

PostgresServer::~PostgresServer() {
  if (process_ != nullptr) {
    process_->signal(SIGTERM);  // smart shutdown; kill() if it hangs
    if (!process_->wait(std::chrono::seconds(10))) kill();
  }
}

bool PostgresServer::start() {
  const std::string bin = findPostgresBin();
  if (bin.empty()) return false;
  const auto data = dir_ / "pgdata";
  if (!std::filesystem::exists(data / "PG_VERSION")) {
    std::filesystem::create_directories(dir_);
    giveToPostgres(dir_);
    auto init = spawnAsPostgres({bin + "/initdb", "-D", data.string(), "-U", "ait", "-A", "trust",
                                 "--no-sync", "-E", "UTF8"},
                                dir_ / "initdb.log");
    if (init->wait(std::chrono::seconds(120)) != 0) return false;
  }
  process_ = spawnAsPostgres({bin + "/postgres", "-D", data.string(), "-h", "127.0.0.1", "-p",
                               std::to_string(port_), "-k", dir_.string(), "-c", "fsync=off",
                               "-c", "max_connections=50"},
                              dir_ / "postgres.log");
  if (!waitForPort(port_, std::chrono::seconds(30))) return false;
  // The port opens before recovery finishes; wait until a login works.
  for (int i = 0; i < 300; ++i) {
    ChildProcess ready({bin + "/pg_isready", "-h", "127.0.0.1", "-p", std::to_string(port_), "-U", "ait"},
                       (dir_ / "isready.log").string());
    if (ready.wait(std::chrono::seconds(10)) == 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

bool PostgresServer::startStandbyOf(const PostgresServer& primary) {
  const std::string bin = findPostgresBin();
  if (bin.empty()) return false;
  const auto data = dir_ / "pgdata";
  if (!std::filesystem::exists(data / "PG_VERSION")) {
    std::filesystem::create_directories(dir_);
    giveToPostgres(dir_);
    // The connection string, application name included, becomes the standby's primary_conninfo.
    auto copy = spawnAsPostgres({bin + "/pg_basebackup", "-D", data.string(), "-R", "-X", "stream",
                                 "--no-sync", "-c", "fast", "-d",
                                 "host=127.0.0.1 port=" + std::to_string(primary.port()) +
                                     " user=ait application_name=standby1"},
                                dir_ / "basebackup.log");
    if (copy->wait(std::chrono::seconds(120)) != 0) return false;
  }
  return start();
}

void PostgresServer::kill() {
  if (process_ == nullptr) return;
  process_->signal(SIGKILL);
  (void)process_->wait(std::chrono::seconds(10));
  process_.reset();
  // A killed postmaster leaves children for a moment; the next start waits for the port.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
}

std::string PostgresServer::conninfo() const {
  return "host=127.0.0.1 port=" + std::to_string(port_) + " user=ait dbname=postgres";
}

}  // namespace ait::testing
