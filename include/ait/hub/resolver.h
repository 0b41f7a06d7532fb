#pragma once
// Dependency injection: what a service factory receives to get its dependencies.

#include <cstddef>
#include <exception>
#include <functional>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeinfo>

#include "ait/core/error.h"
#include "ait/hub/location.h"
#include "ait/hub/service.h"

namespace ait::hub {

class Hub;

/// Thrown by Resolver::get() and caught by the hub, which turns it into a start-up error naming
/// the service; it never leaves Hub::start().
class ResolveError : public std::exception {
 public:
  explicit ResolveError(Error error) : error_(std::move(error)), what_(error_.describe()) {}
  const Error& error() const noexcept { return error_; }
  const char* what() const noexcept override { return what_.c_str(); }

 private:
  Error error_;
  std::string what_;
};

/// Hands a service factory the dependencies it declared in depends_on: services already built
/// (they are built in dependency order) and shared components. Valid only during the factory
/// call; the references it returns stay valid for the life of the service that receives them,
/// since the hub destroys services in reverse dependency order and components last.
class Resolver {
 public:
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  /// Returns the dependency `name` as a T&. A service is found by dynamic_cast (its concrete
  /// class or any interface it implements); a component only by the exact type it was
  /// registered with. Throws ResolveError when `name` is not in depends_on, has another type,
  /// runs in another process, or is a read-only component asked for as non-const.
  template <class T>
  T& get(std::string_view name) const {
    auto found = find<T>(name);
    if (!found) throw ResolveError(std::move(found.error()));
    return found->get();
  }

  /// Returns the dependency `name` as a T&, or the error get() would throw.
  template <class T>
  Expected<std::reference_wrapper<T>> find(std::string_view name) const {
    auto slot = lookup(name);
    if (!slot) return Unexpected(std::move(slot.error()));
    if (slot->service != nullptr) {
      if constexpr (std::is_polymorphic_v<std::remove_cv_t<T>>) {
        if (auto* typed = dynamic_cast<T*>(slot->service)) return std::ref(*typed);
      }
      return Unexpected(serviceTypeMismatch(name, typeid(T), *slot->service));
    }
    if (*slot->type != typeid(T)) {
      return Unexpected(componentTypeMismatch(name, typeid(T), *slot->type));
    }
    if (slot->readOnly && !std::is_const_v<T>) {
      return Unexpected(readOnlyMismatch(name, typeid(T)));
    }
    return std::ref(*static_cast<T*>(slot->object));
  }

  /// Returns the name of the service being built.
  std::string_view serviceName() const noexcept;
  /// Returns true when the declared dependency `name` is a service in this process or a component.
  bool isLocal(std::string_view name) const;
  /// Returns where the declared dependency `name` runs (a component is local).
  Expected<ServiceLocation> location(std::string_view name) const;
  /// Returns the reporter through which the service being built reports run-time failures.
  FailureReporter failureReporter() const;
  /// Returns the hub, for services that serve health, readiness or discovery.
  const Hub& hub() const noexcept { return *hub_; }

 private:
  friend class Hub;

  struct Slot {
    Service* service = nullptr;  // set for services
    void* object = nullptr;      // set for components
    const std::type_info* type = nullptr;
    bool readOnly = false;
  };

  Resolver(Hub& hub, std::size_t serviceIndex) : hub_(&hub), index_(serviceIndex) {}

  Expected<Slot> lookup(std::string_view name) const;
  Error serviceTypeMismatch(std::string_view name, const std::type_info& wanted,
                           const Service& actual) const;
  Error componentTypeMismatch(std::string_view name, const std::type_info& wanted,
                              const std::type_info& actual) const;
  Error readOnlyMismatch(std::string_view name, const std::type_info& wanted) const;

  Hub* hub_;
  std::size_t index_;
};

}  // namespace ait::hub
