#pragma once
// Identifiers carried by events. Each kind is its own type (a ClientOrderId is not a TradeId)
// holding a FixedString, so events stay trivially copyable.

#include <compare>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "ait/core/error.h"
#include "ait/model/fixed_string.h"

namespace ait::model {

/// The tenant an event belongs to; 0 is the platform itself (system events, shared data).
struct TenantId {
  std::uint32_t value = 0;

  constexpr bool isSystem() const noexcept { return value == 0; }
  friend constexpr auto operator<=>(TenantId, TenantId) noexcept = default;
};

inline constexpr TenantId kSystemTenant{0};

/// A textual identifier of one kind; Tag gives its name for messages and its capacity.
template <class Tag>
class Id {
 public:
  static constexpr std::size_t kCapacity = Tag::kCapacity;
  static constexpr std::string_view kName = Tag::kName;
  using Text = FixedString<kCapacity>;

  constexpr Id() noexcept = default;
  template <std::size_t M>
  consteval explicit Id(const char (&text)[M]) : text_(text) {}
  constexpr explicit Id(const Text& text) noexcept : text_(text) {}

  /// Returns the id, or an error naming the kind when text is too long or not printable ASCII.
  static Expected<Id> from(std::string_view text) {
    auto checked = Text::from(text, Tag::kName);
    if (!checked) return Unexpected(std::move(checked.error()));
    return Id(*checked);
  }
  /// Returns text cut to the capacity with bytes outside printable ASCII replaced by '?'; for
  /// text that must not fail (venue-supplied ids in diagnostics, fixed literals in tools).
  static Id truncated(std::string_view text) noexcept { return Id(Text::truncated(text)); }

  constexpr std::string_view view() const noexcept { return text_.view(); }
  constexpr const Text& text() const noexcept { return text_; }
  constexpr bool empty() const noexcept { return text_.empty(); }
  std::string toString() const { return std::string(view()); }

  friend constexpr bool operator==(const Id&, const Id&) noexcept = default;
  friend constexpr std::strong_ordering operator<=>(const Id& a, const Id& b) noexcept {
    return a.text_ <=> b.text_;
  }

 private:
  Text text_;
};

// Capacities: MT5 symbols and venue names fit 16; order and trade ids from venues (UUIDs with
// prefixes, FIX ClOrdIDs) fit 40; free text (reasons, details) is cut to 80 by the sender.
struct SymbolTag {
  static constexpr std::string_view kName = "symbol";
  static constexpr std::size_t kCapacity = 16;
};
struct VenueTag {
  static constexpr std::string_view kName = "venue";
  static constexpr std::size_t kCapacity = 16;
};
struct AccountIdTag {
  static constexpr std::string_view kName = "account id";
  static constexpr std::size_t kCapacity = 24;
};
struct ClientOrderIdTag {
  static constexpr std::string_view kName = "client order id";
  static constexpr std::size_t kCapacity = 40;
};
struct VenueOrderIdTag {
  static constexpr std::string_view kName = "venue order id";
  static constexpr std::size_t kCapacity = 40;
};
struct TradeIdTag {
  static constexpr std::string_view kName = "trade id";
  static constexpr std::size_t kCapacity = 40;
};
struct PositionIdTag {
  static constexpr std::string_view kName = "position id";
  static constexpr std::size_t kCapacity = 24;
};
struct StrategyIdTag {
  static constexpr std::string_view kName = "strategy id";
  static constexpr std::size_t kCapacity = 24;
};
struct OcoGroupIdTag {
  static constexpr std::string_view kName = "OCO group id";
  static constexpr std::size_t kCapacity = 24;
};
struct CurrencyTag {
  static constexpr std::string_view kName = "currency";
  static constexpr std::size_t kCapacity = 8;
};
struct ServiceNameTag {
  static constexpr std::string_view kName = "service name";
  static constexpr std::size_t kCapacity = 24;
};
struct ReasonCodeTag {
  static constexpr std::string_view kName = "reason code";
  static constexpr std::size_t kCapacity = 16;
};

using Symbol = Id<SymbolTag>;
using Venue = Id<VenueTag>;
using AccountId = Id<AccountIdTag>;
using ClientOrderId = Id<ClientOrderIdTag>;
using VenueOrderId = Id<VenueOrderIdTag>;
using TradeId = Id<TradeIdTag>;
/// The venue's position ticket (MT5 hedging mode has several positions per instrument).
using PositionId = Id<PositionIdTag>;
using StrategyId = Id<StrategyIdTag>;
using OcoGroupId = Id<OcoGroupIdTag>;
/// ISO 4217 code or a coin ("USD", "USDT").
using Currency = Id<CurrencyTag>;
using ServiceName = Id<ServiceNameTag>;
/// A machine-readable reason, typically an ErrorDNA code ("AIT-RSK-0003").
using ReasonCode = Id<ReasonCodeTag>;

inline constexpr std::size_t kTextCapacity = 80;
/// Human-readable free text (reject reasons, details).
using Text = FixedString<kTextCapacity>;

/// An instrument as traded on one venue.
struct InstrumentId {
  Symbol symbol;
  Venue venue;

  /// Parses "SYMBOL@VENUE" (split at the last '@'; without '@' the venue is empty).
  static Expected<InstrumentId> parse(std::string_view text);
  /// Returns "SYMBOL@VENUE", or "SYMBOL" when the venue is empty (and the symbol has no '@').
  std::string toString() const;

  friend constexpr bool operator==(const InstrumentId&, const InstrumentId&) noexcept = default;
  friend constexpr auto operator<=>(const InstrumentId&, const InstrumentId&) noexcept = default;
};

}  // namespace ait::model

template <class Tag>
struct std::hash<ait::model::Id<Tag>> {
  std::size_t operator()(const ait::model::Id<Tag>& id) const noexcept {
    return std::hash<std::string_view>{}(id.view());
  }
};

template <>
struct std::hash<ait::model::InstrumentId> {
  std::size_t operator()(const ait::model::InstrumentId& id) const noexcept {
    std::size_t h = std::hash<std::string_view>{}(id.symbol.view());
    return h ^ (std::hash<std::string_view>{}(id.venue.view()) + 0x9e3779b97f4a7c15ULL + (h << 6) +
                (h >> 2));
  }
};

template <>
struct std::hash<ait::model::TenantId> {
  std::size_t operator()(ait::model::TenantId id) const noexcept {
    return std::hash<std::uint32_t>{}(id.value);
  }
};

template <class Tag>
struct fmt::formatter<ait::model::Id<Tag>> : fmt::formatter<std::string_view> {
  template <class FormatContext>
  auto format(const ait::model::Id<Tag>& id, FormatContext& ctx) const {
    return fmt::formatter<std::string_view>::format(id.view(), ctx);
  }
};

template <>
struct fmt::formatter<ait::model::InstrumentId> : fmt::formatter<std::string_view> {
  template <class FormatContext>
  auto format(const ait::model::InstrumentId& id, FormatContext& ctx) const {
    return fmt::formatter<std::string_view>::format(id.toString(), ctx);
  }
};

template <>
struct fmt::formatter<ait::model::TenantId> : fmt::formatter<std::uint32_t> {
  template <class FormatContext>
  auto format(ait::model::TenantId id, FormatContext& ctx) const {
    return fmt::formatter<std::uint32_t>::format(id.value, ctx);
  }
};
