#pragma once
// Error codes of the performance-analytics service, AIT-ANL-xxxx.

#include "ait/core/error.h"

namespace ait::analytics::errors {

inline constexpr ErrorCode kBadQuery{"AIT-ANL-0001", Category::Validation, Severity::Low,
                                     "the statistics query is malformed"};
inline constexpr ErrorCode kReplay{"AIT-ANL-0002", Category::Data, Severity::High,
                                   "the trading journal could not be read back"};
inline constexpr ErrorCode kSubscribe{"AIT-ANL-0003", Category::Internal, Severity::High,
                                      "the analytics could not subscribe to the bus"};
inline constexpr ErrorCode kBadBacktest{"AIT-ANL-0004", Category::Validation, Severity::Low,
                                        "the backtest request is malformed"};
inline constexpr ErrorCode kBacktestsBusy{"AIT-ANL-0005", Category::Resource, Severity::Medium,
                                          "the backtest queue is full"};
inline constexpr ErrorCode kBacktestNotFound{"AIT-ANL-0006", Category::Validation, Severity::Low,
                                             "no such backtest job"};
inline constexpr ErrorCode kBacktestFailed{"AIT-ANL-0007", Category::Data, Severity::Low,
                                           "a backtest job failed"};
inline constexpr ErrorCode kBacktestStore{"AIT-ANL-0008", Category::Io, Severity::High,
                                          "backtest results could not be stored or read"};
inline constexpr ErrorCode kBacktestPending{"AIT-ANL-0009", Category::Validation, Severity::Info,
                                            "the backtest has not finished"};

}  // namespace ait::analytics::errors
