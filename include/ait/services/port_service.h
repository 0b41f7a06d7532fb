#pragma once
// A service that serves its port's common routes and reports its own health. The six services
// start as PortService; each later grows into its own class in its own component folder.

#include <atomic>
#include <functional>
#include <string>

#include "ait/hub/service.h"

namespace ait::services {

class PortService final : public hub::Service {
 public:
  /// runtimeHealth, when set, reports what the service stands on (the engine runtime).
  explicit PortService(std::string name, std::function<hub::Health()> runtimeHealth = {})
      : name_(std::move(name)), runtimeHealth_(std::move(runtimeHealth)) {}

  std::string_view name() const noexcept override { return name_; }
  Expected<void> start() override;
  void stop() noexcept override;
  hub::Health health() const override;

 private:
  std::string name_;
  std::function<hub::Health()> runtimeHealth_;
  std::atomic<bool> running_{false};
};

}  // namespace ait::services
