#pragma once
// Market data files: HistData tick CSV and M1 bars, generic CSV with a column mapping, and
// Binance combined-stream dumps (gzip). A reader hands every good line on as a RawQuote (or RawBar)
// and reports every bad one with its line number; a bad line never stops the file.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "ait/config/config.h"
#include "ait/core/clock.h"
#include "ait/core/error.h"
#include "ait/data/normaliser.h"

namespace ait::data {

enum class FileFormat : std::uint8_t { HistDataTicks, HistDataBars, Csv, Binance };

/// Returns "histdata-ticks", "histdata-m1", "csv" or "binance".
std::string_view toString(FileFormat format) noexcept;
/// Parses one of the names toString returns.
Expected<FileFormat> fileFormatFromString(std::string_view name);

enum class TimestampFormat : std::uint8_t { Iso8601, EpochS, EpochMs, EpochUs, EpochNs };
/// Parses "iso8601", "epoch_s", "epoch_ms", "epoch_us" or "epoch_ns".
Expected<TimestampFormat> timestampFormatFromString(std::string_view name);

/// Parses a fixed time zone: "UTC", "EST" (UTC-5 all year, as HistData uses), or "UTC+HH[:MM]" /
/// "UTC-HH[:MM]"; returns the offset from UTC in ns (EST: -5 h).
Expected<std::int64_t> parseUtcOffset(std::string_view zone);

/// How the columns of a generic CSV file map to quote fields. A column is named by its header
/// text, or by its 0-based index when the file has no header. Empty: the field is absent.
struct CsvMapping {
  char delimiter = ',';
  bool header = true;
  std::string timestamp = "timestamp";
  TimestampFormat timestampFormat = TimestampFormat::Iso8601;
  std::string symbol;  // empty: every row is FileOptions::symbol
  std::string bid = "bid";
  std::string ask = "ask";
  std::string last;
  std::string volume;
};

/// Returns the mapping of `[data.csv]`, or an error naming the bad setting.
Expected<CsvMapping> csvMapping(const config::CsvConfig& config);

struct FileOptions {
  FileFormat format = FileFormat::HistDataTicks;
  /// The symbol of every record in files that do not name one (HistData, CSV without a symbol
  /// column).
  std::string symbol;
  /// Offset of the file's local time from UTC, for formats whose times carry no zone
  /// (HistData: EST, -5 h).
  std::int64_t utcOffsetNs = -5LL * 3600 * 1'000'000'000;
  CsvMapping csv;
  model::TenantId tenant;
};

/// A bar read from a file, before it is fixed to an instrument's scale.
struct RawBar {
  std::string_view symbol;
  TimestampNs start = 0;  // open time, ns UTC
  double open = 0.0;
  double high = 0.0;
  double low = 0.0;
  double close = 0.0;
  double volume = 0.0;
};

struct LineError {
  std::uint64_t line = 0;  // 1-based
  std::string message;
};

/// Bad lines kept with their messages; more are counted only.
inline constexpr std::size_t kMaxLineErrors = 100;

struct FileReport {
  std::uint64_t lines = 0;     // lines read, blank ones included
  std::uint64_t records = 0;   // records handed on
  std::uint64_t skipped = 0;   // lines of kinds the reader ignores (Binance depth updates)
  std::uint64_t badLines = 0;  // lines that did not parse
  std::vector<LineError> errors;  // the first kMaxLineErrors bad lines

  /// Returns "N bad lines in NAME: line 4: ...; line 9: ..." (AIT-DATA-0004).
  Error summary(std::string_view name) const;
};

using QuoteSink = std::function<void(const RawQuote&)>;
using BarSink = std::function<void(const RawBar&)>;

/// Parses HistData tick lines "YYYYMMDD HHMMSSmmm,bid,ask,volume" (the last field optional).
FileReport parseHistDataTicks(std::string_view text, const FileOptions& options,
                              const QuoteSink& sink);
/// Parses HistData M1 bar lines "YYYYMMDD HHMMSS;open;high;low;close;volume".
FileReport parseHistDataBars(std::string_view text, const FileOptions& options,
                             const BarSink& sink);
/// Parses CSV lines with options.csv; fails when the header lacks a mapped column.
Expected<FileReport> parseCsv(std::string_view text, const FileOptions& options,
                              const QuoteSink& sink);
/// Parses "<receive ns> <combined-stream JSON>" lines: bookTicker gives bid/ask (stamped with
/// the receive time, as Binance sends no event time for it), trade gives last/volume at the trade
/// time with the aggressor side; other streams and REST depth snapshots are skipped.
FileReport parseBinance(std::string_view text, const FileOptions& options, const QuoteSink& sink);

/// Reads the whole file (gunzipped when it starts with the gzip magic) into memory.
Expected<std::string> readFileText(const std::filesystem::path& path);

/// Reads a file of options.format and hands its quotes to `quotes` (or, for HistData M1, its
/// bars to `bars`). Fails only when the file cannot be read; bad lines are in the report.
Expected<FileReport> readMarketFile(const std::filesystem::path& path, const FileOptions& options,
                                    const QuoteSink& quotes, const BarSink& bars = {});

/// Paces a replay: at speed 1 events are released at their recorded spacing, at N N times
/// faster, at 0 as fast as possible. Pure arithmetic over the clock, so tests can drive it.
class ReplayPacer {
 public:
  ReplayPacer(double speed, const Clock& clock) : speed_(speed), clock_(clock) {}
  /// Returns how long to wait before releasing an event stamped `eventTime` (0: now).
  std::int64_t delayNs(TimestampNs eventTime) noexcept;

 private:
  double speed_;
  const Clock& clock_;
  bool started_ = false;
  TimestampNs firstEvent_ = 0;
  std::int64_t firstMonotonic_ = 0;
};

}  // namespace ait::data
