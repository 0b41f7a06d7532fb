#include "ait/hub/location.h"

#include <charconv>

#include <fmt/format.h>

#include "ait/hub/errors.h"

namespace ait::hub {

Expected<ServiceLocation> ServiceLocation::parse(std::string_view hostPort) {
  std::string_view host;
  std::string_view port;
  if (hostPort.starts_with('[')) {
    auto close = hostPort.find(']');
    if (close == std::string_view::npos || close + 1 >= hostPort.size() ||
        hostPort[close + 1] != ':') {
      return fail(kInvalidConfig,
                  fmt::format("'{}' is not [ipv6-address]:port", hostPort));
    }
    host = hostPort.substr(1, close - 1);
    port = hostPort.substr(close + 2);
  } else {
    auto colon = hostPort.rfind(':');
    if (colon == std::string_view::npos) {
      return fail(kInvalidConfig, fmt::format("'{}' is not host:port (no port)", hostPort));
    }
    host = hostPort.substr(0, colon);
    port = hostPort.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return fail(kInvalidConfig,
                  fmt::format("'{}' is not host:port (write IPv6 as [address]:port)", hostPort));
    }
  }
  if (host.empty()) {
    return fail(kInvalidConfig, fmt::format("'{}' is not host:port (no host)", hostPort));
  }
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value == 0 ||
      value > 65535) {
    return fail(kInvalidConfig,
                fmt::format("'{}' has no valid port (1-65535) after the host", hostPort));
  }
  return remote(std::string(host), static_cast<std::uint16_t>(value));
}

std::string ServiceLocation::toString() const {
  if (isLocal()) return "local";
  if (host.find(':') != std::string::npos) return fmt::format("[{}]:{}", host, port);
  return fmt::format("{}:{}", host, port);
}

}  // namespace ait::hub
