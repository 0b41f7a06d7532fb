#include "ait/ai/bars.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <fstream>

#include <fmt/format.h>

#include "ait/ai/errors.h"

namespace ait::ai {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '"')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r' || s.back() == '"')) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> splitFields(std::string_view line, char sep) {
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  while (true) {
    auto at = line.find(sep, start);
    fields.push_back(trim(line.substr(start, at == std::string_view::npos ? at : at - start)));
    if (at == std::string_view::npos) break;
    start = at + 1;
  }
  return fields;
}

bool parseInt(std::string_view s, std::int64_t& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

bool parseDouble(std::string_view s, double& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

// Reads exactly `width` digits at s[at].
bool digits(std::string_view s, std::size_t at, std::size_t width, int& out) {
  if (at + width > s.size()) return false;
  out = 0;
  for (std::size_t i = at; i < at + width; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

}  // namespace

Expected<BarFormat> parseBarFormat(std::string_view name) {
  if (name == "csv" || name == "ohlc" || name == "ohlc-csv") return BarFormat::Csv;
  return fail(kBadBarFile, fmt::format("unknown bar format '{}' (known: csv)", name));
}

Expected<std::int64_t> parseTimestamp(std::string_view text) {
  std::int64_t index = 0;
  if (parseInt(text, index)) return index * 86'400'000'000'000LL;
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  auto bad = [&] { return fail(kBadBarFile, fmt::format("bad timestamp '{}'", text)); };
  if (!digits(text, 0, 4, y) || text.size() < 10 || text[4] != '-' || !digits(text, 5, 2, mo) ||
      text[7] != '-' || !digits(text, 8, 2, d)) {
    return bad();
  }
  std::size_t at = 10;
  std::int64_t fractionNs = 0;
  if (at < text.size() && (text[at] == ' ' || text[at] == 'T')) {
    if (!digits(text, at + 1, 2, h) || at + 3 >= text.size() || text[at + 3] != ':' ||
        !digits(text, at + 4, 2, mi)) {
      return bad();
    }
    at += 6;
    if (at < text.size() && text[at] == ':') {
      if (!digits(text, at + 1, 2, s)) return bad();
      at += 3;
      if (at < text.size() && text[at] == '.') {
        std::int64_t scale = 100'000'000;
        for (++at; at < text.size() && std::isdigit(static_cast<unsigned char>(text[at])); ++at) {
          fractionNs += (text[at] - '0') * scale;
          scale /= 10;
        }
      }
    }
  }
  auto zone = text.substr(at);
  if (!zone.empty() && zone != "Z" && zone != "+00:00" && zone != "+0000") return bad();
  std::chrono::year_month_day date{std::chrono::year(y), std::chrono::month(static_cast<unsigned>(mo)),
                                   std::chrono::day(static_cast<unsigned>(d))};
  if (!date.ok() || h > 23 || mi > 59 || s > 60) return bad();
  auto days = std::chrono::sys_days(date).time_since_epoch().count();
  return ((static_cast<std::int64_t>(days) * 24 + h) * 3600 + mi * 60 + s) * 1'000'000'000LL +
         fractionNs;
}

std::string formatTimestamp(std::int64_t ts) {
  auto seconds = ts >= 0 ? ts / 1'000'000'000 : (ts - 999'999'999) / 1'000'000'000;
  auto fraction = ts - seconds * 1'000'000'000;
  auto days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400;
  auto rest = seconds - days * 86400;
  std::chrono::year_month_day date{std::chrono::sys_days(std::chrono::days(days))};
  auto text = fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}", int(date.year()),
                          unsigned(date.month()), unsigned(date.day()), rest / 3600,
                          rest / 60 % 60, rest % 60);
  if (fraction != 0) text += fmt::format(".{:09d}", fraction);
  return text + "Z";
}

Expected<std::int64_t> parseTimeframe(std::string_view text) {
  if (text.empty() || text == "raw") return 0;
  std::int64_t count = 0;
  auto unitAt = text.find_first_not_of("0123456789");
  if (unitAt == 0 || unitAt == std::string_view::npos ||
      !parseInt(text.substr(0, unitAt), count) || count <= 0) {
    return fail(kBadTimeframe, fmt::format("timeframe '{}' is not raw or N followed by s, m, h "
                                           "or d (e.g. 5m)", text));
  }
  auto unit = text.substr(unitAt);
  std::int64_t seconds = unit == "s" ? 1 : unit == "m" ? 60 : unit == "h" ? 3600 : unit == "d" ? 86400 : 0;
  if (seconds == 0) {
    return fail(kBadTimeframe, fmt::format("timeframe '{}': unit '{}' is not s, m, h or d", text, unit));
  }
  return count * seconds * 1'000'000'000LL;
}

std::vector<Bar> resample(const std::vector<Bar>& bars, std::int64_t timeframeNs) {
  if (timeframeNs <= 0) return bars;
  std::vector<Bar> out;
  std::int64_t bucket = 0;
  for (const auto& bar : bars) {
    auto start = bar.ts - ((bar.ts % timeframeNs) + timeframeNs) % timeframeNs;
    if (out.empty() || start != bucket) {
      bucket = start;
      out.push_back(bar);
      out.back().ts = start;
      continue;
    }
    auto& agg = out.back();
    agg.high = std::max(agg.high, bar.high);
    agg.low = std::min(agg.low, bar.low);
    agg.close = bar.close;
    agg.volume += bar.volume;
  }
  return out;
}

Expected<std::vector<Bar>> readBars(const std::string& path, BarFormat /*format*/) {
  std::ifstream in(path);
  if (!in) return fail(kBadBarFile, fmt::format("{}: cannot open", path));
  std::string line;
  if (!std::getline(in, line)) return fail(kBadBarFile, fmt::format("{}: empty file", path));
  char sep = line.find(';') != std::string::npos && line.find(',') == std::string::npos ? ';' : ',';
  auto header = splitFields(line, sep);
  int time = -1, open = -1, high = -1, low = -1, close = -1, volume = -1;
  for (int i = 0; i < static_cast<int>(header.size()); ++i) {
    auto name = lower(header[static_cast<std::size_t>(i)]);
    if (name == "open" || name == "o") open = i;
    else if (name == "high" || name == "h") high = i;
    else if (name == "low" || name == "l") low = i;
    else if (name == "close" || name == "c") close = i;
    else if (name == "volume" || name == "vol" || name == "v") volume = i;
    else if (time < 0 && (name == "date" || name == "datetime" || name == "time" ||
                          name == "timestamp" || name == "idx" || name.empty())) {
      time = i;
    }
  }
  if (open < 0 || high < 0 || low < 0 || close < 0) {
    return fail(kBadBarFile, fmt::format("{}: the header '{}' does not name open, high, low and "
                                         "close columns", path, line));
  }
  if (time < 0) time = 0;
  int needed = std::max({time, open, high, low, close, volume});
  std::vector<Bar> bars;
  std::size_t lineNo = 1;
  while (std::getline(in, line)) {
    ++lineNo;
    if (trim(line).empty()) continue;
    auto fields = splitFields(line, sep);
    if (static_cast<int>(fields.size()) <= needed) {
      return fail(kBadBarFile, fmt::format("{}:{}: {} fields, expected at least {}", path, lineNo,
                                           fields.size(), needed + 1));
    }
    Bar bar;
    auto ts = parseTimestamp(fields[static_cast<std::size_t>(time)]);
    if (!ts) return fail(kBadBarFile, fmt::format("{}:{}: {}", path, lineNo, ts.error().message()));
    bar.ts = *ts;
    struct Column { int index; double* into; const char* name; };
    for (auto [index, into, name] : {Column{open, &bar.open, "open"}, Column{high, &bar.high, "high"},
                                     Column{low, &bar.low, "low"}, Column{close, &bar.close, "close"},
                                     Column{volume, &bar.volume, "volume"}}) {
      if (index < 0) continue;
      auto text = fields[static_cast<std::size_t>(index)];
      if (!parseDouble(text, *into) || !std::isfinite(*into)) {
        return fail(kBadBarFile, fmt::format("{}:{}: {} '{}' is not a number", path, lineNo, name, text));
      }
    }
    bars.push_back(bar);
  }
  return bars;
}

}  // namespace ait::ai
