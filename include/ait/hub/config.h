#pragma once
// Settings of the central hub; the [hub] section of the config file uses the same names.

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

#include "ait/core/error.h"

namespace ait::hub {

struct HubConfig {
  // The first restart of a failed service comes this long after the failure.
  std::int64_t restart_initial_backoff_ms = 100;
  // Each further attempt waits twice as long as the one before, up to this.
  std::int64_t restart_max_backoff_ms = 30000;
  // Consecutive restart attempts before the hub gives up and leaves the service down; 0 = never.
  std::uint32_t restart_max_attempts = 10;
  // How often each service's health() and each remote service's /health is checked.
  std::int64_t health_interval_ms = 1000;
  // A service that runs this long without failing gets its backoff reset to the initial delay.
  std::int64_t restart_healthy_reset_ms = 60000;
  // Connect-and-answer timeout for a remote service's /health.
  std::int64_t remote_probe_timeout_ms = 2000;
  // Services that run in another process: name -> "host:port" of its HTTP port.
  std::map<std::string, std::string> remote;
};

/// Returns nothing when the config is valid, or one error listing every problem found.
Expected<void> validate(const HubConfig& config);

/// Returns the wait before restart attempt `attempt` (1-based): the initial backoff doubled
/// attempt-1 times, capped at the maximum.
std::chrono::milliseconds restartBackoff(const HubConfig& config, std::uint32_t attempt) noexcept;

}  // namespace ait::hub
