#pragma once
// A bounded pool of connections to one server backend (ClickHouse, Redis): at most max_size
// open, min_size kept warm, an acquire waits at most acquire_timeout, and a connection idle for
// longer than validate_idle_after is checked before it is handed out (and replaced when broken).
// Metrics per backend: in use, idle, waits, wait time histogram, errors.
//
// The pool serves I/O threads (the projection, HTTP handlers), never the tick path. Connections
// are held by shared_ptr so that the connection type may stay incomplete in public headers: its
// deleter is fixed where the factory creates it.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "ait/core/error.h"
#include "ait/metrics/metrics.h"
#include "ait/store/errors.h"

namespace ait::store {

struct PoolSettings {
  std::size_t minSize = 1;
  std::size_t maxSize = 4;
  std::chrono::milliseconds acquireTimeout{2000};
  std::chrono::milliseconds validateIdleAfter{5000};  // 0: check on every acquire
};

struct PoolStats {
  std::size_t idle = 0;
  std::size_t inUse = 0;
  std::size_t max = 0;      // the pool's max_size
  std::size_t waiting = 0;  // acquires waiting for a connection now
  std::uint64_t waits = 0;  // acquires that had to wait, since start
};

template <class Connection>
class Pool {
 public:
  using Factory = std::function<Expected<std::shared_ptr<Connection>>()>;
  using Validator = std::function<bool(Connection&)>;

  Pool(std::string backend, PoolSettings settings, Factory connect, Validator validate)
      : backend_(std::move(backend)),
        settings_(settings),
        connect_(std::move(connect)),
        validate_(std::move(validate)),
        idleGauge_(gauge("ait_store_pool_idle", "Idle pooled connections")),
        inUseGauge_(gauge("ait_store_pool_in_use", "Pooled connections in use")),
        waits_(counter("ait_store_pool_waits_total", "Acquires that had to wait for a connection")),
        errors_(counter("ait_store_pool_errors_total", "Failed connection attempts and broken connections")),
        waitTime_(metrics::Registry::global().histogram("ait_store_pool_wait_seconds",
                                                        "Time to acquire a pooled connection",
                                                        {{"backend", backend_}})) {}
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  /// A borrowed connection, returned to the pool when destroyed (closed instead when discarded).
  class Lease {
   public:
    Lease(Pool* pool, std::shared_ptr<Connection> conn) : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (conn_ != nullptr) pool_->release(std::move(conn_), broken_);
    }
    Connection& operator*() const noexcept { return *conn_; }
    Connection* operator->() const noexcept { return conn_.get(); }
    /// Marks the connection broken: it is closed instead of returned.
    void discard() noexcept { broken_ = true; }

   private:
    Pool* pool_;
    std::shared_ptr<Connection> conn_;
    bool broken_ = false;
  };

  /// Returns an idle connection (validated when it sat idle too long), a new one below the
  /// maximum, or waits up to the acquire timeout and fails naming the backend.
  Expected<Lease> acquire() {
    const auto started = std::chrono::steady_clock::now();
    std::unique_lock lock(mutex_);
    bool waited = false;
    while (true) {
      while (!idle_.empty()) {
        Idle entry = std::move(idle_.back());
        idle_.pop_back();
        const bool stale = std::chrono::steady_clock::now() - entry.since >= settings_.validateIdleAfter;
        if (stale) {
          ++inUse_;  // validate outside the lock: it is a round trip
          lock.unlock();
          const bool good = validate_(*entry.conn);
          lock.lock();
          if (good) return handOut(std::move(entry.conn), started);
          --inUse_;
          errors_.inc();
          continue;
        }
        ++inUse_;
        return handOut(std::move(entry.conn), started);
      }
      if (idle_.size() + inUse_ < settings_.maxSize) {
        ++inUse_;  // reserve the slot, connect without holding the lock
        lock.unlock();
        auto conn = connect_();
        lock.lock();
        if (!conn) {
          --inUse_;
          errors_.inc();
          available_.notify_one();
          updateGauges();
          return Unexpected(conn.error());
        }
        return handOut(std::move(*conn), started);
      }
      if (!waited) {
        waits_.inc();
        ++waitsTotal_;
        waited = true;
      }
      ++waiting_;
      const auto woke = available_.wait_until(lock, started + settings_.acquireTimeout);
      --waiting_;
      if (woke == std::cv_status::timeout) {
        return fail(errors::kBackend, fmt::format("{}: no connection free within {} ms ({} in use)", backend_,
                                                  settings_.acquireTimeout.count(), inUse_));
      }
    }
  }

  /// Opens connections up to min_size; fails with the first connection error.
  Expected<void> warm() {
    std::vector<Lease> leases;
    while (true) {
      {
        std::lock_guard lock(mutex_);
        if (idle_.size() + inUse_ >= settings_.minSize) break;
      }
      auto lease = acquire();
      if (!lease) return Unexpected(lease.error());
      leases.push_back(std::move(*lease));
    }
    return {};
  }

  PoolStats stats() const {
    std::lock_guard lock(mutex_);
    return {idle_.size(), inUse_, settings_.maxSize, waiting_, waitsTotal_};
  }
  const PoolSettings& settings() const noexcept { return settings_; }

 private:
  struct Idle {
    std::shared_ptr<Connection> conn;
    std::chrono::steady_clock::time_point since;
  };

  metrics::Gauge& gauge(const char* name, const char* help) {
    return metrics::Registry::global().gauge(name, help, {{"backend", backend_}});
  }
  metrics::Counter& counter(const char* name, const char* help) {
    return metrics::Registry::global().counter(name, help, {{"backend", backend_}});
  }

  Lease handOut(std::shared_ptr<Connection> conn, std::chrono::steady_clock::time_point started) {
    updateGauges();
    waitTime_.observeNs((std::chrono::steady_clock::now() - started).count());
    return Lease(this, std::move(conn));
  }

  void release(std::shared_ptr<Connection> conn, bool broken) {
    std::lock_guard lock(mutex_);
    --inUse_;
    if (broken) {
      errors_.inc();  // the connection is closed as it goes out of scope
    } else {
      idle_.push_back({std::move(conn), std::chrono::steady_clock::now()});
    }
    updateGauges();
    available_.notify_one();
  }

  void updateGauges() {
    idleGauge_.set(static_cast<double>(idle_.size()));
    inUseGauge_.set(static_cast<double>(inUse_));
  }

  std::string backend_;
  PoolSettings settings_;
  Factory connect_;
  Validator validate_;
  mutable std::mutex mutex_;
  std::condition_variable available_;
  std::vector<Idle> idle_;
  std::size_t inUse_ = 0;
  std::size_t waiting_ = 0;
  std::uint64_t waitsTotal_ = 0;
  metrics::Gauge& idleGauge_;
  metrics::Gauge& inUseGauge_;
  metrics::Counter& waits_;
  metrics::Counter& errors_;
  metrics::Histogram& waitTime_;
};

}  // namespace ait::store
