#pragma once
// A thin layer over SQLite's C API for the embedded stores: a connection opened in WAL mode with
// versioned migrations, and prepared statements with bound parameters (never string-built SQL).

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "ait/core/error.h"

struct sqlite3;
struct sqlite3_stmt;

namespace ait::sqlite {

/// A prepared statement; finalized when it goes out of scope. bind() indexes start at 1.
class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool ok() const noexcept { return ok_; }
  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, std::int64_t value);
  Statement& bindNull(int index);
  /// Resets the statement for another execution with new bindings.
  void reset();
  /// SQLITE_ROW, SQLITE_DONE or an error code.
  int step();
  std::string text(int column) const;
  std::int64_t integer(int column) const;

 private:
  sqlite3_stmt* stmt_ = nullptr;
  bool ok_ = false;
};

struct Migration {
  int version;
  std::string_view sql;
};

class Connection {
 public:
  /// Opens (creating) the database in WAL mode with synchronous=FULL and foreign keys on, then
  /// applies the migrations newer than those recorded in schemaTable, each in its transaction.
  /// Fails naming the file, or the migration and SQLite's message.
  static Expected<std::unique_ptr<Connection>> open(const std::filesystem::path& path,
                                                    std::string_view schemaTable,
                                                    std::span<const Migration> migrations,
                                                    const ErrorCode& code);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* handle() const noexcept { return db_; }
  /// Runs SQL without results (several statements allowed).
  Expected<void> exec(std::string_view sql);
  /// Returns the highest migration version applied.
  Expected<int> schemaVersion();
  /// Returns "<what>: <SQLite's last message>" as an error with this connection's code.
  Unexpected error(std::string_view what) const;
  std::int64_t lastInsertRowId() const noexcept;
  int changes() const noexcept;

 private:
  Connection(sqlite3* db, std::string schemaTable, const ErrorCode& code)
      : db_(db), schemaTable_(std::move(schemaTable)), code_(code) {}
  sqlite3* db_;
  std::string schemaTable_;
  const ErrorCode& code_;
};

}  // namespace ait::sqlite
