#include "ait/config/config.h"

namespace ait::config {
namespace {

// Service names arrive in both spellings: "trading_engine" from TOML, "trading-engine" from the
// command line (--only) and the docs.
bool sameName(std::string_view configName, std::string_view name) {
  if (configName.size() != name.size()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i] == '-' ? '_' : name[i];
    if (c != configName[i]) return false;
  }
  return true;
}

}  // namespace

std::array<std::pair<std::string_view, const ServiceConfig*>, 6> ServicesConfig::all()
    const noexcept {
  return {{{"api_gateway", &api_gateway},
           {"data_bridge", &data_bridge},
           {"performance_analytics", &performance_analytics},
           {"ai_orchestration", &ai_orchestration},
           {"database_service", &database_service},
           {"trading_engine", &trading_engine}}};
}

const ServiceConfig* ServicesConfig::find(std::string_view name) const noexcept {
  for (const auto& [configName, service] : all()) {
    if (sameName(configName, name)) return service;
  }
  return nullptr;
}

ServiceConfig* ServicesConfig::find(std::string_view name) noexcept {
  return const_cast<ServiceConfig*>(static_cast<const ServicesConfig*>(this)->find(name));
}

const std::string& bindHost(const Config& config, const ServiceConfig& service) noexcept {
  return service.host.empty() ? config.server.host : service.host;
}

}  // namespace ait::config
