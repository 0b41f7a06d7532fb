#include "pg.h"

#include <vector>

#include <fmt/format.h>

#include "ait/store/errors.h"

namespace ait::store::pg {

// Runs sql with text parameters (NULL for nullopt); fails with the server's message.
Expected<Result> run(pg_conn* conn, std::string_view sql, std::span<const std::optional<std::string>> params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  const std::string text(sql);
  Result result(PQexecParams(conn, text.c_str(), static_cast<int>(values.size()), nullptr,
                             values.data(), nullptr, nullptr, 0));
  const auto status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    std::string message = PQerrorMessage(conn);
    while (!message.empty() && message.back() == '\n') message.pop_back();
    return fail(errors::kBackend, fmt::format("postgresql: {}", message));
  }
  return result;
}

// Runs a migration script (several statements, no parameters: PQexecParams takes only one).
Expected<void> runScript(pg_conn* conn, std::string_view sql) {
  const std::string text(sql);
  Result result(PQexec(conn, text.c_str()));
  if (!result || PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
    std::string message = PQerrorMessage(conn);
    while (!message.empty() && message.back() == '\n') message.pop_back();
    return fail(errors::kBackend, fmt::format("postgresql: {}", message));
  }
  return {};
}

// Runs body between BEGIN and COMMIT, rolling back when it fails.
Expected<void> inTransaction(pg_conn* conn, const std::function<Expected<void>()>& body) {
  if (auto r = run(conn, "BEGIN"); !r) return Unexpected(r.error());
  if (auto done = body(); !done) {
    (void)run(conn, "ROLLBACK");
    return done;
  }
  if (auto r = run(conn, "COMMIT"); !r) return Unexpected(r.error());
  return {};
}

std::string text(const PGresult* r, int row, int col) {
  return PQgetisnull(r, row, col) ? std::string() : std::string(PQgetvalue(r, row, col));
}

Expected<std::shared_ptr<PgConnection>> connect(const PostgresSettings& settings) {
  // The configured string may be key=value pairs or a postgresql:// URI; expand_dbname reads
  // either, and the timeout is added as its own parameter.
  const std::string timeout = std::to_string(settings.connectTimeout.count());
  const char* keywords[] = {"dbname", "connect_timeout", nullptr};
  const char* values[] = {settings.conninfo.c_str(), timeout.c_str(), nullptr};
  pg_conn* conn = PQconnectdbParams(keywords, values, 1);
  if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) {
    std::string message = conn != nullptr ? PQerrorMessage(conn) : "out of memory";
    while (!message.empty() && message.back() == '\n') message.pop_back();
    PQfinish(conn);
    return fail(errors::kBackend, fmt::format("postgresql: cannot connect: {}", message));
  }
  return std::make_shared<PgConnection>(conn);
}

}  // namespace ait::store::pg
