#include <map>
#include <utility>

#include <gtest/gtest.h>

#include "ait/oms/order_book.h"

namespace ait::oms {
namespace {

using S = OrderStatus;
using T = OrderTrigger;

constexpr std::array<S, kOrderStatusCount> kStatuses{
    S::Initialized, S::Submitted, S::Denied, S::Accepted, S::Rejected, S::PartiallyFilled,
    S::Filled, S::PendingCancel, S::PendingModify, S::Cancelled, S::Expired};
constexpr std::array<T, kOrderTriggerCount> kTriggers{
    T::Submit, T::Deny, T::Accept, T::Reject, T::PartialFill, T::Fill, T::RequestCancel,
    T::Cancel, T::Expire, T::RequestModify, T::Modify, T::RefuseRequest};

// The whole table, written out independently of the implementation: (from, trigger, hasFills)
// -> to. Everything absent must be refused.
std::map<std::tuple<S, T, bool>, S> allowed() {
  std::map<std::tuple<S, T, bool>, S> m;
  for (bool f : {false, true}) {
    S working = f ? S::PartiallyFilled : S::Accepted;
    m[{S::Initialized, T::Submit, f}] = S::Submitted;
    m[{S::Initialized, T::Deny, f}] = S::Denied;
    m[{S::Submitted, T::Accept, f}] = S::Accepted;
    m[{S::Submitted, T::Reject, f}] = S::Rejected;
    for (S from : {S::Accepted, S::PartiallyFilled}) {
      m[{from, T::PartialFill, f}] = S::PartiallyFilled;
      m[{from, T::Fill, f}] = S::Filled;
      m[{from, T::Cancel, f}] = S::Cancelled;
      m[{from, T::Expire, f}] = S::Expired;
      m[{from, T::RequestCancel, f}] = S::PendingCancel;
      m[{from, T::RequestModify, f}] = S::PendingModify;
      m[{from, T::Modify, f}] = from;
    }
    m[{S::PendingCancel, T::Cancel, f}] = S::Cancelled;
    m[{S::PendingCancel, T::Expire, f}] = S::Expired;
    m[{S::PendingCancel, T::Fill, f}] = S::Filled;
    m[{S::PendingCancel, T::PartialFill, f}] = S::PendingCancel;
    m[{S::PendingCancel, T::RefuseRequest, f}] = working;
    m[{S::PendingModify, T::Modify, f}] = working;
    m[{S::PendingModify, T::RefuseRequest, f}] = working;
    m[{S::PendingModify, T::PartialFill, f}] = S::PendingModify;
    m[{S::PendingModify, T::Fill, f}] = S::Filled;
    m[{S::PendingModify, T::Cancel, f}] = S::Cancelled;
    m[{S::PendingModify, T::Expire, f}] = S::Expired;
  }
  return m;
}

TEST(OrderStateMachine, EveryTransitionMatchesTheTableAndTheRestAreRefused) {
  auto table = allowed();
  int refused = 0;
  for (bool f : {false, true}) {
    for (S from : kStatuses) {
      for (T trigger : kTriggers) {
        auto next = nextStatus(from, trigger, f);
        auto it = table.find({from, trigger, f});
        if (it == table.end()) {
          EXPECT_FALSE(next.has_value()) << toString(from) << " + " << toString(trigger);
          ++refused;
        } else {
          ASSERT_TRUE(next.has_value()) << toString(from) << " + " << toString(trigger);
          EXPECT_EQ(*next, it->second) << toString(from) << " + " << toString(trigger);
        }
      }
    }
  }
  EXPECT_GT(refused, 150);
}

TEST(OrderStateMachine, TerminalStatesAcceptNothing) {
  for (S from : {S::Filled, S::Denied, S::Rejected, S::Cancelled, S::Expired}) {
    EXPECT_TRUE(isTerminal(from));
    for (T trigger : kTriggers) EXPECT_FALSE(nextStatus(from, trigger, true).has_value());
  }
}

Order newOrder(std::string_view id, model::TenantId tenant = {1}) {
  Order o;
  o.tenant = tenant;
  o.clientOrderId = *model::ClientOrderId::from(id);
  o.quantity = 100;
  return o;
}

TEST(OrderBook, RepeatedClientOrderIdFindsTheFirstOrder) {
  OrderBook book(8);
  std::int32_t first = book.add(newOrder("A"));
  ASSERT_GE(first, 0);
  EXPECT_EQ(book.add(newOrder("A")), -1);
  EXPECT_EQ(book.find({1}, *model::ClientOrderId::from("A")), first);
  EXPECT_EQ(book.size(), 1U);
}

TEST(OrderBook, SameIdUnderAnotherTenantIsAnotherOrder) {
  OrderBook book(8);
  std::int32_t a = book.add(newOrder("A", {1}));
  std::int32_t b = book.add(newOrder("A", {2}));
  EXPECT_GE(b, 0);
  EXPECT_NE(a, b);
  EXPECT_EQ(book.find({2}, *model::ClientOrderId::from("A")), b);
}

TEST(OrderBook, RefusesOrdersBeyondCapacity) {
  OrderBook book(2);
  EXPECT_GE(book.add(newOrder("A")), 0);
  EXPECT_GE(book.add(newOrder("B")), 0);
  EXPECT_EQ(book.add(newOrder("C")), -1);
  EXPECT_EQ(book.find({1}, *model::ClientOrderId::from("C")), -1);
}

TEST(OrderBook, ImpossibleTransitionIsCountedAndNotApplied) {
  OrderBook book(4);
  auto i = static_cast<std::uint32_t>(book.add(newOrder("A")));
  EXPECT_FALSE(book.transition(i, T::Fill));
  EXPECT_EQ(book.at(i).status, S::Initialized);
  EXPECT_EQ(book.refusedTransitions(), 1U);
  EXPECT_TRUE(book.transition(i, T::Submit));
  EXPECT_TRUE(book.transition(i, T::Accept));
  EXPECT_TRUE(book.transition(i, T::Fill));
  EXPECT_FALSE(book.transition(i, T::Cancel));
  EXPECT_EQ(book.at(i).status, S::Filled);
  EXPECT_EQ(book.refusedTransitions(), 2U);
  EXPECT_EQ(book.appliedTransitions(), 3U);
}

TEST(OrderBook, LiveListDropsTerminalOrders) {
  OrderBook book(4);
  auto a = static_cast<std::uint32_t>(book.add(newOrder("A")));
  auto b = static_cast<std::uint32_t>(book.add(newOrder("B")));
  EXPECT_EQ(book.live().size(), 2U);
  book.transition(a, T::Deny);
  ASSERT_EQ(book.live().size(), 1U);
  EXPECT_EQ(book.live()[0], b);
}

}  // namespace
}  // namespace ait::oms
