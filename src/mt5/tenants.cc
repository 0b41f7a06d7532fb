#include "ait/mt5/tenants.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <set>
#include <vector>

#include "ait/mt5/errors.h"

namespace ait::mt5 {

Expected<TenantDirectory> TenantDirectory::make(const Mt5Config& config) {
  TenantDirectory directory;
  std::vector<std::string> problems;
  auto defaultZone = ClientZone::make(config.client_time_zone);
  if (defaultZone) {
    directory.defaultZone_ = *defaultZone;
  } else {
    problems.push_back(fmt::format("client_time_zone: {}", defaultZone.error().message()));
  }
  for (std::size_t i = 0; i < config.tokens.size(); ++i) {
    const auto& entry = config.tokens[i];
    ClientIdentity identity{model::TenantId{entry.tenant}, directory.defaultZone_};
    if (entry.token.empty()) problems.push_back(fmt::format("tokens[{}]: token is empty", i));
    if (entry.tenant == 0) {
      problems.push_back(fmt::format("tokens[{}]: tenant must be > 0 (0 is the platform)", i));
    }
    if (!entry.time_zone.empty()) {
      auto zone = ClientZone::make(entry.time_zone);
      if (zone) {
        identity.zone = *zone;
        directory.zoneByTenant_[entry.tenant] = *zone;
      } else {
        problems.push_back(fmt::format("tokens[{}].time_zone: {}", i, zone.error().message()));
      }
    }
    if (!entry.token.empty() && !directory.byToken_.emplace(entry.token, identity).second) {
      problems.push_back(fmt::format("tokens[{}]: token repeats an earlier entry", i));
    }
  }
  if (config.compat_default_tenant != 0) {
    model::TenantId tenant{config.compat_default_tenant};
    directory.anonymous_ = ClientIdentity{tenant, directory.zoneOf(tenant)};
  }
  if (config.max_line_bytes < 1024) problems.push_back("max_line_bytes must be >= 1024");
  if (config.heartbeat_interval_ms <= 0) problems.push_back("heartbeat_interval_ms must be > 0");
  if (config.silence_timeout_ms <= config.heartbeat_interval_ms) {
    problems.push_back("silence_timeout_ms must exceed heartbeat_interval_ms");
  }
  if (config.outbound_log_size == 0) problems.push_back("outbound_log_size must be > 0");
  if (config.max_consecutive_errors == 0) problems.push_back("max_consecutive_errors must be > 0");
  if (!problems.empty()) {
    return fail(errors::kInvalidConfig, fmt::format("{}", fmt::join(problems, "; ")));
  }
  return directory;
}

std::optional<ClientIdentity> TenantDirectory::find(std::string_view token) const {
  auto it = byToken_.find(std::string(token));
  if (it == byToken_.end()) return std::nullopt;
  return it->second;
}

std::optional<ClientIdentity> TenantDirectory::anonymous() const { return anonymous_; }

ClientZone TenantDirectory::zoneOf(model::TenantId tenant) const {
  auto it = zoneByTenant_.find(tenant.value);
  return it == zoneByTenant_.end() ? defaultZone_ : it->second;
}

Expected<void> Mt5Config::validate() const {
  auto directory = TenantDirectory::make(*this);
  if (!directory) return Unexpected(directory.error());
  return {};
}

}  // namespace ait::mt5
