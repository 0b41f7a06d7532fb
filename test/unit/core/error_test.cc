#include "ait/core/error.h"

#include <gtest/gtest.h>

namespace ait {
namespace {

constexpr ErrorCode kDbDown{"AIT-TEST-0001", Category::Database, Severity::High, "db down"};
constexpr ErrorCode kOther{"AIT-TEST-0002", Category::Database, Severity::High, "other"};

Error makeAt(const ErrorCode& code, std::string message,
             std::source_location where = std::source_location::current()) {
  return Error(code, std::move(message), where);
}

TEST(ErrorTest, CarriesCodeCategorySeverityAndMessage) {
  Error e(kDbDown, "connection to 10.0.0.1:5432 refused");
  EXPECT_EQ(e.codeString(), "AIT-TEST-0001");
  EXPECT_EQ(e.category(), Category::Database);
  EXPECT_EQ(e.severity(), Severity::High);
  EXPECT_EQ(e.describe(), "AIT-TEST-0001: connection to 10.0.0.1:5432 refused");
}

TEST(ErrorTest, FingerprintIgnoresNumbersIdsAndQuotedValues) {
  auto where = std::source_location::current();
  auto a = makeAt(kDbDown, "order 12345 for tenant 7 failed at 0x7ffd1234 'EURUSD'", where);
  auto b = makeAt(kDbDown, "order 99 for tenant 812 failed at 0xdeadbeef 'GBPJPY'", where);
  auto c = makeAt(kDbDown, "order 3fa85f64-5717-4562-b3fc-2c963f66afa6 for tenant 1 failed at "
                           "0x1 'X'", where);
  EXPECT_EQ(a.fingerprint(), b.fingerprint());
  EXPECT_EQ(a.fingerprint(), c.fingerprint());
  EXPECT_EQ(a.fingerprint().size(), 16u);
}

TEST(ErrorTest, FingerprintDiffersAcrossCodes) {
  auto where = std::source_location::current();
  EXPECT_NE(makeAt(kDbDown, "timeout", where).fingerprint(),
            makeAt(kOther, "timeout", where).fingerprint());
}

TEST(ErrorTest, FingerprintDiffersAcrossLocations) {
  auto first = makeAt(kDbDown, "timeout");
  auto second = makeAt(kDbDown, "timeout");
  EXPECT_NE(first.fingerprint(), second.fingerprint());
}

TEST(ErrorTest, FingerprintDiffersAcrossWording) {
  auto where = std::source_location::current();
  EXPECT_NE(makeAt(kDbDown, "connection refused", where).fingerprint(),
            makeAt(kDbDown, "connection reset", where).fingerprint());
}

TEST(ErrorTest, NormaliseKeepsWordsAndMasksVariables) {
  EXPECT_EQ(normaliseMessage("connection refused"), "connection refused");
  EXPECT_EQ(normaliseMessage("retry 3 of 5 after 200ms"), "retry # of # after #");
  EXPECT_EQ(normaliseMessage("host 127.0.0.1:8001 down"), "host # down");
  EXPECT_EQ(normaliseMessage("symbol \"EURUSD\" unknown"), "symbol \"*\" unknown");
  EXPECT_EQ(normaliseMessage("postgres: connection refused"), "postgres: connection refused");
  EXPECT_EQ(normaliseMessage("a. b: c:"), "a. b: c:");
}

TEST(ErrorTest, FailBuildsAnUnexpected) {
  auto f = []() -> Expected<int> { return fail(kDbDown, "down"); };
  auto result = f();
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().codeString(), "AIT-TEST-0001");
}

TEST(ErrorTest, NamesOfEnumsAreStable) {
  EXPECT_EQ(toString(Category::Validation), "validation");
  EXPECT_EQ(toString(Severity::Critical), "critical");
  EXPECT_EQ(toString(Recovery::CircuitOpen), "circuit-open");
}

}  // namespace
}  // namespace ait
