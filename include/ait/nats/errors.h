#pragma once
// Error codes of the NATS JetStream bridge, AIT-NATS-xxxx.

#include "ait/core/error.h"

namespace ait::nats::errors {

inline constexpr ErrorCode kInvalidConfig{"AIT-NATS-0001", Category::Config, Severity::High,
                                          "NATS bridge configuration is invalid"};
inline constexpr ErrorCode kConnect{"AIT-NATS-0002", Category::Network, Severity::High,
                                    "cannot connect to any NATS server"};
inline constexpr ErrorCode kStream{"AIT-NATS-0003", Category::Network, Severity::High,
                                   "cannot create or update the JetStream stream"};
inline constexpr ErrorCode kPublish{"AIT-NATS-0004", Category::Network, Severity::Medium,
                                    "JetStream publish was not acknowledged"};
inline constexpr ErrorCode kSubscribe{"AIT-NATS-0005", Category::Network, Severity::High,
                                      "cannot create the durable JetStream consumer"};
inline constexpr ErrorCode kFetch{"AIT-NATS-0006", Category::Network, Severity::Medium,
                                  "fetching from the durable JetStream consumer failed"};
inline constexpr ErrorCode kBadMessage{"AIT-NATS-0007", Category::Data, Severity::Medium,
                                       "a JetStream message lacks a valid id or payload"};
inline constexpr ErrorCode kCursor{"AIT-NATS-0008", Category::Io, Severity::High,
                                   "the bridge cursor file cannot be read or written"};
inline constexpr ErrorCode kJournal{"AIT-NATS-0009", Category::Data, Severity::High,
                                    "reading the journal for publishing failed"};
inline constexpr ErrorCode kGap{"AIT-NATS-0010", Category::Data, Severity::High,
                                "a source's predecessor never arrived; applied past the gap"};
inline constexpr ErrorCode kLifecycle{"AIT-NATS-0011", Category::Internal, Severity::Medium,
                                      "bridge started twice or used after stop"};

}  // namespace ait::nats::errors
