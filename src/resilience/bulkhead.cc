#include "ait/resilience/bulkhead.h"

#include <algorithm>
#include <limits>

#include <fmt/format.h>

#include "ait/resilience/errors.h"
#include "logging.h"

namespace ait::resilience {

namespace {

constexpr std::int64_t kNsPerMs = 1'000'000;

BulkheadConfig clamped(BulkheadConfig c) {
  c.max_concurrent = std::max(c.max_concurrent, 1);
  c.max_queue = std::max(c.max_queue, 0);
  c.queue_timeout_ms = std::clamp<std::int64_t>(
      c.queue_timeout_ms, 0, std::numeric_limits<std::int64_t>::max() / (4 * kNsPerMs));
  return c;
}

}  // namespace

std::vector<std::string> BulkheadConfig::validate() const {
  std::vector<std::string> problems;
  const std::string_view section = "resilience.bulkhead";
  if (max_concurrent < 1) {
    problems.push_back(
        fmt::format("{}.max_concurrent must be at least 1 (got {})", section, max_concurrent));
  }
  if (max_queue < 0) {
    problems.push_back(fmt::format("{}.max_queue must not be negative (got {})", section, max_queue));
  }
  if (queue_timeout_ms < 0) {
    problems.push_back(fmt::format("{}.queue_timeout_ms must not be negative (got {})", section,
                                   queue_timeout_ms));
  }
  return problems;
}

Bulkhead::Bulkhead(std::string name, BulkheadConfig config, const Clock& clock,
                   metrics::Registry& metrics)
    : name_(std::move(name)),
      config_(clamped(config)),
      clock_(clock),
      queueTimeoutNs_(config_.queue_timeout_ms * kNsPerMs),
      inUseGauge_(metrics.gauge("ait_bulkhead_in_use", "Calls in flight through the bulkhead.",
                                {{"name", name_}})),
      queuedGauge_(metrics.gauge("ait_bulkhead_queued", "Callers waiting for a bulkhead slot.",
                                 {{"name", name_}})),
      capacityGauge_(metrics.gauge("ait_bulkhead_max_concurrent",
                                   "Calls the bulkhead lets through at once.", {{"name", name_}})),
      rejectedFull_(metrics.counter("ait_bulkhead_rejected_total",
                                    "Calls refused by the bulkhead, by reason: queue_full (no "
                                    "room to wait) or timeout (no slot within queue_timeout_ms).",
                                    {{"name", name_}, {"reason", "queue_full"}})),
      rejectedTimeout_(metrics.counter("ait_bulkhead_rejected_total", "",
                                       {{"name", name_}, {"reason", "timeout"}})) {
  capacityGauge_.set(config_.max_concurrent);
  publishLocked();
}

Expected<Bulkhead::Permit> Bulkhead::acquire() {
  return acquireUntil(clock_.monotonicNs() + queueTimeoutNs_);
}

Expected<Bulkhead::Permit> Bulkhead::acquire(const Deadline& deadline) {
  const auto wait = std::min<std::int64_t>(queueTimeoutNs_, deadline.remaining().count());
  return acquireUntil(clock_.monotonicNs() + wait);
}

Expected<Bulkhead::Permit> Bulkhead::tryAcquire() { return acquireUntil(clock_.monotonicNs()); }

Expected<Bulkhead::Permit> Bulkhead::acquireUntil(std::int64_t waitUntilNs) {
  std::unique_lock lock(mutex_);
  if (inUse_ < config_.max_concurrent && head_ == nullptr) {
    ++inUse_;
    publishLocked();
    return Permit(this);
  }
  if (queued_ >= config_.max_queue || waitUntilNs <= clock_.monotonicNs()) {
    return reject(lock, rejectedFull_,
                  fmt::format("{} calls in flight, {} waiting", inUse_, queued_));
  }

  Waiter self;
  self.prev = tail_;
  if (tail_ != nullptr) tail_->next = &self;
  else head_ = &self;
  tail_ = &self;
  ++queued_;
  publishLocked();
  for (;;) {
    // The releaser hands its slot over directly (inUse_ unchanged) and unlinks us.
    if (self.granted) return Permit(this);
    const auto remaining = waitUntilNs - clock_.monotonicNs();
    if (remaining <= 0) {
      unlinkLocked(self);
      --queued_;
      publishLocked();
      return reject(lock, rejectedTimeout_,
                    fmt::format("no slot free within {} ms", config_.queue_timeout_ms));
    }
    // Waits in slices: the timeout runs on the injected clock, which need not be real time.
    self.wake.wait_for(lock, std::min<std::chrono::nanoseconds>(std::chrono::nanoseconds(remaining),
                                                                detail::kDeadlinePollSlice));
  }
}

Expected<Bulkhead::Permit> Bulkhead::reject(std::unique_lock<std::mutex>& lock,
                                            metrics::Counter& counter, std::string reason) {
  counter.inc();
  const bool firstRejection = !std::exchange(saturated_, true);
  lock.unlock();
  auto message = fmt::format("bulkhead full for {} ({})", name_, reason);
  if (firstRejection) {
    detail::logger()->warn("bulkhead {}: saturated, rejecting calls: {}", name_, reason);
  }
  return fail(kBulkheadFull, std::move(message));
}

void Bulkhead::releaseSlot() noexcept {
  bool drained = false;
  {
    std::lock_guard lock(mutex_);
    if (head_ != nullptr) {
      Waiter* first = head_;
      unlinkLocked(*first);
      --queued_;
      first->granted = true;
      // Notified under the lock: once it is released the waiter may return and destroy `wake`.
      first->wake.notify_one();
    } else if (inUse_ > 0) {
      --inUse_;
    }
    publishLocked();
    if (saturated_ && head_ == nullptr && inUse_ < config_.max_concurrent) {
      saturated_ = false;
      drained = true;
    }
  }
  if (drained) detail::logger()->info("bulkhead {}: has free slots again", name_);
}

void Bulkhead::unlinkLocked(Waiter& waiter) noexcept {
  if (waiter.prev != nullptr) waiter.prev->next = waiter.next;
  else head_ = waiter.next;
  if (waiter.next != nullptr) waiter.next->prev = waiter.prev;
  else tail_ = waiter.prev;
  waiter.prev = waiter.next = nullptr;
}

void Bulkhead::publishLocked() noexcept {
  inUseGauge_.set(inUse_);
  queuedGauge_.set(queued_);
}

int Bulkhead::inUse() const {
  std::lock_guard lock(mutex_);
  return inUse_;
}

int Bulkhead::queued() const {
  std::lock_guard lock(mutex_);
  return queued_;
}

}  // namespace ait::resilience
