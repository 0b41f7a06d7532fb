#include "ait/mt5/zone.h"

#include <date/tz.h>
#include <fmt/format.h>

#include <chrono>

#include "ait/model/time.h"
#include "ait/mt5/errors.h"

namespace ait::mt5 {

Expected<ClientZone> ClientZone::make(std::string_view name) {
  ClientZone zone;
  if (name.empty() || name == "UTC" || name == "Etc/UTC") return zone;
  try {
    zone.zone_ = date::locate_zone(name);
  } catch (const std::exception& e) {
    return fail(errors::kInvalidConfig, fmt::format("unknown time zone '{}': {}", name, e.what()));
  }
  return zone;
}

bool hasZone(std::string_view text) noexcept {
  if (text.empty()) return false;
  if (text.back() == 'Z' || text.back() == 'z') return true;
  // The date part "YYYY-MM-DD" has its own '-': an offset sign can only follow the time.
  auto time = text.find_first_of("Tt ");
  if (time == std::string_view::npos) return false;
  return text.find_first_of("+-", time) != std::string_view::npos;
}

TimestampNs ClientZone::toUtc(TimestampNs local) const {
  if (zone_ == nullptr) return local;
  using namespace std::chrono;
  date::local_time<nanoseconds> lt{nanoseconds(local)};
  // With a choice given, a time in a DST gap maps to the change and nothing throws.
  return zone_->to_sys(lt, date::choose::earliest).time_since_epoch().count();
}

Expected<TimestampNs> ClientZone::parse(std::string_view text) const {
  auto parsed = model::parseIso8601(text);
  if (!parsed) return parsed;
  if (hasZone(text)) return parsed;
  return toUtc(*parsed);
}

}  // namespace ait::mt5
