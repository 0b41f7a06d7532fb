#pragma once
// Reads the timestamps of a client whose clock may be local: ISO 8601 text without a zone is in
// the client's configured zone, text with a zone (Z, +02:00) means what it says.

#include <string_view>

#include "ait/core/clock.h"
#include "ait/core/error.h"

namespace date {
class time_zone;
}

namespace ait::mt5 {

class ClientZone {
 public:
  /// UTC.
  ClientZone() = default;
  /// Returns the zone with this IANA name ("UTC", "Europe/Athens"), or kInvalidConfig naming it.
  static Expected<ClientZone> make(std::string_view name);

  /// Returns ns since the epoch (UTC) of an ISO 8601 timestamp, reading zone-less text in this
  /// zone (a local time skipped by a DST change maps to the change, a repeated one to its first
  /// occurrence); fails naming the problem.
  Expected<TimestampNs> parse(std::string_view text) const;
  /// Returns the UTC time of a zone-less local time given as ns since the local epoch.
  TimestampNs toUtc(TimestampNs local) const;
  bool isUtc() const noexcept { return zone_ == nullptr; }

 private:
  const date::time_zone* zone_ = nullptr;  // null: UTC
};

/// Returns whether ISO 8601 text names its zone (ends in Z or carries an offset after the time).
bool hasZone(std::string_view text) noexcept;

}  // namespace ait::mt5
