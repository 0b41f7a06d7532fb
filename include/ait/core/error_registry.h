#pragma once
// The ErrorDNA registry: per fingerprint, how often an error was seen, when first and last, a
// sample, and what recovery was taken with what success. Thread-safe and bounded in memory.

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "ait/core/clock.h"
#include "ait/core/error.h"

namespace ait {

struct ErrorRecord {
  std::string fingerprint;
  std::string code;
  Category category = Category::Internal;
  Severity severity = Severity::Info;
  std::string location;  // file:line
  std::string sample;    // the latest message, verbatim
  std::uint64_t count = 0;
  TimestampNs firstSeen = 0;
  TimestampNs lastSeen = 0;
  Recovery lastRecovery = Recovery::None;
  std::uint64_t recoveries = 0;
  std::uint64_t recoveriesSucceeded = 0;
};

class ErrorRegistry {
 public:
  /// Keeps at most `capacity` fingerprints; beyond that the least recently seen is forgotten
  /// (and counted in evicted()).
  explicit ErrorRegistry(const Clock& clock = SystemClock::instance(), std::size_t capacity = 1024);

  /// Records one occurrence; returns its fingerprint. Also counts ait_errors_total.
  std::string record(const Error& error);
  /// Records the recovery taken for a fingerprint and whether it worked.
  void recordRecovery(const std::string& fingerprint, Recovery recovery, bool succeeded);
  /// Records an occurrence together with its recovery.
  std::string record(const Error& error, Recovery recovery, bool succeeded);

  std::vector<ErrorRecord> snapshot() const;
  std::uint64_t evicted() const;
  /// Returns {"errors": [...], "fingerprints": N, "evicted": N}, most recent first.
  nlohmann::json toJson() const;

  /// The process-wide registry that every component reports into and /api/v1/errors serves.
  static ErrorRegistry& global();

 private:
  const Clock& clock_;
  std::size_t capacity_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, ErrorRecord> records_;
  std::uint64_t evicted_ = 0;
};

}  // namespace ait
