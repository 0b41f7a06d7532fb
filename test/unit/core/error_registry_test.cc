#include "ait/core/error_registry.h"

#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "ait/metrics/metrics.h"

namespace ait {
namespace {

constexpr ErrorCode kNet{"AIT-TEST-0101", Category::Network, Severity::Medium, "net"};
constexpr ErrorCode kVal{"AIT-TEST-0102", Category::Validation, Severity::Low, "val"};

Error at(const ErrorCode& code, std::string message, std::source_location where) {
  return Error(code, std::move(message), where);
}

TEST(ErrorRegistryTest, CountsSameFaultUnderOneFingerprint) {
  FakeClock clock;
  ErrorRegistry registry(clock);
  auto where = std::source_location::current();
  auto first = registry.record(at(kNet, "peer 10.1.1.1 reset", where));
  clock.advance(std::chrono::seconds(5));
  auto second = registry.record(at(kNet, "peer 10.2.2.2 reset", where));
  ASSERT_EQ(first, second);
  auto records = registry.snapshot();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].count, 2u);
  EXPECT_EQ(records[0].sample, "peer 10.2.2.2 reset");
  EXPECT_EQ(records[0].lastSeen - records[0].firstSeen, 5'000'000'000);
  EXPECT_EQ(records[0].code, "AIT-TEST-0101");
}

TEST(ErrorRegistryTest, RecordsRecoveryAndSuccess) {
  FakeClock clock;
  ErrorRegistry registry(clock);
  auto where = std::source_location::current();
  auto fp = registry.record(at(kNet, "timeout", where), Recovery::Retry, true);
  registry.record(at(kNet, "timeout", where), Recovery::CircuitOpen, false);
  auto r = registry.snapshot().at(0);
  EXPECT_EQ(r.fingerprint, fp);
  EXPECT_EQ(r.lastRecovery, Recovery::CircuitOpen);
  EXPECT_EQ(r.recoveries, 2u);
  EXPECT_EQ(r.recoveriesSucceeded, 1u);
}

TEST(ErrorRegistryTest, BoundedMemoryEvictsLeastRecentlySeen) {
  FakeClock clock;
  ErrorRegistry registry(clock, 2);
  auto w1 = std::source_location::current();
  auto w2 = std::source_location::current();
  auto w3 = std::source_location::current();
  registry.record(at(kNet, "a", w1));
  clock.advance(std::chrono::seconds(1));
  registry.record(at(kNet, "b", w2));
  clock.advance(std::chrono::seconds(1));
  registry.record(at(kNet, "a", w1));  // a is now the most recent
  clock.advance(std::chrono::seconds(1));
  registry.record(at(kNet, "c", w3));
  auto records = registry.snapshot();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(registry.evicted(), 1u);
  for (const auto& r : records) EXPECT_NE(r.sample, "b");
}

TEST(ErrorRegistryTest, JsonListsMostRecentFirstWithCategoryAndSeverity) {
  FakeClock clock;
  ErrorRegistry registry(clock);
  registry.record(Error(kNet, "old"));
  clock.advance(std::chrono::seconds(1));
  registry.record(Error(kVal, "new"));
  auto json = registry.toJson();
  ASSERT_EQ(json["errors"].size(), 2u);
  EXPECT_EQ(json["errors"][0]["code"], "AIT-TEST-0102");
  EXPECT_EQ(json["errors"][0]["category"], "validation");
  EXPECT_EQ(json["errors"][0]["severity"], "low");
  EXPECT_EQ(json["fingerprints"], 2);
}

TEST(ErrorRegistryTest, CountsIntoErrorsTotalMetric) {
  ErrorRegistry registry;
  auto& counter = metrics::Registry::global().counter(
      "ait_errors_total", "", {{"category", "validation"}, {"code", "AIT-TEST-0102"},
                               {"severity", "low"}});
  auto before = counter.value();
  registry.record(Error(kVal, "x"));
  registry.record(Error(kVal, "y"));
  EXPECT_EQ(counter.value(), before + 2);
}

TEST(ErrorRegistryTest, ConcurrentRecordingLosesNoCount) {
  ErrorRegistry registry;
  auto where = std::source_location::current();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) registry.record(at(kNet, "x " + std::to_string(i), where));
    });
  }
  for (auto& t : threads) t.join();
  auto records = registry.snapshot();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].count, 4000u);
}

}  // namespace
}  // namespace ait
