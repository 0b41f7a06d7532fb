#pragma once
// libpq helpers shared by the PostgreSQL stores: one pooled connection type, statements with
// bound text parameters only, scripts for migrations, and transactions.

#include <libpq-fe.h>

#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "ait/store/postgres_store.h"

namespace ait::store {

class PgConnection {
 public:
  explicit PgConnection(pg_conn* conn) : conn_(conn) {}
  ~PgConnection() { PQfinish(conn_); }
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;
  pg_conn* get() const noexcept { return conn_; }

 private:
  pg_conn* conn_;
};

namespace pg {

struct ResultDeleter {
  void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

/// Runs sql with text parameters (NULL for nullopt); fails with the server's message.
Expected<Result> run(pg_conn* conn, std::string_view sql, std::span<const std::optional<std::string>> params);
inline Expected<Result> run(pg_conn* conn, std::string_view sql,
                            std::initializer_list<std::optional<std::string>> params = {}) {
  return run(conn, sql, std::span(params.begin(), params.size()));
}
/// Runs a migration script (several statements, no parameters: PQexecParams takes only one).
Expected<void> runScript(pg_conn* conn, std::string_view sql);
/// Runs body between BEGIN and COMMIT, rolling back when it fails.
Expected<void> inTransaction(pg_conn* conn, const std::function<Expected<void>()>& body);
/// The text of a cell, "" for NULL.
std::string text(const PGresult* r, int row, int col);
inline std::optional<std::string> num(std::int64_t v) { return std::to_string(v); }
/// Opens a connection with the settings' connect timeout.
Expected<std::shared_ptr<PgConnection>> connect(const PostgresSettings& settings);

// Runs body on a leased connection; one left broken or inside a transaction is closed rather
// than reused.
template <class F>
auto withConnection(PostgresPool& pool, F&& body) -> decltype(body(std::declval<pg_conn*>())) {
  auto lease = pool.acquire();
  if (!lease) return Unexpected(lease.error());
  pg_conn* conn = (*lease)->get();
  auto result = body(conn);
  if (PQstatus(conn) != CONNECTION_OK || PQtransactionStatus(conn) != PQTRANS_IDLE) lease->discard();
  return result;
}

/// A pool of connections for settings, validating idle ones with SELECT 1.
inline PostgresPool makePool(const PostgresSettings& settings) {
  return PostgresPool("postgresql", settings.pool, [settings] { return connect(settings); },
                      [](PgConnection& c) { return PQstatus(c.get()) == CONNECTION_OK && run(c.get(), "SELECT 1").has_value(); });
}

}  // namespace pg
}  // namespace ait::store
