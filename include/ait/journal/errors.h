#pragma once
// Error codes of the journal (the event store and audit trail), AIT-JRN-xxxx.

#include "ait/core/error.h"

namespace ait::journal::errors {

inline constexpr ErrorCode kConfigInvalid{"AIT-JRN-0001", Category::Config, Severity::High,
                                          "journal configuration is invalid"};
inline constexpr ErrorCode kIo{"AIT-JRN-0002", Category::Io, Severity::Critical,
                               "journal file input/output failed"};
inline constexpr ErrorCode kCorrupt{"AIT-JRN-0003", Category::Data, Severity::Critical,
                                    "journal record is corrupt (CRC, length or header)"};
inline constexpr ErrorCode kChainBroken{"AIT-JRN-0004", Category::Data, Severity::Critical,
                                        "journal hash chain is broken (record altered)"};
inline constexpr ErrorCode kSequenceGap{"AIT-JRN-0005", Category::Data, Severity::Critical,
                                        "journal sequence has a gap (record or segment missing)"};
inline constexpr ErrorCode kBadSegmentHeader{"AIT-JRN-0006", Category::Data, Severity::Critical,
                                             "journal segment header is invalid or unsupported"};
inline constexpr ErrorCode kLocked{"AIT-JRN-0007", Category::Resource, Severity::High,
                                   "journal directory is already open for writing elsewhere"};
inline constexpr ErrorCode kClosed{"AIT-JRN-0008", Category::Internal, Severity::Medium,
                                   "journal is closed"};
inline constexpr ErrorCode kPayloadTooLarge{"AIT-JRN-0009", Category::Validation,
                                            Severity::Medium,
                                            "journal payload exceeds max_payload_bytes"};
inline constexpr ErrorCode kDurableTimeout{"AIT-JRN-0010", Category::Resource, Severity::Medium,
                                           "timed out waiting for a record to become durable"};
inline constexpr ErrorCode kWriterFailed{"AIT-JRN-0011", Category::Io, Severity::Critical,
                                         "journal writer failed; the journal stopped accepting "
                                         "appends"};
inline constexpr ErrorCode kSnapshotInvalid{"AIT-JRN-0012", Category::Data, Severity::High,
                                            "snapshot name, sequence or file is invalid"};
inline constexpr ErrorCode kArchiveFailed{"AIT-JRN-0013", Category::Io, Severity::High,
                                          "retention could not archive or delete a segment"};
inline constexpr ErrorCode kTornTail{"AIT-JRN-0014", Category::Data, Severity::Low,
                                     "torn last record truncated at recovery"};
inline constexpr ErrorCode kNotFound{"AIT-JRN-0015", Category::Validation, Severity::Medium,
                                     "journal directory or segment not found"};
inline constexpr ErrorCode kInvalidArgument{"AIT-JRN-0016", Category::Validation,
                                            Severity::Medium, "invalid argument to the journal"};
inline constexpr ErrorCode kHeadMismatch{"AIT-JRN-0017", Category::Data, Severity::Critical,
                                         "journal head does not match the expected anchor "
                                         "(truncated or rewritten)"};

}  // namespace ait::journal::errors
