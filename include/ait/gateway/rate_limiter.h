#pragma once
// Token buckets keyed by caller (tenant, API key, client IP): `rate` tokens per second up to
// `burst`. Each answer carries what the RateLimit-* response headers need. Buckets are sharded
// behind small mutexes (this is the request path of the gateway, not the trading hot path) and
// idle buckets are forgotten once the table is full, so a flood of new keys cannot exhaust memory.

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "ait/core/clock.h"
#include "ait/http/message.h"
#include "ait/metrics/metrics.h"

namespace ait::gateway {

struct BucketLimits {
  double ratePerSecond = 1.0;
  double burst = 1.0;
};

struct RateDecision {
  bool allowed = true;
  std::int64_t limit = 0;       // the burst
  std::int64_t remaining = 0;   // whole tokens left after this request
  std::int64_t resetSeconds = 0;     // until the bucket is full again
  std::int64_t retryAfterSeconds = 0;  // refused: until one token is back

  /// Sets RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset (and Retry-After when refused).
  void annotate(http::Response& response) const;
};

class RateLimiter {
 public:
  RateLimiter(std::string name, BucketLimits limits, const Clock& clock = SystemClock::instance(),
              std::size_t maxKeys = 100'000);

  /// Takes one token from key's bucket, if there is one.
  RateDecision take(std::string_view key);
  /// New limits for every bucket (config reload); tokens already earned are kept up to burst.
  void setLimits(BucketLimits limits);
  BucketLimits limits() const;

 private:
  struct Bucket {
    double tokens = 0;
    std::int64_t updatedNs = 0;
  };
  struct Shard {
    std::mutex mutex;
    std::unordered_map<std::string, Bucket> buckets;
  };
  static constexpr std::size_t kShards = 16;

  std::string name_;
  std::atomic<double> rate_;
  std::atomic<double> burst_;
  const Clock& clock_;
  std::size_t maxKeysPerShard_;
  std::array<Shard, kShards> shards_;
  metrics::Counter& allowed_;
  metrics::Counter& refused_;
};

/// Returns a 429 problem response with the decision's headers.
http::Response tooManyRequests(const RateDecision& decision, std::string_view what);

}  // namespace ait::gateway
