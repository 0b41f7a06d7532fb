#include "ait/nats/publisher.h"

#include <array>
#include <cstring>
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
#include "ait/resilience/retry.h"
#include "connection.h"
#include "worker.h"

namespace ait::nats {

namespace detail {

namespace {
constexpr std::string_view kPublishedKey = "published";
constexpr std::string_view kPositionKey = "position";
constexpr auto kReadWait = std::chrono::milliseconds(100);
constexpr auto kOpenCircuitPoll = std::chrono::milliseconds(50);
}  // namespace

/// A journal record copied out of the reader, kept until JetStream acknowledges it.
struct PendingRecord {
  std::uint64_t seq = 0;
  Subject subject;
  std::vector<std::byte> payload;
};

class PublisherImpl {
 public:
  PublisherImpl(const NatsConfig& config, StreamSelection selection, const journal::Journal& journal,
                const Clock& clock, CursorMap cursor)
      : config_(config),
        selection_(selection),
        journal_(journal),
        clock_(clock),
        cursorFile_(std::filesystem::path(config.state_dir) / fmt::format("publisher-{}.cursor", config.source)),
        breaker_(fmt::format("nats-publish-{}", config.source), config.breaker, clock),
        retry_(fmt::format("nats-publish-{}", config.source), config.retry, clock),
        published_(metric("ait_nats_published_total", "Events JetStream acknowledged")),
        duplicates_(metric("ait_nats_publish_duplicates_total",
                           "Publishes JetStream acknowledged as duplicates of a stored message")),
        failures_(metric("ait_nats_publish_failures_total", "Failed connect or publish attempts")),
        reconnects_(metric("ait_nats_reconnects_total", "Connections to NATS re-established")),
        backlog_(metrics::Registry::global().gauge(
            "ait_nats_publish_backlog", "Durable journal records not yet published",
            {{"source", config.source}})) {
    if (auto it = cursor.find(kPublishedKey); it != cursor.end()) lastPublished_ = it->second;
    if (auto it = cursor.find(kPositionKey); it != cursor.end()) position_ = it->second;
    if (position_ < lastPublished_) position_ = lastPublished_;
    cursorAtomic_.store(lastPublished_, std::memory_order_relaxed);
    positionAtomic_.store(position_, std::memory_order_relaxed);
    flushedPosition_ = position_;
    pending_.payload.reserve(model::kMaxEncodedSize);
  }

  ~PublisherImpl() { stop(); }

  Expected<void> start() {
    if (thread_.joinable() || signal_.stopping()) return fail(errors::kLifecycle, "the publisher was already started");
    thread_ = std::thread([this] { run(); });
    return {};
  }

  void stop() {
    signal_.stop();
    if (thread_.joinable()) thread_.join();
  }

  std::uint64_t cursor() const noexcept { return cursorAtomic_.load(std::memory_order_relaxed); }

  PublisherStats stats() const {
    PublisherStats s;
    s.published = published_.value();
    s.duplicates = duplicates_.value();
    s.skipped = skipped_.load(std::memory_order_relaxed);
    s.failures = failures_.value();
    s.reconnects = reconnectCount_.load(std::memory_order_relaxed);
    s.cursor = cursor();
    const auto head = journal_.durableSequence();
    const auto pos = positionAtomic_.load(std::memory_order_relaxed);
    s.backlog = head > pos ? head - pos : 0;
    s.connected = connected_.load(std::memory_order_relaxed);
    return s;
  }

  resilience::CircuitState circuitState() { return breaker_.state(); }

 private:
  metrics::Counter& metric(std::string_view name, std::string_view help) {
    return metrics::Registry::global().counter(name, help, {{"source", config_.source}});
  }

  void run() {
    while (!signal_.stopping()) {
      updateBacklog();
      if (!conn_ && !connect()) continue;
      if (!havePending_ && !readNext()) continue;
      if (!havePending_) continue;
      publishPending();
    }
    flushCursor(true);
    conn_.reset();
    connected_.store(false, std::memory_order_relaxed);
  }

  void updateBacklog() {
    const auto head = journal_.durableSequence();
    backlog_.set(static_cast<double>(head > position_ ? head - position_ : 0));
  }

  void backoff() {
    const int attempt = std::min(attempt_++, 30);
    signal_.sleepFor(retry_.nextBackoff(attempt));
  }

  void report(const Error& error) {
    failures_.inc();
    ErrorRegistry::global().record(error, Recovery::Retry, false);
    spdlog::default_logger()->warn("{}", error.describe());
  }

  bool connect() {
    auto permit = breaker_.acquire();
    if (!permit) {
      signal_.sleepFor(kOpenCircuitPoll);
      return false;
    }
    auto conn = Connection::open(config_, reconnects_, reconnectCount_);
    Expected<void> ready = conn ? (*conn)->ensureStream(config_) : Expected<void>(Unexpected(conn.error()));
    if (!ready) {
      permit.onFailure();
      report(ready.error());
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
    conn_ = std::move(*conn);
    connected_.store(true, std::memory_order_relaxed);
    spdlog::default_logger()->info("nats publisher {} connected; resuming after journal sequence {}",
                                   config_.source, position_);
    return true;
  }

  bool openReader() {
    journal::ReadOptions options;
    options.fromSeq = position_ + 1;
    auto reader = journal_.reader(options);
    if (!reader) {
      report(Error(errors::kJournal, fmt::format("cannot open a journal reader at sequence {}: {}",
                                                 position_ + 1, reader.error().describe())));
      backoff();
      return false;
    }
    reader_.emplace(std::move(*reader));
    return true;
  }

  // Returns true when a record to publish is pending.
  bool readNext() {
    if (!reader_ && !openReader()) return false;
    auto record = reader_->next(kReadWait);
    if (!record) {
      report(Error(errors::kJournal, fmt::format("reading the journal after sequence {} failed: {}",
                                                 position_, record.error().describe())));
      reader_.reset();
      backoff();
      return false;
    }
    if (!*record) {
      flushCursor(false);
      return false;
    }
    const auto& view = **record;
    const auto type = model::eventTypeFromId(view.type);
    if (!type || !selection_.contains(*type)) {
      advance(view.seq);
      skipped_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    auto event = model::decode(view.payload);
    if (!event) {
      report(Error(errors::kJournal, fmt::format("journal record {} cannot be decoded, not published: {}",
                                                 view.seq, event.error().describe())));
      advance(view.seq);
      return false;
    }
    pending_.seq = view.seq;
    pending_.subject = subjectOf(*event);
    pending_.payload.assign(view.payload.begin(), view.payload.end());
    havePending_ = true;
    return true;
  }

  void advance(std::uint64_t seq) {
    position_ = seq;
    positionAtomic_.store(seq, std::memory_order_relaxed);
    ++unflushed_;
  }

  void publishPending() {
    auto permit = breaker_.acquire();
    if (!permit) {
      signal_.sleepFor(kOpenCircuitPoll);
      return;
    }
    std::array<char, 160> idBuffer{};
    const auto id = formatMessageId(config_.source, pending_.seq, idBuffer);
    std::array<char, kSubjectCapacity + 1> subject{};
    std::memcpy(subject.data(), pending_.subject.data(), pending_.subject.size());
    std::array<char, 24> prev{};
    std::to_chars(prev.data(), prev.data() + prev.size() - 1, lastPublished_);

    natsMsg* msg = nullptr;
    natsStatus s = natsMsg_Create(&msg, subject.data(), nullptr,
                                  reinterpret_cast<const char*>(pending_.payload.data()),
                                  static_cast<int>(pending_.payload.size()));
    if (s == NATS_OK) s = natsMsgHeader_Set(msg, "Ait-Prev", prev.data());
    jsPubOptions options;
    jsPubOptions_Init(&options);
    options.MaxWait = config_.publish_timeout_ms;
    options.MsgId = id.data();
    jsPubAck* ack = nullptr;
    jsErrCode jerr = static_cast<jsErrCode>(0);
    if (s == NATS_OK) s = js_PublishMsg(&ack, conn_->js(), msg, &options, &jerr);
    const bool duplicate = ack != nullptr && ack->Duplicate;
    if (ack != nullptr) jsPubAck_Destroy(ack);
    if (msg != nullptr) natsMsg_Destroy(msg);
    if (s != NATS_OK) {
      permit.onFailure();
      connected_.store(conn_->connected(), std::memory_order_relaxed);
      report(Error(errors::kPublish,
                   describeStatus(fmt::format("publishing journal sequence {} to {} failed; retrying",
                                              pending_.seq, pending_.subject.view()),
                                  s, jerr)));
      if (natsConnection_IsClosed(conn_->nc())) {
        conn_.reset();
        connected_.store(false, std::memory_order_relaxed);
      }
      backoff();
      return;
    }
    permit.onSuccess();
    attempt_ = 0;
    connected_.store(true, std::memory_order_relaxed);
    published_.inc();
    if (duplicate) duplicates_.inc();
    lastPublished_ = pending_.seq;
    cursorAtomic_.store(lastPublished_, std::memory_order_relaxed);
    havePending_ = false;
    advance(pending_.seq);
    flushCursor(false);
  }

  void flushCursor(bool force) {
    if (position_ == flushedPosition_) return;
    const auto now = clock_.monotonicNs();
    if (!force && unflushed_ < config_.cursor_flush_every &&
        now - lastFlushNs_ < config_.cursor_flush_ms * 1'000'000) {
      return;
    }
    CursorMap values{{std::string(kPublishedKey), lastPublished_}, {std::string(kPositionKey), position_}};
    if (auto ok = cursorFile_.store(values); !ok) {
      report(ok.error());
      return;
    }
    flushedPosition_ = position_;
    unflushed_ = 0;
    lastFlushNs_ = now;
  }

  const NatsConfig config_;
  const StreamSelection selection_;
  const journal::Journal& journal_;
  const Clock& clock_;
  const CursorFile cursorFile_;
  resilience::CircuitBreaker breaker_;
  resilience::Retry retry_;
  CountedMetric published_;
  CountedMetric duplicates_;
  CountedMetric failures_;
  metrics::Counter& reconnects_;
  metrics::Gauge& backlog_;

  StopSignal signal_;
  std::thread thread_;
  std::atomic<std::uint64_t> cursorAtomic_{0};
  std::atomic<std::uint64_t> positionAtomic_{0};
  std::atomic<std::uint64_t> skipped_{0};
  std::atomic<std::uint64_t> reconnectCount_{0};
  std::atomic<bool> connected_{false};

  // I/O thread only.
  std::unique_ptr<Connection> conn_;
  std::optional<journal::JournalReader> reader_;
  PendingRecord pending_;
  bool havePending_ = false;
  bool everConnected_ = false;
  int attempt_ = 0;
  std::uint64_t lastPublished_ = 0;
  std::uint64_t position_ = 0;
  std::uint64_t flushedPosition_ = 0;
  std::uint64_t unflushed_ = 0;
  std::int64_t lastFlushNs_ = 0;
};

}  // namespace detail

Expected<std::unique_ptr<JetStreamPublisher>> JetStreamPublisher::create(const NatsConfig& config,
                                                                         const journal::Journal& journal,
                                                                         const Clock& clock) {
  if (auto ok = config.validate(); !ok) return Unexpected(std::move(ok.error()));
  auto selection = StreamSelection::parse(config.publish);
  if (!selection) return Unexpected(std::move(selection.error()));
  CursorFile file(std::filesystem::path(config.state_dir) / fmt::format("publisher-{}.cursor", config.source));
  auto cursor = file.load();
  if (!cursor) return Unexpected(std::move(cursor.error()));
  return std::unique_ptr<JetStreamPublisher>(new JetStreamPublisher(
      std::make_unique<detail::PublisherImpl>(config, *selection, journal, clock, std::move(*cursor))));
}

JetStreamPublisher::JetStreamPublisher(std::unique_ptr<detail::PublisherImpl> impl) : impl_(std::move(impl)) {}
JetStreamPublisher::~JetStreamPublisher() = default;
Expected<void> JetStreamPublisher::start() { return impl_->start(); }
void JetStreamPublisher::stop() { impl_->stop(); }
std::uint64_t JetStreamPublisher::cursor() const noexcept { return impl_->cursor(); }
PublisherStats JetStreamPublisher::stats() const { return impl_->stats(); }
resilience::CircuitState JetStreamPublisher::circuitState() { return impl_->circuitState(); }

}  // namespace ait::nats
