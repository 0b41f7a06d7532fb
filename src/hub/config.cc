#include "ait/hub/config.h"

#include <algorithm>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "ait/hub/errors.h"
#include "ait/hub/location.h"

namespace ait::hub {

Expected<void> validate(const HubConfig& config) {
  std::vector<std::string> problems;
  if (config.restart_initial_backoff_ms <= 0) {
    problems.push_back(fmt::format("restart_initial_backoff_ms must be positive, got {}",
                                   config.restart_initial_backoff_ms));
  }
  if (config.restart_max_backoff_ms < config.restart_initial_backoff_ms) {
    problems.push_back(
        fmt::format("restart_max_backoff_ms ({}) must be at least restart_initial_backoff_ms ({})",
                    config.restart_max_backoff_ms, config.restart_initial_backoff_ms));
  }
  if (config.health_interval_ms <= 0) {
    problems.push_back(
        fmt::format("health_interval_ms must be positive, got {}", config.health_interval_ms));
  }
  if (config.restart_healthy_reset_ms < 0) {
    problems.push_back(fmt::format("restart_healthy_reset_ms must not be negative, got {}",
                                   config.restart_healthy_reset_ms));
  }
  if (config.remote_probe_timeout_ms <= 0) {
    problems.push_back(fmt::format("remote_probe_timeout_ms must be positive, got {}",
                                   config.remote_probe_timeout_ms));
  }
  for (const auto& [name, address] : config.remote) {
    if (name.empty()) problems.push_back("remote has an entry with an empty service name");
    if (auto parsed = ServiceLocation::parse(address); !parsed) {
      problems.push_back(fmt::format("remote.{}: {}", name, parsed.error().message()));
    }
  }
  if (problems.empty()) return {};
  std::string message = "[hub] ";
  for (std::size_t i = 0; i < problems.size(); ++i) {
    if (i > 0) message += "; ";
    message += problems[i];
  }
  return fail(kInvalidConfig, std::move(message));
}

std::chrono::milliseconds restartBackoff(const HubConfig& config, std::uint32_t attempt) noexcept {
  const auto cap = std::max<std::int64_t>(config.restart_max_backoff_ms, 0);
  auto delay = std::clamp<std::int64_t>(config.restart_initial_backoff_ms, 0, cap);
  for (std::uint32_t i = 1; i < attempt && delay < cap; ++i) delay = std::min(delay * 2, cap);
  return std::chrono::milliseconds(delay);
}

}  // namespace ait::hub
