#pragma once
// Checks every server backend's connection pool passes alike.

#include <string>

#include <gtest/gtest.h>

namespace ait::testing {

/// Expects a pool of max_size 2 to lease two connections and then refuse a third, once its
/// acquire timeout has passed, with an error saying no connection is free.
template <class Pool>
void expectPoolOfTwoRefusesAThird(Pool& pool) {
  auto a = pool.acquire();
  auto b = pool.acquire();
  ASSERT_TRUE(a.has_value());
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(pool.stats().inUse, 2u);
  auto c = pool.acquire();
  ASSERT_FALSE(c.has_value());
  EXPECT_NE(c.error().message().find("no connection free"), std::string::npos) << c.error().message();
}

}  // namespace ait::testing
