#pragma once
// One service behind the gateway. In process the gateway calls the service's router directly
// with the caller set on the request; when the service runs apart (services.<name>.remote) it
// forwards over HTTP with a timeout, retries only idempotent calls (GET, HEAD), goes through a
// circuit breaker and hands the service a signed identity token instead of trusting a header.
//
// Adaptive shedding: each backend tracks calls in flight and a moving average of its latency.
// When either passes its budget, the lowest priority (history, analytics, model administration)
// is refused first with 503 + Retry-After; at twice the budget normal reads are refused too;
// order traffic is never shed here (rate limits and the engine's own checks bound it). While
// shedding, one call per second of a shed class still goes through to measure recovery.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "ait/core/clock.h"
#include "ait/gateway/service_identity.h"
#include "ait/http/message.h"
#include "ait/http/router.h"
#include "ait/hub/location.h"
#include "ait/metrics/metrics.h"
#include "ait/resilience/circuit_breaker.h"

namespace ait::gateway {

/// What a request is worth when a backend is short of capacity, highest first.
enum class Priority : std::uint8_t { Orders, Normal, Low };
std::string_view toString(Priority priority) noexcept;

struct BackendSettings {
  std::string name;                          // the service's name ("trading-engine")
  std::chrono::milliseconds timeout{2000};   // remote: connect + answer, per attempt
  int retries = 2;                           // remote, idempotent calls only: extra attempts
  std::chrono::milliseconds latencyBudget{250};  // moving average above this: shed Low
  std::int64_t inflightBudget = 64;          // calls in flight above this: shed Low
  resilience::CircuitBreakerConfig breaker{};
};

class Backend {
 public:
  /// A service in this process, answered by its router.
  Backend(BackendSettings settings, const http::Router& local, const Clock& clock = SystemClock::instance());
  /// A service in another process.
  Backend(BackendSettings settings, hub::ServiceLocation remote, const ServiceIdentity& identity,
          const Clock& clock = SystemClock::instance());
  ~Backend();

  /// Sends request (method, path, query, body; credentials stripped) for caller and returns the
  /// service's answer, or a problem response (503 shed/down, 504 timeout).
  http::Response call(const http::Request& request, const http::Caller& caller, Priority priority);

  /// Returns whether a request of this priority would be shed now (for tests and metrics).
  bool overBudget(Priority priority) const;
  const std::string& name() const noexcept { return settings_.name; }
  bool isLocal() const noexcept { return local_ != nullptr; }
  std::int64_t inflight() const noexcept { return inflight_.load(std::memory_order_relaxed); }
  std::chrono::nanoseconds averageLatency() const noexcept {
    return std::chrono::nanoseconds(averageNs_.load(std::memory_order_relaxed));
  }

 private:
  http::Response forward(const http::Request& request, const http::Caller& caller);
  void recordLatency(std::int64_t ns);
  bool admitWhileShedding(Priority priority);

  BackendSettings settings_;
  const http::Router* local_ = nullptr;
  std::optional<hub::ServiceLocation> remote_;
  const ServiceIdentity* identity_ = nullptr;
  const Clock& clock_;
  std::unique_ptr<resilience::CircuitBreaker> breaker_;
  std::atomic<std::int64_t> inflight_{0};
  std::atomic<std::int64_t> averageNs_{0};
  std::atomic<std::int64_t> lastProbeNs_[3]{};
  std::atomic<bool> shedding_{false};
  metrics::Histogram& latency_;
  metrics::Gauge& inflightGauge_;
};

/// Sends one HTTP/1.1 request to host:port and reads the answer within timeout (Beast, blocking).
Expected<http::Response> sendHttp(const hub::ServiceLocation& where, const http::Request& request,
                                  std::chrono::milliseconds timeout);

}  // namespace ait::gateway
