#include "ait/gateway/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <functional>

#include <fmt/format.h>

namespace ait::gateway {

namespace {
constexpr ErrorCode kRateLimited{"AIT-GW-0001", Category::Resource, Severity::Low,
                                 "too many requests; retry after the time given"};
}  // namespace

void RateDecision::annotate(http::Response& response) const {
  response.setHeader("RateLimit-Limit", std::to_string(limit));
  response.setHeader("RateLimit-Remaining", std::to_string(remaining));
  response.setHeader("RateLimit-Reset", std::to_string(resetSeconds));
  if (!allowed) response.setHeader("Retry-After", std::to_string(retryAfterSeconds));
}

http::Response tooManyRequests(const RateDecision& decision, std::string_view what) {
  auto response = http::problem(
      429, kRateLimited, fmt::format("{} rate limit reached; retry in {} s", what, decision.retryAfterSeconds));
  decision.annotate(response);
  return response;
}

RateLimiter::RateLimiter(std::string name, BucketLimits limits, const Clock& clock,
                         std::size_t maxKeys)
    : name_(std::move(name)),
      rate_(limits.ratePerSecond),
      burst_(limits.burst),
      clock_(clock),
      maxKeysPerShard_(std::max<std::size_t>(1, maxKeys / kShards)),
      allowed_(metrics::Registry::global().counter("ait_gateway_rate_limit_allowed_total",
                                                   "Requests a rate limiter let through",
                                                   {{"limiter", name_}})),
      refused_(metrics::Registry::global().counter("ait_gateway_rate_limit_refused_total",
                                                   "Requests a rate limiter refused with 429",
                                                   {{"limiter", name_}})) {}

void RateLimiter::setLimits(BucketLimits limits) {
  rate_.store(limits.ratePerSecond, std::memory_order_relaxed);
  burst_.store(limits.burst, std::memory_order_relaxed);
}

BucketLimits RateLimiter::limits() const {
  return {rate_.load(std::memory_order_relaxed), burst_.load(std::memory_order_relaxed)};
}

RateDecision RateLimiter::take(std::string_view key) {
  const double rate = rate_.load(std::memory_order_relaxed);
  const double burst = burst_.load(std::memory_order_relaxed);
  const std::int64_t now = clock_.now();
  Shard& shard = shards_[std::hash<std::string_view>{}(key) % kShards];
  RateDecision decision;
  decision.limit = static_cast<std::int64_t>(burst);
  {
    std::lock_guard lock(shard.mutex);
    auto it = shard.buckets.find(std::string(key));
    if (it == shard.buckets.end()) {
      if (shard.buckets.size() >= maxKeysPerShard_) {
        // Forget buckets that have refilled completely: they hold no state worth keeping.
        std::erase_if(shard.buckets, [&](const auto& entry) {
          const double refilled = entry.second.tokens + rate * static_cast<double>(now - entry.second.updatedNs) / 1e9;
          return refilled >= burst;
        });
      }
      it = shard.buckets.emplace(std::string(key), Bucket{burst, now}).first;
    }
    Bucket& bucket = it->second;
    bucket.tokens = std::min(burst, bucket.tokens + rate * static_cast<double>(now - bucket.updatedNs) / 1e9);
    bucket.updatedNs = now;
    if (bucket.tokens >= 1.0) {
      bucket.tokens -= 1.0;
      decision.allowed = true;
    } else {
      decision.allowed = false;
      decision.retryAfterSeconds =
          rate > 0 ? std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil((1.0 - bucket.tokens) / rate)))
                   : 3600;
    }
    decision.remaining = static_cast<std::int64_t>(std::floor(bucket.tokens));
    decision.resetSeconds =
        rate > 0 ? static_cast<std::int64_t>(std::ceil((burst - bucket.tokens) / rate)) : 0;
  }
  (decision.allowed ? allowed_ : refused_).inc();
  return decision;
}

}  // namespace ait::gateway
