#pragma once

#include "ait/core/error.h"

namespace ait::log {
inline constexpr ErrorCode kUnknownLevel{"AIT-LOG-0001", Category::Config, Severity::Medium,
                                         "unknown log level name"};
inline constexpr ErrorCode kSinkFailed{"AIT-LOG-0002", Category::Io, Severity::High,
                                       "log file could not be opened"};
}  // namespace ait::log
