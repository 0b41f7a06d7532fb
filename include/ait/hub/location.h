#pragma once
// Where a service runs: in this process, or in another one reachable at host:port.

#include <cstdint>
#include <string>
#include <string_view>

#include "ait/core/error.h"

namespace ait::hub {

struct ServiceLocation {
  enum class Kind { Local, Remote };

  Kind kind = Kind::Local;
  std::string host;        // empty when local
  std::uint16_t port = 0;  // 0 when local

  static ServiceLocation local() { return {}; }
  static ServiceLocation remote(std::string host, std::uint16_t port) {
    return {Kind::Remote, std::move(host), port};
  }
  /// Parses "host:port" ("[::1]:8003" for IPv6); returns an error naming what is wrong.
  static Expected<ServiceLocation> parse(std::string_view hostPort);

  bool isLocal() const noexcept { return kind == Kind::Local; }
  /// Returns "local" or "host:port".
  std::string toString() const;

  bool operator==(const ServiceLocation&) const = default;
};

}  // namespace ait::hub
