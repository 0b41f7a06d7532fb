#pragma once
// Who a client is: the tenant its token names and the zone its local timestamps are in.

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "ait/core/error.h"
#include "ait/model/ids.h"
#include "ait/mt5/config.h"
#include "ait/mt5/zone.h"

namespace ait::mt5 {

struct ClientIdentity {
  model::TenantId tenant;
  ClientZone zone;
};

class TenantDirectory {
 public:
  /// Builds the directory from the config's tokens; fails naming every problem (an empty or
  /// repeated token, tenant 0, an unknown zone).
  static Expected<TenantDirectory> make(const Mt5Config& config);

  /// Returns the identity of a token, or nullopt when the token is unknown.
  std::optional<ClientIdentity> find(std::string_view token) const;
  /// Returns the identity of a compatibility client without a token, or nullopt when such
  /// clients are refused.
  std::optional<ClientIdentity> anonymous() const;
  /// Returns the zone configured for the tenant's clients.
  ClientZone zoneOf(model::TenantId tenant) const;

 private:
  std::unordered_map<std::string, ClientIdentity> byToken_;
  std::unordered_map<std::uint32_t, ClientZone> zoneByTenant_;
  std::optional<ClientIdentity> anonymous_;
  ClientZone defaultZone_;
};

}  // namespace ait::mt5
