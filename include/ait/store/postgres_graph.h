#pragma once
// Graph questions answered in PostgreSQL with recursive queries (the original plan used
// ArangoDB, which Debian does not ship): which strategies, models, instruments and accounts are
// linked, and clusters of instruments whose correlation passes a threshold. Edges are stored
// per tenant; every query takes the TenantId and walks only that tenant's edges.

#include <memory>
#include <string>
#include <vector>

#include "ait/core/error.h"
#include "ait/model/ids.h"
#include "ait/store/postgres_store.h"

namespace ait::store {

/// The kinds of node, a fixed list: "strategy", "model", "instrument", "account".
bool isGraphNodeKind(std::string_view kind) noexcept;

struct GraphNode {
  std::string kind;
  std::string name;
  friend bool operator==(const GraphNode&, const GraphNode&) = default;
};

struct GraphEdge {
  GraphNode from;
  GraphNode to;
  std::string relation;  // "uses", "trades", "correlated", ...
  double weight = 1.0;   // e.g. the correlation coefficient
};

struct LinkedNode {
  GraphNode node;
  int depth = 0;  // hops from the start, fewest
  friend bool operator==(const LinkedNode&, const LinkedNode&) = default;
};

class PostgresGraph {
 public:
  /// Connects and creates the edge table (in a transaction, under an advisory lock).
  static Expected<std::unique_ptr<PostgresGraph>> open(const PostgresSettings& settings);

  /// Adds the edge, or replaces its weight when from, to and relation are already linked.
  Expected<void> link(model::TenantId tenant, const GraphEdge& edge);
  /// Every node reachable from start within maxDepth hops, following edges either way, nearest
  /// first (then by kind and name).
  Expected<std::vector<LinkedNode>> linked(model::TenantId tenant, const GraphNode& start, int maxDepth);
  /// Connected groups of nodes of kind joined by relation edges of |weight| >= minWeight, each
  /// sorted by name, groups ordered by their first name; nodes without such an edge are absent.
  Expected<std::vector<std::vector<std::string>>> clusters(model::TenantId tenant, std::string_view kind,
                                                           std::string_view relation, double minWeight);

 private:
  explicit PostgresGraph(const PostgresSettings& settings);
  PostgresPool pool_;
};

}  // namespace ait::store
