#pragma once
// The simulated venue for paper trading and backtests. Tick data: market orders fill at the touch
// plus slippage, limits when the quote reaches them, stops trigger on the quote then execute as
// market or limit; fills are limited by the quote's size when the feed gives one. Bar data:
// orders fill at the next bar's open (or this bar's close), stops and limits along the bar's
// assumed path open -> low -> high -> close (open -> high -> low -> close for a falling bar).
// OCO groups are native. Fixed storage: no allocation after construction.

#include <cstdint>
#include <vector>

#include "ait/portfolio/catalog.h"
#include "ait/venue/venue.h"

namespace ait::venue {

enum class BarFill : std::uint8_t { NextOpen, ThisClose };

struct SimVenueConfig {
  BarFill barFill = BarFill::NextOpen;
  /// Limit fills to the quote's size when the feed gives one.
  bool limitToQuoteSize = true;
  std::uint32_t maxWorkingOrders = 4096;
};

class SimVenue final : public Venue {
 public:
  SimVenue(const portfolio::Catalog& catalog, ExecutionSink& sink, SimVenueConfig config = {});

  std::string_view name() const noexcept override { return "SIM"; }
  Capabilities capabilities() const noexcept override { return {true, true, true}; }
  void submit(const oms::Order& order) noexcept override;
  void cancel(const oms::Order& order) noexcept override;
  void modify(const oms::Order& order, const Amendment& amendment) noexcept override;
  void onTick(std::uint32_t instrument, const model::Tick& tick) noexcept override;
  void onBar(std::uint32_t instrument, const model::Bar& bar) noexcept override;
  void onTime(TimestampNs now) noexcept override;
  void restore(const oms::Order& order) noexcept override;
  void restoreCounters(std::uint64_t orders, std::uint64_t trades) noexcept override;
  /// Its working orders (it keeps no positions: the engine's portfolio is the only book).
  std::optional<VenueReport> report() const override;

  std::size_t workingCount() const noexcept;

 private:
  struct Working {
    model::TenantId tenant;
    model::ClientOrderId clientOrderId;
    model::VenueOrderId venueOrderId;
    model::AccountId account;
    model::OcoGroupId ocoGroup;
    model::PositionId closesPosition;
    std::uint32_t instrument = 0;
    model::Side side = model::Side::Buy;
    model::OrderType type = model::OrderType::Market;
    model::TimeInForce tif = model::TimeInForce::Gtc;
    std::int64_t quantity = 0;
    std::int64_t leaves = 0;
    std::int64_t price = 0;
    std::int64_t stopPrice = 0;
    TimestampNs expireTime = 0;  // 0: none
    bool triggered = false;
    bool resting = false;  // has waited at least one quote: a limit fill is at its price (maker)
    bool active = false;
  };

  std::int32_t findWorking(model::TenantId tenant, const model::ClientOrderId& id) const noexcept;
  std::int32_t take(const oms::Order& order, bool accepted) noexcept;
  /// Tries to execute one order against the current quote; returns true when it filled.
  bool matchQuote(Working& w, std::int64_t& bidLeft, std::int64_t& askLeft) noexcept;
  void fill(Working& w, std::int64_t quantity, std::int64_t price, model::Liquidity liquidity) noexcept;
  void cancelOcoSiblings(const Working& w) noexcept;
  void close(Working& w) noexcept;
  void expireDue(TimestampNs now) noexcept;
  template <class E>
  E report(const Working& w) const noexcept;

  const portfolio::Catalog& catalog_;
  ExecutionSink& sink_;
  SimVenueConfig config_;
  std::vector<Working> working_;
  std::vector<std::uint8_t> barMode_;  // per instrument: the last data was a bar
  std::uint64_t nextOrderId_ = 1;
  std::uint64_t nextTradeId_ = 1;
  TimestampNs now_ = 0;
};

}  // namespace ait::venue
