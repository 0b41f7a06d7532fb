#include "ait/metrics/metrics.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace ait::metrics {
namespace {

TEST(MetricsTest, CounterAndGaugeRenderWithHelpAndType) {
  Registry registry;
  registry.counter("ait_test_events_total", "Events seen.", {{"source", "mt5"}}).inc(3);
  registry.gauge("ait_test_depth", "Queue depth.").set(2.5);
  auto text = registry.render();
  EXPECT_NE(text.find("# HELP ait_test_events_total Events seen.\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE ait_test_events_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("ait_test_events_total{source=\"mt5\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE ait_test_depth gauge\n"), std::string::npos);
  EXPECT_NE(text.find("ait_test_depth 2.5\n"), std::string::npos);
}

TEST(MetricsTest, SameNameAndLabelsReturnSameSeries) {
  Registry registry;
  auto& a = registry.counter("ait_test_x_total", "x", {{"k", "v"}});
  auto& b = registry.counter("ait_test_x_total", "x", {{"k", "v"}});
  auto& c = registry.counter("ait_test_x_total", "x", {{"k", "w"}});
  EXPECT_EQ(&a, &b);
  EXPECT_NE(&a, &c);
}

TEST(MetricsTest, TypeClashIsRefused) {
  Registry registry;
  registry.counter("ait_test_clash", "x");
  EXPECT_THROW(registry.gauge("ait_test_clash", "x"), std::logic_error);
  EXPECT_THROW(registry.counter("bad name", "x"), std::invalid_argument);
}

TEST(MetricsTest, HistogramBucketsAreCumulativeWithSumAndCount) {
  Registry registry;
  auto& h = registry.histogram("ait_test_latency_seconds", "Latency.", {}, {0.001, 0.01, 0.1});
  h.observe(0.0005);
  h.observe(0.005);
  h.observe(0.005);
  h.observe(5.0);
  auto text = registry.render();
  EXPECT_NE(text.find("ait_test_latency_seconds_bucket{le=\"0.001\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("ait_test_latency_seconds_bucket{le=\"0.01\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("ait_test_latency_seconds_bucket{le=\"0.1\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("ait_test_latency_seconds_bucket{le=\"+Inf\"} 4\n"), std::string::npos);
  EXPECT_NE(text.find("ait_test_latency_seconds_count 4\n"), std::string::npos);
  EXPECT_NEAR(h.sum(), 5.0105, 1e-9);
}

TEST(MetricsTest, ObservationOnABoundFallsInThatBucket) {
  Histogram h({1.0, 2.0});
  h.observe(1.0);
  EXPECT_EQ(h.bucketCount(0), 1u);
}

TEST(MetricsTest, LatencyBucketsSpanMicrosecondsToSeconds) {
  auto b = latencyBuckets();
  EXPECT_DOUBLE_EQ(b.front(), 1e-6);
  EXPECT_DOUBLE_EQ(b.back(), 10.0);
  EXPECT_TRUE(std::is_sorted(b.begin(), b.end()));
}

TEST(MetricsTest, LabelValuesAreEscaped) {
  Registry registry;
  registry.counter("ait_test_esc_total", "x", {{"path", "a\"b\\c\nd"}}).inc();
  EXPECT_NE(registry.render().find(R"(ait_test_esc_total{path="a\"b\\c\nd"} 1)"),
            std::string::npos);
}

TEST(MetricsTest, ConcurrentUpdatesAreNotLost) {
  Registry registry;
  auto& c = registry.counter("ait_test_conc_total", "x");
  auto& g = registry.gauge("ait_test_conc_gauge", "x");
  auto& h = registry.histogram("ait_test_conc_seconds", "x");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        c.inc();
        g.add(1.0);
        h.observe(0.001);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.value(), 40000u);
  EXPECT_DOUBLE_EQ(g.value(), 40000.0);
  EXPECT_EQ(h.count(), 40000u);
}

#ifdef AIT_PROMTOOL
TEST(MetricsTest, PromtoolAcceptsTheOutput) {
  Registry registry;
  registry.counter("ait_test_orders_total", "Orders.", {{"tenant", "7"}, {"side", "buy"}}).inc();
  registry.gauge("ait_test_up", "Up.", {{"service", "hub"}}).set(1);
  registry.histogram("ait_test_hop_seconds", "Hop latency.", {{"stage", "risk"}}).observe(2e-6);
  auto path = testing::TempDir() + "/metrics.txt";
  std::ofstream(path) << registry.render();
  auto command = std::string(AIT_PROMTOOL) + " check metrics < " + path;
  EXPECT_EQ(std::system(command.c_str()), 0) << registry.render();
}
#endif

}  // namespace
}  // namespace ait::metrics
