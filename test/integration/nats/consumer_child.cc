// The consuming process of the JetStream integration test: a durable consumer applies events to
// a local bus whose subscriber writes "<sequence> <subject>" per event to a file. It exits 0 once
// it has seen the expected count and then nothing more for a settle period (so a late duplicate
// would still be written), 2 on timeout, 1 on a setup error.
//
//   nats_consumer_child URL STATE_DIR OUT_FILE EXPECTED_COUNT

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "ait/bus/bus.h"
#include "ait/model/topic.h"
#include "ait/nats/consumer.h"
#include "ait/nats/subject.h"

int main(int argc, char** argv) {
  using namespace std::chrono_literals;
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s URL STATE_DIR OUT_FILE EXPECTED_COUNT\n", argv[0]);
    return 1;
  }
  const std::uint64_t expected = std::strtoull(argv[4], nullptr, 10);
  std::FILE* out = std::fopen(argv[3], "w");
  if (out == nullptr) return 1;

  auto bus = ait::bus::Bus<ait::model::Event>::create(ait::bus::BusConfig{}, "nats-child");
  if (!bus) {
    std::fprintf(stderr, "%s\n", bus.error().describe().c_str());
    return 1;
  }
  std::atomic<std::uint64_t> seen{0};
  auto sub = (*bus)->subscribe(">", [&](const ait::model::Event& event) {
    std::fprintf(out, "%llu %s\n",
                 static_cast<unsigned long long>(ait::model::headerOf(event).sequence),
                 std::string(ait::nats::subjectOf(event).view()).c_str());
    std::fflush(out);
    seen.fetch_add(1, std::memory_order_release);
  });
  if (!sub || !(*bus)->start()) return 1;

  ait::nats::NatsConfig config;
  config.urls = {argv[1]};
  config.state_dir = argv[2];
  config.ack_wait_ms = 2000;
  auto consumer = ait::nats::JetStreamConsumer::create(config, {"test-consumer", "ait.>"},
                                                       ait::nats::busSink(**bus));
  if (!consumer) {
    std::fprintf(stderr, "%s\n", consumer.error().describe().c_str());
    return 1;
  }
  if (!(*consumer)->start()) return 1;

  const auto deadline = std::chrono::steady_clock::now() + 120s;
  int rc = 2;
  while (std::chrono::steady_clock::now() < deadline) {
    if (seen.load(std::memory_order_acquire) >= expected) {
      std::this_thread::sleep_for(1500ms);
      rc = 0;
      break;
    }
    std::this_thread::sleep_for(20ms);
  }
  (*consumer)->stop();
  (void)(*bus)->stop();
  const auto stats = (*consumer)->stats();
  std::fprintf(stderr, "consumer: consumed %llu duplicates %llu early %llu gaps %llu reconnects %llu\n",
               static_cast<unsigned long long>(stats.consumed),
               static_cast<unsigned long long>(stats.duplicates),
               static_cast<unsigned long long>(stats.early), static_cast<unsigned long long>(stats.gaps),
               static_cast<unsigned long long>(stats.reconnects));
  std::fclose(out);
  return rc;
}
