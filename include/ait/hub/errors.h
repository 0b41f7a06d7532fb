#pragma once
// ErrorDNA codes of the central hub (AIT-HUB-xxxx).

#include "ait/core/error.h"

namespace ait::hub {

inline constexpr ErrorCode kDuplicateName{"AIT-HUB-0001", Category::Config, Severity::High,
                                          "a service or component name is registered twice"};
inline constexpr ErrorCode kMissingDependency{
    "AIT-HUB-0002", Category::Config, Severity::Critical,
    "a service depends on a name that is neither a registered service nor a component"};
inline constexpr ErrorCode kDependencyCycle{"AIT-HUB-0003", Category::Config, Severity::Critical,
                                            "services depend on each other in a cycle"};
inline constexpr ErrorCode kUnknownService{"AIT-HUB-0004", Category::Validation, Severity::Medium,
                                           "no service is registered under that name"};
inline constexpr ErrorCode kNotDeployed{
    "AIT-HUB-0005", Category::Config, Severity::Critical,
    "a dependency neither runs in this process nor has a remote location configured"};
inline constexpr ErrorCode kUndeclaredDependency{
    "AIT-HUB-0006", Category::Internal, Severity::Critical,
    "a service asked the resolver for something it does not declare in depends_on"};
inline constexpr ErrorCode kDependencyType{"AIT-HUB-0007", Category::Internal, Severity::Critical,
                                           "a dependency was asked for with the wrong type"};
inline constexpr ErrorCode kDependencyRemote{
    "AIT-HUB-0008", Category::Config, Severity::Critical,
    "a dependency runs in another process and cannot be injected as an object"};
inline constexpr ErrorCode kConstructFailed{"AIT-HUB-0009", Category::Internal, Severity::Critical,
                                            "a service factory could not build its service"};
inline constexpr ErrorCode kStartFailed{"AIT-HUB-0010", Category::Internal, Severity::Critical,
                                        "a service failed to start"};
inline constexpr ErrorCode kServiceDown{"AIT-HUB-0011", Category::Internal, Severity::High,
                                        "a running service reported itself down"};
inline constexpr ErrorCode kRestartsExhausted{
    "AIT-HUB-0012", Category::Internal, Severity::Critical,
    "a service kept failing and the hub stopped restarting it"};
inline constexpr ErrorCode kRemoteDown{"AIT-HUB-0013", Category::Network, Severity::High,
                                       "a remote service's /health says down or cannot be read"};
inline constexpr ErrorCode kInvalidConfig{"AIT-HUB-0014", Category::Config, Severity::High,
                                          "the [hub] configuration is invalid"};
inline constexpr ErrorCode kLifecycle{"AIT-HUB-0015", Category::Validation, Severity::Medium,
                                      "a hub operation was called in the wrong lifecycle state"};

}  // namespace ait::hub
