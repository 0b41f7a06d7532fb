#include "support/clickhouse_server.h"

#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include <fmt/format.h>

#include "support/nats_server.h"

namespace ait::testing {

namespace {

void chownTree(const std::filesystem::path& root, const passwd* pw) {
  (void)::chown(root.c_str(), pw->pw_uid, pw->pw_gid);
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    (void)::chown(entry.path().c_str(), pw->pw_uid, pw->pw_gid);
  }
}

}  // namespace

std::string findClickHouseServer() {
  for (const char* path : {"/usr/bin/clickhouse-server", "/usr/sbin/clickhouse-server"}) {
    if (std::filesystem::exists(path)) return path;
  }
  return {};
}

ClickHouseServer::ClickHouseServer(std::filesystem::path dir)
    : dir_(std::move(dir)), httpPort_(freePort()), tcpPort_(freePort()) {}

ClickHouseServer::~ClickHouseServer() { stop(); }

bool ClickHouseServer::start() {
  const std::string binary = findClickHouseServer();
  if (binary.empty()) return false;
  std::filesystem::create_directories(dir_ / "data");
  std::filesystem::create_directories(dir_ / "tmp");
  const auto d = dir_.string();
  {
    std::ofstream config(dir_ / "config.xml");
    config << fmt::format(R"(<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>{0}/server.log</log><errorlog>{0}/server.err.log</errorlog></logger>
  <http_port>{1}</http_port>
  <tcp_port>{2}</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <path>{0}/data/</path>
  <tmp_path>{0}/tmp/</tmp_path>
  <user_files_path>{0}/user_files/</user_files_path>
  <format_schema_path>{0}/format_schemas/</format_schema_path>
  <users_config>{0}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>67108864</mark_cache_size>
  <uncompressed_cache_size>67108864</uncompressed_cache_size>
  <mlock_executable>false</mlock_executable>
</yandex>
)",
                          d, httpPort_, tcpPort_);
    std::ofstream users(dir_ / "users.xml");
    users << R"(<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>2000000000</max_memory_usage></default></profiles>
  <users>
    <default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default>
    <ait><password>ait-secret</password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></ait>
  </users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
)";
  }
  std::vector<std::string> env;
  if (::geteuid() == 0) {
    if (const passwd* pw = ::getpwnam("clickhouse")) {
      chownTree(dir_, pw);
      env.push_back("AIT_RUN_AS_UID=" + std::to_string(pw->pw_uid));
      env.push_back("AIT_RUN_AS_GID=" + std::to_string(pw->pw_gid));
    }
  }
  process_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{binary, "--config-file=" + (dir_ / "config.xml").string()},
      (dir_ / "stdout.log").string(), env);
  if (!waitForPort(httpPort_, std::chrono::seconds(30))) return false;
  // The port opens a moment before tables are loaded; wait until a query answers.
  for (int i = 0; i < 300; ++i) {
    const auto reply = httpGet(httpPort_, "/?query=SELECT%201");
    if (reply.status == 200) return true;
    if (!process_->running()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

void ClickHouseServer::kill() {
  if (process_ == nullptr) return;
  process_->signal(SIGKILL);
  (void)process_->wait(std::chrono::seconds(10));
  process_.reset();
}

void ClickHouseServer::stop() {
  if (process_ == nullptr) return;
  process_->signal(SIGTERM);
  if (!process_->wait(std::chrono::seconds(15))) kill();
  process_.reset();
}

std::string ClickHouseServer::url() const {
  return fmt::format("http://default@127.0.0.1:{}/default", httpPort_);
}

}  // namespace ait::testing
