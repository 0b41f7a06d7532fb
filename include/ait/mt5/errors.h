#pragma once
// Error codes of the MetaTrader 5 bridges, AIT-MT5-xxxx.

#include "ait/core/error.h"

namespace ait::mt5::errors {

inline constexpr ErrorCode kBadJson{"AIT-MT5-0001", Category::Data, Severity::Medium,
                                    "message is not valid JSON"};
inline constexpr ErrorCode kBadField{"AIT-MT5-0002", Category::Data, Severity::Medium,
                                     "a field is missing or has the wrong type"};
inline constexpr ErrorCode kUnknownType{"AIT-MT5-0003", Category::Data, Severity::Low,
                                        "unknown message type"};
inline constexpr ErrorCode kLineTooLong{"AIT-MT5-0004", Category::Data, Severity::Medium,
                                        "line exceeds the maximum length"};
inline constexpr ErrorCode kAuth{"AIT-MT5-0005", Category::Auth, Severity::High,
                                 "token is missing or unknown"};
inline constexpr ErrorCode kProtocol{"AIT-MT5-0006", Category::Data, Severity::Medium,
                                     "message breaks the protocol (order, sequence)"};
inline constexpr ErrorCode kNotConnected{"AIT-MT5-0007", Category::Network, Severity::Medium,
                                         "no MT5 client of the tenant is connected"};
inline constexpr ErrorCode kInvalidConfig{"AIT-MT5-0008", Category::Config, Severity::High,
                                          "MT5 bridge configuration is invalid"};
inline constexpr ErrorCode kListen{"AIT-MT5-0009", Category::Network, Severity::High,
                                   "cannot listen on the native MT5 port"};
inline constexpr ErrorCode kRejected{"AIT-MT5-0010", Category::Validation, Severity::Low,
                                     "a value was rejected by validation"};
inline constexpr ErrorCode kOverloaded{"AIT-MT5-0011", Category::Resource, Severity::Medium,
                                       "the platform cannot take more events now"};
inline constexpr ErrorCode kFlood{"AIT-MT5-0012", Category::Data, Severity::High,
                                  "too many bad messages: connection closed"};
inline constexpr ErrorCode kClientIo{"AIT-MT5-0013", Category::Network, Severity::Medium,
                                     "the EA client lost or could not open its connection"};

}  // namespace ait::mt5::errors
