#pragma once
// What the gateway needs to know who is calling: the identity store, the token keys and the
// authenticator over them, opened together from the [auth] settings.

#include <filesystem>
#include <memory>
#include <string>

#include "ait/auth/authenticator.h"
#include "ait/auth/jwt.h"
#include "ait/auth/store.h"
#include "ait/core/error.h"

namespace ait::gateway {

struct IdentitySettings {
  std::string jwtSecret;                 // empty: read (or create) jwtSecretFile
  std::filesystem::path jwtSecretFile;
  std::filesystem::path dbPath;
  auth::AuthSettings auth;
};

class Identity {
 public:
  /// Opens the store and the keys; fails (and the gateway does not start) on a missing, short
  /// or placeholder secret, or a store that cannot be opened.
  static Expected<std::unique_ptr<Identity>> open(const IdentitySettings& settings);

  auth::AuthStore& store() noexcept { return *store_; }
  auth::Authenticator& authenticator() noexcept { return *authenticator_; }

 private:
  Identity() = default;
  std::unique_ptr<auth::AuthStore> store_;
  auth::KeyTable keys_;
  std::unique_ptr<auth::Authenticator> authenticator_;
};

}  // namespace ait::gateway
