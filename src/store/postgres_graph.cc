#include "ait/store/postgres_graph.h"

#include <array>

#include <fmt/format.h>

#include "ait/store/errors.h"
#include "pg.h"

namespace ait::store {

namespace {

constexpr std::array<std::string_view, 4> kKinds{"strategy", "model", "instrument", "account"};

Expected<void> checkKind(std::string_view kind) {
  if (isGraphNodeKind(kind)) return {};
  return fail(errors::kConfig, fmt::format("graph: node kind '{}' is not one of strategy, model, instrument, account",
                                           kind.substr(0, 32)));
}

std::string number(double value) { return fmt::format("{}", value); }

}  // namespace

bool isGraphNodeKind(std::string_view kind) noexcept {
  for (const auto k : kKinds) {
    if (k == kind) return true;
  }
  return false;
}

PostgresGraph::PostgresGraph(const PostgresSettings& settings) : pool_(pg::makePool(settings)) {}

Expected<std::unique_ptr<PostgresGraph>> PostgresGraph::open(const PostgresSettings& settings) {
  std::unique_ptr<PostgresGraph> graph(new PostgresGraph(settings));
  auto ready = pg::withConnection(graph->pool_, [](pg_conn* conn) -> Expected<void> {
    return pg::inTransaction(conn, [&]() -> Expected<void> {
      if (auto r = pg::run(conn, "SELECT pg_advisory_xact_lock(7461003)"); !r) return Unexpected(r.error());
      if (auto r = pg::runScript(conn, R"sql(
CREATE TABLE IF NOT EXISTS graph_edges (
  tenant BIGINT NOT NULL,
  from_kind TEXT NOT NULL, from_name TEXT NOT NULL,
  relation TEXT NOT NULL,
  to_kind TEXT NOT NULL, to_name TEXT NOT NULL,
  weight FLOAT8 NOT NULL DEFAULT 1,
  PRIMARY KEY (tenant, from_kind, from_name, relation, to_kind, to_name)
);
CREATE INDEX IF NOT EXISTS graph_edges_to ON graph_edges (tenant, to_kind, to_name);
)sql");
          !r) {
        return r;
      }
      return {};
    });
  });
  if (!ready) return Unexpected(ready.error());
  return graph;
}

Expected<void> PostgresGraph::link(model::TenantId tenant, const GraphEdge& edge) {
  if (auto ok = checkKind(edge.from.kind); !ok) return ok;
  if (auto ok = checkKind(edge.to.kind); !ok) return ok;
  if (edge.relation.empty() || edge.from.name.empty() || edge.to.name.empty()) {
    return fail(errors::kConfig, "graph: an edge needs a relation and two named nodes");
  }
  return pg::withConnection(pool_, [&](pg_conn* conn) -> Expected<void> {
    auto r = pg::run(conn,
                     "INSERT INTO graph_edges (tenant, from_kind, from_name, relation, to_kind, to_name, weight) "
                     "VALUES ($1, $2, $3, $4, $5, $6, $7::float8) ON CONFLICT (tenant, from_kind, from_name, relation, "
                     "to_kind, to_name) DO UPDATE SET weight = EXCLUDED.weight",
                     {pg::num(tenant.value), edge.from.kind, edge.from.name, edge.relation, edge.to.kind, edge.to.name,
                      number(edge.weight)});
    if (!r) return Unexpected(r.error());
    return {};
  });
}

Expected<std::vector<LinkedNode>> PostgresGraph::linked(model::TenantId tenant, const GraphNode& start, int maxDepth) {
  if (auto ok = checkKind(start.kind); !ok) return Unexpected(ok.error());
  if (maxDepth < 1 || maxDepth > 16) return fail(errors::kConfig, "graph: the depth must be 1..16");
  // The path holds "kind:name" of every node on the way (kinds hold no ':'), so a walk never
  // comes back to a node and always ends.
  return pg::withConnection(pool_, [&](pg_conn* conn) -> Expected<std::vector<LinkedNode>> {
    auto r = pg::run(conn, R"sql(
WITH RECURSIVE walk(kind, name, depth, path) AS (
  SELECT $2::text, $3::text, 0, ARRAY[$2::text || ':' || $3::text]
  UNION ALL
  SELECT n.kind, n.name, w.depth + 1, w.path || (n.kind || ':' || n.name)
  FROM walk w
  JOIN LATERAL (
    SELECT e.to_kind AS kind, e.to_name AS name FROM graph_edges e
      WHERE e.tenant = $1 AND e.from_kind = w.kind AND e.from_name = w.name
    UNION
    SELECT e.from_kind, e.from_name FROM graph_edges e
      WHERE e.tenant = $1 AND e.to_kind = w.kind AND e.to_name = w.name
  ) n ON true
  WHERE w.depth < $4 AND NOT ((n.kind || ':' || n.name) = ANY(w.path))
)
SELECT kind, name, min(depth) AS depth FROM walk WHERE depth > 0
GROUP BY kind, name ORDER BY depth, kind, name
)sql",
                     {pg::num(tenant.value), start.kind, start.name, pg::num(maxDepth)});
    if (!r) return Unexpected(r.error());
    std::vector<LinkedNode> out;
    for (int row = 0; row < PQntuples(r->get()); ++row) {
      out.push_back({{pg::text(r->get(), row, 0), pg::text(r->get(), row, 1)}, std::stoi(pg::text(r->get(), row, 2))});
    }
    return out;
  });
}

Expected<std::vector<std::vector<std::string>>> PostgresGraph::clusters(model::TenantId tenant, std::string_view kind,
                                                                        std::string_view relation, double minWeight) {
  if (auto ok = checkKind(kind); !ok) return Unexpected(ok.error());
  // Undirected edges over the threshold; reach(root, node) is the closure (UNION drops repeats,
  // so it ends); a node's cluster is named by the smallest name that reaches it.
  return pg::withConnection(pool_, [&](pg_conn* conn) -> Expected<std::vector<std::vector<std::string>>> {
    auto r = pg::run(conn, R"sql(
WITH RECURSIVE e(a, b) AS (
  SELECT from_name, to_name FROM graph_edges
    WHERE tenant = $1 AND relation = $3 AND from_kind = $2 AND to_kind = $2 AND abs(weight) >= $4::float8
  UNION
  SELECT to_name, from_name FROM graph_edges
    WHERE tenant = $1 AND relation = $3 AND from_kind = $2 AND to_kind = $2 AND abs(weight) >= $4::float8
),
reach(root, node) AS (
  SELECT a, a FROM e
  UNION
  SELECT r.root, e.b FROM reach r JOIN e ON e.a = r.node
),
member(node, cluster) AS (SELECT node, min(root) FROM reach GROUP BY node)
SELECT cluster, node FROM member ORDER BY cluster, node
)sql",
                     {pg::num(tenant.value), std::string(kind), std::string(relation), number(minWeight)});
    if (!r) return Unexpected(r.error());
    std::vector<std::vector<std::string>> out;
    std::string current;
    for (int row = 0; row < PQntuples(r->get()); ++row) {
      const auto cluster = pg::text(r->get(), row, 0);
      if (out.empty() || cluster != current) {
        out.emplace_back();
        current = cluster;
      }
      out.back().push_back(pg::text(r->get(), row, 1));
    }
    return out;
  });
}

}  // namespace ait::store
