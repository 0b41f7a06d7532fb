// `aitrading bench journal`: the durable journal under group commit, and SQLite doing the same.
//
// Throughput: one appender (the engine's role) appends ~100-byte events as fast as append()
// returns; the writer and syncer threads group-commit with fdatasync. events_per_s = events /
// (first append -> last record durable). Time-to-durable: each append is stamped just before the
// call and the onDurable callback (syncer thread, after fdatasync) records now - stamp for every
// record the commit made durable. Measured twice: at saturation (queueing in the append buffer
// dominates) and paced at a fixed rate below saturation (the top-level p50/p99/p999).
// SQLite: WAL mode, synchronous=FULL, the same events inserted with one prepared statement and
// committed in transactions of the journal's mean group-commit size, i.e. one fsync'd commit per
// batch as the journal does.
//
// Parameters (--param key=value): events, payload (bytes), rate (paced events/s), paced_ms,
// sqlite_events, max_batch, max_delay_us, segment_bytes, fsync (1|0), dir (where to write; default
// a temp dir).

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "ait/bench/harness.h"
#include "ait/journal/journal.h"
#include "ait/metrics/metrics.h"

namespace ait::journal::bench {
namespace {

using ait::bench::LatencyRecorder;
using ait::bench::nowNs;
using ait::bench::Options;

std::uint64_t param(const Options& options, const std::string& key, std::uint64_t fallback) {
  auto it = options.params.find(key);
  return it == options.params.end() ? fallback : std::stoull(it->second);
}

// Records time-to-durable for every sequence a commit covers; runs on the syncer thread.
class DurableProbe {
 public:
  explicit DurableProbe(std::size_t capacity) : stamps_(capacity + 2, 0), latency_(capacity) {}

  void stamp(std::uint64_t seq, std::int64_t ns) noexcept { stamps_[seq - base_] = ns; }
  void rebase(std::uint64_t base) noexcept { base_ = base; last_ = base; }

  void onDurable(std::uint64_t durable) noexcept {
    const auto now = nowNs();
    for (std::uint64_t seq = last_ + 1; seq <= durable; ++seq) {
      latency_.record(now - stamps_[seq - base_]);
    }
    last_ = durable;
    commits_.fetch_add(1, std::memory_order_relaxed);
    lastDurableNs_.store(now, std::memory_order_release);
  }

  nlohmann::json summary() { return latency_.summary(); }
  std::uint64_t commits() const noexcept { return commits_.load(); }
  std::int64_t lastDurableNs() const noexcept { return lastDurableNs_.load(); }

 private:
  std::vector<std::int64_t> stamps_;
  LatencyRecorder latency_;
  std::uint64_t base_ = 0;
  std::uint64_t last_ = 0;
  std::atomic<std::uint64_t> commits_{0};
  std::atomic<std::int64_t> lastDurableNs_{0};
};

struct Run {
  double eventsPerS = 0;
  nlohmann::json appendCall;
  double meanBatch = 0;
  nlohmann::json fsyncs;
  nlohmann::json latency;
  std::string error;
};

// The journal's own group-commit fdatasyncs for one stream, from its metrics histogram: how many,
// their mean, and how many took longer than 1 ms and 5 ms (the disk's share of time-to-durable).
nlohmann::json fsyncProfile(const std::string& stream) {
  auto& h = metrics::Registry::global().histogram("ait_journal_fsync_seconds", "",
                                                  {{"stream", stream}});
  std::uint64_t over1ms = 0;
  std::uint64_t over5ms = 0;
  const auto bounds = h.upperBounds();
  for (std::size_t i = 0; i <= bounds.size(); ++i) {
    const double lower = i == 0 ? 0.0 : bounds[i - 1];
    if (lower >= 1e-3) over1ms += h.bucketCount(i);
    if (lower >= 5e-3) over5ms += h.bucketCount(i);
  }
  const auto count = h.count();
  return {{"count", count},
          {"mean_ns", count > 0 ? h.sum() * 1e9 / static_cast<double>(count) : 0.0},
          {"over_1ms", over1ms},
          {"over_5ms", over5ms}};
}

Run runJournal(const JournalConfig& config, std::uint64_t events, std::size_t payloadBytes,
               double ratePerS, const std::string& stream) {
  Run run;
  DurableProbe probe(events);
  JournalOptions options;
  options.stream = stream;
  options.onDurable = [&probe](std::uint64_t seq) { probe.onDurable(seq); };
  auto journal = Journal::open(config, options);
  if (!journal) {
    run.error = journal.error().describe();
    return run;
  }
  auto& j = **journal;
  probe.rebase(j.lastSequence());
  std::vector<std::byte> payload(payloadBytes, std::byte{0x5A});
  const std::int64_t intervalNs = ratePerS > 0 ? static_cast<std::int64_t>(1e9 / ratePerS) : 0;
  LatencyRecorder appendCall(events);
  const auto start = nowNs();
  for (std::uint64_t i = 0; i < events; ++i) {
    if (intervalNs > 0) {
      // Sleep rather than spin until the next event is due: on two cores a spinning appender
      // would starve the writer and syncer threads it is measuring. Events due during a sleep
      // go in a burst; each is stamped when it is actually appended.
      const auto due = start + static_cast<std::int64_t>(i) * intervalNs;
      if (const auto wait = due - nowNs(); wait > 0) {
        std::this_thread::sleep_for(std::chrono::nanoseconds(wait));
      }
    }
    const auto seq = j.lastSequence() + 1;
    std::memcpy(payload.data(), &seq, sizeof seq);
    const auto t0 = nowNs();
    probe.stamp(seq, t0);
    auto got = j.append(static_cast<std::uint16_t>(i & 7), 1, t0, payload);
    appendCall.record(nowNs() - t0);
    if (!got) {
      run.error = got.error().describe();
      return run;
    }
  }
  if (auto ok = j.waitDurable(j.lastSequence(), std::chrono::seconds(60)); !ok) {
    run.error = ok.error().describe();
    return run;
  }
  const auto end = probe.lastDurableNs();
  (void)j.close();
  run.eventsPerS = static_cast<double>(events) * 1e9 / static_cast<double>(end - start);
  run.appendCall = appendCall.summary();
  run.meanBatch = static_cast<double>(events) /
                  static_cast<double>(std::max<std::uint64_t>(probe.commits(), 1));
  run.latency = probe.summary();
  run.fsyncs = fsyncProfile(stream);
  return run;
}

// The disk's own fdatasync latency after a 16 KiB append: the floor under time-to-durable.
nlohmann::json diskBaseline(const std::filesystem::path& file, int samples) {
  LatencyRecorder latency(static_cast<std::size_t>(samples));
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return {{"error", "cannot create " + file.string()}};
  std::vector<char> block(16 << 10, 'x');
  for (int i = 0; i < samples; ++i) {
    if (::write(fd, block.data(), block.size()) != static_cast<ssize_t>(block.size())) break;
    const auto t0 = nowNs();
    if (::fdatasync(fd) != 0) break;
    latency.record(nowNs() - t0);
  }
  ::close(fd);
  std::filesystem::remove(file);
  return latency.summary();
}

struct SqliteRun {
  double eventsPerS = 0;
  std::string error;
};

SqliteRun runSqlite(const std::filesystem::path& file, std::uint64_t events,
                    std::size_t payloadBytes, std::uint64_t batch) {
  SqliteRun run;
  sqlite3* db = nullptr;
  if (sqlite3_open(file.c_str(), &db) != SQLITE_OK) {
    run.error = std::string("sqlite open: ") + sqlite3_errmsg(db);
    sqlite3_close(db);
    return run;
  }
  auto exec = [&](const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      run.error = std::string(sql) + ": " + (err ? err : "?");
      sqlite3_free(err);
      return false;
    }
    return true;
  };
  sqlite3_stmt* insert = nullptr;
  if (exec("PRAGMA journal_mode=WAL") && exec("PRAGMA synchronous=FULL") &&
      exec("CREATE TABLE events(seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL, type INTEGER NOT "
           "NULL, tenant INTEGER NOT NULL, payload BLOB NOT NULL)") &&
      sqlite3_prepare_v2(db, "INSERT INTO events VALUES(?,?,?,?,?)", -1, &insert, nullptr) ==
          SQLITE_OK) {
    std::vector<std::byte> payload(payloadBytes, std::byte{0x5A});
    const auto start = nowNs();
    for (std::uint64_t i = 0; i < events && run.error.empty(); i += batch) {
      if (!exec("BEGIN")) break;
      for (std::uint64_t k = i; k < std::min(events, i + batch); ++k) {
        sqlite3_bind_int64(insert, 1, static_cast<sqlite3_int64>(k + 1));
        sqlite3_bind_int64(insert, 2, nowNs());
        sqlite3_bind_int(insert, 3, static_cast<int>(k & 7));
        sqlite3_bind_int(insert, 4, 1);
        sqlite3_bind_blob(insert, 5, payload.data(), static_cast<int>(payload.size()),
                          SQLITE_STATIC);
        if (sqlite3_step(insert) != SQLITE_DONE) {
          run.error = std::string("sqlite insert: ") + sqlite3_errmsg(db);
          break;
        }
        sqlite3_reset(insert);
      }
      if (!exec("COMMIT")) break;
    }
    const auto end = nowNs();
    if (run.error.empty()) {
      run.eventsPerS = static_cast<double>(events) * 1e9 / static_cast<double>(end - start);
    }
  } else if (run.error.empty()) {
    run.error = std::string("sqlite prepare: ") + sqlite3_errmsg(db);
  }
  sqlite3_finalize(insert);
  sqlite3_close(db);
  return run;
}

nlohmann::json runBench(const Options& options) {
  const bool quick = options.quick;
  const auto events = param(options, "events", quick ? 100'000 : 2'000'000);
  const auto payloadBytes = static_cast<std::size_t>(param(options, "payload", 100));
  const auto rate = param(options, "rate", 200'000);
  const auto pacedMs = param(options, "paced_ms", quick ? 300 : 3'000);
  const auto sqliteEvents = param(options, "sqlite_events", quick ? 50'000 : 1'000'000);

  std::filesystem::path dir;
  if (auto it = options.params.find("dir"); it != options.params.end()) {
    dir = std::filesystem::path(it->second) / ("ait-journal-bench-" + std::to_string(::getpid()));
  } else {
    dir = std::filesystem::temp_directory_path() /
          ("ait-journal-bench-" + std::to_string(::getpid()));
  }
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);

  JournalConfig config;
  config.dataDir = dir.string();
  config.fsync = param(options, "fsync", 1) != 0;
  config.groupCommitMaxBatch = static_cast<std::uint32_t>(
      param(options, "max_batch", config.groupCommitMaxBatch));
  config.groupCommitMaxDelayUs = static_cast<std::uint32_t>(
      param(options, "max_delay_us", config.groupCommitMaxDelayUs));
  config.segmentBytes = param(options, "segment_bytes", config.segmentBytes);

  nlohmann::json out;
  out["events"] = events;
  out["payload_bytes"] = payloadBytes;
  out["fsync"] = config.fsync;
  out["group_commit_max_batch"] = config.groupCommitMaxBatch;
  out["group_commit_max_delay_us"] = config.groupCommitMaxDelayUs;
  out["segment_bytes"] = config.segmentBytes;

  out["disk_fdatasync"] = diskBaseline(dir / "fdatasync.probe", quick ? 50 : 300);

  auto saturated = runJournal(config, events, payloadBytes, 0, "saturated");
  if (!saturated.error.empty()) {
    out["error"] = saturated.error;
    std::filesystem::remove_all(dir);
    return out;
  }
  out["events_per_s"] = saturated.eventsPerS;
  out["bytes_per_s"] =
      saturated.eventsPerS * static_cast<double>(payloadBytes + kRecordHeaderBytes);
  out["append_call"] = saturated.appendCall;
  out["mean_batch"] = saturated.meanBatch;
  out["fsyncs"] = saturated.fsyncs;
  out["saturated_time_to_durable"] = saturated.latency;

  const auto pacedEvents = std::max<std::uint64_t>(1, rate * pacedMs / 1000);
  auto paced = runJournal(config, pacedEvents, payloadBytes, static_cast<double>(rate), "paced");
  if (!paced.error.empty()) {
    out["error"] = paced.error;
  } else {
    out["paced_rate_per_s"] = rate;
    out["paced_mean_batch"] = paced.meanBatch;
    out["paced_fsyncs"] = paced.fsyncs;
    out["p50_ns"] = paced.latency["p50_ns"];
    out["p99_ns"] = paced.latency["p99_ns"];
    out["p999_ns"] = paced.latency["p999_ns"];
    out["paced_time_to_durable"] = paced.latency;
  }

  const auto batch = static_cast<std::uint64_t>(std::max(1.0, saturated.meanBatch));
  auto sqlite = runSqlite(dir / "bench.sqlite", sqliteEvents, payloadBytes, batch);
  if (!sqlite.error.empty()) {
    out["sqlite_error"] = sqlite.error;
  } else {
    out["sqlite_events"] = sqliteEvents;
    out["sqlite_batch"] = batch;
    out["sqlite_events_per_s"] = sqlite.eventsPerS;
    out["journal_vs_sqlite"] = saturated.eventsPerS / sqlite.eventsPerS;
  }
  std::filesystem::remove_all(dir);
  return out;
}

}  // namespace

AIT_BENCHMARK("journal",
              "journal appends with group-commit fdatasync: events/s, time-to-durable, vs SQLite "
              "WAL synchronous=FULL",
              runBench);

}  // namespace ait::journal::bench
