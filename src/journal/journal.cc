#include "ait/journal/journal.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstring>
#include <limits>
#include <mutex>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "ait/core/error_registry.h"
#include "ait/journal/errors.h"
#include "ait/metrics/metrics.h"
#include "journal/codec.h"
#include "journal/futex.h"
#include "journal/io.h"
#include "journal/live_state.h"
#include "journal/recovery.h"
#include "journal/sha256.h"

namespace ait::journal {

std::string RecoveryReport::describe() const {
  if (repaired) {
    return fmt::format(
        "recovery repaired damage: cut segment {} at offset {} (seq {} onwards, {} bytes); "
        "original copied to {}",
        truncatedSegment, truncatedAtOffset, droppedFirstSeq, droppedBytes, quarantined);
  }
  if (droppedBytes == 0) {
    return fmt::format("recovery clean: {} segment(s), last sequence {}", segments, lastSeq);
  }
  return fmt::format(
      "recovery truncated a torn tail: {} record(s) (seq {}..{}), {} bytes at offset {} of {}; "
      "last sequence {}",
      droppedRecords, droppedFirstSeq, droppedLastSeq, droppedBytes, truncatedAtOffset,
      truncatedSegment, lastSeq);
}

namespace detail {

namespace {

constexpr std::uint64_t kNoWake = std::numeric_limits<std::uint64_t>::max();
constexpr auto kIdleWait = std::chrono::milliseconds(100);

std::int64_t steadyNs() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

inline void cpuRelax() noexcept {
#if defined(__x86_64__)
  _mm_pause();
#endif
}

// A sleeper announces the sequence it waits for in wakeAt, re-checks, then sleeps on the futex;
// the other side publishes, then calls this. The compare-exchange clears only the announcement it
// saw: a plain store could erase a newer one and leave the sleeper to its timeout.
inline void wakeIfWaiting(std::atomic<std::uint64_t>& wakeAt, std::uint64_t published,
                          std::atomic<std::uint32_t>& futex) noexcept {
  std::uint64_t wanted = wakeAt.load(std::memory_order_seq_cst);
  if (published >= wanted &&
      wakeAt.compare_exchange_strong(wanted, kNoWake, std::memory_order_seq_cst)) {
    futexWakeAll(futex);
  }
}

std::vector<double> batchBuckets() {
  return {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 65536};
}

}  // namespace

struct ActiveSegment {
  ActiveSegment(UniqueFd f, std::filesystem::path p) : fd(std::move(f)), path(std::move(p)) {}
  UniqueFd fd;
  std::filesystem::path path;
};

class JournalImpl {
 public:
  JournalImpl(const JournalConfig& config, JournalOptions options, std::filesystem::path dir)
      : config_(config),
        options_(std::move(options)),
        dir_(std::move(dir)),
        clock_(options_.clock != nullptr ? options_.clock : &SystemClock::instance()),
        live_(std::make_shared<LiveState>()),
        snapshots_(dir_ / "snapshots", config.snapshotKeep, config.fsync) {
    auto& reg = metrics::Registry::global();
    metrics::Labels labels{{"stream", options_.stream}};
    appendedTotal_ = &reg.counter("ait_journal_appended_total",
                                  "Records made durable in the journal.", labels);
    appendedBytes_ = &reg.counter("ait_journal_appended_bytes_total",
                                  "Bytes of records (header and payload) written.", labels);
    durableGauge_ = &reg.gauge("ait_journal_durable_sequence",
                               "Highest durable sequence number of the stream.", labels);
    fsyncSeconds_ = &reg.histogram("ait_journal_fsync_seconds",
                                   "Duration of each group-commit fdatasync.", labels);
    batchRecords_ =
        &reg.histogram("ait_journal_batch_records",
                       "Records made durable per group commit (one fdatasync).", labels,
                       batchBuckets());
    droppedRecords_ = &reg.counter("ait_journal_recovery_dropped_records_total",
                                   "Torn records truncated by recovery at open.", labels);
    droppedBytes_ = &reg.counter("ait_journal_recovery_dropped_bytes_total",
                                 "Bytes truncated by recovery at open.", labels);
    backpressure_ = &reg.counter("ait_journal_backpressure_total",
                                 "Appends that had to wait for buffer space.", labels);
    segmentsRolled_ = &reg.counter("ait_journal_segments_rolled_total",
                                   "Segment files started.", labels);
  }

  ~JournalImpl() { (void)close(); }

  Expected<void> start() {
    std::error_code ec;
    const bool created = std::filesystem::create_directories(dir_, ec);
    if (ec) {
      return fail(errors::kIo, fmt::format("cannot create journal directory {}: {}",
                                           dir_.string(), ec.message()));
    }
    if (created && config_.fsync) {
      if (auto ok = syncDirectory(dir_.parent_path()); !ok) return ok;
    }
    auto lock = openFile(dir_ / "LOCK", O_RDWR | O_CREAT);
    if (!lock) return std::unexpected(lock.error());
    if (::flock(lock->get(), LOCK_EX | LOCK_NB) < 0) {
      return fail(errors::kLocked,
                  fmt::format("journal {} is already open for writing by another process or "
                              "instance",
                              dir_.string()));
    }
    lock_ = std::move(*lock);

    auto recovered = recoverStream(dir_, options_.stream, options_.repair, config_.fsync);
    if (!recovered) return std::unexpected(recovered.error());
    recovery_ = recovered->report;
    if (recovery_.droppedBytes > 0) {
      droppedRecords_->inc(recovery_.droppedRecords);
      droppedBytes_->inc(recovery_.droppedBytes);
      spdlog::default_logger()->warn("journal {}: {}", dir_.string(), recovery_.describe());
      Error note(errors::kTornTail,
                 fmt::format("journal {}: {}", dir_.string(), recovery_.describe()));
      ErrorRegistry::global().record(note, Recovery::Degrade, true);
    }

    lastHash_ = recovered->lastHash;
    writerSeq_ = recovered->lastSeq;
    writtenSeq_.store(recovered->lastSeq, std::memory_order_relaxed);
    appendSeq_ = recovered->lastSeq;
    publishedSeq_.store(recovered->lastSeq, std::memory_order_relaxed);
    live_->durable.store(recovered->lastSeq, std::memory_order_relaxed);
    durableGauge_->set(static_cast<double>(recovered->lastSeq));

    if (recovered->activeSegment.empty()) {
      if (auto ok = createSegment(recovered->lastSeq + 1); !ok) return ok;
    } else {
      auto fd = openFile(recovered->activeSegment, O_WRONLY);
      if (!fd) return std::unexpected(fd.error());
      setActive(std::make_shared<ActiveSegment>(std::move(*fd), recovered->activeSegment));
      segSize_ = recovered->writeOffset;
      segRecords_ = recovered->activeRecords;
    }

    capacity_ = std::bit_ceil(std::max<std::uint64_t>(config_.bufferBytes, 1u << 16));
    mask_ = capacity_ - 1;
    ring_ = std::make_unique<std::byte[]>(capacity_);
    iov_.reserve(64);
    accepting_.store(true, std::memory_order_release);
    writer_ = std::thread([this] { runWriter(); });
    if (config_.fsync) {
      syncer_ = std::thread([this, synced = recovered->lastSeq] { runSyncer(synced); });
    }
    return {};
  }

  Expected<std::uint64_t> append(std::uint16_t type, std::uint32_t tenant, TimestampNs ts,
                                 std::span<const std::byte> payload) {
    if (!accepting_.load(std::memory_order_acquire)) return refusal();
    if (payload.size() > config_.maxPayloadBytes) {
      return fail(errors::kPayloadTooLarge,
                  fmt::format("payload of {} bytes exceeds max_payload_bytes {} (type {})",
                              payload.size(), config_.maxPayloadBytes, type));
    }
    const std::uint64_t recordBytes = kRecordHeaderBytes + payload.size();
    std::uint64_t pos = appendPos_;
    std::uint64_t idx = pos & mask_;
    const std::uint64_t room = capacity_ - idx;
    const std::uint64_t skip = room < recordBytes ? room : 0;
    const std::uint64_t end = pos + skip + recordBytes;
    if (end - releasedCache_ > capacity_) {
      releasedCache_ = released_.load(std::memory_order_acquire);
      if (end - releasedCache_ > capacity_) {
        if (auto ok = waitForSpace(end - capacity_); !ok) return std::unexpected(ok.error());
      }
    }
    if (skip != 0) {
      if (room >= kRecordHeaderBytes) storeLe<std::uint32_t>(ring_.get() + idx, kWrapMarker);
      pos += skip;
      idx = 0;
    }
    std::byte* p = ring_.get() + idx;
    const std::uint64_t seq = appendSeq_ + 1;
    storeLe<std::uint32_t>(p + off::kLength, static_cast<std::uint32_t>(payload.size()));
    storeLe<std::uint32_t>(p + off::kCrc, 0);
    storeLe<std::uint64_t>(p + off::kSeq, seq);
    storeLe<std::int64_t>(p + off::kTs, ts);
    storeLe<std::uint16_t>(p + off::kType, type);
    storeLe<std::uint16_t>(p + off::kFlags, 0);
    storeLe<std::uint32_t>(p + off::kTenant, tenant);
    if (!payload.empty()) std::memcpy(p + kRecordHeaderBytes, payload.data(), payload.size());
    appendPos_ = end;
    appendSeq_ = seq;
    // seq_cst orders the publication before reading the writer's wake request (no lost wakeup).
    publishedSeq_.store(seq, std::memory_order_seq_cst);
    wakeIfWaiting(wakeWriterAt_, seq, writerFutex_);
    return seq;
  }

  std::uint64_t lastSequence() const noexcept { return appendSeq_; }
  std::uint64_t durableSequence() const noexcept {
    return live_->durable.load(std::memory_order_acquire);
  }

  Expected<void> waitDurable(std::uint64_t seq, std::chrono::nanoseconds timeout) const {
    if (live_->waitFor(seq, timeout)) return {};
    if (live_->failed.load()) {
      return fail(errors::kWriterFailed, fmt::format("journal {}: sequence {} is not durable: {}",
                                                     dir_.string(), seq, live_->failureMessage()));
    }
    if (live_->closed.load()) {
      return fail(errors::kClosed, fmt::format("journal {} closed before sequence {} was durable",
                                               dir_.string(), seq));
    }
    return fail(errors::kDurableTimeout,
                fmt::format("journal {}: sequence {} not durable after {} us (durable: {})",
                            dir_.string(), seq, timeout.count() / 1000, durableSequence()));
  }

  Expected<void> close() {
    if (writer_.joinable()) {
      accepting_.store(false, std::memory_order_release);
      stopping_.store(true, std::memory_order_seq_cst);
      futexWakeAll(writerFutex_);
      writer_.join();
    }
    if (syncer_.joinable()) {
      // The writer is gone, so writtenSeq_ is final: the syncer makes it durable and stops.
      syncerStopping_.store(true, std::memory_order_seq_cst);
      futexWakeAll(syncFutex_);
      syncer_.join();
    }
    if (!closed_) {
      closed_ = true;
      seg_.reset();
      {
        std::lock_guard lock(activeMutex_);
        active_.reset();
      }
      lock_.reset();
      live_->markClosed();
    }
    if (live_->failed.load()) {
      return fail(errors::kWriterFailed,
                  fmt::format("journal {} failed: {}", dir_.string(), live_->failureMessage()));
    }
    return {};
  }

  bool failed() const noexcept { return live_->failed.load(std::memory_order_acquire); }

  const RecoveryReport& recovery() const noexcept { return recovery_; }
  const std::filesystem::path& directory() const noexcept { return dir_; }
  const std::string& stream() const noexcept { return options_.stream; }
  const std::shared_ptr<LiveState>& live() const noexcept { return live_; }

  Expected<void> saveSnapshot(std::string_view name, std::uint64_t seq,
                              std::span<const std::byte> bytes) {
    auto durable = durableSequence();
    if (seq > durable) {
      return fail(errors::kSnapshotInvalid,
                  fmt::format("snapshot '{}' at sequence {} is ahead of the durable sequence {}: "
                              "a crash could leave state the journal never recorded",
                              name, seq, durable));
    }
    return snapshots_.save(name, seq, bytes);
  }

  Expected<std::optional<Snapshot>> loadLatestSnapshot(std::string_view name) const {
    return snapshots_.loadLatest(name);
  }

  Expected<RetentionReport> runRetention(TimestampNs now) {
    return journal::runRetention(dir_, config_, options_.retentionClass, now);
  }

 private:
  Unexpected refusal() const {
    if (live_->failed.load()) {
      return fail(errors::kWriterFailed, fmt::format("journal {} refuses appends: {}",
                                                     dir_.string(), live_->failureMessage()));
    }
    return fail(errors::kClosed, fmt::format("journal {} is closed", dir_.string()));
  }

  // Back-pressure: the appender spins briefly, then sleeps until the writer frees enough space.
  Expected<void> waitForSpace(std::uint64_t needReleased) {
    for (int i = 0; i < 256; ++i) {
      releasedCache_ = released_.load(std::memory_order_acquire);
      if (releasedCache_ >= needReleased) return {};
      cpuRelax();
    }
    backpressure_->inc();
    for (;;) {
      std::uint32_t token = appenderFutex_.load(std::memory_order_acquire);
      appenderWantsRelease_.store(needReleased, std::memory_order_seq_cst);
      releasedCache_ = released_.load(std::memory_order_seq_cst);
      if (releasedCache_ >= needReleased) break;
      if (live_->failed.load(std::memory_order_acquire) ||
          stopping_.load(std::memory_order_acquire)) {
        appenderWantsRelease_.store(kNoWake, std::memory_order_relaxed);
        return std::unexpected(refusal().error());
      }
      futexWait(appenderFutex_, token, std::chrono::milliseconds(10));
    }
    appenderWantsRelease_.store(kNoWake, std::memory_order_relaxed);
    return {};
  }

  // The writer thread: drains the append buffer in batches, chains and checksums each record and
  // writes the batch. Durability is the syncer's job (or immediate with fsync = false), so the
  // next batch is prepared and written while the previous one is being synced.
  void runWriter() {
    for (;;) {
      if (live_->failed.load(std::memory_order_acquire)) return;
      std::uint64_t avail = publishedSeq_.load(std::memory_order_acquire);
      if (avail == writerSeq_) {
        if (stopping_.load(std::memory_order_seq_cst)) {
          if (publishedSeq_.load(std::memory_order_seq_cst) == writerSeq_) break;
          continue;
        }
        std::uint32_t token = writerFutex_.load(std::memory_order_acquire);
        wakeWriterAt_.store(writerSeq_ + 1, std::memory_order_seq_cst);
        if (publishedSeq_.load(std::memory_order_seq_cst) == writerSeq_ &&
            !stopping_.load(std::memory_order_seq_cst)) {
          futexWait(writerFutex_, token, kIdleWait);
        }
        wakeWriterAt_.store(kNoWake, std::memory_order_relaxed);
        continue;
      }
      std::uint64_t n = std::min<std::uint64_t>(avail - writerSeq_, config_.groupCommitMaxBatch);
      if (auto ok = writeBatch(n); !ok) {
        failWriter(ok.error());
        return;
      }
    }
  }

  Expected<void> writeBatch(std::uint64_t n) {
    std::uint64_t pending = 0;  // bytes gathered in iov_ for the active segment
    std::uint64_t batchBytes = 0;
    iov_.clear();
    for (std::uint64_t i = 0; i < n; ++i) {
      std::uint64_t idx = readPos_ & mask_;
      const std::uint64_t room = capacity_ - idx;
      if (room < kRecordHeaderBytes ||
          loadLe<std::uint32_t>(ring_.get() + idx + off::kLength) == kWrapMarker) {
        readPos_ += room;
        idx = 0;
      }
      std::byte* p = ring_.get() + idx;
      const std::uint64_t recordBytes =
          kRecordHeaderBytes + loadLe<std::uint32_t>(p + off::kLength);
      if (segRecords_ > 0 && segSize_ + pending + recordBytes > config_.segmentBytes) {
        if (auto ok = flush(pending); !ok) return ok;
        pending = 0;
        publishWritten();
        if (auto ok = roll(writerSeq_ + 1); !ok) return ok;
      }
      std::memcpy(p + off::kPrevHash, lastHash_.data(), lastHash_.size());
      std::span<std::byte> record(p, recordBytes);
      storeLe<std::uint32_t>(p + off::kCrc, recordCrc(record));
      lastHash_ = sha_.recordHash(record);
      if (!iov_.empty() &&
          static_cast<std::byte*>(iov_.back().iov_base) + iov_.back().iov_len == p) {
        iov_.back().iov_len += recordBytes;
      } else {
        iov_.push_back({p, recordBytes});
      }
      pending += recordBytes;
      batchBytes += recordBytes;
      readPos_ += recordBytes;
      ++segRecords_;
      ++writerSeq_;
    }
    if (auto ok = flush(pending); !ok) return ok;
    // The bytes are in the page cache now: hand the buffer space back before any sync.
    released_.store(readPos_, std::memory_order_seq_cst);
    if (readPos_ >= appenderWantsRelease_.load(std::memory_order_seq_cst)) {
      futexWakeAll(appenderFutex_);
    }
    appendedBytes_->inc(batchBytes);
    publishWritten();
    return {};
  }

  // Hands the written sequence to the syncer, or makes it durable at once without fsync.
  void publishWritten() {
    if (!config_.fsync) {
      publishDurable(writtenSeq_.load(std::memory_order_relaxed), writerSeq_);
      writtenSeq_.store(writerSeq_, std::memory_order_relaxed);
      return;
    }
    writtenSeq_.store(writerSeq_, std::memory_order_seq_cst);
    wakeIfWaiting(syncWakeAt_, writerSeq_, syncFutex_);
  }

  void publishDurable(std::uint64_t before, std::uint64_t durable) {
    if (durable == before) return;
    live_->publish(durable);
    appendedTotal_->inc(durable - before);
    batchRecords_->observe(static_cast<double>(durable - before));
    durableGauge_->set(static_cast<double>(durable));
    if (options_.onDurable) options_.onDurable(durable);
  }

  // The syncer thread: one fdatasync covers every record written before it started, so a slow
  // disk makes commits larger instead of making the journal slower. After an idle moment it may
  // wait up to group_commit_max_delay_us (or until a full batch is written) to sync more at once.
  void runSyncer(std::uint64_t synced) {
    bool wasIdle = true;
    for (;;) {
      if (live_->failed.load(std::memory_order_acquire)) return;
      std::uint64_t target = writtenSeq_.load(std::memory_order_acquire);
      if (target == synced) {
        if (syncerStopping_.load(std::memory_order_seq_cst)) {
          if (writtenSeq_.load(std::memory_order_seq_cst) == synced) return;
          continue;
        }
        std::uint32_t token = syncFutex_.load(std::memory_order_acquire);
        syncWakeAt_.store(synced + 1, std::memory_order_seq_cst);
        if (writtenSeq_.load(std::memory_order_seq_cst) == synced &&
            !syncerStopping_.load(std::memory_order_seq_cst)) {
          futexWait(syncFutex_, token, kIdleWait);
        }
        syncWakeAt_.store(kNoWake, std::memory_order_relaxed);
        wasIdle = true;
        continue;
      }
      if (wasIdle && config_.groupCommitMaxDelayUs > 0) waitToFill(synced);
      wasIdle = false;
      std::shared_ptr<ActiveSegment> segment;
      {
        // Read together: everything up to target is in this segment or in older, synced ones.
        std::lock_guard lock(activeMutex_);
        segment = active_;
        target = writtenSeq_.load(std::memory_order_acquire);
      }
      const auto t0 = steadyNs();
      if (auto ok = syncData(segment->fd.get(), segment->path); !ok) {
        failWriter(ok.error());
        return;
      }
      fsyncSeconds_->observeNs(steadyNs() - t0);
      publishDurable(synced, target);
      synced = target;
    }
  }

  void waitToFill(std::uint64_t synced) {
    const std::int64_t deadline =
        steadyNs() + static_cast<std::int64_t>(config_.groupCommitMaxDelayUs) * 1000;
    const std::uint64_t target = synced + config_.groupCommitMaxBatch;
    while (!syncerStopping_.load(std::memory_order_acquire) &&
           appenderWantsRelease_.load(std::memory_order_acquire) == kNoWake) {
      std::int64_t left = deadline - steadyNs();
      if (left <= 0) break;
      std::uint32_t token = syncFutex_.load(std::memory_order_acquire);
      syncWakeAt_.store(target, std::memory_order_seq_cst);
      if (writtenSeq_.load(std::memory_order_seq_cst) >= target) break;
      futexWait(syncFutex_, token, std::chrono::nanoseconds(left));
    }
    syncWakeAt_.store(kNoWake, std::memory_order_relaxed);
  }

  Expected<void> flush(std::uint64_t pending) {
    if (pending == 0) return {};
    if (auto ok = pwritevAll(seg_->fd.get(), iov_, segSize_, seg_->path); !ok) return ok;
    segSize_ += pending;
    iov_.clear();
    return {};
  }

  // A segment is made durable before the next one exists, so only the last segment can ever
  // end in a torn record.
  Expected<void> roll(std::uint64_t firstSeq) {
    if (config_.fsync) {
      if (auto ok = syncData(seg_->fd.get(), seg_->path); !ok) return ok;
    }
    return createSegment(firstSeq);
  }

  Expected<void> createSegment(std::uint64_t firstSeq) {
    SegmentHeader header;
    header.firstSeq = firstSeq;
    header.prevSeq = firstSeq - 1;
    header.prevHash = lastHash_;
    header.createdNs = clock_->now();
    header.stream = options_.stream.substr(0, kStreamNameBytes);
    std::array<std::byte, kSegmentHeaderBytes> bytes{};
    encodeSegmentHeader(header, bytes.data());
    auto path = dir_ / segmentFileName(firstSeq);
    auto temp = path;
    temp += ".tmp";
    auto fd = openFile(temp, O_WRONLY | O_CREAT | O_TRUNC);
    if (!fd) return std::unexpected(fd.error());
    if (auto ok = pwriteAll(fd->get(), bytes, 0, temp); !ok) return ok;
    if (config_.fsync) {
      if (auto ok = syncData(fd->get(), temp); !ok) return ok;
    }
    if (::rename(temp.c_str(), path.c_str()) < 0) {
      return fail(errors::kIo, errnoMessage("cannot rename new segment to", path));
    }
    if (config_.fsync) {
      if (auto ok = syncDirectory(dir_); !ok) return ok;
    }
    setActive(std::make_shared<ActiveSegment>(std::move(*fd), path));
    segSize_ = kSegmentHeaderBytes;
    segRecords_ = 0;
    segmentsRolled_->inc();
    return {};
  }

  void setActive(std::shared_ptr<ActiveSegment> segment) {
    seg_ = segment;
    std::lock_guard lock(activeMutex_);
    active_ = std::move(segment);
  }

  void failWriter(const Error& error) {
    accepting_.store(false, std::memory_order_release);
    spdlog::default_logger()->critical("journal {} writer failed, appends refused: {}",
                                       dir_.string(), error.describe());
    Error reported(errors::kWriterFailed,
                   fmt::format("journal {}: writer failed: {}", dir_.string(), error.describe()));
    ErrorRegistry::global().record(reported, Recovery::Fail, false);
    live_->markFailed(error.describe());
    futexWakeAll(appenderFutex_);
    futexWakeAll(writerFutex_);
    futexWakeAll(syncFutex_);
  }

  JournalConfig config_;
  JournalOptions options_;
  std::filesystem::path dir_;
  const Clock* clock_;
  std::shared_ptr<LiveState> live_;
  SnapshotStore snapshots_;
  RecoveryReport recovery_;
  UniqueFd lock_;
  bool closed_ = false;

  std::unique_ptr<std::byte[]> ring_;
  std::uint64_t capacity_ = 0;
  std::uint64_t mask_ = 0;

  // Appender (engine thread) state.
  alignas(64) std::uint64_t appendPos_ = 0;
  std::uint64_t appendSeq_ = 0;
  std::uint64_t releasedCache_ = 0;

  // Shared between appender and writer, each hot word on its own cache line.
  alignas(64) std::atomic<std::uint64_t> publishedSeq_{0};
  alignas(64) std::atomic<std::uint64_t> wakeWriterAt_{kNoWake};
  std::atomic<std::uint32_t> writerFutex_{0};
  alignas(64) std::atomic<std::uint64_t> released_{0};
  alignas(64) std::atomic<std::uint64_t> appenderWantsRelease_{kNoWake};
  std::atomic<std::uint32_t> appenderFutex_{0};
  alignas(64) std::atomic<bool> accepting_{false};
  std::atomic<bool> stopping_{false};

  // Writer thread state.
  alignas(64) std::uint64_t readPos_ = 0;
  std::uint64_t writerSeq_ = 0;
  Hash lastHash_{};
  Sha256 sha_;
  std::vector<iovec> iov_;
  std::shared_ptr<ActiveSegment> seg_;
  std::uint64_t segSize_ = 0;
  std::uint64_t segRecords_ = 0;
  std::thread writer_;

  // Writer -> syncer hand-over.
  alignas(64) std::atomic<std::uint64_t> writtenSeq_{0};
  alignas(64) std::atomic<std::uint64_t> syncWakeAt_{kNoWake};
  std::atomic<std::uint32_t> syncFutex_{0};
  std::atomic<bool> syncerStopping_{false};
  std::mutex activeMutex_;
  std::shared_ptr<ActiveSegment> active_;  // the segment being written, for the syncer
  std::thread syncer_;

  metrics::Counter* appendedTotal_;
  metrics::Counter* appendedBytes_;
  metrics::Gauge* durableGauge_;
  metrics::Histogram* fsyncSeconds_;
  metrics::Histogram* batchRecords_;
  metrics::Counter* droppedRecords_;
  metrics::Counter* droppedBytes_;
  metrics::Counter* backpressure_;
  metrics::Counter* segmentsRolled_;
};

}  // namespace detail

Journal::Journal(std::unique_ptr<detail::JournalImpl> impl) : impl_(std::move(impl)) {}
Journal::~Journal() = default;

Expected<std::unique_ptr<Journal>> Journal::open(const JournalConfig& config,
                                                 JournalOptions options) {
  if (auto ok = config.validate(); !ok) return std::unexpected(ok.error());
  if (options.stream.empty() || options.stream.size() > kStreamNameBytes ||
      options.stream.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_-") !=
          std::string::npos) {
    return fail(errors::kInvalidArgument,
                fmt::format("stream name '{}' must be 1-16 of [a-z0-9_-]", options.stream));
  }
  auto dir = std::filesystem::path(config.dataDir) / options.stream;
  auto impl = std::make_unique<detail::JournalImpl>(config, std::move(options), dir);
  if (auto ok = impl->start(); !ok) return std::unexpected(ok.error());
  return std::unique_ptr<Journal>(new Journal(std::move(impl)));
}

Expected<std::uint64_t> Journal::append(std::uint16_t type, std::uint32_t tenant, TimestampNs ts,
                                        std::span<const std::byte> payload) {
  return impl_->append(type, tenant, ts, payload);
}
std::uint64_t Journal::lastSequence() const noexcept { return impl_->lastSequence(); }
std::uint64_t Journal::durableSequence() const noexcept { return impl_->durableSequence(); }
Expected<void> Journal::waitDurable(std::uint64_t seq, std::chrono::nanoseconds timeout) const {
  return impl_->waitDurable(seq, timeout);
}
Expected<void> Journal::close() { return impl_->close(); }
bool Journal::failed() const noexcept { return impl_->failed(); }
const RecoveryReport& Journal::recovery() const noexcept { return impl_->recovery(); }
const std::filesystem::path& Journal::directory() const noexcept { return impl_->directory(); }
const std::string& Journal::stream() const noexcept { return impl_->stream(); }

Expected<JournalReader> Journal::reader(ReadOptions options) const {
  return JournalReader::openLive(impl_->directory(), std::move(options), impl_->live());
}

Expected<void> Journal::saveSnapshot(std::string_view name, std::uint64_t seq,
                                     std::span<const std::byte> bytes) {
  return impl_->saveSnapshot(name, seq, bytes);
}
Expected<std::optional<Snapshot>> Journal::loadLatestSnapshot(std::string_view name) const {
  return impl_->loadLatestSnapshot(name);
}
Expected<RetentionReport> Journal::runRetention(TimestampNs now) {
  return impl_->runRetention(now);
}

}  // namespace ait::journal
