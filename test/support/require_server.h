#pragma once
// Tests that need a real server (postgres, clickhouse-server, redis-server, nats-server,
// python3-websockets) skip when it is not installed, so a developer without one can still run the
// suite. CI sets AIT_REQUIRE_SERVERS=1: there a missing server fails the test instead, so the
// suite cannot pass green without having exercised them.

#include <cstdlib>
#include <cstring>

#include <gtest/gtest.h>

namespace ait::testing {

/// Returns true when AIT_REQUIRE_SERVERS=1 is set: missing servers fail instead of skip.
inline bool serversRequired() {
  const char* value = std::getenv("AIT_REQUIRE_SERVERS");
  return value != nullptr && std::strcmp(value, "1") == 0;
}

}  // namespace ait::testing

// Use in place of GTEST_SKIP() where a server or interpreter is missing; streams like it:
//   if (findRedisServer().empty()) AIT_SKIP_UNLESS_SERVERS_REQUIRED() << "redis-server is missing";
// Skips normally, records a fatal failure (and returns) under AIT_REQUIRE_SERVERS=1.
#define AIT_SKIP_UNLESS_SERVERS_REQUIRED()                                                      \
  return GTEST_MESSAGE_AT_(__FILE__, __LINE__,                                                  \
                           ::ait::testing::serversRequired()                                    \
                               ? "AIT_REQUIRE_SERVERS=1 and a required server is missing: "     \
                               : "",                                                            \
                           ::ait::testing::serversRequired()                                    \
                               ? ::testing::TestPartResult::kFatalFailure                       \
                               : ::testing::TestPartResult::kSkip)
