#include "ait/gateway/streams.h"

#include <algorithm>
#include <array>
#include <cctype>

#include <fmt/format.h>

#include "ait/gateway/auth_routes.h"
#include "ait/gateway/backend.h"
#include "ait/gateway/errors.h"
#include "ait/data/visibility.h"
#include "ait/http/websocket.h"
#include "ait/log/log.h"
#include "ait/metrics/metrics.h"
#include "ait/model/codec.h"
#include "ait/model/json.h"

namespace ait::gateway {

namespace {

using Json = nlohmann::json;

constexpr std::array<std::string_view, kChannelCount> kChannelNames{
    "ticks", "bars", "orders", "fills", "positions", "account", "decisions", "alerts"};
constexpr std::size_t kMaxSymbols = 256;
constexpr std::size_t kSnapshotFills = 100;

std::uint8_t idx(Channel c) { return static_cast<std::uint8_t>(c); }

bool validSymbol(std::string_view s) {
  return !s.empty() && s.size() <= 32 && std::ranges::all_of(s, [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '/' || c == '_' || c == '-' || c == '.';
  });
}

std::string errorMessage(const Json& id, const ErrorCode& code, std::string_view message) {
  return Json{{"id", id}, {"error", {{"code", code.code}, {"message", message}}}}.dump();
}

metrics::Counter& streamCounter(std::string_view name, std::string_view help) {
  return metrics::Registry::global().counter(name, help);
}

}  // namespace

std::string_view toString(Channel channel) noexcept { return kChannelNames[idx(channel)]; }

std::optional<Channel> parseChannel(std::string_view name) noexcept {
  for (std::size_t i = 0; i < kChannelNames.size(); ++i) {
    if (kChannelNames[i] == name) return static_cast<Channel>(i);
  }
  return std::nullopt;
}

// One WebSocket client. I/O threads run its callbacks; the fan-out thread owns `pending`,
// `out` and `kicked` (market data waiting for a slow client, messages gathered for the next
// frame of a batching client, and whether it was disconnected).
class StreamSession final : public http::WebSocketSession,
                            public std::enable_shared_from_this<StreamSession> {
 public:
  StreamSession(StreamHub& hub, Backend* trading, Expected<auth::Principal> principal, bool batching,
                std::string refusal)
      : batch(batching), viewer(principal ? principal->tenant : 0), hub_(hub), trading_(trading),
        principal_(std::move(principal)), refusal_(std::move(refusal)) {}

  void onOpen() override {
    if (!principal_ || !refusal_.empty()) {
      close(http::close_code::kPolicyViolation, principal_ ? refusal_ : "invalid or used ws token");
      return;
    }
    hub_.attach(shared_from_this());
  }

  /// Sends one message, as a one-element array to a batching client (every frame is an array).
  bool reply(std::string text) { return send(batch ? "[" + text + "]" : std::move(text)); }

  void onText(std::string_view text) override {
    Json message = Json::parse(text, nullptr, false);
    Json id = message.is_object() && message.contains("id") ? message["id"] : Json();
    if (!message.is_object() || !message.contains("method") || !message["method"].is_string()) {
      reply(errorMessage(id, errors::kStreamRequest, "expected {\"method\": ..., \"params\": ..., \"id\": ...}"));
      return;
    }
    const std::string method = message["method"].get<std::string>();
    if (method == "ping") {
      reply(Json{{"id", id}, {"result", "pong"}}.dump());
      return;
    }
    if (method != "subscribe" && method != "unsubscribe") {
      reply(errorMessage(id, errors::kStreamRequest, fmt::format("unknown method '{}'", method)));
      return;
    }
    const Json params = message.contains("params") && message["params"].is_object() ? message["params"] : Json::object();
    auto channelName = params.contains("channel") && params["channel"].is_string()
                           ? params["channel"].get<std::string>() : std::string();
    auto channel = parseChannel(channelName);
    if (!channel) {
      reply(errorMessage(id, errors::kStreamRequest,
                        "params.channel: use ticks, bars, orders, fills, positions, account, decisions or alerts"));
      return;
    }
    std::vector<std::string> symbols;
    if (!isPrivate(*channel)) {
      const Json list = params.contains("symbols") ? params["symbols"] : Json();
      if (!list.is_array() || list.empty() || list.size() > kMaxSymbols) {
        reply(errorMessage(id, errors::kStreamRequest, fmt::format("params.symbols: a list of 1..{} symbols", kMaxSymbols)));
        return;
      }
      for (const auto& s : list) {
        if (!s.is_string() || !validSymbol(s.get<std::string>())) {
          reply(errorMessage(id, errors::kStreamRequest, "params.symbols: each symbol is 1..32 letters, digits, / _ - ."));
          return;
        }
        symbols.push_back(s.get<std::string>());
      }
    }
    const std::uint32_t tenant = principal_->tenant;
    if (method == "unsubscribe") {
      hub_.request({weak_from_this(), *channel, symbols, tenant, 0, true});
      reply(Json{{"id", id}, {"result", {{"channel", channelName}, {"unsubscribed", true}}}}.dump());
      return;
    }
    std::optional<std::uint64_t> since;
    if (params.contains("since")) {
      if (!params["since"].is_number_unsigned()) {
        reply(errorMessage(id, errors::kStreamRequest, "params.since: the last sequence number received"));
        return;
      }
      since = params["since"].get<std::uint64_t>();
    }
    Json ack{{"channel", channelName}};
    if (!symbols.empty()) ack["symbols"] = symbols;
    reply(Json{{"id", id}, {"result", ack}}.dump());

    if (isPrivate(*channel) && since && hub_.history(*channel, tenant, *since).has_value()) {
      // Resuming: the fan-out replays what came after `since`, then carries on live.
      hub_.request({weak_from_this(), *channel, {}, tenant, *since, false});
      return;
    }
    // Market data: the public feeds' sequence (a tenant's private feeds are numbered apart).
    const std::uint64_t seq = hub_.sequence(*channel, isPrivate(*channel) ? tenant : 0);
    Json snapshot{{"channel", channelName}, {"type", "snapshot"}, {"seq", seq}};
    if (since) snapshot["reset"] = true;
    snapshot["data"] = snapshotData(*channel, symbols);
    reply(snapshot.dump());
    hub_.request({weak_from_this(), *channel, std::move(symbols), tenant, seq, false});
  }

  void onClose(const http::WebSocketCloseInfo&) override { hub_.forget(this); }

  const bool batch;              // every frame is a JSON array of messages
  const std::uint32_t viewer;    // the client's tenant: which market data feeds it sees

  // Fan-out thread only.
  // (channel, symbol with timeframe, feed owner) -> the latest message a slow client waits for.
  std::map<std::tuple<std::uint8_t, std::string, std::uint32_t>, std::shared_ptr<const std::string>> pending;
  std::vector<std::shared_ptr<const std::string>> out;  // batching: the next frame's messages
  bool inBatching = false;                             // listed in the hub's batching_
  bool kicked = false;
  std::int64_t kickedAtNs = 0;
  std::uint64_t queuedRound = ~std::uint64_t{0};       // the round queuedCache was read in
  std::size_t queuedCache = 0;
  bool queuedFresh = false;                            // no send since it was read

 private:
  Json snapshotData(Channel channel, const std::vector<std::string>& symbols) {
    switch (channel) {
      case Channel::Ticks:
      case Channel::Bars: return hub_.latest(channel, symbols, principal_->tenant);
      case Channel::Fills: {
        Json fills = hub_.fills(principal_->tenant, "", "", "", kSnapshotFills, 0)["fills"];
        return fills;
      }
      case Channel::Orders:
      case Channel::Positions:
      case Channel::Account: {
        if (trading_ == nullptr) return Json::array();
        std::string_view path = channel == Channel::Orders      ? "/api/v1/orders?open=true"
                                : channel == Channel::Positions ? "/api/v1/positions"
                                                                : "/api/v1/account";
        auto answer = trading_->call(http::Request::make(http::Method::Get, path),
                                     callerFor(*principal_), Priority::Normal);
        Json body = Json::parse(answer.body, nullptr, false);
        const char* key = channel == Channel::Orders ? "orders" : channel == Channel::Positions ? "positions" : "accounts";
        if (answer.status != 200 || !body.is_object() || !body.contains(key)) return Json::array();
        return body[key];
      }
      default: return Json::array();
    }
  }

  StreamHub& hub_;
  Backend* trading_;
  Expected<auth::Principal> principal_;
  std::string refusal_;  // why the connection is refused when the token was fine
};

StreamHub::StreamHub(StreamSettings settings, const Clock& clock)
    : settings_(settings), clock_(clock), ring_(settings.ringCapacity) {}

StreamHub::~StreamHub() { stop(); }

Expected<std::unique_ptr<StreamHub>> StreamHub::create(engine::Runtime& runtime, StreamSettings settings,
                                                       const Clock& clock) {
  auto hub = std::make_unique<StreamHub>(settings, clock);
  StreamHub* h = hub.get();
  // Rebuild sequences and history from the trading journal, so that they survive a restart
  // and a client's `since` still means the same events.
  auto reader = runtime.journal(engine::Stream::Trading).reader();
  if (!reader) return Unexpected(reader.error());
  for (;;) {
    auto record = reader->next();
    if (!record) return Unexpected(record.error());
    if (!*record) break;
    auto event = model::decode((*record)->payload);
    if (!event) continue;  // a type this build does not know: nothing to stream
    model::headerOf(*event).sequence = (*record)->seq;
    h->render(*event);
  }
  for (std::string_view topic : {"md.>", "orders.>", "positions", "account", "ai.decisions", "system.alert"}) {
    auto ok = runtime.bus().subscribe(topic, [h](const model::Event& event) { h->publish(event); });
    if (!ok) return Unexpected(ok.error());
  }
  return hub;
}

bool StreamHub::publish(const model::Event& event) noexcept {
  if (model::isCommand(model::typeOf(event))) return true;
  if (ring_.tryPush(event)) return true;
  overflowed_.store(true, std::memory_order_relaxed);
  return false;
}

void StreamHub::kick(StreamSession& session, std::string_view message) {
  if (session.kicked) return;
  session.kicked = true;
  session.kickedAtNs = clock_.monotonicNs();
  kicked_.fetch_add(1, std::memory_order_relaxed);
  // Gathered messages go first: the client resumes from the last sequence it got.
  while (!session.out.empty()) sendFrame(session, std::min(session.out.size(), settings_.batchFrameMessages));
  // Queued behind what the client has not read yet; closing now would drop it.
  session.reply(Json{{"type", "error"}, {"code", errors::kSlowClient.code}, {"message", message}}.dump());
  draining_.push_back(session.shared_from_this());
}

void StreamHub::closeDrained() {
  const std::int64_t now = clock_.monotonicNs();
  std::erase_if(draining_, [now](const std::shared_ptr<StreamSession>& s) {
    // A client that reads nothing at all is closed after 5 s without its error.
    if (s->queuedMessages() > 0 && now - s->kickedAtNs < 5'000'000'000) return false;
    s->close(http::close_code::kPolicyViolation, "slow consumer");
    return true;
  });
}

void StreamHub::start() {
  if (running_.exchange(true)) return;
  thread_ = std::thread([this] { run(); });
}

void StreamHub::stop() {
  if (!running_.exchange(false)) return;
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(allMutex_);
  for (const auto& session : all_) session->close(http::close_code::kGoingAway, "server shutting down");
  all_.clear();
}

std::size_t StreamHub::sessions() const {
  std::lock_guard lock(allMutex_);
  return all_.size();
}

void StreamHub::attach(std::shared_ptr<StreamSession> session) {
  std::lock_guard lock(allMutex_);
  all_.insert(std::move(session));
}

void StreamHub::forget(StreamSession* session) {
  std::shared_ptr<StreamSession> held;
  {
    std::lock_guard lock(allMutex_);
    for (auto it = all_.begin(); it != all_.end(); ++it) {
      if (it->get() == session) {
        held = *it;
        all_.erase(it);
        break;
      }
    }
  }
  if (held) request({held, Channel::Ticks, {}, 0, 0, true, true});
}

void StreamHub::request(Subscribe command) {
  std::lock_guard lock(commandsMutex_);
  commands_.push_back(std::move(command));
}

std::uint64_t StreamHub::sequence(Channel channel, std::uint32_t tenant) const {
  std::lock_guard lock(stateMutex_);
  auto it = sequences_.find({idx(channel), tenant});
  return it == sequences_.end() ? 0 : it->second;
}

std::optional<StreamHub::History> StreamHub::history(Channel channel, std::uint32_t tenant,
                                                      std::uint64_t after) const {
  std::lock_guard lock(stateMutex_);
  auto seq = sequences_.find({idx(channel), tenant});
  const std::uint64_t current = seq == sequences_.end() ? 0 : seq->second;
  if (after > current) return std::nullopt;  // a sequence this hub never gave out
  History out;
  if (after == current) return out;
  auto it = history_.find({idx(channel), tenant});
  if (it == history_.end() || it->second.empty() || it->second.front().first > after + 1) return std::nullopt;
  for (const auto& entry : it->second) {
    if (entry.first > after) out.push_back(entry);
  }
  return out;
}

Json StreamHub::latest(Channel channel, const std::vector<std::string>& symbols, std::uint32_t viewer) const {
  Json out = Json::array();
  std::lock_guard lock(stateMutex_);
  for (const auto& symbol : symbols) {
    // Every timeframe (bars) and every feed of the symbol that the viewer may see.
    for (auto it = latest_.lower_bound({idx(channel), symbol, std::string(), 0});
         it != latest_.end() && std::get<0>(it->first) == idx(channel) && std::get<1>(it->first) == symbol; ++it) {
      if (data::visibleTo(model::TenantId{viewer}, model::TenantId{std::get<3>(it->first)})) {
        out.push_back(model::toJson(it->second));
      }
    }
  }
  return out;
}

Json StreamHub::fills(std::uint32_t tenant, std::string_view instrument, std::string_view account,
                      std::string_view order, std::size_t limit, std::uint64_t after) const {
  Json out = Json::array();
  std::optional<std::uint64_t> next;
  std::lock_guard lock(stateMutex_);
  if (auto it = tenantFills_.find(tenant); it != tenantFills_.end()) {
    for (const auto& fill : it->second) {
      if (fill["seq"].get<std::uint64_t>() <= after) continue;
      const std::string inst = fill.value("instrument", "");
      if (!instrument.empty() && inst != instrument && inst.rfind(std::string(instrument) + "@", 0) != 0) continue;
      if (!account.empty() && fill.value("account", "") != account) continue;
      if (!order.empty() && fill.value("client_order_id", "") != order) continue;
      if (out.size() == limit) {
        next = out.back()["seq"].get<std::uint64_t>();
        break;
      }
      out.push_back(fill);
    }
  }
  Json result{{"fills", std::move(out)}};
  if (next) result["next_cursor"] = std::to_string(*next);
  return result;
}

std::optional<StreamHub::Rendered> StreamHub::render(const model::Event& event) {
  Rendered item{};
  const std::uint32_t tenant = model::tenantOf(event).value;
  bool streamed = true;
  std::string base;  // market data: the symbol clients subscribe to
  std::visit(
      [&](const auto& e) {
        using T = std::remove_cvref_t<decltype(e)>;
        if constexpr (std::is_same_v<T, model::Tick> || std::is_same_v<T, model::Bar>) {
          item.channel = std::is_same_v<T, model::Tick> ? Channel::Ticks : Channel::Bars;
          base = std::string(e.instrument.symbol.view());
          item.symbol = base;
          if constexpr (std::is_same_v<T, model::Bar>) item.symbol += "/" + e.timeframe.toString();
        } else if constexpr (std::is_same_v<T, model::PositionOpened> ||
                             std::is_same_v<T, model::PositionChanged> ||
                             std::is_same_v<T, model::PositionClosed>) {
          item.channel = Channel::Positions;
        } else if constexpr (std::is_same_v<T, model::AccountState>) {
          item.channel = Channel::Account;
        } else if constexpr (std::is_same_v<T, model::OrderSubmitted> || std::is_same_v<T, model::OrderDenied> ||
                             std::is_same_v<T, model::OrderAccepted> || std::is_same_v<T, model::OrderRejected> ||
                             std::is_same_v<T, model::OrderFilled> || std::is_same_v<T, model::OrderCancelled> ||
                             std::is_same_v<T, model::OrderExpired> || std::is_same_v<T, model::OrderModified>) {
          item.channel = Channel::Orders;
        } else if constexpr (std::is_same_v<T, model::Decision>) {
          item.channel = Channel::Decisions;
        } else if constexpr (std::is_same_v<T, model::Alert>) {
          item.channel = Channel::Alerts;
        } else {
          streamed = false;
        }
      },
      event);
  if (!streamed) return std::nullopt;
  const bool priv = isPrivate(item.channel);
  // Market data keeps its feed's owner: visibility is decided per client when delivering.
  item.tenant = tenant;
  if (!priv) {
    // Rendered once for all its subscribers, and not at all when nobody subscribes to it.
    const bool wanted = marketSubscribers_.contains({idx(item.channel), base});
    std::lock_guard lock(stateMutex_);
    item.seq = ++sequences_[{idx(item.channel), item.tenant}];
    // Bars are conflated per symbol and timeframe, so the snapshot keeps the same key.
    latest_.insert_or_assign({idx(item.channel), base, item.symbol, item.tenant}, event);
    if (wanted) {
      item.message = std::make_shared<const std::string>(
          fmt::format(R"({{"channel":"{}","type":"update","seq":{},"data":{}}})", toString(item.channel),
                      item.seq, model::toJson(event).dump()));
    }
    return item;
  }
  Json data = model::toJson(event);
  auto message = [&](Channel channel, std::uint64_t seq) {
    return std::make_shared<const std::string>(fmt::format(R"({{"channel":"{}","type":"update","seq":{},"data":{}}})",
                                                           toString(channel), seq, data.dump()));
  };
  std::lock_guard lock(stateMutex_);
  item.seq = ++sequences_[{idx(item.channel), item.tenant}];
  item.message = message(item.channel, item.seq);
  {
    auto& kept = history_[{idx(item.channel), item.tenant}];
    kept.emplace_back(item.seq, item.message);
    if (kept.size() > settings_.historyPerTenant) kept.pop_front();
  }
  if (const auto* fill = std::get_if<model::OrderFilled>(&event)) {
    // A fill is also an event of the fills channel, with its own sequence.
    const std::uint64_t fillSeq = ++sequences_[{idx(Channel::Fills), tenant}];
    auto fillMessage = message(Channel::Fills, fillSeq);
    auto& kept = history_[{idx(Channel::Fills), tenant}];
    kept.emplace_back(fillSeq, fillMessage);
    if (kept.size() > settings_.historyPerTenant) kept.pop_front();
    Json row{{"seq", fillSeq},
             {"client_order_id", fill->clientOrderId.view()},
             {"venue_order_id", fill->venueOrderId.view()},
             {"trade_id", fill->tradeId.view()},
             {"position_id", fill->positionId.view()},
             {"account", fill->account.view()},
             {"instrument", fill->instrument.toString()},
             {"side", data.value("side", "")},
             {"liquidity", data.value("liquidity", "")},
             {"quantity", fill->fillQuantity.toString()},
             {"price", fill->fillPrice.toString()},
             {"leaves_quantity", fill->leavesQuantity.toString()},
             {"commission", fill->commission.toString()},
             {"commission_currency", fill->commissionCurrency.view()},
             {"ts_event", data.value("ts_event", "")}};
    auto& rows = tenantFills_[tenant];
    rows.push_back(std::move(row));
    if (rows.size() > settings_.historyPerTenant) rows.pop_front();
    pendingFill_ = Rendered{Channel::Fills, tenant, {}, fillSeq, std::move(fillMessage)};
  }
  return item;
}

void StreamHub::applyCommands() {
  std::vector<Subscribe> commands;
  {
    std::lock_guard lock(commandsMutex_);
    commands.swap(commands_);
  }
  for (auto& c : commands) {
    auto session = c.session.lock();
    if (!session) continue;
    auto remove = [&](std::vector<Subscriber>& list) {
      std::erase_if(list, [&](const Subscriber& s) { return s.session == session; });
    };
    if (c.all) {
      for (auto& [key, list] : marketSubscribers_) remove(list);
      for (auto& [key, list] : privateSubscribers_) remove(list);
      std::erase_if(marketSubscribers_, [](const auto& entry) { return entry.second.empty(); });
      std::erase_if(privateSubscribers_, [](const auto& entry) { return entry.second.empty(); });
      withPending_.erase(session);
      session->out.clear();
      continue;
    }
    if (isPrivate(c.channel)) {
      auto& list = privateSubscribers_[{idx(c.channel), c.tenant}];
      remove(list);
      if (c.unsubscribe) continue;
      // Whatever happened since the snapshot (or `since`) comes first, paced by catchUp().
      list.push_back({session, c.after, true});
    } else {
      for (const auto& symbol : c.symbols) {
        // Bars: every timeframe of the symbol.
        auto& list = marketSubscribers_[{idx(c.channel), symbol}];
        remove(list);
        if (!c.unsubscribe) list.push_back({session, c.after});
      }
    }
  }
}

std::size_t StreamHub::queued(StreamSession& session, std::size_t limit) {
  // Read once a round (it takes the connection's locks); sends of this round add to it, so it
  // only overstates: read again before acting on a limit that the sends alone reached.
  if (session.queuedRound != round_ || (!session.queuedFresh && session.queuedCache >= limit)) {
    session.queuedRound = round_;
    session.queuedCache = session.queuedMessages();
    session.queuedFresh = true;
  }
  return session.queuedCache;
}

bool StreamHub::behind(StreamSession& session) {
  const std::size_t limit = session.batch ? settings_.batchConflateAfter : settings_.conflateAfter;
  return queued(session, limit) >= limit;
}

bool StreamHub::sendTo(StreamSession& session, const std::shared_ptr<const std::string>& message, bool priv) {
  if (session.kicked) return false;
  const std::size_t limit = session.batch ? settings_.batchQueueLimit : settings_.privateQueueLimit;
  if (priv && queued(session, limit) >= limit) {
    // Never drop a private event: tell the client and let it resume from its last sequence.
    kick(session, "too far behind: reconnect and subscribe with since=<last seq>");
    streamCounter("ait_gateway_ws_slow_clients_total", "Stream clients disconnected for falling behind").inc();
    return false;
  }
  if (session.batch) {
    // Gathered into the client's next frame (flushBatches); counted when the frame is sent.
    session.out.push_back(message);
    if (!session.inBatching) {
      session.inBatching = true;
      batching_.push_back(session.shared_from_this());
    }
    return true;
  }
  if (!session.send(*message)) return false;
  ++session.queuedCache;
  session.queuedFresh = false;
  delivered_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void StreamHub::sendFrame(StreamSession& session, std::size_t count) {
  std::size_t bytes = 2 + count;
  for (std::size_t i = 0; i < count; ++i) bytes += session.out[i]->size();
  std::string frame;
  frame.reserve(bytes);
  frame += '[';
  for (std::size_t i = 0; i < count; ++i) {
    if (i > 0) frame += ',';
    frame += *session.out[i];
  }
  frame += ']';
  session.out.erase(session.out.begin(), session.out.begin() + static_cast<std::ptrdiff_t>(count));
  if (!session.send(std::move(frame))) return;
  ++session.queuedCache;
  session.queuedFresh = false;
  delivered_.fetch_add(count, std::memory_order_relaxed);
}

void StreamHub::flushBatches() {
  std::erase_if(batching_, [this](const std::shared_ptr<StreamSession>& s) {
    StreamSession& session = *s;
    if (session.kicked || !session.isOpen()) session.out.clear();
    while (!session.out.empty()) {
      // While a frame is on its way, gather more into the next one (up to a full frame): a busy
      // client gets fewer, larger frames, an idle one gets each message at once.
      if (queued(session) > 0 && session.out.size() < settings_.batchFrameMessages) break;
      sendFrame(session, std::min(session.out.size(), settings_.batchFrameMessages));
    }
    session.inBatching = !session.out.empty();
    return !session.inBatching;
  });
}

void StreamHub::deliver(const Rendered& item) {
  if (isPrivate(item.channel)) {
    auto it = privateSubscribers_.find({idx(item.channel), item.tenant});
    if (it == privateSubscribers_.end()) return;
    for (auto& s : it->second) {
      if (s.catchingUp || item.seq <= s.after) continue;  // catchUp() sends it from history
      sendTo(*s.session, item.message, true);
      s.after = item.seq;
    }
    return;
  }
  if (!item.message) return;  // nobody subscribed when it was rendered
  const std::string_view symbol = std::string_view(item.symbol).substr(0, item.symbol.find('/'));
  auto it = marketSubscribers_.find({idx(item.channel), std::string(symbol)});
  if (it == marketSubscribers_.end()) return;
  for (auto& s : it->second) {
    StreamSession& session = *s.session;
    // A private feed reaches its own tenant only; public feeds (tenant 0) reach everyone.
    if (session.kicked || !data::visibleTo(model::TenantId{session.viewer}, model::TenantId{item.tenant})) continue;
    if (behind(session)) {
      // Behind: keep only the latest value per symbol (and timeframe) and feed for this client.
      if (!session.pending.insert_or_assign({idx(item.channel), item.symbol, item.tenant}, item.message).second) {
        conflated_.fetch_add(1, std::memory_order_relaxed);
      }
      withPending_.insert(s.session);
      continue;
    }
    sendTo(session, item.message, false);
  }
}

// Sends resuming subscribers their missed events from history, no faster than their queue
// drains, so that a resume never overflows the queue it is meant to recover from.
void StreamHub::catchUp() {
  for (auto& [key, list] : privateSubscribers_) {
    const auto channel = static_cast<Channel>(key.first);
    for (auto& s : list) {
      if (!s.catchingUp || s.session->kicked) continue;
      auto missed = history(channel, key.second, s.after);
      if (!missed) {
        kick(*s.session, "the events after this sequence are no longer kept: subscribe without since for a snapshot");
        continue;
      }
      StreamSession& session = *s.session;
      const std::size_t limit = (session.batch ? settings_.batchQueueLimit : settings_.privateQueueLimit) / 2;
      std::size_t sent = 0;
      for (const auto& [seq, message] : *missed) {
        if (queued(session, limit) >= limit) break;
        if (session.batch && session.out.size() >= settings_.batchFrameMessages) break;  // a frame a round
        if (!sendTo(session, message, true)) break;
        s.after = seq;
        ++sent;
      }
      if (sent == missed->size()) s.catchingUp = false;
    }
  }
}

void StreamHub::flushConflated() {
  for (auto it = withPending_.begin(); it != withPending_.end();) {
    StreamSession& session = **it;
    if (session.kicked || !session.isOpen()) {
      session.pending.clear();
      it = withPending_.erase(it);
      continue;
    }
    if (behind(session)) {
      ++it;
      continue;
    }
    for (auto& [key, message] : session.pending) sendTo(session, message, false);
    session.pending.clear();
    it = withPending_.erase(it);
  }
}

void StreamHub::heartbeat() {
  const std::int64_t now = clock_.monotonicNs();
  if (now - lastHeartbeatNs_ < std::chrono::nanoseconds(settings_.heartbeat).count()) return;
  lastHeartbeatNs_ = now;
  const std::string beat = fmt::format(R"({{"type":"heartbeat","ts":{}}})", clock_.now());
  std::vector<std::shared_ptr<StreamSession>> sessions;
  {
    std::lock_guard lock(allMutex_);
    sessions.assign(all_.begin(), all_.end());
  }
  for (const auto& session : sessions) {
    // A client with data on its way needs no heartbeat (and one behind would only wait longer).
    if (session->kicked) continue;
    if (session->batch ? session->out.empty() && queued(*session) == 0 : !behind(*session)) session->reply(beat);
  }
}

std::size_t StreamHub::pump() {
  applyCommands();
  ++round_;
  std::size_t done = ring_.consume(1024, [this](model::Event& event) {
    if (auto item = render(event)) {
      deliver(*item);
      if (pendingFill_) {
        deliver(*pendingFill_);
        pendingFill_.reset();
      }
    }
  });
  if (overflowed_.exchange(false, std::memory_order_relaxed)) {
    // Events were lost between the engine and the fan-out: private subscribers cannot trust
    // their sequence any more; they reconnect and get a fresh snapshot.
    const std::int64_t now = clock_.monotonicNs();
    if (now - lastOverflowLogNs_ >= 1'000'000'000) {  // one line a second, not one per batch
      lastOverflowLogNs_ = now;
      log::warn(*log::logger("gateway"), "stream ring overflowed; private subscribers are disconnected");
    }
    streamCounter("ait_gateway_ws_ring_overflows_total", "Times the engine-to-stream ring was full").inc();
    for (auto& [key, list] : privateSubscribers_) {
      for (auto& s : list) {
        kick(*s.session, "the server fell behind: reconnect to get a fresh snapshot");
      }
    }
  }
  catchUp();
  closeDrained();
  flushConflated();
  heartbeat();
  flushBatches();
  return done;
}

void StreamHub::run() {
  while (running_.load(std::memory_order_relaxed)) {
    if (pump() == 0) std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
}

void StreamHub::addRoutes(http::Router& router, Gatekeeper& gate, Backend* trading) {
  router.addWebSocket("/api/v1/ws", [this, &gate, trading](const http::Request& request) -> http::WebSocketAccept {
    // The upgrade is accepted even for a bad token so that the client learns why (close 1008).
    std::string token(request.query("token").value_or(""));
    Expected<auth::Principal> principal =
        token.empty() ? Expected<auth::Principal>(fail(errors::kForbidden, "no ws token"))
                      : gate.authenticator().consumeWsToken(token, gate.unixNow());
    if (principal && principal->tenant == 0) principal = fail(errors::kForbidden, "no tenant");
    if (!principal) {
      metrics::Registry::global()
          .counter("ait_gateway_auth_failures_total", "Refused authentications by ErrorDNA code",
                   {{"code", std::string(principal.error().code().code)}})
          .inc();
    }
    const std::string_view batch = request.query("batch").value_or("0");
    std::string refusal;
    if (batch != "0" && batch != "1") refusal = "batch: 1 (frames are arrays of messages) or 0";
    return std::make_shared<StreamSession>(*this, trading, std::move(principal), batch == "1", std::move(refusal));
  });
}

}  // namespace ait::gateway
