// `aitrading tenant ...` and `aitrading user ...`: the identity store managed from the command
// line. The first admin is created here, never by a default password.

#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "app/commands.h"
#include "app/config_source.h"
#include "app/wiring.h"
#include "ait/auth/secrets.h"

namespace ait::app {

namespace {

struct IdentityOptions {
  std::string configFile;
  std::string configDir;
  std::string name;      // tenant or user
  std::string tenant;
  std::string role = "trader";
  std::vector<std::string> scopes{"read"};
};

std::int64_t unixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Reads a password: twice with echo off on a terminal, one line from a pipe otherwise.
std::optional<std::string> readPassword() {
  auto readLine = [](const char* prompt) -> std::optional<std::string> {
    const bool tty = ::isatty(STDIN_FILENO) != 0;
    termios old{};
    if (tty) {
      std::fputs(prompt, stderr);
      ::tcgetattr(STDIN_FILENO, &old);
      termios quiet = old;
      quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
      ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    }
    std::string line;
    const bool ok = static_cast<bool>(std::getline(std::cin, line));
    if (tty) {
      ::tcsetattr(STDIN_FILENO, TCSANOW, &old);
      std::fputs("\n", stderr);
    }
    if (!ok) return std::nullopt;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
  };
  auto first = readLine("Password: ");
  if (!first) return std::nullopt;
  if (::isatty(STDIN_FILENO) != 0) {
    auto second = readLine("Repeat: ");
    if (!second || *second != *first) {
      std::fputs("aitrading: the passwords differ\n", stderr);
      return std::nullopt;
    }
  }
  return first;
}

int report(const Error& error, std::string_view command) {
  std::fprintf(stderr, "aitrading %.*s: %s\n", static_cast<int>(command.size()), command.data(),
               error.describe().c_str());
  return error.code().category == Category::Validation ? 2 : 1;
}

int run(const std::string& command, const IdentityOptions& o) {
  auto config = config::loadConfig(makeLoadOptions(o.configDir, o.configFile));
  if (!config) {
    std::fprintf(stderr, "aitrading %s: the configuration has problems:\n%s", command.c_str(),
                 config::formatProblems(config.error()).c_str());
    return 2;
  }
  auto identity = gateway::Identity::open(identitySettings(*config));
  if (!identity) return report(identity.error(), command);
  auth::AuthStore& store = (*identity)->store();
  const auto now = unixNow();

  if (command == "tenant add") {
    auto id = store.addTenant(o.name, now);
    if (!id) return report(id.error(), command);
    std::printf("tenant %s added with id %u\n", o.name.c_str(), *id);
  } else if (command == "tenant list") {
    auto tenants = store.tenants();
    if (!tenants) return report(tenants.error(), command);
    std::printf("%-6s %s\n", "id", "name");
    for (const auto& t : *tenants) std::printf("%-6u %s\n", t.id, t.name.c_str());
  } else if (command == "user add") {
    auto role = auth::parseRole(o.role);
    if (!role) return report(role.error(), command);
    auto password = readPassword();
    if (!password) {
      std::fputs("aitrading user add: no password given on standard input\n", stderr);
      return 2;
    }
    auto hash = auth::hashPassword(*password, identitySettings(*config).auth.passwordCost);
    if (!hash) return report(hash.error(), command);
    auto id = store.addUser(o.tenant, o.name, *hash, *role, now);
    if (!id) return report(id.error(), command);
    std::printf("user %s (%s) added to tenant %s\n", o.name.c_str(), o.role.c_str(), o.tenant.c_str());
    if (*role == auth::Role::Admin) {
      std::printf("admins log in with a TOTP code: run `aitrading user enroll-mfa %s`\n", o.name.c_str());
    }
  } else if (command == "user list") {
    auto users = store.users(o.tenant);
    if (!users) return report(users.error(), command);
    std::printf("%-20s %-16s %-8s %-4s %s\n", "user", "tenant", "role", "mfa", "state");
    for (const auto& u : *users) {
      std::printf("%-20s %-16s %-8s %-4s %s\n", u.username.c_str(), u.tenantName.c_str(),
                  std::string(auth::toString(u.role)).c_str(), u.mfaSecret.empty() ? "no" : "yes",
                  u.disabled ? "disabled" : "active");
    }
  } else if (command == "user disable" || command == "user enable") {
    if (auto ok = store.setDisabled(o.name, command == "user disable"); !ok) return report(ok.error(), command);
    std::printf("user %s %s\n", o.name.c_str(), command == "user disable" ? "disabled" : "enabled");
  } else if (command == "user enroll-mfa") {
    auto secret = auth::newTotpSecret();
    if (!secret) return report(secret.error(), command);
    if (auto ok = store.setMfaSecret(o.name, *secret); !ok) return report(ok.error(), command);
    std::printf("%s\nsecret: %s\nScan the URI (or type the secret) into an authenticator app.\n",
                auth::otpauthUri(config->auth.issuer, o.name, *secret).c_str(), secret->c_str());
  } else if (command == "user reset-mfa") {
    if (auto ok = store.setMfaSecret(o.name, ""); !ok) return report(ok.error(), command);
    std::printf("MFA of %s removed; an admin must enroll again before logging in\n", o.name.c_str());
  } else if (command == "user api-key") {
    auto key = (*identity)->authenticator().createApiKey(o.name, o.scopes, now);
    if (!key) return report(key.error(), command);
    std::printf("%s\nThis key is shown once; send it in the X-API-Key header.\n", key->key.c_str());
  }
  return 0;
}

}  // namespace

std::function<std::optional<int>()> addIdentityCommands(CLI::App& app) {
  auto options = std::make_shared<IdentityOptions>();
  auto chosen = std::make_shared<std::string>();
  auto common = [options](CLI::App* cmd) {
    cmd->add_option("--config", options->configFile, "TOML file overlaid on the defaults")
        ->check(CLI::ExistingFile);
    cmd->add_option("--config-dir", options->configDir, "Folder holding default.toml")
        ->envname("AIT_CONFIG_DIR");
  };
  auto leaf = [&, chosen, common](CLI::App* parent, const std::string& name, const std::string& help) {
    auto* cmd = parent->add_subcommand(name, help);
    common(cmd);
    cmd->callback([chosen, full = std::string(parent->get_name()) + " " + name] { *chosen = full; });
    return cmd;
  };

  auto* tenant = app.add_subcommand("tenant", "Manage tenants (in auth.db_path).");
  tenant->require_subcommand(1);
  leaf(tenant, "add", "Add a tenant.")->add_option("NAME", options->name, "Tenant name")->required();
  leaf(tenant, "list", "List the tenants.");

  auto* user = app.add_subcommand("user", "Manage users (in auth.db_path).");
  user->require_subcommand(1);
  auto* add = leaf(user, "add",
                   "Add a user; the password (12+ characters) is read from the terminal, or one "
                   "line from standard input.");
  add->add_option("USERNAME", options->name, "Login name")->required();
  add->add_option("--tenant", options->tenant, "The user's tenant")->required();
  add->add_option("--role", options->role, "viewer, trader or admin (admins need MFA)")
      ->check(CLI::IsMember({"viewer", "trader", "admin"}));
  leaf(user, "list", "List users.")->add_option("--tenant", options->tenant, "Only this tenant");
  leaf(user, "disable", "Disable a user (logins and API keys refused).")
      ->add_option("USERNAME", options->name)->required();
  leaf(user, "enable", "Enable a disabled user.")->add_option("USERNAME", options->name)->required();
  leaf(user, "enroll-mfa", "Create a TOTP secret for a user and print its otpauth:// URI.")
      ->add_option("USERNAME", options->name)->required();
  leaf(user, "reset-mfa", "Remove a user's TOTP secret.")->add_option("USERNAME", options->name)->required();
  auto* key = leaf(user, "api-key", "Create an API key for a user's bots; printed once.");
  key->add_option("USERNAME", options->name)->required();
  key->add_option("--scope", options->scopes, "read and/or trade (repeatable; default read)")
      ->check(CLI::IsMember({"read", "trade"}));

  return [options, chosen]() -> std::optional<int> {
    if (chosen->empty()) return std::nullopt;
    return run(*chosen, *options);
  };
}

}  // namespace ait::app
