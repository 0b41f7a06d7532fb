#include "ait/nats/consumer.h"

#include <algorithm>
#include <mutex>
#include <optional>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "ait/core/error_registry.h"
#include "ait/metrics/metrics.h"
#include "ait/model/codec.h"
#include "ait/nats/cursor.h"
#include "ait/nats/dedup.h"
#include "ait/nats/errors.h"
#include "ait/nats/subject.h"
#include "ait/resilience/circuit_breaker.h"
#include "ait/resilience/retry.h"
#include "connection.h"
#include "worker.h"

namespace ait::nats {

namespace detail {

namespace {
constexpr auto kOpenCircuitPoll = std::chrono::milliseconds(50);
// Fetch errors in a row (other than an idle timeout) after which the subscription and the
// connection are rebuilt rather than left to the client's own reconnection.
constexpr int kRebuildAfterErrors = 20;

bool validDurable(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) {
      return false;
    }
  }
  return true;
}
}  // namespace

class ConsumerImpl {
 public:
  ConsumerImpl(const NatsConfig& config, ConsumerOptions options, EventSink sink, const Clock& clock,
               CursorMap state)
      : config_(config),
        options_(std::move(options)),
        sink_(std::move(sink)),
        clock_(clock),
        stateFile_(std::filesystem::path(config.state_dir) / fmt::format("consumer-{}.cursor", options_.durable)),
        dedup_(std::move(state)),
        breaker_(fmt::format("nats-consume-{}", options_.durable), config.breaker, clock),
        retry_(fmt::format("nats-consume-{}", options_.durable), config.retry, clock),
        consumed_(metric("ait_nats_consumed_total", "Events applied to the local bus exactly once")),
        duplicates_(metric("ait_nats_duplicates_dropped_total",
                           "Delivered messages dropped as already applied")),
        early_(metric("ait_nats_early_total", "Messages held back until their predecessor arrived")),
        gaps_(metric("ait_nats_gaps_total", "Messages applied past a predecessor that never came")),
        invalid_(metric("ait_nats_invalid_total", "Messages without a valid id or payload")),
        ignored_(metric("ait_nats_ignored_total", "Messages from this process's own sources, skipped")),
        failures_(metric("ait_nats_consume_failures_total", "Failed connect or fetch attempts")),
        reconnects_(metric("ait_nats_reconnects_total", "Connections to NATS re-established")) {}

  ~ConsumerImpl() { stop(); }

  Expected<void> start() {
    if (thread_.joinable() || signal_.stopping()) return fail(errors::kLifecycle, "the consumer was already started");
    thread_ = std::thread([this] { run(); });
    return {};
  }

  void stop() {
    signal_.stop();
    if (thread_.joinable()) thread_.join();
  }

  std::uint64_t lastApplied(std::string_view source) const {
    std::lock_guard lock(mutex_);
    return dedup_.lastApplied(source);
  }

  ConsumerStats stats() const {
    ConsumerStats s;
    s.consumed = consumed_.value();
    s.duplicates = duplicates_.value();
    s.early = early_.value();
    s.gaps = gaps_.value();
    s.invalid = invalid_.value();
    s.ignored = ignored_.value();
    s.refused = refused_.load(std::memory_order_relaxed);
    s.reconnects = reconnectCount_.load(std::memory_order_relaxed);
    s.connected = connected_.load(std::memory_order_relaxed);
    return s;
  }

 private:
  metrics::Counter& metric(std::string_view name, std::string_view help) {
    return metrics::Registry::global().counter(name, help, {{"consumer", options_.durable}});
  }

  void report(const Error& error, Recovery recovery = Recovery::Retry) {
    ErrorRegistry::global().record(error, recovery, false);
    spdlog::default_logger()->warn("{}", error.describe());
  }

  void backoff() {
    const int attempt = std::min(attempt_++, 30);
    signal_.sleepFor(retry_.nextBackoff(attempt));
  }

  void run() {
    while (!signal_.stopping()) {
      if (sub_ == nullptr && !connect()) continue;
      fetchOnce();
    }
    dropSubscription();
    conn_.reset();
    connected_.store(false, std::memory_order_relaxed);
  }

  void dropSubscription() {
    if (sub_ != nullptr) {
      natsSubscription_Destroy(sub_);
      sub_ = nullptr;
    }
  }

  bool connect() {
    auto permit = breaker_.acquire();
    if (!permit) {
      signal_.sleepFor(kOpenCircuitPoll);
      return false;
    }
    auto ready = connectAndSubscribe();
    if (!ready) {
      permit.onFailure();
      failures_.inc();
      report(ready.error());
      dropSubscription();
      conn_.reset();
      backoff();
      return false;
    }
    permit.onSuccess();
    if (everConnected_) {
      reconnects_.inc();
      reconnectCount_.fetch_add(1, std::memory_order_relaxed);
    }
    everConnected_ = true;
    attempt_ = 0;
    connected_.store(true, std::memory_order_relaxed);
    spdlog::default_logger()->info("nats consumer {} subscribed to {}", options_.durable, options_.filter);
    return true;
  }

  Expected<void> connectAndSubscribe() {
    if (!conn_) {
      auto conn = Connection::open(config_, reconnects_, reconnectCount_);
      if (!conn) return Unexpected(std::move(conn.error()));
      conn_ = std::move(*conn);
    }
    if (auto ok = conn_->ensureStream(config_); !ok) return ok;
    const std::string stream = streamName(config_.stream_prefix);
    jsSubOptions so;
    jsSubOptions_Init(&so);
    so.Stream = stream.c_str();
    so.Config.AckPolicy = js_AckExplicit;
    so.Config.DeliverPolicy = js_DeliverAll;
    so.Config.AckWait = config_.ack_wait_ms * 1'000'000;
    so.Config.MaxDeliver = -1;
    jsErrCode jerr = static_cast<jsErrCode>(0);
    natsStatus s = js_PullSubscribe(&sub_, conn_->js(), options_.filter.c_str(), options_.durable.c_str(),
                                    nullptr, &so, &jerr);
    if (s != NATS_OK) {
      sub_ = nullptr;
      return fail(errors::kSubscribe,
                  describeStatus(fmt::format("cannot create durable consumer {} on {}", options_.durable,
                                             options_.filter),
                                 s, jerr));
    }
    return {};
  }

  void fetchOnce() {
    natsMsgList list{};
    jsErrCode jerr = static_cast<jsErrCode>(0);
    const natsStatus s = natsSubscription_Fetch(&list, sub_, safeBatch(), config_.fetch_timeout_ms, &jerr);
    if (s == NATS_TIMEOUT && list.Count == 0) {
      fetchErrors_ = 0;
      connected_.store(conn_->connected(), std::memory_order_relaxed);
      return;
    }
    if (s != NATS_OK && list.Count == 0) {
      natsMsgList_Destroy(&list);
      failures_.inc();
      connected_.store(conn_->connected(), std::memory_order_relaxed);
      if (++fetchErrors_ == 1 || fetchErrors_ % kRebuildAfterErrors == 0) {
        report(Error(errors::kFetch, describeStatus(fmt::format("fetch for consumer {} failed", options_.durable), s, jerr)));
      }
      if (fetchErrors_ >= kRebuildAfterErrors || natsConnection_IsClosed(conn_->nc())) {
        fetchErrors_ = 0;
        dropSubscription();
        conn_.reset();
        connected_.store(false, std::memory_order_relaxed);
      }
      backoff();
      return;
    }
    fetchErrors_ = 0;
    attempt_ = 0;
    connected_.store(true, std::memory_order_relaxed);
    acks_.clear();
    for (int i = 0; i < list.Count; ++i) handle(list.Msgs[i]);
    // The state is durable before the acknowledgements go out: a consumer that crashes in
    // between gets the messages again and drops them as duplicates.
    if (stateDirty_) {
      CursorMap copy;
      {
        std::lock_guard lock(mutex_);
        copy = dedup_.state();
      }
      if (auto ok = stateFile_.store(copy); !ok) {
        report(ok.error());
      } else {
        stateDirty_ = false;
      }
    }
    for (natsMsg* msg : acks_) natsMsg_Ack(msg, nullptr);
    natsMsgList_Destroy(&list);
  }

  // libnats 3.4 (Debian 12) overruns its message array in natsSubscription_Fetch when more than
  // half a batch is already queued in the subscription as the fetch starts (late deliveries,
  // e.g. after a reconnect): it then waits for `batch - queued` more messages but counts the
  // queued ones too, and never stops. A batch of one cannot overrun (a queued message fills it
  // and no request is sent), so while anything is queued the consumer drains it one message per
  // fetch. The fetch reads the queue only when it was non-empty at its start, so the window left
  // is the instant between this check and that start.
  int safeBatch() const {
    int queued = 0;
    if (natsSubscription_GetPending(sub_, &queued, nullptr) != NATS_OK) return 1;
    return queued > 0 ? 1 : static_cast<int>(config_.fetch_batch);
  }

  void handle(natsMsg* msg) {
    const char* idText = nullptr;
    const char* prevText = nullptr;
    natsMsgHeader_Get(msg, "Nats-Msg-Id", &idText);
    natsMsgHeader_Get(msg, "Ait-Prev", &prevText);
    auto id = parseMessageId(idText != nullptr ? std::string_view(idText) : std::string_view{});
    std::optional<std::uint64_t> prev = prevText != nullptr ? parseSequence(prevText) : std::optional<std::uint64_t>(0);
    if (!id || !prev) {
      invalidMessage(msg, id ? Error(errors::kBadMessage, fmt::format("message {} has a bad Ait-Prev header", idText))
                             : id.error());
      return;
    }
    if (std::ranges::find(options_.ignore_sources, id->source) != options_.ignore_sources.end()) {
      ignored_.inc();
      acks_.push_back(msg);
      return;
    }
    Verdict verdict = Verdict::Apply;
    {
      std::lock_guard lock(mutex_);
      verdict = dedup_.check(id->source, id->sequence, *prev);
    }
    if (verdict == Verdict::Duplicate) {
      duplicates_.inc();
      acks_.push_back(msg);
      return;
    }
    if (verdict == Verdict::Early) {
      if (deliveries(msg) <= config_.gap_redeliveries) {
        early_.inc();
        natsMsg_NakWithDelay(msg, config_.ack_wait_ms, nullptr);
        return;
      }
      gaps_.inc();
      report(Error(errors::kGap,
                   fmt::format("source {}: message {} waited for predecessor {} past {} deliveries; "
                               "applying it after {}",
                               id->source, id->sequence, *prev, config_.gap_redeliveries,
                               lastApplied(id->source))),
             Recovery::Degrade);
    }
    const auto* data = reinterpret_cast<const std::byte*>(natsMsg_GetData(msg));
    auto event = model::decode(std::span<const std::byte>(data, static_cast<std::size_t>(natsMsg_GetDataLength(msg))));
    if (!event) {
      invalidMessage(msg, Error(errors::kBadMessage, fmt::format("message {}:{} cannot be decoded: {}", id->source,
                                                                 id->sequence, event.error().describe())));
      return;
    }
    model::headerOf(*event).sequence = id->sequence;
    if (!sink_(*event)) {
      refused_.fetch_add(1, std::memory_order_relaxed);
      natsMsg_NakWithDelay(msg, config_.fetch_timeout_ms, nullptr);
      return;
    }
    {
      std::lock_guard lock(mutex_);
      dedup_.markApplied(id->source, id->sequence);
    }
    stateDirty_ = true;
    consumed_.inc();
    acks_.push_back(msg);
  }

  std::uint64_t deliveries(natsMsg* msg) {
    jsMsgMetaData* meta = nullptr;
    if (natsMsg_GetMetaData(&meta, msg) != NATS_OK || meta == nullptr) return 1;
    const auto n = meta->NumDelivered;
    jsMsgMetaData_Destroy(meta);
    return n;
  }

  void invalidMessage(natsMsg* msg, const Error& error) {
    invalid_.inc();
    report(error, Recovery::Fail);
    natsMsg_Term(msg, nullptr);
  }

  const NatsConfig config_;
  const ConsumerOptions options_;
  EventSink sink_;
  const Clock& clock_;
  const CursorFile stateFile_;
  mutable std::mutex mutex_;  // guards dedup_ against lastApplied() from other threads
  Deduplicator dedup_;
  resilience::CircuitBreaker breaker_;
  resilience::Retry retry_;
  CountedMetric consumed_;
  CountedMetric duplicates_;
  CountedMetric early_;
  CountedMetric gaps_;
  CountedMetric invalid_;
  CountedMetric ignored_;
  CountedMetric failures_;
  metrics::Counter& reconnects_;

  StopSignal signal_;
  std::thread thread_;
  std::atomic<std::uint64_t> refused_{0};
  std::atomic<std::uint64_t> reconnectCount_{0};
  std::atomic<bool> connected_{false};

  // I/O thread only.
  std::unique_ptr<Connection> conn_;
  natsSubscription* sub_ = nullptr;
  std::vector<natsMsg*> acks_;
  bool stateDirty_ = false;
  bool everConnected_ = false;
  int attempt_ = 0;
  int fetchErrors_ = 0;
};

}  // namespace detail

Expected<std::unique_ptr<JetStreamConsumer>> JetStreamConsumer::create(const NatsConfig& config,
                                                                       ConsumerOptions options, EventSink sink,
                                                                       const Clock& clock) {
  if (auto ok = config.validate(); !ok) return Unexpected(std::move(ok.error()));
  if (!detail::validDurable(options.durable)) {
    return fail(errors::kInvalidConfig,
                fmt::format("durable consumer name \"{}\" must be non-empty letters, digits, '_' or '-'",
                            options.durable));
  }
  if (options.filter.empty() || options.filter.find(' ') != std::string::npos) {
    return fail(errors::kInvalidConfig, fmt::format("filter subject \"{}\" is not a NATS subject", options.filter));
  }
  if (!sink) return fail(errors::kInvalidConfig, "a consumer needs a sink");
  CursorFile file(std::filesystem::path(config.state_dir) / fmt::format("consumer-{}.cursor", options.durable));
  auto state = file.load();
  if (!state) return Unexpected(std::move(state.error()));
  return std::unique_ptr<JetStreamConsumer>(new JetStreamConsumer(std::make_unique<detail::ConsumerImpl>(
      config, std::move(options), std::move(sink), clock, std::move(*state))));
}

JetStreamConsumer::JetStreamConsumer(std::unique_ptr<detail::ConsumerImpl> impl) : impl_(std::move(impl)) {}
JetStreamConsumer::~JetStreamConsumer() = default;
Expected<void> JetStreamConsumer::start() { return impl_->start(); }
void JetStreamConsumer::stop() { impl_->stop(); }
std::uint64_t JetStreamConsumer::lastApplied(std::string_view source) const { return impl_->lastApplied(source); }
ConsumerStats JetStreamConsumer::stats() const { return impl_->stats(); }

}  // namespace ait::nats
