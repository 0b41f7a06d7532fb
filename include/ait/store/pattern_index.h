#pragma once
// Similar-pattern search: the k past market situations nearest to a feature vector (Euclidean
// distance). The original plan used Weaviate, which Debian does not ship; instead:
// - HnswPatternIndex (default): an in-process HNSW graph (Debian's header-only hnswlib),
//   approximate, persisted to one file per tenant in a folder;
// - PostgresPatternIndex (shared between processes): a PostgreSQL table searched exactly, with
//   the `cube` extension's GiST index (KNN by <->) when the server has postgresql-contrib and
//   the vectors have at most 100 dimensions, else by a full scan computing every distance.
// Both keep tenants apart: every call takes the TenantId and sees only that tenant's patterns.

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "ait/core/error.h"
#include "ait/model/ids.h"
#include "ait/store/postgres_store.h"

namespace hnswlib {
template <typename T>
class HierarchicalNSW;
template <typename T>
class SpaceInterface;
}  // namespace hnswlib

namespace ait::store {

struct PatternMatch {
  std::uint64_t id = 0;  // the caller's id of the situation (e.g. a bar's journal sequence)
  double distance = 0.0;
  friend bool operator==(const PatternMatch&, const PatternMatch&) = default;
};

class PatternIndex {
 public:
  virtual ~PatternIndex() = default;
  virtual std::string_view backend() const noexcept = 0;
  /// Adds (or replaces) the pattern id of tenant; its length must be the index's dimension.
  virtual Expected<void> add(model::TenantId tenant, std::uint64_t id, std::span<const float> features) = 0;
  /// Returns up to k patterns of tenant nearest to query, nearest first.
  virtual Expected<std::vector<PatternMatch>> nearest(model::TenantId tenant, std::span<const float> query,
                                                      std::size_t k) = 0;
  /// Patterns stored for tenant.
  virtual Expected<std::size_t> size(model::TenantId tenant) = 0;
};

struct HnswSettings {
  std::size_t dimension = 16;
  std::size_t m = 16;                // graph degree: higher = better recall, more memory
  std::size_t efConstruction = 200;  // build-time search width
  std::size_t efSearch = 64;         // query-time search width (at least k is used)
  std::size_t initialCapacity = 1024;  // per tenant; grows by doubling
};

class HnswPatternIndex final : public PatternIndex {
 public:
  /// An empty index of settings.dimension; fails on a zero dimension.
  static Expected<std::unique_ptr<HnswPatternIndex>> create(const HnswSettings& settings);
  /// Loads every tenant-<n>.hnsw file of folder written by save().
  static Expected<std::unique_ptr<HnswPatternIndex>> load(const std::filesystem::path& folder,
                                                          const HnswSettings& settings);
  ~HnswPatternIndex() override;

  std::string_view backend() const noexcept override { return "hnsw"; }
  Expected<void> add(model::TenantId tenant, std::uint64_t id, std::span<const float> features) override;
  Expected<std::vector<PatternMatch>> nearest(model::TenantId tenant, std::span<const float> query,
                                              std::size_t k) override;
  Expected<std::size_t> size(model::TenantId tenant) override;
  /// Writes one file per tenant into folder (created when missing), each first to a temporary
  /// name and then renamed, so a crash never leaves a torn index.
  Expected<void> save(const std::filesystem::path& folder);

 private:
  struct Graph;
  explicit HnswPatternIndex(const HnswSettings& settings);
  Expected<Graph*> graphOf(model::TenantId tenant, bool create);
  HnswSettings settings_;
  std::unique_ptr<hnswlib::SpaceInterface<float>> space_;
  std::mutex mutex_;
  std::map<std::uint32_t, std::unique_ptr<Graph>> graphs_;
};

class PostgresPatternIndex final : public PatternIndex {
 public:
  /// Connects, creates the table (and the cube index when available) for vectors of dimension.
  static Expected<std::unique_ptr<PostgresPatternIndex>> open(const PostgresSettings& settings,
                                                              std::size_t dimension);
  std::string_view backend() const noexcept override { return "postgresql"; }
  Expected<void> add(model::TenantId tenant, std::uint64_t id, std::span<const float> features) override;
  Expected<std::vector<PatternMatch>> nearest(model::TenantId tenant, std::span<const float> query,
                                              std::size_t k) override;
  Expected<std::size_t> size(model::TenantId tenant) override;
  /// True when searches use the cube GiST index, false when they scan exactly.
  bool usesCube() const noexcept { return cube_; }

 private:
  PostgresPatternIndex(const PostgresSettings& settings, std::size_t dimension);
  PostgresPool pool_;
  std::size_t dimension_;
  bool cube_ = false;
};

}  // namespace ait::store
