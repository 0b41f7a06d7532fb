#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "ait/log/log.h"
#include "ait/mt5/errors.h"
#include "ait/mt5/line_reader.h"
#include "ait/mt5/native.h"
#include "ait/mt5/tenants.h"
#include "mt5/convert.h"
#include "mt5/json_reader.h"

namespace ait::mt5 {

namespace {

constexpr std::string_view kSource = "mt5-native";
static_assert(kLinePadding >= simdjson::SIMDJSON_PADDING);

// MT5 tick flags (TICK_FLAG_*), mapped to the model's.
constexpr std::int64_t kMt5Bid = 2, kMt5Ask = 4, kMt5Last = 8, kMt5Volume = 16, kMt5Buy = 32,
                       kMt5Sell = 64;

std::uint32_t tickFlags(std::int64_t mt5) noexcept {
  std::uint32_t flags = 0;
  if (mt5 & kMt5Bid) flags |= model::kTickBid;
  if (mt5 & kMt5Ask) flags |= model::kTickAsk;
  if (mt5 & kMt5Last) flags |= model::kTickLast;
  if (mt5 & kMt5Volume) flags |= model::kTickVolume;
  if (mt5 & kMt5Buy) flags |= model::kTickBuy;
  if (mt5 & kMt5Sell) flags |= model::kTickSell;
  return flags;
}

std::string line(const nlohmann::json& message) {
  auto text = message.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  text += '\n';
  return text;
}

}  // namespace

/// The state of one EA session: it outlives connections so that a reconnect resumes it.
struct NativeSession {
  std::string key;
  model::TenantId tenant;
  std::unique_ptr<Feed> feed;
  detail::EventContext context;
  std::uint64_t lastSeenIn = 0;
  // A batch the platform could not take entirely: when it comes again, its first
  // resumeIndex ticks are already published.
  std::uint64_t resumeSeq = 0;
  std::size_t resumeIndex = 0;
  std::int64_t utcOffsetNs = 0;
  NativeLink* link = nullptr;  // I/O thread only
  std::atomic<bool> attached{false};
  std::atomic<std::uint64_t> attachOrder{0};

  std::mutex outMutex;  // guards what follows: commands come from other threads
  std::uint64_t nextOut = 1;
  std::deque<std::pair<std::uint64_t, std::string>> outLog;
};

struct NativeCore::State {
  State(const Mt5Config& c, TenantDirectory d, FeedFactory f, Clock& cl, metrics::Registry& r)
      : config(c), directory(std::move(d)), feeds(std::move(f)), clock(cl), stats(r, "native") {}

  Mt5Config config;
  TenantDirectory directory;
  FeedFactory feeds;
  Clock& clock;
  ProtocolStats stats;
  std::shared_ptr<spdlog::logger> log = log::logger("mt5");
  mutable std::mutex mutex;  // guards sessions and attachCounter
  std::unordered_map<std::string, std::shared_ptr<NativeSession>> sessions;
  std::uint64_t attachCounter = 0;
  std::function<void(std::function<void()>)> post;  // runs a task on the I/O thread
};

NativeCore::NativeCore(const Mt5Config& config, FeedFactory feeds, Clock& clock,
                       metrics::Registry& registry) {
  auto directory = TenantDirectory::make(config);
  state_ = std::make_unique<State>(config, directory ? std::move(*directory) : TenantDirectory{},
                                   std::move(feeds), clock, registry);
}

NativeCore::~NativeCore() = default;
ProtocolStats& NativeCore::stats() noexcept { return state_->stats; }
const Mt5Config& NativeCore::config() const noexcept { return state_->config; }

void NativeCore::setPoster(std::function<void(std::function<void()>)> post) {
  std::lock_guard lock(state_->mutex);
  state_->post = std::move(post);
}

Expected<std::uint64_t> NativeCore::send(model::TenantId tenant, std::string_view type,
                                         const nlohmann::json& fields) {
  std::shared_ptr<NativeSession> target;
  std::function<void(std::function<void()>)> post;
  {
    std::lock_guard lock(state_->mutex);
    post = state_->post;
    for (auto& [key, session] : state_->sessions) {
      if (session->tenant != tenant || !session->attached.load()) continue;
      if (!target || session->attachOrder.load() > target->attachOrder.load()) target = session;
    }
  }
  if (!target) {
    return fail(errors::kNotConnected,
                fmt::format("no Expert Advisor of tenant {} is connected", tenant.value));
  }
  std::uint64_t seq = 0;
  {
    std::lock_guard lock(target->outMutex);
    seq = target->nextOut++;
    nlohmann::json message{{"t", type}, {"seq", seq}};
    if (fields.is_object()) {
      for (auto it = fields.begin(); it != fields.end(); ++it) message[it.key()] = it.value();
    }
    target->outLog.emplace_back(seq, line(message));
    while (target->outLog.size() > state_->config.outbound_log_size) target->outLog.pop_front();
  }
  state_->stats.commands.inc();
  if (post) {
    post([target] {
      if (target->link != nullptr) target->link->flushOutbound();
    });
  }
  return seq;
}

std::size_t NativeCore::clients(model::TenantId tenant) const {
  std::lock_guard lock(state_->mutex);
  return static_cast<std::size_t>(std::ranges::count_if(state_->sessions, [&](const auto& entry) {
    return entry.second->tenant == tenant && entry.second->attached.load();
  }));
}

struct NativeLink::Impl {
  Impl(NativeLink& s, NativeCore::State& c, Output& o) : self(s), core(c), out(o) {
    // Sized once for the longest line, so that parsing never allocates afterwards.
    if (parser.allocate(core.config.max_line_bytes + kLinePadding) != simdjson::SUCCESS) {
      log::warn(*core.log, "mt5 native parser could not reserve its buffer up front");
    }
    lastRecvMono = lastSentMono = core.clock.monotonicNs();
  }

  NativeLink& self;
  NativeCore::State& core;
  Output& out;
  std::shared_ptr<NativeSession> session;
  simdjson::dom::parser parser;
  std::uint64_t lastWritten = 0;  // highest outbound seq written on this connection
  std::int64_t lastRecvMono = 0;
  std::int64_t lastSentMono = 0;
  std::uint32_t consecutiveErrors = 0;
  bool closing = false;
  std::string control;  // reused buffer for heartbeats

  void write(std::string_view text) {
    out.write(text);
    lastSentMono = core.clock.monotonicNs();
  }

  void close(std::string_view reason) {
    if (closing) return;
    closing = true;
    out.close(reason);
  }

  // Answers an error line naming the problem; closes after too many in a row.
  void error(const ErrorCode& code, std::string_view message, std::uint64_t refSeq = 0,
             std::string_view field = {}) {
    nlohmann::json reply{{"t", "error"}, {"code", code.code}, {"message", message}};
    if (refSeq != 0) reply["ref_seq"] = refSeq;
    if (!field.empty()) reply["field"] = field;
    write(line(reply));
    if (++consecutiveErrors == 1) {
      log::warn(*core.log, "mt5 native message refused",
                {{"code", code.code},
                 {"detail", message},
                 {"session", session ? std::string_view(session->key) : std::string_view("-")}});
    }
    if (consecutiveErrors >= core.config.max_consecutive_errors) {
      core.stats.floods.inc();
      close("too many bad messages");
    }
  }

  void onLine(std::string_view text, std::int64_t recvMono) {
    if (closing) return;
    lastRecvMono = recvMono;
    simdjson::dom::element root;
    if (auto err = parser.parse(text.data(), text.size(), false).get(root); err) {
      core.stats.badJson.inc();
      error(errors::kBadJson,
            fmt::format("line is not valid JSON: {}", simdjson::error_message(err)));
      return;
    }
    simdjson::dom::object message;
    if (root.get_object().get(message) != simdjson::SUCCESS) {
      core.stats.badField.inc();
      error(errors::kBadField, "a line must hold one JSON object");
      return;
    }
    detail::FieldReader reader(message);
    auto type = reader.string("t");
    if (!reader.ok()) {
      core.stats.badField.inc();
      error(errors::kBadField, reader.problem(), 0, reader.field());
      return;
    }
    if (type == "hello") return hello(reader);
    if (!session) {
      core.stats.protocolErrors.inc();
      error(errors::kProtocol, fmt::format("'{}' before hello: send hello first", type));
      close("no hello");
      return;
    }
    if (type == "hb") {
      if (auto acked = reader.optInteger("last_seq_seen"); acked && *acked > 0) {
        trim(static_cast<std::uint64_t>(*acked));
      }
      consecutiveErrors = 0;
      return;
    }
    auto seqValue = reader.optInteger("seq");
    if (!seqValue || *seqValue <= 0) {
      core.stats.badField.inc();
      error(errors::kBadField,
            reader.ok() ? "field 'seq' is missing or not positive" : reader.problem(), 0, "seq");
      return;
    }
    auto seq = static_cast<std::uint64_t>(*seqValue);
    if (seq <= session->lastSeenIn) {
      core.stats.duplicates.inc();  // resent after a reconnect, already taken
      return;
    }
    if (seq > session->lastSeenIn + 1) gap(seq);
    bool taken = dispatch(type, message, reader, seq, recvMono);
    if (taken) session->lastSeenIn = seq;
  }

  // Returns false when the platform could not take everything (the message is then not
  // counted as seen, so that the EA resends it).
  bool dispatch(std::string_view type, simdjson::dom::object message, detail::FieldReader& reader,
                std::uint64_t seq, std::int64_t recvMono) {
    // When the line's bytes arrived, on the wall clock: the receive time of its events.
    TimestampNs now = core.clock.now();
    session->context.tsRecv = now - std::max<std::int64_t>(0, core.clock.monotonicNs() - recvMono);
    session->context.tsEvent = now;
    if (type == "ticks") return ticks(reader, seq, recvMono);
    bool ok = true;
    if (type == "account") {
      auto state = detail::accountFrom(message, session->context);
      if (state) {
        ok = publish(*state, seq);
        if (ok) {
          session->context.account = state->account;
          session->context.currency = state->currency;
        }
      } else {
        rejected(state.error(), seq);
      }
    } else if (type == "positions" || type == "orders") {
      auto entries = reader.array(type);
      if (!reader.ok()) {
        core.stats.badField.inc();
        error(errors::kBadField, reader.problem(), seq, reader.field());
        return true;
      }
      std::size_t index = 0;
      std::size_t published = 0;
      for (auto element : entries) {
        simdjson::dom::object entry;
        Expected<model::Event> event =
            element.get_object().get(entry) != simdjson::SUCCESS
                ? Expected<model::Event>(fail(errors::kBadField, "entry must be an object"))
            : type == "positions" ? detail::positionFrom(entry, session->context)
                                  : toEvent(detail::workingOrderFrom(entry, session->context));
        if (event) {
          if (index >= resumeFrom(seq)) {
            if (!publish(*event, seq, index)) return false;
            ++published;
          }
        } else {
          rejected(event.error(), seq, fmt::format("{}[{}]", type, index));
        }
        ++index;
      }
      session->feed->listEnd(type, index, published);
    } else if (type == "exec") {
      auto event = detail::execFrom(message, session->context);
      if (event) {
        ok = publish(*event, seq);
      } else {
        rejected(event.error(), seq);
      }
    } else if (type == "symbol" || type == "log") {
      if (type == "log") {
        log::info(
            *core.log, "mt5 expert advisor says",
            {{"session", session->key}, {"detail", reader.optString("message").value_or("")}});
      }
    } else {
      core.stats.unknownType.inc();
      error(errors::kUnknownType, fmt::format("unknown message type '{}'", type), seq, "t");
      return true;
    }
    if (ok) {
      consecutiveErrors = 0;
      core.stats.messages.inc();
    }
    return ok;
  }

  static Expected<model::Event> toEvent(Expected<model::OrderAccepted> order) {
    if (!order) return Unexpected(order.error());
    return model::Event(*order);
  }

  std::size_t resumeFrom(std::uint64_t seq) const noexcept {
    return session->resumeSeq == seq ? session->resumeIndex : 0;
  }

  // Publishes; on overload remembers how far the batch got and closes the connection, so that
  // the EA resends the rest after reconnecting.
  bool publish(const model::Event& event, std::uint64_t seq, std::size_t index = 0) {
    auto published = session->feed->publish(event);
    if (published) return true;
    overloaded(published.error(), seq, index);
    return false;
  }

  void overloaded(const Error& e, std::uint64_t seq, std::size_t index) {
    core.stats.overloaded.inc();
    session->resumeSeq = seq;
    session->resumeIndex = index;
    error(e.code(), e.message(), seq);
    close("overloaded");
  }

  void rejected(const Error& e, std::uint64_t seq, std::string_view where = {}) {
    core.stats.badField.inc();
    error(e.code(), where.empty() ? e.message() : fmt::format("{}: {}", where, e.message()), seq);
  }

  bool ticks(detail::FieldReader& reader, std::uint64_t seq, std::int64_t recvMono) {
    RawQuote quote;
    quote.tenant = session->tenant;
    quote.source = kSource;
    quote.tsRecv = session->context.tsRecv;
    quote.symbol = reader.string("symbol");
    quote.digits = static_cast<int>(reader.optInteger("digits").value_or(-1));
    auto rows = reader.array("ticks");
    if (!reader.ok()) {
      core.stats.badField.inc();
      error(errors::kBadField, reader.problem(), seq, reader.field());
      return true;
    }
    std::size_t skip = resumeFrom(seq);
    std::size_t index = 0;
    std::size_t refused = 0;
    std::string firstProblem;
    for (auto row : rows) {
      if (index < skip) {
        ++index;
        continue;
      }
      std::string_view problem = readTick(row, quote);
      if (problem.empty()) {
        auto published = session->feed->quote(quote);
        if (published) {
          core.stats.ticks.inc();
        } else if (published.error().codeString() == errors::kOverloaded.code) {
          overloaded(published.error(), seq, index);
          return false;
        } else {
          core.stats.ticksRejected.inc();
          if (refused++ == 0) {
            firstProblem = fmt::format("ticks[{}]: {}", index, published.error().message());
          }
        }
      } else {
        core.stats.badField.inc();
        if (refused++ == 0) firstProblem = fmt::format("ticks[{}]: {}", index, problem);
      }
      ++index;
    }
    core.stats.receiveToPublish.observeNs(core.clock.monotonicNs() - recvMono);
    if (refused > 0) {
      error(errors::kRejected,
            refused == 1 ? firstProblem
                         : fmt::format("{} (and {} more ticks refused)", firstProblem, refused - 1),
            seq, "ticks");
    } else {
      consecutiveErrors = 0;
    }
    core.stats.messages.inc();
    return true;
  }

  // Reads [time_msc, bid, ask, last, volume, flags] (the last three optional); returns the
  // problem, or "" when the row is well formed.
  std::string_view readTick(simdjson::dom::element row, RawQuote& quote) const {
    simdjson::dom::array values;
    if (row.get_array().get(values) != simdjson::SUCCESS) return "must be an array";
    double field[6] = {0, 0, 0, 0, 0, 0};
    std::int64_t timeMsc = 0;
    std::int64_t flags = kMt5Bid | kMt5Ask;
    std::size_t n = 0;
    for (auto value : values) {
      if (n == 0) {
        if (value.get_int64().get(timeMsc) != simdjson::SUCCESS)
          return "time_msc must be an integer";
      } else if (n == 5) {
        if (value.get_int64().get(flags) != simdjson::SUCCESS) return "flags must be an integer";
      } else if (n < 5) {
        if (value.get_double().get(field[n]) != simdjson::SUCCESS) {
          static constexpr std::string_view kWhat[] = {
              "", "bid must be a number", "ask must be a number", "last must be a number",
              "volume must be a number"};
          return kWhat[n];
        }
      }
      ++n;
    }
    if (n < 3) return "needs at least [time_msc, bid, ask]";
    if (n > 6) return "has more than [time_msc, bid, ask, last, volume, flags]";
    if (timeMsc < 0 || timeMsc > 9'000'000'000'000) return "time_msc is out of range";
    quote.tsEvent = timeMsc * 1'000'000 - session->utcOffsetNs;
    quote.bid = field[1];
    quote.ask = field[2];
    quote.last = field[3];
    quote.volume = field[4];
    quote.flags = tickFlags(flags);
    return {};
  }

  void gap(std::uint64_t seq) {
    core.stats.gaps.inc();
    model::GapDetected event;
    event.header.tenant = session->tenant;
    event.header.tsEvent = event.header.tsRecv = core.clock.now();
    event.expectedSequence = session->lastSeenIn + 1;
    event.receivedSequence = seq;
    (void)session->feed->publish(event);  // a lost gap report is itself counted as overloaded
    log::warn(*core.log, "mt5 native sequence gap",
              {{"session", session->key},
               {"expected", std::to_string(session->lastSeenIn + 1)},
               {"received", std::to_string(seq)}});
  }

  void hello(detail::FieldReader& reader) {
    if (session) {
      core.stats.protocolErrors.inc();
      error(errors::kProtocol, "hello was already received on this connection");
      return;
    }
    auto token = reader.optString("token");
    auto terminal = reader.optString("terminal").value_or("");
    auto account = reader.optId("account").value_or("");
    auto sessionName = reader.optString("session").value_or("");
    auto peerSeen = reader.optInteger("last_seq_seen").value_or(0);
    auto offset = reader.optInteger("utc_offset_s").value_or(0);
    if (!reader.ok()) {
      core.stats.badField.inc();
      error(errors::kBadField, reader.problem(), 0, reader.field());
      close("bad hello");
      return;
    }
    auto identity = token ? core.directory.find(*token) : std::nullopt;
    if (!identity) {
      core.stats.protocolErrors.inc();
      error(errors::kAuth, token ? "the token is not known" : "hello needs a token");
      close("authentication failed");
      return;
    }
    if (offset < -86'400 || offset > 86'400 || peerSeen < 0) {
      core.stats.badField.inc();
      error(errors::kBadField, offset < -86'400 || offset > 86'400
                                   ? "field 'utc_offset_s' must be within a day"
                                   : "field 'last_seq_seen' must be >= 0");
      close("bad hello");
      return;
    }
    std::string key = fmt::format(
        "{}/{}", identity->tenant.value,
        sessionName.empty() ? fmt::format("{}/{}", terminal, account) : std::string(sessionName));
    std::shared_ptr<NativeSession> found;
    {
      std::lock_guard lock(core.mutex);
      auto& slot = core.sessions[key];
      if (!slot) {
        auto feed = core.feeds ? core.feeds(identity->tenant, kSource) : nullptr;
        if (!feed) {
          core.sessions.erase(key);
          error(errors::kOverloaded, "the platform takes no market data now");
          close("no feed");
          return;
        }
        slot = std::make_shared<NativeSession>();
        slot->key = key;
        slot->tenant = identity->tenant;
        slot->feed = std::move(feed);
        slot->context.tenant = identity->tenant;
      }
      found = slot;
      found->attachOrder = ++core.attachCounter;
    }
    if (found->link != nullptr && found->link != &self) {
      // The EA reconnected before the old connection was noticed dead: the new one wins.
      auto& old = *found->link->impl_;
      old.detach();
      old.close("replaced by a new connection");
    }
    session = found;
    session->link = &self;
    session->attached = true;
    session->utcOffsetNs = offset * 1'000'000'000;
    consecutiveErrors = 0;
    auto seen = static_cast<std::uint64_t>(peerSeen);
    std::uint64_t resendFrom = 0;
    std::uint64_t nextOut = 0;
    {
      std::lock_guard lock(session->outMutex);
      nextOut = session->nextOut;
      while (!session->outLog.empty() && session->outLog.front().first <= seen) {
        session->outLog.pop_front();
      }
      resendFrom = session->outLog.empty() ? nextOut : session->outLog.front().first;
    }
    write(line({{"t", "welcome"},
                {"last_seq_seen", session->lastSeenIn},
                {"session", sessionName},
                {"next_seq", nextOut},
                {"heartbeat_ms", core.config.heartbeat_interval_ms},
                {"max_line_bytes", core.config.max_line_bytes}}));
    if (seen + 1 < resendFrom && seen + 1 < nextOut) {
      error(errors::kProtocol,
            fmt::format("messages {}..{} are no longer held for resending; request snapshots",
                        seen + 1, resendFrom - 1));
    }
    if (seen >= nextOut) seen = nextOut - 1;  // the EA knows a previous server run: start over
    lastWritten = seen;
    std::uint64_t before = lastWritten;
    flush();
    if (lastWritten > before) core.stats.resent.inc(lastWritten - before);
    core.stats.connections.add(1);
    log::info(*core.log, "mt5 expert advisor connected",
              {{"session", key},
               {"last_seq_seen", std::to_string(session->lastSeenIn)},
               {"peer_last_seq_seen", std::to_string(peerSeen)}});
  }

  void trim(std::uint64_t acked) {
    std::lock_guard lock(session->outMutex);
    while (!session->outLog.empty() && session->outLog.front().first <= acked) {
      session->outLog.pop_front();
    }
  }

  void flush() {
    if (!session || closing) return;
    std::lock_guard lock(session->outMutex);
    for (const auto& [seq, text] : session->outLog) {
      if (seq <= lastWritten) continue;
      write(text);
      lastWritten = seq;
    }
  }

  void detach() {
    if (!session) return;
    if (session->link == &self) {
      session->link = nullptr;
      session->attached = false;
    }
    session.reset();
    core.stats.connections.add(-1);
  }

  void timer(std::int64_t nowMono) {
    if (closing) return;
    if (nowMono - lastRecvMono > core.config.silence_timeout_ms * 1'000'000) {
      core.stats.protocolErrors.inc();
      close("silence timeout");
      return;
    }
    // The feed's own clock work (held quotes, quiet symbols) needs no message to come.
    if (session) session->feed->onTimer(core.clock.now());
    if (session && nowMono - lastSentMono >= core.config.heartbeat_interval_ms * 1'000'000) {
      control.clear();
      fmt::format_to(std::back_inserter(control),
                     R"({{"t":"hb","last_seq_seen":{}}})"
                     "\n",
                     session->lastSeenIn);
      write(control);
    }
  }
};

NativeLink::NativeLink(NativeCore& core, Output& output)
    : impl_(std::make_unique<Impl>(*this, *core.state_, output)) {}

NativeLink::~NativeLink() { impl_->detach(); }

void NativeLink::onLine(std::string_view line, std::int64_t recvMonoNs) {
  impl_->onLine(line, recvMonoNs);
}

void NativeLink::onTooLong() {
  impl_->core.stats.tooLong.inc();
  impl_->error(errors::kLineTooLong, fmt::format("a line exceeded {} bytes and was dropped",
                                                 impl_->core.config.max_line_bytes));
}

void NativeLink::flushOutbound() { impl_->flush(); }
void NativeLink::onTimer(std::int64_t nowMonoNs) { impl_->timer(nowMonoNs); }
void NativeLink::onDisconnect() { impl_->detach(); }
bool NativeLink::authenticated() const noexcept { return impl_->session != nullptr; }

}  // namespace ait::mt5
