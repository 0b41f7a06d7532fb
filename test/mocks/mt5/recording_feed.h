#pragma once
// A Feed that records what the bridges hand it (thread-safe, for tests across threads), can
// refuse quotes like a validator, and can play an overloaded platform after a given count.

#include <atomic>
#include <cmath>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "ait/mt5/errors.h"
#include "ait/mt5/feed.h"

namespace ait::mt5::test {

struct RecordedQuote {
  std::uint32_t tenant = 0;
  std::string symbol;
  int digits = -1;
  TimestampNs tsEvent = 0;
  double bid = 0;
  double ask = 0;
  double last = 0;
  double volume = 0;
  std::uint32_t flags = 0;
  std::string source;
};

struct Recorder {
  std::mutex mutex;
  std::vector<RecordedQuote> quotes;
  std::vector<model::Event> events;
  std::vector<TimestampNs> timers;  // the `now` of each onTimer call
  /// After this many accepted quotes or events the feed answers kOverloaded once per refusal
  /// budget; -1: never.
  std::atomic<long> acceptBeforeOverload{-1};
  std::atomic<long> overloads{0};

  std::vector<RecordedQuote> quotesCopy() {
    std::lock_guard lock(mutex);
    return quotes;
  }
  std::vector<model::Event> eventsCopy() {
    std::lock_guard lock(mutex);
    return events;
  }
  std::vector<TimestampNs> timersCopy() {
    std::lock_guard lock(mutex);
    return timers;
  }
  bool overloadNow() {
    long left = acceptBeforeOverload.load();
    if (left < 0) return false;
    if (left == 0) {
      acceptBeforeOverload = -1;  // one refusal, then accept again
      ++overloads;
      return true;
    }
    acceptBeforeOverload = left - 1;
    return false;
  }
};

class RecordingFeed final : public Feed {
 public:
  explicit RecordingFeed(std::shared_ptr<Recorder> recorder) : recorder_(std::move(recorder)) {}

  Expected<void> quote(const RawQuote& q) override {
    if (!std::isfinite(q.bid) || q.bid <= 0) return fail(errors::kRejected, "bid must be > 0");
    if (!std::isfinite(q.ask) || q.ask <= 0) return fail(errors::kRejected, "ask must be > 0");
    if (q.bid > q.ask) return fail(errors::kRejected, "bid is above ask (crossed quote)");
    if (recorder_->overloadNow()) return fail(errors::kOverloaded, "test: queue full");
    std::lock_guard lock(recorder_->mutex);
    recorder_->quotes.push_back({q.tenant.value, std::string(q.symbol), q.digits, q.tsEvent, q.bid,
                                 q.ask, q.last, q.volume, q.flags, std::string(q.source)});
    return {};
  }
  Expected<void> publish(const model::Event& event) override {
    if (recorder_->overloadNow()) return fail(errors::kOverloaded, "test: queue full");
    std::lock_guard lock(recorder_->mutex);
    recorder_->events.push_back(event);
    return {};
  }
  void onTimer(TimestampNs now) override {
    std::lock_guard lock(recorder_->mutex);
    recorder_->timers.push_back(now);
  }

 private:
  std::shared_ptr<Recorder> recorder_;
};

inline FeedFactory recordingFeeds(std::shared_ptr<Recorder> recorder) {
  return [recorder](model::TenantId, std::string_view) -> std::unique_ptr<Feed> {
    return std::make_unique<RecordingFeed>(recorder);
  };
}

}  // namespace ait::mt5::test
