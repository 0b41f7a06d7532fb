#include "ait/store/shared_state.h"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <charconv>
#include <vector>

#include <fmt/format.h>

#include "ait/store/errors.h"

namespace ait::store {

namespace {

constexpr std::int64_t kNsPerMs = 1'000'000;

std::string tenantKey(std::string_view kind, model::TenantId tenant, std::string_view name) {
  return fmt::format("{}:{}:{}", kind, tenant.value, name);
}

// The fixed window a hit falls in: its length and index are part of the key, so a new window
// starts a new counter and the old one expires.
std::string windowKey(std::string_view key, std::chrono::milliseconds window, std::int64_t nowNs) {
  const std::int64_t windowNs = std::max<std::int64_t>(1, window.count()) * kNsPerMs;
  return fmt::format("{}:{}:{}", window.count(), nowNs / windowNs, key);
}

}  // namespace

// ---- in process ----

void MemoryState::sweep(std::int64_t now) {
  if (++writes_ % 1024 != 0) return;
  std::erase_if(expiring_, [now](const auto& entry) { return entry.second.expiresNs <= now; });
}

Expected<void> MemoryState::putQuote(model::TenantId tenant, const CachedQuote& quote) {
  std::lock_guard lock(mutex_);
  quotes_[tenantKey("q", tenant, quote.symbol)] = quote;
  return {};
}

Expected<std::optional<CachedQuote>> MemoryState::quote(model::TenantId tenant, std::string_view symbol) {
  std::lock_guard lock(mutex_);
  auto it = quotes_.find(tenantKey("q", tenant, symbol));
  if (it == quotes_.end()) return std::optional<CachedQuote>{};
  return std::optional<CachedQuote>{it->second};
}

Expected<void> MemoryState::putSession(std::string_view id, std::string_view value, std::chrono::milliseconds ttl) {
  const auto now = clock_.monotonicNs();
  std::lock_guard lock(mutex_);
  sweep(now);
  expiring_["s:" + std::string(id)] = {std::string(value), now + ttl.count() * kNsPerMs, 0};
  return {};
}

Expected<std::optional<std::string>> MemoryState::session(std::string_view id) {
  const auto now = clock_.monotonicNs();
  std::lock_guard lock(mutex_);
  auto it = expiring_.find("s:" + std::string(id));
  if (it == expiring_.end() || it->second.expiresNs <= now) return std::optional<std::string>{};
  return std::optional<std::string>{it->second.value};
}

Expected<void> MemoryState::dropSession(std::string_view id) {
  std::lock_guard lock(mutex_);
  expiring_.erase("s:" + std::string(id));
  return {};
}

Expected<std::int64_t> MemoryState::hit(model::TenantId tenant, std::string_view key,
                                        std::chrono::milliseconds window) {
  const auto now = clock_.monotonicNs();
  std::lock_guard lock(mutex_);
  sweep(now);
  auto& entry = expiring_[tenantKey("r", tenant, windowKey(key, window, clock_.now()))];
  if (entry.expiresNs <= now) entry = {{}, now + 2 * window.count() * kNsPerMs, 0};
  return ++entry.count;
}

Expected<bool> MemoryState::claim(model::TenantId tenant, std::string_view key, std::chrono::milliseconds ttl) {
  const auto now = clock_.monotonicNs();
  std::lock_guard lock(mutex_);
  sweep(now);
  auto& entry = expiring_[tenantKey("i", tenant, key)];
  if (entry.expiresNs > now) return false;
  entry = {"1", now + ttl.count() * kNsPerMs, 0};
  return true;
}

// ---- Redis ----

namespace redis {

struct ReplyDeleter {
  void operator()(redisReply* r) const noexcept { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

struct Endpoint {
  std::string host = "127.0.0.1";
  int port = 6379;
  int db = 0;
  std::string password;
};

Expected<Endpoint> parseUrl(std::string_view url) {
  constexpr std::string_view kScheme = "redis://";
  if (!url.starts_with(kScheme)) {
    return fail(errors::kConfig, fmt::format("redis url '{}' must start with redis://", url.substr(0, 16)));
  }
  Endpoint endpoint;
  std::string_view rest = url.substr(kScheme.size());
  if (const auto at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    if (const auto colon = userinfo.find(':'); colon != std::string_view::npos) {
      endpoint.password = std::string(userinfo.substr(colon + 1));
    }
  }
  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  const auto number = [](std::string_view text, int lo, int hi, const char* what) -> Expected<int> {
    int value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size() || value < lo || value > hi) {
      return fail(errors::kConfig, fmt::format("redis url: {} '{}' is not {}..{}", what, text, lo, hi));
    }
    return value;
  };
  if (slash != std::string_view::npos && slash + 1 < rest.size()) {
    auto db = number(rest.substr(slash + 1), 0, 1'000'000, "database");
    if (!db) return Unexpected(db.error());
    endpoint.db = *db;
  }
  if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    auto port = number(authority.substr(colon + 1), 1, 65535, "port");
    if (!port) return Unexpected(port.error());
    endpoint.port = *port;
    authority = authority.substr(0, colon);
  }
  if (authority.empty()) return fail(errors::kConfig, "redis url: no host");
  endpoint.host = std::string(authority);
  return endpoint;
}

class Connection {
 public:
  static Expected<std::unique_ptr<Connection>> open(const Endpoint& e, std::chrono::milliseconds timeout) {
    const timeval tv{static_cast<time_t>(timeout.count() / 1000),
                     static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
    redisContext* ctx = redisConnectWithTimeout(e.host.c_str(), e.port, tv);
    if (ctx == nullptr || ctx->err != 0) {
      std::string message = ctx != nullptr ? ctx->errstr : "out of memory";
      if (ctx != nullptr) redisFree(ctx);
      return fail(errors::kBackend, fmt::format("redis: cannot connect to {}:{}: {}", e.host, e.port, message));
    }
    redisSetTimeout(ctx, tv);
    std::unique_ptr<Connection> conn(new Connection(ctx));
    if (!e.password.empty()) {
      auto r = conn->command({"AUTH", e.password});
      if (!r) return fail(errors::kBackend, fmt::format("redis: authentication refused: {}", r.error().message()));
    }
    if (e.db != 0) {
      auto r = conn->command({"SELECT", std::to_string(e.db)});
      if (!r) return Unexpected(r.error());
    }
    return conn;
  }
  ~Connection() { redisFree(ctx_); }

  /// Sends the commands in one pipeline and returns their replies; a server error reply fails.
  Expected<std::vector<Reply>> pipeline(std::initializer_list<std::initializer_list<std::string_view>> commands) {
    for (const auto& cmd : commands) {
      std::vector<const char*> argv;
      std::vector<std::size_t> lengths;
      for (const auto arg : cmd) {
        argv.push_back(arg.data());
        lengths.push_back(arg.size());
      }
      if (redisAppendCommandArgv(ctx_, static_cast<int>(argv.size()), argv.data(), lengths.data()) != REDIS_OK) {
        return broken();
      }
    }
    std::vector<Reply> replies;
    Expected<void> firstError;
    for (std::size_t i = 0; i < commands.size(); ++i) {
      void* raw = nullptr;
      if (redisGetReply(ctx_, &raw) != REDIS_OK || raw == nullptr) return broken();
      Reply reply(static_cast<redisReply*>(raw));
      if (reply->type == REDIS_REPLY_ERROR && firstError) {
        firstError = fail(errors::kBackend, fmt::format("redis: {}", std::string_view(reply->str, reply->len)));
      }
      replies.push_back(std::move(reply));
    }
    if (!firstError) return Unexpected(firstError.error());
    return replies;
  }

  Expected<Reply> command(std::initializer_list<std::string_view> args) {
    auto replies = pipeline({args});
    if (!replies) return Unexpected(replies.error());
    return std::move(replies->front());
  }

  bool healthy() const noexcept { return ctx_->err == 0; }

 private:
  explicit Connection(redisContext* ctx) : ctx_(ctx) {}
  Unexpected broken() {
    return fail(errors::kBackend, fmt::format("redis: {}", ctx_->err != 0 ? ctx_->errstr : "no reply"));
  }
  redisContext* ctx_;
};

}  // namespace redis

RedisState::RedisState(RedisSettings settings, const Clock& clock) : settings_(std::move(settings)), clock_(clock) {}
RedisState::~RedisState() = default;

Expected<std::unique_ptr<RedisState>> RedisState::open(const RedisSettings& settings, const Clock& clock) {
  auto endpoint = redis::parseUrl(settings.url);
  if (!endpoint) return Unexpected(endpoint.error());
  if (!settings.password.empty()) endpoint->password = settings.password;
  std::unique_ptr<RedisState> state(new RedisState(settings, clock));
  state->pool_ = std::make_unique<Pool<redis::Connection>>(
      "redis", settings.pool,
      [e = *endpoint, timeout = settings.timeout]() -> Expected<std::shared_ptr<redis::Connection>> {
        auto conn = redis::Connection::open(e, timeout);
        if (!conn) return Unexpected(conn.error());
        return std::shared_ptr<redis::Connection>(std::move(*conn));
      },
      [](redis::Connection& c) { return c.healthy() && c.command({"PING"}).has_value(); });
  state->breaker_ = std::make_unique<resilience::CircuitBreaker>("redis", settings.breaker, clock);
  return state;
}

std::string RedisState::key(std::string_view kind, std::optional<model::TenantId> tenant, std::string_view name) const {
  if (!tenant) return fmt::format("{}{}:{}", settings_.keyPrefix, kind, name);
  return settings_.keyPrefix + tenantKey(kind, *tenant, name);
}

namespace {

// Runs body on a pooled connection behind the breaker; a connection that broke is dropped.
template <class F>
auto guarded(resilience::CircuitBreaker& breaker, Pool<redis::Connection>& pool, F&& body)
    -> decltype(body(std::declval<redis::Connection&>())) {
  return breaker.call([&]() -> decltype(body(std::declval<redis::Connection&>())) {
    auto lease = pool.acquire();
    if (!lease) return Unexpected(lease.error());
    auto result = body(**lease);
    if (!(*lease)->healthy()) lease->discard();
    return result;
  });
}

std::string text(const redisReply* r) {
  return r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS ? std::string(r->str, r->len)
                                                                          : std::string();
}

}  // namespace

Expected<void> RedisState::putQuote(model::TenantId tenant, const CachedQuote& q) {
  const auto k = key("q", tenant, q.symbol);
  const auto ts = std::to_string(q.tsEventNs);
  return guarded(*breaker_, *pool_, [&](redis::Connection& c) -> Expected<void> {
    auto r = c.command({"HSET", k, "bid", q.bid, "ask", q.ask, "last", q.last, "ts", ts});
    if (!r) return Unexpected(r.error());
    return {};
  });
}

Expected<std::optional<CachedQuote>> RedisState::quote(model::TenantId tenant, std::string_view symbol) {
  const auto k = key("q", tenant, symbol);
  return guarded(*breaker_, *pool_, [&](redis::Connection& c) -> Expected<std::optional<CachedQuote>> {
    auto r = c.command({"HMGET", k, "bid", "ask", "last", "ts"});
    if (!r) return Unexpected(r.error());
    const redisReply* a = r->get();
    if (a->type != REDIS_REPLY_ARRAY || a->elements != 4) {
      return fail(errors::kBackend, "redis: HMGET answered something other than 4 fields");
    }
    if (a->element[0]->type == REDIS_REPLY_NIL) return std::optional<CachedQuote>{};
    CachedQuote q{std::string(symbol), text(a->element[0]), text(a->element[1]), text(a->element[2]), 0};
    const auto ts = text(a->element[3]);
    (void)std::from_chars(ts.data(), ts.data() + ts.size(), q.tsEventNs);
    return std::optional<CachedQuote>{std::move(q)};
  });
}

Expected<void> RedisState::putSession(std::string_view id, std::string_view value, std::chrono::milliseconds ttl) {
  const auto k = key("s", std::nullopt, id);
  const auto px = std::to_string(std::max<std::int64_t>(1, ttl.count()));
  return guarded(*breaker_, *pool_, [&](redis::Connection& c) -> Expected<void> {
    auto r = c.command({"SET", k, value, "PX", px});
    if (!r) return Unexpected(r.error());
    return {};
  });
}

Expected<std::optional<std::string>> RedisState::session(std::string_view id) {
  const auto k = key("s", std::nullopt, id);
  return guarded(*breaker_, *pool_, [&](redis::Connection& c) -> Expected<std::optional<std::string>> {
    auto r = c.command({"GET", k});
    if (!r) return Unexpected(r.error());
    if ((*r)->type == REDIS_REPLY_NIL) return std::optional<std::string>{};
    return std::optional<std::string>{text(r->get())};
  });
}

Expected<void> RedisState::dropSession(std::string_view id) {
  const auto k = key("s", std::nullopt, id);
  return guarded(*breaker_, *pool_, [&](redis::Connection& c) -> Expected<void> {
    auto r = c.command({"DEL", k});
    if (!r) return Unexpected(r.error());
    return {};
  });
}

Expected<std::int64_t> RedisState::hit(model::TenantId tenant, std::string_view name, std::chrono::milliseconds window) {
  // Wall-clock windows: every process sharing the server must agree on where a window starts.
  const auto k = key("r", tenant, windowKey(name, window, clock_.now()));
  const auto px = std::to_string(2 * std::max<std::int64_t>(1, window.count()));
  return guarded(*breaker_, *pool_, [&](redis::Connection& c) -> Expected<std::int64_t> {
    auto replies = c.pipeline({{"INCR", k}, {"PEXPIRE", k, px}});
    if (!replies) return Unexpected(replies.error());
    return static_cast<std::int64_t>((*replies)[0]->integer);
  });
}

Expected<bool> RedisState::claim(model::TenantId tenant, std::string_view name, std::chrono::milliseconds ttl) {
  const auto k = key("i", tenant, name);
  const auto px = std::to_string(std::max<std::int64_t>(1, ttl.count()));
  return guarded(*breaker_, *pool_, [&](redis::Connection& c) -> Expected<bool> {
    auto r = c.command({"SET", k, "1", "NX", "PX", px});
    if (!r) return Unexpected(r.error());
    return (*r)->type != REDIS_REPLY_NIL;
  });
}

Expected<void> RedisState::ping() {
  return guarded(*breaker_, *pool_, [&](redis::Connection& c) -> Expected<void> {
    auto r = c.command({"PING"});
    if (!r) return Unexpected(r.error());
    return {};
  });
}

}  // namespace ait::store
