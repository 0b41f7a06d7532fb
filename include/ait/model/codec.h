#pragma once
// The binary encoding of events, for the journal and NATS: little-endian, field by field (no
// struct images, so padding and ABI never leak), versioned per event type so that a newer reader
// reads every older record. Layout and rules: docs/events.md.
//
//   offset 0  u16 type id      (EventType)
//          2  u16 schema version of that type
//          4  u32 tenant id
//          8  i64 ts_event     (ns since epoch, UTC)
//         16  i64 ts_recv
//         24  fields of the type, in schema order
//
// Encoding never allocates; decoding allocates only to describe a failure. Decoding untrusted
// bytes never crashes: truncated or malformed input returns an error naming the type, field and
// offset.

#include <cstddef>
#include <cstdint>
#include <span>

#include "ait/core/error.h"
#include "ait/model/events.h"

namespace ait::model {

inline constexpr std::size_t kFrameHeaderSize = 24;
/// The largest encoding of any event this build writes; a buffer of this size always suffices.
inline constexpr std::size_t kMaxEncodedSize = 333;

/// The fixed-position prefix of every encoded event, readable without decoding the rest.
struct FrameHeader {
  std::uint16_t typeId = 0;
  std::uint16_t version = 0;
  TenantId tenant;
  TimestampNs tsEvent = 0;
  TimestampNs tsRecv = 0;
};

/// Writes the event into out; returns the bytes written, or an error when out is too small
/// (naming the size needed) or a field holds a value the decoder would refuse (an enum outside
/// its values, a scale above 18, a NaN). Never allocates on success.
Expected<std::size_t> encode(const Event& event, std::span<std::byte> out);

/// Returns the number of bytes encode writes for the event.
std::size_t encodedSize(const Event& event) noexcept;

/// Reads one event that fills `bytes` exactly; accepts every schema version up to the current
/// one of its type (fields added later take their defaults). header.sequence is left 0.
Expected<Event> decode(std::span<const std::byte> bytes);

/// Reads the frame header only (type id, version, tenant, timestamps), checking that the type
/// is known and the version supported.
Expected<FrameHeader> peekHeader(std::span<const std::byte> bytes);

/// Returns the largest encoding of one event type, or 0 for an unknown type.
std::size_t maxEncodedSize(EventType type) noexcept;

}  // namespace ait::model
