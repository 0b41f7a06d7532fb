#pragma once
// The identity store: tenants, users, API keys and refresh tokens in SQLite (WAL mode). Every
// statement is prepared with bound parameters. Thread-safe (one connection behind a mutex: this
// is the login path, not the trading path).

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "ait/auth/jwt.h"
#include "ait/core/error.h"
#include "ait/sqlite/sqlite.h"

namespace ait::auth {

struct TenantRecord {
  std::uint32_t id = 0;
  std::string name;
  std::int64_t createdAt = 0;
};

struct UserRecord {
  std::int64_t id = 0;
  std::uint32_t tenant = 0;
  std::string tenantName;
  std::string username;
  std::string passwordHash;
  Role role = Role::Viewer;
  std::string mfaSecret;        // base32; empty: not enrolled
  std::int64_t lastTotpStep = 0;  // the last accepted TOTP step (replay protection)
  bool disabled = false;
  std::int64_t createdAt = 0;
};

struct ApiKeyRecord {
  std::string id;
  std::int64_t userId = 0;
  std::string hash;
  std::vector<std::string> scopes;  // "read", "trade"
  bool revoked = false;
  std::int64_t createdAt = 0;
};

enum class RefreshState : std::uint8_t { Fresh, Used, Revoked, Unknown };

class AuthStore {
 public:
  /// Opens (creating) the database and applies the schema migrations.
  static Expected<std::unique_ptr<AuthStore>> open(const std::filesystem::path& path);
  ~AuthStore();

  Expected<std::uint32_t> addTenant(std::string_view name, std::int64_t now);
  Expected<std::vector<TenantRecord>> tenants();
  Expected<std::optional<TenantRecord>> findTenant(std::string_view name);

  Expected<std::int64_t> addUser(std::string_view tenant, std::string_view username,
                                 std::string_view passwordHash, Role role, std::int64_t now);
  Expected<std::optional<UserRecord>> findUser(std::string_view username);
  Expected<std::optional<UserRecord>> findUserById(std::int64_t id);
  /// Users of one tenant, or of every tenant when tenant is empty.
  Expected<std::vector<UserRecord>> users(std::string_view tenant);
  Expected<void> setDisabled(std::string_view username, bool disabled);
  Expected<void> setMfaSecret(std::string_view username, std::string_view secretBase32);
  /// Records step as used if it is newer than the last one; false: a replayed code.
  Expected<bool> acceptTotpStep(std::int64_t userId, std::int64_t step);

  Expected<void> addApiKey(const ApiKeyRecord& key);
  Expected<std::optional<ApiKeyRecord>> findApiKey(std::string_view id);
  Expected<void> revokeApiKey(std::string_view id);

  Expected<void> addRefreshToken(std::string_view jti, std::string_view family, std::int64_t userId,
                                 std::int64_t expiresAt);
  /// Marks the token used and returns the state it was in (atomically).
  Expected<RefreshState> consumeRefreshToken(std::string_view jti);
  Expected<void> revokeFamily(std::string_view family);

 private:
  explicit AuthStore(std::unique_ptr<sqlite::Connection> db) : db_(std::move(db)) {}
  std::mutex mutex_;
  std::unique_ptr<sqlite::Connection> db_;
};

}  // namespace ait::auth
