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

// Reconciliation findings (alerts): the venue is authoritative, the engine corrects itself.
inline constexpr ErrorCode kMissedFill{"AIT-TRD-0008", Category::Data, Severity::High,
                                       "the venue reports a fill the journal lacks"};
inline constexpr ErrorCode kUnknownVenueOrder{"AIT-TRD-0009", Category::Data, Severity::High,
                                              "the venue reports an order the engine does not know"};
inline constexpr ErrorCode kQuantityMismatch{"AIT-TRD-0010", Category::Data, Severity::High,
                                             "the venue reports another order quantity"};
inline constexpr ErrorCode kMissingAtVenue{"AIT-TRD-0011", Category::Data, Severity::High,
                                           "an order working here is not working at the venue"};
inline constexpr ErrorCode kPositionMismatch{"AIT-TRD-0012", Category::Data, Severity::High,
                                             "the venue reports another position"};
inline constexpr ErrorCode kVenueAhead{"AIT-TRD-0013", Category::Data, Severity::Critical,
                                       "the journal has fills the venue does not report"};

}  // namespace ait::trading::errors
