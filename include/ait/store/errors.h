#pragma once
// Error codes of the storage backends and projections (AIT-STORE-*).

#include "ait/core/error.h"

namespace ait::store::errors {

inline constexpr ErrorCode kBackend{"AIT-STORE-0001", Category::Database, Severity::High,
                                    "a storage backend failed or is unreachable"};
inline constexpr ErrorCode kProjection{"AIT-STORE-0002", Category::Database, Severity::High,
                                       "a journal projection could not read or decode the journal"};

}  // namespace ait::store::errors
