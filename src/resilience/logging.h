#pragma once
// The resilience component's logger. Until the log component wires named loggers, a logger
// registered as "resilience" is used when present, else spdlog's default logger.

#include <memory>

#include <spdlog/spdlog.h>

namespace ait::resilience::detail {

inline std::shared_ptr<spdlog::logger> logger() {
  if (auto named = spdlog::get("resilience")) return named;
  return spdlog::default_logger();
}

}  // namespace ait::resilience::detail
