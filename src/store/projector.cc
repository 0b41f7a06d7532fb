#include "ait/store/projector.h"

#include <algorithm>

#include <fmt/format.h>

#include "ait/core/error_registry.h"
#include "ait/model/codec.h"
#include "ait/store/errors.h"

namespace ait::store {

Projector::Projector(EventStore& store, std::vector<StreamSource> sources, ProjectionSettings settings)
    : store_(store),
      settings_(settings),
      applied_(metrics::Registry::global().counter("ait_store_projected_total",
                                                   "Events written into a storage backend",
                                                   {{"backend", std::string(store.backend())}})),
      failed_(metrics::Registry::global().counter("ait_store_projection_failures_total",
                                                  "Failed projection attempts (the backend was down or refused)",
                                                  {{"backend", std::string(store.backend())}})) {
  for (auto& source : sources) {
    auto stream = std::make_unique<Stream>();
    stream->lag = &metrics::Registry::global().gauge(
        "ait_store_projection_lag", "Journal records not yet in the backend",
        {{"backend", std::string(store.backend())}, {"stream", source.name}});
    stream->source = std::move(source);
    streams_.push_back(std::move(stream));
  }
}

Projector::~Projector() { stop(); }

void Projector::start() {
  if (thread_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = false;
  }
  thread_ = std::thread([this] { run(); });
}

void Projector::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Projector::sleepFor(std::chrono::milliseconds duration) {
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, duration, [this] { return stopping_; });
}

// Reads up to one batch from the stream's journal and writes it; returns how many were written.
Expected<std::size_t> Projector::pump(Stream& stream) {
  if (!stream.reader) {
    auto checkpoint = store_.checkpoint(stream.source.name);
    if (!checkpoint) return Unexpected(checkpoint.error());
    stream.checkpoint.store(*checkpoint, std::memory_order_relaxed);
    journal::ReadOptions options;
    options.fromSeq = *checkpoint + 1;
    auto reader = stream.source.journal->reader(options);
    if (!reader) return fail(errors::kProjection, reader.error().describe());
    stream.reader.emplace(std::move(*reader));
  }
  std::vector<model::Event> batch;
  batch.reserve(settings_.batch);
  while (batch.size() < settings_.batch) {
    auto record = stream.reader->next();
    if (!record) return fail(errors::kProjection, record.error().describe());
    if (!record->has_value()) break;
    auto event = model::decode((*record)->payload);
    if (!event) {
      // An event this program cannot decode is reported and skipped, never retried forever.
      ErrorRegistry::global().record(Error(
          errors::kProjection, fmt::format("stream {} record {}: {}", stream.source.name,
                                           (*record)->seq, event.error().describe())));
      continue;
    }
    model::headerOf(*event).sequence = (*record)->seq;
    batch.push_back(*event);
  }
  if (batch.empty()) return std::size_t{0};
  if (auto ok = store_.apply(stream.source.name, batch); !ok) {
    stream.reader.reset();  // resume from the checkpoint once the backend is back
    return Unexpected(ok.error());
  }
  stream.checkpoint.store(model::headerOf(batch.back()).sequence, std::memory_order_relaxed);
  applied_.inc(batch.size());
  return batch.size();
}

void Projector::run() {
  auto backoff = settings_.initialBackoff;
  while (true) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
    }
    std::size_t written = 0;
    bool failed = false;
    for (auto& stream : streams_) {
      auto n = pump(*stream);
      if (!n) {
        failed = true;
        failures_.fetch_add(1, std::memory_order_relaxed);
        failed_.inc();
        if (connected_.exchange(false)) ErrorRegistry::global().record(n.error(), Recovery::Retry, false);
        std::lock_guard lock(mutex_);
        lastError_ = n.error().describe();
        break;
      }
      written += *n;
      const auto head = stream->source.journal->durableSequence();
      const auto checkpoint = stream->checkpoint.load(std::memory_order_relaxed);
      stream->lag->set(static_cast<double>(head > checkpoint ? head - checkpoint : 0));
    }
    if (failed) {
      sleepFor(backoff);
      backoff = std::min(backoff * 2, settings_.maxBackoff);
      continue;
    }
    if (!connected_.exchange(true)) {
      std::lock_guard lock(mutex_);
      lastError_.clear();
    }
    backoff = settings_.initialBackoff;
    if (written == 0) sleepFor(settings_.idleWait);
  }
}

ProjectionStatus Projector::status() const {
  ProjectionStatus status;
  for (const auto& stream : streams_) {
    status.streams.push_back({stream->source.name, stream->checkpoint.load(std::memory_order_relaxed),
                              stream->source.journal->durableSequence()});
  }
  status.connected = connected_.load();
  status.failures = failures_.load();
  std::lock_guard lock(mutex_);
  status.lastError = lastError_;
  return status;
}

}  // namespace ait::store
