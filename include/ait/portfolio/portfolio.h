#pragma once
// Accounts and their positions, in netting or hedging mode, with exact realized and unrealized
// PnL. Quantities and prices are mantissas at the instrument's scales, amounts are mantissas at
// kMoneyScale. A position keeps its exact cost (sum of price x quantity of the open quantity), so
// a position closed in any number of steps realizes exactly its cash flows; the average price is
// derived from the cost for display. Owned by the engine thread; not synchronised.

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "ait/core/error.h"
#include "ait/model/events.h"
#include "ait/portfolio/catalog.h"
#include "ait/portfolio/fixed.h"

namespace ait::portfolio {

/// Netting: one position per instrument, opposite fills reduce it. Hedging (MT5): each opening
/// fill is a position of its own, closed only by fills that name it.
enum class PositionMode : std::uint8_t { Netting = 1, Hedging = 2 };

/// How an amount in an instrument's profit currency becomes account money: through the quote of
/// an FX pair in the catalog (base+quote symbol, e.g. "GBPUSD", whose currency is the quote).
struct FxLink {
  enum class Kind : std::uint8_t {
    Same,      // the profit currency is the account's
    Multiply,  // the pair is PROFIT/ACCOUNT (GBPUSD for GBP into USD)
    Divide,    // the pair is ACCOUNT/PROFIT (USDJPY for JPY into USD)
    Missing,   // no pair in the catalog links the two currencies
  };
  Kind kind = Kind::Same;
  std::uint32_t pair = 0;  // catalog index of the pair
  bool self = false;       // the pair is the instrument itself (USDJPY on a USD account)
};

struct Position {
  model::PositionId id;
  std::uint32_t instrument = 0;
  /// Signed (long > 0), at the instrument's quantity scale.
  std::int64_t quantity = 0;
  /// Signed sum of price x quantity of the open quantity, at price scale + quantity scale.
  std::int64_t cost = 0;
  std::int64_t realizedPnl = 0;  // kMoneyScale, before commission and swap
  std::int64_t commission = 0;   // kMoneyScale, paid while this position lived
  std::int64_t swap = 0;         // kMoneyScale, credited (+) or charged (-)
  /// Realized while no FX rate was known: in the profit currency (kMoneyScale), not in the
  /// balance.
  std::int64_t unconvertedPnl = 0;
  FxLink fx;
  TimestampNs openedAt = 0;
  bool isOpen() const noexcept { return quantity != 0; }
};

struct Account {
  model::TenantId tenant;
  model::AccountId id;
  model::Currency currency;
  PositionMode mode = PositionMode::Netting;
  std::int64_t startingBalance = 0;
  /// Starting balance + realized PnL - commission + swap.
  std::int64_t balance = 0;
  std::int64_t realizedPnl = 0;
  std::int64_t commission = 0;
  std::int64_t swap = 0;
  std::uint32_t openPositions = 0;
  /// Fills whose PnL could not be converted to the account currency (no FX rate yet).
  std::uint32_t unconvertedFills = 0;
  /// The FX link of each catalog instrument, by catalog index (built with the account).
  std::vector<FxLink> fx;
  /// Open positions and closed ones whose slot was not reused yet; capacity fixed at creation.
  std::vector<Position> positions;
};

/// What one fill did to the account.
struct FillResult {
  bool ok = false;  // false: overflow or no free position slot; nothing was changed
  std::int32_t position = -1;
  bool opened = false;  // `position` was opened by this fill
  bool closed = false;  // a position was closed; closedPosition holds its last state
  /// The closed position as it stood when it closed (its slot may now hold the flipped one).
  Position closedPosition;
  std::int64_t realizedDelta = 0;
  /// The fill realized PnL that could not be converted (no FX rate): it is kept on the position
  /// in the profit currency and left out of the balance.
  bool unconverted = false;
};

class Portfolio {
 public:
  explicit Portfolio(const Catalog& catalog, std::uint32_t maxPositionsPerAccount = 256);

  /// Adds an account and returns its index; refuses a duplicate (tenant, id) or a bad balance.
  Expected<std::uint32_t> addAccount(model::TenantId tenant, model::AccountId id,
                                     model::Currency currency, PositionMode mode,
                                     model::Money startingBalance);
  /// Returns the index of the account, or -1.
  std::int32_t findAccount(model::TenantId tenant, const model::AccountId& id) const noexcept;
  Account& account(std::uint32_t index) noexcept { return accounts_[index]; }
  const Account& account(std::uint32_t index) const noexcept { return accounts_[index]; }
  std::uint32_t accountCount() const noexcept { return static_cast<std::uint32_t>(accounts_.size()); }

  /// Applies a fill of `quantity` (> 0) at `price`, with `commission` paid. In netting mode the
  /// instrument's position moves; in hedging mode `closes` names the position to reduce (empty:
  /// open a new one called `opensAs`). Never allocates.
  /// `fxRate` is the price of the account's FX pair for the instrument (fxLink) the realized
  /// PnL converts at; without one, PnL in another currency than the account's stays unconverted.
  /// `commission` is in `commissionCurrency` (empty: the account's). In the instrument's profit
  /// currency it is commissionFor()'s: its ppm part converts at `fxRate` exactly as the PnL does
  /// (without a rate it stays out of the balance, kept with the position's unconverted PnL),
  /// its per-unit part is account money already.
  FillResult applyFill(std::uint32_t account, std::uint32_t instrument, model::Side side,
                       std::int64_t quantity, std::int64_t price, std::int64_t commission,
                       const model::PositionId& closes, const model::PositionId& opensAs,
                       TimestampNs ts, std::optional<model::Price> fxRate = std::nullopt,
                       const model::Currency& commissionCurrency = {}) noexcept;

  /// Returns how the instrument's PnL becomes the account's money.
  FxLink fxLink(std::uint32_t account, std::uint32_t instrument) const noexcept;
  /// Returns the rate of the link now: `own` (a price of the instrument itself) when the pair is
  /// the instrument, else the pair's mid (one decimal more, exact); nullopt when the link is
  /// Same or Missing or the pair has no quote yet.
  std::optional<model::Price> fxRate(const FxLink& link, std::int64_t own) const noexcept;
  /// Converts an amount of the profit currency at `scale` decimals to account money
  /// (kMoneyScale) through the link at `rate` (ignored for Same), rounding half away from zero
  /// once; false on overflow, or when the link needs a rate and has none.
  static bool convert(Int128 amount, int scale, const FxLink& link,
                      const std::optional<model::Price>& rate, std::int64_t& out) noexcept;

  /// Returns the position's PnL if closed at the current quote, in account money (kMoneyScale);
  /// 0 without a quote or without an FX rate (unrealized() tells which).
  std::int64_t unrealizedPnl(const Position& position) const noexcept;
  /// Sets the unrealized PnL in account money; false without a quote or an FX rate.
  bool unrealized(const Position& position, std::int64_t& out) const noexcept;
  /// Returns the number of open positions whose PnL cannot be converted now (no FX rate).
  std::uint32_t unconvertedPositions(std::uint32_t account) const noexcept;
  /// Returns balance + unrealized PnL of every open position.
  std::int64_t equity(std::uint32_t account) const noexcept;
  /// Returns the margin the open positions hold: |cost| x contract size x margin rate, in
  /// account money; INT64_MAX when one of them has no FX rate (no new risk is allowed then).
  std::int64_t marginUsed(std::uint32_t account) const noexcept;
  /// Returns the margin an extra quantity at price would hold, in the instrument's profit
  /// currency.
  std::int64_t marginFor(std::uint32_t instrument, std::int64_t quantity,
                         std::int64_t price) const noexcept;
  /// Returns the same margin in the account's money at the FX pair's mid; INT64_MAX when no
  /// rate is known (an order cannot be valued, so it cannot pass a margin check).
  std::int64_t marginFor(std::uint32_t account, std::uint32_t instrument, std::int64_t quantity,
                         std::int64_t price) const noexcept;
  /// Converts price x quantity of the instrument (at its price + quantity scale; the contract
  /// size is applied here) to account money at the FX pair's mid; false without a rate.
  bool valueInAccount(std::uint32_t account, std::uint32_t instrument, Int128 priceTimesQuantity,
                      std::int64_t& out) const noexcept;
  /// Returns the signed sum of the open positions on the instrument.
  std::int64_t netQuantity(std::uint32_t account, std::uint32_t instrument) const noexcept;
  /// Returns the index of the open position with that id, or -1.
  std::int32_t findPosition(std::uint32_t account, const model::PositionId& id) const noexcept;
  /// Returns the average entry price (cost / quantity rounded to the price scale), 0 when flat.
  model::Price averagePrice(const Position& position) const noexcept;
  /// Charges or credits `days` of swap on every open position; returns the total.
  std::int64_t rollover(std::uint32_t account, std::int64_t days = 1) noexcept;

  const Catalog& catalog() const noexcept { return catalog_; }

 private:
  std::int32_t freeSlot(Account& account) noexcept;
  /// Converts an amount at price scale + quantity scale of the instrument, times its contract
  /// size, to kMoneyScale.
  bool pnlToMoney(std::uint32_t instrument, Int128 amount, std::int64_t& out) const noexcept;
  /// As pnlToMoney, then converted to the account currency of the position's link at `rate`.
  bool pnlToAccount(std::uint32_t instrument, Int128 amount, const FxLink& link,
                    const std::optional<model::Price>& rate, std::int64_t& out) const noexcept;
  FxLink findLink(std::string_view profit, std::string_view account,
                  std::uint32_t instrument) const noexcept;

  const Catalog& catalog_;
  std::uint32_t maxPositions_;
  std::vector<Account> accounts_;
};

/// Returns the commission of a fill (per-unit plus ppm of notional), kMoneyScale: the per-unit
/// part is account money, the ppm part is in the instrument's currency (the simulated venue
/// reports the sum in that currency; applyFill converts the ppm part).
std::int64_t commissionFor(const TradableInstrument& instrument, std::int64_t quantity,
                           std::int64_t price) noexcept;
/// Returns the per-unit part of commissionFor(), account money (kMoneyScale).
std::int64_t perUnitCommission(const TradableInstrument& instrument, std::int64_t quantity) noexcept;

}  // namespace ait::portfolio
