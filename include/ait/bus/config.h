#pragma once
// Settings of the in-process bus, named as the keys of the [bus] section of the config file.

#include <cstdint>
#include <string_view>

#include "ait/core/error.h"

namespace ait::bus {

/// Which transport carries the messages; the in-process bus serves only Local.
enum class BusKind : std::uint8_t { Local, Nats };

/// What a producer's publish does when its queue is full.
enum class Backpressure : std::uint8_t {
  Block,  // waits (spin, yield, then park) until the engine frees space
  Drop,   // discards the new event and counts it in ait_bus_dropped_total
  Fail,   // returns PublishStatus::Full at once and counts it in ait_bus_rejected_total
};

/// What the engine thread does when every queue is empty.
enum class IdleStrategy : std::uint8_t {
  Spin,   // busy-polls: lowest latency, one core at 100%
  Yield,  // spins idle_spin_polls rounds, then yields the core between polls
  Park,   // spins, yields, then sleeps on a futex until a producer wakes it
};

struct BusConfig {
  BusKind kind = BusKind::Local;                  // "local" | "nats"
  std::uint32_t queue_capacity = 65536;           // events per producer queue, power of two
  Backpressure backpressure = Backpressure::Block;  // default policy of producers
  IdleStrategy idle = IdleStrategy::Park;         // "spin" | "yield" | "park"
  std::uint32_t idle_spin_polls = 4000;           // empty polls spent spinning before yielding
  std::uint32_t idle_yield_polls = 50;            // yields before parking (idle = "park")
  std::uint32_t park_timeout_us = 50000;          // longest single sleep of a parked thread
  std::uint32_t batch_size = 256;                 // events taken from one queue per round
  std::uint32_t max_producers = 64;               // dedicated producer queues per bus
  std::uint32_t shared_queue_capacity = 16384;    // the MPSC queue of casual publishers
  std::uint32_t local_queue_capacity = 16384;     // follow-ups published by handlers
  std::uint32_t max_topics = 16384;               // distinct topics whose routes are cached
};

/// Returns "local" or "nats".
std::string_view toString(BusKind kind) noexcept;
/// Returns "block", "drop" or "fail".
std::string_view toString(Backpressure policy) noexcept;
/// Returns "spin", "yield" or "park".
std::string_view toString(IdleStrategy strategy) noexcept;

/// Returns the kind named by text, or AIT-BUS-0001 naming the bad value.
Expected<BusKind> parseBusKind(std::string_view text);
/// Returns the policy named by text, or AIT-BUS-0001 naming the bad value.
Expected<Backpressure> parseBackpressure(std::string_view text);
/// Returns the strategy named by text, or AIT-BUS-0001 naming the bad value.
Expected<IdleStrategy> parseIdleStrategy(std::string_view text);

/// Checks every field and reports all violations at once in one AIT-BUS-0001 error.
Expected<void> validate(const BusConfig& config);

/// Returns true for a power of two in [2, 2^26], the capacities the bus queues accept.
constexpr bool isValidCapacity(std::uint64_t capacity) noexcept {
  return capacity >= 2 && capacity <= (std::uint64_t{1} << 26) && (capacity & (capacity - 1)) == 0;
}

}  // namespace ait::bus
