// Proves that the hot-path operations do not allocate, by counting every operator new in this
// test binary.

#include <array>
#include <cstdlib>
#include <new>

#include <gtest/gtest.h>

#include "ait/model/codec.h"
#include "ait/model/topic.h"
#include "unit/model/samples.h"

namespace {
thread_local std::size_t allocations = 0;
}  // namespace

void* operator new(std::size_t size) {
  ++allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace ait::model {
namespace {

TEST(HotPathAllocation, EncodeDecodeParseAndTopicAllocateNothing) {
  auto samples = test::sampleEvents();
  std::array<std::byte, kMaxEncodedSize> buffer{};
  std::size_t before = allocations;
  std::size_t total = 0;
  for (const Event& event : samples) {
    auto size = encode(event, buffer);
    ASSERT_TRUE(size.has_value());
    auto decoded = decode(std::span(buffer).first(*size));
    ASSERT_TRUE(decoded.has_value());
    total += topicOf(*decoded).size();
  }
  auto price = Price::parse("1.10235", 5);
  auto fromFeed = Price::fromDouble(1.10235, 5);
  auto sum = price->plus(*fromFeed);
  char text[kMaxDecimalChars];
  total += sum->toChars(text);
  EXPECT_EQ(allocations, before);
  EXPECT_GT(total, 0U);
}

}  // namespace
}  // namespace ait::model
