#pragma once
// Cache and shared state: latest quotes, sessions, rate-limit counters and idempotency keys.
// In process by default (one node); over the Redis protocol (Redis, DragonflyDB) when several
// processes must share them. Same interface either way, so callers do not care which.
//
// Every key that belongs to a tenant takes its TenantId, and the backends keep tenants apart in
// the key itself. Calls are I/O (a round trip for Redis): never from the tick path.

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "ait/core/clock.h"
#include "ait/core/error.h"
#include "ait/model/ids.h"
#include "ait/resilience/circuit_breaker.h"
#include "ait/store/pool.h"

namespace ait::store {

struct CachedQuote {
  std::string symbol;
  std::string bid, ask, last;  // exact decimal text
  std::int64_t tsEventNs = 0;
  friend bool operator==(const CachedQuote&, const CachedQuote&) = default;
};

class SharedState {
 public:
  virtual ~SharedState() = default;
  /// "memory" or "redis".
  virtual std::string_view backend() const noexcept = 0;

  /// Replaces the tenant's latest quote of quote.symbol.
  virtual Expected<void> putQuote(model::TenantId tenant, const CachedQuote& quote) = 0;
  /// Returns the tenant's latest quote of symbol, or nullopt when none was put.
  virtual Expected<std::optional<CachedQuote>> quote(model::TenantId tenant, std::string_view symbol) = 0;

  /// Stores a session (an opaque value, e.g. JSON naming its tenant) under id for ttl.
  virtual Expected<void> putSession(std::string_view id, std::string_view value, std::chrono::milliseconds ttl) = 0;
  /// Returns the session's value, or nullopt when unknown or expired.
  virtual Expected<std::optional<std::string>> session(std::string_view id) = 0;
  virtual Expected<void> dropSession(std::string_view id) = 0;

  /// Counts one hit on key in the current fixed window and returns the hits so far in it.
  virtual Expected<std::int64_t> hit(model::TenantId tenant, std::string_view key,
                                     std::chrono::milliseconds window) = 0;
  /// Claims an idempotency key: true the first time within ttl, false when already claimed.
  virtual Expected<bool> claim(model::TenantId tenant, std::string_view key, std::chrono::milliseconds ttl) = 0;

  virtual Expected<void> ping() = 0;
};

/// The default: maps in this process, guarded by one mutex, expiry by the given clock.
class MemoryState final : public SharedState {
 public:
  explicit MemoryState(const Clock& clock = SystemClock::instance()) : clock_(clock) {}
  std::string_view backend() const noexcept override { return "memory"; }
  Expected<void> putQuote(model::TenantId tenant, const CachedQuote& quote) override;
  Expected<std::optional<CachedQuote>> quote(model::TenantId tenant, std::string_view symbol) override;
  Expected<void> putSession(std::string_view id, std::string_view value, std::chrono::milliseconds ttl) override;
  Expected<std::optional<std::string>> session(std::string_view id) override;
  Expected<void> dropSession(std::string_view id) override;
  Expected<std::int64_t> hit(model::TenantId tenant, std::string_view key, std::chrono::milliseconds window) override;
  Expected<bool> claim(model::TenantId tenant, std::string_view key, std::chrono::milliseconds ttl) override;
  Expected<void> ping() override { return {}; }

 private:
  struct Expiring {
    std::string value;
    std::int64_t expiresNs = 0;
    std::int64_t count = 0;
  };
  // Drops expired entries now and then, so the maps do not grow without bound.
  void sweep(std::int64_t now);
  const Clock& clock_;
  std::mutex mutex_;
  std::unordered_map<std::string, CachedQuote> quotes_;
  std::unordered_map<std::string, Expiring> expiring_;
  std::size_t writes_ = 0;
};

struct RedisSettings {
  /// "redis://[:password@]host[:port][/db]"; the password also from AIT_REDIS_PASSWORD.
  std::string url;
  std::string password;
  std::string keyPrefix = "ait:";
  PoolSettings pool{};
  std::chrono::milliseconds timeout{2000};  // connect, and each command
  resilience::CircuitBreakerConfig breaker{};
};

namespace redis {
class Connection;
}

/// The Redis protocol through hiredis: pooled connections (AUTH and SELECT on connect, PING to
/// validate idle ones), binary-safe argv commands (no command text is ever built from data),
/// every call behind a circuit breaker so a dead server costs a fast error, not a timeout each.
class RedisState final : public SharedState {
 public:
  /// Checks the settings; connects on first use.
  static Expected<std::unique_ptr<RedisState>> open(const RedisSettings& settings,
                                                    const Clock& clock = SystemClock::instance());
  ~RedisState() override;
  std::string_view backend() const noexcept override { return "redis"; }
  Expected<void> putQuote(model::TenantId tenant, const CachedQuote& quote) override;
  Expected<std::optional<CachedQuote>> quote(model::TenantId tenant, std::string_view symbol) override;
  Expected<void> putSession(std::string_view id, std::string_view value, std::chrono::milliseconds ttl) override;
  Expected<std::optional<std::string>> session(std::string_view id) override;
  Expected<void> dropSession(std::string_view id) override;
  Expected<std::int64_t> hit(model::TenantId tenant, std::string_view key, std::chrono::milliseconds window) override;
  Expected<bool> claim(model::TenantId tenant, std::string_view key, std::chrono::milliseconds ttl) override;
  Expected<void> ping() override;

  Pool<redis::Connection>& pool() noexcept { return *pool_; }
  resilience::CircuitBreaker& breaker() noexcept { return *breaker_; }

 private:
  RedisState(RedisSettings settings, const Clock& clock);
  std::string key(std::string_view kind, std::optional<model::TenantId> tenant, std::string_view name) const;
  RedisSettings settings_;
  const Clock& clock_;
  std::unique_ptr<Pool<redis::Connection>> pool_;
  std::unique_ptr<resilience::CircuitBreaker> breaker_;
};

}  // namespace ait::store
