// Engine snapshots: the state a replay would rebuild, as the raw bytes of its trivially copyable
// parts behind a layout fingerprint. A snapshot is only ever read by the build that wrote it
// (a different fingerprint is refused and the journal is replayed in full instead), so the
// layout needs no versioning of its own.
#include <cstring>
#include <type_traits>

#include <fmt/format.h>

#include "ait/trading/engine.h"
#include "ait/trading/errors.h"

namespace ait::trading {

namespace {

constexpr std::uint64_t kMagic = 0x31474E4554494141ULL;  // "AAITENG1"

static_assert(std::is_trivially_copyable_v<oms::Order>);
static_assert(std::is_trivially_copyable_v<portfolio::Position>);
static_assert(std::is_trivially_copyable_v<risk::AccountRisk>);

/// Changes whenever a snapshotted type changes size (the cheap part of a layout check).
constexpr std::uint64_t kLayout = (sizeof(oms::Order) << 40) ^ (sizeof(portfolio::Position) << 20) ^
                                  (sizeof(risk::AccountRisk) << 8) ^ 4;

struct Writer {
  std::vector<std::byte>& out;
  template <class T>
  void put(const T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    const auto* p = reinterpret_cast<const std::byte*>(&value);
    out.insert(out.end(), p, p + sizeof(T));
  }
};

struct Reader {
  std::span<const std::byte> in;
  std::size_t at = 0;
  template <class T>
  bool get(T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    if (in.size() - at < sizeof(T)) return false;
    std::memcpy(&value, in.data() + at, sizeof(T));
    at += sizeof(T);
    return true;
  }
};

}  // namespace

std::vector<std::byte> TradingEngine::snapshot() const {
  std::vector<std::byte> bytes;
  Writer w{bytes};
  w.put(kMagic);
  w.put(kLayout);
  w.put(now_);
  w.put(swapDay_);
  w.put(applied_);
  w.put(venueOrders_);
  w.put(venueTrades_);
  w.put(reconcileTrades_);
  w.put(static_cast<std::uint32_t>(book_.size()));
  for (std::uint32_t i = 0; i < book_.size(); ++i) w.put(book_.at(i));
  w.put(portfolio_.accountCount());
  for (std::uint32_t a = 0; a < portfolio_.accountCount(); ++a) {
    const auto& account = portfolio_.account(a);
    w.put(account.tenant);
    w.put(account.id);
    w.put(account.startingBalance);
    w.put(account.balance);
    w.put(account.realizedPnl);
    w.put(account.commission);
    w.put(account.swap);
    w.put(account.openPositions);
    w.put(account.unconvertedFills);
    w.put(static_cast<std::uint32_t>(account.positions.size()));
    for (const auto& p : account.positions) w.put(p);
    w.put(const_cast<risk::RiskEngine&>(risk_).accountRisk(a));
  }
  return bytes;
}

Expected<void> TradingEngine::restore(std::span<const std::byte> bytes) {
  auto bad = [](std::string why) { return fail(errors::kReplay, "snapshot: " + why); };
  if (book_.size() != 0) return bad("the engine already has orders");
  Reader r{bytes};
  std::uint64_t magic = 0, layout = 0;
  if (!r.get(magic) || magic != kMagic) return bad("not an engine snapshot");
  if (!r.get(layout) || layout != kLayout) return bad("written by a build with another layout");
  TimestampNs now = 0;
  std::int64_t swapDay = 0;
  std::uint64_t applied = 0, venueOrders = 0, venueTrades = 0, reconcileTrades = 0;
  std::uint32_t orders = 0;
  if (!r.get(now) || !r.get(swapDay) || !r.get(applied) || !r.get(venueOrders) ||
      !r.get(venueTrades) || !r.get(reconcileTrades) || !r.get(orders)) {
    return bad("truncated header");
  }
  if (orders > book_.capacity()) {
    return bad(fmt::format("{} orders, more than trading.max_orders ({})", orders, book_.capacity()));
  }
  // Read everything before changing anything: a bad snapshot leaves the engine as it was.
  std::vector<oms::Order> list(orders);
  for (auto& o : list) {
    if (!r.get(o)) return bad("truncated orders");
  }
  std::uint32_t accounts = 0;
  if (!r.get(accounts) || accounts != portfolio_.accountCount()) {
    return bad("another set of accounts than configured");
  }
  struct Saved {
    portfolio::Account account;
    risk::AccountRisk risk;
  };
  std::vector<Saved> saved(accounts);
  for (std::uint32_t a = 0; a < accounts; ++a) {
    auto& s = saved[a];
    std::uint32_t positions = 0;
    if (!r.get(s.account.tenant) || !r.get(s.account.id) || !r.get(s.account.startingBalance) ||
        !r.get(s.account.balance) || !r.get(s.account.realizedPnl) ||
        !r.get(s.account.commission) || !r.get(s.account.swap) ||
        !r.get(s.account.openPositions) || !r.get(s.account.unconvertedFills) ||
        !r.get(positions)) {
      return bad("truncated account");
    }
    const auto& mine = portfolio_.account(a);
    if (s.account.tenant != mine.tenant || s.account.id != mine.id ||
        s.account.startingBalance != mine.startingBalance ||
        positions > mine.positions.capacity()) {
      return bad(fmt::format("account {} differs from the configured one", a));
    }
    s.account.positions.resize(positions);
    for (auto& p : s.account.positions) {
      if (!r.get(p)) return bad("truncated positions");
    }
    if (!r.get(s.risk)) return bad("truncated risk state");
  }
  if (r.at != bytes.size()) return bad("trailing bytes");

  for (const auto& o : list) {
    if (book_.restore(o) < 0) return bad("duplicate order ids");  // cannot happen in a valid one
  }
  for (std::uint32_t a = 0; a < accounts; ++a) {
    auto& account = portfolio_.account(a);
    const auto& s = saved[a].account;
    account.balance = s.balance;
    account.realizedPnl = s.realizedPnl;
    account.commission = s.commission;
    account.swap = s.swap;
    account.openPositions = s.openPositions;
    account.unconvertedFills = s.unconvertedFills;
    account.positions.assign(s.positions.begin(), s.positions.end());  // within the capacity
    risk_.restore(a, saved[a].risk);
  }
  now_ = now;
  swapDay_ = swapDay;
  applied_ = applied;
  venueOrders_ = venueOrders;
  venueTrades_ = venueTrades;
  reconcileTrades_ = reconcileTrades;
  replaying_ = true;  // the journal's tail follows, then finishReplay()
  return {};
}

}  // namespace ait::trading
