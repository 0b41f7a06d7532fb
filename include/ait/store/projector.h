#pragma once
// Follows journal streams and writes them into an EventStore, on its own thread, so trading
// never waits for a database. At-least-once from the journal plus idempotent, checkpointed
// writes in the store give exactly-once rows. When the store fails, the projection pauses with
// backoff (trading goes on, the journal keeps everything) and resumes from its checkpoint.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ait/core/error.h"
#include "ait/journal/journal.h"
#include "ait/metrics/metrics.h"
#include "ait/store/event_store.h"

namespace ait::store {

struct ProjectionSettings {
  std::size_t batch = 512;                              // events per transaction at most
  std::chrono::milliseconds idleWait{20};               // sleep when every stream is caught up
  std::chrono::milliseconds initialBackoff{100};        // after the first failure
  std::chrono::milliseconds maxBackoff{5000};           // between attempts while the store is down
};

struct StreamSource {
  std::string name;                  // "md", "trading": also the checkpoint key
  const journal::Journal* journal;   // outlives the projector
};

struct StreamProgress {
  std::string stream;
  std::uint64_t checkpoint = 0;  // last sequence in the store
  std::uint64_t head = 0;        // durable sequence of the journal
  std::uint64_t lag() const noexcept { return head > checkpoint ? head - checkpoint : 0; }
};

struct ProjectionStatus {
  std::vector<StreamProgress> streams;
  bool connected = true;        // the last attempt succeeded
  std::uint64_t failures = 0;   // failed attempts since start
  std::string lastError;
};

class Projector {
 public:
  Projector(EventStore& store, std::vector<StreamSource> sources, ProjectionSettings settings = {});
  ~Projector();
  Projector(const Projector&) = delete;
  Projector& operator=(const Projector&) = delete;

  void start();
  void stop();
  ProjectionStatus status() const;

 private:
  struct Stream {
    StreamSource source;
    std::optional<journal::JournalReader> reader;
    std::atomic<std::uint64_t> checkpoint{0};
    metrics::Gauge* lag = nullptr;
  };
  void run();
  Expected<std::size_t> pump(Stream& stream);
  void sleepFor(std::chrono::milliseconds duration);

  EventStore& store_;
  std::vector<std::unique_ptr<Stream>> streams_;
  ProjectionSettings settings_;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::atomic<bool> connected_{true};
  std::atomic<std::uint64_t> failures_{0};
  std::string lastError_;
  metrics::Counter& applied_;
  metrics::Counter& failed_;
};

}  // namespace ait::store
