#pragma once
// The in-process bus: one engine thread per bus owns every handler and dispatches events strictly
// in order per producer. Producers on other threads hand events over through bounded lock-free
// queues: one SPSC ring per dedicated producer, one MPSC queue for casual publishers, and an
// engine-local queue for follow-ups that handlers publish. Subscriptions use NATS-like topic
// patterns (see topic.h), resolved once per distinct topic. Requests travel the same queues and
// are answered by a responder on the engine thread; the requester waits with a timeout.
//
// The bus is a template over the message type so that the hot path has no virtual call, no
// allocation, no lock and no exception: Msg must be trivially copyable, and TopicOf(msg) returns
// the message's topic as something convertible to std::string_view or with a view() member (by
// default an ADL call to topicOf(msg), e.g. ait::model::topicOf for ait::model::Event).

#include <algorithm>
#include <atomic>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "ait/bus/config.h"
#include "ait/bus/errors.h"
#include "ait/bus/mpsc_queue.h"
#include "ait/bus/reply.h"
#include "ait/bus/spsc_ring.h"
#include "ait/bus/topic.h"
#include "ait/bus/wait.h"
#include "ait/core/error.h"
#include "ait/metrics/metrics.h"

namespace ait::bus {

/// What became of one publish. Every outcome other than Ok is counted in the bus's metrics.
enum class PublishStatus : std::uint8_t {
  Ok,        // queued; the engine will dispatch it
  Dropped,   // Drop policy, queue full: discarded, counted in ait_bus_dropped_total
  Full,      // Fail policy, queue full: not queued, counted in ait_bus_rejected_total
  TimedOut,  // Block policy with a block_timeout that expired: not queued, counted as rejected
  Stopped,   // the bus is stopping or stopped: not queued, counted as rejected
};

/// Returns "ok", "dropped", "full", "timed_out" or "stopped".
std::string_view toString(PublishStatus status) noexcept;
/// Returns the error code that describes a failed publish (AIT-BUS-0011, -0005 or -0006).
const ErrorCode& errorCodeOf(PublishStatus status) noexcept;

enum class BusState : std::uint8_t { Created, Running, Stopping, Stopped };
/// Returns "created", "running", "stopping" or "stopped".
std::string_view toString(BusState state) noexcept;

struct SubscriptionId {
  std::uint32_t value = 0;
  friend bool operator==(SubscriptionId, SubscriptionId) = default;
};

/// A dedicated producer's settings, fixed when it is created.
struct ProducerOptions {
  std::string name{};                         // label of its metrics; unique per bus
  std::optional<Backpressure> backpressure{}; // default: BusConfig::backpressure
  std::uint32_t queue_capacity = 0;           // 0: BusConfig::queue_capacity
  std::chrono::nanoseconds block_timeout{0};  // Block only; 0 waits as long as the bus runs
};

/// Counters of one queue: a dedicated producer, "shared" (casual publishers) or "local"
/// (follow-ups published on the engine thread).
struct QueueStats {
  std::string name;
  Backpressure backpressure = Backpressure::Block;
  std::uint64_t capacity = 0;
  std::uint64_t published = 0;  // accepted into the queue
  std::uint64_t dropped = 0;    // discarded under the Drop policy
  std::uint64_t rejected = 0;   // refused: Fail policy, Block timeout, or bus stopped
  std::uint64_t depth = 0;      // queued now
  bool closed = false;          // the producer handle is gone
};

struct BusStats {
  std::string name;
  BusState state = BusState::Created;
  std::uint64_t dispatched = 0;        // events and requests taken off the queues
  std::uint64_t delivered = 0;         // handler calls
  std::uint64_t unrouted = 0;          // events no subscription matched
  std::uint64_t requests = 0;          // requests taken off the queues
  std::uint64_t noResponder = 0;       // requests no responder matched
  std::uint64_t invalidTopics = 0;     // events whose topic breaks the syntax
  std::uint64_t uncachedResolves = 0;  // topic lookups done without the cache (cache full)
  std::uint64_t undelivered = 0;       // events still queued when the bus stopped
  std::size_t topics = 0;              // distinct topics cached
  std::vector<QueueStats> queues;      // producers in creation order, then "shared", "local"

  /// Returns the named queue's counters, or null.
  const QueueStats* queue(std::string_view queueName) const noexcept {
    for (const auto& q : queues) {
      if (q.name == queueName) return &q;
    }
    return nullptr;
  }
};

/// What stop() did.
struct StopResult {
  std::uint64_t drained = 0;      // events dispatched after stop was requested
  std::uint64_t undelivered = 0;  // events left in the queues (deadline, or published too late)
  bool deadlineExpired = false;
};

/// The default topic extractor: an ADL call to topicOf(msg).
struct AdlTopicOf {
  template <class M>
  decltype(auto) operator()(const M& msg) const noexcept(noexcept(topicOf(msg))) {
    return topicOf(msg);
  }
};

namespace detail {

/// The bus's metrics series for one queue, registered once.
struct QueueMetrics {
  metrics::Counter* published = nullptr;
  metrics::Counter* dropped = nullptr;
  metrics::Counter* rejected = nullptr;
  metrics::Gauge* depth = nullptr;
  static QueueMetrics make(std::string_view bus, std::string_view queue);
};

/// The bus-wide metrics series.
struct EngineMetrics {
  metrics::Counter* dispatched = nullptr;
  metrics::Counter* requests = nullptr;
  metrics::Counter* undelivered = nullptr;
  static EngineMetrics make(std::string_view bus);
};

/// Logs and records in the ErrorRegistry that events were left undelivered.
void reportUndelivered(std::string_view bus, std::uint64_t count);

/// The engine a thread runs (the bus whose handlers it may call), or null.
inline constinit thread_local const void* currentEngine = nullptr;

template <class Msg>
struct Envelope {
  Msg msg;
  ReplyCore* reply;  // non-null for a request
};

/// Returns the topic text of whatever TopicOf returned: a string_view-convertible value, or an
/// inline string with view() (such as ait::model::Topic).
template <class T>
std::string_view topicView(const T& topic) noexcept {
  if constexpr (std::is_convertible_v<const T&, std::string_view>) {
    return std::string_view(topic);
  } else {
    return topic.view();
  }
}

/// A single-writer counter: only one thread bumps it, any thread reads it, no locked instruction.
inline void bump(std::atomic<std::uint64_t>& counter, std::uint64_t by = 1) noexcept {
  counter.store(counter.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
}

template <class E>
struct ProducerQueue {
  ProducerQueue(std::size_t capacity, std::string queueName, Backpressure backpressurePolicy,
                std::chrono::nanoseconds timeout, QueueMetrics queueMetrics)
      : ring(capacity),
        name(std::move(queueName)),
        policy(backpressurePolicy),
        blockTimeout(timeout),
        metrics(queueMetrics) {}

  SpscRing<E> ring;
  // Written by the producer only.
  alignas(kFalseSharingRange) std::atomic<std::uint64_t> dropped{0};
  std::atomic<std::uint64_t> rejected{0};
  std::atomic<bool> closed{false};
  // Blocked producers sleep here; the engine notifies after freeing space.
  alignas(kFalseSharingRange) WakeWord space;
  // Read-only after creation.
  alignas(kFalseSharingRange) const std::string name;
  const Backpressure policy;
  const std::chrono::nanoseconds blockTimeout;
  const QueueMetrics metrics;
  // Engine only.
  std::uint64_t publishedSynced = 0;
};

}  // namespace detail

template <class Msg, class TopicOf = AdlTopicOf>
class Bus {
  static_assert(std::is_trivially_copyable_v<Msg>, "bus messages are copied as raw bytes");
  static_assert(std::is_invocable_v<const TopicOf&, const Msg&>,
                "TopicOf must be callable with a const Msg&");

  using Envelope = detail::Envelope<Msg>;
  using Queue = detail::ProducerQueue<Envelope>;

 public:
  /// A subscriber; called on the engine thread, must not throw.
  using Handler = std::move_only_function<void(const Msg&)>;
  /// Sees every message (events and requests) on the engine thread before any handler and may
  /// change it; the runtime uses it to journal each event and stamp its sequence first.
  using Interceptor = std::move_only_function<void(Msg&) noexcept>;

  /// A dedicated producer: one thread at a time publishes through it into its own SPSC ring.
  /// It must not outlive its bus.
  class Producer {
   public:
    Producer() = default;
    Producer(Producer&& other) noexcept
        : bus_(std::exchange(other.bus_, nullptr)), queue_(std::exchange(other.queue_, nullptr)) {}
    Producer& operator=(Producer&& other) noexcept {
      if (this != &other) {
        close();
        bus_ = std::exchange(other.bus_, nullptr);
        queue_ = std::exchange(other.queue_, nullptr);
      }
      return *this;
    }
    ~Producer() { close(); }

    /// Queues msg for the engine, applying this producer's back-pressure policy when full.
    PublishStatus publish(const Msg& msg) noexcept { return bus_->pushTo(*queue_, msg, nullptr, true); }

    /// Queues the messages in order with one engine wake-up; returns how many were queued (a Fail
    /// or timed-out Block stops at the first refusal, Drop drops and counts the ones that miss).
    std::size_t publishBatch(std::span<const Msg> msgs) noexcept {
      std::size_t queued = 0;
      for (const auto& msg : msgs) {
        const auto status = bus_->pushTo(*queue_, msg, nullptr, false);
        if (status == PublishStatus::Ok) {
          ++queued;
        } else if (status != PublishStatus::Dropped) {
          break;
        }
      }
      bus_->wakeEngine();
      return queued;
    }

    /// Sends query as a request behind this producer's earlier events; the responder's reply of
    /// type R arrives in the returned PendingReply. Allocates one reply box.
    template <class R>
    Expected<PendingReply<R>> request(const Msg& query) {
      return bus_->template requestThrough<R>(queue_, query);
    }

    /// Sends a request and waits up to timeout for its reply.
    template <class R>
    Expected<R> call(const Msg& query, std::chrono::nanoseconds timeout) {
      auto pending = request<R>(query);
      if (!pending) return Unexpected(std::move(pending.error()));
      return pending->wait(timeout);
    }

    const std::string& name() const noexcept { return queue_->name; }
    Backpressure backpressure() const noexcept { return queue_->policy; }
    bool valid() const noexcept { return queue_ != nullptr; }

   private:
    friend class Bus;
    Producer(Bus* bus, Queue* queue) noexcept : bus_(bus), queue_(queue) {}
    void close() noexcept {
      if (queue_ != nullptr) queue_->closed.store(true, std::memory_order_release);
      queue_ = nullptr;
      bus_ = nullptr;
    }

    Bus* bus_ = nullptr;
    Queue* queue_ = nullptr;
  };

  /// Returns a bus named name (the label of its metrics), or AIT-BUS-0001 listing every invalid
  /// setting. The bus is idle until start() (or runUntilIdle()).
  static Expected<std::unique_ptr<Bus>> create(const BusConfig& config, std::string name = "engine",
                                               TopicOf topicOf = TopicOf{}) {
    if (auto ok = validate(config); !ok) return Unexpected(std::move(ok.error()));
    if (config.kind != BusKind::Local) {
      return fail(errors::kInvalidConfig,
                  "bus.kind is \"nats\": the in-process bus carries only kind \"local\"; NATS is "
                  "served by the NATS component");
    }
    if (name.empty()) return fail(errors::kInvalidConfig, "a bus needs a non-empty name");
    return std::unique_ptr<Bus>(new Bus(config, std::move(name), std::move(topicOf)));
  }

  ~Bus() {
    if (state() == BusState::Running || state() == BusState::Stopping) (void)stop();
    if (engine_.joinable()) engine_.join();
    sweepQueues();
  }
  Bus(const Bus&) = delete;
  Bus& operator=(const Bus&) = delete;

  /// Subscribes handler to pattern; allowed before start() and on the engine thread (from a
  /// handler: the new subscription sees events from the next one on).
  Expected<SubscriptionId> subscribe(std::string_view pattern, Handler handler) {
    if (auto ok = checkControlThread("subscribe"); !ok) return Unexpected(std::move(ok.error()));
    if (!handler) return fail(errors::kInvalidPattern, "subscribe() needs a callable handler");
    const auto index = static_cast<std::uint32_t>(subscriptions_.size());
    if (auto ok = router_.add(index, pattern, false); !ok) return Unexpected(std::move(ok.error()));
    subscriptions_.push_back(std::make_unique<Subscription>());
    subscriptions_.back()->handler = std::move(handler);
    return SubscriptionId{index};
  }

  /// Serves requests whose topic matches pattern with responder(const Msg&), returning R or
  /// Expected<R>; the first responder registered wins when several match. Same threads as
  /// subscribe().
  template <class R, class F>
  Expected<SubscriptionId> serve(std::string_view pattern, F responder) {
    using Result = std::invoke_result_t<F&, const Msg&>;
    static_assert(std::is_same_v<Result, R> || std::is_same_v<Result, Expected<R>>,
                  "a responder returns R or Expected<R>");
    if (auto ok = checkControlThread("serve"); !ok) return Unexpected(std::move(ok.error()));
    const auto index = static_cast<std::uint32_t>(subscriptions_.size());
    if (auto ok = router_.add(index, pattern, true); !ok) return Unexpected(std::move(ok.error()));
    subscriptions_.push_back(std::make_unique<Subscription>());
    subscriptions_.back()->responder = [fn = std::move(responder)](const Msg& query,
                                                                   detail::ReplyCore& core) mutable {
      if (!detail::holds<R>(core)) {
        core.finish(false, &errors::kReplyTypeMismatch);
        return;
      }
      auto& box = static_cast<detail::ReplyBox<R>&>(core);
      if constexpr (std::is_same_v<Result, R>) {
        box.value.emplace(fn(query));
        box.finish(true);
      } else {
        auto result = fn(query);
        if (result) {
          box.value.emplace(std::move(*result));
          box.finish(true);
        } else {
          box.responderError.emplace(std::move(result.error()));
          box.finish(false, &errors::kResponderFailed);
        }
      }
    };
    return SubscriptionId{index};
  }

  /// Removes a subscription or responder; same threads as subscribe(). A handler may remove
  /// itself; it is not called again.
  Expected<void> unsubscribe(SubscriptionId id) {
    if (auto ok = checkControlThread("unsubscribe"); !ok) return ok;
    if (id.value >= subscriptions_.size() || !subscriptions_[id.value]->active) {
      return fail(errors::kUnknownSubscription,
                  fmt::format("subscription {} does not exist or was already removed", id.value));
    }
    subscriptions_[id.value]->active = false;
    router_.remove(id.value);
    retired_.push_back(id.value);
    if (!dispatching_) reapRetired();
    return {};
  }

  /// Creates a dedicated producer with its own ring; any thread, any time before stop().
  Expected<Producer> makeProducer(ProducerOptions options) {
    std::lock_guard lock(controlMutex_);
    if (state() == BusState::Stopping || state() == BusState::Stopped) {
      return fail(errors::kLifecycle, fmt::format("bus '{}' is stopped; no new producers", name_));
    }
    if (options.name.empty()) {
      return fail(errors::kInvalidConfig, "a producer needs a non-empty name");
    }
    if (options.name == "shared" || options.name == "local") {
      return fail(errors::kDuplicateProducer,
                  fmt::format("producer name '{}' is reserved for the bus's own queues", options.name));
    }
    for (const auto& queue : ownedQueues_) {
      if (queue->name == options.name) {
        return fail(errors::kDuplicateProducer,
                    fmt::format("bus '{}' already has a producer named '{}'", name_, options.name));
      }
    }
    if (ownedQueues_.size() >= config_.max_producers) {
      return fail(errors::kTooManyProducers,
                  fmt::format("bus '{}' already has {} producers (bus.max_producers); cannot add '{}'",
                              name_, ownedQueues_.size(), options.name));
    }
    const std::uint32_t capacity =
        options.queue_capacity == 0 ? config_.queue_capacity : options.queue_capacity;
    if (!isValidCapacity(capacity)) {
      return fail(errors::kInvalidConfig,
                  fmt::format("producer '{}' queue_capacity is {}; it must be a power of two from 2 "
                              "to 67108864", options.name, capacity));
    }
    auto metrics = detail::QueueMetrics::make(name_, options.name);
    auto queue = std::make_unique<Queue>(capacity, options.name,
                                         options.backpressure.value_or(config_.backpressure),
                                         options.block_timeout, metrics);
    Queue* raw = queue.get();
    ownedQueues_.push_back(std::move(queue));
    const auto count = producerCount_.load(std::memory_order_relaxed);
    queues_[count] = raw;
    producerCount_.store(count + 1, std::memory_order_release);
    return Producer(this, raw);
  }

  /// Publishes msg: from the engine thread into the local queue (dispatched right after the
  /// current event, in order; Full if that queue is full), from any other thread into the shared
  /// MPSC queue under BusConfig::backpressure.
  PublishStatus publish(const Msg& msg) noexcept {
    if (onEngineThread()) return pushLocal(msg);
    return pushShared(msg, nullptr, true);
  }

  /// Sends query as a request through the shared queue (any thread but the engine's); see
  /// Producer::request.
  template <class R>
  Expected<PendingReply<R>> request(const Msg& query) {
    return requestThrough<R>(nullptr, query);
  }

  /// Sends a request through the shared queue and waits up to timeout for its reply.
  template <class R>
  Expected<R> call(const Msg& query, std::chrono::nanoseconds timeout) {
    auto pending = request<R>(query);
    if (!pending) return Unexpected(std::move(pending.error()));
    return pending->wait(timeout);
  }

  /// Installs the interceptor (one per bus); only before start() or on the engine thread.
  Expected<void> setInterceptor(Interceptor interceptor) {
    if (auto ok = checkControlThread("setInterceptor"); !ok) return ok;
    interceptor_ = std::move(interceptor);
    return {};
  }

  /// Spawns the engine thread; only once, and not after runUntilIdle() is running.
  Expected<void> start() {
    std::lock_guard lock(controlMutex_);
    if (state() != BusState::Created) {
      return fail(errors::kLifecycle,
                  fmt::format("bus '{}' cannot start: it is {}", name_, toString(state())));
    }
    if (onEngineThread()) {
      return fail(errors::kWrongThread, "start() called from inside runUntilIdle()");
    }
    state_.store(BusState::Running, std::memory_order_seq_cst);
    try {
      engine_ = std::thread([this] { engineMain(); });
    } catch (const std::system_error& e) {
      state_.store(BusState::Created, std::memory_order_seq_cst);
      return fail(errors::kLifecycle,
                  fmt::format("bus '{}' could not spawn its engine thread: {}", name_, e.what()));
    }
    return {};
  }

  /// Asks the engine to drain and exit without waiting; safe from a handler. stop() then joins.
  void requestStop() noexcept {
    auto expected = BusState::Running;
    state_.compare_exchange_strong(expected, BusState::Stopping, std::memory_order_seq_cst);
    engineBell_.ringStrict();
  }

  /// Stops accepting events, lets the engine dispatch what is queued (until deadline, measured
  /// from now), joins it, and fails any request left over. Not from the engine thread.
  Expected<StopResult> stop(std::chrono::nanoseconds deadline = std::chrono::nanoseconds::max()) {
    if (onEngineThread()) {
      return fail(errors::kWrongThread,
                  "stop() called on the engine thread would join itself; use requestStop()");
    }
    // Serialises stop() callers. The control mutex is not held across the join, so a handler
    // that creates a producer while the bus drains does not deadlock.
    std::lock_guard stopLock(stopMutex_);
    StopResult result;
    const auto before = counters_.dispatched.load(std::memory_order_relaxed);
    const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
    const auto limit = deadline.count() >= std::numeric_limits<std::int64_t>::max() - now
                           ? std::numeric_limits<std::int64_t>::max()
                           : now + deadline.count();
    stopDeadline_.store(limit, std::memory_order_relaxed);
    bool join = false;
    {
      std::lock_guard lock(controlMutex_);
      const auto was = state();
      if (was == BusState::Created || was == BusState::Stopped) {
        state_.store(BusState::Stopped, std::memory_order_seq_cst);
      } else {
        requestStop();
        join = true;
      }
      wakeBlockedProducers();
    }
    if (join) {
      if (engine_.joinable()) engine_.join();
      state_.store(BusState::Stopped, std::memory_order_seq_cst);
    }
    result.deadlineExpired = deadlineExpired_;
    result.drained = counters_.dispatched.load(std::memory_order_relaxed) - before;
    result.undelivered = sweepQueues();
    syncMetrics();
    return result;
  }

  /// Runs the engine on the calling thread until every queue is empty and returns how many
  /// events it dispatched; for tests and deterministic replays, only while not started.
  Expected<std::size_t> runUntilIdle() {
    if (onEngineThread()) return fail(errors::kWrongThread, "runUntilIdle() called from a handler");
    if (state() != BusState::Created) {
      return fail(errors::kLifecycle, fmt::format("runUntilIdle() needs a bus that was not started; "
                                                  "bus '{}' is {}", name_, toString(state())));
    }
    detail::currentEngine = this;
    const auto before = counters_.dispatched.load(std::memory_order_relaxed);
    while (pollRound() != 0) {
    }
    syncMetrics();
    detail::currentEngine = nullptr;
    return static_cast<std::size_t>(counters_.dispatched.load(std::memory_order_relaxed) - before);
  }

  /// Returns a snapshot of every counter; any thread (allocates: not for the hot path).
  BusStats stats() const {
    BusStats out;
    out.name = name_;
    out.state = state();
    out.dispatched = counters_.dispatched.load(std::memory_order_relaxed);
    out.delivered = counters_.delivered.load(std::memory_order_relaxed);
    out.unrouted = counters_.unrouted.load(std::memory_order_relaxed);
    out.requests = counters_.requests.load(std::memory_order_relaxed);
    out.noResponder = counters_.noResponder.load(std::memory_order_relaxed);
    out.invalidTopics = counters_.invalidTopics.load(std::memory_order_relaxed);
    out.uncachedResolves = counters_.uncachedResolves.load(std::memory_order_relaxed);
    out.undelivered = counters_.undelivered.load(std::memory_order_relaxed);
    out.topics = counters_.topics.load(std::memory_order_relaxed);
    const auto count = producerCount_.load(std::memory_order_acquire);
    for (std::uint32_t i = 0; i < count; ++i) {
      const Queue& q = *queues_[i];
      out.queues.push_back(QueueStats{q.name, q.policy, q.ring.capacity(), q.ring.pushed(),
                                      q.dropped.load(std::memory_order_relaxed),
                                      q.rejected.load(std::memory_order_relaxed),
                                      q.ring.sizeApprox(),
                                      q.closed.load(std::memory_order_relaxed)});
    }
    out.queues.push_back(QueueStats{"shared", config_.backpressure, shared_.capacity(),
                                    shared_.published.load(std::memory_order_relaxed),
                                    shared_.dropped.load(std::memory_order_relaxed),
                                    shared_.rejected.load(std::memory_order_relaxed),
                                    shared_.queue.sizeApprox(), false});
    out.queues.push_back(QueueStats{"local", Backpressure::Fail, local_.capacity(), local_.pushed(), 0,
                                    counters_.localRejected.load(std::memory_order_relaxed),
                                    local_.sizeApprox(), false});
    return out;
  }

  /// Events and requests dispatched so far; any thread, allocation-free.
  std::uint64_t dispatched() const noexcept {
    return counters_.dispatched.load(std::memory_order_relaxed);
  }
  BusState state() const noexcept { return state_.load(std::memory_order_acquire); }
  /// True on the thread that currently runs this bus's engine.
  bool onEngineThread() const noexcept { return detail::currentEngine == this; }
  const BusConfig& config() const noexcept { return config_; }
  const std::string& name() const noexcept { return name_; }

 private:
  Interceptor interceptor_;

  struct Subscription {
    Handler handler;
    std::move_only_function<void(const Msg&, detail::ReplyCore&)> responder;
    bool active = true;
  };

  // Counters written by the engine only (single writer), read by stats() from any thread.
  struct alignas(kFalseSharingRange) EngineCounters {
    std::atomic<std::uint64_t> dispatched{0};
    std::atomic<std::uint64_t> delivered{0};
    std::atomic<std::uint64_t> unrouted{0};
    std::atomic<std::uint64_t> requests{0};
    std::atomic<std::uint64_t> noResponder{0};
    std::atomic<std::uint64_t> invalidTopics{0};
    std::atomic<std::uint64_t> uncachedResolves{0};
    std::atomic<std::uint64_t> undelivered{0};
    std::atomic<std::uint64_t> localRejected{0};
    std::atomic<std::uint64_t> topics{0};
  };

  struct SharedQueue {
    explicit SharedQueue(std::size_t capacity) : queue(capacity) {}
    std::size_t capacity() const noexcept { return queue.capacity(); }
    MpscQueue<Envelope> queue;
    alignas(kFalseSharingRange) std::atomic<std::uint64_t> published{0};
    std::atomic<std::uint64_t> dropped{0};
    std::atomic<std::uint64_t> rejected{0};
    alignas(kFalseSharingRange) WakeWord space;
    std::uint64_t publishedSynced = 0;  // engine only
  };

  Bus(const BusConfig& config, std::string name, TopicOf topicOf)
      : config_(config),
        name_(std::move(name)),
        topicOf_(std::move(topicOf)),
        parkEnabled_(config.idle == IdleStrategy::Park),
        queues_(std::make_unique<Queue*[]>(config.max_producers)),
        shared_(config.shared_queue_capacity),
        local_(config.local_queue_capacity),
        router_(config.max_topics),
        sharedMetrics_(detail::QueueMetrics::make(name_, "shared")),
        localMetrics_(detail::QueueMetrics::make(name_, "local")),
        engineMetrics_(detail::EngineMetrics::make(name_)) {
    ownedQueues_.reserve(config.max_producers);
  }

  Expected<void> checkControlThread(std::string_view what) const {
    if (state() == BusState::Created || onEngineThread()) return {};
    return fail(errors::kWrongThread,
                fmt::format("{}() on bus '{}' is allowed before start() or on its engine thread "
                            "(from a handler)", what, name_));
  }

  // Publishers blocked on a full queue re-check the state (and see the bus stop) when woken.
  void wakeBlockedProducers() noexcept {
    const auto count = producerCount_.load(std::memory_order_acquire);
    for (std::uint32_t i = 0; i < count; ++i) queues_[i]->space.notify();
    shared_.space.notify();
  }

  void wakeEngine() noexcept {
    if (parkEnabled_) engineBell_.ring();
  }

  static void countRefusal(std::atomic<std::uint64_t>& counter, metrics::Counter* series) noexcept {
    detail::bump(counter);
    series->inc();
  }

  PublishStatus pushTo(Queue& queue, const Msg& msg, detail::ReplyCore* reply, bool wake) noexcept {
    auto write = [&](void* slot) noexcept { ::new (slot) Envelope{msg, reply}; };
    if (state_.load(std::memory_order_relaxed) >= BusState::Stopping) [[unlikely]] {
      countRefusal(queue.rejected, queue.metrics.rejected);
      return PublishStatus::Stopped;
    }
    if (!queue.ring.tryEmplace(write)) [[unlikely]] {
      switch (queue.policy) {
        case Backpressure::Drop:
          countRefusal(queue.dropped, queue.metrics.dropped);
          return PublishStatus::Dropped;
        case Backpressure::Fail:
          countRefusal(queue.rejected, queue.metrics.rejected);
          return PublishStatus::Full;
        case Backpressure::Block: {
          if (onEngineThread()) {  // waiting for the engine on the engine thread never ends
            countRefusal(queue.rejected, queue.metrics.rejected);
            return PublishStatus::Full;
          }
          const auto status = waitAndPush(queue.ring, queue.space, write, queue.blockTimeout);
          if (status != PublishStatus::Ok) countRefusal(queue.rejected, queue.metrics.rejected);
          return status;
        }
      }
    }
    if (wake) wakeEngine();
    return PublishStatus::Ok;
  }

  PublishStatus pushShared(const Msg& msg, detail::ReplyCore* reply, bool wake) noexcept {
    auto write = [&](void* slot) noexcept { ::new (slot) Envelope{msg, reply}; };
    PublishStatus status = PublishStatus::Ok;
    if (state_.load(std::memory_order_relaxed) >= BusState::Stopping) {
      status = PublishStatus::Stopped;
    } else if (!shared_.queue.tryEmplace(write)) {
      switch (config_.backpressure) {
        case Backpressure::Drop:
          shared_.dropped.fetch_add(1, std::memory_order_relaxed);
          sharedMetrics_.dropped->inc();
          return PublishStatus::Dropped;
        case Backpressure::Fail: status = PublishStatus::Full; break;
        case Backpressure::Block:
          status = waitAndPush(shared_.queue, shared_.space, write, std::chrono::nanoseconds{0});
          break;
      }
    }
    if (status != PublishStatus::Ok) {
      shared_.rejected.fetch_add(1, std::memory_order_relaxed);
      sharedMetrics_.rejected->inc();
      return status;
    }
    shared_.published.fetch_add(1, std::memory_order_relaxed);
    if (wake) wakeEngine();
    return PublishStatus::Ok;
  }

  PublishStatus pushLocal(const Msg& msg) noexcept {
    if (local_.tryEmplace([&](void* slot) noexcept { ::new (slot) Envelope{msg, nullptr}; })) {
      return PublishStatus::Ok;
    }
    detail::bump(counters_.localRejected);
    localMetrics_.rejected->inc();
    return PublishStatus::Full;
  }

  // Block policy: spin, then yield, then sleep until the engine frees space, the bus stops or the
  // timeout (0: none) expires.
  template <class Target, class Write>
  PublishStatus waitAndPush(Target& target, WakeWord& space, Write& write,
                            std::chrono::nanoseconds timeout) noexcept {
    using Steady = std::chrono::steady_clock;
    const auto deadline =
        timeout.count() > 0 ? Steady::now() + std::chrono::duration_cast<Steady::duration>(timeout)
                            : Steady::time_point::max();
    const std::uint64_t spinRounds = config_.idle_spin_polls;
    const std::uint64_t yieldRounds = spinRounds + config_.idle_yield_polls;
    const std::chrono::nanoseconds slice = std::chrono::microseconds(config_.park_timeout_us);
    const bool timed = timeout.count() > 0;
    for (std::uint64_t round = 0;; ++round) {
      if (state_.load(std::memory_order_acquire) >= BusState::Stopping) return PublishStatus::Stopped;
      if (target.tryEmplace(write)) break;
      if (round < spinRounds) {
        // Reading the clock costs more than a spin round; look at it every 64 rounds only.
        if (timed && round % 64 == 0 && Steady::now() >= deadline) return PublishStatus::TimedOut;
        cpuRelax();
        continue;
      }
      const auto now = Steady::now();
      if (now >= deadline) return PublishStatus::TimedOut;
      if (round < yieldRounds) {
        std::this_thread::yield();
      } else {
        const auto seen = space.prepare();
        if (target.tryEmplace(write)) {
          space.cancel();
          break;
        }
        space.sleep(seen, std::min<std::chrono::nanoseconds>(slice, deadline - now));
      }
    }
    wakeEngine();
    return PublishStatus::Ok;
  }

  template <class R>
  Expected<PendingReply<R>> requestThrough(Queue* queue, const Msg& query) {
    decltype(auto) topicValue = topicOf_(query);
    std::string topic(detail::topicView(topicValue));
    if (onEngineThread()) {
      return fail(errors::kWrongThread,
                  fmt::format("request on topic '{}' from the engine thread would wait for "
                              "itself; call the responder's logic directly", topic));
    }
    auto* box = new detail::ReplyBox<R>();
    PendingReply<R> pending(box, topic);
    const auto status =
        queue != nullptr ? pushTo(*queue, query, box, true) : pushShared(query, box, true);
    if (status != PublishStatus::Ok) {
      box->release();  // the engine's reference: it will never see the request
      return fail(errorCodeOf(status), fmt::format("request on topic '{}' was not queued: {}",
                                                   topic, toString(status)));
    }
    return pending;
  }

  void engineMain() noexcept {
    detail::currentEngine = this;
    std::uint32_t idleRounds = 0;
    std::uint64_t sinceSync = 0;
    for (;;) {
      const std::size_t n = pollRound();
      const bool stopping = state_.load(std::memory_order_acquire) == BusState::Stopping;
      if (n != 0) {
        if (parked_) leavePark();
        idleRounds = 0;
        sinceSync += n;
        if (sinceSync >= kSyncEvery) {
          syncMetrics();
          sinceSync = 0;
        }
        if (stopping && stopDeadlinePassed()) {
          deadlineExpired_ = true;
          break;
        }
        continue;
      }
      if (stopping) {
        if (!anyPending()) break;
        continue;
      }
      if (sinceSync != 0) {
        syncMetrics();
        sinceSync = 0;
      }
      idle(idleRounds);
    }
    if (parked_) leavePark();
    syncMetrics();
    detail::currentEngine = nullptr;
  }

  bool stopDeadlinePassed() const noexcept {
    return std::chrono::steady_clock::now().time_since_epoch().count() >=
           stopDeadline_.load(std::memory_order_relaxed);
  }

  void idle(std::uint32_t& rounds) noexcept {
    if (config_.idle == IdleStrategy::Spin) {
      cpuRelax();
      return;
    }
    ++rounds;
    if (rounds <= config_.idle_spin_polls) {
      cpuRelax();
    } else if (config_.idle == IdleStrategy::Yield ||
               rounds <= config_.idle_spin_polls + config_.idle_yield_polls) {
      std::this_thread::yield();
    } else {
      park();
    }
  }

  // Sleeps on the doorbell: first for kFirstParkStep (which bounds the delay of an event whose
  // ring raced with the announcement), then for twice as long each time up to park_timeout_us.
  // A producer's ring clears the announcement; then the engine polls and re-announces later.
  void park() noexcept {
    std::uint32_t seen = 0;
    if (parked_ && doorbell().announced()) {
      seen = doorbell().epoch();
      parkStep_ = std::min(parkStep_ * 2, maxParkStep());
    } else {
      seen = doorbell().announce();
      parked_ = true;
      parkStep_ = std::min(kFirstParkStep, maxParkStep());
    }
    if (anyPending() || state_.load(std::memory_order_acquire) != BusState::Running) {
      leavePark();
      return;
    }
    doorbell().sleep(seen, parkStep_);
  }

  void leavePark() noexcept {
    doorbell().retract();
    parked_ = false;
  }

  Doorbell& doorbell() noexcept { return engineBell_; }
  std::chrono::nanoseconds maxParkStep() const noexcept {
    return std::chrono::microseconds(config_.park_timeout_us);
  }

  // Engine: true when any queue has something to dispatch.
  bool anyPending() const noexcept {
    const auto count = producerCount_.load(std::memory_order_acquire);
    for (std::uint32_t i = 0; i < count; ++i) {
      if (!queues_[i]->ring.empty()) return true;
    }
    return shared_.queue.readable() || !local_.empty();
  }

  // Engine: one fair round over every queue, at most batch_size events from each; returns how
  // many events (follow-ups included) it dispatched.
  std::size_t pollRound() noexcept {
    const auto before = counters_.dispatched.load(std::memory_order_relaxed);
    const auto count = producerCount_.load(std::memory_order_acquire);
    const std::size_t batch = config_.batch_size;
    auto onEvent = [this](Envelope& envelope) noexcept {
      dispatchOne(envelope);
      drainLocal();
      if (state_.load(std::memory_order_relaxed) == BusState::Stopping) [[unlikely]] {
        return !stopDeadlinePassed();
      }
      return true;
    };
    for (std::uint32_t k = 0; k < count; ++k) {
      std::uint32_t i = next_ + k;
      if (i >= count) i -= count;
      Queue& queue = *queues_[i];
      if (queue.ring.consume(batch, onEvent) != 0 && queue.policy == Backpressure::Block) {
        queue.space.notify();
      }
    }
    if (count != 0) next_ = next_ + 1 >= count ? 0 : next_ + 1;
    if (shared_.queue.consume(batch, onEvent) != 0 && config_.backpressure == Backpressure::Block) {
      shared_.space.notify();
    }
    drainLocal();
    return static_cast<std::size_t>(counters_.dispatched.load(std::memory_order_relaxed) - before);
  }

  void drainLocal() noexcept {
    while (local_.consume(config_.batch_size,
                          [this](Envelope& envelope) noexcept { dispatchOne(envelope); }) != 0) {
    }
  }

  void dispatchOne(Envelope& envelope) noexcept {
    if (interceptor_) interceptor_(envelope.msg);
    decltype(auto) topicValue = topicOf_(envelope.msg);
    const std::string_view topic = detail::topicView(topicValue);
    const auto route = router_.resolve(topic);
    detail::bump(counters_.dispatched);
    if (!route.valid) detail::bump(counters_.invalidTopics);
    if (route.uncached) detail::bump(counters_.uncachedResolves);
    if (envelope.reply != nullptr) [[unlikely]] {
      answer(envelope, route);
      return;
    }
    if (route.count == 0) {
      detail::bump(counters_.unrouted);
      return;
    }
    dispatching_ = true;
    std::uint64_t calls = 0;
    for (std::uint32_t i = 0; i < route.count; ++i) {
      Subscription& subscription = *subscriptions_[router_.at(route, i)];
      if (!subscription.active) continue;
      subscription.handler(envelope.msg);
      ++calls;
    }
    dispatching_ = false;
    detail::bump(counters_.delivered, calls);
    if (!retired_.empty()) [[unlikely]] reapRetired();
  }

  void answer(Envelope& envelope, const Router::Route& route) noexcept {
    detail::ReplyCore* core = std::exchange(envelope.reply, nullptr);
    detail::bump(counters_.requests);
    if (route.responder < 0 || !subscriptions_[route.responder]->active) {
      detail::bump(counters_.noResponder);
      core->finish(false, &errors::kNoResponder);
    } else {
      dispatching_ = true;
      subscriptions_[route.responder]->responder(envelope.msg, *core);
      dispatching_ = false;
      if (!retired_.empty()) reapRetired();
    }
    core->release();
  }

  void reapRetired() noexcept {
    for (auto index : retired_) {
      subscriptions_[index]->handler = nullptr;
      subscriptions_[index]->responder = nullptr;
    }
    retired_.clear();
  }

  // Engine (or the stopping thread after the join): publishes counters into the metrics registry.
  void syncMetrics() noexcept {
    const auto count = producerCount_.load(std::memory_order_acquire);
    for (std::uint32_t i = 0; i < count; ++i) {
      Queue& queue = *queues_[i];
      const auto pushed = queue.ring.pushed();
      if (pushed != queue.publishedSynced) {
        queue.metrics.published->inc(pushed - queue.publishedSynced);
        queue.publishedSynced = pushed;
      }
      queue.metrics.depth->set(static_cast<double>(queue.ring.sizeApprox()));
    }
    const auto shared = shared_.published.load(std::memory_order_relaxed);
    sharedMetrics_.published->inc(shared - shared_.publishedSynced);
    shared_.publishedSynced = shared;
    sharedMetrics_.depth->set(static_cast<double>(shared_.queue.sizeApprox()));
    const auto local = local_.pushed();
    localMetrics_.published->inc(local - localSynced_);
    localSynced_ = local;
    const auto dispatched = counters_.dispatched.load(std::memory_order_relaxed);
    engineMetrics_.dispatched->inc(dispatched - dispatchedSynced_);
    dispatchedSynced_ = dispatched;
    const auto requests = counters_.requests.load(std::memory_order_relaxed);
    engineMetrics_.requests->inc(requests - requestsSynced_);
    requestsSynced_ = requests;
    counters_.topics.store(router_.topicCount(), std::memory_order_relaxed);
  }

  // With no engine running: takes whatever is still queued, counts it as undelivered and fails
  // its requests. Returns how many it took.
  std::uint64_t sweepQueues() noexcept {
    std::uint64_t left = 0;
    auto discard = [&left](Envelope& envelope) noexcept {
      ++left;
      if (envelope.reply != nullptr) {
        envelope.reply->finish(false, &errors::kStopped);
        envelope.reply->release();
      }
    };
    const auto count = producerCount_.load(std::memory_order_acquire);
    for (std::uint32_t i = 0; i < count; ++i) {
      while (queues_[i]->ring.consume(config_.batch_size, discard) != 0) {
      }
    }
    while (shared_.queue.consume(config_.batch_size, discard) != 0) {
    }
    while (local_.consume(config_.batch_size, discard) != 0) {
    }
    if (left != 0) {
      detail::bump(counters_.undelivered, left);
      engineMetrics_.undelivered->inc(left);
      detail::reportUndelivered(name_, left);
    }
    return left;
  }

  static constexpr std::uint64_t kSyncEvery = 4096;
  static constexpr std::chrono::nanoseconds kFirstParkStep = std::chrono::microseconds(50);

  const BusConfig config_;
  const std::string name_;
  [[no_unique_address]] TopicOf topicOf_;
  const bool parkEnabled_;

  // Read by every publisher; written on lifecycle changes and when the engine parks.
  alignas(kFalseSharingRange) std::atomic<BusState> state_{BusState::Created};
  Doorbell engineBell_;

  alignas(kFalseSharingRange) std::atomic<std::uint32_t> producerCount_{0};
  std::unique_ptr<Queue*[]> queues_;
  SharedQueue shared_;
  SpscRing<Envelope> local_;

  // Engine-owned state.
  alignas(kFalseSharingRange) Router router_;
  std::vector<std::unique_ptr<Subscription>> subscriptions_;
  std::vector<std::uint32_t> retired_;
  bool dispatching_ = false;
  std::uint32_t next_ = 0;
  EngineCounters counters_;
  std::uint64_t localSynced_ = 0;
  std::uint64_t dispatchedSynced_ = 0;
  std::uint64_t requestsSynced_ = 0;
  bool deadlineExpired_ = false;
  bool parked_ = false;
  std::chrono::nanoseconds parkStep_{0};
  std::atomic<std::int64_t> stopDeadline_{std::numeric_limits<std::int64_t>::max()};

  const detail::QueueMetrics sharedMetrics_;
  const detail::QueueMetrics localMetrics_;
  const detail::EngineMetrics engineMetrics_;

  std::mutex controlMutex_;  // producer creation and lifecycle, never the publish path
  std::mutex stopMutex_;     // one stop() at a time
  std::vector<std::unique_ptr<Queue>> ownedQueues_;
  std::thread engine_;
};

}  // namespace ait::bus
