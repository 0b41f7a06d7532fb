#include "ait/data/files.h"

#include <zlib.h>

#include <array>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ait/data/errors.h"
#include "ait/model/time.h"

namespace ait::data {

namespace {

constexpr std::int64_t kNsPerSecond = 1'000'000'000;

// Splits text into lines without copying; strips a trailing '\r'.
class LineReader {
 public:
  explicit LineReader(std::string_view text) : text_(text) {}
  bool next(std::string_view& line) noexcept {
    if (pos_ >= text_.size()) return false;
    const auto end = text_.find('\n', pos_);
    const auto stop = end == std::string_view::npos ? text_.size() : end;
    line = text_.substr(pos_, stop - pos_);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos_ = stop + 1;
    ++number_;
    return true;
  }
  std::uint64_t number() const noexcept { return number_; }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
  std::uint64_t number_ = 0;
};

void addError(FileReport& report, std::uint64_t line, std::string message) {
  ++report.badLines;
  if (report.errors.size() < kMaxLineErrors) report.errors.push_back({line, std::move(message)});
}

bool digits(std::string_view text, std::size_t from, std::size_t count, std::int64_t& out) noexcept {
  if (from + count > text.size()) return false;
  std::int64_t value = 0;
  for (std::size_t i = from; i < from + count; ++i) {
    const char c = text[i];
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  out = value;
  return true;
}

bool parseDouble(std::string_view text, double& out) noexcept {
  if (text.empty()) return false;
  const char* begin = text.data();
  if (*begin == '+') ++begin;
  auto [end, ec] = std::from_chars(begin, text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

bool parseInt(std::string_view text, std::int64_t& out) noexcept {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

// Days since the epoch of a checked calendar date, cached for the runs of lines of one day.
class DateCache {
 public:
  bool days(std::int64_t yyyymmdd, std::int64_t& out) noexcept {
    if (yyyymmdd != key_) {
      const std::chrono::year_month_day date{
          std::chrono::year(static_cast<int>(yyyymmdd / 10000)),
          std::chrono::month(static_cast<unsigned>(yyyymmdd / 100 % 100)),
          std::chrono::day(static_cast<unsigned>(yyyymmdd % 100))};
      if (!date.ok()) return false;
      key_ = yyyymmdd;
      days_ = std::chrono::sys_days(date).time_since_epoch().count();
    }
    out = days_;
    return true;
  }

 private:
  std::int64_t key_ = -1;
  std::int64_t days_ = 0;
};

// Reads "YYYYMMDD HHMMSS" (+ "mmm" when withMillis) into ns UTC; returns the problem or "".
std::string_view histDataTime(std::string_view text, bool withMillis, std::int64_t utcOffsetNs,
                              DateCache& dates, TimestampNs& out) noexcept {
  const std::size_t length = withMillis ? 18 : 15;
  if (text.size() != length || text[8] != ' ') {
    return withMillis ? "time must be 'YYYYMMDD HHMMSSmmm'" : "time must be 'YYYYMMDD HHMMSS'";
  }
  std::int64_t ymd = 0, hh = 0, mm = 0, ss = 0, ms = 0;
  if (!digits(text, 0, 8, ymd) || !digits(text, 9, 2, hh) || !digits(text, 11, 2, mm) ||
      !digits(text, 13, 2, ss) || (withMillis && !digits(text, 15, 3, ms))) {
    return "time has a non-digit";
  }
  std::int64_t days = 0;
  if (!dates.days(ymd, days)) return "date is not a calendar date";
  if (hh > 23 || mm > 59 || ss > 59) return "time of day out of range";
  out = (days * 86400 + hh * 3600 + mm * 60 + ss) * kNsPerSecond + ms * 1'000'000 - utcOffsetNs;
  return {};
}

// Splits a line at `delimiter` into at most fields.size() views; returns the field count.
std::size_t split(std::string_view line, char delimiter, std::span<std::string_view> fields) {
  std::size_t n = 0;
  std::size_t start = 0;
  while (n < fields.size()) {
    const auto end = line.find(delimiter, start);
    fields[n++] = line.substr(start, end == std::string_view::npos ? end : end - start);
    if (end == std::string_view::npos) return n;
    start = end + 1;
  }
  return n + 1;  // more fields than room: the caller reports too many
}

std::string shown(std::string_view text) {
  return fmt::format("'{}'", text.size() > 40 ? text.substr(0, 40) : text);
}

}  // namespace

std::string_view toString(FileFormat format) noexcept {
  switch (format) {
    case FileFormat::HistDataTicks: return "histdata-ticks";
    case FileFormat::HistDataBars: return "histdata-m1";
    case FileFormat::Csv: return "csv";
    case FileFormat::Binance: return "binance";
  }
  return {};
}

Expected<FileFormat> fileFormatFromString(std::string_view name) {
  for (auto format : {FileFormat::HistDataTicks, FileFormat::HistDataBars, FileFormat::Csv,
                      FileFormat::Binance}) {
    if (toString(format) == name) return format;
  }
  return fail(errors::kBadArgument,
              fmt::format("unknown file format '{}' (histdata-ticks, histdata-m1, csv, binance)", name));
}

Expected<TimestampFormat> timestampFormatFromString(std::string_view name) {
  constexpr std::array<std::pair<std::string_view, TimestampFormat>, 5> kNames{{
      {"iso8601", TimestampFormat::Iso8601},
      {"epoch_s", TimestampFormat::EpochS},
      {"epoch_ms", TimestampFormat::EpochMs},
      {"epoch_us", TimestampFormat::EpochUs},
      {"epoch_ns", TimestampFormat::EpochNs},
  }};
  for (const auto& [n, format] : kNames) {
    if (n == name) return format;
  }
  return fail(errors::kBadArgument,
              fmt::format("unknown timestamp format '{}' (iso8601, epoch_s, epoch_ms, epoch_us, "
                          "epoch_ns)",
                          name));
}

Expected<std::int64_t> parseUtcOffset(std::string_view zone) {
  constexpr std::int64_t kHour = 3600 * kNsPerSecond;
  if (zone == "UTC" || zone == "Z" || zone == "GMT") return 0;
  if (zone == "EST") return -5 * kHour;
  if (zone.size() >= 6 && zone.substr(0, 3) == "UTC" && (zone[3] == '+' || zone[3] == '-')) {
    std::int64_t hours = 0, minutes = 0;
    const bool ok = digits(zone, 4, 2, hours) &&
                    (zone.size() == 6 || (zone.size() == 9 && zone[6] == ':' &&
                                          digits(zone, 7, 2, minutes)));
    if (ok && hours <= 14 && minutes < 60) {
      const std::int64_t offset = hours * kHour + minutes * 60 * kNsPerSecond;
      return zone[3] == '-' ? -offset : offset;
    }
  }
  return fail(errors::kBadArgument,
              fmt::format("time zone '{}': use UTC, EST (UTC-5, no daylight saving) or "
                          "UTC+HH[:MM] / UTC-HH[:MM]",
                          zone));
}

Expected<CsvMapping> csvMapping(const config::CsvConfig& config) {
  CsvMapping mapping;
  if (config.delimiter == "\\t" || config.delimiter == "\t") {
    mapping.delimiter = '\t';
  } else if (config.delimiter.size() == 1) {
    mapping.delimiter = config.delimiter[0];
  } else {
    return fail(errors::kConfigInvalid,
                fmt::format("data.csv.delimiter '{}' must be one character", config.delimiter));
  }
  auto format = timestampFormatFromString(config.timestamp_format);
  if (!format) return Unexpected(std::move(format.error()));
  mapping.header = config.header;
  mapping.timestampFormat = *format;
  mapping.timestamp = config.timestamp_column;
  mapping.symbol = config.symbol_column;
  mapping.bid = config.bid_column;
  mapping.ask = config.ask_column;
  mapping.last = config.last_column;
  mapping.volume = config.volume_column;
  return mapping;
}

Error FileReport::summary(std::string_view name) const {
  std::string text = fmt::format("{} bad line{} in {}", badLines, badLines == 1 ? "" : "s", name);
  for (std::size_t i = 0; i < errors.size() && i < 10; ++i) {
    text += fmt::format("{} line {}: {}", i == 0 ? ":" : ";", errors[i].line, errors[i].message);
  }
  if (badLines > 10) text += fmt::format("; and {} more", badLines - 10);
  return Error(errors::kBadLine, std::move(text));
}

FileReport parseHistDataTicks(std::string_view text, const FileOptions& options,
                              const QuoteSink& sink) {
  FileReport report;
  LineReader lines(text);
  DateCache dates;
  std::string_view line;
  std::array<std::string_view, 5> fields;
  RawQuote quote;
  quote.symbol = options.symbol;
  quote.tenant = options.tenant;
  quote.flags = model::kTickBid | model::kTickAsk;
  while (lines.next(line)) {
    if (line.empty()) continue;
    const auto n = split(line, ',', fields);
    if (n < 3 || n > 4) {
      addError(report, lines.number(),
               fmt::format("expected 3 or 4 comma-separated fields (time,bid,ask[,volume]), got {}",
                           n > fields.size() - 1 ? std::string("more") : std::to_string(n)));
      continue;
    }
    if (auto problem = histDataTime(fields[0], true, options.utcOffsetNs, dates, quote.sourceTime);
        !problem.empty()) {
      addError(report, lines.number(), fmt::format("{}, got {}", problem, shown(fields[0])));
      continue;
    }
    if (!parseDouble(fields[1], quote.bid)) {
      addError(report, lines.number(), fmt::format("bid {} is not a number", shown(fields[1])));
      continue;
    }
    if (!parseDouble(fields[2], quote.ask)) {
      addError(report, lines.number(), fmt::format("ask {} is not a number", shown(fields[2])));
      continue;
    }
    quote.volume = 0.0;
    if (n == 4 && !parseDouble(fields[3], quote.volume)) {
      addError(report, lines.number(), fmt::format("volume {} is not a number", shown(fields[3])));
      continue;
    }
    ++report.records;
    sink(quote);
  }
  report.lines = lines.number();
  return report;
}

FileReport parseHistDataBars(std::string_view text, const FileOptions& options,
                             const BarSink& sink) {
  FileReport report;
  LineReader lines(text);
  DateCache dates;
  std::string_view line;
  std::array<std::string_view, 7> fields;
  RawBar bar;
  bar.symbol = options.symbol;
  while (lines.next(line)) {
    if (line.empty()) continue;
    const auto n = split(line, ';', fields);
    if (n != 6) {
      addError(report, lines.number(),
               fmt::format("expected 6 ';'-separated fields (time;open;high;low;close;volume), got {}",
                           n > 6 ? std::string("more") : std::to_string(n)));
      continue;
    }
    if (auto problem = histDataTime(fields[0], false, options.utcOffsetNs, dates, bar.start);
        !problem.empty()) {
      addError(report, lines.number(), fmt::format("{}, got {}", problem, shown(fields[0])));
      continue;
    }
    constexpr std::array<std::string_view, 5> kNames{"open", "high", "low", "close", "volume"};
    double* targets[] = {&bar.open, &bar.high, &bar.low, &bar.close, &bar.volume};
    bool ok = true;
    for (std::size_t i = 0; i < 5 && ok; ++i) {
      if (!parseDouble(fields[i + 1], *targets[i])) {
        addError(report, lines.number(),
                 fmt::format("{} {} is not a number", kNames[i], shown(fields[i + 1])));
        ok = false;
      }
    }
    if (!ok) continue;
    if (bar.high < bar.low || bar.open > bar.high || bar.open < bar.low ||
        bar.close > bar.high || bar.close < bar.low) {
      addError(report, lines.number(),
               fmt::format("high {} and low {} do not bound open {} and close {}", bar.high,
                           bar.low, bar.open, bar.close));
      continue;
    }
    ++report.records;
    sink(bar);
  }
  report.lines = lines.number();
  return report;
}

Expected<FileReport> parseCsv(std::string_view text, const FileOptions& options,
                              const QuoteSink& sink) {
  const auto& map = options.csv;
  FileReport report;
  LineReader lines(text);
  std::string_view line;
  constexpr std::size_t kMaxFields = 64;
  std::array<std::string_view, kMaxFields + 1> fields;

  // Column index of each mapped field; -1: absent.
  enum Column { kTime, kSymbol, kBid, kAsk, kLast, kVolume, kColumns };
  const std::array<const std::string*, kColumns> names{&map.timestamp, &map.symbol, &map.bid,
                                                       &map.ask,       &map.last,   &map.volume};
  constexpr std::array<std::string_view, kColumns> kKeys{"timestamp", "symbol", "bid",
                                                         "ask",       "last",   "volume"};
  std::array<int, kColumns> column{};
  std::vector<std::string_view> header;
  if (map.header) {
    while (lines.next(line) && line.empty()) {
    }
    const auto n = split(line, map.delimiter, fields);
    for (std::size_t i = 0; i < std::min(n, kMaxFields); ++i) header.push_back(fields[i]);
  }
  for (std::size_t c = 0; c < kColumns; ++c) {
    column[c] = -1;
    const auto& name = *names[c];
    if (name.empty()) continue;
    std::int64_t index = 0;
    if (!map.header && parseInt(name, index) && index >= 0 &&
        index < static_cast<std::int64_t>(kMaxFields)) {
      column[c] = static_cast<int>(index);
    } else if (map.header) {
      for (std::size_t i = 0; i < header.size(); ++i) {
        if (header[i] == name) column[c] = static_cast<int>(i);
      }
    }
    if (column[c] < 0) {
      return fail(errors::kBadArgument,
                  map.header ? fmt::format("CSV {} column '{}' is not in the header", kKeys[c], name)
                             : fmt::format("CSV {} column '{}' must be a 0-based index below {} "
                                           "when the file has no header",
                                           kKeys[c], name, kMaxFields));
    }
  }
  if (column[kTime] < 0 || (column[kBid] < 0 && column[kAsk] < 0 && column[kLast] < 0)) {
    return fail(errors::kBadArgument, "CSV mapping needs a timestamp column and a price column");
  }

  RawQuote quote;
  quote.tenant = options.tenant;
  quote.flags = (column[kBid] >= 0 ? model::kTickBid : 0) | (column[kAsk] >= 0 ? model::kTickAsk : 0) |
                (column[kLast] >= 0 ? model::kTickLast : 0) |
                (column[kVolume] >= 0 ? model::kTickVolume : 0);
  int needed = 0;
  for (auto c : column) needed = std::max(needed, c + 1);
  while (lines.next(line)) {
    if (line.empty()) continue;
    const auto n = split(line, map.delimiter, fields);
    if (static_cast<int>(n) < needed) {
      addError(report, lines.number(), fmt::format("expected at least {} fields, got {}", needed, n));
      continue;
    }
    const auto timeText = fields[static_cast<std::size_t>(column[kTime])];
    if (map.timestampFormat == TimestampFormat::Iso8601) {
      auto ts = model::parseIso8601(timeText);
      if (!ts) {
        addError(report, lines.number(), ts.error().message());
        continue;
      }
      // A time written without a zone is local to the file.
      const bool zoned = timeText.size() > 19 &&
                         (timeText.back() == 'Z' || timeText.back() == 'z' ||
                          timeText.find_first_of("+-", 19) != std::string_view::npos);
      quote.sourceTime = zoned ? *ts : *ts - options.utcOffsetNs;
    } else {
      std::int64_t value = 0;
      if (!parseInt(timeText, value) || value < 0) {
        addError(report, lines.number(),
                 fmt::format("timestamp {} is not a non-negative integer", shown(timeText)));
        continue;
      }
      const std::int64_t unit = map.timestampFormat == TimestampFormat::EpochS    ? kNsPerSecond
                                : map.timestampFormat == TimestampFormat::EpochMs ? 1'000'000
                                : map.timestampFormat == TimestampFormat::EpochUs ? 1'000
                                                                                  : 1;
      if (value > INT64_MAX / unit) {
        addError(report, lines.number(), fmt::format("timestamp {} out of range", shown(timeText)));
        continue;
      }
      quote.sourceTime = value * unit;
    }
    quote.symbol = column[kSymbol] >= 0 ? fields[static_cast<std::size_t>(column[kSymbol])]
                                        : std::string_view(options.symbol);
    double* targets[kColumns] = {nullptr, nullptr, &quote.bid, &quote.ask, &quote.last, &quote.volume};
    bool ok = true;
    for (std::size_t c = kBid; c < kColumns && ok; ++c) {
      if (column[c] < 0) continue;
      const auto value = fields[static_cast<std::size_t>(column[c])];
      if (!parseDouble(value, *targets[c])) {
        addError(report, lines.number(), fmt::format("{} {} is not a number", kKeys[c], shown(value)));
        ok = false;
      }
    }
    if (!ok) continue;
    ++report.records;
    sink(quote);
  }
  report.lines = lines.number();
  return report;
}

FileReport parseBinance(std::string_view text, const FileOptions& options, const QuoteSink& sink) {
  FileReport report;
  LineReader lines(text);
  std::string_view line;
  std::string symbol;
  auto number = [](const nlohmann::json& data, const char* key, double& out) {
    auto it = data.find(key);
    if (it == data.end() || !it->is_string()) return false;
    return parseDouble(it->get_ref<const std::string&>(), out);
  };
  while (lines.next(line)) {
    if (line.empty()) continue;
    const auto space = line.find(' ');
    std::int64_t recv = 0;
    if (space == std::string_view::npos || !parseInt(line.substr(0, space), recv) || recv <= 0) {
      addError(report, lines.number(), "expected '<receive ns> <json>'");
      continue;
    }
    auto json = nlohmann::json::parse(line.substr(space + 1), nullptr, false);
    if (json.is_discarded() || !json.is_object()) {
      addError(report, lines.number(), "the JSON does not parse");
      continue;
    }
    if (json.contains("lastUpdateId") && !json.contains("stream")) {  // a REST depth snapshot
      ++report.skipped;
      continue;
    }
    auto stream = json.find("stream");
    auto data = json.find("data");
    if (stream == json.end() || !stream->is_string() || data == json.end() || !data->is_object()) {
      addError(report, lines.number(), "expected a combined-stream object {\"stream\", \"data\"}");
      continue;
    }
    const auto& name = stream->get_ref<const std::string&>();
    const bool book = name.ends_with("@bookTicker");
    const bool trade = name.ends_with("@trade");
    if (!book && !trade) {
      ++report.skipped;
      continue;
    }
    auto s = data->find("s");
    if (s == data->end() || !s->is_string()) {
      addError(report, lines.number(), "missing symbol \"s\"");
      continue;
    }
    symbol = s->get<std::string>();
    RawQuote quote;
    quote.symbol = symbol;
    quote.tenant = options.tenant;
    quote.recvTime = recv;
    if (book) {
      quote.flags = model::kTickBid | model::kTickAsk;
      if (!number(*data, "b", quote.bid) || !number(*data, "a", quote.ask) ||
          !number(*data, "B", quote.bidSize) || !number(*data, "A", quote.askSize)) {
        addError(report, lines.number(), "bookTicker needs string numbers b, B, a, A");
        continue;
      }
      quote.sourceTime = recv;
    } else {
      auto t = data->find("T");
      auto m = data->find("m");
      if (!number(*data, "p", quote.last) || !number(*data, "q", quote.volume) ||
          t == data->end() || !t->is_number_integer() || m == data->end() || !m->is_boolean()) {
        addError(report, lines.number(), "trade needs p, q (strings), T (ms) and m");
        continue;
      }
      // m: the buyer was the maker, so the seller took liquidity.
      quote.flags = model::kTickLast | model::kTickVolume |
                    (m->get<bool>() ? model::kTickSell : model::kTickBuy);
      quote.sourceTime = t->get<std::int64_t>() * 1'000'000;
    }
    ++report.records;
    sink(quote);
  }
  report.lines = lines.number();
  return report;
}

Expected<std::string> readFileText(const std::filesystem::path& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) {
    return fail(errors::kFileUnreadable,
                fmt::format("{}: cannot open: {}", path.string(), std::strerror(errno)));
  }
  unsigned char magic[2] = {0, 0};
  const bool gzip = std::fread(magic, 1, 2, file.get()) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
  std::string text;
  if (!gzip) {
    std::fseek(file.get(), 0, SEEK_END);
    const long size = std::ftell(file.get());
    std::fseek(file.get(), 0, SEEK_SET);
    if (size < 0) return fail(errors::kFileUnreadable, fmt::format("{}: cannot size", path.string()));
    text.resize(static_cast<std::size_t>(size));
    if (std::fread(text.data(), 1, text.size(), file.get()) != text.size()) {
      return fail(errors::kFileUnreadable, fmt::format("{}: short read", path.string()));
    }
    return text;
  }
  file.reset();
  gzFile gz = gzopen(path.c_str(), "rb");
  if (gz == nullptr) return fail(errors::kFileUnreadable, fmt::format("{}: cannot open", path.string()));
  std::array<char, 1 << 16> buffer;
  int got = 0;
  while ((got = gzread(gz, buffer.data(), static_cast<unsigned>(buffer.size()))) > 0) {
    text.append(buffer.data(), static_cast<std::size_t>(got));
  }
  int code = Z_OK;
  const char* message = got < 0 ? gzerror(gz, &code) : nullptr;
  std::string problem = message != nullptr ? message : "";
  gzclose(gz);
  if (got < 0) {
    return fail(errors::kFileUnreadable,
                fmt::format("{}: gzip data is corrupt: {}", path.string(), problem));
  }
  return text;
}

Expected<FileReport> readMarketFile(const std::filesystem::path& path, const FileOptions& options,
                                    const QuoteSink& quotes, const BarSink& bars) {
  auto text = readFileText(path);
  if (!text) return Unexpected(std::move(text.error()));
  switch (options.format) {
    case FileFormat::HistDataTicks: return parseHistDataTicks(*text, options, quotes);
    case FileFormat::HistDataBars: return parseHistDataBars(*text, options, bars);
    case FileFormat::Csv: return parseCsv(*text, options, quotes);
    case FileFormat::Binance: return parseBinance(*text, options, quotes);
  }
  return fail(errors::kBadArgument, "unknown file format");
}

std::int64_t ReplayPacer::delayNs(TimestampNs eventTime) noexcept {
  if (speed_ <= 0.0) return 0;
  const auto now = clock_.monotonicNs();
  if (!started_) {
    started_ = true;
    firstEvent_ = eventTime;
    firstMonotonic_ = now;
    return 0;
  }
  const double offset = static_cast<double>(eventTime - firstEvent_) / speed_;
  const auto due = firstMonotonic_ + static_cast<std::int64_t>(offset);
  return due > now ? due - now : 0;
}

}  // namespace ait::data
