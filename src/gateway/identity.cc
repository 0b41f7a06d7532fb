#include "ait/gateway/identity.h"

#include <fmt/format.h>

#include "ait/auth/errors.h"

namespace ait::gateway {

Expected<std::unique_ptr<Identity>> Identity::open(const IdentitySettings& settings) {
  auto secret = auth::loadOrCreateSecret(settings.jwtSecret, settings.jwtSecretFile);
  if (!secret) return Unexpected(secret.error());
  auto keys = auth::keyTableFromSecret(*secret);
  if (!keys) {
    return fail(auth::errors::kWeakSecret,
                fmt::format("{} (from {}); set AIT_AUTH__JWT_SECRET to 32+ random characters",
                            keys.error().message(),
                            settings.jwtSecret.empty() ? settings.jwtSecretFile.string()
                                                       : std::string("auth.jwt_secret")));
  }
  auto store = auth::AuthStore::open(settings.dbPath);
  if (!store) return Unexpected(store.error());
  std::unique_ptr<Identity> identity(new Identity());
  identity->store_ = std::move(*store);
  identity->keys_ = std::move(*keys);
  identity->authenticator_ =
      std::make_unique<auth::Authenticator>(*identity->store_, identity->keys_, settings.auth);
  return identity;
}

}  // namespace ait::gateway
