#pragma once
// The fault scenario every server backend goes through: a journal stream projected through the
// breaker and bulkhead into a real server that is killed a third of the way through the appends
// and restarted at two thirds, once the failed attempts have opened the breaker. The journal
// never waits for the server, and the projection catches up from its checkpoint.

#include <algorithm>
#include <array>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "ait/journal/journal.h"
#include "ait/model/codec.h"
#include "ait/store/guarded_store.h"
#include "ait/store/projector.h"

namespace ait::testing {

class OutageRun {
 public:
  /// Opens stream's journal under dir and starts projecting it, in batches of batch, into target
  /// behind a breaker that opens after three failed calls and lets a trial through after 300 ms.
  OutageRun(const std::filesystem::path& dir, const std::string& stream, std::unique_ptr<store::EventStore> target,
            std::size_t batch)
      : guarded_(std::move(target), quickGuard()) {
    journal::JournalConfig config;
    config.dataDir = (dir / "journal").string();
    config.fsync = false;
    journal::JournalOptions options;
    options.stream = stream;
    journal_ = journal::Journal::open(config, options).value();
    projector_ = std::make_unique<store::Projector>(
        guarded_, std::vector<store::StreamSource>{{stream, journal_.get()}},
        store::ProjectionSettings{.batch = batch, .initialBackoff = std::chrono::milliseconds(20),
                           .maxBackoff = std::chrono::milliseconds(200)});
    projector_->start();
  }

  store::GuardedEventStore& guarded() noexcept { return guarded_; }

  /// Appends count events made by event(i), pausing 5 ms every pauseEvery; kills server at a
  /// third, and at two thirds waits for the breaker to open, calls whileOpen and restarts it.
  /// Every append must stay a buffer copy (under 1 s) whatever the server does.
  template <class Server>
  void appendThroughOutage(Server& server, int count, int pauseEvery, const std::function<model::Event(int)>& event,
                           const std::function<void()>& whileOpen = {}) {
    std::array<std::byte, model::kMaxEncodedSize> buffer;
    std::chrono::nanoseconds slowestAppend{0};
    for (int i = 0; i < count; ++i) {
      if (i == count / 3) server.kill();
      if (i == 2 * count / 3) {
        // The failed attempts opened the breaker: the projection stops calling the dead server.
        const auto openBy = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (guarded_.breaker().state() != resilience::CircuitState::Open) {
          ASSERT_LT(std::chrono::steady_clock::now(), openBy) << "the breaker never opened";
          std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
        if (whileOpen) whileOpen();
        ASSERT_TRUE(server.start());
      }
      const auto e = event(i);
      const auto size = model::encode(e, buffer).value();
      const auto before = std::chrono::steady_clock::now();
      ASSERT_TRUE(journal_->append(model::typeIdOf(e), model::tenantOf(e).value, i, std::span(buffer.data(), size))
                      .has_value());
      slowestAppend = std::max(slowestAppend, std::chrono::steady_clock::now() - before);
      if (i % pauseEvery == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ASSERT_TRUE(journal_->waitDurable(journal_->lastSequence(), std::chrono::seconds(10)).has_value());
    EXPECT_LT(slowestAppend, std::chrono::seconds(1)) << "the journal waited for the server";
  }

  /// Waits until the projection has applied sequence count, stops it, and checks the outage was
  /// seen and the trial calls closed the breaker again.
  void expectCaughtUp(std::uint64_t count) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (projector_->status().streams[0].checkpoint < count) {
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << projector_->status().lastError;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    projector_->stop();
    EXPECT_GT(projector_->status().failures, 0u) << "the outage was seen";
    EXPECT_EQ(guarded_.breaker().state(), resilience::CircuitState::Closed) << "trial calls closed it again";
  }

 private:
  static store::GuardSettings quickGuard() {
    store::GuardSettings guard;
    guard.breaker.window_size = 5;
    guard.breaker.minimum_calls = 3;
    guard.breaker.open_duration_ms = 300;
    return guard;
  }

  store::GuardedEventStore guarded_;
  std::unique_ptr<journal::Journal> journal_;
  std::unique_ptr<store::Projector> projector_;
};

}  // namespace ait::testing
