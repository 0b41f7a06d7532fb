#pragma once
// A string of at most N printable ASCII characters stored inline, so that events holding
// identifiers stay trivially copyable and never allocate on their way through lock-free rings.

#include <compare>
#include <cstdint>
#include <functional>
#include <string_view>

#include <fmt/format.h>

#include "ait/core/error.h"

namespace ait::model {

namespace detail {
/// Returns an error naming `what` and the problem when text is longer than capacity or holds a
/// byte outside printable ASCII (0x20..0x7e).
Expected<void> checkFixedText(std::string_view text, std::size_t capacity, std::string_view what);
}  // namespace detail

template <std::size_t N>
class FixedString {
  static_assert(N > 0 && N <= 255, "the length is stored in one byte");

 public:
  static constexpr std::size_t kCapacity = N;

  constexpr FixedString() noexcept = default;
  /// Builds from a literal, checked at compile time.
  template <std::size_t M>
  consteval explicit FixedString(const char (&text)[M]) {
    static_assert(M - 1 <= N, "literal longer than the capacity");
    for (std::size_t i = 0; i + 1 < M; ++i) {
      if (text[i] < 0x20 || text[i] > 0x7e) throw "literal holds a non-printable character";
      data_[i] = text[i];
    }
    size_ = static_cast<std::uint8_t>(M - 1);
  }

  /// Returns a copy of text, or an error naming `what` when it is too long or not printable ASCII.
  static Expected<FixedString> from(std::string_view text, std::string_view what = "text") {
    if (auto ok = detail::checkFixedText(text, N, what); !ok) return Unexpected(ok.error());
    FixedString out;
    out.assign(text);
    return out;
  }
  /// Returns text cut to N characters with every byte outside printable ASCII replaced by '?';
  /// for free text from venues (reject reasons), where losing the tail beats losing the event.
  static FixedString truncated(std::string_view text) noexcept {
    FixedString out;
    out.assign(text.substr(0, N));
    for (std::size_t i = 0; i < out.size_; ++i) {
      if (out.data_[i] < 0x20 || out.data_[i] > 0x7e) out.data_[i] = '?';
    }
    return out;
  }

  constexpr std::string_view view() const noexcept { return {data_, size_}; }
  constexpr const char* data() const noexcept { return data_; }
  constexpr std::size_t size() const noexcept { return size_; }
  constexpr bool empty() const noexcept { return size_ == 0; }

  // Bytes past size_ are always zero, so member-wise equality is string equality.
  friend constexpr bool operator==(const FixedString&, const FixedString&) noexcept = default;
  friend constexpr std::strong_ordering operator<=>(const FixedString& a,
                                                    const FixedString& b) noexcept {
    return a.view() <=> b.view();
  }

 private:
  constexpr void assign(std::string_view text) noexcept {
    for (std::size_t i = 0; i < text.size(); ++i) data_[i] = text[i];
    size_ = static_cast<std::uint8_t>(text.size());
  }

  char data_[N] = {};
  std::uint8_t size_ = 0;
};

}  // namespace ait::model

template <std::size_t N>
struct std::hash<ait::model::FixedString<N>> {
  std::size_t operator()(const ait::model::FixedString<N>& text) const noexcept {
    return std::hash<std::string_view>{}(text.view());
  }
};

template <std::size_t N>
struct fmt::formatter<ait::model::FixedString<N>> : fmt::formatter<std::string_view> {
  template <class FormatContext>
  auto format(const ait::model::FixedString<N>& text, FormatContext& ctx) const {
    return fmt::formatter<std::string_view>::format(text.view(), ctx);
  }
};
