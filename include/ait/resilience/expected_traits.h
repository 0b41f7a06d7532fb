#pragma once
// Compile-time helpers for the templates that wrap operations returning ait::Expected<T>.

#include <type_traits>

#include "ait/core/error.h"

namespace ait::resilience {

template <class T>
struct IsExpected : std::false_type {};
template <class T>
struct IsExpected<std::expected<T, Error>> : std::true_type {};

/// True when T is ait::Expected<U> for some U.
template <class T>
inline constexpr bool kIsExpected = IsExpected<std::remove_cvref_t<T>>::value;

}  // namespace ait::resilience
