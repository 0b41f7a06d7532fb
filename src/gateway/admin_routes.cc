#include "ait/gateway/admin_routes.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ait/auth/secrets.h"
#include "ait/gateway/errors.h"
#include "ait/log/log.h"

namespace ait::gateway {

namespace {

using Json = nlohmann::json;

Json userJson(const auth::UserRecord& u) {
  // Never the password hash nor the TOTP secret.
  return {{"user_id", u.id},
          {"username", u.username},
          {"tenant_id", u.tenant},
          {"role", auth::toString(u.role)},
          {"mfa_enrolled", !u.mfaSecret.empty()},
          {"disabled", u.disabled},
          {"created_at", u.createdAt}};
}

// Every administrative change is logged with who made it.
void audit(std::string_view what, std::string_view user, const auth::Principal& by) {
  log::info(*log::logger("gateway"), what,
            {{"user", user}, {"tenant", std::to_string(by.tenant)}, {"by", by.username}});
}

http::Response storeFailed(const Error& error) { return http::problem(500, error.code(), error.message()); }

// The caller's tenant record (tenant ids and names live in the identity store).
Expected<auth::TenantRecord> tenantOf(auth::AuthStore& store, const auth::Principal& p) {
  auto all = store.tenants();
  if (!all) return Unexpected(all.error());
  for (auto& t : *all) {
    if (t.id == p.tenant) return std::move(t);
  }
  return fail(errors::kNotFound, fmt::format("tenant {} is not in the identity store", p.tenant));
}

// The user named in the path when it belongs to the caller's tenant; another tenant's user is
// indistinguishable from a missing one.
Expected<auth::UserRecord> sameTenantUser(auth::AuthStore& store, const http::Request& request,
                                          const auth::Principal& p) {
  const std::string name(request.param("username"));
  auto user = store.findUser(name);
  if (!user) return Unexpected(user.error());
  if (!*user || (*user)->tenant != p.tenant) {
    return fail(errors::kNotFound, fmt::format("no user '{}' in this tenant", name));
  }
  return std::move(**user);
}

http::Response notFoundOr500(const Error& error) {
  if (error.code().code == errors::kNotFound.code) return http::problem(404, error.code(), error.message());
  return storeFailed(error);
}

AuthedHandler setDisabled(auth::AuthStore& store, bool disabled) {
  return [&store, disabled](const http::Request& request, const auth::Principal& p) {
    auto user = sameTenantUser(store, request, p);
    if (!user) return notFoundOr500(user.error());
    if (disabled && user->id == p.userId) {
      return http::problem(409, errors::kBadParameter, "an admin cannot disable their own login");
    }
    if (auto done = store.setDisabled(user->username, disabled); !done) return storeFailed(done.error());
    audit(disabled ? "user disabled" : "user enabled", user->username, p);
    return http::Response::text(204, "");
  };
}

}  // namespace

AdminHandlers adminHandlers(auth::Authenticator& auth, const Clock& clock) {
  auth::AuthStore& store = auth.store();
  AdminHandlers h;
  h.tenants = [&store](const http::Request&, const auth::Principal& p) {
    auto tenant = tenantOf(store, p);
    if (!tenant) return notFoundOr500(tenant.error());
    return http::Response::json(
        200, {{"tenants", Json::array({{{"tenant_id", tenant->id}, {"name", tenant->name},
                                        {"created_at", tenant->createdAt}}})}});
  };
  h.users = [&store](const http::Request&, const auth::Principal& p) {
    auto tenant = tenantOf(store, p);
    if (!tenant) return notFoundOr500(tenant.error());
    auto users = store.users(tenant->name);
    if (!users) return storeFailed(users.error());
    Json list = Json::array();
    for (const auto& u : *users) {
      if (u.tenant == p.tenant) list.push_back(userJson(u));
    }
    return http::Response::json(200, {{"users", std::move(list)}});
  };
  h.addUser = [&store, &auth, &clock](const http::Request& request, const auth::Principal& p) {
    Json body = Json::parse(request.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
      return http::problem(400, errors::kBadParameter, "the body must be a JSON object");
    }
    for (const char* field : {"username", "password", "role"}) {
      if (!body.contains(field) || !body[field].is_string()) {
        return http::problem(400, errors::kBadParameter, fmt::format("'{}' (a string) is required", field));
      }
    }
    if (body.contains("tenant_id") || body.contains("tenant")) {
      return http::problem(400, errors::kBadParameter,
                           "the tenant is the caller's own: remove tenant_id from the body");
    }
    auto role = auth::parseRole(body["role"].get<std::string>());
    if (!role) return http::problem(400, errors::kBadParameter, role.error().message());
    auto tenant = tenantOf(store, p);
    if (!tenant) return notFoundOr500(tenant.error());
    auto hash = auth::hashPassword(body["password"].get<std::string>(), auth.settings().passwordCost);
    if (!hash) return http::problem(400, hash.error().code(), hash.error().message());
    const std::string username = body["username"].get<std::string>();
    if (username.empty() || username.size() > 64) {
      return http::problem(400, errors::kBadParameter, "'username' needs 1 to 64 characters");
    }
    auto taken = store.findUser(username);
    if (!taken) return storeFailed(taken.error());
    if (*taken) return http::problem(409, errors::kBadParameter, "the username is taken");
    auto id = store.addUser(tenant->name, username, *hash, *role, clock.now() / 1'000'000'000);
    if (!id) return storeFailed(id.error());
    auto made = store.findUserById(*id);
    if (!made) return storeFailed(made.error());
    if (!*made) return http::problem(500, errors::kNotFound, "the new user is not in the store");
    audit("user added", username, p);
    return http::Response::json(201, userJson(**made));
  };
  h.disable = setDisabled(store, true);
  h.enable = setDisabled(store, false);
  h.resetMfa = [&store](const http::Request& request, const auth::Principal& p) {
    auto user = sameTenantUser(store, request, p);
    if (!user) return notFoundOr500(user.error());
    if (auto done = store.setMfaSecret(user->username, ""); !done) return storeFailed(done.error());
    audit("user MFA reset", user->username, p);
    return http::Response::text(204, "");
  };
  return h;
}

}  // namespace ait::gateway
