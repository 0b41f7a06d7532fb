#include "ait/gateway/backend.h"

#include <thread>

#include <fmt/format.h>

#include "ait/core/error_registry.h"
#include "ait/gateway/errors.h"
#include "ait/log/log.h"

namespace ait::gateway {

namespace {

// Headers that carry the client's credentials or could pose as an identity: never forwarded.
bool stripped(std::string_view name) {
  for (std::string_view h : {"Authorization", "X-API-Key", "Cookie", "X-Ait-Identity",
                             "X-Tenant-Id", "Host", "Connection", "Content-Length",
                             "Transfer-Encoding", "Upgrade"}) {
    if (http::iequals(name, h)) return true;
  }
  return false;
}

bool idempotent(http::Method method) {
  return method == http::Method::Get || method == http::Method::Head;
}

http::Request outgoing(const http::Request& in) {
  http::Request out;
  out.method = in.method;
  out.methodName = in.methodName.empty() ? std::string(http::toString(in.method)) : in.methodName;
  out.target = in.target;
  out.path = in.path;
  out.queryParams = in.queryParams;
  out.body = in.body;
  out.remoteAddress = in.remoteAddress;
  out.remotePort = in.remotePort;
  out.version = 11;
  for (const auto& [name, value] : in.headers) {
    if (!stripped(name)) out.headers.emplace_back(name, value);
  }
  return out;
}

http::Response unavailable(const ErrorCode& code, int status, std::string detail, int retryAfter) {
  auto response = http::problem(status, code, detail);
  if (retryAfter > 0) response.setHeader("Retry-After", std::to_string(retryAfter));
  return response;
}

}  // namespace

std::string_view toString(Priority priority) noexcept {
  switch (priority) {
    case Priority::Orders: return "orders";
    case Priority::Normal: return "normal";
    case Priority::Low: return "low";
  }
  return "?";
}

Backend::Backend(BackendSettings settings, const http::Router& local, const Clock& clock)
    : settings_(std::move(settings)),
      local_(&local),
      clock_(clock),
      latency_(metrics::Registry::global().histogram(
          "ait_gateway_backend_latency_seconds", "Time the gateway waited for a backend's answer",
          {{"backend", settings_.name}})),
      inflightGauge_(metrics::Registry::global().gauge(
          "ait_gateway_backend_inflight", "Calls in flight from the gateway to a backend",
          {{"backend", settings_.name}})) {}

Backend::Backend(BackendSettings settings, hub::ServiceLocation remote,
                 const ServiceIdentity& identity, const Clock& clock)
    : settings_(std::move(settings)),
      remote_(std::move(remote)),
      identity_(&identity),
      clock_(clock),
      breaker_(std::make_unique<resilience::CircuitBreaker>("gateway-" + settings_.name,
                                                            settings_.breaker, clock)),
      latency_(metrics::Registry::global().histogram(
          "ait_gateway_backend_latency_seconds", "Time the gateway waited for a backend's answer",
          {{"backend", settings_.name}})),
      inflightGauge_(metrics::Registry::global().gauge(
          "ait_gateway_backend_inflight", "Calls in flight from the gateway to a backend",
          {{"backend", settings_.name}})) {}

Backend::~Backend() = default;

bool Backend::overBudget(Priority priority) const {
  if (priority == Priority::Orders) return false;
  const std::int64_t scale = priority == Priority::Low ? 1 : 2;
  const auto budgetNs = std::chrono::nanoseconds(settings_.latencyBudget).count();
  return inflight_.load(std::memory_order_relaxed) > settings_.inflightBudget * scale ||
         averageNs_.load(std::memory_order_relaxed) > budgetNs * scale;
}

// While shedding, one call per second of each shed class still goes through: it measures
// whether the backend recovered (the average moves only with calls).
bool Backend::admitWhileShedding(Priority priority) {
  auto& last = lastProbeNs_[static_cast<std::size_t>(priority)];
  const std::int64_t now = clock_.monotonicNs();
  std::int64_t seen = last.load(std::memory_order_relaxed);
  if (seen == 0) {
    // Shedding just began for this class: the first probe waits a second.
    last.compare_exchange_strong(seen, now);
    return false;
  }
  return now - seen >= 1'000'000'000 && last.compare_exchange_strong(seen, now);
}

void Backend::recordLatency(std::int64_t ns) {
  latency_.observeNs(ns);
  // Exponential moving average, weight 1/8: reacts within a few calls, forgets one outlier.
  std::int64_t old = averageNs_.load(std::memory_order_relaxed);
  averageNs_.store(old == 0 ? ns : old + (ns - old) / 8, std::memory_order_relaxed);
}

http::Response Backend::call(const http::Request& request, const http::Caller& caller,
                             Priority priority) {
  const bool over = overBudget(priority);
  if (over != shedding_.load(std::memory_order_relaxed) && priority == Priority::Low) {
    shedding_.store(over, std::memory_order_relaxed);
    log::warn(*log::logger("gateway"), over ? "shedding low-priority traffic" : "shedding stopped",
              {{"backend", settings_.name},
               {"inflight", std::to_string(inflight_.load())},
               {"average_latency_us", std::to_string(averageNs_.load() / 1000)}});
  }
  if (!over) {
    auto& last = lastProbeNs_[static_cast<std::size_t>(priority)];
    if (last.load(std::memory_order_relaxed) != 0) last.store(0, std::memory_order_relaxed);
  }
  if (over && !admitWhileShedding(priority)) {
    metrics::Registry::global()
        .counter("ait_gateway_shed_total", "Requests shed because a backend was over budget",
                 {{"backend", settings_.name}, {"priority", std::string(toString(priority))}})
        .inc();
    return unavailable(errors::kShed, 503,
                       fmt::format("{} is busy; {} requests are shed for now", settings_.name,
                                   toString(priority)),
                       1);
  }
  inflightGauge_.set(static_cast<double>(inflight_.fetch_add(1, std::memory_order_relaxed) + 1));
  const std::int64_t started = clock_.monotonicNs();
  http::Response response = forward(request, caller);
  recordLatency(clock_.monotonicNs() - started);
  inflightGauge_.set(static_cast<double>(inflight_.fetch_sub(1, std::memory_order_relaxed) - 1));
  return response;
}

http::Response Backend::forward(const http::Request& request, const http::Caller& caller) {
  http::Request out = outgoing(request);
  if (local_ != nullptr) {
    out.caller = caller;
    return local_->handle(out);
  }
  auto token = identity_->sign(caller, clock_.now() / 1'000'000'000);
  if (!token) return http::problem(500, errors::kIdentity, token.error().message());
  out.headers.emplace_back(std::string(http::kIdentityHeader), *token);
  const int attempts = idempotent(out.method) ? 1 + std::max(0, settings_.retries) : 1;
  Error last(errors::kBackendDown, "no attempt made");
  for (int attempt = 0; attempt < attempts; ++attempt) {
    if (attempt > 0) {
      // Short, growing pauses: the caller waits for the answer, so retries must stay cheap.
      std::this_thread::sleep_for(std::chrono::milliseconds(20 * attempt));
    }
    auto permit = breaker_->acquire();
    if (!permit) {
      return unavailable(errors::kBackendDown, 503,
                         fmt::format("{} is unavailable (circuit open)", settings_.name), 5);
    }
    auto answer = sendHttp(*remote_, out, settings_.timeout);
    if (answer && answer->status < 500) {
      permit.onSuccess();
      return std::move(*answer);
    }
    permit.onFailure();
    if (answer) {
      if (!idempotent(out.method) || attempt + 1 == attempts) return std::move(*answer);
      last = Error(errors::kBackendDown, fmt::format("{} answered {}", settings_.name, answer->status));
    } else {
      last = answer.error();
    }
  }
  ErrorRegistry::global().record(last);
  const bool timedOut = last.code().code == errors::kBackendTimeout.code;
  return unavailable(timedOut ? errors::kBackendTimeout : errors::kBackendDown, timedOut ? 504 : 503,
                     fmt::format("{}: {}", settings_.name, last.message()), timedOut ? 0 : 1);
}

}  // namespace ait::gateway
