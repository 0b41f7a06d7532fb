#include "ait/auth/store.h"

#include <sqlite3.h>

#include <fmt/format.h>

#include "ait/auth/errors.h"
#include "ait/sqlite/sqlite.h"

namespace ait::auth {

namespace {

// Each step runs once, in order; the applied version is kept in auth_schema.
constexpr sqlite::Migration kMigrations[] = {
    {1, R"sql(
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
)sql"},
};

using sqlite::Statement;

Expected<void> done(Statement& st, const sqlite::Connection& db, std::string_view what) {
  const int rc = st.step();
  if (rc == SQLITE_CONSTRAINT) return fail(errors::kInvalidInput, fmt::format("{}: already exists", what));
  if (rc != SQLITE_DONE) return db.error(what);
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
  auto db = sqlite::Connection::open(path, "auth_schema", kMigrations, errors::kStore);
  if (!db) return Unexpected(db.error());
  return std::unique_ptr<AuthStore>(new AuthStore(std::move(*db)));
}

AuthStore::~AuthStore() = default;

Expected<std::uint32_t> AuthStore::addTenant(std::string_view name, std::int64_t now) {
  std::lock_guard lock(mutex_);
  Statement st(db_->handle(), "INSERT INTO tenants(name, created_at) VALUES (?1, ?2)");
  st.bind(1, name).bind(2, now);
  if (auto ok = done(st, *db_, fmt::format("tenant '{}'", name)); !ok) return Unexpected(ok.error());
  return static_cast<std::uint32_t>(db_->lastInsertRowId());
}

Expected<std::vector<TenantRecord>> AuthStore::tenants() {
  std::lock_guard lock(mutex_);
  Statement st(db_->handle(), "SELECT id, name, created_at FROM tenants ORDER BY id");
  std::vector<TenantRecord> out;
  int rc;
  while ((rc = st.step()) == SQLITE_ROW) {
    out.push_back({static_cast<std::uint32_t>(st.integer(0)), st.text(1), st.integer(2)});
  }
  if (rc != SQLITE_DONE) return db_->error("listing tenants");
  return out;
}

Expected<std::optional<TenantRecord>> AuthStore::findTenant(std::string_view name) {
  std::lock_guard lock(mutex_);
  Statement st(db_->handle(), "SELECT id, name, created_at FROM tenants WHERE name = ?1");
  st.bind(1, name);
  const int rc = st.step();
  if (rc == SQLITE_DONE) return std::optional<TenantRecord>();
  if (rc != SQLITE_ROW) return db_->error("finding a tenant");
  return std::optional<TenantRecord>(
      TenantRecord{static_cast<std::uint32_t>(st.integer(0)), st.text(1), st.integer(2)});
}

Expected<std::int64_t> AuthStore::addUser(std::string_view tenant, std::string_view username,
                                          std::string_view passwordHash, Role role,
                                          std::int64_t now) {
  std::lock_guard lock(mutex_);
  Statement st(db_->handle(),
               "INSERT INTO users(tenant_id, username, password_hash, role, created_at) "
               "SELECT id, ?2, ?3, ?4, ?5 FROM tenants WHERE name = ?1");
  st.bind(1, tenant).bind(2, username).bind(3, passwordHash).bind(4, toString(role)).bind(5, now);
  if (auto ok = done(st, *db_, fmt::format("user '{}'", username)); !ok) return Unexpected(ok.error());
  if (db_->changes() == 0) return fail(errors::kNotFound, fmt::format("no tenant '{}'", tenant));
  return db_->lastInsertRowId();
}

Expected<std::optional<UserRecord>> AuthStore::findUser(std::string_view username) {
  std::lock_guard lock(mutex_);
  Statement st(db_->handle(), fmt::format("SELECT {} WHERE u.username = ?1", kUserColumns));
  st.bind(1, username);
  const int rc = st.step();
  if (rc == SQLITE_DONE) return std::optional<UserRecord>();
  if (rc != SQLITE_ROW) return db_->error("finding a user");
  return std::optional<UserRecord>(readUser(st));
}

Expected<std::optional<UserRecord>> AuthStore::findUserById(std::int64_t id) {
  std::lock_guard lock(mutex_);
  Statement st(db_->handle(), fmt::format("SELECT {} WHERE u.id = ?1", kUserColumns));
  st.bind(1, id);
  const int rc = st.step();
  if (rc == SQLITE_DONE) return std::optional<UserRecord>();
  if (rc != SQLITE_ROW) return db_->error("finding a user");
  return std::optional<UserRecord>(readUser(st));
}

Expected<std::vector<UserRecord>> AuthStore::users(std::string_view tenant) {
  std::lock_guard lock(mutex_);
  Statement st(db_->handle(), fmt::format("SELECT {} WHERE ?1 = '' OR t.name = ?1 ORDER BY u.id", kUserColumns));
  st.bind(1, tenant);
  std::vector<UserRecord> out;
  int rc;
  while ((rc = st.step()) == SQLITE_ROW) out.push_back(readUser(st));
  if (rc != SQLITE_DONE) return db_->error("listing users");
  return out;
}

Expected<void> AuthStore::setDisabled(std::string_view username, bool disabled) {
  std::lock_guard lock(mutex_);
  Statement st(db_->handle(), "UPDATE users SET disabled = ?2 WHERE username = ?1");
  st.bind(1, username).bind(2, std::int64_t{disabled ? 1 : 0});
  if (auto ok = done(st, *db_, "disabling a user"); !ok) return ok;
  if (db_->changes() == 0) return fail(errors::kNotFound, fmt::format("no user '{}'", username));
  return {};
}

Expected<void> AuthStore::setMfaSecret(std::string_view username, std::string_view secretBase32) {
  std::lock_guard lock(mutex_);
  Statement st(db_->handle(), "UPDATE users SET mfa_secret = ?2, last_totp_step = 0 WHERE username = ?1");
  st.bind(1, username).bind(2, secretBase32);
  if (auto ok = done(st, *db_, "setting the MFA secret"); !ok) return ok;
  if (db_->changes() == 0) return fail(errors::kNotFound, fmt::format("no user '{}'", username));
  return {};
}

Expected<bool> AuthStore::acceptTotpStep(std::int64_t userId, std::int64_t step) {
  std::lock_guard lock(mutex_);
  Statement st(db_->handle(), "UPDATE users SET last_totp_step = ?2 WHERE id = ?1 AND last_totp_step < ?2");
  st.bind(1, userId).bind(2, step);
  if (auto ok = done(st, *db_, "recording the TOTP step"); !ok) return Unexpected(ok.error());
  return db_->changes() == 1;
}

Expected<void> AuthStore::addApiKey(const ApiKeyRecord& key) {
  std::lock_guard lock(mutex_);
  std::string scopes;
  for (const auto& s : key.scopes) scopes += (scopes.empty() ? "" : ",") + s;
  Statement st(db_->handle(), "INSERT INTO api_keys(id, user_id, hash, scopes, created_at) VALUES (?1, ?2, ?3, ?4, ?5)");
  st.bind(1, key.id).bind(2, key.userId).bind(3, key.hash).bind(4, scopes).bind(5, key.createdAt);
  return done(st, *db_, "API key");
}

Expected<std::optional<ApiKeyRecord>> AuthStore::findApiKey(std::string_view id) {
  std::lock_guard lock(mutex_);
  Statement st(db_->handle(), "SELECT id, user_id, hash, scopes, revoked, created_at FROM api_keys WHERE id = ?1");
  st.bind(1, id);
  const int rc = st.step();
  if (rc == SQLITE_DONE) return std::optional<ApiKeyRecord>();
  if (rc != SQLITE_ROW) return db_->error("finding an API key");
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
  Statement st(db_->handle(), "UPDATE api_keys SET revoked = 1 WHERE id = ?1");
  st.bind(1, id);
  if (auto ok = done(st, *db_, "revoking an API key"); !ok) return ok;
  if (db_->changes() == 0) return fail(errors::kNotFound, fmt::format("no API key '{}'", id));
  return {};
}

Expected<void> AuthStore::addRefreshToken(std::string_view jti, std::string_view family,
                                          std::int64_t userId, std::int64_t expiresAt) {
  std::lock_guard lock(mutex_);
  Statement st(db_->handle(), "INSERT INTO refresh_tokens(jti, family, user_id, expires_at) VALUES (?1, ?2, ?3, ?4)");
  st.bind(1, jti).bind(2, family).bind(3, userId).bind(4, expiresAt);
  return done(st, *db_, "refresh token");
}

Expected<RefreshState> AuthStore::consumeRefreshToken(std::string_view jti) {
  std::lock_guard lock(mutex_);
  if (auto ok = db_->exec("BEGIN IMMEDIATE"); !ok) return Unexpected(ok.error());
  RefreshState state = RefreshState::Unknown;
  {
    Statement st(db_->handle(), "SELECT used, revoked FROM refresh_tokens WHERE jti = ?1");
    st.bind(1, jti);
    const int rc = st.step();
    if (rc == SQLITE_ROW) {
      state = st.integer(1) != 0 ? RefreshState::Revoked
              : st.integer(0) != 0 ? RefreshState::Used
                                   : RefreshState::Fresh;
    } else if (rc != SQLITE_DONE) {
      (void)db_->exec("ROLLBACK");
      return db_->error("reading a refresh token");
    }
  }
  if (state == RefreshState::Fresh) {
    Statement st(db_->handle(), "UPDATE refresh_tokens SET used = 1 WHERE jti = ?1");
    st.bind(1, jti);
    if (st.step() != SQLITE_DONE) {
      (void)db_->exec("ROLLBACK");
      return db_->error("consuming a refresh token");
    }
  }
  if (auto ok = db_->exec("COMMIT"); !ok) return Unexpected(ok.error());
  return state;
}

Expected<void> AuthStore::revokeFamily(std::string_view family) {
  std::lock_guard lock(mutex_);
  Statement st(db_->handle(), "UPDATE refresh_tokens SET revoked = 1 WHERE family = ?1");
  st.bind(1, family);
  return done(st, *db_, "revoking a token family");
}

}  // namespace ait::auth
