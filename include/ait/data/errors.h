#pragma once
// Error codes of the market data component (instruments, normaliser, file sources, bars),
// AIT-DATA-xxxx.

#include "ait/core/error.h"

namespace ait::data::errors {

inline constexpr ErrorCode kConfigInvalid{"AIT-DATA-0001", Category::Config, Severity::High,
                                          "market data configuration is invalid"};
inline constexpr ErrorCode kQuoteRejected{"AIT-DATA-0002", Category::Validation, Severity::Low,
                                          "a quote failed validation and was not turned into a tick"};
inline constexpr ErrorCode kFileUnreadable{"AIT-DATA-0003", Category::Io, Severity::High,
                                           "a market data file is missing or unreadable"};
inline constexpr ErrorCode kBadLine{"AIT-DATA-0004", Category::Data, Severity::Low,
                                    "a line of a market data file does not parse"};
inline constexpr ErrorCode kBadArgument{"AIT-DATA-0005", Category::Validation, Severity::Medium,
                                        "a market data request or option is invalid"};
inline constexpr ErrorCode kPublishFailed{"AIT-DATA-0006", Category::Resource, Severity::Medium,
                                          "a tick could not be handed to the bus"};

}  // namespace ait::data::errors
