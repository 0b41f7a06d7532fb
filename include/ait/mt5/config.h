#pragma once
// Settings of the MT5 bridges (the [mt5] section of the platform config).

#include <cstdint>
#include <string>
#include <vector>

#include "ait/core/error.h"

namespace ait::mt5 {

/// One client credential: the token a terminal presents and the tenant it acts for.
struct TenantToken {
  std::string token;
  std::uint32_t tenant = 0;
  /// IANA zone ("Europe/Athens") of zone-less timestamps sent by this tenant's clients; empty:
  /// Mt5Config::client_time_zone.
  std::string time_zone;
};

struct Mt5Config {
  /// Native Expert Advisor protocol.
  bool native_enabled = true;
  std::string native_host = "0.0.0.0";
  std::uint16_t native_port = 8101;  // 0: an ephemeral port (tests)
  std::size_t max_line_bytes = 65536;
  std::int64_t heartbeat_interval_ms = 5000;
  std::int64_t silence_timeout_ms = 15000;
  /// Server messages kept per EA session for resending after a reconnect.
  std::size_t outbound_log_size = 10000;
  /// Bad messages in a row after which a connection is closed as a flood.
  std::uint32_t max_consecutive_errors = 100;
  /// Zone of zone-less timestamps of the compatibility protocol (IANA name).
  std::string client_time_zone = "UTC";
  /// Tenant of compatibility clients that present no token (the unchanged Python bridge); 0:
  /// such clients are refused.
  std::uint32_t compat_default_tenant = 0;
  std::vector<TenantToken> tokens;

  /// Checks every field (zones exist, tokens unique and non-empty) and reports all problems.
  Expected<void> validate() const;
};

}  // namespace ait::mt5
