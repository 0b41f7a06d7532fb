#include "ait/engine/runtime.h"

#include <fmt/format.h>

#include "ait/core/error_registry.h"
#include "ait/engine/errors.h"
#include "ait/log/log.h"
#include "ait/metrics/metrics.h"
#include "ait/model/codec.h"
#include "ait/nats/consumer.h"
#include "ait/nats/publisher.h"

namespace ait::engine {

namespace {

constexpr std::array<Stream, kStreamCount> kStreams{Stream::MarketData, Stream::Trading};

std::size_t indexOf(Stream stream) noexcept { return static_cast<std::size_t>(stream); }

metrics::Counter& journaledCounter(Stream stream) {
  return metrics::Registry::global().counter(
      "ait_engine_journaled_total", "Events the engine appended to the journal",
      {{"stream", std::string(toString(stream))}});
}

}  // namespace

std::string_view toString(Stream stream) noexcept {
  return stream == Stream::MarketData ? "md" : "trading";
}

Stream streamOf(model::EventType type) noexcept {
  switch (type) {
    case model::EventType::Tick:
    case model::EventType::Bar:
    case model::EventType::GapDetected:
      return Stream::MarketData;
    default:
      return Stream::Trading;
  }
}

Runtime::Runtime(const RuntimeSettings& settings)
    : settings_(settings),
      journaled_{&journaledCounter(Stream::MarketData), &journaledCounter(Stream::Trading)},
      journalFailures_(&metrics::Registry::global().counter(
          "ait_engine_journal_failures_total", "Events the engine could not journal")),
      remote_(&metrics::Registry::global().counter(
          "ait_engine_remote_events_total", "Events from other processes applied to the bus")) {}

Expected<std::unique_ptr<Runtime>> Runtime::open(const RuntimeSettings& settings) {
  std::unique_ptr<Runtime> runtime(new Runtime(settings));
  auto busConfig = settings.bus;
  // The bus itself always runs in process; NATS is the bridge between processes' journals.
  busConfig.kind = bus::BusKind::Local;
  auto bus = EventBus::create(busConfig, "engine");
  if (!bus) return fail(errors::kOpen, bus.error().describe());
  runtime->bus_ = std::move(*bus);

  for (Stream stream : kStreams) {
    journal::JournalOptions options;
    options.stream = std::string(toString(stream));
    options.retentionClass = stream == Stream::MarketData ? journal::RetentionClass::MarketData
                                                          : journal::RetentionClass::Trading;
    options.clock = settings.clock;
    auto opened = journal::Journal::open(settings.journal, std::move(options));
    if (!opened) {
      return fail(errors::kOpen, fmt::format("journal stream '{}': {}", toString(stream),
                                             opened.error().describe()));
    }
    const auto& recovery = (*opened)->recovery();
    log::info(*log::logger("engine"), "journal opened",
              {{"stream", std::string(toString(stream))},
               {"last_sequence", std::to_string((*opened)->lastSequence())},
               {"recovery", recovery.describe()}});
    runtime->journals_[indexOf(stream)] = std::move(*opened);
  }

  if (settings.nats) {
    for (Stream stream : kStreams) {
      auto config = *settings.nats;
      // One publisher per journal; its source id names the node and the stream so that message
      // ids stay unique and the consumers order each journal on its own.
      config.source = fmt::format("{}-{}", settings.nats->source, toString(stream));
      auto publisher = nats::JetStreamPublisher::create(config, *runtime->journals_[indexOf(stream)],
                                                        settings.clock != nullptr
                                                            ? *settings.clock
                                                            : SystemClock::instance());
      if (!publisher) return fail(errors::kOpen, publisher.error().describe());
      runtime->publishers_[indexOf(stream)] = std::move(*publisher);
    }
    nats::ConsumerOptions options;
    options.durable = fmt::format("ait-{}", settings.nats->source);
    for (Stream stream : kStreams) {
      options.ignore_sources.push_back(fmt::format("{}-{}", settings.nats->source, toString(stream)));
    }
    Runtime* self = runtime.get();
    auto consumer = nats::JetStreamConsumer::create(
        *settings.nats, std::move(options),
        [self](const model::Event& event) {
          if (self->bus_->publish(event) != bus::PublishStatus::Ok) return false;
          self->remote_->inc();
          return true;
        },
        settings.clock != nullptr ? *settings.clock : SystemClock::instance());
    if (!consumer) return fail(errors::kOpen, consumer.error().describe());
    runtime->consumer_ = std::move(*consumer);
  }

  // Journal first: the interceptor runs before every handler, so each handler already sees the
  // event's sequence, and an event a handler reacts to is on its way to disk.
  auto installed = runtime->bus_->setInterceptor(
      [self = runtime.get()](model::Event& event) noexcept { self->journalEvent(event); });
  if (!installed) return fail(errors::kOpen, installed.error().describe());
  return runtime;
}

Runtime::~Runtime() { stop(); }

void Runtime::journalEvent(model::Event& event) noexcept {
  auto& header = model::headerOf(event);
  // Non-zero: already journaled by record(), or another process's event that came over NATS
  // (it lives in that process's journal).
  if (header.sequence != 0) return;
  const auto type = model::typeOf(event);
  const Stream stream = streamOf(type);
  std::array<std::byte, model::kMaxEncodedSize> buffer;
  auto size = model::encode(event, buffer);
  if (!size) {
    journalFailures_->inc();
    ErrorRegistry::global().record(Error(errors::kJournal, size.error().describe()));
    return;
  }
  auto seq = journals_[indexOf(stream)]->append(
      std::to_underlying(type), header.tenant.value,
      header.tsEvent != 0 ? header.tsEvent : header.tsRecv,
      std::span<const std::byte>(buffer.data(), *size));
  if (!seq) {
    journalFailures_->inc();
    ErrorRegistry::global().record(Error(errors::kJournal, seq.error().describe()));
    return;
  }
  header.sequence = *seq;
  journaled_[indexOf(stream)]->inc();
}

Expected<std::uint64_t> Runtime::record(model::Event event) noexcept {
  if (!bus_->onEngineThread()) {
    return fail(errors::kWrongThread, "Runtime::record() must be called from a bus handler");
  }
  auto& header = model::headerOf(event);
  header.sequence = 0;
  const auto failuresBefore = journalFailures_->value();
  journalEvent(event);
  if (header.sequence == 0) {
    return fail(errors::kJournal,
                journalFailures_->value() != failuresBefore
                    ? "the journal refused the event; see /api/v1/errors"
                    : "the event was not journaled");
  }
  const auto seq = header.sequence;
  if (bus_->publish(event) != bus::PublishStatus::Ok) {
    // Journaled but not dispatched locally: the local queue is full. The event is safe on disk;
    // subscribers in this process miss it, which is counted by the bus.
    ErrorRegistry::global().record(Error(
        errors::kJournal, fmt::format("event {} journaled but the local queue was full", seq)));
  }
  return seq;
}

Expected<void> Runtime::waitDurable(Stream stream, std::uint64_t seq,
                                    std::chrono::nanoseconds timeout) const {
  return journals_[indexOf(stream)]->waitDurable(seq, timeout);
}

Expected<void> Runtime::start() {
  if (started_) return fail(errors::kLifecycle, "the engine runtime was already started");
  if (auto ok = bus_->start(); !ok) return fail(errors::kLifecycle, ok.error().describe());
  started_ = true;
  for (auto& publisher : publishers_) {
    if (publisher == nullptr) continue;
    if (auto ok = publisher->start(); !ok) return fail(errors::kLifecycle, ok.error().describe());
  }
  if (consumer_ != nullptr) {
    if (auto ok = consumer_->start(); !ok) return fail(errors::kLifecycle, ok.error().describe());
  }
  return {};
}

void Runtime::stop(std::chrono::nanoseconds drainDeadline) {
  if (stopped_) return;
  stopped_ = true;
  // Inbound first, so nothing new arrives while the engine drains.
  if (consumer_ != nullptr) consumer_->stop();
  if (bus_ != nullptr) {
    auto result = bus_->stop(drainDeadline);
    if (result && result->undelivered != 0) {
      log::warn(*log::logger("engine"), "events left undelivered at stop",
                {{"count", std::to_string(result->undelivered)}});
    }
  }
  // Journals close after the engine (their appender) has stopped; publishers stop last so they
  // can send what the drain appended (what they miss, they send from their cursor next time).
  for (auto& journal : journals_) {
    if (journal == nullptr) continue;
    if (auto closed = journal->close(); !closed) ErrorRegistry::global().record(closed.error());
  }
  for (auto& publisher : publishers_) {
    if (publisher != nullptr) publisher->stop();
  }
}

RuntimeStats Runtime::stats() const {
  RuntimeStats stats;
  for (Stream stream : kStreams) {
    const auto i = indexOf(stream);
    stats.journaled[i] = journaled_[i]->value();
    stats.durable[i] = journals_[i] != nullptr ? journals_[i]->durableSequence() : 0;
  }
  stats.journalFailures = journalFailures_->value();
  stats.remote = remote_->value();
  bool connected = settings_.nats.has_value();
  for (const auto& publisher : publishers_) {
    if (publisher != nullptr) connected = connected && publisher->stats().connected;
  }
  if (consumer_ != nullptr) connected = connected && consumer_->stats().connected;
  stats.natsConnected = connected;
  return stats;
}

hub::Health Runtime::health() const {
  hub::Health health;
  for (Stream stream : kStreams) {
    const auto& journal = journals_[indexOf(stream)];
    hub::DependencyHealth dep{fmt::format("journal-{}", toString(stream)), hub::HealthStatus::Healthy, {}};
    if (journal == nullptr || journal->failed()) {
      dep.status = hub::HealthStatus::Down;
      dep.reason = "the journal writer failed; no event can be made durable";
    }
    health.status = hub::worse(health.status, dep.status);
    health.dependencies.push_back(std::move(dep));
  }
  if (settings_.nats) {
    hub::DependencyHealth dep{"nats", hub::HealthStatus::Healthy, {}};
    if (!stats().natsConnected) {
      dep.status = hub::HealthStatus::Degraded;
      dep.reason = "NATS is unreachable; events wait in the journal and are sent when it is back";
    }
    health.status = hub::worse(health.status, dep.status);
    health.dependencies.push_back(std::move(dep));
  }
  if (health.status != hub::HealthStatus::Healthy) health.reason = "engine runtime";
  return health;
}

}  // namespace ait::engine
