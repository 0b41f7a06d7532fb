#pragma once
// Error codes of the performance-analytics service, AIT-ANL-xxxx.

#include "ait/core/error.h"

namespace ait::analytics::errors {

inline constexpr ErrorCode kBadQuery{"AIT-ANL-0001", Category::Validation, Severity::Low,
                                     "the statistics query is malformed"};
inline constexpr ErrorCode kReplay{"AIT-ANL-0002", Category::Data, Severity::High,
                                   "the trading journal could not be read back"};
inline constexpr ErrorCode kSubscribe{"AIT-ANL-0003", Category::Internal, Severity::High,
                                      "the analytics could not subscribe to the bus"};

}  // namespace ait::analytics::errors
