#include <cstdio>
#include <filesystem>

#include <fmt/format.h>

#include "ait/config/load.h"
#include "ait/journal/reader.h"
#include "ait/journal/verify.h"
#include "ait/model/codec.h"
#include "ait/model/events.h"
#include "ait/model/json.h"
#include "app/commands.h"
#include "app/config_source.h"

namespace ait::app {

namespace {

// The journal folder: --data when given, else journal.data_dir of the effective configuration.
std::optional<std::filesystem::path> dataDirectory(const std::string& dataDir,
                                                   const std::string& configFile,
                                                   const char* command) {
  if (!dataDir.empty()) return std::filesystem::path(dataDir);
  auto config = config::loadConfig(makeLoadOptions({}, configFile));
  if (!config) {
    std::fprintf(stderr, "aitrading %s: the configuration has problems:\n%s", command,
                 config::formatProblems(config.error()).c_str());
    return std::nullopt;
  }
  return std::filesystem::path(config->journal.data_dir);
}

}  // namespace

int runAuditVerify(const AuditOptions& options) {
  auto dir = dataDirectory(options.dataDir, options.configFile, "audit verify");
  if (!dir) return 2;
  if (!std::filesystem::is_directory(*dir)) {
    std::fprintf(stderr, "aitrading audit verify: %s: no such journal folder\n", dir->c_str());
    return 2;
  }
  auto streams = journal::listStreams(*dir);
  if (!streams) {
    std::fprintf(stderr, "aitrading audit verify: %s\n", streams.error().describe().c_str());
    return 2;
  }
  if (streams->empty()) {
    std::printf("%s: no journal segments (nothing to verify)\n", dir->c_str());
    return 0;
  }
  bool intact = true;
  for (const auto& stream : *streams) {
    journal::VerifyOptions verifyOptions;
    if (!options.quiet) {
      verifyOptions.onProgress = [&stream](const journal::VerifyProgress& p) {
        std::fprintf(stderr, "verifying %s: segment %llu/%llu, %llu/%llu MiB, %llu records\n",
                     stream.filename().c_str(), static_cast<unsigned long long>(p.segmentsDone),
                     static_cast<unsigned long long>(p.segmentsTotal),
                     static_cast<unsigned long long>(p.bytesDone >> 20),
                     static_cast<unsigned long long>(p.bytesTotal >> 20),
                     static_cast<unsigned long long>(p.records));
      };
    }
    auto report = journal::verifyJournal(stream, verifyOptions);
    if (!report) {
      std::fprintf(stderr, "aitrading audit verify: %s\n", report.error().describe().c_str());
      return 2;
    }
    std::fputs(report->describe().c_str(), stdout);
    if (!report->intact) intact = false;
  }
  return intact ? 0 : 1;
}

int runJournalDump(const JournalDumpOptions& options) {
  auto dir = dataDirectory(options.dataDir, options.configFile, "journal dump");
  if (!dir) return 2;
  journal::ReadOptions readOptions;
  readOptions.fromSeq = std::max<std::uint64_t>(options.fromSequence, 1);
  for (const auto& name : options.types) {
    auto type = model::eventTypeFromName(name);
    if (!type) {
      std::fprintf(stderr, "aitrading journal dump: unknown event type '%s'\n", name.c_str());
      return 2;
    }
    readOptions.types.push_back(static_cast<std::uint16_t>(*type));
  }
  auto streams = journal::listStreams(*dir);
  if (!streams) {
    std::fprintf(stderr, "aitrading journal dump: %s\n", streams.error().describe().c_str());
    return 2;
  }
  std::uint64_t printed = 0;
  for (const auto& stream : *streams) {
    auto reader = journal::JournalReader::open(stream, readOptions);
    if (!reader) {
      std::fprintf(stderr, "aitrading journal dump: %s\n", reader.error().describe().c_str());
      return 2;
    }
    while (options.limit == 0 || printed < options.limit) {
      auto record = reader->next();
      if (!record) {
        std::fprintf(stderr, "aitrading journal dump: %s\n", record.error().describe().c_str());
        return 1;
      }
      if (!*record) break;
      nlohmann::json line;
      if (auto event = model::decode((*record)->payload)) {
        line = model::toJson(*event);
      } else {
        line = {{"type_id", (*record)->type}, {"error", event.error().describe()}};
      }
      line["seq"] = (*record)->seq;
      line["stream"] = stream.filename().string();
      std::puts(line.dump().c_str());
      ++printed;
    }
  }
  return 0;
}

}  // namespace ait::app
