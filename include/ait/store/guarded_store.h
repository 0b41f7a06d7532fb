#pragma once
// A server backend (PostgreSQL, ClickHouse) behind a circuit breaker and a bulkhead, as the Redis
// state already is: every call of the EventStore interface, the projection's writes and the
// services' reads alike. While the server is down the breaker answers at once ("circuit open for
// postgresql") instead of each call waiting out a connect timeout, and the projection retries
// only when the breaker lets a trial call through; the bulkhead keeps readers from queueing
// without bound behind a slow server.

#include <memory>

#include "ait/core/clock.h"
#include "ait/resilience/bulkhead.h"
#include "ait/resilience/circuit_breaker.h"
#include "ait/store/event_store.h"

namespace ait::store {

struct GuardSettings {
  resilience::CircuitBreakerConfig breaker{};
  resilience::BulkheadConfig bulkhead{};
};

class GuardedEventStore final : public EventStore {
 public:
  /// Wraps inner; the breaker and bulkhead are named after inner's backend (metric labels).
  GuardedEventStore(std::unique_ptr<EventStore> inner, const GuardSettings& settings,
                    const Clock& clock = SystemClock::instance());

  std::string_view backend() const noexcept override { return inner_->backend(); }
  Expected<MigrationState> migrations() override;
  Expected<std::uint64_t> checkpoint(std::string_view stream) override;
  Expected<void> apply(std::string_view stream, std::span<const model::Event> events) override;
  Expected<void> ping() override;
  std::optional<PoolStats> poolStats() const override { return inner_->poolStats(); }
  Expected<nlohmann::json> replication() override;
  Expected<void> putInstruments(std::span<const InstrumentRecord> instruments) override;
  /// Every read (whichever of them inner overrides) goes through the breaker and bulkhead.
  Expected<nlohmann::json> read(const ReadRequest& request) override;

  /// Runs op (returning Expected<T>) in a bulkhead slot behind the breaker: for calls beyond the
  /// EventStore interface (ClickHouse OHLC, graph queries) on the same server.
  template <class F>
  auto guard(F&& op) -> std::invoke_result_t<F&> {
    return breaker_.call([&] { return bulkhead_.call(op); });
  }

  EventStore& inner() noexcept { return *inner_; }
  resilience::CircuitBreaker& breaker() noexcept { return breaker_; }
  const resilience::Bulkhead& bulkhead() const noexcept { return bulkhead_; }

 private:
  std::unique_ptr<EventStore> inner_;
  resilience::CircuitBreaker breaker_;
  resilience::Bulkhead bulkhead_;
};

}  // namespace ait::store
