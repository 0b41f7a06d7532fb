#include "ait/sqlite/sqlite.h"

#include <sqlite3.h>

#include <fmt/format.h>

namespace ait::sqlite {

Statement::Statement(sqlite3* db, std::string_view sql) {
  ok_ = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr) == SQLITE_OK;
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::bind(int index, std::string_view text) {
  ok_ = ok_ && sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()),
                                 SQLITE_TRANSIENT) == SQLITE_OK;
  return *this;
}

Statement& Statement::bind(int index, std::int64_t value) {
  ok_ = ok_ && sqlite3_bind_int64(stmt_, index, value) == SQLITE_OK;
  return *this;
}

Statement& Statement::bindNull(int index) {
  ok_ = ok_ && sqlite3_bind_null(stmt_, index) == SQLITE_OK;
  return *this;
}

void Statement::reset() {
  if (stmt_ == nullptr) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  ok_ = true;
}

int Statement::step() { return ok_ ? sqlite3_step(stmt_) : SQLITE_ERROR; }

std::string Statement::text(int column) const {
  const auto* p = sqlite3_column_text(stmt_, column);
  return p == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(p));
}

std::int64_t Statement::integer(int column) const { return sqlite3_column_int64(stmt_, column); }

Expected<std::unique_ptr<Connection>> Connection::open(const std::filesystem::path& path,
                                                       std::string_view schemaTable,
                                                       std::span<const Migration> migrations,
                                                       const ErrorCode& code) {
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    std::string message = db != nullptr ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return fail(code, fmt::format("cannot open {}: {}", path.string(), message));
  }
  std::unique_ptr<Connection> connection(new Connection(db, std::string(schemaTable), code));
  sqlite3_busy_timeout(db, 5000);
  for (const char* pragma :
       {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON"}) {
    if (auto ok = connection->exec(pragma); !ok) return Unexpected(ok.error());
  }
  if (auto ok = connection->exec(
          fmt::format("CREATE TABLE IF NOT EXISTS {} (version INTEGER NOT NULL, applied_at "
                      "INTEGER NOT NULL DEFAULT (strftime('%s','now')))",
                      schemaTable));
      !ok) {
    return Unexpected(ok.error());
  }
  auto version = connection->schemaVersion();
  if (!version) return Unexpected(version.error());
  const int newest = migrations.empty() ? 0 : migrations.back().version;
  if (*version > newest) {
    return fail(code, fmt::format("{} has schema version {}, newer than this program's {}",
                                  path.string(), *version, newest));
  }
  for (const auto& migration : migrations) {
    if (migration.version <= *version) continue;
    const std::string sql =
        fmt::format("BEGIN IMMEDIATE; {} INSERT INTO {}(version) VALUES ({}); COMMIT;",
                    migration.sql, schemaTable, migration.version);
    if (auto ok = connection->exec(sql); !ok) {
      (void)connection->exec("ROLLBACK");
      return fail(code, fmt::format("{}: migration {} failed: {}", path.string(),
                                    migration.version, ok.error().message()));
    }
  }
  return connection;
}

Connection::~Connection() { sqlite3_close(db_); }

Expected<void> Connection::exec(std::string_view sql) {
  char* message = nullptr;
  const std::string text(sql);
  if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    std::string reason = message != nullptr ? message : "unknown error";
    sqlite3_free(message);
    return fail(code_, reason);
  }
  return {};
}

Expected<int> Connection::schemaVersion() {
  Statement st(db_, fmt::format("SELECT COALESCE(MAX(version), 0) FROM {}", schemaTable_));
  if (st.step() != SQLITE_ROW) return error("reading the schema version");
  return static_cast<int>(st.integer(0));
}

Unexpected Connection::error(std::string_view what) const {
  return fail(code_, fmt::format("{}: {}", what, sqlite3_errmsg(db_)));
}

std::int64_t Connection::lastInsertRowId() const noexcept { return sqlite3_last_insert_rowid(db_); }

int Connection::changes() const noexcept { return sqlite3_changes(db_); }

}  // namespace ait::sqlite
