// The in-process HNSW pattern index: recall against brute force, persistence, tenants and bad
// input. Vectors are random but seeded, so every run sees the same data.

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "ait/store/pattern_index.h"

namespace ait::store {
namespace {

constexpr std::size_t kDim = 16;
constexpr model::TenantId kA{1};
constexpr model::TenantId kB{2};

std::vector<std::vector<float>> randomVectors(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<std::vector<float>> out(n, std::vector<float>(kDim));
  for (auto& v : out) {
    for (auto& x : v) x = dist(rng);
  }
  return out;
}

std::vector<std::uint64_t> bruteForce(const std::vector<std::vector<float>>& data, const std::vector<float>& q,
                                      std::size_t k) {
  std::vector<std::pair<double, std::uint64_t>> all;
  for (std::size_t i = 0; i < data.size(); ++i) {
    double d = 0;
    for (std::size_t j = 0; j < kDim; ++j) d += (data[i][j] - q[j]) * (data[i][j] - q[j]);
    all.emplace_back(d, i);
  }
  std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(k), all.end());
  std::vector<std::uint64_t> ids;
  for (std::size_t i = 0; i < k; ++i) ids.push_back(all[i].second);
  return ids;
}

double recall(HnswPatternIndex& index, const std::vector<std::vector<float>>& data,
              const std::vector<std::vector<float>>& queries, std::size_t k) {
  std::size_t hits = 0;
  for (const auto& q : queries) {
    const auto truth = bruteForce(data, q, k);
    const std::set<std::uint64_t> expected(truth.begin(), truth.end());
    const auto found = index.nearest(kA, q, k).value();
    for (const auto& m : found) hits += expected.count(m.id);
  }
  return static_cast<double>(hits) / static_cast<double>(queries.size() * k);
}

TEST(HnswPatternIndexTest, FindsTheNearestPatternsWithHighRecallAndExactDistances) {
  // Starts small so the index has to grow while patterns arrive.
  auto index = HnswPatternIndex::create({.dimension = kDim, .initialCapacity = 64}).value();
  const auto data = randomVectors(5000, 7);
  for (std::size_t i = 0; i < data.size(); ++i) ASSERT_TRUE(index->add(kA, i, data[i]).has_value());
  EXPECT_EQ(index->size(kA).value(), 5000u);
  const auto queries = randomVectors(100, 8);
  EXPECT_GE(recall(*index, data, queries, 10), 0.95);

  // A stored pattern is its own nearest neighbour at distance 0; distances ascend.
  auto self = index->nearest(kA, data[42], 5).value();
  ASSERT_EQ(self.size(), 5u);
  EXPECT_EQ(self[0].id, 42u);
  EXPECT_NEAR(self[0].distance, 0.0, 1e-6);
  for (std::size_t i = 1; i < self.size(); ++i) EXPECT_LE(self[i - 1].distance, self[i].distance);
  double d = 0;
  for (std::size_t j = 0; j < kDim; ++j) d += (data[self[1].id][j] - data[42][j]) * (data[self[1].id][j] - data[42][j]);
  EXPECT_NEAR(self[1].distance, std::sqrt(d), 1e-4) << "distances are Euclidean, not squared";
}

TEST(HnswPatternIndexTest, SavedAndLoadedItAnswersTheSame) {
  const auto dir = std::filesystem::temp_directory_path() / fmt::format("ait-hnsw-{}", ::getpid());
  std::filesystem::remove_all(dir);
  auto index = HnswPatternIndex::create({.dimension = kDim}).value();
  const auto data = randomVectors(500, 3);
  for (std::size_t i = 0; i < data.size(); ++i) ASSERT_TRUE(index->add(i % 2 == 0 ? kA : kB, i, data[i]).has_value());
  ASSERT_TRUE(index->save(dir).has_value());
  EXPECT_TRUE(std::filesystem::exists(dir / "tenant-1.hnsw"));
  EXPECT_TRUE(std::filesystem::exists(dir / "tenant-2.hnsw"));

  auto loaded = HnswPatternIndex::load(dir, {.dimension = kDim});
  ASSERT_TRUE(loaded.has_value()) << loaded.error().describe();
  EXPECT_EQ((*loaded)->size(kA).value(), 250u);
  EXPECT_EQ((*loaded)->size(kB).value(), 250u);
  for (const auto& q : randomVectors(20, 4)) {
    EXPECT_EQ((*loaded)->nearest(kA, q, 5).value(), index->nearest(kA, q, 5).value());
  }
  // Loaded, it keeps learning.
  ASSERT_TRUE((*loaded)->add(kA, 9999, data[0]).has_value());
  EXPECT_EQ((*loaded)->size(kA).value(), 251u);

  auto wrongDim = HnswPatternIndex::load(dir, {.dimension = kDim + 1});
  ASSERT_FALSE(wrongDim.has_value());
  EXPECT_NE(wrongDim.error().message().find("dimension"), std::string::npos) << wrongDim.error().message();
  std::filesystem::remove_all(dir);
}

TEST(HnswPatternIndexTest, TenantsAreApartAndBadInputIsRefused) {
  auto index = HnswPatternIndex::create({.dimension = kDim}).value();
  const auto data = randomVectors(10, 5);
  for (std::size_t i = 0; i < data.size(); ++i) ASSERT_TRUE(index->add(kA, i, data[i]).has_value());
  EXPECT_TRUE(index->nearest(kB, data[0], 3).value().empty()) << "tenant 2 sees none of tenant 1's patterns";
  EXPECT_EQ(index->size(kB).value(), 0u);

  const std::vector<float> shorter(kDim - 1, 0.0f);
  auto r = index->add(kA, 100, shorter);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code().code, std::string_view("AIT-STORE-0004"));
  EXPECT_FALSE(index->nearest(kA, shorter, 3).has_value());
  std::vector<float> nan(kDim, 0.0f);
  nan[3] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_FALSE(index->add(kA, 101, nan).has_value());
  EXPECT_FALSE(HnswPatternIndex::create({.dimension = 0}).has_value());

  const auto dir = std::filesystem::temp_directory_path() / fmt::format("ait-hnsw-bad-{}", ::getpid());
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "tenant-1.hnsw") << "not an index";
  EXPECT_FALSE(HnswPatternIndex::load(dir, {.dimension = kDim}).has_value()) << "a torn file is an error, not a crash";
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ait::store
