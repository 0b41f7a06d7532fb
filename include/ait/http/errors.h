#pragma once

#include "ait/core/error.h"

namespace ait::http {

inline constexpr ErrorCode kBindFailed{"AIT-HTTP-0001", Category::Network, Severity::Critical,
                                       "cannot listen on an endpoint"};
inline constexpr ErrorCode kInvalidConfig{"AIT-HTTP-0002", Category::Config, Severity::High,
                                          "invalid HTTP server configuration"};
inline constexpr ErrorCode kInvalidRoute{"AIT-HTTP-0003", Category::Config, Severity::High,
                                         "invalid or duplicate route"};
inline constexpr ErrorCode kLifecycle{"AIT-HTTP-0004", Category::Internal, Severity::High,
                                      "HTTP server used in the wrong lifecycle state"};
inline constexpr ErrorCode kNotFound{"AIT-HTTP-0005", Category::Validation, Severity::Info,
                                     "no route for this path"};
inline constexpr ErrorCode kMethodNotAllowed{"AIT-HTTP-0006", Category::Validation,
                                             Severity::Info, "method not allowed on this path"};
inline constexpr ErrorCode kBadRequest{"AIT-HTTP-0007", Category::Validation, Severity::Low,
                                       "malformed HTTP request"};
inline constexpr ErrorCode kHeaderTooLarge{"AIT-HTTP-0008", Category::Validation, Severity::Low,
                                           "request header too large"};
inline constexpr ErrorCode kBodyTooLarge{"AIT-HTTP-0009", Category::Validation, Severity::Low,
                                         "request body too large"};
inline constexpr ErrorCode kRequestTimeout{"AIT-HTTP-0010", Category::Network, Severity::Low,
                                           "request not received in time"};
inline constexpr ErrorCode kHandlerFailed{"AIT-HTTP-0011", Category::Internal, Severity::High,
                                          "request handler failed"};
inline constexpr ErrorCode kOverloaded{"AIT-HTTP-0012", Category::Resource, Severity::Medium,
                                       "connection limit reached"};
inline constexpr ErrorCode kUpgradeRequired{"AIT-HTTP-0013", Category::Validation,
                                            Severity::Low,
                                            "WebSocket endpoint called without an upgrade"};
inline constexpr ErrorCode kWebSocketFailed{"AIT-HTTP-0014", Category::Internal, Severity::High,
                                            "WebSocket session callback failed"};
inline constexpr ErrorCode kSlowConsumer{"AIT-HTTP-0015", Category::Resource, Severity::Medium,
                                         "WebSocket client too slow: outgoing queue full"};
inline constexpr ErrorCode kAcceptFailed{"AIT-HTTP-0016", Category::Network, Severity::High,
                                         "accepting a connection failed"};
inline constexpr ErrorCode kShuttingDown{"AIT-HTTP-0017", Category::Resource, Severity::Info,
                                         "server is shutting down"};
inline constexpr ErrorCode kNoCaller{"AIT-HTTP-0018", Category::Auth, Severity::Medium,
                                     "a service route was called without a verified identity"};
inline constexpr ErrorCode kTlsSetup{"AIT-HTTP-0019", Category::Config, Severity::Critical,
                                     "TLS certificate or private key unusable"};
inline constexpr ErrorCode kPlainHttpOnTls{"AIT-HTTP-0020", Category::Validation, Severity::Low,
                                           "plain HTTP sent to a TLS port"};

}  // namespace ait::http
