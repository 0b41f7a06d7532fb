#pragma once
// The stop flag and interruptible sleep shared by the publisher and consumer threads.

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace ait::nats::detail {

class StopSignal {
 public:
  /// Sleeps for d unless stop() is called first; returns false when stopping.
  bool sleepFor(std::chrono::nanoseconds d) {
    std::unique_lock lock(mutex_);
    return !cv_.wait_for(lock, d, [this] { return stopping_; });
  }
  void stop() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    cv_.notify_all();
  }
  bool stopping() const {
    std::lock_guard lock(mutex_);
    return stopping_;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
};

}  // namespace ait::nats::detail
