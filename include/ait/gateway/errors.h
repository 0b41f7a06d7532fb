#pragma once
// Error codes of the api-gateway (AIT-GW-*).

#include "ait/core/error.h"

namespace ait::gateway::errors {

// AIT-GW-0001 (rate limited) is declared in rate_limiter.cc.
inline constexpr ErrorCode kBadParameter{"AIT-GW-0002", Category::Validation, Severity::Low,
                                         "a query parameter or body field is not acceptable"};
inline constexpr ErrorCode kForbidden{"AIT-GW-0003", Category::Auth, Severity::Low,
                                      "the caller's role or scopes do not allow this"};
inline constexpr ErrorCode kBackendDown{"AIT-GW-0004", Category::Network, Severity::Medium,
                                        "the service behind this route is unavailable"};
inline constexpr ErrorCode kBackendTimeout{"AIT-GW-0005", Category::Network, Severity::Medium,
                                           "the service behind this route did not answer in time"};
inline constexpr ErrorCode kShed{"AIT-GW-0006", Category::Resource, Severity::Low,
                                 "low-priority request shed while a backend is over budget"};
inline constexpr ErrorCode kStreamRequest{"AIT-GW-0007", Category::Validation, Severity::Low,
                                          "a WebSocket request is malformed or names an unknown channel"};
inline constexpr ErrorCode kSlowClient{"AIT-GW-0008", Category::Resource, Severity::Medium,
                                       "a stream client fell too far behind on a private channel"};
inline constexpr ErrorCode kNotFound{"AIT-GW-0009", Category::Validation, Severity::Low,
                                     "no such object for this tenant"};
inline constexpr ErrorCode kIdentity{"AIT-GW-0010", Category::Auth, Severity::High,
                                     "a service identity token could not be made or verified"};

}  // namespace ait::gateway::errors
