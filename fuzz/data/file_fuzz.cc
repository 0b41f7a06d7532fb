// Feeds arbitrary bytes to the market data file parsers: HistData ticks and M1 bars, generic CSV
// (with a header mapping and with column indices, ISO 8601 and epoch times) and the Binance
// combined-stream dump. The first byte picks the parser, the rest is the file's text. Nothing may
// crash, hang or leak; bad lines must be counted and reported by number, never thrown.

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "ait/data/files.h"

namespace {

using namespace ait;
using namespace ait::data;

void check(const FileReport& report) {
  if (report.errors.size() > kMaxLineErrors || report.errors.size() > report.badLines) std::abort();
  for (const auto& e : report.errors) {
    if (e.line == 0 || e.message.empty()) std::abort();
  }
}

// Values are checked by the normaliser (NaN, negative, crossed), not by the parsers; a quote
// handed on must at least carry the time its line gave.
void checkQuote(const RawQuote& q) {
  if (q.sourceTime == 0 && q.flags == 0) std::abort();
}

void csvFile(std::string_view text, const config::CsvConfig& csv, FileOptions options) {
  auto mapping = csvMapping(csv);
  if (!mapping) std::abort();  // the mappings above are valid
  options.csv = *mapping;
  if (auto report = parseCsv(text, options, checkQuote)) check(*report);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  FileOptions options;
  options.symbol = "EURUSD";
  options.utcOffsetNs = -5LL * 3600 * 1'000'000'000;
  auto quote = [](const RawQuote& q) { checkQuote(q); };
  switch (data[0] % 6) {
    case 0:
      check(parseHistDataTicks(text, options, quote));
      break;
    case 1:
      check(parseHistDataBars(text, options, [](const RawBar& b) {
        if (b.low > b.high) std::abort();  // the parser refuses bars whose low is above the high
      }));
      break;
    case 2: {
      config::CsvConfig csv;
      csv.symbol_column = "symbol";
      csv.last_column = "last";
      csv.volume_column = "volume";
      csvFile(text, csv, options);
      break;
    }
    case 3: {
      config::CsvConfig csv;
      csv.header = false;
      csv.delimiter = ";";
      csv.timestamp_column = "0";
      csv.timestamp_format = data[0] % 2 == 0 ? "epoch_ms" : "epoch_ns";
      csv.bid_column = "1";
      csv.ask_column = "2";
      csvFile(text, csv, options);
      break;
    }
    default:
      options.utcOffsetNs = 0;
      check(parseBinance(text, options, quote));
      break;
  }
  return 0;
}
