#pragma once

#include "ait/core/error.h"

namespace ait::model {
inline constexpr ErrorCode kBadNumber{"AIT-MDL-0001", Category::Validation, Severity::Medium,
                                      "text is not a valid decimal number"};
inline constexpr ErrorCode kOutOfRange{"AIT-MDL-0002", Category::Validation, Severity::Medium,
                                       "fixed-point value out of the int64 range"};
inline constexpr ErrorCode kPrecisionLoss{"AIT-MDL-0003", Category::Validation, Severity::Medium,
                                          "value has more decimal places than its scale allows"};
inline constexpr ErrorCode kNotFinite{"AIT-MDL-0004", Category::Validation, Severity::Medium,
                                      "floating-point value is NaN or infinite"};
inline constexpr ErrorCode kBadIdentifier{"AIT-MDL-0005", Category::Validation, Severity::Medium,
                                          "identifier too long or with invalid characters"};
inline constexpr ErrorCode kBadTimestamp{"AIT-MDL-0006", Category::Validation, Severity::Medium,
                                         "text is not a valid ISO 8601 timestamp"};
inline constexpr ErrorCode kMalformedEvent{"AIT-MDL-0007", Category::Data, Severity::High,
                                           "encoded event is truncated or malformed"};
inline constexpr ErrorCode kUnknownEventType{"AIT-MDL-0008", Category::Data, Severity::High,
                                             "encoded event has an unknown type id"};
inline constexpr ErrorCode kUnsupportedVersion{"AIT-MDL-0009", Category::Data, Severity::High,
                                               "event schema version not supported by this reader"};
inline constexpr ErrorCode kBufferTooSmall{"AIT-MDL-0010", Category::Internal, Severity::High,
                                           "encode buffer too small for the event"};
inline constexpr ErrorCode kInvalidEvent{"AIT-MDL-0011", Category::Validation, Severity::Medium,
                                         "event or command field has an invalid value"};
inline constexpr ErrorCode kBadJson{"AIT-MDL-0012", Category::Validation, Severity::Medium,
                                    "JSON event or command is malformed"};
inline constexpr ErrorCode kBadInstrument{"AIT-MDL-0013", Category::Config, Severity::High,
                                          "instrument definition is invalid"};
inline constexpr ErrorCode kUnknownInstrument{"AIT-MDL-0014", Category::Validation,
                                              Severity::Medium, "instrument is not registered"};
}  // namespace ait::model
