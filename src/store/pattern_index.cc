#include "ait/store/pattern_index.h"

#include <hnswlib/hnswlib.h>

#include <algorithm>
#include <cmath>
#include <array>
#include <cstdio>
#include <fstream>

#include <fmt/format.h>

#include "ait/store/errors.h"
#include "pg.h"

namespace ait::store {

namespace {

Unexpected wrongDimension(std::size_t got, std::size_t want) {
  return fail(errors::kConfig, fmt::format("a feature vector has {} values, the index {}", got, want));
}

bool finite(std::span<const float> values) {
  return std::all_of(values.begin(), values.end(), [](float v) { return std::isfinite(v); });
}

std::filesystem::path fileOf(const std::filesystem::path& folder, std::uint32_t tenant) {
  return folder / fmt::format("tenant-{}.hnsw", tenant);
}

// hnswlib trusts the files it loads: check the header (and the vector size it implies) before
// handing a file over, so a torn or foreign file is an error rather than a wild allocation.
Expected<void> checkHeader(const std::filesystem::path& path, std::size_t dimension) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return fail(errors::kBackend, fmt::format("hnsw: cannot open {}", path.string()));
  const auto fileSize = static_cast<std::uint64_t>(in.tellg());
  in.seekg(0);
  // saveIndex writes: offsetLevel0, max_elements, count, bytes per element, label offset,
  // data offset (size_t each), max level (int), entry point (uint), maxM, maxM0, M (size_t),
  // mult (double), ef_construction (size_t).
  std::array<std::uint64_t, 6> sizes{};
  std::int32_t maxLevel = 0;
  std::uint32_t enterPoint = 0;
  std::array<std::uint64_t, 3> degrees{};
  for (auto& v : sizes) in.read(reinterpret_cast<char*>(&v), sizeof v);
  in.read(reinterpret_cast<char*>(&maxLevel), sizeof maxLevel);
  in.read(reinterpret_cast<char*>(&enterPoint), sizeof enterPoint);
  for (auto& v : degrees) in.read(reinterpret_cast<char*>(&v), sizeof v);
  struct {
    std::uint64_t maxElements, count, bytesPerElement, maxM0;
  } h{sizes[1], sizes[2], sizes[3], degrees[1]};
  constexpr std::uint64_t kHeader = 6 * 8 + 4 + 4 + 3 * 8 + 8 + 8;
  const auto bad = [&](std::string_view why) {
    return fail(errors::kBackend, fmt::format("hnsw: {} is not a usable index: {}", path.string(), why));
  };
  if (!in || fileSize < kHeader) return bad("shorter than its header");
  if (h.maxM0 == 0 || h.maxM0 > 100'000 || h.count > h.maxElements) return bad("its header is inconsistent");
  const std::uint64_t vectorBytes = h.bytesPerElement - (h.maxM0 * 4 + 4) - sizeof(hnswlib::labeltype);
  if (h.bytesPerElement <= h.maxM0 * 4 + 4 + sizeof(hnswlib::labeltype) || vectorBytes != dimension * sizeof(float)) {
    return bad(fmt::format("it holds vectors of another dimension than {}", dimension));
  }
  if (h.count > (fileSize - kHeader) / h.bytesPerElement) return bad("shorter than the patterns it counts");
  return {};
}

}  // namespace

// ---- in process: hnswlib ----

struct HnswPatternIndex::Graph {
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> index;
};

HnswPatternIndex::HnswPatternIndex(const HnswSettings& settings)
    : settings_(settings), space_(std::make_unique<hnswlib::L2Space>(settings.dimension)) {}
HnswPatternIndex::~HnswPatternIndex() = default;

Expected<std::unique_ptr<HnswPatternIndex>> HnswPatternIndex::create(const HnswSettings& settings) {
  if (settings.dimension == 0 || settings.m < 2 || settings.initialCapacity == 0) {
    return fail(errors::kConfig, fmt::format("hnsw: dimension ({}) and capacity must be positive, m ({}) at least 2",
                                             settings.dimension, settings.m));
  }
  return std::unique_ptr<HnswPatternIndex>(new HnswPatternIndex(settings));
}

Expected<std::unique_ptr<HnswPatternIndex>> HnswPatternIndex::load(const std::filesystem::path& folder,
                                                                   const HnswSettings& settings) {
  auto index = create(settings);
  if (!index) return index;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(folder, ec)) {
    const auto name = entry.path().filename().string();
    std::uint32_t tenant = 0;
    if (std::sscanf(name.c_str(), "tenant-%u.hnsw", &tenant) != 1 || name != fmt::format("tenant-{}.hnsw", tenant)) {
      continue;
    }
    // hnswlib checks little of a file it loads: check the dimension it was written with first.
    if (auto ok = checkHeader(entry.path(), settings.dimension); !ok) return Unexpected(ok.error());
    auto graph = std::make_unique<Graph>();
    try {
      graph->index = std::make_unique<hnswlib::HierarchicalNSW<float>>((*index)->space_.get(), entry.path().string());
    } catch (const std::exception& e) {
      return fail(errors::kBackend, fmt::format("hnsw: cannot load {}: {}", entry.path().string(), e.what()));
    }
    graph->index->setEf(settings.efSearch);
    (*index)->graphs_[tenant] = std::move(graph);
  }
  if (ec) return fail(errors::kBackend, fmt::format("hnsw: cannot read {}: {}", folder.string(), ec.message()));
  return index;
}

Expected<HnswPatternIndex::Graph*> HnswPatternIndex::graphOf(model::TenantId tenant, bool create) {
  auto it = graphs_.find(tenant.value);
  if (it != graphs_.end()) return it->second.get();
  if (!create) return static_cast<Graph*>(nullptr);
  auto graph = std::make_unique<Graph>();
  graph->index = std::make_unique<hnswlib::HierarchicalNSW<float>>(space_.get(), settings_.initialCapacity,
                                                                    settings_.m, settings_.efConstruction);
  graph->index->setEf(settings_.efSearch);
  return (graphs_[tenant.value] = std::move(graph)).get();
}

Expected<void> HnswPatternIndex::add(model::TenantId tenant, std::uint64_t id, std::span<const float> features) {
  if (features.size() != settings_.dimension) return wrongDimension(features.size(), settings_.dimension);
  if (!finite(features)) return fail(errors::kConfig, "a feature vector holds NaN or infinity");
  std::lock_guard lock(mutex_);
  auto graph = graphOf(tenant, true);
  if (!graph) return Unexpected(graph.error());
  auto& index = *(*graph)->index;
  try {
    if (index.cur_element_count >= index.max_elements_) index.resizeIndex(index.max_elements_ * 2);
    index.addPoint(features.data(), static_cast<hnswlib::labeltype>(id));
  } catch (const std::exception& e) {
    return fail(errors::kBackend, fmt::format("hnsw: cannot add pattern {}: {}", id, e.what()));
  }
  return {};
}

Expected<std::vector<PatternMatch>> HnswPatternIndex::nearest(model::TenantId tenant, std::span<const float> query,
                                                              std::size_t k) {
  if (query.size() != settings_.dimension) return wrongDimension(query.size(), settings_.dimension);
  std::lock_guard lock(mutex_);
  auto graph = graphOf(tenant, false);
  if (!graph) return Unexpected(graph.error());
  std::vector<PatternMatch> out;
  if (*graph == nullptr || k == 0) return out;
  auto& index = *(*graph)->index;
  index.setEf(std::max(settings_.efSearch, k));
  auto found = index.searchKnn(query.data(), k);
  while (!found.empty()) {  // a max-heap: farthest first
    out.push_back({static_cast<std::uint64_t>(found.top().second), std::sqrt(static_cast<double>(found.top().first))});
    found.pop();
  }
  std::reverse(out.begin(), out.end());
  return out;
}

Expected<std::size_t> HnswPatternIndex::size(model::TenantId tenant) {
  std::lock_guard lock(mutex_);
  auto it = graphs_.find(tenant.value);
  return it == graphs_.end() ? std::size_t{0} : static_cast<std::size_t>(it->second->index->cur_element_count);
}

Expected<void> HnswPatternIndex::save(const std::filesystem::path& folder) {
  std::lock_guard lock(mutex_);
  std::error_code ec;
  std::filesystem::create_directories(folder, ec);
  if (ec) return fail(errors::kBackend, fmt::format("hnsw: cannot create {}: {}", folder.string(), ec.message()));
  for (const auto& [tenant, graph] : graphs_) {
    const auto target = fileOf(folder, tenant);
    const auto temporary = target.string() + ".tmp";
    try {
      graph->index->saveIndex(temporary);
    } catch (const std::exception& e) {
      return fail(errors::kBackend, fmt::format("hnsw: cannot write {}: {}", temporary, e.what()));
    }
    std::filesystem::rename(temporary, target, ec);
    if (ec) return fail(errors::kBackend, fmt::format("hnsw: cannot rename to {}: {}", target.string(), ec.message()));
  }
  return {};
}

// ---- PostgreSQL: exact, with cube when available ----

namespace {

// Each float as the shortest text of its exact double value, so PostgreSQL's float8 holds the
// very number the caller gave.
std::string arrayLiteral(std::span<const float> values) {
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    out += fmt::format("{}{}", i == 0 ? "" : ",", static_cast<double>(values[i]));
  }
  return out + "}";
}

}  // namespace

PostgresPatternIndex::PostgresPatternIndex(const PostgresSettings& settings, std::size_t dimension)
    : pool_(pg::makePool(settings)), dimension_(dimension) {}

Expected<std::unique_ptr<PostgresPatternIndex>> PostgresPatternIndex::open(const PostgresSettings& settings,
                                                                           std::size_t dimension) {
  if (dimension == 0) return fail(errors::kConfig, "pattern index: the dimension must be positive");
  std::unique_ptr<PostgresPatternIndex> index(new PostgresPatternIndex(settings, dimension));
  auto ready = pg::withConnection(index->pool_, [&](pg_conn* conn) -> Expected<bool> {
    bool cube = false;
    auto created = pg::inTransaction(conn, [&]() -> Expected<void> {
      if (auto r = pg::run(conn, "SELECT pg_advisory_xact_lock(7461002)"); !r) return Unexpected(r.error());
      if (auto r = pg::run(conn, "CREATE TABLE IF NOT EXISTS patterns (tenant BIGINT NOT NULL, id BIGINT NOT NULL, "
                                 "features FLOAT8[] NOT NULL, PRIMARY KEY (tenant, id))");
          !r) {
        return Unexpected(r.error());
      }
      return {};
    });
    if (!created) return Unexpected(created.error());
    // cube (postgresql-contrib) holds at most 100 dimensions; without it, or beyond, searches
    // scan exactly. Its absence or a missing privilege is not an error.
    if (dimension <= 100) {
      auto available = pg::run(conn, "SELECT 1 FROM pg_available_extensions WHERE name = 'cube'");
      if (available && PQntuples(available->get()) == 1) {
        cube = pg::inTransaction(conn, [&]() -> Expected<void> {
                 if (auto r = pg::run(conn, "SELECT pg_advisory_xact_lock(7461002)"); !r) return Unexpected(r.error());
                 for (const char* sql : {"CREATE EXTENSION IF NOT EXISTS cube",
                                         "ALTER TABLE patterns ADD COLUMN IF NOT EXISTS point cube",
                                         "CREATE INDEX IF NOT EXISTS patterns_point ON patterns USING gist (point)"}) {
                   if (auto r = pg::run(conn, sql); !r) return Unexpected(r.error());
                 }
                 return {};
               }).has_value();
      }
    }
    return cube;
  });
  if (!ready) return Unexpected(ready.error());
  index->cube_ = *ready;
  return index;
}

Expected<void> PostgresPatternIndex::add(model::TenantId tenant, std::uint64_t id, std::span<const float> features) {
  if (features.size() != dimension_) return wrongDimension(features.size(), dimension_);
  if (!finite(features)) return fail(errors::kConfig, "a feature vector holds NaN or infinity");
  const auto array = arrayLiteral(features);
  return pg::withConnection(pool_, [&](pg_conn* conn) -> Expected<void> {
    auto r = cube_ ? pg::run(conn,
                             "INSERT INTO patterns (tenant, id, features, point) VALUES ($1, $2, $3::float8[], "
                             "cube($3::float8[])) ON CONFLICT (tenant, id) DO UPDATE SET features = EXCLUDED.features, "
                             "point = EXCLUDED.point",
                             {pg::num(tenant.value), pg::num(static_cast<std::int64_t>(id)), array})
                   : pg::run(conn,
                             "INSERT INTO patterns (tenant, id, features) VALUES ($1, $2, $3::float8[]) "
                             "ON CONFLICT (tenant, id) DO UPDATE SET features = EXCLUDED.features",
                             {pg::num(tenant.value), pg::num(static_cast<std::int64_t>(id)), array});
    if (!r) return Unexpected(r.error());
    return {};
  });
}

Expected<std::vector<PatternMatch>> PostgresPatternIndex::nearest(model::TenantId tenant, std::span<const float> query,
                                                                  std::size_t k) {
  if (query.size() != dimension_) return wrongDimension(query.size(), dimension_);
  if (!finite(query)) return fail(errors::kConfig, "a query vector holds NaN or infinity");
  const auto array = arrayLiteral(query);
  return pg::withConnection(pool_, [&](pg_conn* conn) -> Expected<std::vector<PatternMatch>> {
    auto r = cube_ ? pg::run(conn,
                             "SELECT id, point <-> cube($2::float8[]) AS d FROM patterns WHERE tenant = $1 "
                             "ORDER BY point <-> cube($2::float8[]), id LIMIT $3",
                             {pg::num(tenant.value), array, pg::num(static_cast<std::int64_t>(k))})
                   : pg::run(conn,
                             "SELECT id, sqrt((SELECT sum((a - b) * (a - b)) FROM unnest(features, $2::float8[]) "
                             "AS t(a, b))) AS d FROM patterns WHERE tenant = $1 ORDER BY d, id LIMIT $3",
                             {pg::num(tenant.value), array, pg::num(static_cast<std::int64_t>(k))});
    if (!r) return Unexpected(r.error());
    std::vector<PatternMatch> out;
    for (int row = 0; row < PQntuples(r->get()); ++row) {
      out.push_back({std::stoull(pg::text(r->get(), row, 0)), std::stod(pg::text(r->get(), row, 1))});
    }
    return out;
  });
}

Expected<std::size_t> PostgresPatternIndex::size(model::TenantId tenant) {
  return pg::withConnection(pool_, [&](pg_conn* conn) -> Expected<std::size_t> {
    auto r = pg::run(conn, "SELECT count(*) FROM patterns WHERE tenant = $1", {pg::num(tenant.value)});
    if (!r) return Unexpected(r.error());
    return static_cast<std::size_t>(std::stoull(pg::text(r->get(), 0, 0)));
  });
}

}  // namespace ait::store
