#include "ait/core/error_registry.h"

#include <algorithm>

#include <fmt/format.h>

#include "ait/metrics/metrics.h"

namespace ait {

ErrorRegistry::ErrorRegistry(const Clock& clock, std::size_t capacity)
    : clock_(clock), capacity_(std::max<std::size_t>(capacity, 1)) {}

ErrorRegistry& ErrorRegistry::global() {
  static ErrorRegistry registry;
  return registry;
}

std::string ErrorRegistry::record(const Error& error) {
  auto fingerprint = error.fingerprint();
  auto now = clock_.now();
  metrics::Registry::global()
      .counter("ait_errors_total", "Errors reported, by ErrorDNA category, code and severity.",
               {{"category", std::string(toString(error.category()))},
                {"code", std::string(error.codeString())},
                {"severity", std::string(toString(error.severity()))}})
      .inc();

  std::lock_guard lock(mutex_);
  auto it = records_.find(fingerprint);
  if (it == records_.end()) {
    if (records_.size() >= capacity_) {
      auto oldest = std::min_element(records_.begin(), records_.end(), [](auto& a, auto& b) {
        return a.second.lastSeen < b.second.lastSeen;
      });
      records_.erase(oldest);
      ++evicted_;
    }
    ErrorRecord fresh;
    fresh.fingerprint = fingerprint;
    fresh.code = std::string(error.codeString());
    fresh.category = error.category();
    fresh.severity = error.severity();
    fresh.location = fmt::format("{}:{}", error.where().file_name(), error.where().line());
    fresh.firstSeen = now;
    it = records_.emplace(fingerprint, std::move(fresh)).first;
  }
  auto& record = it->second;
  ++record.count;
  record.lastSeen = now;
  record.sample = error.message();
  return fingerprint;
}

void ErrorRegistry::recordRecovery(const std::string& fingerprint, Recovery recovery,
                                   bool succeeded) {
  std::lock_guard lock(mutex_);
  auto it = records_.find(fingerprint);
  if (it == records_.end()) return;
  it->second.lastRecovery = recovery;
  ++it->second.recoveries;
  if (succeeded) ++it->second.recoveriesSucceeded;
}

std::string ErrorRegistry::record(const Error& error, Recovery recovery, bool succeeded) {
  auto fingerprint = record(error);
  recordRecovery(fingerprint, recovery, succeeded);
  return fingerprint;
}

std::vector<ErrorRecord> ErrorRegistry::snapshot() const {
  std::vector<ErrorRecord> out;
  {
    std::lock_guard lock(mutex_);
    out.reserve(records_.size());
    for (const auto& [key, record] : records_) out.push_back(record);
  }
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.lastSeen > b.lastSeen; });
  return out;
}

std::uint64_t ErrorRegistry::evicted() const {
  std::lock_guard lock(mutex_);
  return evicted_;
}

nlohmann::json ErrorRegistry::toJson() const {
  auto records = snapshot();
  auto list = nlohmann::json::array();
  for (const auto& r : records) {
    list.push_back({{"fingerprint", r.fingerprint},
                    {"code", r.code},
                    {"category", toString(r.category)},
                    {"severity", toString(r.severity)},
                    {"location", r.location},
                    {"sample", r.sample},
                    {"count", r.count},
                    {"first_seen_ns", r.firstSeen},
                    {"last_seen_ns", r.lastSeen},
                    {"recovery",
                     {{"last", toString(r.lastRecovery)},
                      {"attempts", r.recoveries},
                      {"succeeded", r.recoveriesSucceeded}}}});
  }
  return {{"errors", list}, {"fingerprints", records.size()}, {"evicted", evicted()}};
}

}  // namespace ait
