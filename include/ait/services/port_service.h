#pragma once
// A service that serves its port's common routes and reports its own health. The six services
// start as PortService; each later grows into its own class in its own component folder.

#include <atomic>
#include <string>

#include "ait/hub/service.h"

namespace ait::services {

class PortService final : public hub::Service {
 public:
  explicit PortService(std::string name) : name_(std::move(name)) {}

  std::string_view name() const noexcept override { return name_; }
  Expected<void> start() override;
  void stop() noexcept override;
  hub::Health health() const override;

 private:
  std::string name_;
  std::atomic<bool> running_{false};
};

}  // namespace ait::services
