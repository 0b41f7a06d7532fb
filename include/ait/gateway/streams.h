#pragma once
// WebSocket streams on the gateway (/api/v1/ws): market data and each tenant's private events,
// fanned out to subscribed clients by a thread of their own.
//
// The engine thread only copies each event into a lock-free ring (it never touches a socket);
// the fan-out thread renders it to JSON once, numbers it per channel (per tenant for private
// channels), keeps recent private events for resumption, and queues it to every subscriber.
// Market data is seen by the feed's tenant only, or by everyone for a public feed (tenant 0,
// data/visibility.h). Market data for a client that falls behind is conflated: only the latest
// tick or bar per symbol and feed waits for it. Private events are never dropped: a client whose
// queue is full gets an error and is disconnected, and resumes with `since` on its next connection.
//
// A client that connects with `batch=1` gets every frame as a JSON array of messages: while a
// frame is being written to it, the fan-out gathers the next messages into the following frame,
// so that a busy client costs one write per frame rather than one per message.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "ait/bus/spsc_ring.h"
#include "ait/core/clock.h"
#include "ait/engine/runtime.h"
#include "ait/http/router.h"
#include "ait/model/events.h"

namespace ait::gateway {

class Gatekeeper;
class Backend;

enum class Channel : std::uint8_t { Ticks, Bars, Orders, Fills, Positions, Account, Decisions, Alerts };
inline constexpr std::size_t kChannelCount = 8;
std::string_view toString(Channel channel) noexcept;
std::optional<Channel> parseChannel(std::string_view name) noexcept;
constexpr bool isPrivate(Channel c) noexcept {
  return c == Channel::Orders || c == Channel::Fills || c == Channel::Positions ||
         c == Channel::Account || c == Channel::Decisions || c == Channel::Alerts;
}

struct StreamSettings {
  std::size_t ringCapacity = 1 << 16;     // events between the engine thread and the fan-out
  std::size_t historyPerTenant = 4096;    // private events kept per tenant and channel, to resume
  std::size_t conflateAfter = 64;         // queued messages from which market data is conflated
  std::size_t privateQueueLimit = 1000;   // queued messages at which a client is disconnected
  // Batching clients: messages per frame at most, and the frames queued from which market data
  // is conflated and at which a private subscriber is disconnected (a frame holds many messages).
  std::size_t batchFrameMessages = 256;
  std::size_t batchConflateAfter = 2;
  std::size_t batchQueueLimit = 32;
  std::chrono::milliseconds heartbeat{1000};
};

class StreamSession;

class StreamHub {
 public:
  /// Subscribes to the runtime's bus (call while wiring) and rebuilds the private channels'
  /// sequences and recent history from the trading journal.
  static Expected<std::unique_ptr<StreamHub>> create(engine::Runtime& runtime, StreamSettings settings,
                                                     const Clock& clock = SystemClock::instance());
  /// A hub fed by hand (tests, benchmarks): publish() stands for the bus.
  explicit StreamHub(StreamSettings settings, const Clock& clock = SystemClock::instance());
  ~StreamHub();

  /// Starts and stops the fan-out thread.
  void start();
  void stop();

  /// Hands an event to the fan-out; engine thread (or one producer thread in tests). Never blocks;
  /// false when the ring was full (private subscribers are then told to resynchronise).
  bool publish(const model::Event& event) noexcept;

  /// Adds GET /api/v1/ws. Snapshots of orders, positions and accounts come from trading.
  void addRoutes(http::Router& router, Gatekeeper& gate, Backend* trading);

  /// Recent fills of a tenant, oldest first: {"fills": [...], "next_cursor"?}. Filters may be empty.
  nlohmann::json fills(std::uint32_t tenant, std::string_view instrument, std::string_view account,
                       std::string_view order, std::size_t limit, std::uint64_t after) const;

  std::uint64_t delivered() const noexcept { return delivered_.load(std::memory_order_relaxed); }
  std::uint64_t conflated() const noexcept { return conflated_.load(std::memory_order_relaxed); }
  /// Private subscribers told they fell too far behind (each then drains and is closed).
  std::uint64_t kicked() const noexcept { return kicked_.load(std::memory_order_relaxed); }
  std::size_t sessions() const;

  // Used by sessions (I/O threads).
  struct Subscribe {
    std::weak_ptr<StreamSession> session;
    Channel channel;
    std::vector<std::string> symbols;  // market data
    std::uint32_t tenant = 0;          // the client's tenant (private: whose events)
    std::uint64_t after = 0;           // deliver events with seq > after
    bool unsubscribe = false;
    bool all = false;                  // the session closed: drop every subscription
  };
  void request(Subscribe command);
  /// The current sequence of a channel (private: of the tenant's channel).
  std::uint64_t sequence(Channel channel, std::uint32_t tenant) const;
  /// Private history after `after` (sequence, message) if the hub still holds all of it.
  using History = std::vector<std::pair<std::uint64_t, std::shared_ptr<const std::string>>>;
  std::optional<History> history(Channel channel, std::uint32_t tenant, std::uint64_t after) const;
  /// Latest market data per symbol (and timeframe) and feed that `viewer` may see (JSON data),
  /// for a snapshot.
  nlohmann::json latest(Channel channel, const std::vector<std::string>& symbols, std::uint32_t viewer) const;
  const StreamSettings& settings() const noexcept { return settings_; }
  const Clock& clock() const noexcept { return clock_; }
  void attach(std::shared_ptr<StreamSession> session);
  void forget(StreamSession* session);
  /// One round of the fan-out: subscription changes, up to 256 events, conflated flushes and the
  /// heartbeat; returns the events handled. The fan-out thread calls it in a loop; tests without
  /// the thread may call it directly.
  std::size_t pump();

 private:
  struct Rendered {
    Channel channel;
    std::uint32_t tenant;  // private: whose events; market data: the feed's owner (0: public)
    std::string symbol;    // market data: the symbol, "/timeframe" for bars
    std::uint64_t seq;
    std::shared_ptr<const std::string> message;
  };
  void run();
  void applyCommands();
  std::optional<Rendered> render(const model::Event& event);
  void deliver(const Rendered& item);
  void flushConflated();
  bool sendTo(StreamSession& session, const std::shared_ptr<const std::string>& message, bool priv);
  /// Messages queued for a client, counted once per round (frames for a batching client).
  std::size_t queued(StreamSession& session, std::size_t limit = ~std::size_t{0});
  bool behind(StreamSession& session);
  /// Writes the gathered messages of batching clients as frames.
  void flushBatches();
  void sendFrame(StreamSession& session, std::size_t count);
  void heartbeat();

  StreamSettings settings_;
  const Clock& clock_;
  bus::SpscRing<model::Event> ring_;
  std::atomic<bool> overflowed_{false};
  std::atomic<bool> running_{false};
  std::thread thread_;

  // Sequences and history: written by the fan-out thread, read by I/O threads for snapshots.
  mutable std::mutex stateMutex_;
  std::map<std::pair<std::uint8_t, std::uint32_t>, std::uint64_t> sequences_;
  std::map<std::pair<std::uint8_t, std::uint32_t>, std::deque<std::pair<std::uint64_t, std::shared_ptr<const std::string>>>> history_;
  // (channel, symbol, symbol with timeframe, feed owner) -> the latest event, for snapshots.
  std::map<std::tuple<std::uint8_t, std::string, std::string, std::uint32_t>, model::Event> latest_;
  std::map<std::uint32_t, std::deque<nlohmann::json>> tenantFills_;

  // Subscription changes from I/O threads, applied by the fan-out thread.
  std::mutex commandsMutex_;
  std::vector<Subscribe> commands_;
  // Owned by the fan-out thread.
  struct Subscriber {
    std::shared_ptr<StreamSession> session;
    std::uint64_t after = 0;   // the last sequence this subscriber has (or needs not)
    bool catchingUp = false;   // private: still being sent history, paced by its queue
  };
  void catchUp();
  /// Sends a client the error, then closes it (1008) once the error has left its queue.
  void kick(StreamSession& session, std::string_view message);
  void closeDrained();
  std::vector<std::shared_ptr<StreamSession>> draining_;
  std::map<std::pair<std::uint8_t, std::string>, std::vector<Subscriber>> marketSubscribers_;
  std::map<std::pair<std::uint8_t, std::uint32_t>, std::vector<Subscriber>> privateSubscribers_;
  std::set<std::shared_ptr<StreamSession>> all_;
  mutable std::mutex allMutex_;  // guards all_ for sessions() and forget()
  std::set<std::shared_ptr<StreamSession>> withPending_;  // sessions with conflated market data
  std::vector<std::shared_ptr<StreamSession>> batching_;  // batching sessions with gathered messages
  std::uint64_t round_ = 0;                                // pump() rounds, to cache queue lengths
  std::optional<Rendered> pendingFill_;  // the fills-channel copy of the fill just rendered
  std::int64_t lastHeartbeatNs_ = 0;
  std::int64_t lastOverflowLogNs_ = 0;

  std::atomic<std::uint64_t> delivered_{0};
  std::atomic<std::uint64_t> conflated_{0};
  std::atomic<std::uint64_t> kicked_{0};
};

}  // namespace ait::gateway
