#pragma once
// Error codes of the trading-engine service, AIT-TRD-xxxx. Business refusals (denied orders) are
// OrderDenied events with AIT-RSK codes, not these.

#include "ait/core/error.h"

namespace ait::trading::errors {

inline constexpr ErrorCode kBadRequest{"AIT-TRD-0001", Category::Validation, Severity::Low,
                                       "the request is malformed or names no order"};
inline constexpr ErrorCode kUnavailable{"AIT-TRD-0002", Category::Resource, Severity::High,
                                        "the trading engine did not answer in time"};
inline constexpr ErrorCode kNotDurable{"AIT-TRD-0003", Category::Io, Severity::Critical,
                                       "the order's events could not be made durable in time"};
inline constexpr ErrorCode kReplay{"AIT-TRD-0004", Category::Data, Severity::Critical,
                                   "the trading journal could not be replayed"};
inline constexpr ErrorCode kConfig{"AIT-TRD-0005", Category::Config, Severity::High,
                                   "the trading configuration is invalid"};
inline constexpr ErrorCode kNotFound{"AIT-TRD-0006", Category::Validation, Severity::Low,
                                     "no such order"};
inline constexpr ErrorCode kNotWorking{"AIT-TRD-0007", Category::Validation, Severity::Low,
                                       "the order is not working (filled, cancelled or pending)"};

}  // namespace ait::trading::errors
