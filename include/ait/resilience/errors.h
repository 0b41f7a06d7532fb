#pragma once
// Error codes raised by the resilience patterns (AIT-RES-xxxx). Timeouts use the core code
// ait::errors::kTimeout (AIT-CORE-0004) so that every component reports them alike.

#include "ait/core/error.h"

namespace ait::resilience {

inline constexpr ErrorCode kCircuitOpen{"AIT-RES-0001", Category::Resource, Severity::Medium,
                                        "circuit breaker open: calls to the dependency rejected"};
inline constexpr ErrorCode kBulkheadFull{"AIT-RES-0002", Category::Resource, Severity::Medium,
                                         "bulkhead full: too many concurrent calls to the "
                                         "dependency"};
inline constexpr ErrorCode kTaskStartFailed{"AIT-RES-0003", Category::Resource, Severity::High,
                                            "could not start a thread to run an operation "
                                            "under a deadline"};
inline constexpr ErrorCode kInvalidConfig{"AIT-RES-0004", Category::Config, Severity::High,
                                          "invalid resilience configuration"};

}  // namespace ait::resilience
