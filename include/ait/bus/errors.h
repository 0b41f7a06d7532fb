#pragma once
// Error codes of the in-process bus (AIT-BUS-xxxx).

#include "ait/core/error.h"

namespace ait::bus::errors {

inline constexpr ErrorCode kInvalidConfig{"AIT-BUS-0001", Category::Config, Severity::High,
                                          "invalid [bus] configuration"};
inline constexpr ErrorCode kInvalidPattern{"AIT-BUS-0002", Category::Validation, Severity::Medium,
                                           "invalid topic pattern in a subscription"};
inline constexpr ErrorCode kInvalidTopic{"AIT-BUS-0003", Category::Data, Severity::Medium,
                                         "event carries an invalid topic; it was not dispatched"};
inline constexpr ErrorCode kTooManyProducers{"AIT-BUS-0004", Category::Resource, Severity::High,
                                             "no producer slot left (bus.max_producers)"};
inline constexpr ErrorCode kQueueFull{"AIT-BUS-0005", Category::Resource, Severity::Medium,
                                      "producer queue full; event not accepted"};
inline constexpr ErrorCode kStopped{"AIT-BUS-0006", Category::Internal, Severity::Medium,
                                    "bus stopped; event not accepted"};
inline constexpr ErrorCode kRequestTimeout{"AIT-BUS-0007", Category::Resource, Severity::Medium,
                                           "request got no reply before its timeout"};
inline constexpr ErrorCode kNoResponder{"AIT-BUS-0008", Category::Validation, Severity::Medium,
                                        "no responder serves the request's topic"};
inline constexpr ErrorCode kReplyTypeMismatch{"AIT-BUS-0009", Category::Internal, Severity::High,
                                              "responder replies with another type than the "
                                              "requester expects (a bug)"};
inline constexpr ErrorCode kWrongThread{"AIT-BUS-0010", Category::Internal, Severity::High,
                                        "operation called from a thread that may not call it"};
inline constexpr ErrorCode kDropped{"AIT-BUS-0011", Category::Resource, Severity::Medium,
                                    "producer queue full; event dropped and counted"};
inline constexpr ErrorCode kUndelivered{"AIT-BUS-0012", Category::Resource, Severity::High,
                                        "events still queued when the bus stopped"};
inline constexpr ErrorCode kLifecycle{"AIT-BUS-0013", Category::Internal, Severity::Medium,
                                      "bus operation not valid in its current state"};
inline constexpr ErrorCode kDuplicateProducer{"AIT-BUS-0014", Category::Validation,
                                              Severity::Medium, "producer name already in use"};
inline constexpr ErrorCode kUnknownSubscription{"AIT-BUS-0015", Category::Validation,
                                                Severity::Low, "no such subscription"};
inline constexpr ErrorCode kResponderFailed{"AIT-BUS-0016", Category::Internal, Severity::Medium,
                                            "responder answered the request with an error"};

}  // namespace ait::bus::errors
