#pragma once
// Error codes of the storage backends and projections (AIT-STORE-*).

#include "ait/core/error.h"

namespace ait::store::errors {

inline constexpr ErrorCode kBackend{"AIT-STORE-0001", Category::Database, Severity::High,
                                    "a storage backend failed or is unreachable"};
inline constexpr ErrorCode kProjection{"AIT-STORE-0002", Category::Database, Severity::High,
                                       "a journal projection could not read or decode the journal"};
// AIT-STORE-0003 is the database-service's unknown backend type.
inline constexpr ErrorCode kConfig{"AIT-STORE-0004", Category::Config, Severity::High,
                                   "a storage backend's settings are invalid"};
inline constexpr ErrorCode kUnsupported{"AIT-STORE-0005", Category::Validation, Severity::Low,
                                        "this backend does not keep the asked-for data"};

inline constexpr ErrorCode kBadQuery{"AIT-STORE-0006", Category::Validation, Severity::Low,
                                     "a database-service request has a missing or malformed parameter"};
inline constexpr ErrorCode kNotFound{"AIT-STORE-0007", Category::Validation, Severity::Info,
                                     "the caller's tenant has no such pattern or graph node"};

}  // namespace ait::store::errors
