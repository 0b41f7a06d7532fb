#include "ait/auth/store.h"

#include <sqlite3.h>

#include <fmt/format.h>

#include "ait/auth/errors.h"

namespace ait::auth {

namespace {

// Each step runs once, in order; the applied version is kept in auth_schema.
constexpr std::string_view kMigrations[] = {
    R"sql(
CREATE TABLE tenants (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL
);
CREATE TABLE users (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  username TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('viewer', 'trader', 'admin')),
  mfa_secret TEXT NOT NULL DEFAULT '',
  last_totp_step INTEGER NOT NULL DEFAULT 0,
  disabled INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id),
  hash TEXT NOT NULL,
  scopes TEXT NOT NULL,
  revoked INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);
CREATE TABLE refresh_tokens (
  jti TEXT PRIMARY KEY,
  family TEXT NOT NULL,
  user_id INTEGER NOT NULL REFERENCES users(id),
  expires_at INTEGER NOT NULL,
  used INTEGER NOT NULL DEFAULT 0,
  revoked INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX refresh_tokens_family ON refresh_tokens(family);
)sql",
};

Unexpected storeError(sqlite3* db, std::string_view what) {
  return fail(errors::kStore, fmt::format("{}: {}", what, sqlite3_errmsg(db)));
}

// A prepared statement with bound parameters; finalized on scope exit.
class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql) : db_(db) {
    ok_ = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr) == SQLITE_OK;
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool ok() const noexcept { return ok_; }
  Statement& bind(int i, std::string_view text) {
    ok_ = ok_ && sqlite3_bind_text(stmt_, i, text.data(), static_cast<int>(text.size()),
                                   SQLITE_TRANSIENT) == SQLITE_OK;
    return *this;
  }
  Statement& bind(int i, std::int64_t value) {
    ok_ = ok_ && sqlite3_bind_int64(stmt_, i, value) == SQLITE_OK;
    return *this;
  }
  /// SQLITE_ROW, SQLITE_DONE or an error code.
  int step() { return ok_ ? sqlite3_step(stmt_) : SQLITE_ERROR; }
  std::string text(int col) const {
    const auto* p = sqlite3_column_text(stmt_, col);
    return p == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(p));
  }
  std::int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  bool ok_ = false;
};

Expected<void> exec(sqlite3* db, const std::string& sql) {
  char* message = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message != nullptr ? message : "unknown error";
    sqlite3_free(message);
    return fail(errors::kStore, text);
  }
  return {};
}

Expected<void> done(Statement& st, sqlite3* db, std::string_view what) {
  const int rc = st.step();
  if (rc == SQLITE_CONSTRAINT) return fail(errors::kInvalidInput, fmt::format("{}: already exists", what));
  if (rc != SQLITE_DONE) return storeError(db, what);
  return {};
}

std::vector<std::string> splitScopes(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

constexpr std::string_view kUserColumns =
    "u.id, u.tenant_id, t.name, u.username, u.password_hash, u.role, u.mfa_secret, "
    "u.last_totp_step, u.disabled, u.created_at FROM users u JOIN tenants t ON t.id = u.tenant_id";

UserRecord readUser(const Statement& st) {
  UserRecord u;
  u.id = st.integer(0);
  u.tenant = static_cast<std::uint32_t>(st.integer(1));
  u.tenantName = st.text(2);
  u.username = st.text(3);
  u.passwordHash = st.text(4);
  u.role = parseRole(st.text(5)).value_or(Role::Viewer);
  u.mfaSecret = st.text(6);
  u.lastTotpStep = st.integer(7);
  u.disabled = st.integer(8) != 0;
  u.createdAt = st.integer(9);
  return u;
}

}  // namespace

Expected<std::unique_ptr<AuthStore>> AuthStore::open(const std::filesystem::path& path) {
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    auto error = storeError(db, fmt::format("cannot open {}", path.string()));
    sqlite3_close(db);
    return error;
  }
  std::unique_ptr<AuthStore> store(new AuthStore(db));
  sqlite3_busy_timeout(db, 5000);
  for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON"}) {
    if (auto ok = exec(db, pragma); !ok) return Unexpected(ok.error());
  }
  if (auto ok = exec(db, "CREATE TABLE IF NOT EXISTS auth_schema (version INTEGER NOT NULL)"); !ok) {
    return Unexpected(ok.error());
  }
  std::int64_t version = 0;
  {
    Statement st(db, "SELECT COALESCE(MAX(version), 0) FROM auth_schema");
    if (st.step() != SQLITE_ROW) return storeError(db, "reading the schema version");
    version = st.integer(0);
  }
  const auto known = static_cast<std::int64_t>(std::size(kMigrations));
  if (version > known) {
    return fail(errors::kStore, fmt::format("{} has schema version {}, newer than this program's {}",
                                            path.string(), version, known));
  }
  for (auto v = version; v < known; ++v) {
    const std::string sql = fmt::format("BEGIN IMMEDIATE; {} INSERT INTO auth_schema(version) VALUES ({}); COMMIT;",
                                        kMigrations[v], v + 1);
    if (auto ok = exec(db, sql); !ok) {
      (void)exec(db, "ROLLBACK");
      return fail(errors::kStore, fmt::format("migration {} failed: {}", v + 1, ok.error().message()));
    }
  }
  return store;
}

AuthStore::~AuthStore() { sqlite3_close(db_); }

Expected<std::uint32_t> AuthStore::addTenant(std::string_view name, std::int64_t now) {
  std::lock_guard lock(mutex_);
  Statement st(db_, "INSERT INTO tenants(name, created_at) VALUES (?1, ?2)");
  st.bind(1, name).bind(2, now);
  if (auto ok = done(st, db_, fmt::format("tenant '{}'", name)); !ok) return Unexpected(ok.error());
  return static_cast<std::uint32_t>(sqlite3_last_insert_rowid(db_));
}

Expected<std::vector<TenantRecord>> AuthStore::tenants() {
  std::lock_guard lock(mutex_);
  Statement st(db_, "SELECT id, name, created_at FROM tenants ORDER BY id");
  std::vector<TenantRecord> out;
  int rc;
  while ((rc = st.step()) == SQLITE_ROW) {
    out.push_back({static_cast<std::uint32_t>(st.integer(0)), st.text(1), st.integer(2)});
  }
  if (rc != SQLITE_DONE) return storeError(db_, "listing tenants");
  return out;
}

Expected<std::optional<TenantRecord>> AuthStore::findTenant(std::string_view name) {
  std::lock_guard lock(mutex_);
  Statement st(db_, "SELECT id, name, created_at FROM tenants WHERE name = ?1");
  st.bind(1, name);
  const int rc = st.step();
  if (rc == SQLITE_DONE) return std::optional<TenantRecord>();
  if (rc != SQLITE_ROW) return storeError(db_, "finding a tenant");
  return std::optional<TenantRecord>(
      TenantRecord{static_cast<std::uint32_t>(st.integer(0)), st.text(1), st.integer(2)});
}

Expected<std::int64_t> AuthStore::addUser(std::string_view tenant, std::string_view username,
                                          std::string_view passwordHash, Role role,
                                          std::int64_t now) {
  std::lock_guard lock(mutex_);
  Statement st(db_,
               "INSERT INTO users(tenant_id, username, password_hash, role, created_at) "
               "SELECT id, ?2, ?3, ?4, ?5 FROM tenants WHERE name = ?1");
  st.bind(1, tenant).bind(2, username).bind(3, passwordHash).bind(4, toString(role)).bind(5, now);
  if (auto ok = done(st, db_, fmt::format("user '{}'", username)); !ok) return Unexpected(ok.error());
  if (sqlite3_changes(db_) == 0) return fail(errors::kNotFound, fmt::format("no tenant '{}'", tenant));
  return sqlite3_last_insert_rowid(db_);
}

Expected<std::optional<UserRecord>> AuthStore::findUser(std::string_view username) {
  std::lock_guard lock(mutex_);
  Statement st(db_, fmt::format("SELECT {} WHERE u.username = ?1", kUserColumns));
  st.bind(1, username);
  const int rc = st.step();
  if (rc == SQLITE_DONE) return std::optional<UserRecord>();
  if (rc != SQLITE_ROW) return storeError(db_, "finding a user");
  return std::optional<UserRecord>(readUser(st));
}

Expected<std::optional<UserRecord>> AuthStore::findUserById(std::int64_t id) {
  std::lock_guard lock(mutex_);
  Statement st(db_, fmt::format("SELECT {} WHERE u.id = ?1", kUserColumns));
  st.bind(1, id);
  const int rc = st.step();
  if (rc == SQLITE_DONE) return std::optional<UserRecord>();
  if (rc != SQLITE_ROW) return storeError(db_, "finding a user");
  return std::optional<UserRecord>(readUser(st));
}

Expected<std::vector<UserRecord>> AuthStore::users(std::string_view tenant) {
  std::lock_guard lock(mutex_);
  Statement st(db_, fmt::format("SELECT {} WHERE ?1 = '' OR t.name = ?1 ORDER BY u.id", kUserColumns));
  st.bind(1, tenant);
  std::vector<UserRecord> out;
  int rc;
  while ((rc = st.step()) == SQLITE_ROW) out.push_back(readUser(st));
  if (rc != SQLITE_DONE) return storeError(db_, "listing users");
  return out;
}

Expected<void> AuthStore::setDisabled(std::string_view username, bool disabled) {
  std::lock_guard lock(mutex_);
  Statement st(db_, "UPDATE users SET disabled = ?2 WHERE username = ?1");
  st.bind(1, username).bind(2, std::int64_t{disabled ? 1 : 0});
  if (auto ok = done(st, db_, "disabling a user"); !ok) return ok;
  if (sqlite3_changes(db_) == 0) return fail(errors::kNotFound, fmt::format("no user '{}'", username));
  return {};
}

Expected<void> AuthStore::setMfaSecret(std::string_view username, std::string_view secretBase32) {
  std::lock_guard lock(mutex_);
  Statement st(db_, "UPDATE users SET mfa_secret = ?2, last_totp_step = 0 WHERE username = ?1");
  st.bind(1, username).bind(2, secretBase32);
  if (auto ok = done(st, db_, "setting the MFA secret"); !ok) return ok;
  if (sqlite3_changes(db_) == 0) return fail(errors::kNotFound, fmt::format("no user '{}'", username));
  return {};
}

Expected<bool> AuthStore::acceptTotpStep(std::int64_t userId, std::int64_t step) {
  std::lock_guard lock(mutex_);
  Statement st(db_, "UPDATE users SET last_totp_step = ?2 WHERE id = ?1 AND last_totp_step < ?2");
  st.bind(1, userId).bind(2, step);
  if (auto ok = done(st, db_, "recording the TOTP step"); !ok) return Unexpected(ok.error());
  return sqlite3_changes(db_) == 1;
}

Expected<void> AuthStore::addApiKey(const ApiKeyRecord& key) {
  std::lock_guard lock(mutex_);
  std::string scopes;
  for (const auto& s : key.scopes) scopes += (scopes.empty() ? "" : ",") + s;
  Statement st(db_, "INSERT INTO api_keys(id, user_id, hash, scopes, created_at) VALUES (?1, ?2, ?3, ?4, ?5)");
  st.bind(1, key.id).bind(2, key.userId).bind(3, key.hash).bind(4, scopes).bind(5, key.createdAt);
  return done(st, db_, "API key");
}

Expected<std::optional<ApiKeyRecord>> AuthStore::findApiKey(std::string_view id) {
  std::lock_guard lock(mutex_);
  Statement st(db_, "SELECT id, user_id, hash, scopes, revoked, created_at FROM api_keys WHERE id = ?1");
  st.bind(1, id);
  const int rc = st.step();
  if (rc == SQLITE_DONE) return std::optional<ApiKeyRecord>();
  if (rc != SQLITE_ROW) return storeError(db_, "finding an API key");
  ApiKeyRecord key;
  key.id = st.text(0);
  key.userId = st.integer(1);
  key.hash = st.text(2);
  key.scopes = splitScopes(st.text(3));
  key.revoked = st.integer(4) != 0;
  key.createdAt = st.integer(5);
  return std::optional<ApiKeyRecord>(std::move(key));
}

Expected<void> AuthStore::revokeApiKey(std::string_view id) {
  std::lock_guard lock(mutex_);
  Statement st(db_, "UPDATE api_keys SET revoked = 1 WHERE id = ?1");
  st.bind(1, id);
  if (auto ok = done(st, db_, "revoking an API key"); !ok) return ok;
  if (sqlite3_changes(db_) == 0) return fail(errors::kNotFound, fmt::format("no API key '{}'", id));
  return {};
}

Expected<void> AuthStore::addRefreshToken(std::string_view jti, std::string_view family,
                                          std::int64_t userId, std::int64_t expiresAt) {
  std::lock_guard lock(mutex_);
  Statement st(db_, "INSERT INTO refresh_tokens(jti, family, user_id, expires_at) VALUES (?1, ?2, ?3, ?4)");
  st.bind(1, jti).bind(2, family).bind(3, userId).bind(4, expiresAt);
  return done(st, db_, "refresh token");
}

Expected<RefreshState> AuthStore::consumeRefreshToken(std::string_view jti) {
  std::lock_guard lock(mutex_);
  if (auto ok = exec(db_, "BEGIN IMMEDIATE"); !ok) return Unexpected(ok.error());
  RefreshState state = RefreshState::Unknown;
  {
    Statement st(db_, "SELECT used, revoked FROM refresh_tokens WHERE jti = ?1");
    st.bind(1, jti);
    const int rc = st.step();
    if (rc == SQLITE_ROW) {
      state = st.integer(1) != 0 ? RefreshState::Revoked
              : st.integer(0) != 0 ? RefreshState::Used
                                   : RefreshState::Fresh;
    } else if (rc != SQLITE_DONE) {
      (void)exec(db_, "ROLLBACK");
      return storeError(db_, "reading a refresh token");
    }
  }
  if (state == RefreshState::Fresh) {
    Statement st(db_, "UPDATE refresh_tokens SET used = 1 WHERE jti = ?1");
    st.bind(1, jti);
    if (st.step() != SQLITE_DONE) {
      (void)exec(db_, "ROLLBACK");
      return storeError(db_, "consuming a refresh token");
    }
  }
  if (auto ok = exec(db_, "COMMIT"); !ok) return Unexpected(ok.error());
  return state;
}

Expected<void> AuthStore::revokeFamily(std::string_view family) {
  std::lock_guard lock(mutex_);
  Statement st(db_, "UPDATE refresh_tokens SET revoked = 1 WHERE family = ?1");
  st.bind(1, family);
  return done(st, db_, "revoking a token family");
}

}  // namespace ait::auth
