#include "ait/journal/crc32c.h"

#include <array>
#include <random>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace ait::journal {
namespace {

std::span<const std::byte> bytes(std::string_view s) {
  return std::as_bytes(std::span(s.data(), s.size()));
}

template <std::size_t N>
std::span<const std::byte> bytes(const std::array<std::uint8_t, N>& a) {
  return std::as_bytes(std::span(a));
}

TEST(Crc32c, MatchesKnownVectors) {
  EXPECT_EQ(crc32c(bytes("123456789")), 0xE3069283u);
  EXPECT_EQ(crc32cPortable(bytes("123456789")), 0xE3069283u);
  EXPECT_EQ(crc32c(bytes("")), 0u);
  EXPECT_EQ(crc32c(bytes("a")), 0xC1D04330u);

  // RFC 3720 (iSCSI) appendix B.4.
  std::array<std::uint8_t, 32> zeros{};
  std::array<std::uint8_t, 32> ones{};
  std::array<std::uint8_t, 32> up{};
  std::array<std::uint8_t, 32> down{};
  for (std::size_t i = 0; i < 32; ++i) {
    ones[i] = 0xFF;
    up[i] = static_cast<std::uint8_t>(i);
    down[i] = static_cast<std::uint8_t>(31 - i);
  }
  for (auto fn : {&crc32c, &crc32cPortable}) {
    EXPECT_EQ(fn(bytes(zeros), 0), 0x8A9136AAu);
    EXPECT_EQ(fn(bytes(ones), 0), 0x62A8AB43u);
    EXPECT_EQ(fn(bytes(up), 0), 0x46DD794Eu);
    EXPECT_EQ(fn(bytes(down), 0), 0x113FDB5Cu);
  }
}

TEST(Crc32c, HardwareAndTableAgreeOnRandomData) {
  if (!crc32cHardwareAvailable()) GTEST_SKIP() << "no SSE4.2 on this CPU";
  std::mt19937_64 rng(42);
  std::vector<std::byte> data(4096);
  for (auto& b : data) b = static_cast<std::byte>(rng());
  for (std::size_t len = 0; len < 300; ++len) {
    for (std::size_t start : {0u, 1u, 3u, 7u}) {
      auto part = std::span<const std::byte>(data).subspan(start, len);
      ASSERT_EQ(crc32cHardware(part), crc32cPortable(part)) << "len " << len << " start " << start;
    }
  }
  EXPECT_EQ(crc32cHardware(data), crc32cPortable(data));
}

TEST(Crc32c, ExtendsIncrementally) {
  auto all = bytes("123456789");
  for (std::size_t cut = 0; cut <= all.size(); ++cut) {
    EXPECT_EQ(crc32c(all.subspan(cut), crc32c(all.first(cut))), 0xE3069283u) << cut;
    EXPECT_EQ(crc32cPortable(all.subspan(cut), crc32cPortable(all.first(cut))), 0xE3069283u);
  }
}

}  // namespace
}  // namespace ait::journal
