#pragma once
// Test doubles for the hub: services that record what happens to them.

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include "ait/core/clock.h"
#include "ait/core/error.h"
#include "ait/core/error_registry.h"
#include "ait/hub/hub.h"
#include "ait/metrics/metrics.h"

namespace ait::hub::testing {

inline constexpr ErrorCode kFakeFailure{"AIT-TEST-0001", Category::Internal, Severity::Medium,
                                        "a failure made up by a test"};

/// Records lifecycle events ("start:a", "stop:a", "destroy:a") in the order they happen.
class EventLog {
 public:
  void add(std::string event) {
    std::lock_guard lock(mutex_);
    events_.push_back(std::move(event));
  }
  std::vector<std::string> events() const {
    std::lock_guard lock(mutex_);
    return events_;
  }
  /// Returns the events that start with `prefix`, e.g. "start:".
  std::vector<std::string> only(const std::string& prefix) const {
    std::vector<std::string> out;
    for (const auto& event : events()) {
      if (event.rfind(prefix, 0) == 0) out.push_back(event);
    }
    return out;
  }
  void clear() {
    std::lock_guard lock(mutex_);
    events_.clear();
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> events_;
};

class FakeService : public Service {
 public:
  FakeService(std::string name, EventLog& log, const Clock& clock)
      : name_(std::move(name)), log_(log), clock_(clock) {}
  ~FakeService() override { log_.add("destroy:" + name_); }

  std::string_view name() const noexcept override { return name_; }

  Expected<void> start() override {
    log_.add("start:" + name_);
    {
      std::lock_guard lock(mutex_);
      startTimes_.push_back(clock_.monotonicNs());
    }
    if (reportDuringStart) reporter.report(Error(kFakeFailure, "failed while starting"));
    if (failAlways || failStarts.load() > 0) {
      if (failStarts.load() > 0) --failStarts;
      return fail(kFakeFailure, "port 8007 is already in use");
    }
    running_ = true;
    return {};
  }

  void stop() noexcept override {
    log_.add("stop:" + name_);
    running_ = false;
  }

  Health health() const override {
    std::lock_guard lock(mutex_);
    return health_;
  }

  void setHealth(HealthStatus status, std::string reason = {}) {
    std::lock_guard lock(mutex_);
    health_.status = status;
    health_.reason = std::move(reason);
  }

  std::vector<std::int64_t> startTimes() const {
    std::lock_guard lock(mutex_);
    return startTimes_;
  }

  bool running() const { return running_; }

  std::atomic<int> failStarts{0};
  std::atomic<bool> failAlways{false};
  bool reportDuringStart = false;
  FailureReporter reporter;

 private:
  std::string name_;
  EventLog& log_;
  const Clock& clock_;
  mutable std::mutex mutex_;
  Health health_;
  std::vector<std::int64_t> startTimes_;
  std::atomic<bool> running_{false};
};

inline std::shared_ptr<spdlog::logger> quietLogger() {
  return std::make_shared<spdlog::logger>("hub-test",
                                          std::make_shared<spdlog::sinks::null_sink_mt>());
}

/// A hub on a FakeClock with private metrics and error registries, supervised by hand.
class HubFixture {
 public:
  HubFixture() = default;

  std::unique_ptr<Hub> makeHub(HubConfig config = {}) {
    HubOptions options;
    options.metrics = &metrics;
    options.errors = &errors;
    options.logger = quietLogger();
    options.supervisorThread = false;
    options.probe = [this](const ServiceLocation& where) {
      std::lock_guard lock(probeMutex);
      probed.push_back(where.toString());
      return probeAnswer;
    };
    return std::make_unique<Hub>(std::move(config), clock, std::move(options));
  }

  /// Registers a FakeService; the factory keeps a pointer to it in fakes[name].
  Expected<void> addFake(Hub& hub, const std::string& name, std::vector<std::string> dependsOn,
                         bool critical = true) {
    ServiceSpec spec;
    spec.name = name;
    spec.dependsOn = std::move(dependsOn);
    spec.critical = critical;
    spec.factory = [this, name](Resolver& resolver) -> Expected<std::unique_ptr<Service>> {
      auto service = std::make_unique<FakeService>(name, events, clock);
      service->reporter = resolver.failureReporter();
      if (auto it = setup.find(name); it != setup.end()) it->second(*service);
      fakes[name] = service.get();
      events.add("construct:" + name);
      return service;
    };
    return hub.addService(std::move(spec));
  }

  FakeService& fake(const std::string& name) { return *fakes.at(name); }

  /// Advances the clock in 1 ms steps, supervising after each, for `ms` milliseconds.
  void run(Hub& hub, std::int64_t ms) {
    for (std::int64_t i = 0; i < ms; ++i) {
      clock.advance(std::chrono::milliseconds(1));
      hub.superviseOnce();
    }
  }

  FakeClock clock;
  metrics::Registry metrics;
  ErrorRegistry errors{clock};
  EventLog events;
  std::map<std::string, FakeService*> fakes;
  std::map<std::string, std::function<void(FakeService&)>> setup;  // applied when built
  std::mutex probeMutex;
  std::vector<std::string> probed;
  Health probeAnswer;
};

}  // namespace ait::hub::testing
