#include "ait/mt5/compat.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <unordered_map>

#include "ait/http/websocket.h"
#include "ait/log/log.h"
#include "ait/model/time.h"
#include "ait/mt5/errors.h"
#include "ait/mt5/tenants.h"
#include "mt5/convert.h"
#include "mt5/json_reader.h"

namespace ait::mt5 {

namespace {

constexpr std::string_view kSource = "mt5-ws";

// How often a session's feed sees the clock while its client is quiet: the data bridge's own
// sources tick at the same period.
constexpr auto kTimerInterval = std::chrono::milliseconds(100);

// Epoch numbers: seconds (the Python bridge's time.time()) or, when too large, milliseconds.
TimestampNs fromEpochNumber(double value) {
  if (std::fabs(value) > 1e11) return static_cast<TimestampNs>(value * 1e6);
  return static_cast<TimestampNs>(value * 1e9);
}

}  // namespace

std::string compatMessage(std::string_view type, const nlohmann::json& data, TimestampNs now) {
  nlohmann::json message{{"type", type}, {"data", data}, {"timestamp", model::toIso8601(now)}};
  return message.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

struct CompatConnection::Impl {
  model::TenantId tenant;
  ClientZone zone;
  std::unique_ptr<Feed> feed;
  Clock& clock;
  ProtocolStats& stats;
  std::uint32_t maxConsecutiveErrors;
  std::uint32_t consecutiveErrors = 0;
  simdjson::dom::parser parser;
  detail::EventContext context;
  std::shared_ptr<spdlog::logger> log = log::logger("mt5");

  Impl(model::TenantId t, ClientZone z, std::unique_ptr<Feed> f, Clock& c, ProtocolStats& s,
       std::uint32_t maxErrors)
      : tenant(t),
        zone(z),
        feed(std::move(f)),
        clock(c),
        stats(s),
        maxConsecutiveErrors(maxErrors) {
    context.tenant = tenant;
  }

  void ok(std::vector<std::string>& replies, std::string_view type, nlohmann::json data) {
    consecutiveErrors = 0;
    stats.messages.inc();
    nlohmann::json message{{"type", type},
                           {"status", "success"},
                           {"data", std::move(data)},
                           {"timestamp", model::toIso8601(clock.now())}};
    replies.push_back(message.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }

  // Answers `error` naming the problem; counts it against the flood limit.
  void error(std::vector<std::string>& replies, const ErrorCode& code, std::string_view message,
             std::string_view about = {}, std::string_view field = {}) {
    ++consecutiveErrors;
    nlohmann::json data{{"message", message}, {"code", code.code}};
    if (!about.empty()) data["message_type"] = about;
    if (!field.empty()) data["field"] = field;
    nlohmann::json reply{{"type", "error"},
                         {"status", "error"},
                         {"data", std::move(data)},
                         {"timestamp", model::toIso8601(clock.now())}};
    replies.push_back(reply.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    if (consecutiveErrors == 1) {
      log::warn(
          *log, "mt5 compatibility message refused",
          {{"code", code.code}, {"detail", message}, {"tenant", std::to_string(tenant.value)}});
    }
  }

  void countError(const Error& e) {
    if (e.codeString() == errors::kOverloaded.code) {
      stats.overloaded.inc();
    } else if (e.codeString() == errors::kBadField.code) {
      stats.badField.inc();
    } else {
      stats.ticksRejected.inc();
    }
  }

  // Answers `error` for a message whose fields did not convert.
  void badField(std::vector<std::string>& replies, const ErrorCode& code, std::string_view message,
                std::string_view type, std::string_view field = {}) {
    stats.badField.inc();
    error(replies, code, message, type, field);
  }

  // Publishes the event, or answers `error` with why the platform did not take it.
  bool publishOrRefuse(const model::Event& event, std::string_view type,
                       std::vector<std::string>& replies) {
    auto published = feed->publish(event);
    if (published) return true;
    countError(published.error());
    error(replies, published.error().code(), published.error().message(), type);
    return false;
  }

  // A message listing entries under `key`: the array, or nullopt after answering `error`.
  std::optional<simdjson::dom::array> entriesOf(simdjson::dom::object data, std::string_view type,
                                                std::string_view key,
                                                std::vector<std::string>& replies) {
    detail::FieldReader reader(data);
    auto entries = reader.array(key);
    if (reader.ok()) return entries;
    badField(replies, errors::kBadField, reader.problem(), type, reader.field());
    return std::nullopt;
  }

  bool handle(std::string_view frame, std::vector<std::string>& replies) {
    TimestampNs recv = clock.now();
    std::int64_t startMono = clock.monotonicNs();
    simdjson::dom::element root;
    if (auto err = parser.parse(frame.data(), frame.size(), true).get(root); err) {
      stats.badJson.inc();
      error(replies, errors::kBadJson,
            fmt::format("message is not valid JSON: {}", simdjson::error_message(err)));
      return consecutiveErrors < maxConsecutiveErrors;
    }
    simdjson::dom::object message;
    if (root.get_object().get(message) != simdjson::SUCCESS) {
      stats.badField.inc();
      error(replies, errors::kBadField, "message must be a JSON object");
      return consecutiveErrors < maxConsecutiveErrors;
    }
    detail::FieldReader top(message);
    auto type = top.string("type");
    auto timestamp = top.optString("timestamp");
    if (!top.ok()) {
      stats.badField.inc();
      error(replies, errors::kBadField, top.problem(), {}, top.field());
      return consecutiveErrors < maxConsecutiveErrors;
    }
    context.tsRecv = recv;
    context.tsEvent = recv;
    if (timestamp) {
      if (auto ts = zone.parse(*timestamp); ts) context.tsEvent = *ts;
    }
    simdjson::dom::object data;
    bool hasData = message.at_key("data").get_object().get(data) == simdjson::SUCCESS;
    auto needData = [&]() {
      if (hasData) return true;
      stats.badField.inc();
      error(replies, errors::kBadField, "field 'data' is missing or not an object", type, "data");
      return false;
    };

    if (type == "connection") {
      ok(replies, "connection_established",
         {{"status", "connected"}, {"server", "aitrading"}, {"tenant", tenant.value}});
    } else if (type == "heartbeat") {
      ok(replies, "heartbeat_response",
         {{"status", "alive"}, {"server_time", model::toIso8601(recv)}});
    } else if (type == "tick_data") {
      if (needData()) tick(data, type, replies);
    } else if (type == "account_info") {
      if (needData()) account(data, type, replies);
    } else if (type == "positions") {
      if (needData())
        list(data, type, "positions", replies,
             [&](simdjson::dom::object entry) { return detail::positionFrom(entry, context); });
    } else if (type == "orders") {
      if (needData())
        list(data, type, "orders", replies, [&](simdjson::dom::object entry) {
          auto order = detail::workingOrderFrom(entry, context);
          if (!order) return Expected<model::Event>(Unexpected(order.error()));
          return Expected<model::Event>(model::Event(*order));
        });
    } else if (type == "deals_history" || type == "orders_history") {
      // History is kept by the terminal; the platform's own journal is the record, so history
      // is checked and acknowledged, not republished as new events.
      if (needData()) history(data, type, type == "deals_history" ? "deals" : "orders", replies);
    } else if (type == "trade_result") {
      if (needData()) single(data, type, replies, detail::tradeResultFrom(data, context));
    } else if (type == "error") {
      detail::FieldReader reader(hasData ? data : message);
      auto text = reader.optString("message").value_or("");
      log::warn(*log, "mt5 client reported an error",
                {{"tenant", std::to_string(tenant.value)}, {"detail", text}});
      ok(replies, "error_processed", {{"status", "logged"}});
    } else {
      stats.unknownType.inc();
      error(replies, errors::kUnknownType, fmt::format("unknown message type '{}'", type), type,
            "type");
    }
    stats.receiveToPublish.observeNs(clock.monotonicNs() - startMono);
    return consecutiveErrors < maxConsecutiveErrors;
  }

  void tick(simdjson::dom::object data, std::string_view type, std::vector<std::string>& replies) {
    detail::FieldReader reader(data);
    RawQuote quote;
    quote.tenant = tenant;
    quote.source = kSource;
    quote.tsRecv = context.tsRecv;
    quote.symbol = reader.string("symbol");
    quote.bid = reader.number("bid");
    quote.ask = reader.number("ask");
    quote.last = reader.optNumber("last").value_or(0.0);
    quote.volume = reader.optNumber("volume").value_or(0.0);
    quote.digits = static_cast<int>(reader.optInteger("digits").value_or(-1));
    double spread = reader.optNumber("spread").value_or(0.0);
    quote.tsEvent = context.tsEvent;
    simdjson::dom::element time;
    if (data.at_key("time").get(time) == simdjson::SUCCESS && !time.is_null()) {
      std::string_view text;
      double number = 0;
      if (time.get_string().get(text) == simdjson::SUCCESS) {
        auto ts = zone.parse(text);
        if (ts) {
          quote.tsEvent = *ts;
        } else {
          reader.invalid("time", fmt::format("is not an ISO 8601 time: {}", ts.error().message()));
        }
      } else if (time.get_double().get(number) == simdjson::SUCCESS && std::isfinite(number)) {
        quote.tsEvent = fromEpochNumber(number);
      } else {
        reader.invalid("time", "must be an ISO 8601 string or epoch seconds");
      }
    }
    if (!reader.ok()) {
      return badField(replies, errors::kBadField, reader.problem(), type, reader.field());
    }
    quote.flags = model::kTickBid | model::kTickAsk;
    if (quote.last > 0) quote.flags |= model::kTickLast;
    if (quote.volume > 0) quote.flags |= model::kTickVolume;
    if (auto published = feed->quote(quote); !published) {
      countError(published.error());
      error(replies, published.error().code(), published.error().message(), type);
      return;
    }
    stats.ticks.inc();
    ok(replies, "tick_data_processed",
       {{"symbol", quote.symbol}, {"bid", quote.bid}, {"ask", quote.ask}, {"spread", spread}});
  }

  void account(simdjson::dom::object data, std::string_view type,
               std::vector<std::string>& replies) {
    auto state = detail::accountFrom(data, context);
    if (!state) return badField(replies, state.error().code(), state.error().message(), type);
    if (!publishOrRefuse(*state, type, replies)) return;
    context.account = state->account;
    context.currency = state->currency;
    ok(replies, "account_info_processed", {{"login", state->account.view()}});
  }

  template <class Convert>
  void list(simdjson::dom::object data, std::string_view type, std::string_view key,
            std::vector<std::string>& replies, Convert&& convert) {
    auto entries = entriesOf(data, type, key, replies);
    if (!entries) return;
    std::size_t accepted = 0;
    std::vector<std::string> problems;
    std::size_t index = 0;
    for (auto element : *entries) {
      simdjson::dom::object entry;
      Expected<model::Event> event =
          element.get_object().get(entry) == simdjson::SUCCESS
              ? convert(entry)
              : Expected<model::Event>(fail(errors::kBadField, "entry must be an object"));
      if (event) {
        if (auto published = feed->publish(*event); published) {
          ++accepted;
        } else {
          countError(published.error());
          problems.push_back(fmt::format("{}[{}]: {}", key, index, published.error().message()));
        }
      } else {
        stats.badField.inc();
        problems.push_back(fmt::format("{}[{}]: {}", key, index, event.error().message()));
      }
      ++index;
    }
    feed->listEnd(type, index, accepted);
    if (!problems.empty()) {
      std::string joined;
      for (const auto& p : problems) joined += (joined.empty() ? "" : "; ") + p;
      error(replies, errors::kBadField, joined, type, key);
    }
    ok(replies, fmt::format("{}_processed", type),
       {{"count", accepted}, {"rejected", problems.size()}});
  }

  void history(simdjson::dom::object data, std::string_view type, std::string_view key,
               std::vector<std::string>& replies) {
    auto entries = entriesOf(data, type, key, replies);
    if (!entries) return;
    ok(replies, fmt::format("{}_processed", type), {{"count", entries->size()}});
  }

  void single(simdjson::dom::object, std::string_view type, std::vector<std::string>& replies,
              Expected<model::Event> event) {
    if (!event) return badField(replies, event.error().code(), event.error().message(), type);
    if (!publishOrRefuse(*event, type, replies)) return;
    ok(replies, fmt::format("{}_processed", type), {{"status", "recorded"}});
  }
};

CompatConnection::CompatConnection(model::TenantId tenant, ClientZone zone,
                                   std::unique_ptr<Feed> feed, Clock& clock, ProtocolStats& stats,
                                   std::uint32_t maxConsecutiveErrors)
    : impl_(std::make_unique<Impl>(tenant, zone, std::move(feed), clock, stats,
                                   maxConsecutiveErrors)),
      tenant_(tenant) {}

CompatConnection::~CompatConnection() = default;

bool CompatConnection::handle(std::string_view frame, std::vector<std::string>& replies) {
  return impl_->handle(frame, replies);
}

void CompatConnection::onTimer(TimestampNs now) { impl_->feed->onTimer(now); }

struct CompatServer::State {
  State(const Mt5Config& c, TenantDirectory d, FeedFactory f, Clock& cl, metrics::Registry& r)
      : config(c), directory(std::move(d)), feeds(std::move(f)), clock(cl), stats(r, "ws") {}

  Mt5Config config;
  TenantDirectory directory;
  FeedFactory feeds;
  Clock& clock;
  ProtocolStats stats;
  std::mutex mutex;
  std::unordered_map<std::uint32_t, std::vector<std::weak_ptr<Session>>> sessions;
  std::mutex timerMutex;  // guards stopping
  std::condition_variable timerWake;
  bool stopping = false;

  void forget(const Session* session);
};

class CompatServer::Session final : public http::WebSocketSession {
 public:
  Session(std::shared_ptr<State> state, ClientIdentity identity, std::unique_ptr<Feed> feed)
      : state_(std::move(state)),
        connection_(identity.tenant, identity.zone, std::move(feed), state_->clock, state_->stats,
                    state_->config.max_consecutive_errors) {}

  void onOpen() override { state_->stats.connections.add(1); }
  void onText(std::string_view message) override {
    // The server's timer thread also uses the connection (onTimer): one at a time. The lock is
    // uncontended except at the timer's tick, ten times a second.
    std::unique_lock lock(connectionMutex_);
    replies_.clear();
    bool keep = connection_.handle(message, replies_);
    lock.unlock();
    for (auto& reply : replies_) send(std::move(reply));
    if (!keep) {
      state_->stats.floods.inc();
      close(http::close_code::kPolicyViolation, "too many bad messages");
    }
  }
  void onBinary(std::string_view) override {
    state_->stats.badJson.inc();
    send(compatMessage("error",
                       {{"message", "binary frames are not part of the protocol: send JSON text"},
                        {"code", errors::kBadJson.code}},
                       state_->clock.now()));
  }
  void onClose(const http::WebSocketCloseInfo&) override {
    {
      std::lock_guard lock(connectionMutex_);
      closed_ = true;
    }
    state_->stats.connections.add(-1);
    state_->forget(this);
  }
  /// Runs on the server's timer thread.
  void onTimer(TimestampNs now) {
    std::lock_guard lock(connectionMutex_);
    if (!closed_) connection_.onTimer(now);
  }
  model::TenantId tenant() const noexcept { return connection_.tenant(); }

 private:
  std::shared_ptr<State> state_;
  std::mutex connectionMutex_;  // guards connection_ and closed_
  CompatConnection connection_;
  bool closed_ = false;
  std::vector<std::string> replies_;
};

void CompatServer::State::forget(const Session* session) {
  std::lock_guard lock(mutex);
  for (auto& [tenant, list] : sessions) {
    std::erase_if(list, [&](const std::weak_ptr<Session>& weak) {
      auto strong = weak.lock();
      return !strong || strong.get() == session;
    });
  }
}

CompatServer::CompatServer(const Mt5Config& config, FeedFactory feeds, Clock& clock,
                           metrics::Registry& registry) {
  auto directory = TenantDirectory::make(config);
  // The config was validated at load; a directory that still fails refuses every token.
  state_ = std::make_shared<State>(config, directory ? std::move(*directory) : TenantDirectory{},
                                   std::move(feeds), clock, registry);
  timer_ = std::thread([this] { runTimer(); });
}

CompatServer::~CompatServer() {
  {
    std::lock_guard lock(state_->timerMutex);
    state_->stopping = true;
  }
  state_->timerWake.notify_all();
  if (timer_.joinable()) timer_.join();
  closeAll();
}

void CompatServer::runTimer() {
  std::vector<std::shared_ptr<Session>> open;
  std::unique_lock wait(state_->timerMutex);
  while (!state_->timerWake.wait_for(wait, kTimerInterval, [&] { return state_->stopping; })) {
    wait.unlock();
    open.clear();
    {
      std::lock_guard lock(state_->mutex);
      for (auto& [tenant, list] : state_->sessions) {
        for (auto& weak : list) {
          if (auto session = weak.lock(); session && session->isOpen()) open.push_back(session);
        }
      }
    }
    const TimestampNs now = state_->clock.now();
    for (auto& session : open) session->onTimer(now);
    open.clear();  // a session closed meanwhile is freed here, not kept until the next tick
    wait.lock();
  }
}

ProtocolStats& CompatServer::stats() noexcept { return state_->stats; }

void CompatServer::addRoutes(http::Router& router) {
  auto factory = [this](const http::Request& request) { return accept(request); };
  router.addWebSocket("/api/v1/ws", factory);
  router.addWebSocket("/api/v1/ws/mt5", factory);
}

http::WebSocketAccept CompatServer::accept(const http::Request& request) {
  std::optional<std::string_view> token = request.query("token");
  if (!token) {
    if (auto auth = request.header("Authorization"); auth && auth->starts_with("Bearer ")) {
      token = auth->substr(7);
    } else if (auto key = request.header("X-API-Key"); key) {
      token = *key;
    }
  }
  std::optional<ClientIdentity> identity =
      token ? state_->directory.find(*token) : state_->directory.anonymous();
  if (!identity) {
    state_->stats.protocolErrors.inc();
    return http::problem(401, errors::kAuth,
                         token ? "the token is not known" : "a token is required (?token=)");
  }
  auto feed = state_->feeds ? state_->feeds(identity->tenant, kSource) : nullptr;
  if (!feed) {
    return http::problem(503, errors::kOverloaded, "the platform takes no market data now");
  }
  auto session = std::make_shared<Session>(state_, *identity, std::move(feed));
  std::lock_guard lock(state_->mutex);
  state_->sessions[identity->tenant.value].push_back(session);
  return session;
}

Expected<std::size_t> CompatServer::send(model::TenantId tenant, std::string_view type,
                                         const nlohmann::json& data) {
  std::vector<std::shared_ptr<Session>> targets;
  {
    std::lock_guard lock(state_->mutex);
    auto it = state_->sessions.find(tenant.value);
    if (it != state_->sessions.end()) {
      for (auto& weak : it->second) {
        if (auto session = weak.lock(); session && session->isOpen()) targets.push_back(session);
      }
    }
  }
  if (targets.empty()) {
    return fail(errors::kNotConnected,
                fmt::format("no compatibility client of tenant {} is connected", tenant.value));
  }
  auto text = compatMessage(type, data, state_->clock.now());
  std::size_t sent = 0;
  for (auto& session : targets) {
    if (session->send(text)) ++sent;
  }
  state_->stats.commands.inc(sent);
  if (sent == 0) {
    return fail(errors::kNotConnected,
                fmt::format("no client of tenant {} took the command", tenant.value));
  }
  return sent;
}

std::size_t CompatServer::clients(model::TenantId tenant) const {
  std::lock_guard lock(state_->mutex);
  auto it = state_->sessions.find(tenant.value);
  if (it == state_->sessions.end()) return 0;
  return static_cast<std::size_t>(std::ranges::count_if(it->second, [](const auto& weak) {
    auto session = weak.lock();
    return session && session->isOpen();
  }));
}

void CompatServer::closeAll() {
  std::vector<std::shared_ptr<Session>> all;
  {
    std::lock_guard lock(state_->mutex);
    for (auto& [tenant, list] : state_->sessions) {
      for (auto& weak : list) {
        if (auto session = weak.lock()) all.push_back(session);
      }
    }
  }
  for (auto& session : all) session->close(http::close_code::kGoingAway, "service stopping");
}

}  // namespace ait::mt5
