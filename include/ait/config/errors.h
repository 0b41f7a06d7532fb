#pragma once

#include "ait/core/error.h"

namespace ait::config {
inline constexpr ErrorCode kInvalidValue{"AIT-CFG-0001", Category::Config, Severity::High,
                                         "config value out of range or malformed"};
inline constexpr ErrorCode kWrongType{"AIT-CFG-0002", Category::Config, Severity::High,
                                      "config value has the wrong type"};
inline constexpr ErrorCode kUnknownKey{"AIT-CFG-0003", Category::Config, Severity::High,
                                       "unknown config key (usually a typo)"};
inline constexpr ErrorCode kSyntax{"AIT-CFG-0004", Category::Config, Severity::High,
                                   "config file is not valid TOML"};
inline constexpr ErrorCode kUnreadable{"AIT-CFG-0005", Category::Io, Severity::High,
                                       "config file missing or unreadable"};
inline constexpr ErrorCode kBadEnvOverride{"AIT-CFG-0006", Category::Config, Severity::High,
                                           "AIT_ environment override does not parse"};
inline constexpr ErrorCode kInconsistent{"AIT-CFG-0007", Category::Config, Severity::High,
                                         "config values contradict each other"};
inline constexpr ErrorCode kInvalidConfig{"AIT-CFG-0008", Category::Config, Severity::Critical,
                                          "configuration rejected (see the listed problems)"};
inline constexpr ErrorCode kReloadRejected{"AIT-CFG-0009", Category::Config, Severity::Medium,
                                           "config reload rejected; the old config stays"};
inline constexpr ErrorCode kRestartRequired{"AIT-CFG-0010", Category::Config, Severity::Low,
                                            "changed setting takes effect only after a restart"};
inline constexpr ErrorCode kListenerFailed{"AIT-CFG-0011", Category::Internal, Severity::High,
                                           "a config reload listener threw"};
}  // namespace ait::config
