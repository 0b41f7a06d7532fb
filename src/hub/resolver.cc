#include "ait/hub/resolver.h"

#include <cxxabi.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

#include <fmt/format.h>

#include "ait/hub/errors.h"
#include "hub/hub_impl.h"

namespace ait::hub {

namespace {

std::string typeName(const std::type_info& type) {
  int status = 0;
  std::unique_ptr<char, decltype(&std::free)> demangled(
      abi::__cxa_demangle(type.name(), nullptr, nullptr, &status), &std::free);
  return status == 0 && demangled ? std::string(demangled.get()) : std::string(type.name());
}

std::string listOrNone(const std::vector<std::string>& names) {
  if (names.empty()) return "none";
  std::string out;
  for (const auto& name : names) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

}  // namespace

std::string_view Resolver::serviceName() const noexcept {
  return hub_->impl_->entries[index_]->spec.name;
}

Expected<Resolver::Slot> Resolver::lookup(std::string_view name) const {
  const auto& s = *hub_->impl_;
  const auto& self = s.entries[index_]->spec;
  if (std::find(self.dependsOn.begin(), self.dependsOn.end(), name) == self.dependsOn.end()) {
    return fail(kUndeclaredDependency,
                fmt::format("service '{}' asked for '{}', which it does not declare in "
                            "depends_on (declared: {})",
                            self.name, name, listOrNone(self.dependsOn)));
  }
  if (const auto* component = s.findComponent(name)) {
    return Slot{nullptr, component->object, component->type, component->readOnly};
  }
  auto index = s.findEntry(name);
  if (!index) {
    return fail(kMissingDependency,
                fmt::format("service '{}' asked for '{}', which is neither a registered service "
                            "nor a component",
                            self.name, name));
  }
  const auto& dependency = *s.entries[*index];
  if (dependency.remote) {
    return fail(kDependencyRemote,
                fmt::format("service '{}' asked for '{}', which runs at {} in another process; "
                            "reach it through the bus or its HTTP API (see Resolver::isLocal)",
                            self.name, name, dependency.location.toString()));
  }
  if (!dependency.instance) {
    return fail(ait::errors::kInternal,
                fmt::format("service '{}' asked for '{}', which is not built yet", self.name,
                            name));
  }
  return Slot{dependency.instance.get(), nullptr, nullptr, false};
}

Error Resolver::serviceTypeMismatch(std::string_view name, const std::type_info& wanted,
                                    const Service& actual) const {
  return Error(kDependencyType,
               fmt::format("service '{}' asked for service '{}' as {}, but it is a {}",
                           serviceName(), name, typeName(wanted), typeName(typeid(actual))));
}

Error Resolver::componentTypeMismatch(std::string_view name, const std::type_info& wanted,
                                      const std::type_info& actual) const {
  return Error(kDependencyType,
               fmt::format("service '{}' asked for component '{}' as {}, but it was registered "
                           "as {}",
                           serviceName(), name, typeName(wanted), typeName(actual)));
}

Error Resolver::readOnlyMismatch(std::string_view name, const std::type_info& wanted) const {
  return Error(kDependencyType,
               fmt::format("service '{}' asked for component '{}' as a mutable {}, but it was "
                           "registered read-only; ask for const {}",
                           serviceName(), name, typeName(wanted), typeName(wanted)));
}

bool Resolver::isLocal(std::string_view name) const {
  auto where = location(name);
  return where && where->isLocal();
}

Expected<ServiceLocation> Resolver::location(std::string_view name) const {
  auto slot = lookup(name);
  if (slot) return ServiceLocation::local();
  if (&slot.error().code() == &kDependencyRemote) {
    const auto& s = *hub_->impl_;
    return s.entries[*s.findEntry(name)]->location;
  }
  return Unexpected(std::move(slot.error()));
}

FailureReporter Resolver::failureReporter() const { return hub_->failureReporter(serviceName()); }

}  // namespace ait::hub
