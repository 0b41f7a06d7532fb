#pragma once
// Error codes of the engine runtime (AIT-ENG-*).

#include "ait/core/error.h"

namespace ait::engine::errors {

inline constexpr ErrorCode kOpen{"AIT-ENG-0001", Category::Internal, Severity::Critical,
                                 "the engine runtime could not open its bus, journal or bridge"};
inline constexpr ErrorCode kWrongThread{"AIT-ENG-0002", Category::Internal, Severity::High,
                                        "record() was called off the engine thread"};
inline constexpr ErrorCode kJournal{"AIT-ENG-0003", Category::Database, Severity::Critical,
                                    "an event could not be journaled"};
inline constexpr ErrorCode kLifecycle{"AIT-ENG-0004", Category::Internal, Severity::High,
                                      "the engine runtime is not in a state that allows this"};

}  // namespace ait::engine::errors
