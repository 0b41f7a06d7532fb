#pragma once
// Error codes of the portfolio (instruments, accounts, positions), AIT-PRT-xxxx.

#include "ait/core/error.h"

namespace ait::portfolio::errors {

inline constexpr ErrorCode kBadInstrument{"AIT-PRT-0001", Category::Config, Severity::High,
                                          "instrument or its trading terms are invalid"};
inline constexpr ErrorCode kDuplicate{"AIT-PRT-0002", Category::Config, Severity::High,
                                      "instrument or account declared twice"};
inline constexpr ErrorCode kOverflow{"AIT-PRT-0003", Category::Internal, Severity::Critical,
                                     "position or money arithmetic overflowed"};
inline constexpr ErrorCode kUnknown{"AIT-PRT-0004", Category::Validation, Severity::Medium,
                                    "unknown account, instrument or position"};
inline constexpr ErrorCode kCapacity{"AIT-PRT-0005", Category::Resource, Severity::High,
                                     "too many accounts or positions"};
inline constexpr ErrorCode kNoFxRate{"AIT-PRT-0006", Category::Validation, Severity::High,
                                     "no FX rate converts the PnL to the account currency"};

}  // namespace ait::portfolio::errors
