// Counts every heap allocation of the process (replaced global operator new) around a
// steady-state publish + dispatch loop; the hot path must not allocate.

#include <atomic>
#include <cstdlib>
#include <new>
#include <thread>

#include <gtest/gtest.h>

#include "ait/bus/bus.h"
#include "bus_test_support.h"

namespace {
std::atomic<bool> gCounting{false};
std::atomic<std::uint64_t> gAllocations{0};

void* countedAlloc(std::size_t size, std::size_t alignment) {
  if (gCounting.load(std::memory_order_relaxed)) gAllocations.fetch_add(1, std::memory_order_relaxed);
  if (size == 0) size = 1;
  void* p = alignment <= alignof(std::max_align_t)
                ? std::malloc(size)
                : std::aligned_alloc(alignment, (size + alignment - 1) / alignment * alignment);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
}  // namespace

void* operator new(std::size_t size) { return countedAlloc(size, 0); }
void* operator new[](std::size_t size) { return countedAlloc(size, 0); }
void* operator new(std::size_t size, std::align_val_t a) {
  return countedAlloc(size, static_cast<std::size_t>(a));
}
void* operator new[](std::size_t size, std::align_val_t a) {
  return countedAlloc(size, static_cast<std::size_t>(a));
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

namespace ait::bus::testing {
namespace {

TEST(BusAllocations, SteadyStatePublishAndDispatchAllocateNothing) {
  constexpr std::uint64_t kWarmup = 2'000;
  constexpr std::uint64_t kEvents = 50'000;
  BusConfig config = smallConfig();
  config.idle_spin_polls = 100;
  config.idle_yield_polls = 10;
  auto bus = makeBus(config, "alloc-test");
  ASSERT_NE(bus, nullptr);
  std::uint64_t handled = 0;
  ASSERT_TRUE(bus->subscribe("md.*", [&](const TestMsg& msg) {
    ++handled;
    if (msg.seq % 16 == 0) (void)bus->publish(makeMsg("signal.follow", 0, msg.seq));
  }));
  ASSERT_TRUE(bus->subscribe("signal.>", [&](const TestMsg&) { ++handled; }));
  auto producer = bus->makeProducer({.name = "feed", .queue_capacity = 256});
  ASSERT_TRUE(producer);
  ASSERT_TRUE(bus->start());

  std::atomic<int> phase{0};
  std::thread publisher([&] {
    auto run = [&](std::uint64_t from, std::uint64_t to) {
      for (std::uint64_t i = from; i < to; ++i) {
        const char* topic = i % 3 == 0 ? "md.EURUSD" : (i % 3 == 1 ? "md.GBPUSD" : "md.USDJPY");
        (void)producer->publish(makeMsg(topic, 0, i));
        if (i % 64 == 0) (void)bus->publish(makeMsg("md.EURUSD", 1, i));  // shared queue
      }
    };
    run(0, kWarmup);
    phase.store(1);
    while (phase.load() != 2) std::this_thread::yield();
    run(kWarmup, kWarmup + kEvents);
    phase.store(3);
  });
  // Every topic is cached and every queue has wrapped during the warm-up.
  while (phase.load() != 1) std::this_thread::yield();
  const auto shared = (kWarmup + 63) / 64;
  while (bus->dispatched() < kWarmup + 2 * shared + (kWarmup + 15) / 16) std::this_thread::yield();

  gAllocations.store(0);
  gCounting.store(true);
  phase.store(2);
  while (phase.load() != 3) std::this_thread::yield();
  const std::uint64_t total = kWarmup + kEvents;
  // Producer events, shared events, and a follow-up for every 16th of the one and every shared one.
  const std::uint64_t expected = total + 2 * ((total + 63) / 64) + (total + 15) / 16;
  while (bus->dispatched() < expected) std::this_thread::yield();
  gCounting.store(false);

  publisher.join();
  ASSERT_TRUE(bus->stop());
  EXPECT_EQ(gAllocations.load(), 0u);
  EXPECT_EQ(bus->dispatched(), expected);
}

}  // namespace
}  // namespace ait::bus::testing
